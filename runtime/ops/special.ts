// Kernels of the special, cross-section and state families: softmax and
// log_softmax over a named axis with masks, minmax, gumbel_softmax,
// sinkhorn, stop_grad, reverse_grad, cs_rank, cs_zscore, pearson and
// memory_write (compiler/ops/special.ts has the signatures).
//
// Masks align to x by name; masked-out entries get −1e9 before the
// exponential (never −inf, which gives NaN), masked probabilities are exactly
// 0 and masked log-probabilities exactly −1e9. softmax, log_softmax and
// gumbel_softmax have hand-written gradients (p ⊙ (g − Σ p g) and
// g − p Σ g), so nothing about the max shift or the masks is taped.
// Randomness (gumbel_softmax) draws one ctx.seed() per call and builds the
// noise in seeded JS (`gumbelNoise`), the same on every backend, in the
// tensor's layout order.
//
// Assumes: the node's types come from the registry's shape rules.
// Guarantees: results in the node type's layout, float32; sinkhorn, cs_rank
// and stop_grad have zero gradients; reverse_grad's gradient is −scale·g;
// memory_write returns a clone of its input and stores another clone (kept
// with tf.keep, so it survives the caller's tidy) in ctx.writes under
// attrs.memory; a second write to the same memory in one call disposes the
// first. The caller disposes what ctx.writes holds.

import * as tf from '@tensorflow/tfjs';
import { broadcast, isShapeError } from '../../compiler/ops/spec.js';
import { alignPlan, permutePlan, type Plan } from './align.js';
import {
  allOf,
  attrList,
  attrNumber,
  attrString,
  axisNames,
  customOp,
  detached,
  divideWhere,
  expandTo,
  inputIndex,
  inputType,
  internal,
  notNaN,
  oneHot,
  safeSqrt,
  select,
  stopGrad,
  toDtype,
  truthy,
  type OpNotes,
} from './common.js';
import { seededRng } from './init.js';
import type { KernelBuilder, KernelTable, NodeInfo } from './kernel.js';

export const MASK_FILL = -1e9;

/** tf.softmax (last axis only; XNNPACK's fused kernel on wasm) along any axis, transposing around it. */
function softmaxAlong(x: tf.Tensor, axis: number): tf.Tensor {
  const last = x.shape.length - 1;
  if (axis === last) return tf.softmax(x);
  const perm = x.shape.map((_, i) => (i === axis ? last : i === last ? axis : i));
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}

/** Softmax (or log-softmax) along `axis`; `mask` (bool, broadcastable to x) marks kept entries. */
export function maskedSoftmax(x: tf.Tensor, mask: tf.Tensor | null, axis: number, log: boolean): tf.Tensor {
  return customOp(mask ? [x, mask] : [x], ([xi, m], save) => {
    const xm = m ? select(m, xi!, MASK_FILL) : xi!;
    let p0: tf.Tensor;
    let value: tf.Tensor | null = null;
    if (log) {
      const z = tf.sub(xm, tf.max(xm, axis, true));
      const ls = tf.sub(z, tf.log(tf.sum(tf.exp(z), axis, true)));
      p0 = tf.exp(ls);
      value = m ? select(m, ls, MASK_FILL) : ls;
    } else p0 = softmaxAlong(xm, axis);
    const p = m ? select(m, p0, 0) : p0;
    value ??= p;
    save(m ? [p, m] : [p]);
    const mShape = m?.shape;
    return {
      value,
      gradFunc: (g, saved) => {
        const ps = saved[0]!;
        let dx: tf.Tensor;
        if (!log) {
          const gp = tf.mul(ps, g);
          dx = tf.sub(gp, tf.mul(ps, tf.sum(gp, axis, true)));
        } else {
          const gm = saved[1] ? select(saved[1], g, 0) : g;
          dx = tf.sub(gm, tf.mul(ps, tf.sum(gm, axis, true)));
        }
        return mShape ? [dx, tf.zeros(mShape)] : [dx];
      },
    };
  });
}

interface AxisPlan {
  xn: string[];
  axis: number;
  ix: number;
  im: number;
  mask: Plan | null;
}

function axisPlan(node: NodeInfo, xName = 'x'): AxisPlan {
  const xn = axisNames(inputType(node, xName));
  const im = inputIndex(node, 'mask');
  return {
    xn,
    axis: xn.indexOf(attrString(node.attrs['over'], '')),
    ix: inputIndex(node, xName),
    im,
    mask: im >= 0 ? alignPlan(axisNames(node.inputTypes[im]!), xn) : null,
  };
}

