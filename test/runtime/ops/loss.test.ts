// Loss kernels against the float64 reference: pred and target broadcast by
// name, non-finite targets and masked entries left out, 0 when nothing is
// kept; cross_entropy over a class axis in any position with integer targets
// (invalid classes left out). Gradients against finite differences (≤ 2e-3
// of the gradient's max-norm, cpu), also with NaN targets and NaN predictions
// beside them; forward on cpu and wasm; no tensor left behind.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOp, gradError, input, inputRT, maskInput, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case } from './harness.js';
import { build, crossEntropyRef, get, lossEntry, pointLossRef } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('loss'));

const POOL = ['N', 'T', 'F'];

function pointCase(op: string, targetFill: Parameters<typeof input>[4]): fc.Arbitrary<Case> {
  return fc
    .record({ s: sizesArb, full: fc.shuffledSubarray(POOL, { minLength: 0, maxLength: 3 }), seed: seedArb, swap: fc.boolean(), useMask: fc.boolean(), allNaN: fc.boolean() })
    .chain((r) => fc.record({ r: fc.constant(r), sub: fc.shuffledSubarray(r.full), perm: fc.shuffledSubarray(r.full, { minLength: r.full.length }) }))
    .chain(({ r, sub, perm }) => fc.shuffledSubarray(r.swap ? perm : sub).map((maskAxes) => ({ r, sub, perm, maskAxes })))
    .map(({ r: { s, seed, swap, useMask, allNaN }, sub, perm, maskAxes }): Case => {
      const [pa, ta] = swap ? [sub, perm] : [perm, sub];
      const target = input('target', ta, s, seed + 1, targetFill);
      if (allNaN) target.data = Array.from(target.data, () => NaN);
      const pred = input('pred', pa, s, seed, { lo: -3, hi: 3 });
      if (pa.length === ta.length) {
        // a NaN prediction beside each NaN target must reach neither the loss nor the gradient
        const t = inputRT({ op, inputs: [target] }, 'target')!;
        const p0 = inputRT({ op, inputs: [pred] }, 'pred')!;
        pred.data = Array.from(build(pa, p0.shape, (idx) => (Number.isNaN(get(t, idx)) ? NaN : get(p0, idx))).data);
      }
      const inputs = [pred, target];
      if (useMask) inputs.push(maskInput(maskAxes, s, seed + 2));
      return { op, inputs };
    });
}

const pointRef = (c: Case) => pointLossRef(inputRT(c, 'pred')!, inputRT(c, 'target')!, inputRT(c, 'mask'), lossEntry[c.op]!);

describe('pointwise losses', () => {
  it('mse and mae: mean over kept entries, NaN / inf targets and masked entries left out, 0 when none', async () => {
    for (const op of ['mse', 'mae']) {
      const arb = pointCase(op, { nan: 0.25 }).map((c) => ({ ...c, inputs: c.inputs.map((i) => (i.name === 'target' ? { ...i, data: Array.from(i.data, (v, k) => (k % 7 === 3 ? Infinity : v)) } : i)) }));
      await checkOp(arb, pointRef, { runs: 30, gradRuns: 12, gradNaN: true });
    }
  });
  it('bce with logits against 0/1 and soft targets', async () => {
    await checkOp(pointCase('bce', { lo: 0, hi: 1, quant: 1, nan: 0.2 }), pointRef, { runs: 20, gradRuns: 8, gradNaN: true });
    await checkOp(pointCase('bce', { lo: 0, hi: 1 }), pointRef, { runs: 10, gradRuns: 5 });
    const big = runCase({ op: 'bce', inputs: [{ name: 'pred', axes: ['N'], shape: [2], data: [80, -80] }, { name: 'target', axes: ['N'], shape: [2], data: [0, 1] }] });
    expect(big.out.data[0]).toBeCloseTo(80, 4);
  });
  it('a NaN prediction at a left-out entry leaves the loss and its gradient finite', () => {
    const c: Case = {
      op: 'mse',
      inputs: [
        { name: 'pred', axes: ['N'], shape: [3], data: [1, NaN, 2] },
        { name: 'target', axes: ['N'], shape: [3], data: [0.5, NaN, 1] },
      ],
    };
    expect(runCase(c).out.data[0]).toBeCloseTo(0.625, 6);
    expect(gradError(c, pointRef)).toBeLessThan(1e-6);
  });
});

describe('cross_entropy', () => {
  const ceCase = fc
    .record({ s: sizesArb, rest: fc.shuffledSubarray(['N', 'T'], { minLength: 0 }), seed: seedArb, C: fc.integer({ min: 1, max: 4 }), useMask: fc.boolean(), dt: fc.constantFrom<'f32' | 'i32'>('f32', 'i32') })
    .chain((r) =>
      fc.record({ r: fc.constant(r), pos: fc.integer({ min: 0, max: r.rest.length }), tAxes: fc.shuffledSubarray(r.rest), maskSub: fc.integer({ min: 0, max: 3 }) }),
    )
    .map(({ r: { s, rest, seed, C, useMask, dt }, pos, tAxes, maskSub }): Case => {
      const sz = { ...s, K: C };
      const pAxes = [...rest.slice(0, pos), 'K', ...rest.slice(pos)];
      const inputs = [
        input('pred', pAxes, sz, seed, { lo: -3, hi: 3 }),
        input('target', tAxes, sz, seed + 1, dt === 'f32' ? { lo: -1, hi: C, quant: 0.5, nan: 0.15 } : { lo: -1, hi: C, ints: true, dtype: 'i32' }),
      ];
      if (useMask) inputs.push(maskInput(tAxes.slice(0, maskSub), sz, seed + 2));
      return { op: 'cross_entropy', attrs: { over: 'K' }, inputs };
    });
  it('log-softmax over the class axis, invalid or masked targets left out, 0 when none', async () => {
    await checkOp(ceCase, (c) => crossEntropyRef(inputRT(c, 'pred')!, inputRT(c, 'target')!, 'K', inputRT(c, 'mask')), {
      runs: 35,
      gradRuns: 12,
      gradNaN: true,
      grad: { inputs: ['pred'] },
    });
  });
});
