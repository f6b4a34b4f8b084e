// Kernels of the reduce family: sum, mean, max, min, prod, var, std,
// logsumexp, count, any, all, argmax, argmin over named axes, most with an
// optional mask (compiler/ops/reduce.ts has the signatures).
//
// A mask aligns to x by name; an entry is kept when its mask value is true
// (nonzero and not NaN). Masked-out entries are replaced by the reduction's
// identity (0 for sums, ∓inf for max/min) before reducing, so NaN in a
// masked-out slot never reaches a value or a gradient. Without a mask, NaN
// propagates (count excepted: it counts the non-NaN entries). Divisions by
// a kept count never divide by zero, even in a branch `where` discards, so an
// empty slice gives NaN without making gradients elsewhere NaN.
//
// Assumes: the node's types come from the registry's shape rules.
// Guarantees: the result keeps x's remaining axes in x's order (tfjs reductions
// preserve order), in the node type's dtype; logsumexp is stable (max shift,
// taken without gradient); var/std are NaN when no more than ddof entries are
// kept.

import * as tf from '@tensorflow/tfjs';
import { alignPlan, type Plan } from './align.js';
import { allOf, attrList, attrNumber, axisNames, detached, divideWhere, expandTo, select, inputIndex, inputType, notNaN, safeSqrt, TF_DTYPE, toDtype, truthy, type OpNotes } from './common.js';
import type { KernelBuilder, KernelTable, NodeInfo } from './kernel.js';

interface Prepared {
  /** x's axis positions reduced over, ascending */
  axes: number[];
  ix: number;
  im: number;
  mask: Plan | null;
  od: 'float32' | 'int32' | 'bool';
}

function prepare(node: NodeInfo): Prepared {
  const xt = inputType(node, 'x');
  const xn = axisNames(xt);
  const over = attrList(node.attrs['over']);
  const axes = over.map((o) => xn.indexOf(o)).sort((a, b) => a - b);
  const im = inputIndex(node, 'mask');
  return {
    axes,
    ix: inputIndex(node, 'x'),
    im,
    mask: im >= 0 ? alignPlan(axisNames(node.inputTypes[im]!), xn) : null,
    od: TF_DTYPE[node.type.dtype],
  };
}

type Reduce = (x: tf.Tensor, mask: tf.Tensor | null, p: Prepared, node: NodeInfo) => tf.Tensor;

/** `compute`: float32, or the input's numeric dtype ('keep'; bool computes as int32). */
function reduction(compute: 'float' | 'keep', fn: Reduce): KernelBuilder {
  return (node) => {
    const p = prepare(node);
    const xd = inputType(node, 'x').dtype;
    const cd = compute === 'float' ? 'float32' : xd === 'bool' ? 'int32' : TF_DTYPE[xd];
    return (ins) => {
      const x = toDtype(ins[p.ix]!, cd);
      const m = p.mask ? truthy(p.mask(ins[p.im]!)) : null;
      return toDtype(fn(x, m, p, node), p.od);
    };
  };
}

/** Kept entries of x, the identity v elsewhere. */
function keep(x: tf.Tensor, m: tf.Tensor | null, v: number): tf.Tensor {
  return m ? select(m, x, v) : x;
}

/** How many entries of x each result entry reduces over (as float32, shaped like the reduction). */
function keptCount(x: tf.Tensor, m: tf.Tensor | null, axes: number[], keepDims = false): tf.Tensor | number {
  if (!m) {
    let n = 1;
    for (const a of axes) n *= x.shape[a]!;
    return n;
  }
  return detached((mm, xx) => tf.sum(tf.cast(expandTo(mm, xx.shape), 'float32'), axes, keepDims), m, x);
}

function minValue(x: tf.Tensor): number {
  return x.dtype === 'int32' ? -2147483648 : -Infinity;
}

function maxValue(x: tf.Tensor): number {
  return x.dtype === 'int32' ? 2147483647 : Infinity;
}

/** num / den where den > floor, NaN elsewhere (common.ts divideWhere: never a division by zero, even discarded). */
function divideOrNaN(num: tf.Tensor, den: tf.Tensor | number, floor: number): tf.Tensor {
  if (typeof den === 'number') return den > floor ? tf.div(num, den) : tf.fill(num.shape, NaN);
  return divideWhere(detached((d) => tf.greater(d, floor), den), num, den);
}

/** Mean over the kept entries (NaN when none). */
function keptMean(x: tf.Tensor, m: tf.Tensor | null, axes: number[], keepDims: boolean): tf.Tensor {
  if (!m) return tf.mean(x, axes, keepDims);
  return divideOrNaN(tf.sum(keep(x, m, 0), axes, keepDims), keptCount(x, m, axes, keepDims), 0);
}