function maskOf(p: AxisPlan, ins: tf.Tensor[]): tf.Tensor | null {
  return p.mask ? truthy(p.mask(ins[p.im]!)) : null;
}

function softmaxKernel(log: boolean): KernelBuilder {
  return (node) => {
    const p = axisPlan(node);
    return (ins) => maskedSoftmax(toDtype(ins[p.ix]!, 'float32'), maskOf(p, ins), p.axis, log);
  };
}

const minmax: KernelBuilder = (node) => {
  const p = axisPlan(node);
  return (ins) => {
    const x = toDtype(ins[p.ix]!, 'float32');
    const nan = tf.isNaN(x);
    const lo = tf.min(select(nan, Infinity, x), p.axis, true);
    const hi = tf.max(select(nan, -Infinity, x), p.axis, true);
    const y = tf.div(tf.sub(x, lo), tf.add(tf.sub(hi, lo), 1e-12));
    const constant = detached((l, h, n) => allOf(tf.equal(l, h), tf.logicalNot(n)), lo, hi, nan);
    return select(constant, 1, y);
  };
};

/** Gumbel(0, 1) noise −log(−log U), U = 1e-10 + (1 − 1e-10)·u with u from seededRng(seed); one draw per entry. */
export function gumbelNoise(n: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = -Math.log(-Math.log(1e-10 + (1 - 1e-10) * rng()));
  return out;
}

const gumbelSoftmax: KernelBuilder = (node) => {
  const p = axisPlan(node);
  const over = p.xn[p.axis]!;
  const rest = p.xn.filter((n) => n !== over);
  const fromLast = permutePlan([...rest, over], p.xn);
  const tau = attrNumber(node.attrs['tau'], 1);
  const hard = node.attrs['hard'] !== false;
  return (ins, ctx) => {
    const x = toDtype(ins[p.ix]!, 'float32');
    const noise = tf.tensor(gumbelNoise(x.size, ctx.seed()), x.shape, 'float32');
    return customOp([x, noise], ([xi, gi], save) => {
      const ys = maskedSoftmax(tf.div(tf.add(xi!, gi!), tau), null, p.axis, false);
      save([ys]);
      const n = x.shape[p.axis]!;
      const value = hard ? fromLast(oneHot(tf.argMax(ys, p.axis), n)) : ys;
      return {
        value,
        gradFunc: (dy, saved) => {
          const gp = tf.mul(saved[0]!, dy);
          const dx = tf.div(tf.sub(gp, tf.mul(saved[0]!, tf.sum(gp, p.axis, true))), tau);
          return [dx, tf.zerosLike(dx)];
        },
      };
    });
  };
};

const sinkhorn: KernelBuilder = (node) => {
  const cn = axisNames(inputType(node, 'cost'));
  const [rows, cols] = attrList(node.attrs['over']);
  const r = cn.indexOf(rows!);
  const c = cn.indexOf(cols!);
  if (r < 0 || c < 0 || r === c) internal(`sinkhorn over (${rows}, ${cols}) of [${cn.join(', ')}]`);
  const eps = attrNumber(node.attrs['eps'], 0.1);
  const iters = attrNumber(node.attrs['iters'], 3);
  const ic = inputIndex(node, 'cost');
  return (ins) =>
    detached((cost) => {
      const z = tf.mul(toDtype(cost, 'float32'), -1 / eps);
      const zmax = tf.max(select(tf.isFinite(z), z, -Infinity), c, true);
      let q = tf.exp(tf.sub(z, select(tf.isFinite(zmax), zmax, 0)));
      const finiteMax = tf.max(select(tf.isFinite(q), q, 0), [r, c], true);
      q = select(tf.equal(q, Infinity), finiteMax, q);
      for (let i = 0; i < iters; i++) {
        q = tf.div(q, tf.sum(q, r, true));
        q = tf.div(q, tf.sum(q, c, true));
      }
      return q;
    }, ins[ic]!);
};

