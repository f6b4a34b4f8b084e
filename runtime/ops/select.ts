// Kernels for selection by computed positions (compiler/ops/select.ts):
// topk_index (tf.topk on the axis moved last; NaN counts as the lowest
// float32, so it comes last) and gather (tf.gather along the axis, with a hand-written gradient
// that adds the output's gradient back at the picked positions).
//
// Shapes stay static when an axis is shorter than k at run time (IGMTF's bank
// before its first refresh, or with fewer days than k_day): topk_index pads
// with position −1, "none", and gather turns −1 into an empty entry (0 or
// false), so a mask gathered with the same positions marks it absent. Any
// other position outside the axis is Q6010, checked on the values.

import * as tf from '@tensorflow/tfjs';
import { permutePlan } from './align.js';
import { attrNumber, attrString, axisNames, customOp, detached, inputType, oneHot, prod, select, shapeFail, toDtype, type OpNotes } from './common.js';
import type { KernelTable } from './kernel.js';

export const selectKernels: KernelTable = {
  topk_index: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const to = attrString(node.attrs['to'], over);
    const rest = xn.filter((a) => a !== over);
    const toLast = permutePlan(xn, [...rest, over]);
    // the result's axes: x's, with `over` renamed `to` in place
    const back = permutePlan([...rest, to], xn.map((a) => (a === over ? to : a)));
    const k = attrNumber(node.attrs['k'], 1);
    return (ins) =>
      detached((x0) => {
        const x = toDtype(toLast(x0), 'float32');
        const n = x.shape[x.shape.length - 1]!;
        const lead = x.shape.slice(0, -1);
        const none = (m: number) => tf.fill([...lead, m], -1, 'int32');
        if (n === 0) return back(none(k));
        // NaN → the lowest float32 (tfjs orders ties among −∞ arbitrarily; among equal numbers by position)
        const clean = select(tf.isNaN(x), -3.4028234663852886e38, x);
        const top = tf.topk(clean, Math.min(k, n), true).indices;
        return back(n >= k ? top : tf.concat([top, none(k - n)], -1));
      }, ins[0]!);
  },
  gather: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const axis = xn.indexOf(over);
    const outShape = (x: tf.Tensor, q: number) => x.shape.map((s, d) => (d === axis ? q : s));
    // The gradient adds dy back at the picked positions: a one-hot [n, Q]
    // matrix times dy with its Q axis first (tfjs's own gather gradient needs
    // UnsortedSegmentSum, which the wasm backend lacks). Position −1 ("none",
    // topk_index's padding) picks an empty entry (0, false) and no gradient.
    const front = permutePlan(xn, [over, ...xn.filter((a) => a !== over)]);
    const unfront = permutePlan([over, ...xn.filter((a) => a !== over)], xn);
    return (ins) => {
      const index = toDtype(ins[1]!, 'int32');
      const x0 = ins[0]!;
      const n = x0.shape[axis]!;
      const ids = index.dataSync();
      let padded = false;
      for (const i of ids) {
        if (i === -1) padded = true;
        else if (i < 0 || i >= n) shapeFail('gather', `position ${i} is outside axis ${over} (${n} entries)`);
      }
      if (n === 0) return tf.zeros(outShape(x0, ids.length), x0.dtype);
      return customOp([x0], ([x], save) => {
        const safe = padded ? tf.maximum(index, tf.scalar(0, 'int32')) : index;
        save([index]);
        let value = tf.gather(x!, safe, axis);
        if (padded) {
          const shape = outShape(x!, ids.length).map((s, d) => (d === axis ? s : 1));
          const keep = tf.reshape(tf.greaterEqual(index, 0), shape);
          value = x!.dtype === 'bool' ? tf.logicalAnd(value, keep) : select(keep, value, 0);
        }
        return {
          value,
          gradFunc: (dy, [idx]) => {
            const d = front(dy);
            const rest = d.shape.slice(1);
            const oh = tf.transpose(oneHot(idx!, n)); // [n, Q]; position −1 is a zero column
            const flat = tf.matMul(oh, tf.reshape(d, [d.shape[0]!, prod(rest)]));
            return [unfront(tf.reshape(flat, [n, ...rest]))];
          },
        };
      });
    };
  },
};

export const selectNotes: OpNotes = {
  topk_index: { grad: 'none (positions)', nan: 'NaN ranks below every number', note: 'an axis shorter than k at run time pads with position −1 (none)' },
  gather: { grad: 'custom: added back at the picked positions (one-hot matMul)', nan: 'moves with the values', note: 'position −1 picks an empty entry (0, false); any other position outside the axis at run time is Q6010' },
};
