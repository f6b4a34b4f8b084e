// Kernels of the elementwise family: arithmetic, comparisons, logic, where,
// unary math and casts (compiler/ops/elementwise.ts has the signatures).
//
// Binary ops align each operand to the result's axes by name (align.ts) and
// let tfjs broadcast. Operands are cast to one compute dtype first: the
// result's dtype for arithmetic, float32 for div and pow, the common numeric
// type for comparisons, bool for and/or. maximum, minimum, sign and clip
// propagate NaN on every backend (tfjs-backend-wasm's Maximum and
// ClipByValue drop it). tanh and gelu use fastTanh (matmul.ts) on wasm.
//
// Comparisons and logic run untaped (common.ts `detached`): their results
// carry no gradient, and a `where` whose condition comes from them stays
// differentiable in its branches.
//
// Assumes: the node's types come from the registry's shape rules.
// Guarantees: the result's layout and dtype are the node type's; gradients
// are tfjs autodiff of the ops used (documented per op in `elementwiseNotes`).

import * as tf from '@tensorflow/tfjs';
import type { DType } from '../../compiler/ir/types.js';
import { alignPlan } from './align.js';
import { attrNumber, axisNames, broadcastShape, detached, expandTo, inputIndex, inputType, select, TF_DTYPE, toDtype, truthy, type OpNotes } from './common.js';
import type { KernelBuilder, KernelTable, NodeInfo } from './kernel.js';
import { fastTanh } from './matmul.js';

type TfDType = 'float32' | 'int32' | 'bool';
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
type ComputeRule = 'out' | 'float' | 'common' | 'bool';

function computeDtype(rule: ComputeRule, a: DType, b: DType, out: DType): TfDType {
  switch (rule) {
    case 'out':
      return out === 'bool' ? 'int32' : TF_DTYPE[out];
    case 'float':
      return 'float32';
    case 'common':
      return a === 'f32' || b === 'f32' ? 'float32' : 'int32';
    case 'bool':
      return 'bool';
  }
}

/** r, or NaN where a or b is NaN (float operands only). */
function propagateNaN(r: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (r.dtype !== 'float32') return r;
  return select(detached((x, y) => tf.logicalOr(tf.isNaN(x), tf.isNaN(y)), a, b), NaN, r);
}

/**
 * maximum / minimum with NaN propagation. tfjs's Maximum and Minimum
 * gradients do not sum over broadcast axes (4.22), so operands of different
 * shapes are broadcast explicitly first (expandTo's gradient sums).
 */
function extremum(fn: Binary, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = broadcastShape(a.shape, b.shape);
  const fa = expandTo(a, shape);
  const fb = expandTo(b, shape);
  return propagateNaN(fn(fa, fb), fa, fb);
}

function binary(rule: ComputeRule, fn: Binary): KernelBuilder {
  return (node: NodeInfo) => {
    const out = axisNames(node.type);
    const ta = inputType(node, 'a');
    const tb = inputType(node, 'b');
    const pa = alignPlan(axisNames(ta), out);
    const pb = alignPlan(axisNames(tb), out);
    const ia = inputIndex(node, 'a');
    const ib = inputIndex(node, 'b');
    const cd = computeDtype(rule, ta.dtype, tb.dtype, node.type.dtype);
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => toDtype(fn(toDtype(pa(ins[ia]!), cd), toDtype(pb(ins[ib]!), cd)), od);
  };
}

/**
 * Unary ops compute in float32 ('float') or in the input's own numeric dtype
 * ('keep'; bool computes as int32), then cast to the node's dtype.
 */
function unary(rule: 'float' | 'keep', fn: (x: tf.Tensor, node: NodeInfo) => tf.Tensor): KernelBuilder {
  return (node: NodeInfo) => {
    const ix = inputIndex(node, 'x');
    const inD = inputType(node, 'x').dtype;
    const cd: TfDType = rule === 'float' ? 'float32' : inD === 'bool' ? 'int32' : TF_DTYPE[inD];
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => toDtype(fn(toDtype(ins[ix]!, cd), node), od);
  };
}

/** Rounding ops are the identity on integers. */
function rounding(fn: (x: tf.Tensor) => tf.Tensor): KernelBuilder {
  return unary('keep', (x) => (x.dtype === 'float32' ? fn(x) : x.clone()));
}