const reverseGrad: KernelBuilder = (node) => {
  const ix = inputIndex(node, 'x');
  const is = inputIndex(node, 'scale');
  return (ins) => {
    const x = toDtype(ins[ix]!, 'float32');
    const scale = is >= 0 ? toDtype(ins[is]!, 'float32') : tf.scalar(1);
    return customOp([x, scale], ([xi, si], save) => {
      save([si!]);
      return {
        value: xi!.clone(),
        gradFunc: (dy, saved) => [tf.mul(dy, tf.neg(saved[0]!)), tf.zerosLike(saved[0]!)],
      };
    });
  };
};

/** Percentile ranks (average ties) in (0, 1] of each row of `x` [rows, n] where `valid` is 1; NaN elsewhere. */
export function rankRows(x: Float32Array | Int32Array | Uint8Array, valid: ArrayLike<number>, n: number): Float32Array {
  const out = new Float32Array(x.length).fill(NaN);
  const idx: number[] = [];
  for (let off = 0; off < x.length; off += n) {
    idx.length = 0;
    for (let j = 0; j < n; j++) if (valid[off + j]) idx.push(off + j);
    idx.sort((a, b) => x[a]! - x[b]!);
    const count = idx.length;
    for (let s = 0; s < count; ) {
      let e = s + 1;
      while (e < count && x[idx[e]!] === x[idx[s]!]) e++;
      const rank = (s + 1 + e) / 2;
      for (let k = s; k < e; k++) out[idx[k]!] = rank / count;
      s = e;
    }
  }
  return out;
}

const csRank: KernelBuilder = (node) => {
  const p = axisPlan(node);
  const over = p.xn[p.axis]!;
  const order = [...p.xn.filter((n) => n !== over), over];
  const toLast = permutePlan(p.xn, order);
  const back = permutePlan(order, p.xn);
  return (ins) => {
    const x = toDtype(ins[p.ix]!, 'float32');
    const m = maskOf(p, ins);
    const valid = tf.cast(m ? allOf(notNaN(x), m) : notNaN(x), 'float32');
    return detached(
      (xi, vi) => {
        const xl = toLast(xi);
        const ranks = rankRows(xl.dataSync() as Float32Array, toLast(vi).dataSync(), xl.shape[xl.shape.length - 1]!);
        return back(tf.tensor(ranks, xl.shape, 'float32'));
      },
      x,
      valid,
    );
  };
};

const csZscore: KernelBuilder = (node) => {
  const p = axisPlan(node);
  return (ins) => {
    const x = toDtype(ins[p.ix]!, 'float32');
    const m = maskOf(p, ins);
    const valid = m ? allOf(notNaN(x), m) : notNaN(x);
    const zero = tf.zerosLike(x);
    const xv = select(valid, x, zero);
    const n = detached((v, xx) => tf.sum(tf.cast(expandTo(v, xx.shape), 'float32'), p.axis, true), valid, x);
    const d = select(valid, tf.sub(xv, tf.div(tf.sum(xv, p.axis, true), tf.maximum(n, 1))), zero);
    const sd = safeSqrt(tf.div(tf.sum(tf.square(d), p.axis, true), tf.maximum(tf.sub(n, 1), 1)));
    const ok = allOf(valid, detached((k, s) => tf.logicalAnd(tf.greater(k, 1), tf.greater(s, 0)), n, sd));
    return divideWhere(ok, d, sd);
  };
};

const pearson: KernelBuilder = (node) => {
  const ta = inputType(node, 'a');
  const tb = inputType(node, 'b');
  const ab = broadcast(ta, tb, 'f32');
  if (isShapeError(ab)) return internal(`pearson: operands [${axisNames(ta)}] and [${axisNames(tb)}] do not align`);
  const abn = axisNames(ab);
  const axis = abn.indexOf(attrString(node.attrs['over'], ''));
  const pa = alignPlan(axisNames(ta), abn);
  const pb = alignPlan(axisNames(tb), abn);
  const im = inputIndex(node, 'mask');
  const pm = im >= 0 ? alignPlan(axisNames(node.inputTypes[im]!), abn) : null;
  const ia = inputIndex(node, 'a');
  const ib = inputIndex(node, 'b');
  return (ins) => {
    const a = pa(toDtype(ins[ia]!, 'float32'));
    const b = pb(toDtype(ins[ib]!, 'float32'));
    const valid = pm ? allOf(notNaN(a), notNaN(b), truthy(pm(ins[im]!))) : allOf(notNaN(a), notNaN(b));
    const n = detached((v) => tf.maximum(tf.sum(tf.cast(v, 'float32'), axis, true), 1), valid);
    const centred = (v: tf.Tensor): tf.Tensor => {
      const vv = select(valid, v, 0);
      return select(valid, tf.sub(vv, tf.div(tf.sum(vv, axis, true), n)), 0);
    };
    const da = centred(a);
    const db = centred(b);
    const cov = tf.sum(tf.mul(da, db), axis);
    const spread = tf.mul(tf.sum(tf.square(da), axis), tf.sum(tf.square(db), axis));
    const ok = detached((s) => tf.greater(s, 0), spread);
    return divideWhere(ok, cov, safeSqrt(select(ok, spread, 1)));
  };
};

