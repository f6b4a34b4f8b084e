// Test harness for the op kernels: builds a NodeInfo from a small case (the
// registry's shape rule gives the output type), runs the kernel with a fake
// RunContext on the cpu or wasm backend, compares with a float64 reference by
// axis name, checks gradients against central finite differences of the
// reference, and counts live tensors.
//
// Assumes: `setupBackends()` ran (beforeAll); cases are small.
// Guarantees: every helper disposes what it creates (so tensor counts can be
// compared around it); generated inputs are float32 values, and the gradient
// check rounds its base point to float32, so the kernel and the reference see
// the same numbers (the reference reads them unrounded: finite differences
// step below float32 resolution).

import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import type { Attrs, DType, TensorType } from '../../../compiler/ir/types.js';
import { lookupOp } from '../../../compiler/ops/registry.js';
import { isShapeError } from '../../../compiler/ops/spec.js';
import { initBackend } from '../../../runtime/backend.js';
import { kernels } from '../../../runtime/ops/index.js';
import type { NodeInfo, RunContext } from '../../../runtime/ops/kernel.js';
import { count, forEach, get, type RT } from './reference.js';

export type Backend = 'cpu' | 'wasm' | 'tensorflow';

/** Backends the forward checks run on: cpu, wasm, and tfjs-node's when it is installed. */
export const backends: Backend[] = ['cpu', 'wasm'];

export async function setupBackends(): Promise<void> {
  const node = await initBackend({ backend: 'node' });
  if (node.name === 'node' && !backends.includes('tensorflow')) backends.push('tensorflow');
  await initBackend({ backend: 'wasm' });
  await initBackend({ backend: 'cpu' });
}

export async function useBackend(b: Backend): Promise<void> {
  if (tf.getBackend() !== b) await tf.setBackend(b);
}

/** Axis names whose sizes are symbolic in the node's types (read from tensors at run time). */
const SYMBOLIC = new Set(['N', 'J']);

export interface CaseInput {
  name: string;
  axes: string[];
  shape: number[];
  dtype?: DType;
  data: ArrayLike<number>;
}

export interface Case {
  op: string;
  attrs?: Attrs;
  inputs: CaseInput[];
  params?: Record<string, { shape: number[]; data: ArrayLike<number> }>;
  training?: boolean;
  /** the first value ctx.seed() returns (then +1 per call) */
  seed?: number;
}

export function inputRT(c: Case, name: string): RT | undefined {
  const i = c.inputs.find((x) => x.name === name);
  if (!i) return undefined;
  return { axes: i.axes, shape: i.shape, data: Float64Array.from(i.data) };
}

export function paramRT(c: Case, name: string): RT {
  const p = c.params![name]!;
  return { axes: p.shape.map((_, i) => `p${i}`), shape: p.shape, data: Float64Array.from(p.data) };
}

export function typeOf(i: CaseInput): TensorType {
  return { kind: 'tensor', dtype: i.dtype ?? 'f32', axes: i.axes.map((a, d) => ({ name: a, size: SYMBOLIC.has(a) ? a : i.shape[d]! })) };
}

export function nodeOf(c: Case): NodeInfo {
  const op = lookupOp(c.op);
  if (!op) throw new Error(`unknown op ${c.op}`);
  const ins: Record<string, TensorType> = {};
  for (const i of c.inputs) ins[i.name] = typeOf(i);
  const attrs = { ...(c.attrs ?? {}) };
  if (op.kind === 'layer') attrs['path'] = 'layer';
  const type = op.shape(ins, attrs);
  if (isShapeError(type)) throw new Error(`${c.op}: shape rule rejects the case: ${JSON.stringify(type)}`);
  if (type.kind !== 'tensor') throw new Error(`${c.op}: record result`);
  return { op: c.op, attrs, inputNames: c.inputs.map((i) => i.name), inputTypes: c.inputs.map(typeOf), type };
}

