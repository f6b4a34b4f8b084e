// Training-loop features on a two-layer linear model (no dropout, batches in a
// fixed order, so every comparison below is exact or within float32
// rounding): gradient accumulation, `average_last`, stages with optimiser
// reset and `freeze` by parameter-path prefix, `init: from(ckpt, prefix:)`,
// clipping wired into the loop, and the `train_eval` op in training and in
// evaluation.

import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/ir/types.js';
import type { InputBinding, Plan, StagePlan } from '../../../compiler/plan/plan.js';
import { initBackend } from '../../../runtime/backend.js';
import { compileFunction, createParams, disposeParams, paramSpecs, readParams, runContext, writeParams, type ParamStore } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { mulberry32 } from '../../../runtime/random.js';
import { checkpointParams, writeCheckpoint } from '../../../runtime/train/checkpoint.js';
import { predictDays, trainStages, type Feed, type TrainData } from '../../../runtime/train/loop.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';

const DATA = `
features two(window: 2) { A = Ref($close, lag) / $close }
data d = demo(preset: "small") {
  features two
  label    Ref($close, -1) / $close - 1
  segments train: 2008-01-01..2008-12-31, valid: 2009-01-01..2009-06-30, test: 2009-07-01..2009-12-31
}
`;

// `a` and `ab`: freezing the prefix "a" must not freeze "ab".
const LINEAR = `${DATA}
model Lin(x: Float[N, T, F]) -> Float[N] {
  let a  = dense(3)
  let ab = dense(1)
  return x |> flatten((T, F), to: F) |> a |> ab |> squeeze
}
strategy s {
  data  d
  model Lin(x: d.x)
  train { optimizer: sgd(lr: 0.05, momentum: 0.9), epochs: 2, batch: days }
}
`;

const TRAIN_EVAL = `${DATA}
model Both(x: Float[N, T, F]) -> Float[N] {
  let flat = x |> flatten((T, F), to: F)
  let a = dense(1)
  let b = dense(1)
  return train_eval(flat |> a, flat |> b) |> squeeze
}
strategy s {
  data  d
  model Both(x: d.x)
  train { optimizer: sgd(lr: 0.1), epochs: 1, batch: days }
}
`;

function compiled(source: string): { plan: Plan; program: Program } {
  const c = compileSource(source, { name: `stages-${Math.random().toString(36).slice(2)}` });
  expect(errorsOf(c)).toEqual([]);
  const plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  return { plan, program: { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries } };
}

interface Rows {
  x: Float32Array; // [n, 2, 1]
  y: Float32Array; // [n]
}

function rowsOf(seed: number, n: number): Rows {
  const r = mulberry32(seed);
  const x = Float32Array.from({ length: n * 2 }, () => r() * 2 - 1);
  const y = Float32Array.from({ length: n }, (_, i) => 3 * x[2 * i]! - 2 * x[2 * i + 1]! + 0.5 + (r() - 0.5) * 0.1);
  return { x, y };
}

function slice(rows: Rows, from: number, to: number): Rows {
  return { x: rows.x.slice(from * 2, to * 2), y: rows.y.slice(from, to) };
}

function feedOf(r: Rows, day: string): Feed {
  const n = r.y.length;
  return {
    rows: n,
    day,
    instruments: Array.from({ length: n }, (_, i) => `S${i}`),
    rawLabel: r.y,
    tensors: (bindings: InputBinding[]) => {
      const out: Record<string, tf.Tensor> = {};
      for (const b of bindings) {
        if (b.source.kind === 'features') out[b.name] = tf.tensor3d(r.x, [n, 2, 1]);
        else if (b.source.kind === 'label') out[b.name] = tf.tensor1d(r.y);
        else throw new Error(`unexpected input ${b.name}`);
      }
      return out;
    },
  };
}

const TRAIN = rowsOf(11, 15);
const VALID = [0, 1, 2, 3].map((k) => rowsOf(100 + k, 8));