const memoryWrite: KernelBuilder = (node) => {
  const iv = inputIndex(node, 'value');
  const name = attrString(node.attrs['memory'], '');
  return (ins, ctx) => {
    const v = ins[iv]!;
    const prev = ctx.writes.get(name);
    if (prev) prev.dispose();
    ctx.writes.set(name, tf.keep(v.clone()));
    return v.clone();
  };
};

const trainEval: KernelBuilder = (node) => {
  const ia = inputIndex(node, 'a');
  const ib = inputIndex(node, 'b');
  return (ins, ctx) => (ctx.training ? ins[ia]! : ins[ib]!);
};

export const specialKernels: KernelTable = {
  train_eval: trainEval,
  softmax: softmaxKernel(false),
  log_softmax: softmaxKernel(true),
  minmax,
  gumbel_softmax: gumbelSoftmax,
  sinkhorn,
  stop_grad: (node) => {
    const ix = inputIndex(node, 'x');
    return (ins) => stopGrad(ins[ix]!);
  },
  reverse_grad: reverseGrad,
  cs_rank: csRank,
  cs_zscore: csZscore,
  pearson,
  memory_write: memoryWrite,
};

export const specialNotes: OpNotes = {
  softmax: { grad: 'p ⊙ (g − Σ p g) (custom); 0 at masked entries', nan: 'NaN in a kept entry makes its row NaN; masked entries (even NaN) get exactly 0; an all-masked row is all 0' },
  log_softmax: { grad: 'g − p Σ g over kept entries (custom); 0 at masked entries', nan: 'NaN in a kept entry makes its row NaN; masked entries get exactly −1e9' },
  minmax: {
    grad: 'autodiff (through the row min and max)',
    nan: 'NaN entries are ignored for min/max and stay NaN; a row whose other entries are all equal becomes 1 (Qlib TRA)',
  },
  gumbel_softmax: {
    grad: 'the soft sample: p ⊙ (g − Σ p g)/τ (custom; straight-through when hard)',
    nan: 'NaN in a row makes the soft sample NaN',
    note: 'noise −log(−log U), U ~ Uniform(1e-10, 1) from ctx.seed(); hard: exact one-hot of the argmax',
  },
  sinkhorn: {
    grad: 'none (stop-gradient)',
    nan: 'NaN costs give NaN; +inf after the exponential is replaced by the largest finite value of its matrix',
    note: 'each row of −C/ε is shifted by its largest finite entry before exp (the plan does not change); each iteration divides by column sums, then by row sums',
  },
  stop_grad: { grad: 'none', nan: 'identity' },
  reverse_grad: { grad: '−scale · g (scale: optional scalar tensor, default 1; no gradient to scale)', nan: 'identity' },
  cs_rank: {
    grad: 'none (piecewise constant)',
    nan: 'NaN and masked entries stay NaN and are left out of the others\' ranks',
    note: 'rank/count in (0, 1], ties get their average rank (pandas rank(pct=True))',
  },
  cs_zscore: { grad: 'autodiff; 0 at NaN and masked entries', nan: 'NaN and masked entries are ignored and stay NaN; fewer than 2 kept entries or zero spread give NaN' },
  pearson: { grad: 'autodiff; 0 at ignored entries', nan: 'pairs with a NaN and masked entries are ignored; fewer than 2 kept pairs or zero variance give NaN' },
  train_eval: { grad: 'to a in training, to b in evaluation', nan: 'passes its chosen input through' },
  memory_write: { grad: 'identity (the stored copy is outside the loss)', nan: 'stores what it is given', note: 'stores a clone under attrs.memory in ctx.writes; the caller disposes it' },
};