function tensorOf(i: CaseInput): tf.Tensor {
  const d = i.dtype ?? 'f32';
  if (d === 'f32') return tf.tensor(Float32Array.from(i.data), i.shape, 'float32');
  if (d === 'i32') return tf.tensor(Int32Array.from(i.data), i.shape, 'int32');
  return tf.tensor(Array.from(i.data, (v) => v !== 0), i.shape, 'bool');
}

export interface RunResult {
  out: RT;
  dtype: string;
  states: Record<string, Float64Array>;
  writes: Record<string, RT>;
  seeds: number;
}

interface FakeCtx {
  ctx: RunContext;
  vars: tf.Variable[];
  states: Record<string, Float64Array>;
  seeds: () => number;
}

function fakeContext(c: Case, paramOverride?: Map<string, tf.Tensor>): FakeCtx {
  const vars: tf.Variable[] = [];
  const byName = new Map<string, tf.Variable>();
  for (const [name, p] of Object.entries(c.params ?? {})) {
    const init = tf.tensor(Float32Array.from(p.data), p.shape, 'float32');
    const v = tf.variable(init, !name.startsWith('running'));
    init.dispose();
    vars.push(v);
    byName.set(name, v);
  }
  const states: Record<string, Float64Array> = {};
  let next = c.seed ?? 12345;
  let used = 0;
  const ctx: RunContext = {
    training: c.training ?? false,
    param(_path, name) {
      const o = paramOverride?.get(name);
      if (o) return o as tf.Variable;
      const v = byName.get(name);
      if (!v) throw new Error(`no parameter ${name}`);
      return v;
    },
    setState(_path, name, value) {
      states[name] = Float64Array.from(value.dataSync());
    },
    // one call per case: the state so far is the parameter
    state: (path, name) => ctx.param(path, name),
    seed() {
      used++;
      return next++;
    },
    writes: new Map(),
  };
  return { ctx, vars, states, seeds: () => used };
}

function rtOf(t: tf.Tensor, axes: string[]): RT {
  return { axes, shape: [...t.shape], data: Float64Array.from(t.dataSync() as ArrayLike<number>) };
}

/** Build the kernel and run it once (inside tf.tidy); every tensor it made is disposed. */
export function runCase(c: Case): RunResult {
  const node = nodeOf(c);
  const kernel = kernels[c.op]!(node);
  const f = fakeContext(c);
  try {
    const y = tf.tidy(() => kernel(c.inputs.map(tensorOf), f.ctx));
    const out = rtOf(y, node.type.axes.map((a) => a.name));
    const dtype = y.dtype;
    y.dispose();
    const writes: Record<string, RT> = {};
    for (const [k, w] of f.ctx.writes) {
      writes[k] = rtOf(w, node.type.axes.map((a) => a.name));
      w.dispose();
    }
    return { out, dtype, states: f.states, writes, seeds: f.seeds() };
  } finally {
    for (const v of f.vars) v.dispose();
  }
}

/** Lay out a reference tensor in another order of the same axes. */
export function relayout(t: RT, axes: string[]): RT {
  const shape = axes.map((a) => t.shape[t.axes.indexOf(a)]!);
  const data = new Float64Array(count(shape));
  forEach(axes, shape, (idx, flat) => (data[flat] = get(t, idx)));
  return { axes, shape, data };
}

function sameAxes(got: RT, want: RT): string | null {
  if (got.axes.length !== want.axes.length) return `axes [${got.axes}] vs [${want.axes}]`;
  for (let d = 0; d < got.axes.length; d++) {
    const j = want.axes.indexOf(got.axes[d]!);
    if (j < 0) return `axis ${got.axes[d]} missing from the reference [${want.axes}]`;
    if (want.shape[j] !== got.shape[d]) return `axis ${got.axes[d]}: ${got.shape[d]} vs ${want.shape[j]}`;
  }
  return null;
}

