// The memory writer on inference days: after each test day's prediction the
// last stage's objective runs again to write the day's memory (TRA's errors).
// The test segment's label is the raw one (metrics need it), but the writer
// must see the label the loss saw in training (the learn chain's, e.g.
// cs_rank), or the memory changes scale at the test boundary and the router
// reads nonsense: a router trained on errors against ranks, then given errors
// against raw returns (≈ pred²), picks the most timid predictor.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InputBinding } from '../../../compiler/plan/plan.js';
import { initBackend } from '../../../runtime/backend.js';
import { createParams, disposeParams, paramSpecs } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { compileEntry, predictDays, type Feed, type TrainData } from '../../../runtime/train/loop.js';
import { createMemoryStore, type MemoryStore } from '../../../runtime/train/memory.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';
import { MEMORY_SOURCE } from '../../helpers/train.js';

const I = 5;
const DAYS = 4;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Test days whose raw label is y and whose learn-chain label is 100·y (any rescaling the chain might do). */
function testDays(memory: MemoryStore, withLearn: boolean): { data: TrainData; x: Float32Array[]; y: Float32Array[] } {
  const x = Array.from({ length: DAYS }, (_, d) => Float32Array.from({ length: I * 2 }, (_, k) => Math.sin(d * 7 + k)));
  const y = Array.from({ length: DAYS }, (_, d) => Float32Array.from({ length: I }, (_, i) => 0.01 * Math.cos(d * 3 + i)));
  const feed = (d: number): Feed => {
    const keys = () => ({ inst: Int32Array.from({ length: I }, (_, i) => i), day: new Int32Array(I).fill(d) });
    const tensors = (label: Float32Array) => (bindings: InputBinding[]) => {
      const out: Record<string, tf.Tensor> = {};
      for (const b of bindings) {
        const s = b.source;
        if (s.kind === 'features') out[b.name] = tf.tensor3d(x[d]!, [I, 2, 1]);
        else if (s.kind === 'label') out[b.name] = tf.tensor1d(label);
        else if (s.kind === 'memory') out[b.name] = tf.tensor3d(memory.history(s.memory, s.window, keys()), [I, s.window, 2]);
        else throw new Error(`unexpected input ${b.name}`);
      }
      return out;
    };
    return {
      rows: I,
      day: `2009-07-0${d + 1}`,
      instruments: Array.from({ length: I }, (_, i) => `S${i}`),
      rawLabel: y[d]!,
      keys,
      tensors: tensors(y[d]!),
      ...(withLearn ? { learnTensors: tensors(Float32Array.from(y[d]!, (v) => 100 * v)) } : {}),
    };
  };
  const data: TrainData = {
    memory,
    trainBatchCount: () => 0,
    *trainBatches() {},
    *dayBatches() {
      for (let d = 0; d < DAYS; d++) yield feed(d);
    },
  };
  return { data, x, y };
}

describe('the memory writer on test days', () => {
  it('writes from the learn chain label, and predictions still carry the raw label', () => {
    const c = compileSource(MEMORY_SOURCE);
    expect(errorsOf(c)).toEqual([]);
    const plan = c.plans[0]!;
    const predict = compileEntry(c.optimized, plan.predict, kernels);
    const objective = compileEntry(c.optimized, plan.stages[0]!.objective, kernels);
    const params = createParams(paramSpecs([c.optimized.functions[plan.predict.fn]!, c.optimized.functions[plan.stages[0]!.objective.fn]!]), 3);
    try {
      for (const withLearn of [true, false]) {
        const memory = createMemoryStore(plan.memories, I, DAYS + 1);
        const { data, y } = testDays(memory, withLearn);
        const days = predictDays(predict, plan.predict.inputs, params, data, 'test', plan.predField, { fn: objective, inputs: plan.stages[0]!.objective.inputs }, { outputs: true });
        expect(Array.from(days[1]!.label)).toEqual(Array.from(y[1]!, (v) => v));
        // day 1's errors, read back as day 2's one-day history (lag 1)
        const hist = memory.history('errs', 1, { inst: Int32Array.from({ length: I }, (_, i) => i), day: new Int32Array(I).fill(2) });
        const all = days[1]!.outputs!['all']!;
        const scale = withLearn ? 100 : 1;
        for (let i = 0; i < I; i++)
          for (let k = 0; k < 2; k++) expect(hist[i * 2 + k]!).toBeCloseTo((all[i * 2 + k]! - scale * y[1]![i]!) ** 2, 4);
      }
    } finally {
      predict.dispose();
      objective.dispose();
      disposeParams(params);
    }
  });
});
