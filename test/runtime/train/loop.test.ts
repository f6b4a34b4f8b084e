// The training loop on a tiny compiled strategy and an in-memory dataset:
// the loss falls, the live tensor count is flat across epochs, a run killed
// mid-training and resumed ends with the same weights as one that was not,
// early stopping restores the best parameters, and learning-rate schedules
// and data-parallel training behave. Accumulation, clipping, averaging,
// stages, freeze and init are in stages.test.ts. The loop itself runs on
// cpu, wasm and tfjs-node when it is installed; data-parallel on cpu workers.

import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/ir/types.js';
import type { InputBinding, Plan } from '../../../compiler/plan/plan.js';
import { createParams, disposeParams, paramSpecs, readParams } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { adjustLr, trainStages, type Feed, type TrainData } from '../../../runtime/train/loop.js';
import { readCheckpoint } from '../../../runtime/train/checkpoint.js';
import { testBackends, useBackend } from '../../helpers/backends.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';
import { mulberry32 } from '../../../runtime/random.js';

const SOURCE = `
features three(window: 5) {
  A = Ref($close, lag) / $close
  B = Ref($open, lag) / $close
  C = Ref($volume, lag) / ($volume + 1)
}

data d = demo(preset: "small") {
  features three
  label    Ref($close, -1) / $close - 1
  segments train: 2008-01-01..2008-12-31, valid: 2009-01-01..2009-06-30, test: 2009-07-01..2009-12-31
}

model Tiny(x: Float[N, T, F], H: Int = 4) -> Float[N] {
  let rnn = gru(H)
  return x |> rnn |> last(over: T) |> dense(1) |> squeeze
}

strategy s {
  data  d
  model Tiny(x: d.x)
  train { optimizer: adam(lr: 0.02), epochs: 6, batch: days, clip: value(3),
          early_stop: { patience: 50, on: valid.ic } }
}
`;

const N = 12;
const T = 5;
const F = 3;

const rng = mulberry32;

/** Days of random features whose label depends on the last step's first feature. */
function makeDay(seed: number): { x: Float32Array; label: Float32Array } {
  const r = rng(seed);
  const x = new Float32Array(N * T * F);
  for (let i = 0; i < x.length; i++) x[i] = r() * 2 - 1;
  const label = new Float32Array(N);
  for (let n = 0; n < N; n++) label[n] = x[n * T * F + (T - 1) * F] * 0.5 + (r() - 0.5) * 0.2;
  return { x, label };
}

function fakeData(): TrainData {
  const days: Record<string, { day: string; x: Float32Array; label: Float32Array }[]> = { train: [], valid: [], test: [] };
  let k = 0;
  for (const [seg, n] of [['train', 16], ['valid', 6], ['test', 4]] as const) {
    for (let i = 0; i < n; i++) days[seg]!.push({ day: `2008-01-${String(++k).padStart(2, '0')}`, ...makeDay(1000 + k) });
  }
  const feed = (d: { day: string; x: Float32Array; label: Float32Array }): Feed => ({
    rows: N,
    day: d.day,
    instruments: Array.from({ length: N }, (_, i) => `S${i}`),
    rawLabel: d.label,
    tensors: (bindings: InputBinding[]) => {
      const out: Record<string, tf.Tensor> = {};
      for (const b of bindings) {
        if (b.source.kind === 'features') out[b.name] = tf.tensor3d(d.x, [N, T, F]);
        else if (b.source.kind === 'label') out[b.name] = tf.tensor1d(d.label);
        else throw new Error(`unexpected input ${b.name}`);
      }
      return out;
    },
  });
  return {
    trainBatchCount: () => days['train']!.length,
    *trainBatches(_stage, _epoch, seed) {
      const order = days['train']!.map((_, i) => i);
      const r = rng(seed);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const i of order) yield feed(days['train']![i]!);
    },
    *dayBatches(segment) {
      for (const d of days[segment] ?? []) yield feed(d);
    },
  };
}