/** Values agree by name: equal NaN pattern and infinities, |a − b| ≤ atol + rtol·|b| elsewhere. */
export function expectClose(got: RT, want: RT, opts: { atol?: number; rtol?: number; what?: string } = {}): void {
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const bad = sameAxes(got, want);
  if (bad) throw new Error(`${opts.what ?? ''}: ${bad}`);
  forEach(got.axes, got.shape, (idx, flat) => {
    const a = got.data[flat]!;
    const b = get(want, idx);
    const ok = Number.isNaN(b) ? Number.isNaN(a) : Number.isFinite(b) ? Math.abs(a - b) <= atol + rtol * Math.abs(b) : a === b;
    if (!ok) throw new Error(`${opts.what ?? ''}: at ${JSON.stringify(idx)} got ${a}, want ${b}`);
  });
}

function randomProjection(t: RT, seed: number): RT {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  // entries that are not finite, or huge constants like a masked log-probability (−1e9), are left out:
  // their float64 differences would cancel catastrophically
  return { axes: t.axes, shape: t.shape, data: t.data.map((v) => (Number.isFinite(v) && Math.abs(v) < 1e6 ? 2 * rnd() - 1 : 0)) };
}

function project(out: RT, R: RT): number {
  let acc = 0;
  forEach(R.axes, R.shape, (idx, flat) => {
    const r = R.data[flat]!;
    if (r !== 0) acc += r * get(out, idx);
  });
  return acc;
}

export interface GradOptions {
  /** input names to differentiate (default: every f32 input) */
  inputs?: string[];
  /** parameter names to differentiate (default: every parameter not named running_*) */
  params?: string[];
  /** the reference whose finite differences are the oracle (default: `ref`) */
  gradRef?: (c: Case) => RT;
}

function withData(c: Case, kind: 'input' | 'param', name: string, data: Float64Array): Case {
  if (kind === 'input') return { ...c, inputs: c.inputs.map((i) => (i.name === name ? { ...i, data } : i)) };
  return { ...c, params: { ...c.params, [name]: { ...c.params![name]!, data } } };
}

/**
 * max |g_tf − g_fd| / max(max |g_fd|, 1e-2): tfjs's gradient of sum(out · R)
 * (on the current backend) against central differences (float64, h = 1e-6·max(1, |x|))
 * of the reference, R random where the reference output is finite (and not
 * a huge constant). Entries whose input is NaN are skipped.
 */
