// TRA's paper variant (specs/tra.md [QT]) as compiled from the stdlib: the
// memory receives today's squared errors shifted by their row minimum, and
// the loss is the routed prediction's MSE minus λ·0.99^step times the
// router's cross-entropy against Sinkhorn(ε = 0.01) of those shifted errors —
// checked against the same formula computed here from the model's outputs.
// Training mixes the predictors with a soft Gumbel sample; evaluation takes
// the most likely one.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { runContext } from '../../../runtime/exec/compile.js';
import { mulberry32 } from '../../../runtime/random.js';
import { market } from '../../../verify/claims.js';
import { compiledStage } from '../../helpers/train.js';

const SRC = market(['regimes']) + `
import stdlib.models { tra_paper_loss }
strategy p { data m  model TRA(x: m.x, hist: history(errors, 60), H: 4, L: 1, variant: "paper")
  train { optimizer: adam(lr: 1e-3), epochs: 1, batch: samples(64), stage s { loss: tra_paper_loss(pred, label, errors, lambda: 2.0) } } }
`;

/** Sinkhorn as the op documents it: exp(−C/ε) shifted per row, then column sums, then row sums, `iters` times. */
function sinkhorn(C: number[][], eps: number, iters: number): number[][] {
  let q = C.map((row) => {
    const m = Math.max(...row.map((c) => -c / eps));
    return row.map((c) => Math.exp(-c / eps - m));
  });
  for (let it = 0; it < iters; it++) {
    const col = q[0]!.map((_, k) => q.reduce((s, r) => s + r[k]!, 0));
    q = q.map((r) => r.map((v, k) => v / col[k]!));
    q = q.map((r) => {
      const s = r.reduce((a, b) => a + b, 0);
      return r.map((v) => v / s);
    });
  }
  return q;
}

describe('TRA paper variant', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('writes shifted errors and computes MSE − λ·0.99^step·CE(router, Sinkhorn(errors))', () => {
    const { predict, objective: loss, params, dispose } = compiledStage(SRC, 7);
    const N = 6;
    const r = mulberry32(3);
    const x = tf.tensor(Float32Array.from({ length: N * 60 * 6 }, () => r() * 2 - 1), [N, 60, 6]);
    const hist = tf.tensor(Float32Array.from({ length: N * 60 * 3 }, () => r()), [N, 60, 3]);
    const y = [0.9, -1.2, 0.3, 1.5, -0.4, NaN];
    const label = tf.tensor(y);
    const feed = (step: number) => ({ 'm.x': x, 'errors.history60': hist, 'm.label': label, step: tf.scalar(step) });

    // the model in evaluation: deterministic predictors and router probabilities
    const ev = tf.tidy(() => {
      const out = predict.run({ 'm.x': x, 'errors.history60': hist }, runContext(params, { training: false, seed: 1 })) as Record<string, tf.Tensor>;
      return { all: out['all']!.arraySync() as number[][], prob: out['prob']!.arraySync() as number[][], pred: Array.from(out['pred']!.dataSync()) };
    });
    // evaluation routes to the most likely predictor
    ev.pred.forEach((p, i) => expect(p).toBeCloseTo(ev.all[i]![ev.prob[i]!.indexOf(Math.max(...ev.prob[i]!))]!, 5));

    const run = (step: number) => {
      const ctx = runContext(params, { training: true, seed: 5 });
      const v = tf.tidy(() => (loss.run(feed(step), ctx) as tf.Tensor).dataSync()[0]!);
      const w = ctx.writes.get('errors');
      const written = w ? ((w as tf.Tensor).arraySync() as number[][]) : [];
      for (const t of ctx.writes.values()) (t as tf.Tensor).dispose();
      return { v, written };
    };
    const a = run(0);
    const b = run(100);

    // memory: (all − fillna(y, 0))² minus its row minimum
    const E = ev.all.map((row, i) => row.map((p) => (p - (Number.isNaN(y[i]!) ? 0 : y[i]!)) ** 2));
    const L = E.map((row) => row.map((e) => e - Math.min(...row)));
    expect(a.written.length).toBe(N);
    a.written.forEach((row, i) => {
      expect(Math.min(...row)).toBe(0);
      row.forEach((v, k) => expect(v).toBeCloseTo(L[i]![k]!, 5));
    });

    // the same noise at both steps, so the difference is the transport term alone:
    // loss(0) − loss(100) = −λ·(1 − 0.99^100)·mean_i Σ_k P log prob
    const P = sinkhorn(L, 0.01, 3);
    const ce = P.reduce((s, row, i) => s + row.reduce((t, p, k) => t + p * Math.log(ev.prob[i]![k]! + 1e-12), 0), 0) / N;
    expect(a.v - b.v).toBeCloseTo(-2 * (1 - 0.99 ** 100) * ce, 4);

    // training mixes the predictors (soft Gumbel): each prediction lies between
    // its row's predictors and, unlike a hard sample, is none of them
    const trained = tf.tidy(() => {
      const out = predict.run({ 'm.x': x, 'errors.history60': hist }, runContext(params, { training: true, seed: 5 })) as Record<string, tf.Tensor>;
      return Array.from(out['pred']!.dataSync());
    });
    trained.forEach((p, i) => {
      expect(p).toBeGreaterThanOrEqual(Math.min(...ev.all[i]!) - 1e-6);
      expect(p).toBeLessThanOrEqual(Math.max(...ev.all[i]!) + 1e-6);
    });
    expect(trained.filter((p, i) => ev.all[i]!.every((q) => Math.abs(p - q) > 1e-4)).length).toBeGreaterThan(N / 2);

    for (const t of [x, hist, label]) t.dispose();
    dispose();
  });
});
