// Batch-invariant hoisting in the executor: nodes computed only from static
// inputs (memory banks handed over as one tensor object) and constants run
// once per distinct static input, and their kept values are reused while the
// same tensor object comes back; results equal the unhoisted function's,
// the live tensor count stays flat, and a new static tensor recomputes.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { compileFunction, createParams, paramSpecs, runContext } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import type { KernelTable } from '../../../runtime/ops/kernel.js';
import { compileSource, errorsOf, modelFunction } from '../../helpers/compile.js';

const SRC = `
model M(x: Float[N, H = 4], bank: Float[Y, I, H = 4]) -> Float[N] {
  let live = not(isnan(first(bank, over: H)))
  let Bd   = sum(fillna(bank, 0), over: I) / maximum(sum(where(live, 1.0, 0.0), over: I), 1.0)
  let e    = x |> dense(H)
  return sum(dot(e, Bd, over: H), over: Y)
}
`;

describe('hoisting static subgraphs', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  it('runs the bank-only nodes once per bank, reuses them, and agrees with the unhoisted function', () => {
    const c = compileSource(SRC);
    expect(errorsOf(c)).toEqual([]);
    const f = modelFunction(c, 'M');
    let isnanCalls = 0;
    const counting: KernelTable = { ...kernels, isnan: (node) => { const k = kernels['isnan']!(node); return (ins, ctx) => (isnanCalls++, k(ins, ctx)); } };
    const params = createParams(paramSpecs([f]), 3);
    const ctx = runContext(params, { training: false, seed: 1 });
    const hoisted = compileFunction(f, counting, c.optimized, { staticInputs: new Set(['bank']) });
    const plain = compileFunction(f, kernels, c.optimized);
    const bankData = Float32Array.from({ length: 3 * 5 * 4 }, (_, i) => (i % 7 === 0 ? NaN : Math.sin(i)));
    const bank = tf.tensor(bankData, [3, 5, 4]);
    const run = (fn: typeof plain, x: tf.Tensor, b: tf.Tensor) => tf.tidy(() => Array.from((fn.run({ x, bank: b }, ctx) as tf.Tensor).dataSync()));
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      const x = tf.tensor(Float32Array.from({ length: 8 }, (_, i) => Math.cos(i + step)), [2, 4]);
      const got = run(hoisted, x, bank);
      const want = run(plain, x, bank);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      x.dispose();
      counts.push(tf.memory().numTensors);
    }
    expect(isnanCalls).toBe(1);
    expect(counts[3]).toBe(counts[1]);
    // a new bank (a refresh): recomputed once, the old kept values freed
    const bank2 = tf.tensor(bankData.map((v) => v * 2), [3, 5, 4]);
    const x = tf.ones([2, 4]);
    const got = run(hoisted, x, bank2);
    const want = run(plain, x, bank2);
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    expect(isnanCalls).toBe(2);
    const before = tf.memory().numTensors;
    hoisted.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
    tf.dispose([bank, bank2, x]);
    plain.dispose();
  });
});