/** The 15 training rows cut into batches of the given sizes, in a fixed order (the seed is ignored). */
function data(sizes: number[]): TrainData {
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(15);
  const batches: Rows[] = [];
  let at = 0;
  for (const s of sizes) batches.push(slice(TRAIN, at, (at += s)));
  return {
    trainBatchCount: () => batches.length,
    *trainBatches() {
      for (const [i, b] of batches.entries()) yield feedOf(b, `2008-01-${String(i + 1).padStart(2, '0')}`);
    },
    *dayBatches(segment) {
      if (segment === 'valid') for (const [i, v] of VALID.entries()) yield feedOf(v, `2009-01-${String(i + 1).padStart(2, '0')}`);
    },
  };
}

let lin: { plan: Plan; program: Program };
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  lin = compiled(LINEAR);
  dir = mkdtempSync(join(tmpdir(), 'quiver-stages-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fresh(p: { program: Program } = lin): ParamStore {
  return createParams(paramSpecs(p.program.entries.map((e) => p.program.functions[e]!)), 42);
}

function stageWith(over: Partial<StagePlan>): StagePlan {
  return { ...lin.plan.stages[0]!, earlyStop: undefined, ...over };
}

/** Train `stages` from `start` (default: the seeded init); returns every parameter and the epoch-end snapshots. */
async function train(stages: StagePlan[], d: TrainData, start?: Record<string, Float32Array>, extra: { loadInit?: (p: string) => Record<string, Float32Array> } = {}) {
  const params = fresh();
  if (start) writeParams(params, start);
  const snapshots: Record<string, Float32Array>[] = [];
  const r = await trainStages({
    plan: { ...lin.plan, stages },
    program: lin.program,
    kernels,
    data: d,
    params,
    seed: 1,
    progress: { step() {}, epoch: () => snapshots.push(readParams(params)), done() {} },
    ...extra,
  });
  const out = readParams(params);
  disposeParams(params);
  return { params: out, snapshots, history: r.history };
}

function maxDiff(a: Record<string, Float32Array>, b: Record<string, Float32Array>, keys = Object.keys(a)): number {
  let d = 0;
  for (const k of keys) for (let i = 0; i < a[k]!.length; i++) d = Math.max(d, Math.abs(a[k]![i]! - b[k]![i]!));
  return d;
}

function mean(snaps: Record<string, Float32Array>[]): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const k of Object.keys(snaps[0]!)) out[k] = Float32Array.from(snaps[0]![k]!, (_, i) => snaps.reduce((s, p) => s + p[k]![i]!, 0) / snaps.length);
  return out;
}

describe('gradient accumulation', () => {
  it('k micro-batches accumulated equal one batch of their rows (mean loss), including the short tail', async () => {
    // big batches 6, 6, 3; micro-batches of 3 accumulated in pairs: (3+3), (3+3), and the epoch's tail (3) alone
    const big = await train([stageWith({ accumulate: 1 })], data([6, 6, 3]));
    const micro = await train([stageWith({ accumulate: 2 })], data([3, 3, 3, 3, 3]));
    expect(maxDiff(big.params, micro.params)).toBeLessThan(1e-5);
    // without accumulation the micro-batches take five momentum steps an epoch instead of three
    const unaccumulated = await train([stageWith({ accumulate: 1 })], data([3, 3, 3, 3, 3]));
    expect(maxDiff(big.params, unaccumulated.params)).toBeGreaterThan(1e-3);
  });
});

describe('average_last', () => {
  it('without early stopping the stage ends on the mean of the last k epochs', async () => {
    const r = await train([stageWith({ epochs: 4, averageLast: 3 })], data([5, 5, 5]));
    expect(r.snapshots).toHaveLength(4);
    const want = mean(r.snapshots.slice(1));
    expect(maxDiff(r.params, want)).toBeLessThan(1e-6);
    expect(maxDiff(r.params, r.snapshots[3]!)).toBeGreaterThan(1e-3);
  });

  it('with early stopping the averaged parameters are evaluated and the best average is kept', async () => {
    const es = { patience: 50, metric: 'ic', segment: 'valid', mode: 'max' as const };
    const r = await train([stageWith({ epochs: 5, averageLast: 2, earlyStop: es, optimizer: { kind: 'sgd', lr: 0.2, momentum: 0.9, weightDecay: 0 } })], data([5, 5, 5]));
    const scores = r.history.map((h) => h.validMetric!);
    const best = scores.indexOf(Math.max(...scores));
    const want = mean(r.snapshots.slice(Math.max(0, best - 1), best + 1));
    expect(maxDiff(r.params, want)).toBeLessThan(1e-6);
  });
});

