// Running statistics of a batch-norm layer that runs more than once in one
// training step (ADD's heads see the real rows and the augmented ones): the
// updates chain in call order, as PyTorch's BatchNorm1d does, rather than the
// last call's overwriting the first; evaluation mode leaves them alone.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { commitState, compileFunction, createParams, paramSpecs, runContext } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { compileSource, errorsOf, modelFunction } from '../../helpers/compile.js';

const SRC = `
model Twice(a: Float[N, F = 3], b: Float[N, F = 3]) -> Float[N] {
  let bn = batch_norm()
  return sum(a |> bn, over: F) + sum(b |> bn, over: F)
}
`;

const mean = (rows: number[][], f: number) => rows.reduce((s, r) => s + r[f]!, 0) / rows.length;
const uvar = (rows: number[][], f: number) => {
  const m = mean(rows, f);
  return rows.reduce((s, r) => s + (r[f]! - m) ** 2, 0) / (rows.length - 1);
};

describe('batch-norm state within one step', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });

  it('two applications update the running statistics twice, in order', () => {
    const c = compileSource(SRC);
    expect(errorsOf(c)).toEqual([]);
    const f = modelFunction(c, 'Twice');
    const specs = paramSpecs([f]);
    const params = createParams(specs, 1);
    const keyOf = (name: string) => [...params.vars.keys()].find((k) => k.endsWith(`.${name}`) || k === name)!;
    const rm = keyOf('running_mean');
    const rv = keyOf('running_var');
    const r0 = Array.from(params.vars.get(rm)!.dataSync());
    const v0 = Array.from(params.vars.get(rv)!.dataSync());
    const A = [[1, 2, 3], [3, 0, -1], [2, 5, 1], [0, 1, 1]];
    const B = [[10, -4, 2], [12, -6, 0], [8, -5, 4], [14, -3, 2]];
    const fn = compileFunction(f, kernels, c.optimized);
    const ctx = runContext(params, { training: true, seed: 1 });
    tf.tidy(() => {
      fn.run({ a: tf.tensor(A), b: tf.tensor(B) }, ctx);
    });
    commitState(params, ctx.pendingState);
    const m = 0.1;
    const got = Array.from(params.vars.get(rm)!.dataSync());
    const gotV = Array.from(params.vars.get(rv)!.dataSync());
    for (let k = 0; k < 3; k++) {
      // the call order of the two applications is the executor's; PyTorch's
      // result for either order, and neither is the last-call-only value
      const ab = (1 - m) * ((1 - m) * r0[k]! + m * mean(A, k)) + m * mean(B, k);
      const ba = (1 - m) * ((1 - m) * r0[k]! + m * mean(B, k)) + m * mean(A, k);
      const onlyLast = [(1 - m) * r0[k]! + m * mean(A, k), (1 - m) * r0[k]! + m * mean(B, k)];
      const near = (x: number, y: number) => Math.abs(x - y) < 1e-5;
      expect(near(got[k]!, ab) || near(got[k]!, ba), `running_mean[${k}] = ${got[k]}, want ${ab} or ${ba}`).toBe(true);
      expect(onlyLast.some((x) => near(got[k]!, x))).toBe(false);
      const vab = (1 - m) * ((1 - m) * v0[k]! + m * uvar(A, k)) + m * uvar(B, k);
      const vba = (1 - m) * ((1 - m) * v0[k]! + m * uvar(B, k)) + m * uvar(A, k);
      expect(near(gotV[k]!, vab) || near(gotV[k]!, vba), `running_var[${k}] = ${gotV[k]}`).toBe(true);
    }
    // the order is the same for both statistics
    expect(Math.abs(got[0]! - ((1 - m) * ((1 - m) * r0[0]! + m * mean(A, 0)) + m * mean(B, 0))) < 1e-5).toBe(
      Math.abs(gotV[0]! - ((1 - m) * ((1 - m) * v0[0]! + m * uvar(A, 0)) + m * uvar(B, 0))) < 1e-5,
    );
    // evaluation mode: no state change
    const before = Array.from(params.vars.get(rm)!.dataSync());
    const ev = runContext(params, { training: false, seed: 1 });
    tf.tidy(() => {
      fn.run({ a: tf.tensor(A), b: tf.tensor(B) }, ev);
    });
    expect(ev.pendingState.size).toBe(0);
    expect(Array.from(params.vars.get(rm)!.dataSync())).toEqual(before);
    fn.dispose();
  });
});
