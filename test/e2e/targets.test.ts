// ADD's market state end to end: a strategy on the small demo market (the
// market effect only) with `target mkt = cs_mean(<raw label>)` and
// `process mkt: [qcut(3, fit: "train")]`, whose loss reads it through
// cross_entropy, compiles; the dataset built from its plan gives every train
// day one class in {0, 1, 2} shared by all its stocks, about a third of the
// train days per class; the feeds hand the loss that column as a Float32
// tensor [rows], in daily and in sample batches.

import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadData } from '../../runtime/run.js';
import { datasetFeeds } from '../../runtime/train/feeds.js';
import { shutdownExprWorkers } from '../../runtime/data/expr/parallel.js';
import { compileSource, errorsOf, ROOT } from '../helpers/compile.js';

afterAll(async () => {
  await shutdownExprWorkers();
});

const SOURCE = `
import stdlib.features { alpha360 }

data m = demo(preset: "small", only: ["market"]) {
  universe csi300
  features alpha360
  label    Ref($close, -2) / Ref($close, -1) - 1
  target   mkt = cs_mean(Ref($close, -2) / Ref($close, -1) - 1)
  process  features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
           label:    [dropna, cs_rank]
           mkt:      [qcut(3, fit: "train")]
  segments train: 2008-01-01..2009-06-30, valid: 2009-07-01..2009-12-31, test: 2010-01-01..2010-12-31
}

model TwoHeads(x: Float[N, T, F], H: Int = 8, C: Int = 3) -> (pred: Float[N], logits: Float[N, C]) {
  let h = x |> gru(H) |> last(over: T)
  return (pred: h |> dense(1) |> squeeze, logits: h |> dense(C))
}

loss state_loss(out, y, state) {
  return mse(out.pred, y) + cross_entropy(out.logits, state, over: C)
}

strategy market_state {
  data  m
  model TwoHeads(x: m.x)
  loss  state_loss(pred, label, m.mkt)
  train { epochs: 1, batch: samples(256) }
}
`;

describe('the market-state target on the demo market', () => {
  it('compiles, gives each train day one class 0/1/2 (about a third each), and feeds it to the loss', async () => {
    const c = compileSource(SOURCE, { name: 'market-state' });
    expect(errorsOf(c)).toEqual([]);
    const plan = c.plans[0]!;
    const stage = plan.stages[0]!;
    const bound = stage.objective.inputs.find((b) => b.source.kind === 'target');
    expect(bound?.name).toBe('m.mkt');
    expect(plan.predict.inputs.some((b) => b.source.kind === 'target')).toBe(false);

    const { dataset: ds } = await loadData(plan, join(ROOT, '.quiver'), () => {});
    const perClass = [0, 0, 0];
    const days = ds.days('train');
    for (let k = 0; k < days.length; k++) {
      const cs = ds.crossSection('train', k);
      const v = cs.targets['mkt']!;
      expect(v).toHaveLength(cs.instruments.length);
      const kept = Array.from(v).filter((_, r) => cs.mask[r]);
      expect(kept.length, cs.day).toBeGreaterThan(0);
      // One class per day, shared by every kept stock; rows the mask drops hold NaN.
      expect(new Set(kept).size, cs.day).toBe(1);
      expect([0, 1, 2]).toContain(kept[0]);
      v.forEach((x, r) => (cs.mask[r] ? undefined : expect(x).toBeNaN()));
      perClass[kept[0]!]!++;
    }
    for (const n of perClass) expect(Math.abs(n / days.length - 1 / 3), `classes per train day: ${perClass}`).toBeLessThan(0.02);
    // The test segment gets the raw daily mean return (the label's flow): not a class.
    const test = ds.crossSection('test', 0).targets['mkt']!;
    expect(Array.from(test).some((x) => !Number.isNaN(x) && !Number.isInteger(x))).toBe(true);

    // Feeds: a daily batch and a sample batch bind m.mkt to a Float32 tensor [rows].
    const feeds = datasetFeeds(ds);
    const day = feeds.dayBatches('train')[Symbol.iterator]().next().value!;
    const sample = feeds.trainBatches(stage, 0, 1)[Symbol.iterator]().next().value!;
    for (const feed of [day, sample]) {
      const ts = feed.tensors(stage.objective.inputs);
      const t = ts['m.mkt']!;
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual([feed.rows]);
      const vals = Array.from(t.dataSync()).filter((x) => !Number.isNaN(x));
      expect(vals.length).toBeGreaterThan(0);
      for (const x of vals) expect([0, 1, 2]).toContain(x);
      tf.dispose(Object.values(ts));
    }
    const first = day.tensors([bound!]);
    expect(Array.from(first['m.mkt']!.dataSync())).toEqual(Array.from(ds.crossSection('train', 0).targets['mkt']!));
    tf.dispose(Object.values(first));
    // The replica pool's plain arrays carry it too.
    const arrays = sample.arrays?.(stage.objective.inputs);
    expect(arrays?.['m.mkt']?.shape).toEqual([sample.rows]);
    feeds.release?.();
  }, 180_000);
});
