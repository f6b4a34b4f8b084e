// Kernels for selection by computed positions (compiler/ops/select.ts):
// topk_index (tf.topk on the axis moved last; NaN counts as the lowest
// float32, so it comes last) and gather (tf.gather along the axis, with a hand-written gradient
// that adds the output's gradient back at the picked positions).
//
// Assumes: gather's positions are within the axis (topk_index's are); a
// position outside it at run time is Q6010, checked on the values.

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
        if (k > n) shapeFail('topk_index', `k = ${k} but axis ${over} has ${n} entries`);
        // NaN → the lowest float32 (tfjs orders ties among −∞ arbitrarily; among equal numbers by position)
        const clean = select(tf.isNaN(x), -3.4028234663852886e38, x);
        return back(tf.topk(clean, k, true).indices);
      }, ins[0]!);
  },
  gather: (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const over = attrString(node.attrs['over'], '');
    const axis = xn.indexOf(over);
    // The gradient adds dy back at the picked positions: a one-hot [n, Q]
    // matrix times dy with its Q axis first (tfjs's own gather gradient needs
    // UnsortedSegmentSum, which the wasm backend lacks).
    const front = permutePlan(xn, [over, ...xn.filter((a) => a !== over)]);
    const unfront = permutePlan([over, ...xn.filter((a) => a !== over)], xn);
    return (ins) => {
      const index = toDtype(ins[1]!, 'int32');
      const n = ins[0]!.shape[axis]!;
      const ids = index.dataSync();
      for (const i of ids) if (i < 0 || i >= n) shapeFail('gather', `position ${i} is outside axis ${over} (${n} entries)`);
      return customOp([ins[0]!], ([x], save) => {
        save([index]);
        return {
          value: tf.gather(x!, index, axis),
          gradFunc: (dy, [idx]) => {
            const d = front(dy);
            const rest = d.shape.slice(1);
            const oh = tf.transpose(oneHot(idx!, n)); // [n, Q]
            const flat = tf.matMul(oh, tf.reshape(d, [d.shape[0]!, prod(rest)]));
            return [unfront(tf.reshape(flat, [n, ...rest]))];
          },
        };
      });
    };
  },
};

export const selectNotes: OpNotes = {
  topk_index: { grad: 'none (positions)', nan: 'NaN ranks below every number', note: 'k beyond the axis at run time is Q6010' },
  gather: { grad: 'custom: added back at the picked positions (one-hot matMul)', nan: 'moves with the values', note: 'a position outside the axis at run time is Q6010' },
};