const GELU_C = Math.sqrt(2 / Math.PI);

function gelu(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(fastTanh(inner), 1));
}

export const elementwiseKernels: KernelTable = {
  add: binary('out', tf.add),
  sub: binary('out', tf.sub),
  mul: binary('out', tf.mul),
  div: binary('float', tf.div),
  pow: binary('float', tf.pow),
  mod: binary('out', tf.mod),
  maximum: binary('out', (a, b) => extremum(tf.maximum, a, b)),
  minimum: binary('out', (a, b) => extremum(tf.minimum, a, b)),
  eq: binary('common', (a, b) => detached(tf.equal, a, b)),
  ne: binary('common', (a, b) => detached(tf.notEqual, a, b)),
  lt: binary('common', (a, b) => detached(tf.less, a, b)),
  le: binary('common', (a, b) => detached(tf.lessEqual, a, b)),
  gt: binary('common', (a, b) => detached(tf.greater, a, b)),
  ge: binary('common', (a, b) => detached(tf.greaterEqual, a, b)),
  and: binary('bool', (a, b) => detached(tf.logicalAnd, a, b)),
  or: binary('bool', (a, b) => detached(tf.logicalOr, a, b)),
  where: (node) => {
    const out = axisNames(node.type);
    const od = TF_DTYPE[node.type.dtype];
    const plan = (name: string) => ({ i: inputIndex(node, name), p: alignPlan(axisNames(inputType(node, name)), out) });
    const c = plan('cond');
    const a = plan('a');
    const b = plan('b');
    return (ins) => select(truthy(c.p(ins[c.i]!)), toDtype(a.p(ins[a.i]!), od), toDtype(b.p(ins[b.i]!), od));
  },
  neg: unary('keep', (x) => tf.neg(x)),
  not: (node) => {
    const ix = inputIndex(node, 'x');
    return (ins) => detached((x) => tf.logicalNot(truthy(x)), ins[ix]!);
  },
  abs: unary('keep', (x) => tf.abs(x)),
  sign: unary('float', (x) => select(tf.isNaN(x), x, tf.sign(x))),
  exp: unary('float', (x) => tf.exp(x)),
  log: unary('float', (x) => tf.log(x)),
  log1p: unary('float', (x) => tf.log1p(x)),
  sqrt: unary('float', (x) => tf.sqrt(x)),
  square: unary('keep', (x) => tf.square(x)),
  reciprocal: unary('float', (x) => tf.reciprocal(x)),
  floor: rounding(tf.floor),
  ceil: rounding(tf.ceil),
  round: rounding(tf.round),
  sigmoid: unary('float', (x) => tf.sigmoid(x)),
  tanh: unary('float', (x) => fastTanh(x)),
  relu: unary('keep', (x) => tf.relu(x)),
  elu: unary('float', (x) => tf.elu(x)),
  gelu: unary('float', gelu),
  softplus: unary('float', (x) => tf.softplus(x)),
  leaky_relu: unary('float', (x, node) => tf.leakyRelu(x, attrNumber(node.attrs['slope'], 0.01))),
  clip: unary('keep', (x, node) => {
    const lo = attrNumber(node.attrs['lo'], -Infinity);
    const hi = attrNumber(node.attrs['hi'], Infinity);
    if (x.dtype !== 'float32') return tf.cast(tf.clipByValue(tf.cast(x, 'float32'), lo, hi), x.dtype);
    return select(tf.isNaN(x), x, tf.clipByValue(x, lo, hi));
  }),
  isnan: (node) => {
    const ix = inputIndex(node, 'x');
    return (ins) => (ins[ix]!.dtype === 'float32' ? tf.isNaN(ins[ix]!) : tf.zeros(ins[ix]!.shape, 'bool'));
  },
  fillna: unary('float', (x, node) => select(tf.isNaN(x), attrNumber(node.attrs['value'], 0), x)),
  cast: (node) => {
    const ix = inputIndex(node, 'x');
    const od = TF_DTYPE[node.type.dtype];
    return (ins) => {
      const r = toDtype(ins[ix]!, od);
      return r === ins[ix] ? r.clone() : r;
    };
  },
};