describe('stages', () => {
  const pre = () => stageWith({ name: 'pre', epochs: 2 });
  const main = (over: Partial<StagePlan> = {}) => stageWith({ name: 'main', epochs: 2, ...over });

  it('a stage with reset_optimizer starts from fresh moments; without, the momentum carries over', async () => {
    const d = () => data([5, 5, 5]);
    const afterPre = (await train([pre()], d())).params;
    const alone = (await train([main()], d(), afterPre)).params;
    const reset = (await train([pre(), main({ resetOptimizer: true })], d())).params;
    const carried = (await train([pre(), main({ resetOptimizer: false })], d())).params;
    expect(maxDiff(reset, alone)).toBe(0);
    expect(maxDiff(carried, alone)).toBeGreaterThan(1e-4);
  });

  it('freeze keeps parameters under a path prefix fixed and trains the rest', async () => {
    const d = () => data([5, 5, 5]);
    const afterPre = (await train([pre()], d())).params;
    const r = await train([pre(), main({ freeze: ['a'] })], d());
    expect(Object.keys(r.params).sort()).toEqual(['a.bias', 'a.weight', 'ab.bias', 'ab.weight']);
    expect(maxDiff(r.params, afterPre, ['a.weight', 'a.bias'])).toBe(0);
    expect(maxDiff(r.params, afterPre, ['ab.weight'])).toBeGreaterThan(1e-4);
    expect(maxDiff(r.params, afterPre, ['ab.bias'])).toBeGreaterThan(1e-4);
    // a full path freezes that one parameter
    const one = await train([pre(), main({ freeze: ['ab.bias'] })], d());
    expect(maxDiff(one.params, afterPre, ['ab.bias'])).toBe(0);
    expect(maxDiff(one.params, afterPre, ['a.weight'])).toBeGreaterThan(1e-4);
  });

  it('init: from(ckpt, prefix:) loads exactly the checkpoint values under the prefix', async () => {
    const init = fresh();
    const seeded = readParams(init);
    disposeParams(init);
    const ck = join(dir, 'pretrained.qck');
    const saved = {
      'a.weight': Float32Array.from({ length: 6 }, (_, i) => 0.1 * (i + 1)),
      'a.bias': Float32Array.from([-0.5, 0.25, 0.75]),
      'ab.weight': Float32Array.from([9, 9, 9]),
      'ab.bias': Float32Array.from([9]),
    };
    writeCheckpoint(ck, { meta: {}, arrays: Object.fromEntries(Object.entries(saved).map(([k, v]) => [`param:${k}`, v])) });
    // load "a" and keep it frozen: after training it must still be the checkpoint's
    const r = await train([main({ init: { checkpoint: ck, prefix: 'a' }, freeze: ['a'] })], data([5, 5, 5]), undefined, { loadInit: checkpointParams });
    expect(Array.from(r.params['a.weight']!)).toEqual(Array.from(saved['a.weight']));
    expect(Array.from(r.params['a.bias']!)).toEqual(Array.from(saved['a.bias']));
    // "ab" is not under the prefix "a": not loaded, but trained from its seeded init
    expect(r.params['ab.weight']!.some((v) => v === 9)).toBe(false);
    expect(maxDiff(r.params, seeded, ['ab.weight'])).toBeGreaterThan(1e-4);
    // with epochs: 0 the loaded values are all there is
    const only = await train([main({ init: { checkpoint: ck, prefix: 'a' }, epochs: 0 })], data([5, 5, 5]), undefined, { loadInit: checkpointParams });
    expect(Array.from(only.params['a.weight']!)).toEqual(Array.from(saved['a.weight']));
    expect(Array.from(only.params['ab.weight']!)).toEqual(Array.from(seeded['ab.weight']!));
  });
});

