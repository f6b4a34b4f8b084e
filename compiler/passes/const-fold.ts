// Pass: constant folding and forwarding.
// - An elementwise op whose inputs are all scalar constants becomes a constant.
// - `get` of a `record` node forwards the field's value.
// - Identities whose result has exactly the other operand's type forward it:
//   x * 1, 1 * x, x + 0, 0 + x, x - 0, x / 1, x ^ 1, stop_grad(const),
//   dropout with p = 0.
// Assumes: constants are scalars (`const` nodes).
// Guarantees: never adds nodes (folded nodes are replaced in place; forwarded
// ones are left for DCE); result types unchanged; idempotent.

import type { Func, Node, Program } from '../ir/types.js';
import { typeEquals } from '../ir/types.js';
import type { Pass } from './util.js';
import { mapFunctions, substitute } from './util.js';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const unaryFns: Record<string, (x: number, attrs: Node['attrs']) => number> = {
  neg: (x) => -x,
  not: (x) => (x ? 0 : 1),
  abs: Math.abs,
  sign: Math.sign,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sigmoid,
  tanh: Math.tanh,
  relu: (x) => Math.max(x, 0),
  elu: (x) => (x > 0 ? x : Math.exp(x) - 1),
  softplus: (x) => Math.log1p(Math.exp(x)),
  leaky_relu: (x, a) => (x > 0 ? x : (typeof a['slope'] === 'number' ? a['slope'] : 0.01) * x),
  clip: (x, a) => Math.min(Math.max(x, Number(a['lo'])), Number(a['hi'])),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  fillna: (x, a) => (Number.isNaN(x) ? Number(a['value'] ?? 0) : x),
};

export const binaryFns: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  mod: (a, b) => a - b * Math.floor(a / b),
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  and: (a, b) => +(!!a && !!b),
  or: (a, b) => +(!!a || !!b),
};

function constValue(n: Node | undefined): number | undefined {
  if (!n || n.op !== 'const') return undefined;
  const v = n.attrs['value'];
  return typeof v === 'boolean' ? +v : typeof v === 'number' ? v : undefined;
}

function asConst(n: Node, v: number): Node {
  const ty = n.type;
  let value: number | boolean = v;
  if (ty.kind === 'tensor' && ty.dtype === 'bool') value = v !== 0;
  else if (ty.kind === 'tensor' && ty.dtype === 'i32') value = Math.trunc(v);
  else value = Math.fround(v);
  const out: Node = { id: n.id, op: 'const', inputs: {}, attrs: { value }, type: n.type };
  if (n.src) out.src = n.src;
  return out;
}

export function constFoldFunc(f: Func): Func {
  const byId = new Map<number, Node>();
  const forward = new Map<number, number>();
  const resolve = (id: number) => forward.get(id) ?? id;
  const nodes: Node[] = [];
  for (const n0 of f.nodes) {
    const inputs: Node['inputs'] = {};
    for (const [k, v] of Object.entries(n0.inputs)) inputs[k] = resolve(v);
    let n: Node = { ...n0, inputs };
    const ins = Object.values(inputs).map((id) => byId.get(id));
    const scalarOut = n.type.kind === 'tensor' && n.type.axes.length === 0;
    if (n.op === 'get') {
      const rec = byId.get(inputs['x']!);
      if (rec?.op === 'record') {
        const target = rec.inputs[String(n.attrs['field'])];
        if (target !== undefined) forward.set(n.id, target);
      }
    } else if (scalarOut && n.op in unaryFns && ins.length === 1 && constValue(ins[0]) !== undefined) {
      n = asConst(n, unaryFns[n.op]!(constValue(ins[0])!, n.attrs));
    } else if (scalarOut && n.op in binaryFns && ins.length === 2 && ins.every((m) => constValue(m) !== undefined)) {
      n = asConst(n, binaryFns[n.op]!(constValue(ins[0])!, constValue(ins[1])!));
    } else if (n.op === 'dropout' && n.attrs['p'] === 0) {
      forward.set(n.id, inputs['x']!);
    } else if (n.op === 'stop_grad' && constValue(ins[0]) !== undefined) {
      forward.set(n.id, inputs['x']!);
    } else if (n.op in binaryFns && ins.length === 2) {
      const [a, b] = [inputs['a']!, inputs['b']!];
      const ca = constValue(byId.get(a));
      const cb = constValue(byId.get(b));
      const same = (id: number) => typeEquals(byId.get(id)!.type, n.type);
      let keep: number | undefined;
      if ((n.op === 'mul' && cb === 1) || ((n.op === 'add' || n.op === 'sub') && cb === 0) || ((n.op === 'div' || n.op === 'pow') && cb === 1)) keep = a;
      else if ((n.op === 'mul' && ca === 1) || (n.op === 'add' && ca === 0)) keep = b;
      if (keep !== undefined && same(keep)) forward.set(n.id, keep);
    }
    byId.set(n.id, n);
    nodes.push(n);
  }
  return substitute({ ...f, nodes }, forward);
}

export const constFold: Pass = (p: Program) => mapFunctions(p, constFoldFunc);
