// Qlib's GRU baseline as a TF.js model, shared by the benchmark and its workers.
//
// What: GRU(F → H, L layers, PyTorch layout) → last step → Linear(H → 1),
// MSE loss; `createReplica` adapts it to runtime/parallel's replica contract,
// so the single-process and data-parallel runs execute the same code.
// Assumes: an initialised TF.js backend (wasm, tfjs-node or cpu).
// Guarantees: parameters are created from `seed` (PyTorch init: U(±1/√H)),
// so equal options give equal models in every thread.

import * as tf from '@tensorflow/tfjs';
import { gruStack, initRnnWeights, seededRandom } from '../runtime/ops/rnn.js';
import { dense } from '../runtime/ops/matmul.js';
import type { ReplicaModel, Shard } from '../runtime/parallel/pool.js';

export interface GruModelOptions {
  inputSize: number;
  hidden: number;
  layers: number;
  seed: number;
}

export interface GruModel {
  params: Record<string, tf.Variable>;
  predict(x: tf.Tensor3D): tf.Tensor;
  loss(x: tf.Tensor3D, y: tf.Tensor): tf.Scalar;
  lossAndGrads(x: tf.Tensor3D, y: tf.Tensor): { loss: tf.Scalar; grads: Record<string, tf.Tensor> };
}

export function buildGruModel(o: GruModelOptions): GruModel {
  const params: Record<string, tf.Variable> = initRnnWeights('gru', o.inputSize, o.hidden, o.layers, o.seed);
  const rnd = seededRandom(o.seed + 1);
  const k = 1 / Math.sqrt(o.hidden);
  const fc = new Float32Array(o.hidden).map(() => (2 * rnd() - 1) * k);
  params['fc.weight'] = tf.tidy(() => tf.variable(tf.tensor(fc, [o.hidden, 1])));
  params['fc.bias'] = tf.tidy(() => tf.variable(tf.tensor([(2 * rnd() - 1) * k], [1])));
  const predict = (x: tf.Tensor3D): tf.Tensor => {
    const r = gruStack(x, params, { layers: o.layers, hidden: o.hidden, outputs: 'last' });
    return dense(r.last as tf.Tensor2D, params['fc.weight'], params['fc.bias']);
  };
  const loss = (x: tf.Tensor3D, y: tf.Tensor): tf.Scalar => tf.losses.meanSquaredError(y, predict(x)) as tf.Scalar;
  const names = Object.keys(params);
  const lossAndGrads = (x: tf.Tensor3D, y: tf.Tensor) => {
    const { value, grads } = tf.variableGrads(() => loss(x, y), names.map((n) => params[n]));
    const out: Record<string, tf.Tensor> = {};
    for (const n of names) out[n] = grads[params[n].name];
    return { loss: value, grads: out };
  };
  return { params, predict, loss, lossAndGrads };
}

/** runtime/parallel replica factory: shard fields `x` [n, T, F] and `y` [n, 1]. */
export function createReplica(options: GruModelOptions): ReplicaModel {
  const m = buildGruModel(options);
  return {
    params: m.params,
    step: (_params, shard: Shard) => m.lossAndGrads(shard.x as tf.Tensor3D, shard.y),
  };
}
