// risk_analysis against a plain reference written from Qlib's formulas
// (pandas skipna semantics) and against hand-computed values, including the
// quirk that the running max starts at the first cumulative value.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { riskAnalysis } from '../../../runtime/backtest/index.js';

function refRisk(r: number[], N: number, mode: 'sum' | 'product') {
  const v = r.filter((x) => !Number.isNaN(x));
  const mean = (a: number[]) => (a.length ? a.reduce((s, x) => s + x, 0) / a.length : NaN);
  const std = (a: number[]) => {
    if (a.length < 2) return NaN;
    const m = mean(a);
    return Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / (a.length - 1));
  };
  if (mode === 'sum') {
    const cum: number[] = [];
    let c = 0;
    for (const x of v) cum.push((c += x));
    const dd = cum.map((x, t) => x - Math.max(...cum.slice(0, t + 1)));
    const m = mean(v);
    const sd = std(v);
    return { mean: m, std: sd, annualizedReturn: m * N, informationRatio: (m / sd) * Math.sqrt(N), maxDrawdown: dd.length ? Math.min(...dd) : NaN };
  }
  const curve: number[] = [];
  let c = 1;
  for (const x of v) curve.push((c *= 1 + x));
  const lastC = Number.isNaN(r[r.length - 1]!) ? NaN : curve[curve.length - 1]!;
  const m = lastC ** (1 / r.length) - 1;
  const sd = std(v.map((x) => Math.log(1 + x)).filter((x) => !Number.isNaN(x)));
  const dd = curve.map((x, t) => x / Math.max(...curve.slice(0, t + 1)) - 1);
  return { mean: m, std: sd, annualizedReturn: lastC ** (N / r.length) - 1, informationRatio: (m / sd) * Math.sqrt(N), maxDrawdown: dd.length ? Math.min(...dd) : NaN };
}

function same(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= 1e-10 * Math.max(1, Math.abs(a), Math.abs(b));
}

describe('riskAnalysis', () => {
  it('sum mode by hand: r = 1 %, −2 %, 3 %, −1 %', () => {
    const x = riskAnalysis([0.01, -0.02, 0.03, -0.01]);
    const std = Math.sqrt((0.0075 ** 2 + 0.0225 ** 2 + 0.0275 ** 2 + 0.0125 ** 2) / 3);
    expect(x.mean).toBeCloseTo(0.0025, 15);
    expect(x.std).toBeCloseTo(std, 15);
    expect(x.annualizedReturn).toBeCloseTo(0.0025 * 238, 13);
    expect(x.informationRatio).toBeCloseTo((0.0025 / std) * Math.sqrt(238), 12);
    expect(x.maxDrawdown).toBeCloseTo(-0.02, 15); // cumsum 1, −1, 2, 1 (%): the fall from 1 % to −1 % is the worst
  });

  it('sum mode: a loss on the first day is no drawdown (running max starts there)', () => {
    expect(riskAnalysis([-0.05, 0.01]).maxDrawdown).toBe(0);
    expect(riskAnalysis([0.01, -0.05]).maxDrawdown).toBeCloseTo(-0.05, 15);
  });

  it('N scales the annualised figures; one value has no std', () => {
    const x = riskAnalysis([0.01, 0.03], 252);
    expect(x.annualizedReturn).toBeCloseTo(0.02 * 252, 12);
    const one = riskAnalysis([0.01]);
    expect(one.std).toBeNaN();
    expect(one.informationRatio).toBeNaN();
    expect(riskAnalysis([]).maxDrawdown).toBeNaN();
  });

  it('equals the reference on random series with NaNs, both modes', () => {
    const val = fc.oneof(fc.constant(NaN), fc.double({ min: -0.2, max: 0.2, noNaN: true }), fc.constant(0));
    fc.assert(
      fc.property(fc.array(val, { minLength: 1, maxLength: 40 }), fc.constantFrom(238, 252, 50), fc.constantFrom('sum', 'product') as fc.Arbitrary<'sum' | 'product'>,
        (r, N, mode) => {
          const got = riskAnalysis(r, N, mode);
          const want = refRisk(r, N, mode);
          return (Object.keys(want) as (keyof typeof want)[]).every((k) => same(got[k], want[k]));
        }),
      { numRuns: 500 },
    );
  });
});
