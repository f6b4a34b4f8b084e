// The IR executor: compiles an IR function once into a closure over tfjs
// kernels, and owns the parameters (tf.Variables keyed by path).
//
// compileFunction walks the nodes once, asks each op's kernel builder for its
// closure (all axis bookkeeping happens there), and returns `run`, which only
// indexes an array of tensors and calls closures: no per-step interpretation
// beyond a lookup per node. Constants are created once and kept until
// `dispose`.
//
// Batch-invariant work is hoisted: inputs named in `staticInputs` (memory
// banks, which feeds hand over as the same tensor object until the memory
// changes) and constants are static; so is every parameter-free, non-random
// op whose inputs are all static. When each static input is the same object
// as on the last call, the static nodes that feed the rest of the graph
// reuse the values kept from then instead of running (IGMTF's bank mask and
// day means: once per refresh, not once per step).
//
// Assumes: calls are inlined (the pipeline's inline pass), or callees are
// given in `program` (compiled recursively).
// Guarantees: `run` creates tensors only through kernels; callers wrap it in
// tf.tidy or a gradient tape, so the live tensor count is flat across steps
// (hoisted values are replaced, not accumulated, and freed by `dispose`).

import * as tf from '@tensorflow/tfjs';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { Func, Node, Program, TensorType } from '../../compiler/ir/types.js';
import { lookupOp } from '../../compiler/ops/registry.js';
import type { ParamSpec } from '../../compiler/ops/spec.js';
import { initParam, seededRng } from '../ops/init.js';
import type { KernelFn, KernelTable, RunContext } from '../ops/kernel.js';

export type Outputs = tf.Tensor | { [field: string]: tf.Tensor };

export interface CompiledFn {
  name: string;
  params: Func['params'];
  run(inputs: Record<string, tf.Tensor>, ctx: RunContext): Outputs;
  dispose(): void;
}

function fail(what: string): never {
  throw new DiagnosticError(diag('internalError', { what }));
}

export interface CompileOptions {
  /** inputs that stay the same tensor object between calls while their value is unchanged (memory banks) */
  staticInputs?: ReadonlySet<string>;
}

/** Which nodes are static (batch-invariant), and which of those feed a non-static node or the result. */
function staticPlan(f: Func, staticInputs: ReadonlySet<string>): { isStatic: boolean[]; keep: boolean[] } {
  const pos = new Map(f.nodes.map((n, i) => [n.id, i]));
  const isStatic = f.nodes.map(() => false);
  f.nodes.forEach((n, i) => {
    if (n.op === 'input') isStatic[i] = staticInputs.has(String(n.attrs['name']));
    else if (n.op === 'const') isStatic[i] = true;
    else if (n.op === 'record' || n.op === 'get' || n.op === 'call') isStatic[i] = false;
    else {
      const op = lookupOp(n.op);
      isStatic[i] = op !== undefined && op.kind !== 'layer' && !op.stochastic && !op.modal && !op.effect && Object.values(n.inputs).every((id) => isStatic[pos.get(id)!]);
    }
  });
  const keep = f.nodes.map(() => false);
  f.nodes.forEach((n, i) => {
    for (const id of Object.values(n.inputs)) {
      const j = pos.get(id)!;
      if (isStatic[j] && !isStatic[i]) keep[j] = true;
    }
  });
  const r = pos.get(f.result);
  if (r !== undefined && isStatic[r]) keep[r] = true;
  // only ops are worth keeping: inputs and constants are there anyway
  f.nodes.forEach((n, i) => (keep[i] &&= n.op !== 'input' && n.op !== 'const'));
  return { isStatic, keep };
}

