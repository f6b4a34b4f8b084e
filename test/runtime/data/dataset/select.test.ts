// Exact order statistics (radix selection) against sorting, and the seeded
// batch plans.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { median, medianAbsDeviation, selectKth } from '../../../../runtime/data/dataset/select.js';
import { batchIndices, seededRng } from '../../../../runtime/data/dataset/sampler.js';

const f32 = fc.oneof(
  fc.float({ noNaN: true }),
  fc.constantFrom(0, -0, 1, -1, 1.5, Infinity, -Infinity),
  fc.integer({ min: -3, max: 3 }).map((v) => v / 2),
);

describe('radix selection', () => {
  it('selectKth and median equal sorting', () => {
    fc.assert(
      fc.property(fc.array(f32, { minLength: 1, maxLength: 300 }), fc.nat(), (xs, r) => {
        const vals = Float32Array.from(xs);
        const sorted = Array.from(vals).sort((a, b) => a - b);
        const k = r % vals.length;
        expect(selectKth(vals.slice(), vals.length, k) === sorted[k]).toBe(true);
        const n = sorted.length;
        const want = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
        const got = median(vals.slice(), n);
        expect(Object.is(got, want) || got === want || (Number.isNaN(got) && Number.isNaN(want))).toBe(true);
        const devs = Array.from(vals, (v) => Math.fround(Math.abs(v - 0.25))).sort((a, b) => a - b);
        const mad = n % 2 ? devs[(n - 1) / 2]! : (devs[n / 2 - 1]! + devs[n / 2]!) / 2;
        const gotMad = medianAbsDeviation(vals, n, 0.25);
        expect(gotMad === mad || (Number.isNaN(gotMad) && Number.isNaN(mad))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('sampled brackets stay exact on large inputs (median and MAD, any distribution)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 20_000, max: 40_000 }), fc.integer(), fc.constantFrom('uniform', 'ties', 'sorted', 'heavy'), (n, seed, kind) => {
        const r = seededRng(seed);
        const vals = Float32Array.from({ length: n }, (_, j) => {
          if (kind === 'ties') return Math.floor(r() * 5);
          if (kind === 'sorted') return j;
          if (kind === 'heavy') return r() < 0.5 ? 1 : 1 / (r() + 1e-6);
          return r() * 100 - 50;
        });
        const sorted = Array.from(vals).sort((a, b) => a - b);
        const mid = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
        expect(median(vals, n)).toBe(mid);
        const devs = Array.from(vals, (v) => Math.fround(Math.abs(v - mid))).sort((a, b) => a - b);
        expect(medianAbsDeviation(vals, n, mid)).toBe(n % 2 ? devs[(n - 1) / 2]! : (devs[n / 2 - 1]! + devs[n / 2]!) / 2);
        const k = Math.floor(r() * n);
        expect(selectKth(vals, n, k)).toBe(sorted[k]);
      }),
      { numRuns: 40 },
    );
  });

  it('handles large concentrated columns (several radix rounds)', () => {
    const r = seededRng(9);
    const n = 200_001;
    const vals = Float32Array.from({ length: n }, () => 1 + 1e-4 * Math.floor(r() * 50));
    const sorted = Array.from(vals).sort((a, b) => a - b);
    expect(median(vals, n)).toBe(sorted[100_000]);
    expect(median(new Float32Array(0), 0)).toBeNaN();
  });
});

describe('batch plans', () => {
  it('without replacement: a permutation cut into batches; with replacement: B draws each', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.integer(), (n, B, dropLast, seed) => {
        const plain = [...batchIndices(n, { batchSize: B, dropLast, seed })];
        const all = plain.flatMap((b) => Array.from(b));
        expect(plain.length).toBe(dropLast ? Math.floor(n / B) : Math.ceil(n / B));
        expect(new Set(all).size).toBe(all.length);
        if (!dropLast) expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, k) => k));
        const rep = [...batchIndices(n, { batchSize: B, replacement: true, dropLast, seed })];
        expect(rep.length).toBe(plain.length);
        for (const b of rep) {
          expect(b.length).toBe(B);
          for (const v of b) expect(v >= 0 && v < n).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