let plan: Plan;
let program: Program;
let dir: string;

const BACKENDS = await testBackends();

beforeAll(async () => {
  await useBackend('cpu');
  const c = compileSource(SOURCE);
  expect(errorsOf(c)).toEqual([]);
  plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  dir = mkdtempSync(join(tmpdir(), 'quiver-train-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshParams() {
  const entries = program.entries.map((e) => program.functions[e]!);
  return createParams(paramSpecs(entries), 42);
}

describe.each(BACKENDS)('training loop on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });

  it('lowers the loss, and the live tensor count is flat across epochs', async () => {
    const params = freshParams();
    const counts: number[] = [];
    const r = await trainStages({
      plan,
      program,
      kernels,
      data: fakeData(),
      params,
      seed: 3,
      progress: { step() {}, epoch: () => counts.push(tf.memory().numTensors), done() {} },
    });
    expect(r.history).toHaveLength(6);
    expect(r.history[5]!.trainLoss).toBeLessThan(r.history[0]!.trainLoss * 0.8);
    expect(counts[4]).toBe(counts[1]);
    disposeParams(params);
  });

  it('a run killed mid-training and resumed ends with the same weights', async () => {
    const a = freshParams();
    await trainStages({ plan, program, kernels, data: fakeData(), params: a, seed: 5, epochs: 4, checkpoint: join(dir, 'a.qck') });
    const want = readParams(a);
    disposeParams(a);

    const b = freshParams();
    const ck = join(dir, 'b.qck');
    await expect(
      trainStages({
        plan,
        program,
        kernels,
        data: fakeData(),
        params: b,
        seed: 5,
        epochs: 4,
        checkpoint: ck,
        afterStep: ({ epoch, step }) => {
          if (epoch === 2 && step === 7) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    disposeParams(b);
    const c = freshParams();
    await trainStages({ plan, program, kernels, data: fakeData(), params: c, seed: 5, epochs: 4, checkpoint: ck, resume: true });
    const got = readParams(c);
    disposeParams(c);
    for (const k of Object.keys(want)) expect(Array.from(got[k]!)).toEqual(Array.from(want[k]!));
  });

  it('the same seed gives the same weights; another seed does not', async () => {
    const run = async (seed: number) => {
      const p = freshParams();
      await trainStages({ plan, program, kernels, data: fakeData(), params: p, seed, epochs: 2 });
      const v = readParams(p);
      disposeParams(p);
      return v;
    };
    const x = await run(9);
    const y = await run(9);
    const z = await run(10);
    const key = Object.keys(x)[0]!;
    expect(Array.from(y[key]!)).toEqual(Array.from(x[key]!));
    expect(Array.from(z[key]!)).not.toEqual(Array.from(x[key]!));
  });

  it('early stopping restores the best epoch', async () => {
    const p = freshParams();
    const snapshots: Record<string, Float32Array>[] = [];
    const stage = { ...plan.stages[0]!, earlyStop: { patience: 2, metric: 'ic', segment: 'valid', mode: 'max' as const }, optimizer: { ...plan.stages[0]!.optimizer, lr: 0.3 } };
    const r = await trainStages({
      plan: { ...plan, stages: [stage] },
      program,
      kernels,
      data: fakeData(),
      params: p,
      seed: 1,
      epochs: 12,
      progress: { step() {}, epoch: () => snapshots.push(readParams(p)), done() {} },
    });
    const scores = r.history.map((h) => h.validMetric!);
    const best = scores.indexOf(Math.max(...scores));
    const final = readParams(p);
    const key = Object.keys(final)[0]!;
    expect(Array.from(final[key]!)).toEqual(Array.from(snapshots[best]![key]!));
    if (best < scores.length - 1) expect(r.history.length).toBeLessThanOrEqual(best + 1 + 2);
    disposeParams(p);
  });
});

describe('learning-rate schedules', () => {
  const pos = (lr: number) => ({ stage: 0, epoch: 0, history: [], best: null, bad: 0, seconds: 0, lr, plateauBest: null, plateauBad: 0 });
  const rec = (epoch: number, v: number) => ({ stage: 'main', epoch, trainLoss: v, validMetric: v, seconds: 0 });

  it('step decay multiplies by gamma every n epochs', () => {
    const stage = { ...plan.stages[0]!, lrSchedule: { kind: 'step' as const, every: 2, gamma: 0.5 } };
    const p = pos(1);
    for (let e = 0; e < 5; e++) adjustLr(stage, p, rec(e, 0), 'max');
    expect(p.lr).toBe(0.25);
  });

  it('plateau decay waits `patience` epochs without improvement, then cuts, never below min_lr', () => {
    const stage = { ...plan.stages[0]!, lrSchedule: { kind: 'plateau' as const, factor: 0.5, patience: 1, threshold: 1e-4, minLr: 0.3 } };
    const p = pos(1);
    const values = [0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2];
    const lrs = values.map((v, e) => (adjustLr(stage, p, rec(e, v), 'max'), p.lr));
    expect(lrs).toEqual([1, 1, 1, 0.5, 0.5, 0.3, 0.3, 0.3]);
  });
});

describe('data-parallel training', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  const samples = (): TrainData => {
    const base = fakeData();
    return {
      ...base,
      *trainBatches(stage, epoch, seed) {
        for (const f of base.trainBatches(stage, epoch, seed)) {
          const bindings = stage.objective.inputs;
          const t = f.tensors(bindings);
          const arrays = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, { data: v.dataSync() as Float32Array, shape: v.shape }]));
          tf.dispose(Object.values(t));
          yield { ...f, arrays: () => arrays };
        }
      },
    };
  };
  const stage = () => ({ ...plan.stages[0]!, batch: { kind: 'samples' as const, size: N, shuffle: false, dropLast: false, replacement: false }, earlyStop: undefined });

  it('two workers train to the same weights as one process (within float tolerance)', async () => {
    const run = async (workers: number) => {
      const p = freshParams();
      await trainStages({ plan: { ...plan, stages: [stage()] }, program, kernels, data: samples(), params: p, seed: 2, epochs: 2, workers, workerBackend: 'cpu' });
      const v = readParams(p);
      disposeParams(p);
      return v;
    };
    const one = await run(1);
    const two = await run(2);
    for (const k of Object.keys(one)) {
      const a = one[k]!;
      const b = two[k]!;
      let d = 0;
      for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
      expect(d, k).toBeLessThan(1e-4);
    }
    // and the two runs really differ in how they ran: the pool's weights are not bit-identical
    expect(Object.keys(one).some((k) => one[k]!.some((x, i) => x !== two[k]![i]))).toBe(true);
  }, 120_000);

  it('a data-parallel run killed and resumed ends with the same weights: checkpoints hold the replicas’ Adam moments', async () => {
    const run = async (ck: string, extra: Partial<Parameters<typeof trainStages>[0]> = {}) => {
      const p = freshParams();
      try {
        await trainStages({ plan: { ...plan, stages: [stage()] }, program, kernels, data: samples(), params: p, seed: 4, epochs: 2, workers: 2, workerBackend: 'cpu', checkpoint: ck, ...extra });
        return readParams(p);
      } finally {
        disposeParams(p);
      }
    };
    const want = await run(join(dir, 'dp-whole.qck'));
    const ck = join(dir, 'dp-killed.qck');
    await expect(
      run(ck, {
        afterStep: ({ epoch, step }) => {
          if (epoch === 1 && step === 5) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const saved = readCheckpoint(ck);
    expect((saved.meta as { optStep: number }).optStep).toBe(16); // one epoch of 16 steps, counted in the replicas
    expect(saved.arrays['opt:v']!.some((v) => v > 0)).toBe(true);
    const got = await run(ck, { resume: true });
    for (const k of Object.keys(want)) expect(Array.from(got[k]!), k).toEqual(Array.from(want[k]!));
  }, 120_000);
});