export function compileFunction(f: Func, kernels: KernelTable, program?: Program, opts: CompileOptions = {}): CompiledFn {
  const index = new Map<number, number>();
  f.nodes.forEach((n, i) => index.set(n.id, i));
  const types = new Map<number, Node['type']>(f.nodes.map((n) => [n.id, n.type]));
  const consts: tf.Tensor[] = [];
  type Step = (vals: (tf.Tensor | Outputs | undefined)[], inputs: Record<string, tf.Tensor>, ctx: RunContext) => Outputs;
  const steps: Step[] = [];
  const callees: CompiledFn[] = [];
  for (const n of f.nodes) {
    const ins = Object.values(n.inputs).map((id) => {
      const i = index.get(id);
      if (i === undefined) fail(`${f.name}: %${n.id} reads %${id}, which is not defined`);
      return i;
    });
    switch (n.op) {
      case 'input': {
        const name = String(n.attrs['name']);
        steps.push((_v, inputs) => {
          const t = inputs[name];
          if (!t) fail(`${f.name}: input ${name} was not given`);
          return t;
        });
        break;
      }
      case 'const': {
        const v = n.attrs['value'];
        const dtype = n.type.kind === 'tensor' ? n.type.dtype : 'f32';
        const t = tf.keep(dtype === 'bool' ? tf.scalar(Boolean(v), 'bool') : tf.scalar(Number(v), dtype === 'i32' ? 'int32' : 'float32'));
        consts.push(t);
        steps.push(() => t);
        break;
      }
      case 'record': {
        const names = Object.keys(n.inputs);
        steps.push((vals) => {
          const o: { [k: string]: tf.Tensor } = {};
          names.forEach((k, j) => (o[k] = vals[ins[j]!] as tf.Tensor));
          return o;
        });
        break;
      }
      case 'get': {
        const field = String(n.attrs['field']);
        steps.push((vals) => (vals[ins[0]!] as { [k: string]: tf.Tensor })[field]!);
        break;
      }
      case 'call': {
        const callee = program?.functions[String(n.attrs['fn'])];
        if (!callee) fail(`${f.name}: call of ${String(n.attrs['fn'])} needs the program (run the inline pass)`);
        const c = compileFunction(callee, kernels, program);
        callees.push(c);
        const names = Object.keys(n.inputs);
        steps.push((vals, _inputs, ctx) => {
          const sub: Record<string, tf.Tensor> = {};
          names.forEach((k, j) => (sub[k] = vals[ins[j]!] as tf.Tensor));
          return c.run(sub, ctx);
        });
        break;
      }
      default: {
        const builder = kernels[n.op];
        if (!builder) fail(`no kernel for op ${n.op}`);
        const inputTypes = Object.values(n.inputs).map((id) => types.get(id) as TensorType);
        const kernel: KernelFn = builder({ op: n.op, attrs: n.attrs, inputNames: Object.keys(n.inputs), inputTypes, type: n.type as TensorType });
        steps.push((vals, _inputs, ctx) => kernel(ins.map((i) => vals[i] as tf.Tensor), ctx));
      }
    }
  }
  const resultIndex = index.get(f.result);
  if (resultIndex === undefined) fail(`${f.name}: result %${f.result} is not defined`);
  const names = [...(opts.staticInputs ?? [])].filter((n) => f.params.some((p) => p.name === n));
  const plan = names.length ? staticPlan(f, new Set(names)) : undefined;
  // the static inputs seen by the last call, and the kept values computed from them
  let seen: tf.Tensor[] | undefined;
  const held = new Map<number, tf.Tensor>();
  const owned = new Set<tf.Tensor>();
  const release = () => {
    for (const t of owned) t.dispose();
    owned.clear();
    held.clear();
  };
  return {
    name: f.name,
    params: f.params,
    run(inputs, ctx) {
      const vals: (Outputs | undefined)[] = new Array(steps.length);
      const step = (i: number) => (vals[i] = steps[i]!(vals as (tf.Tensor | undefined)[], inputs, ctx));
      if (!plan) {
        for (let i = 0; i < steps.length; i++) step(i);
        return vals[resultIndex]!;
      }
      const now = names.map((n) => inputs[n]!);
      const hit = seen !== undefined && now.every((t, j) => t === seen![j]);
      if (!hit) release();
      for (let i = 0; i < steps.length; i++) {
        if (hit && plan.isStatic[i]) {
          // kept values; inputs and constants as always; other static values are read only by static nodes
          const op = f.nodes[i]!.op;
          if (held.has(i)) vals[i] = held.get(i)!;
          else if (op === 'input' || op === 'const') step(i);
          continue;
        }
        const v = step(i) as tf.Tensor;
        if (!hit && plan.keep[i]) {
          held.set(i, v);
          // a kernel may hand back an input or a constant as it is: only what it made is ours to free
          if (!now.includes(v) && !consts.includes(v)) owned.add(tf.keep(v));
        }
      }
      seen = now;
      return vals[resultIndex]!;
    },
    dispose() {
      release();
      seen = undefined;
      for (const t of consts) t.dispose();
      for (const c of callees) c.dispose();
    },
  };
}

// ── parameters ──────────────────────────────────────────────────────────────

export interface ParamEntry extends ParamSpec {
  /** full key: `${path}.${name}` */
  key: string;
  path: string;
}

export interface ParamStore {
  entries: ParamEntry[];
  vars: Map<string, tf.Variable>;
}

