// Tests of runtime/ops/matmul.ts (used by every dense layer and the RNN
// benchmark): values and gradients equal TF.js's own on wasm and cpu.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { dense, fastTanh, matMul } from '../../../runtime/ops/matmul.js';
import { maxAbsDiff } from './rnn-helpers.js';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe.each(['wasm', 'cpu'])('matmul helpers on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('matMul and dense give TF.js values and gradients', () => {
    const a = tf.randomNormal([7, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const bias = tf.randomNormal([3], 0, 1, 'float32', 3);
    const c = tf.randomNormal([7, 3], 0, 1, 'float32', 4);
    const ours = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(dense(x, y, z), c)))([a, b, bias]);
    const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(tf.add(tf.matMul(x, y), z), c)))([a, b, bias]);
    ours.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), theirs[i].dataSync())).toBeLessThan(1e-5));
    expect(maxAbsDiff(matMul(a, b).dataSync(), tf.matMul(a, b).dataSync())).toBeLessThan(1e-5);
    tf.dispose([a, b, bias, c, ...ours, ...theirs]);
  });

  it('fastTanh equals tanh in value and gradient', () => {
    const x = tf.linspace(-6, 6, 101);
    expect(maxAbsDiff(fastTanh(x).dataSync(), tf.tanh(x).dataSync())).toBeLessThan(1e-6);
    const g1 = tf.grad((v: tf.Tensor) => tf.sum(fastTanh(v)))(x);
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(tf.tanh(v)))(x);
    expect(maxAbsDiff(g1.dataSync(), g2.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, g1, g2]);
  });
});