export function gradError(c0: Case, ref: (c: Case) => RT, opts: GradOptions = {}): number {
  const round = (d: ArrayLike<number>): Float64Array => Float64Array.from(d, Math.fround);
  const c: Case = {
    ...c0,
    inputs: c0.inputs.map((i) => ((i.dtype ?? 'f32') === 'f32' ? { ...i, data: round(i.data) } : i)),
    params: c0.params && Object.fromEntries(Object.entries(c0.params).map(([k, p]) => [k, { ...p, data: round(p.data) }])),
  };
  const oracle = opts.gradRef ?? ref;
  const inputNames = opts.inputs ?? c.inputs.filter((i) => (i.dtype ?? 'f32') === 'f32').map((i) => i.name);
  const paramNames = opts.params ?? Object.keys(c.params ?? {}).filter((n) => !n.startsWith('running'));
  const base = oracle(c);
  const R = randomProjection(base, 977 + count(base.shape));
  const node = nodeOf(c);
  const outAxes = node.type.axes.map((a) => a.name);
  const Rk = relayout(R, outAxes);
  const kernel = kernels[c.op]!(node);
  const f = fakeContext(c);
  const args: { kind: 'input' | 'param'; name: string; shape: number[]; data: Float64Array }[] = [
    ...inputNames.map((n) => {
      const i = c.inputs.find((x) => x.name === n)!;
      return { kind: 'input' as const, name: n, shape: i.shape, data: Float64Array.from(i.data) };
    }),
    ...paramNames.map((n) => ({ kind: 'param' as const, name: n, shape: c.params![n]!.shape, data: Float64Array.from(c.params![n]!.data) })),
  ];
  if (args.length === 0) return 0;
  let tfGrads: Float64Array[];
  try {
    const gradTensors = tf.tidy(() => {
      const ts = args.map((a) => tf.tensor(Float32Array.from(a.data), a.shape, 'float32'));
      const rk = tf.tensor(Float32Array.from(Rk.data), Rk.shape, 'float32');
      const g = tf.grads((...xs: tf.Tensor[]) => {
        const override = new Map<string, tf.Tensor>();
        args.forEach((a, j) => a.kind === 'param' && override.set(a.name, xs[j]!));
        const ins = c.inputs.map((i) => {
          const j = args.findIndex((a) => a.kind === 'input' && a.name === i.name);
          return j >= 0 ? xs[j]! : tensorOf(i);
        });
        const ctx = { ...f.ctx, param: (path: string, name: string) => (override.get(name) as tf.Variable) ?? f.ctx.param(path, name) };
        const y = kernel(ins, ctx);
        // a zero-weight term keeps every argument connected (an output that is constant in x has gradient 0)
        const anchor = xs.map((x) => tf.mul(tf.sum(tf.where(tf.isNaN(x), tf.zerosLike(x), x)), 0));
        return tf.addN([tf.sum(tf.mul(tf.cast(y, 'float32'), rk)), ...anchor]);
      })(ts);
      return g;
    });
    tfGrads = gradTensors.map((t) => Float64Array.from(t.dataSync()));
    tf.dispose(gradTensors);
  } finally {
    for (const v of f.vars) v.dispose();
  }
  let worst = 0;
  let scale = 1e-2;
  const diffs: number[] = [];
  args.forEach((a, j) => {
    for (let e = 0; e < a.data.length; e++) {
      const x = a.data[e]!;
      if (Number.isNaN(x)) continue;
      const h = 1e-6 * Math.max(1, Math.abs(x));
      const plus = Float64Array.from(a.data);
      const minus = Float64Array.from(a.data);
      plus[e] = x + h;
      minus[e] = x - h;
      const fd = (project(oracle(withData(c, a.kind, a.name, plus)), R) - project(oracle(withData(c, a.kind, a.name, minus)), R)) / (2 * h);
      scale = Math.max(scale, Math.abs(fd));
      diffs.push(Math.abs(fd - tfGrads[j]![e]!));
    }
  });
  for (const d of diffs) worst = Math.max(worst, Number.isNaN(d) ? Infinity : d);
  return worst / scale;
}

/** Live tensors left behind by `fn` (0 when it cleans up). */
export function leakedBy(fn: () => void): number {
  const n0 = tf.memory().numTensors;
  fn();
  return tf.memory().numTensors - n0;
}

// ── generators ──────────────────────────────────────────────────────────────

export const sizesArb = fc.record({
  N: fc.integer({ min: 1, max: 4 }),
  T: fc.integer({ min: 1, max: 4 }),
  F: fc.integer({ min: 1, max: 3 }),
  K: fc.integer({ min: 1, max: 3 }),
  J: fc.integer({ min: 1, max: 3 }),
});

export type Sizes = Record<string, number>;

export function shapeOfAxes(axes: string[], s: Sizes): number[] {
  return axes.map((a) => s[a]!);
}

export interface FillOptions {
  lo?: number;
  hi?: number;
  /** probability of NaN per entry */
  nan?: number;
  /** round values to multiples of this (creates ties) */
  quant?: number;
  /** integers in [lo, hi] */
  ints?: boolean;
  /** keep |value| ≥ this (away from kinks and poles) */
  away?: number;
}

/** Deterministic values from a seed (mulberry32). */
export function fill(n: number, seed: number, o: FillOptions = {}): number[] {
  let a = seed >>> 0;
  const rnd = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const lo = o.lo ?? -2;
  const hi = o.hi ?? 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (o.nan && rnd() < o.nan) {
      out.push(NaN);
      continue;
    }
    let v = o.ints ? lo + Math.floor(rnd() * (hi - lo + 1)) : lo + (hi - lo) * rnd();
    if (o.quant) v = Math.round(v / o.quant) * o.quant;
    if (o.away && Math.abs(v) < o.away) v = (v < 0 ? -1 : 1) * (o.ints ? Math.ceil(o.away) : o.away + Math.abs(v));
    out.push(Math.fround(v));
  }
  return out;
}

