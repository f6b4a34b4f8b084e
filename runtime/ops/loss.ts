// Kernels of the loss family: mse, mae, bce (with logits) and cross_entropy
// over a class axis (compiler/ops/special.ts has the signatures).
//
// Every loss is the mean of a per-entry loss over the kept entries: those
// whose target is finite and whose mask (aligned by name) is true. The entry
// domain is pred and target broadcast by name (for cross_entropy: pred's axes
// without the class axis); a target or mask lacking an axis counts once per
// entry along it. Nothing kept gives 0 (not NaN). Non-kept entries are
// replaced by 0 in both pred and target before any arithmetic, so a NaN
// target (or a NaN prediction beside it) never reaches a value or gradient.
//
// Assumes: the node's types come from the registry's shape rules; bce
// targets are probabilities in [0, 1]; cross_entropy targets are class
// indices (integers 0..C−1; anything else is not kept, like PyTorch's
// ignore_index).
// Guarantees: a float32 scalar; gradients are autodiff, 0 at non-kept entries.

import * as tf from '@tensorflow/tfjs';
import { broadcast, isShapeError } from '../../compiler/ops/spec.js';
import { alignPlan, permutePlan, type Plan } from './align.js';
import {
  allOf,
  attrString,
  axisNames,
  detached,
  expandTo,
  inputIndex,
  inputType,
  internal,
  oneHot,
  select,
  toDtype,
  truthy,
  type OpNotes,
} from './common.js';
import type { KernelBuilder, KernelTable } from './kernel.js';

/** Σ entries where kept / max(#kept, 1): `keep` broadcasts against `e`. */
function keptMean(e: tf.Tensor, keep: tf.Tensor): tf.Tensor {
  const n = detached((k) => tf.sum(tf.cast(expandTo(k, e.shape), 'float32')), keep);
  return tf.div(tf.sum(select(keep, e, 0)), tf.maximum(n, 1));
}

type EntryLoss = (p: tf.Tensor, t: tf.Tensor) => tf.Tensor;

function pointwise(fn: EntryLoss): KernelBuilder {
  return (node) => {
    const tp = inputType(node, 'pred');
    const tt = inputType(node, 'target');
    const dom = broadcast(tp, tt, 'f32');
    if (isShapeError(dom)) return internal(`${node.op}: pred [${axisNames(tp)}] and target [${axisNames(tt)}] do not align`);
    const dn = axisNames(dom);
    const pp = alignPlan(axisNames(tp), dn);
    const pt = alignPlan(axisNames(tt), dn);
    const im = inputIndex(node, 'mask');
    const pm: Plan | null = im >= 0 ? alignPlan(axisNames(node.inputTypes[im]!), dn) : null;
    const ip = inputIndex(node, 'pred');
    const it = inputIndex(node, 'target');
    return (ins) => {
      const p = pp(toDtype(ins[ip]!, 'float32'));
      const t = pt(toDtype(ins[it]!, 'float32'));
      const finite = detached((v) => tf.isFinite(v), t);
      const keep = pm ? allOf(finite, truthy(pm(ins[im]!))) : finite;
      return keptMean(fn(select(keep, p, 0), select(keep, t, 0)), keep);
    };
  };
}

const crossEntropy: KernelBuilder = (node) => {
  const pn = axisNames(inputType(node, 'pred'));
  const over = attrString(node.attrs['over'], '');
  const rest = pn.filter((n) => n !== over);
  const toLast = permutePlan(pn, [...rest, over]);
  const pt = alignPlan(axisNames(inputType(node, 'target')), rest);
  const im = inputIndex(node, 'mask');
  const pm: Plan | null = im >= 0 ? alignPlan(axisNames(node.inputTypes[im]!), rest) : null;
  const ip = inputIndex(node, 'pred');
  const it = inputIndex(node, 'target');
  return (ins) => {
    const logits = toLast(toDtype(ins[ip]!, 'float32'));
    const C = logits.shape[logits.shape.length - 1]!;
    const t = pt(ins[it]!.dtype === 'bool' ? tf.cast(ins[it]!, 'int32') : ins[it]!);
    const isClass = detached((v) => {
      const inRange = tf.logicalAnd(tf.greaterEqual(v, 0), tf.less(v, C));
      return v.dtype === 'float32' ? tf.logicalAnd(inRange, tf.equal(v, tf.floor(v))) : inRange;
    }, t);
    const keep = pm ? allOf(isClass, truthy(pm(ins[im]!))) : isClass;
    const safe = select(tf.expandDims(keep, -1), logits, 0);
    const cls = detached((v, k) => tf.cast(select(k, v, 0), 'int32'), t, keep);
    const picked = tf.sum(tf.mul(tf.logSoftmax(safe), oneHot(cls, C)), -1);
    return keptMean(tf.neg(picked), keep);
  };
};

export const lossKernels: KernelTable = {
  mse: pointwise((p, t) => tf.square(tf.sub(p, t))),
  mae: pointwise((p, t) => tf.abs(tf.sub(p, t))),
  bce: pointwise((z, y) => tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))),
  cross_entropy: crossEntropy,
};

const KEPT = 'entries with a non-finite target or a false mask are left out; nothing kept gives 0';

export const lossNotes: OpNotes = {
  mse: { grad: '2(pred − target)/#kept at kept entries, 0 elsewhere', nan: KEPT },
  mae: { grad: 'sign(pred − target)/#kept at kept entries', nan: KEPT },
  bce: { grad: '(σ(z) − y)/#kept at kept entries', nan: KEPT, note: 'max(z, 0) − z·y + log(1 + e^−|z|), stable for any logit' },
  cross_entropy: {
    grad: '(softmax − onehot)/#kept at kept rows',
    nan: 'rows whose target is not an integer class in 0..C−1 (NaN, negative, too large) or is masked are left out; nothing kept gives 0',
  },
};