/** Every parameter the functions' layer nodes own, in first-use order (deterministic). */
export function paramSpecs(fns: Func[]): ParamEntry[] {
  const out = new Map<string, ParamEntry>();
  for (const f of fns) {
    const types = new Map(f.nodes.map((n) => [n.id, n.type]));
    for (const n of f.nodes) {
      const op = lookupOp(n.op);
      if (!op?.params || typeof n.attrs['path'] !== 'string') continue;
      const ins: Record<string, TensorType> = {};
      for (const [k, id] of Object.entries(n.inputs)) ins[k] = types.get(id) as TensorType;
      const path = n.attrs['path'];
      for (const spec of op.params(ins, n.attrs)) {
        const key = path ? `${path}.${spec.name}` : spec.name;
        const prev = out.get(key);
        if (prev) {
          if (JSON.stringify(prev.shape) !== JSON.stringify(spec.shape)) fail(`parameter ${key} is used with shapes ${JSON.stringify(prev.shape)} and ${JSON.stringify(spec.shape)}`);
          continue;
        }
        if (spec.shape.some((d) => !(d > 0))) {
          throw new DiagnosticError(diag('paramShapeUnknown', { key, shape: JSON.stringify(spec.shape) }));
        }
        out.set(key, { ...spec, key, path });
      }
    }
  }
  return [...out.values()];
}

/** Create (and initialise, seeded) the variables for the given specs. */
export function createParams(entries: ParamEntry[], seed: number): ParamStore {
  const rng = seededRng(seed);
  const vars = new Map<string, tf.Variable>();
  for (const e of entries) {
    const values = initParam(e, rng);
    const init = tf.tensor(values, e.shape, 'float32');
    vars.set(e.key, tf.variable(init, !e.state));
    init.dispose();
  }
  return { entries, vars };
}

export function disposeParams(p: ParamStore): void {
  for (const v of p.vars.values()) v.dispose();
  p.vars.clear();
}

export function trainableKeys(p: ParamStore, frozen: string[] = []): string[] {
  return p.entries
    .filter((e) => !e.state && !frozen.some((f) => e.key === f || e.key.startsWith(`${f}.`)))
    .map((e) => e.key);
}

/** Values of every parameter (trainable and state) as plain arrays, keyed by path. */
export function readParams(p: ParamStore): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of p.vars) out[k] = v.dataSync() as Float32Array;
  return out;
}

export function writeParams(p: ParamStore, values: Record<string, Float32Array>, prefix?: { from: string; to: string }): string[] {
  const done: string[] = [];
  for (const [k0, data] of Object.entries(values)) {
    let k = k0;
    if (prefix) {
      if (!(k0 === prefix.from || k0.startsWith(`${prefix.from}.`))) continue;
      k = prefix.to + k0.slice(prefix.from.length);
    }
    const v = p.vars.get(k);
    if (!v) continue;
    if (v.size !== data.length) throw new DiagnosticError(diag('checkpointMismatch', { path: k, what: `parameter ${k} has ${v.size} values, the checkpoint has ${data.length}` }));
    const t = tf.tensor(data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
    done.push(k);
  }
  return done;
}

/** The RunContext a compiled function needs: parameters by path, training flag, seeds, memory writes. */
export function runContext(p: ParamStore, opts: { training: boolean; seed: number }): RunContext & { pendingState: Map<string, tf.Tensor> } {
  let counter = 0;
  const pendingState = new Map<string, tf.Tensor>();
  const keyOf = (path: string, name: string) => (path ? `${path}.${name}` : name);
  const param = (path: string, name: string): tf.Variable => {
    const v = p.vars.get(keyOf(path, name));
    if (!v) fail(`no parameter ${keyOf(path, name)}`);
    return v;
  };
  return {
    training: opts.training,
    param,
    setState(path, name, value) {
      const key = keyOf(path, name);
      pendingState.get(key)?.dispose();
      pendingState.set(key, tf.keep(value));
    },
    state(path, name) {
      return pendingState.get(keyOf(path, name)) ?? param(path, name);
    },
    seed() {
      counter++;
      return (opts.seed * 1_000_003 + counter * 7_919) % 2_147_483_647;
    },
    writes: new Map(),
    pendingState,
  };
}

/** Apply batch-norm running-statistic updates recorded during a training step. */
export function commitState(p: ParamStore, pending: Map<string, tf.Tensor>): void {
  for (const [k, t] of pending) {
    const v = p.vars.get(k);
    if (v) v.assign(t);
    t.dispose();
  }
  pending.clear();
}
