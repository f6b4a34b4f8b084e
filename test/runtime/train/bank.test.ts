// Memory banks (IGMTF): the store's bank is every written day, day-major,
// NaN where a stock has nothing; `visible` marks bank days ≤ day − lag;
// `update: refresh` memories ignore writes outside refresh passes and keep
// the last snapshot while a pass writes aside; versions change exactly when
// the contents do. Refresh passes run only an objective's writes. Training
// IGMTF keeps the live tensor count flat across epochs (the bank tensor is
// cached between refreshes and replaced, not leaked).

import * as fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MemoryPlan } from '../../../compiler/plan/plan.js';
import { createMemoryStore, type RowKeys } from '../../../runtime/train/memory.js';
import { writesOnly } from '../../../runtime/train/loop.js';
import { join } from 'node:path';
import { compileSource, errorsOf, ROOT } from '../../helpers/compile.js';
import { initBackend } from '../../../runtime/backend.js';
import { trainStrategy } from '../../helpers/train.js';
import { loadData } from '../../../runtime/run.js';
import { createParams, disposeParams, paramSpecs } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { datasetFeeds } from '../../../runtime/train/feeds.js';
import { trainStages } from '../../../runtime/train/loop.js';

const plan = (lag: number, update: 'always' | 'refresh', width = 2): MemoryPlan => ({
  name: 'b',
  type: { kind: 'tensor', dtype: 'f32', axes: [{ name: 'H', size: width }] },
  per: 'sample',
  lag,
  update,
});
const keys = (rows: [number, number][]): RowKeys => ({ inst: Int32Array.from(rows, (r) => r[0]), day: Int32Array.from(rows, (r) => r[1]) });

