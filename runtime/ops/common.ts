// Small helpers shared by the kernel families: attribute readers, dtype
// conversion, masks, gradient control and runtime shape failures.
//
// Assumes: called from kernel builders (attributes, types) or from kernel
// closures inside the executor's tidy / gradient tape (tensor helpers).
// Guarantees: no helper keeps a tensor; `detached`, `stopGrad`, `truthy` and
// `notNaN` run their work untaped (inside a tf.customGrad forward) and give
// zero gradients, so boolean conditions never break tfjs's tape;
// conversions to bool never use tfjs's cast on arbitrary values
// (tfjs-backend-wasm 4.22 casts float32 → bool by truncation, leaving values
// like 2 in a bool tensor); `select`, `expandTo` and `allOf` broadcast
// without tfjs's Tile, which is slow on wasm.

import * as tf from '@tensorflow/tfjs';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { AttrValue, DType, TensorType } from '../../compiler/ir/types.js';
import type { NodeInfo } from './kernel.js';

export const TF_DTYPE: Record<DType, 'float32' | 'int32' | 'bool'> = { f32: 'float32', i32: 'int32', bool: 'bool' };

/** Axis names of a type, in layout order. */
export function axisNames(t: TensorType): string[] {
  return t.axes.map((a) => a.name);
}

/** Position of the named input among the kernel's tensors; -1 when the node lacks it. */
export function inputIndex(node: NodeInfo, name: string): number {
  return node.inputNames.indexOf(name);
}

/** The type of a named input; throws (compiler bug) when it is required and absent. */
export function inputType(node: NodeInfo, name: string): TensorType {
  const i = inputIndex(node, name);
  if (i < 0) internal(`${node.op}: input ${name} is missing`);
  return node.inputTypes[i]!;
}

export function attrString(v: AttrValue | undefined, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

export function attrNumber(v: AttrValue | undefined, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

export function attrList(v: AttrValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** A compiler-side invariant does not hold (Q9001): never the user's fault. */
export function internal(what: string): never {
  throw new DiagnosticError(diag('internalError', { what }));
}

/** The tensors at run time do not fit the op (Q6010). */
export function shapeFail(op: string, what: string): never {
  throw new DiagnosticError(diag('opShapeMismatch', { op, what }));
}

/**
 * Cast when the dtype differs. bool targets compare with zero (see the
 * header); float → int32 truncates toward zero with NaN and ±inf → 0 on every
 * backend (tfjs-node's cast gives −2³¹ for them, the cpu backend 0).
 */
export function toDtype(t: tf.Tensor, dtype: 'float32' | 'int32' | 'bool'): tf.Tensor {
  if (t.dtype === dtype) return t;
  if (dtype === 'bool') return truthy(t);
  if (dtype === 'int32' && t.dtype === 'float32') return detached((v) => tf.cast(select(tf.isFinite(v), v, 0), 'int32'), t);
  return tf.cast(t, dtype);
}

/**
 * Nonzero and not NaN, as bool: how masks, conditions and logical operands
 * are read. Untaped (see `detached`).
 */
export function truthy(t: tf.Tensor): tf.Tensor {
  if (t.dtype === 'bool') return t;
  if (t.dtype === 'int32') return detached((v) => tf.notEqual(v, 0), t);
  return detached((v) => tf.logicalAnd(tf.notEqual(v, 0), tf.equal(v, v)), t);
}

/** True where x is not NaN (all true for integer and bool tensors). Untaped. */
export function notNaN(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32') return tf.ones(x.shape, 'bool');
  return detached((v) => tf.logicalNot(tf.isNaN(v)), x);
}

/**
 * One-hot float32 rows for int32 ids along a new last axis of `depth`; ids
 * outside 0..depth−1 give zero rows (tf.oneHot, which refuses depth 1).
 */
export function oneHot(ids: tf.Tensor, depth: number): tf.Tensor {
  if (depth >= 2) return tf.cast(tf.oneHot(ids, depth), 'float32');
  return tf.cast(tf.expandDims(tf.equal(ids, 0), -1), 'float32');
}

/** The shape tfjs's (numpy's) broadcasting gives, right-aligned. */
export function broadcastShape(...shapes: number[][]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = rank - s.length + i;
      if (s[i] !== 1) out[d] = s[i]!;
    }
  }
  return out;
}

/**
 * t broadcast to `shape` by adding zeros. tfjs-backend-wasm 4.22's Tile,
 * behind tf.broadcastTo and behind every tf.where whose operands differ in
 * shape, is a slow generic loop ([300, 1] → [300, 64]: ~1.8 ms; the add:
 * ~0.08 ms). Bool tensors go through float32, whose broadcasting add is on
 * XNNPACK's path (int32's is as slow as Tile); casting exact 0/1 back to bool
 * is safe on every backend. The add's gradient sums over the broadcast axes.
 */
export function expandTo(t: tf.Tensor, shape: number[]): tf.Tensor {
  if (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i])) return t;
  if (t.dtype === 'bool') return tf.cast(tf.add(tf.cast(t, 'float32'), tf.zeros(shape)), 'bool');
  return tf.add(t, tf.zeros(shape, t.dtype));
}

