// Derived series of the report (runtime/report/series.ts): cumulative sums,
// drawdowns, rolling means, stage spans and IC statistics, checked against
// naive definitions and Qlib's formulas.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cumsum, drawdown, meanAndIr, rollingMean, signalStats, stageSpans } from '../../../runtime/report/series.js';
import type { TrainingEpoch } from '../../../runtime/report/index.js';
import { qlibRisk } from './synthetic.js';

const finite = fc.double({ min: -0.2, max: 0.2, noNaN: true, noDefaultInfinity: true });

describe('cumsum and drawdown', () => {
  it('cumsum is the running sum', () => {
    expect(cumsum([1, 2, -4, 0.5])).toEqual([1, 3, -1, -0.5]);
    expect(cumsum([])).toEqual([]);
  });

  it('drawdown is cum − running max, ≤ 0, and zero at every new high', () => {
    const dd = drawdown([0.1, 0.3, 0.2, 0.05, 0.4]);
    [0, 0, -0.1, -0.25, 0].forEach((want, i) => expect(dd[i]).toBeCloseTo(want, 12));
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), (r) => {
        const cum = cumsum(r);
        const dds = drawdown(cum);
        let peak = -Infinity;
        dds.forEach((d, i) => {
          peak = Math.max(peak, cum[i]!);
          expect(d).toBeLessThanOrEqual(0);
          expect(d).toBeCloseTo(cum[i]! - peak, 12);
          if (cum[i] === peak) expect(d).toBe(0);
        });
      }),
    );
  });

  it("the drawdown's minimum is Qlib's max_drawdown", () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 2, maxLength: 300 }), (r) => {
        const mdd = Math.min(...drawdown(cumsum(r)));
        expect(mdd).toBeCloseTo(qlibRisk(r).max_drawdown!, 12);
      }),
    );
  });
});

describe('rollingMean', () => {
  const naive = (xs: (number | null)[], w: number) =>
    xs.map((_, i) => {
      if (i < w - 1) return null;
      const vals = xs.slice(i - w + 1, i + 1).filter((x): x is number => x !== null);
      return vals.length * 2 >= w ? vals.reduce((a, b) => a + b, 0) / vals.length : null;
    });

  it('equals the naive trailing mean over non-null values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(finite, { nil: null, freq: 5 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 30 }),
        (xs, w) => {
          const got = rollingMean(xs, w);
          const want = naive(xs, w);
          expect(got.length).toBe(xs.length);
          got.forEach((g, i) => {
            if (want[i] === null) expect(g).toBeNull();
            else expect(g!).toBeCloseTo(want[i]!, 10);
          });
        },
      ),
    );
  });

  it('is null until the window is full and when most of the window is null', () => {
    expect(rollingMean([1, 2, 3, 4], 3)).toEqual([null, null, 2, 3]);
    expect(rollingMean([1, null, null, 4], 3)).toEqual([null, null, null, null]);
    expect(rollingMean([1, null, 3, 5], 3)).toEqual([null, null, 2, 4]);
  });
});

describe('stageSpans', () => {
  const ep = (stage: string): TrainingEpoch => ({ epoch: 1, stage, trainLoss: 1, seconds: 1 });

  it('groups consecutive epochs and starts a new span when a stage recurs', () => {
    expect(stageSpans(['a', 'a', 'b', 'b', 'b', 'a'].map(ep))).toEqual([
      { stage: 'a', first: 1, last: 2 },
      { stage: 'b', first: 3, last: 5 },
      { stage: 'a', first: 6, last: 6 },
    ]);
    expect(stageSpans([])).toEqual([]);
  });
});

describe('IC statistics', () => {
  it('IC is the mean and ICIR mean/std (ddof 1) over defined days', () => {
    const s = meanAndIr([0.1, null, 0.3, 0.2]);
    expect(s.mean).toBeCloseTo(0.2, 12);
    expect(s.ir).toBeCloseTo(0.2 / 0.1, 12);
    expect(meanAndIr([null, null])).toEqual({ mean: null, ir: null });
    expect(meanAndIr([0.5])).toEqual({ mean: 0.5, ir: null });
    expect(meanAndIr([0.2, 0.2]).ir).toBeNull();
  });

  it('signalStats names the four statistics as Qlib does', () => {
    const stats = signalStats({ day: ['2020-01-02', '2020-01-03'], ic: [0.1, 0.3], rankIc: [0.2, 0.2] });
    expect(Object.keys(stats)).toEqual(['IC', 'ICIR', 'Rank IC', 'Rank ICIR']);
    expect(stats.IC).toBeCloseTo(0.2, 12);
    expect(stats['Rank IC']).toBeCloseTo(0.2, 12);
    expect(stats['Rank ICIR']).toBeNull();
  });
});
