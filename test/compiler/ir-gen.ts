// Random well-typed IR programs for property tests (fast-check).
//
// A program is built from a seed of choices: a few inputs over a pool of axis
// names, then a sequence of ops picked from elementwise, reductions, softmax,
// rename, dot, constants, GRU/LSTM layers (often read only at their last time
// step, the chain the fuse pass rewrites), `last`, calls of helper functions
// (work for inline; a helper may return a record read by `get`, may call a
// helper of its own, and may be called twice under different prefixes), and
// deliberate duplicates (so CSE has work) and dead nodes (so DCE has work).
// Every node's type comes from the registry's shape rule or the callee's
// signature, so the program is valid by construction; choices that would not
// type are skipped.

import fc from 'fast-check';
import type { Axis, Func, Node, Program, TensorType, Type } from '../../compiler/ir/types.js';
import { lookupOp } from '../../compiler/ops/registry.js';
import { isShapeError } from '../../compiler/ops/spec.js';

const AXES: Axis[] = [
  { name: 'N', size: 'N' },
  { name: 'T', size: 4 },
  { name: 'H', size: 3 },
  { name: 'K', size: 2 },
];

function subsets(): TensorType[] {
  const out: TensorType[] = [];
  for (let m = 0; m < 16; m++) {
    const axes = AXES.filter((_, i) => m & (1 << i));
    out.push({ kind: 'tensor', dtype: 'f32', axes });
  }
  return out;
}

const TYPES = subsets();
const OPS = 16;
/** Helpers nest at most this deep (f calls g0, g0 calls g1). */
const MAX_DEPTH = 2;

export interface GenChoice {
  op: number;
  a: number;
  b: number;
  c: number;
}

export const choiceArb = fc.record({ op: fc.nat(OPS - 1), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });

export interface GenSpec {
  inputs: number[];
  steps: GenChoice[];
  /** helper bodies: a `call` choice builds (or reuses) a function from one of these */
  helpers?: GenChoice[][];
}

export const programArb = fc
  .record({
    inputs: fc.array(fc.nat(15), { minLength: 1, maxLength: 3 }),
    steps: fc.array(choiceArb, { minLength: 1, maxLength: 25 }),
    helpers: fc.array(fc.array(choiceArb, { minLength: 1, maxLength: 10 }), { minLength: 0, maxLength: 3 }),
  })
  .map((s) => buildProgram(s.inputs, s.steps, s.helpers));

interface Gen {
  functions: Program['functions'];
  helpers: GenChoice[][];
  /** (helper body, parameter types) → function name, so a helper can be called twice */
  made: Map<string, string>;
  names: number;
  paths: number;
}

function isTensor(t: Type): t is TensorType {
  return t.kind === 'tensor';
}