describe('clipping in the loop', () => {
  const oneStep = (clip?: StagePlan['clip']) => stageWith({ epochs: 1, maxStepsPerEpoch: 1, optimizer: { kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0 }, ...(clip ? { clip } : {}) });
  const step = (p: Record<string, Float32Array>, q: Record<string, Float32Array>) => Object.keys(p).flatMap((k) => Array.from(p[k]!, (v, i) => v - q[k]![i]!));

  it('by global norm: one SGD step (lr 1) moves all parameters together by exactly the clip norm', async () => {
    const start = fresh();
    const p0 = readParams(start);
    disposeParams(start);
    const free = step((await train([oneStep()], data([15]))).params, p0);
    const norm = (v: number[]) => Math.hypot(...v);
    expect(norm(free)).toBeGreaterThan(0.5); // the unclipped step is far larger than the clip
    const clipped = step((await train([oneStep({ kind: 'norm', value: 0.05 })], data([15]))).params, p0);
    expect(Math.abs(norm(clipped) - 0.05)).toBeLessThan(1e-5);
    // one scale for every parameter tensor: the clipped step is parallel to the free one
    const k = norm(clipped) / norm(free);
    clipped.forEach((c, i) => expect(Math.abs(c - k * free[i]!)).toBeLessThan(1e-6));
  });

  it('by value: no parameter moves more than the clip value', async () => {
    const start = fresh();
    const p0 = readParams(start);
    disposeParams(start);
    const clipped = step((await train([oneStep({ kind: 'value', value: 0.01 })], data([15]))).params, p0);
    const biggest = Math.max(...clipped.map(Math.abs));
    expect(biggest).toBeLessThanOrEqual(0.01 + 1e-6);
    expect(biggest).toBeGreaterThan(0.01 - 1e-6);
  });
});

describe('train_eval', () => {
  it('gives a in training and b in evaluation; only a is trained', async () => {
    const te = compiled(TRAIN_EVAL);
    const params = fresh(te);
    const before = readParams(params);
    const rows = VALID[0]!;
    const dense = (p: Record<string, Float32Array>, layer: string) =>
      Array.from({ length: 8 }, (_, n) => rows.x[2 * n]! * p[`${layer}.weight`]![0]! + rows.x[2 * n + 1]! * p[`${layer}.weight`]![1]! + p[`${layer}.bias`]![0]!);
    const predict = compileFunction(te.program.functions[te.plan.predict.fn]!, kernels, te.program);
    const run = (training: boolean) =>
      tf.tidy(() => Array.from((predict.run(feedOf(rows, 'd').tensors(te.plan.predict.inputs), runContext(params, { training, seed: 1 })) as tf.Tensor).dataSync()));
    const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-5));
    close(run(true), dense(before, 'a'));
    close(run(false), dense(before, 'b'));
    expect(maxDiff({ x: Float32Array.from(dense(before, 'a')) }, { x: Float32Array.from(dense(before, 'b')) })).toBeGreaterThan(1e-3);

    await trainStages({ plan: te.plan, program: te.program, kernels, data: data([5, 5, 5]), params, seed: 1 });
    const after = readParams(params);
    expect(maxDiff(after, before, ['a.weight', 'a.bias'])).toBeGreaterThan(1e-3);
    expect(maxDiff(after, before, ['b.weight', 'b.bias'])).toBe(0);
    // evaluation-mode predictions (what metrics and backtests see) are b's
    const days = predictDays(predict, te.plan.predict.inputs, params, { ...data([15]), *dayBatches() { yield feedOf(rows, 'd'); } }, 'valid');
    close(Array.from(days[0]!.pred), dense(after, 'b'));
    predict.dispose();
    disposeParams(params);
  });
});
