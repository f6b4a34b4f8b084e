// A model call whose argument's axes come in another order than the callee
// declares: the checker inserts a `permute`, so a layer inside the callee
// works on the declared feature axis. The same model called with [D, N] and
// with [N, D] gives the same values (before the fix, the [D, N] argument
// reached dense(D) with N last and the call failed or mixed stocks).

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend.js';
import { compileFunction, createParams, paramSpecs, runContext } from '../../runtime/exec/compile.js';
import { kernels } from '../../runtime/ops/index.js';
import { compileSource, errorsOf, modelFunction } from '../helpers/compile.js';

const SRC = `
dim D = 4 "width"
model Head(h: Float[N, D]) -> Float[N] {
  return h |> dense(D) |> tanh |> dense(1) |> squeeze
}
model ByRows(a: Float[N, D]) -> Float[N] {
  let h = Head()
  return a |> h
}
model ByCols(a: Float[D, N]) -> Float[N] {
  let h = Head()
  return a |> h
}
`;

describe('call-site layout', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
  });
  it('permutes an argument into the declared order, and the results agree', () => {
    const c = compileSource(SRC);
    expect(errorsOf(c)).toEqual([]);
    const rows = modelFunction(c, 'ByRows');
    const cols = modelFunction(c, 'ByCols');
    expect(cols.nodes.some((n) => n.op === 'permute')).toBe(true);
    expect(rows.nodes.some((n) => n.op === 'permute')).toBe(false);
    const params = createParams(paramSpecs([rows]), 3);
    const ctx = runContext(params, { training: false, seed: 1 });
    const data = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
    const a = tf.tensor(data, [3, 4]);
    const r1 = (compileFunction(rows, kernels, c.optimized).run({ a }, ctx) as tf.Tensor).arraySync() as number[];
    const r2 = (compileFunction(cols, kernels, c.optimized).run({ a: tf.transpose(a) }, ctx) as tf.Tensor).arraySync() as number[];
    expect(r2.length).toBe(3);
    r1.forEach((v, i) => expect(r2[i]).toBeCloseTo(v, 6));
  });
});