describe('bank reads', () => {
  it('hold every written day, day-major, NaN for absent stocks; visible = days ≤ d − lag', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.tuple(fc.nat(3), fc.nat(11)), { maxLength: 20 }),
        (instruments, days, lag, cells) => {
          const rows = cells.filter(([i, d]) => i < instruments && d < days);
          const store = createMemoryStore([plan(lag, 'always')], instruments, days);
          const value = (i: number, d: number, k: number) => 100 * d + 10 * i + k + 1;
          for (const [i, d] of rows) store.write('b', [value(i, d, 0), value(i, d, 1)], keys([[i, d]]));
          const bank = store.bank('b');
          const heldDays = [...new Set(rows.map(([, d]) => d))].sort((a, b) => a - b);
          expect(Array.from(bank.days)).toEqual(heldDays);
          expect(bank.values.length).toBe(heldDays.length * instruments * 2);
          heldDays.forEach((d, y) => {
            for (let i = 0; i < instruments; i++) {
              const has = rows.some(([a, b]) => a === i && b === d);
              for (let k = 0; k < 2; k++) {
                const v = bank.values[(y * instruments + i) * 2 + k]!;
                if (has) expect(v).toBe(value(i, d, k));
                else expect(v).toBeNaN();
              }
            }
          });
          for (let t = 0; t < days; t++) expect(Array.from(store.visible('b', bank, t))).toEqual(heldDays.map((d) => (d <= t - lag ? 1 : 0)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('update: refresh keeps only refresh writes, and reads see the last snapshot until the pass ends', () => {
    const store = createMemoryStore([plan(0, 'refresh')], 2, 3);
    store.write('b', [1, 1], keys([[0, 0]]));
    expect(store.bank('b').days.length).toBe(0);
    const v0 = store.version('b');
    store.beginRefresh(['b']);
    store.write('b', [2, 2], keys([[0, 0]]), { refresh: true });
    store.write('b', [3, 3], keys([[1, 1]]), { refresh: true });
    expect(store.version('b')).toBe(v0);
    expect(store.bank('b').days.length).toBe(0);
    store.endRefresh(['b']);
    expect(store.version('b')).toBeGreaterThan(v0);
    const b = store.bank('b');
    expect(Array.from(b.days)).toEqual([0, 1]);
    expect(Array.from(b.values)).toEqual([2, 2, NaN, NaN, NaN, NaN, 3, 3]);
    // the next pass replaces the snapshot: day 0 is gone when nothing writes it again
    const v1 = store.version('b');
    store.beginRefresh(['b']);
    store.write('b', [4, 4], keys([[1, 2]]), { refresh: true });
    store.endRefresh(['b']);
    expect(store.version('b')).toBeGreaterThan(v1);
    expect(Array.from(store.bank('b').days)).toEqual([2]);
  });

  it('update: always memories are cleared by a refresh pass and change version on every write', () => {
    const store = createMemoryStore([plan(1, 'always')], 1, 3);
    store.write('b', [1, 1], keys([[0, 0]]));
    const v = store.version('b');
    const b1 = store.bank('b');
    expect(store.bank('b')).toBe(b1);
    store.write('b', [2, 2], keys([[0, 1]]));
    expect(store.version('b')).toBeGreaterThan(v);
    expect(store.bank('b')).not.toBe(b1);
    store.beginRefresh(['b']);
    expect(store.bank('b').days.length).toBe(0);
  });
});

const IGMTF = (epochs: number) => `
import stdlib.features { alpha360 }
import stdlib.models { IGMTF, igmtf_loss }
data m = demo(preset: "small", seed: 3, only: ["dayTypes"]) {
  universe csi300
  features alpha360
  label    Ref($close, -1) / $close - 1
  process  features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
           label:    [dropna, cs_rank]
  segments train: 2008-03-01..2008-05-31, valid: 2008-06-01..2008-06-30, test: 2008-07-01..2008-07-31
}
memory enc: Float[H = 16] { per: sample, lag: 0, update: refresh }
strategy s {
  data  m
  model IGMTF(x: m.x, bank: bank(enc), seen: bank_visible(enc), H: 16, L: 1, k_day: 3, n_neighbor: 4)
  loss  igmtf_loss(pred, label, enc)
  train { optimizer: adam(lr: 1e-3), epochs: ${epochs}, batch: days, each_epoch: refresh(enc) }
}
`;

describe('IGMTF with a bank', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
  }, 60_000);

  it('the refresh pass runs only the encoder: no retrieval, no loss', () => {
    const c = compileSource(IGMTF(1));
    expect(errorsOf(c)).toEqual([]);
    const obj = c.optimized.functions[c.plans[0]!.stages[0]!.objective.fn]!;
    const w = writesOnly(obj);
    const ops = new Set(w.nodes.map((n) => n.op));
    expect(ops.has('memory_write')).toBe(true);
    expect(ops.has('lstm') || ops.has('fused_lstm') || [...ops].some((o) => o.includes('lstm'))).toBe(true);
    for (const gone of ['topk_index', 'gather', 'cosine', 'mse']) expect(ops.has(gone)).toBe(false);
    expect(w.nodes.length).toBeLessThan(obj.nodes.length / 2);
  });

  it('keeps the live tensor count flat across epochs (the bank tensor is replaced at each refresh)', async () => {
    const c = compileSource(IGMTF(4));
    const plan = c.plans[0]!;
    const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
    const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
    const data = await loadData(plan, join(ROOT, '.quiver'), () => {});
    const memory = createMemoryStore(plan.memories, data.panel.instruments.length, data.panel.days.length);
    const feeds = datasetFeeds(data.dataset, { instruments: data.panel.instruments, memory });
    const params = createParams(paramSpecs(entries.map((e) => program.functions[e]!)), 5);
    const counts: number[] = [];
    const banks: number[] = [];
    await trainStages({
      plan,
      program,
      kernels,
      data: feeds,
      params,
      seed: 5,
      progress: {
        step() {},
        epoch: () => {
          counts.push(tf.memory().numTensors);
          banks.push(memory.bank('enc').days.length);
        },
        done() {},
      },
    });
    expect(counts).toHaveLength(4);
    expect(counts[3]).toBe(counts[1]);
    // every training day is in the bank after a refresh
    expect(banks.every((n) => n === data.dataset.days('train').length)).toBe(true);
    feeds.release?.();
    disposeParams(params);
  }, 300_000);

  it('trains end to end and predicts the test days from the bank', async () => {
    const r = await trainStrategy(IGMTF(2));
    expect(Number.isFinite(r.metrics['IC'])).toBe(true);
  }, 300_000);
});
