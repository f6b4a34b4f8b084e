// matMul for dense layers, with a gradient that stays on XNNPACK's fast path.
//
// What: `matMul(a, b)` (2-D) equals tf.matMul, but on tfjs-backend-wasm its
// gradient is matMul(dy, transpose(b)) and matMul(transpose(a), dy) with the
// transposes done explicitly: tfjs-wasm 4.22 runs a matMul on XNNPACK only
// when neither operand is transposed and the batch is 1; TF.js's own gradient
// uses transposed matMuls, which fall back to a naive loop (300×64·64×64:
// 105 µs on XNNPACK, 1,260 µs transposed — measured here). `dense(x, w, b)`
// is x·w + b on top of it. `fastTanh` computes tanh(a) = 2σ(2a) − 1 on wasm,
// where Tanh is a slow scalar kernel ([300, 64]: tanh 251 µs, the sigmoid
// form 79 µs), and plain tanh elsewhere (tfjs-node: tanh 18 µs, the sigmoid
// form 285 µs).
//
// Assumes: float32 operands; rank-2 for matMul/dense (other ranks: tf.matMul).
// Guarantees: values and gradients equal tf.matMul / tf.tanh up to float32
// rounding (test/runtime/ops/rnn-ops.test.ts).

import * as tf from '@tensorflow/tfjs';

const wasmMatMul = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      return [tf.matMul(dy, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy)];
    },
  };
});

/** a [M, K] · b [K, N] with a wasm-friendly gradient. */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank !== 2 || b.rank !== 2 || tf.getBackend() !== 'wasm') return tf.matMul(a, b);
  return wasmMatMul(a, b) as tf.Tensor;
}

/** x [M, K] · w [K, N] + b [N]. */
export function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const y = matMul(x, w);
  return b === undefined ? y : tf.add(y, b);
}

/** tanh, as 2σ(2a) − 1 on wasm (faster there), tf.tanh elsewhere. */
export function fastTanh(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.tanh(x);
  return tf.tidy(() => tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1));
}