export function input(name: string, axes: string[], s: Sizes, seed: number, o: FillOptions & { dtype?: DType } = {}): CaseInput {
  const shape = shapeOfAxes(axes, s);
  return { name, axes, shape, dtype: o.dtype ?? 'f32', data: fill(count(shape), seed, o) };
}

/** A random bool mask over `axes` (about 70 % true). */
export function maskInput(axes: string[], s: Sizes, seed: number): CaseInput {
  const shape = shapeOfAxes(axes, s);
  return { name: 'mask', axes, shape, dtype: 'bool', data: fill(count(shape), seed, { lo: 0, hi: 1 }).map((v) => +(v < 0.7)) };
}

export const seedArb = fc.integer({ min: 1, max: 2 ** 30 });

/** Worst gradient error seen per op (printed by `reportGradErrors`). */
export const gradLog = new Map<string, number>();

export function recordGrad(op: string, err: number): void {
  gradLog.set(op, Math.max(gradLog.get(op) ?? 0, err));
}

export function reportGradErrors(family: string): void {
  const rows = [...gradLog.entries()].map(([k, v]) => `${k} ${v.toExponential(1)}`);
  if (rows.length && process.env.QUIVER_GRAD_REPORT) console.log(`[grad] ${family}: ${rows.join(', ')}`);
}

export interface CheckOptions {
  runs?: number;
  atol?: number;
  rtol?: number;
  /** gradient check: false to skip (non-differentiable ops) */
  grad?: GradOptions | false;
  gradRuns?: number;
  /** bound on gradError (default 2e-3) */
  gradTol?: number;
  /** cases to skip in the gradient check */
  gradFilter?: (c: Case) => boolean;
  /**
   * keep cases with NaN inputs in the gradient check (ops that define what
   * NaN does: masks, losses); by default they are left out, since NaN·0 = NaN
   * makes the gradient of any op that merely propagates NaN NaN
   */
  gradNaN?: boolean;
}

/**
 * Forward on every backend (cpu, wasm, tfjs-node when installed) against the
 * reference (and no tensor left behind), then the gradient check on cpu
 * (gradRuns cases) and on the other backends (2 cases each).
 */
export async function checkOp(arb: fc.Arbitrary<Case>, ref: (c: Case) => RT, o: CheckOptions = {}): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (c) => {
      const want = ref(c);
      for (const b of backends) {
        await useBackend(b);
        let got: RunResult | undefined;
        const leaked = leakedBy(() => (got = runCase(c)));
        if (leaked !== 0) throw new Error(`${c.op} on ${b} left ${leaked} tensors`);
        expectClose(got!.out, want, { atol: o.atol, rtol: o.rtol, what: `${c.op} on ${b}` });
      }
      await useBackend('cpu');
    }),
    { numRuns: o.runs ?? 25 },
  );
  if (o.grad === false) return;
  const tol = o.gradTol ?? 2e-3;
  const noNaN = (c: Case) => o.gradNaN === true || c.inputs.every((i) => (i.dtype ?? 'f32') !== 'f32' || Array.from(i.data).every((v) => !Number.isNaN(v)));
  const gradArb = arb.filter((c) => noNaN(c) && (o.gradFilter ? o.gradFilter(c) : true));
  const check = (b: Backend) => (c: Case) => {
    let e = 0;
    const leaked = leakedBy(() => (e = gradError(c, ref, o.grad || {})));
    if (leaked !== 0) throw new Error(`${c.op} on ${b}: the gradient left ${leaked} tensors`);
    if (b === 'cpu') recordGrad(c.op, e);
    if (!(e <= tol)) throw new Error(`${c.op} on ${b}: gradient error ${e} > ${tol}`);
  };
  fc.assert(fc.property(gradArb, check('cpu')), { numRuns: o.gradRuns ?? 8 });
  // the other backends: a few runs, so that every backward kernel exists there too
  for (const b of backends.filter((x) => x !== 'cpu')) {
    await useBackend(b);
    try {
      fc.assert(fc.property(gradArb, check(b)), { numRuns: 2 });
    } finally {
      await useBackend('cpu');
    }
  }
}
