// Signal metrics against the plain references (reference.ts) on random
// cross-sections with ties and NaNs (fast-check), plus hand-computed cases and
// the diagnostics for malformed input (Q6405, Q6408).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import {
  crossSectionsFromDays, crossSectionsFromMatrix, errorMetrics, evaluateSignal, groupReturns, icDecay, icSeries,
  icSummary, longShortReturns, precisionRecallAtK, traMetrics, checkCrossSections, rollingMean, type CrossSections,
} from '../../../runtime/eval/index.js';
import {
  complete, refGroups, refIc, refLongShort, refMean, refPrecisionRecall, refStd, refTraDay, type Row,
} from './reference.js';

// Values as real predictions and returns look: no subnormals (where every
// correlation formula underflows differently), many exact ties, some NaN.
const value = fc.oneof(
  fc.constantFrom(NaN, 0, 1, -1, 0.5, 2),
  fc.integer({ min: -300, max: 300 }).map((x) => x / 100),
  fc.double({ min: -3, max: 3, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-9),
);
const row = fc.record({ pred: value, label: value });
const daysArb = fc.array(fc.array(row, { maxLength: 16 }), { minLength: 1, maxLength: 8 });

function build(days: Row[][]): CrossSections {
  return crossSectionsFromDays(days.map((_, d) => `2020-01-${String(d + 1).padStart(2, '0')}`), days.map((rows) => ({
    pred: rows.map((r) => r.pred), label: rows.map((r) => r.label),
  })));
}

function same(a: number, b: number, tol = 1e-9): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * Mean, std and mean/std against the reference. When the daily values are
 * (nearly) all equal, std is rounding noise (1e-17 vs 0) and the ratio is
 * meaningless, so it is compared only when std is well above that noise.
 */
function sameSummary(mean: number, std: number, ir: number, daily: number[]): boolean {
  const m = refMean(daily);
  const sd = refStd(daily);
  if (!same(mean, m) || !(Number.isNaN(sd) ? Number.isNaN(std) : Math.abs(std - sd) <= 1e-9)) return false;
  return Number.isNaN(sd) || sd < 1e-6 || same(ir, m / sd, 1e-7);
}

describe('IC family', () => {
  it('hand case: Pearson and Spearman with and without ties', () => {
    const cs = build([
      [1, 2, 3, 4].map((p, i) => ({ pred: p, label: [1, 3, 2, 4][i]! })),
      [{ pred: 1, label: 1 }, { pred: 1, label: 2 }, { pred: 2, label: 3 }],
    ]);
    const s = icSeries(cs);
    expect(s.ic[0]).toBeCloseTo(0.8, 15); // Σdxdy = 4, Σdx² = Σdy² = 5
    expect(s.rankIc[0]).toBeCloseTo(0.8, 15);
    expect(s.rankIc[1]).toBeCloseTo(1.5 / Math.sqrt(3), 15); // ranks 1.5, 1.5, 3 vs 1, 2, 3
    expect([...s.pairs]).toEqual([4, 3]);
  });

  it('days with < 2 pairs or a constant side are NaN and skipped by mean and std', () => {
    const cs = build([
      [{ pred: 1, label: 1 }, { pred: 2, label: 2 }, { pred: 3, label: 3.5 }],
      [{ pred: 1, label: NaN }, { pred: 2, label: 2 }],
      [{ pred: 0.1, label: 1 }, { pred: 0.1, label: 2 }, { pred: 0.1, label: 3 }],
      [{ pred: 1, label: 3 }, { pred: 2, label: 2 }, { pred: 3, label: 1 }],
      [],
    ]);
    const s = icSeries(cs);
    expect(Number.isNaN(s.ic[1]!) && Number.isNaN(s.ic[2]!) && Number.isNaN(s.ic[4]!)).toBe(true);
    const sum = icSummary(s);
    expect(sum.days).toBe(2);
    expect(sum.ic).toBeCloseTo((s.ic[0]! - 1) / 2, 15);
    expect(sum.icStd).toBeCloseTo(Math.abs(s.ic[0]! + 1) / Math.SQRT2, 14);
    expect(sum.icir).toBeCloseTo(sum.ic / sum.icStd, 15);
    expect(sum.rankIc).toBe(0); // +1 and −1
  });

  it('equals the reference on random days with ties and NaNs', () => {
    fc.assert(
      fc.property(daysArb, (days) => {
        const s = icSeries(build(days));
        const ref = days.map(refIc);
        if (!ref.every((r, d) => same(s.ic[d]!, r.ic) && same(s.rankIc[d]!, r.rankIc))) return false;
        const sum = icSummary(s);
        return sameSummary(sum.ic, sum.icStd, sum.icir, ref.map((r) => r.ic))
          && sameSummary(sum.rankIc, sum.rankIcStd, sum.rankIcir, ref.map((r) => r.rankIc));
      }),
      { numRuns: 400 },
    );
  });

  it('equals the reference on larger cross-sections (several merge passes per sort)', () => {
    const big = fc.array(fc.array(row, { minLength: 17, maxLength: 90 }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(big, (days) => {
        const cs = build(days);
        const s = icSeries(cs);
        const pr = precisionRecallAtK(cs, [5, 20]);
        const gr = groupReturns(cs, 5);
        return days.every((rows, d) => {
          const r = refIc(rows);
          const g = refGroups(rows, 5);
          return same(s.ic[d]!, r.ic) && same(s.rankIc[d]!, r.rankIc)
            && same(pr.dailyPrecision[1]![d]!, refPrecisionRecall(rows, 20).precision)
            && g.every((v, k) => same(gr.groups[k]![d]!, v))
            && same(traMetrics(cs).daily.ic[d]!, refTraDay(rows).ic);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('IC decay evaluates each horizon’s label', () => {
    fc.assert(
      fc.property(daysArb, fc.array(value, { minLength: 200, maxLength: 200 }), (days, other) => {
        const cs = build(days);
        const l2 = Float64Array.from({ length: cs.pred.length }, (_, i) => other[i % 200]!);
        const [h1, h2] = icDecay(cs, [{ horizon: 1, label: cs.label }, { horizon: 2, label: l2 }]);
        let r = 0;
        const days2 = days.map((rows) => rows.map((x) => ({ pred: x.pred, label: l2[r++]! })));
        const ic2 = days2.map(refIc).map((x) => x.ic);
        return h1!.horizon === 1 && same(h1!.ic, refMean(days.map(refIc).map((x) => x.ic)))
          && h2!.horizon === 2 && same(h2!.ic, refMean(ic2));
      }),
      { numRuns: 150 },
    );
  });
});

describe('error metrics', () => {
  it('pool squared and absolute errors over complete pairs', () => {
    fc.assert(
      fc.property(daysArb, (days) => {
        const e = errorMetrics(build(days));
        const all = days.flatMap(complete);
        const mse = all.length ? all.reduce((s, r) => s + (r.pred - r.label) ** 2, 0) / all.length : NaN;
        const mae = all.length ? all.reduce((s, r) => s + Math.abs(r.pred - r.label), 0) / all.length : NaN;
        return same(e.mse, mse) && same(e.mae, mae) && e.pairs === all.length;
      }),
      { numRuns: 200 },
    );
  });
});

describe('rank-based metrics', () => {
  it('precision@k and recall@k by hand', () => {
    // sorted by pred: +, −, 0, + → two positives
    const cs = build([[0.9, 0.8, 0.1, 0.5].map((p, i) => ({ pred: p, label: [0.01, -0.02, 0.03, 0][i]! }))]);
    const pr = precisionRecallAtK(cs, [1, 3, 5]);
    expect(pr.precision).toEqual([1, 1 / 3, 2 / 5]); // always divided by k, as HIST does
    expect(pr.recall).toEqual([0.5, 0.5, 1]);
  });

  it('precision, recall, long-short, groups and TRA equal the references', () => {
    const ks = [1, 3, 5, 10];
    fc.assert(
      fc.property(daysArb, fc.constantFrom(0.2, 0.3, 0.5), fc.integer({ min: 1, max: 6 }), (days, q, G) => {
        const cs = build(days);
        const pr = precisionRecallAtK(cs, ks);
        const ls = longShortReturns(cs, { quantile: q });
        const gr = groupReturns(cs, G);
        const tra = traMetrics(cs);
        for (let d = 0; d < days.length; d++) {
          for (let j = 0; j < ks.length; j++) {
            const want = refPrecisionRecall(days[d]!, ks[j]!);
            if (!same(pr.dailyPrecision[j]![d]!, want.precision) || !same(pr.dailyRecall[j]![d]!, want.recall)) return false;
          }
          const l = refLongShort(days[d]!, q);
          if (!same(ls.long[d]!, l.long) || !same(ls.short[d]!, l.short) || !same(ls.average[d]!, l.avg)) return false;
          if (!same(ls.longShort[d]!, (l.long - l.short) / 2)) return false;
          const g = refGroups(days[d]!, G);
          if (!g.every((v, k) => same(gr.groups[k]![d]!, v))) return false;
          if (!same(gr.longShort[d]!, g[0]! - g[G - 1]!) || !same(gr.longAverage[d]!, g[0]! - l.avg)) return false;
          const t = refTraDay(days[d]!);
          if (!same(tra.daily.mse[d]!, t.mse) || !same(tra.daily.mae[d]!, t.mae) || !same(tra.daily.ic[d]!, t.ic)) return false;
        }
        const traIc = days.map(refTraDay).map((t) => t.ic);
        const avg = days.map((rows) => refLongShort(rows, q).avg);
        return ks.every((_, j) => same(pr.precision[j]!, refMean([...pr.dailyPrecision[j]!])))
          && sameSummary(tra.ic, refStd(traIc), tra.icir, traIc)
          && same(ls.longShortAnnReturn, refMean([...ls.longShort]) * 252)
          && same(ls.longAvgAnnReturn, refMean(avg) * 252)
          && (Number.isNaN(refStd(avg)) ? Number.isNaN(ls.longAvgAnnSharpe) : refStd(avg) < 1e-6
            || same(ls.longAvgAnnSharpe, (refMean(avg) / refStd(avg)) * Math.sqrt(252), 1e-7));
      }),
      { numRuns: 300 },
    );
  });

  it('long-short by hand: int(n·0.2) rows per leg, halved spread', () => {
    const preds = [5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5];
    const cs = build([preds.map((p) => ({ pred: p, label: p / 100 }))]); // n = 11 → N = 2
    const ls = longShortReturns(cs);
    expect(ls.long[0]).toBeCloseTo(0.045, 15);
    expect(ls.short[0]).toBeCloseTo(-0.045, 15);
    expect(ls.longShort[0]).toBeCloseTo(0.045, 15);
  });
});

describe('layouts and reports', () => {
  it('crossSectionsFromMatrix keeps instrument order and rows with any value', () => {
    // 2 instruments × 3 days, instrument-major
    const pred = Float64Array.from([1, NaN, 3, 4, NaN, 6]);
    const label = Float64Array.from([0.1, NaN, NaN, 0.4, 0.5, 0.6]);
    const { cs } = crossSectionsFromMatrix(['d0', 'd1', 'd2'], 2, pred, label);
    expect([...cs.offsets]).toEqual([0, 2, 3, 5]);
    expect([...cs.instrument!]).toEqual([0, 1, 1, 0, 1]);
    expect([...cs.pred]).toEqual([1, 4, NaN, 3, 6]);
  });

  it('evaluateSignal bundles the daily series and summaries', () => {
    const days = Array.from({ length: 30 }, (_, d) => Array.from({ length: 20 }, (_, i) => ({
      pred: Math.sin(d * 7 + i * 3), label: Math.sin(d * 7 + i * 3) * 0.01 + Math.cos(d + i * 11) * 0.01,
    })));
    const rep = evaluateSignal(build(days), { rollingWindow: 5 });
    expect(rep.days.length).toBe(30);
    expect(rep.summary.ic).toBeCloseTo(refMean(days.map(refIc).map((x) => x.ic)), 12);
    expect(rep.summary.ic).toBeGreaterThan(0.3);
    expect(rep.daily.rollingIc[4]).toBeCloseTo(refMean([...rep.daily.ic].slice(0, 5)), 12);
    expect(rep.daily.rollingIc[3]).toBeNaN();
    expect(rep.precision.ks).toEqual([1, 3, 5, 10, 20, 30, 50, 100]);
    expect(rep.groups.groups.length).toBe(5);
    expect(rep.icDecay).toEqual([]);
  });

  it('rollingMean skips NaN like pandas rolling(window, min_periods)', () => {
    expect([...rollingMean([1, NaN, 3, 5], 2, 1)]).toEqual([1, 1, 3, 4]);
    expect([...rollingMean([1, NaN, 3, 5], 2)].map((x) => (Number.isNaN(x) ? null : x))).toEqual([null, null, null, 4]);
  });
});

describe('diagnostics', () => {
  it('reports malformed cross-sections (Q6405)', () => {
    const cs: CrossSections = { days: ['a', 'b'], offsets: Int32Array.from([0, 2, 3]), pred: new Float64Array(3), label: new Float64Array(2) };
    expect(checkCrossSections(cs).map((d) => [d.key, d.code])).toEqual([['evalShapeMismatch', 'Q6405']]);
    expect(() => icSeries(cs)).toThrow(DiagnosticError);
    expect(() => crossSectionsFromMatrix(['a'], 2, new Float64Array(3), new Float64Array(2))).toThrow(/Q6405/);
  });

  it('reports bad settings (Q6408)', () => {
    const cs = build([[{ pred: 1, label: 1 }]]);
    const codes = (f: () => unknown): string[] => {
      try {
        f();
        return [];
      } catch (e) {
        return (e as DiagnosticError).diagnostics.map((d) => `${d.key} ${d.code}`);
      }
    };
    expect(codes(() => precisionRecallAtK(cs, [0]))).toEqual(['evalBadSetting Q6408']);
    expect(codes(() => longShortReturns(cs, { quantile: 0 }))).toEqual(['evalBadSetting Q6408']);
    expect(codes(() => groupReturns(cs, 0))).toEqual(['evalBadSetting Q6408']);
    expect(codes(() => evaluateSignal(cs, { rollingWindow: 0 }))).toEqual(['evalBadSetting Q6408']);
    const bad: CrossSections = { days: ['a', 'b'], offsets: Int32Array.from([0, 2, 1]), pred: new Float64Array(1), label: new Float64Array(1) };
    expect(checkCrossSections(bad).map((d) => d.code)).toEqual(['Q6408']);
  });
});