/**
 * tf.where with broadcasting done by `expandTo` (see there); a number operand
 * becomes a filled tensor of the other operand's dtype (float32 if both are
 * numbers).
 */
export function select(cond: tf.Tensor, a: tf.Tensor | number, b: tf.Tensor | number): tf.Tensor {
  const dtype = typeof a !== 'number' ? a.dtype : typeof b !== 'number' ? b.dtype : 'float32';
  const shape = broadcastShape(cond.shape, typeof a === 'number' ? [] : a.shape, typeof b === 'number' ? [] : b.shape);
  const full = (v: tf.Tensor | number): tf.Tensor => (typeof v === 'number' ? tf.fill(shape, v, dtype as 'float32' | 'int32') : expandTo(v, shape));
  return tf.where(expandTo(cond, shape), full(a), full(b));
}

/**
 * num / den where `ok`, NaN elsewhere; the division never sees the
 * denominators that `ok` rejects (they become 1), so a zero upstream gradient
 * stays zero there instead of becoming 0/0 = NaN in tfjs's backward.
 */
export function divideWhere(ok: tf.Tensor, num: tf.Tensor, den: tf.Tensor): tf.Tensor {
  return select(ok, tf.div(num, select(ok, den, 1)), NaN);
}

/** √v with gradient 1/(2√v) where v > 0 and 0 at v = 0 (tfjs's would be inf, and 0·inf = NaN). */
export function safeSqrt(v: tf.Tensor): tf.Tensor {
  return customOp([v], ([vi], save) => {
    const r = tf.sqrt(vi!);
    save([r]);
    return {
      value: r,
      gradFunc: (dy, [rs]) => [select(tf.greater(rs!, 0), tf.div(dy, tf.mul(rs!, 2)), 0)],
    };
  });
}

/** Logical and of boolean tensors (broadcasting), untaped. */
export function allOf(first: tf.Tensor, ...rest: tf.Tensor[]): tf.Tensor {
  if (rest.length === 0) return first;
  return detached((...ts) => {
    const shape = broadcastShape(...ts.map((t) => t.shape));
    return ts.map((t) => expandTo(t, shape)).reduce((a, b) => tf.logicalAnd(a, b));
  }, first, ...rest);
}

export type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/**
 * tf.customGrad with plain types: `forward(inputs, save)` runs untaped and
 * returns the value and a gradient function giving one gradient per input.
 * Tensors the gradient needs must go through `save` (the forward's other
 * tensors are disposed before the backward runs).
 */
export function customOp(inputs: tf.Tensor[], forward: (xs: tf.Tensor[], save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFn }): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const r = forward(args.slice(0, inputs.length) as tf.Tensor[], args[args.length - 1] as tf.GradSaveFunc);
    return { value: r.value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => r.gradFunc(dy, saved) };
  });
  return f(...inputs) as tf.Tensor;
}

/**
 * Run `fn` on `xs` untaped and give every input a zero gradient: the result
 * is a constant as far as autodiff is concerned (stop-gradient ops, integer
 * and piecewise-constant results). Every boolean condition computed from a
 * tensor that may be differentiable must go through here: tfjs's tape fails
 * ("gradient function not found") on any op without a gradient (Equal,
 * Less, LogicalAnd, TopK, ...) that lies between a watched tensor and the
 * loss, even when it feeds only a `where` condition.
 */
export function detached(fn: (...xs: tf.Tensor[]) => tf.Tensor, ...xs: tf.Tensor[]): tf.Tensor {
  return customOp(xs, (ins) => {
    const shapes = ins.map((t) => t.shape);
    return { value: fn(...ins), gradFunc: () => shapes.map((s) => tf.zeros(s)) };
  });
}

/** Identity forward, no gradient. */
export function stopGrad(x: tf.Tensor): tf.Tensor {
  return detached((t) => t.clone(), x);
}

/** Product of a list of sizes (1 for none). */
export function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

/** What docs/ops.md says about a kernel beyond the registry's description. */
export interface OpNote {
  /** the gradient: "autodiff", a formula, or "none (zero)" */
  grad: string;
  /** what NaN (and masked, empty, infinite) entries do */
  nan: string;
  /** anything else a user must know (layout, dtype rules, randomness) */
  note?: string;
}

export type OpNotes = Record<string, OpNote>;