const AUTODIFF = 'autodiff';
const PROPAGATES = 'NaN in, NaN out';
const NO_GRAD = 'none (integer or bool result)';

export const elementwiseNotes: OpNotes = {
  add: { grad: AUTODIFF, nan: PROPAGATES },
  sub: { grad: AUTODIFF, nan: PROPAGATES },
  mul: { grad: AUTODIFF, nan: PROPAGATES },
  div: { grad: AUTODIFF, nan: 'NaN propagates; x/0 is ±inf, 0/0 NaN' },
  pow: { grad: 'autodiff: ∂a = b·a^(b−1); ∂b = a^b·log a where a > 0, else 0', nan: 'NaN propagates; a negative base with a non-integer exponent gives NaN' },
  mod: { grad: 'autodiff: ∂a = 1, ∂b = −floor(a/b)', nan: PROPAGATES, note: 'floor modulo: the result has the sign of b (Python, not C)' },
  maximum: { grad: 'to a where a ≥ b, else to b', nan: 'NaN in either operand gives NaN (also on wasm)' },
  minimum: { grad: 'to a where a ≤ b, else to b', nan: 'NaN in either operand gives NaN (also on wasm)' },
  eq: { grad: NO_GRAD, nan: 'NaN compares false (ne: true)' },
  ne: { grad: NO_GRAD, nan: 'NaN compares true' },
  lt: { grad: NO_GRAD, nan: 'NaN compares false' },
  le: { grad: NO_GRAD, nan: 'NaN compares false' },
  gt: { grad: NO_GRAD, nan: 'NaN compares false' },
  ge: { grad: NO_GRAD, nan: 'NaN compares false' },
  and: { grad: NO_GRAD, nan: 'operands are true when nonzero and not NaN' },
  or: { grad: NO_GRAD, nan: 'operands are true when nonzero and not NaN' },
  where: { grad: 'to a where cond holds, to b elsewhere (broadcast axes summed)', nan: 'cond is true when nonzero and not NaN; the branch not taken never leaks NaN into values or gradients' },
  neg: { grad: AUTODIFF, nan: PROPAGATES },
  not: { grad: NO_GRAD, nan: 'true for 0 and NaN' },
  abs: { grad: 'sign(x) (0 at 0)', nan: PROPAGATES },
  sign: { grad: 'zero', nan: 'NaN stays NaN (also on wasm)' },
  exp: { grad: AUTODIFF, nan: PROPAGATES },
  log: { grad: '1/x', nan: 'x < 0 gives NaN, 0 gives −inf' },
  log1p: { grad: '1/(1+x)', nan: 'x < −1 gives NaN' },
  sqrt: { grad: '1/(2√x) (inf at 0)', nan: 'x < 0 gives NaN' },
  square: { grad: '2x', nan: PROPAGATES },
  reciprocal: { grad: '−1/x²', nan: '1/0 = inf' },
  floor: { grad: 'zero', nan: PROPAGATES, note: 'identity on integers' },
  ceil: { grad: 'zero', nan: PROPAGATES, note: 'identity on integers' },
  round: { grad: 'zero', nan: PROPAGATES, note: 'half to even; identity on integers' },
  sigmoid: { grad: 'σ(1−σ)', nan: PROPAGATES },
  tanh: { grad: '1 − tanh² (wasm: through 2σ(2x) − 1)', nan: PROPAGATES },
  relu: { grad: '1 for x > 0, else 0', nan: PROPAGATES },
  elu: { grad: '1 for x > 0, else eˣ', nan: PROPAGATES },
  gelu: { grad: 'autodiff of 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))', nan: PROPAGATES },
  softplus: { grad: 'σ(x)', nan: PROPAGATES },
  leaky_relu: { grad: '1 for x > 0, else slope', nan: PROPAGATES },
  clip: { grad: '1 inside [lo, hi], 0 outside', nan: 'NaN stays NaN (also on wasm)' },
  isnan: { grad: NO_GRAD, nan: 'false for integers and bools' },
  fillna: { grad: '1 at kept entries, 0 at NaN entries', nan: 'NaN becomes value' },
  cast: { grad: 'identity between float types; none to integers', nan: 'to i32: truncation toward zero, NaN and ±inf → 0; to bool: nonzero and not NaN' },
};
