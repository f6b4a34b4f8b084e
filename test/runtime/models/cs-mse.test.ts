// stdlib.losses cs_mse as compiled into a strategy's objective: the MSE of
// the day's demeaned prediction against the label — the same value whatever
// constant the model adds to every row (here: a changed output bias), where
// plain MSE changes.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { runContext } from '../../../runtime/exec/compile.js';
import { market } from '../../../verify/claims.js';
import { compiledStage } from '../../helpers/train.js';

const src = (loss: string) => market(['temporal']) + `
import stdlib.losses { cs_mse }
strategy s { data m  model Linear(x: flatten(m.x, (F, T), to: F))  loss ${loss}
  train { optimizer: adam(lr: 1e-3), epochs: 1, batch: days } }
`;

describe('cs_mse', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('is the MSE of the demeaned prediction and ignores a shift of every row', () => {
    const values = (loss: string) => {
      const { predict, objective: fn, params, dispose } = compiledStage(src(loss), 4);
      const N = 5;
      const x = tf.tensor(Float32Array.from({ length: N * 60 * 6 }, (_, i) => Math.sin(i * 0.37)), [N, 60, 6]);
      const y = [0.5, -1, 0.25, 1.5, -0.75];
      const label = tf.tensor(y);
      const ctx = () => runContext(params, { training: true, seed: 1 });
      const at = (shift: number) => {
        const bias = [...params.vars.entries()].find(([k]) => k.endsWith('bias'))![1];
        const b0 = bias.arraySync() as number[];
        tf.tidy(() => bias.assign(tf.tensor(b0.map((b) => b + shift))));
        const pred = tf.tidy(() => Array.from((predict.run({ 'm.x': x }, ctx()) as tf.Tensor).dataSync()));
        const loss = tf.tidy(() => (fn.run({ 'm.x': x, 'm.label': label }, ctx()) as tf.Tensor).dataSync()[0]!);
        tf.tidy(() => bias.assign(tf.tensor(b0)));
        return { pred, loss };
      };
      const r = [at(0), at(0.8)];
      x.dispose();
      label.dispose();
      dispose();
      return r;
    };
    const [a, b] = values('cs_mse(pred, label)');
    const m = a!.pred.reduce((s, p) => s + p, 0) / a!.pred.length;
    const want = a!.pred.reduce((s, p, i) => s + (p - m - [0.5, -1, 0.25, 1.5, -0.75][i]!) ** 2, 0) / a!.pred.length;
    expect(a!.loss).toBeCloseTo(want, 5);
    expect(b!.loss).toBeCloseTo(a!.loss, 5);
    // plain MSE does move with the shift
    const [p, q] = values('mse(pred, label)');
    expect(Math.abs(q!.loss - p!.loss)).toBeGreaterThan(0.1);
  });
});