function buildFunc(g: Gen, name: string, params: Func['params'], steps: GenChoice[], depth: number, recordResult: boolean): Func {
  const nodes: Node[] = [];
  let next = 0;
  const typeOf = (id: number): Type => nodes.find((n) => n.id === id)!.type;
  const add = (op: string, inputs: Node['inputs'], attrs: Node['attrs']): Node | undefined => {
    const def = lookupOp(op);
    if (!def) return undefined;
    const types: Record<string, TensorType> = {};
    for (const [k, id] of Object.entries(inputs)) {
      const t = typeOf(id);
      if (!isTensor(t)) return undefined;
      types[k] = t;
    }
    const r = def.shape(types, attrs);
    if (isShapeError(r)) return undefined;
    const n: Node = { id: next++, op, inputs, attrs, type: r };
    nodes.push(n);
    return n;
  };
  for (const p of params) nodes.push({ id: next++, op: 'input', inputs: {}, attrs: { name: p.name }, type: p.type });
  for (const s of steps) {
    // Ops read tensors; a record (a helper's result) is only read through `get`.
    const tensors = nodes.filter((n) => isTensor(n.type));
    const pick = (k: number) => tensors[k % tensors.length]!;
    const a = pick(s.a);
    const b = pick(s.b);
    const at = a.type as TensorType;
    switch (s.op) {
      case 0:
        add('add', { a: a.id, b: b.id }, {});
        break;
      case 1:
        add('mul', { a: a.id, b: b.id }, {});
        break;
      case 2:
        add('tanh', { x: a.id }, {});
        break;
      case 3:
        if (at.axes.length) add('sum', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 4:
        if (at.axes.length) add('mean', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 5:
        if (at.axes.length) add('softmax', { x: a.id }, { over: at.axes[s.c % at.axes.length]!.name });
        break;
      case 6: {
        const shared = at.axes.filter((x) => (b.type as TensorType).axes.some((y) => y.name === x.name));
        if (shared.length) add('dot', { a: a.id, b: b.id }, { over: shared[s.c % shared.length]!.name });
        break;
      }
      case 7:
        nodes.push({ id: next++, op: 'const', inputs: {}, attrs: { value: (s.c % 7) - 1 }, type: { kind: 'tensor', dtype: 'f32', axes: [] } });
        break;
      case 8: {
        // a duplicate of an existing pure node (work for CSE)
        const src = nodes[s.c % nodes.length]!;
        if (src.op !== 'input') nodes.push({ ...src, id: next++ });
        break;
      }
      case 9:
        if (at.axes.some((x) => x.name === 'N')) add('rename', { x: a.id }, { renames: { N: 'J' } });
        break;
      case 10:
        add('exp', { x: a.id }, {});
        break;
      case 11:
      case 12: {
        // a GRU/LSTM over T; half the time read only at its last step (fusable),
        // a quarter of the time also read whole (not fusable)
        const rnn = tensors.find((n, i) => i >= s.a % tensors.length && rnnable(n.type as TensorType)) ?? tensors.find((n) => rnnable(n.type as TensorType));
        if (!rnn) break;
        const out = add(s.op === 11 ? 'gru' : 'lstm', { x: rnn.id }, {
          hidden: 2 + (s.c % 2),
          layers: 1,
          dropout: 0,
          over: 'T',
          output: 'seq',
          layer_axis: 'L',
          path: `rnn${g.paths++}`,
        });
        if (!out) break;
        if (s.b % 2 === 0) add('last', { x: out.id }, { over: 'T' });
        if (s.b % 4 === 1) add('tanh', { x: out.id }, {});
        break;
      }
      case 13: {
        const withT = tensors.filter((n) => (n.type as TensorType).axes.some((x) => x.name === 'T'));
        if (withT.length) add('last', { x: withT[s.c % withT.length]!.id }, { over: 'T' });
        break;
      }
      case 14:
      case 15: {
        // a call of a helper built from one of the helper bodies, with a (and b) as arguments
        if (depth >= MAX_DEPTH || g.helpers.length === 0) break;
        const body = s.c % g.helpers.length;
        const args = s.op === 15 && b.id !== a.id ? [a, b] : [a];
        const ps = args.map((n, i) => ({ name: `p${i}`, type: n.type }));
        const asRecord = s.b % 3 === 0;
        const key = JSON.stringify([body, ps, asRecord]);
        let fn = g.made.get(key);
        if (fn === undefined) {
          fn = `g${g.names++}`;
          g.functions[fn] = buildFunc(g, fn, ps, g.helpers[body]!, depth + 1, asRecord);
          g.made.set(key, fn);
        }
        const callee = g.functions[fn]!;
        const res = callee.nodes.find((n) => n.id === callee.result)!;
        const inputs: Node['inputs'] = {};
        args.forEach((n, i) => (inputs[`p${i}`] = n.id));
        const call: Node = { id: next++, op: 'call', inputs, attrs: { fn, prefix: `c${g.paths++}` }, type: res.type };
        nodes.push(call);
        if (res.type.kind === 'record') {
          for (const f of res.type.fields) nodes.push({ id: next++, op: 'get', inputs: { x: call.id }, attrs: { field: f.name }, type: f.type });
        }
        break;
      }
      default:
        add('sub', { a: a.id, b: b.id }, {});
    }
  }
  const tensorsAtEnd = nodes.filter((n) => isTensor(n.type));
  const last = tensorsAtEnd[tensorsAtEnd.length - 1]!;
  let result = last.id;
  if (recordResult && tensorsAtEnd.length >= 2) {
    const other = tensorsAtEnd[Math.floor(tensorsAtEnd.length / 2) - 1]!;
    const rec: Node = {
      id: next++,
      op: 'record',
      inputs: { a: last.id, b: other.id },
      attrs: {},
      type: { kind: 'record', fields: [{ name: 'a', type: last.type }, { name: 'b', type: other.type }] },
    };
    nodes.push(rec);
    result = rec.id;
  }
  return { name, params, nodes, result };
}

/** x has a T axis and a feature axis after it (the RNN reads its last axis as features). */
function rnnable(t: TensorType): boolean {
  const names = t.axes.map((a) => a.name);
  return names.includes('T') && names[names.length - 1] !== 'T';
}

export function buildProgram(inputTypes: number[], steps: GenChoice[], helpers: GenChoice[][] = []): Program {
  const g: Gen = { functions: {}, helpers, made: new Map(), names: 0, paths: 0 };
  const params = inputTypes.map((ti, i) => ({ name: `x${i}`, type: TYPES[ti]! as Type }));
  g.functions['f'] = buildFunc(g, 'f', params, steps, 0, false);
  return { functions: g.functions, entries: ['f'] };
}
