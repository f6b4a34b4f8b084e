// Reduction kernels against the float64 reference: random layouts, random
// sets of reduced axes, masks aligned by name (possibly over fewer axes), NaN
// entries (propagating unless masked out), empty keeps; gradients against
// finite differences (≤ 2e-3 of the gradient's max-norm, cpu); forward on cpu
// and wasm; no tensor left behind.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOp, input, inputRT, maskInput, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case, type FillOptions } from './harness.js';
import { argRef, reduceRef, reductionRef } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('reduce'));

const POOL = ['N', 'T', 'F', 'K'];

interface RedOpts {
  fill?: FillOptions;
  masked?: boolean;
  attrs?: Case['attrs'];
  single?: boolean;
  dtype?: 'f32' | 'i32' | 'bool';
}

function reductionCase(op: string, o: RedOpts = {}): fc.Arbitrary<Case> {
  return fc
    .record({
      s: sizesArb,
      x: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }),
      seed: seedArb,
      useMask: fc.boolean(),
    })
    .chain(({ s, x, seed, useMask }) =>
      fc
        .record({
          over: fc.shuffledSubarray(x, { minLength: 1, maxLength: o.single ? 1 : x.length }),
          maskAxes: fc.shuffledSubarray(x, { minLength: 0 }),
        })
        .map(({ over, maskAxes }): Case => {
          const dtype = o.dtype ?? 'f32';
          const fill = dtype === 'f32' ? o.fill : { ...o.fill, ints: true, nan: 0, lo: dtype === 'bool' ? 0 : -3, hi: dtype === 'bool' ? 1 : 3 };
          const inputs = [input('x', x, s, seed, { ...fill, dtype })];
          if (o.masked !== false && useMask) inputs.push(maskInput(maskAxes, s, seed + 1));
          return { op, attrs: { over: over.length === 1 && o.single ? over[0]! : over, ...o.attrs }, inputs };
        }),
    );
}

function overOf(c: Case): string[] {
  const v = c.attrs!['over']!;
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

const redRef = (c: Case) => reduceRef(inputRT(c, 'x')!, overOf(c), inputRT(c, 'mask'), reductionRef(c.op, c.attrs ?? {}));

describe('masked reductions', () => {
  it('sum, mean, max, min with NaN and masks (masked-out NaN never leaks)', async () => {
    for (const op of ['sum', 'mean', 'max', 'min']) {
      await checkOp(reductionCase(op, { fill: { nan: 0.1 } }), redRef, { runs: 20, gradRuns: 8 });
    }
  });
  it('gradients with NaN at masked-out entries stay finite', async () => {
    const nanMasked = fc.record({ s: sizesArb, seed: seedArb }).map(({ s, seed }): Case => {
      const x = input('x', ['N', 'F'], s, seed);
      const mask = maskInput(['N', 'F'], s, seed + 3);
      x.data = Array.from(x.data, (v, i) => (mask.data[i] ? v : NaN));
      return { op: 'mean', attrs: { over: ['N'] }, inputs: [x, mask] };
    });
    for (const op of ['sum', 'mean', 'logsumexp', 'var']) {
      await checkOp(
        nanMasked.map((c) => ({ ...c, op })),
        redRef,
        { runs: 8, gradRuns: 8, gradNaN: true },
      );
    }
  });
  it('var and std (ddof 0, 1, 2; NaN when n ≤ ddof), logsumexp (stable, −inf when empty)', async () => {
    for (const ddof of [0, 1, 2]) {
      for (const op of ['var', 'std']) await checkOp(reductionCase(op, { attrs: { ddof } }), redRef, { runs: 12, gradRuns: 5, gradTol: 5e-3 });
    }
    await checkOp(reductionCase('logsumexp', { fill: { lo: -30, hi: 30, nan: 0.05 } }), redRef, { runs: 20, gradRuns: 8 });
  });
  it('prod (no mask)', async () => {
    await checkOp(reductionCase('prod', { masked: false, fill: { lo: 0.5, hi: 1.5 } }), redRef, { runs: 15 });
  });
  it('integer sums keep int32; max of ints', async () => {
    await checkOp(reductionCase('sum', { dtype: 'i32' }), redRef, { runs: 8, grad: false });
    await checkOp(reductionCase('max', { dtype: 'i32', masked: false }), redRef, { runs: 8, grad: false });
    const r = runCase({ op: 'sum', attrs: { over: 'F' }, inputs: [{ name: 'x', axes: ['F'], shape: [3], dtype: 'i32', data: [1, 2, 3] }] });
    expect(r.dtype).toBe('int32');
    expect(Array.from(r.out.data)).toEqual([6]);
  });
});

describe('counting and logic', () => {
  it('count counts non-NaN kept entries', async () => {
    await checkOp(reductionCase('count', { fill: { nan: 0.3 } }), redRef, { runs: 15, grad: false });
  });
  it('any / all read nonzero-and-not-NaN as true', async () => {
    for (const op of ['any', 'all']) {
      await checkOp(reductionCase(op, { masked: false, fill: { lo: 0, hi: 1, quant: 1, nan: 0.1 } }), redRef, { runs: 10, grad: false });
      await checkOp(reductionCase(op, { masked: false, dtype: 'bool' }), redRef, { runs: 6, grad: false });
    }
  });
  it('argmax / argmin: first index on ties, NaN skipped', async () => {
    for (const op of ['argmax', 'argmin'] as const) {
      await checkOp(
        reductionCase(op, { masked: false, single: true, fill: { quant: 1, nan: 0.2 } }),
        (c) => reduceRef(inputRT(c, 'x')!, overOf(c), undefined, argRef(op)),
        { runs: 15, grad: false },
      );
    }
  });
});