/** Variance with `ddof`, NaN where no more than ddof entries are kept. */
function variance(x: tf.Tensor, m: tf.Tensor | null, p: Prepared, node: NodeInfo): tf.Tensor {
  const ddof = attrNumber(node.attrs['ddof'], 1);
  const xk = keep(x, m, 0);
  const d = keep(tf.sub(xk, keptMean(xk, m, p.axes, true)), m, 0);
  const ss = tf.sum(tf.square(d), p.axes);
  const n = keptCount(x, m, p.axes);
  return divideOrNaN(ss, typeof n === 'number' ? n - ddof : tf.sub(n, ddof), 0);
}

function logsumexp(x: tf.Tensor, m: tf.Tensor | null, p: Prepared): tf.Tensor {
  const xm = keep(x, m, -Infinity);
  const shift = detached((t) => {
    const mx = tf.max(t, p.axes, true);
    return select(tf.isFinite(mx), mx, 0);
  }, xm);
  const s = tf.sum(keep(tf.exp(tf.sub(xm, shift)), m, 0), p.axes);
  const ok = detached((v) => tf.notEqual(v, 0), s);
  const lse = tf.add(tf.log(select(ok, s, 1)), tf.reshape(shift, s.shape));
  return select(ok, lse, -Infinity);
}

function argBest(fn: typeof tf.argMax, nanAs: number): KernelBuilder {
  return (node) => {
    const xt = inputType(node, 'x');
    const axis = axisNames(xt).indexOf(attrList(node.attrs['over'])[0]!);
    const ix = inputIndex(node, 'x');
    return (ins) => {
      const x = toDtype(ins[ix]!, xt.dtype === 'bool' ? 'int32' : TF_DTYPE[xt.dtype]);
      const clean = x.dtype === 'float32' ? select(tf.isNaN(x), nanAs, x) : x;
      return fn(clean, axis);
    };
  };
}

export const reduceKernels: KernelTable = {
  sum: reduction('keep', (x, m, p) => tf.sum(keep(x, m, 0), p.axes)),
  mean: reduction('float', (x, m, p) => keptMean(x, m, p.axes, false)),
  max: reduction('keep', (x, m, p) => tf.max(keep(x, m, minValue(x)), p.axes)),
  min: reduction('keep', (x, m, p) => tf.min(keep(x, m, maxValue(x)), p.axes)),
  prod: reduction('keep', (x, _m, p) => tf.prod(x, p.axes)),
  var: reduction('float', variance),
  std: reduction('float', (x, m, p, node) => safeSqrt(variance(x, m, p, node))),
  logsumexp: reduction('float', (x, m, p) => logsumexp(x, m, p)),
  count: reduction('keep', (x, m, p) =>
    detached((xx, ...mm) => tf.sum(tf.cast(mm.length ? allOf(notNaN(xx), mm[0]!) : notNaN(xx), 'float32'), p.axes), ...(m ? [x, m] : [x])),
  ),
  any: reduction('keep', (x, _m, p) => detached((xx) => tf.any(truthy(xx), p.axes), x)),
  all: reduction('keep', (x, _m, p) => detached((xx) => tf.all(truthy(xx), p.axes), x)),
  argmax: argBest(tf.argMax, -Infinity),
  argmin: argBest(tf.argMin, Infinity),
};

const MASKED = 'masked-out entries are left out';

export const reduceNotes: OpNotes = {
  sum: { grad: 'broadcast of the upstream gradient to kept entries, 0 to masked-out ones', nan: `NaN propagates; ${MASKED}; nothing kept gives 0` },
  mean: { grad: '1/count at kept entries', nan: `NaN propagates; ${MASKED}; nothing kept gives NaN` },
  max: { grad: 'to the entries equal to the maximum (each tied entry gets the full gradient)', nan: `NaN propagates; ${MASKED}; nothing kept gives −inf (integers: −2³¹)` },
  min: { grad: 'to the entries equal to the minimum', nan: `NaN propagates; ${MASKED}; nothing kept gives +inf (integers: 2³¹ − 1)` },
  prod: { grad: 'autodiff (product of the others)', nan: 'NaN propagates (no mask)' },
  var: { grad: '2(x − mean)/(n − ddof) at kept entries', nan: `NaN propagates; ${MASKED}; NaN when n ≤ ddof` },
  std: { grad: 'var gradient / (2 std); 0 where std = 0 (not NaN)', nan: `as var` },
  logsumexp: { grad: 'softmax of the kept entries', nan: `NaN propagates; ${MASKED}; nothing kept gives −inf` },
  count: { grad: 'none', nan: 'counts entries that are not NaN (and kept)' },
  any: { grad: 'none', nan: 'an entry is true when nonzero and not NaN' },
  all: { grad: 'none', nan: 'an entry is true when nonzero and not NaN' },
  argmax: { grad: 'none', nan: 'NaN entries count as −inf; ties give the first index' },
  argmin: { grad: 'none', nan: 'NaN entries count as +inf; ties give the first index' },
};
