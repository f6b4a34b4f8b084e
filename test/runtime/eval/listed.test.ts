// The strategy's `evaluate [...]` clause at run time (runtime/eval/listed.ts):
// every listed metric becomes its named scalars, equal to the reference
// computations of reference.ts; IC decay pairs day t's prediction with the
// same stock's label of day t + h (a stock missing on the later day has
// none); metrics that are not listed do not appear; bad arguments are Q6408.

import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import type { MetricSpec } from '../../../compiler/plan/plan.js';
import { crossSectionsFromDays, icSeries, icSummary } from '../../../runtime/eval/index.js';
import { evaluateListed, shiftedLabels } from '../../../runtime/eval/listed.js';
import { refGroups, refLongShort, refMean, refPrecisionRecall, type Row } from './reference.js';

// Four days, stocks entering and leaving, a tie and a NaN label.
const names = [['a', 'b', 'c', 'd', 'e'], ['b', 'a', 'c', 'e', 'f'], ['a', 'c', 'd', 'f', 'b'], ['f', 'e', 'a', 'b', 'c']];
const rows: Row[][] = [
  [{ pred: 0.5, label: 0.02 }, { pred: 0.1, label: -0.01 }, { pred: 0.3, label: 0.01 }, { pred: -0.2, label: -0.03 }, { pred: 0.1, label: 0 }],
  [{ pred: 0.2, label: 0.01 }, { pred: 0.4, label: 0.03 }, { pred: -0.1, label: NaN }, { pred: 0.0, label: -0.02 }, { pred: 0.6, label: 0.04 }],
  [{ pred: 0.3, label: -0.01 }, { pred: 0.2, label: 0.02 }, { pred: -0.5, label: -0.04 }, { pred: 0.1, label: 0.01 }, { pred: 0.0, label: 0.0 }],
  [{ pred: 0.7, label: 0.05 }, { pred: -0.3, label: -0.02 }, { pred: 0.2, label: 0.01 }, { pred: 0.1, label: 0.0 }, { pred: -0.1, label: -0.01 }],
];
const days = ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07'];
const cs = crossSectionsFromDays(days, rows.map((r) => ({ pred: r.map((x) => x.pred), label: r.map((x) => x.label) })));

describe('evaluate clause at run time', () => {
  it('precision@k and recall@k as HIST computes them; no argument gives every HIST cut-off', () => {
    const r = evaluateListed([{ name: 'precision', args: { k: 2 } }, { name: 'recall', args: { k: 2 } }], cs, names);
    const ref = rows.map((d) => refPrecisionRecall(d, 2));
    expect(r.metrics['precision@2']).toBeCloseTo(refMean(ref.map((x) => x.precision)), 12);
    expect(r.metrics['recall@2']).toBeCloseTo(refMean(ref.map((x) => x.recall)), 12);
    expect(Object.keys(r.metrics)).toEqual(['precision@2', 'recall@2']);
    const all = evaluateListed([{ name: 'precision', args: {} }], cs, names);
    expect(Object.keys(all.metrics)).toEqual([1, 3, 5, 10, 20, 30, 50, 100].map((k) => `precision@${k}`));
  });

  it('long-short and quantile returns', () => {
    const r = evaluateListed([{ name: 'long_short', args: { quantile: 0.4 } }, { name: 'quantile_returns', args: { groups: 2 } }], cs, names);
    const ls = rows.map((d) => refLongShort(d, 0.4));
    expect(r.metrics['long-short annualized return']).toBeCloseTo(refMean(ls.map((x) => (x.long - x.short) / 2)) * 252, 12);
    const g = rows.map((d) => refGroups(d, 2));
    expect(r.metrics['group 1 of 2 mean return']).toBeCloseTo(refMean(g.map((x) => x[0]!)), 12);
    expect(r.metrics['group 2 of 2 mean return']).toBeCloseTo(refMean(g.map((x) => x[1]!)), 12);
    expect(r.metrics['group 1 − group 2 mean return']).toBeCloseTo(refMean(g.map((x) => x[0]! - x[1]!)), 12);
    // The report's series: each group's mean label summed over the days.
    expect(r.groups!.cumulative[0]![3]).toBeCloseTo(g.reduce((s, x) => s + x[0]!, 0), 12);
  });

  it('IC decay: the prediction of day t against the same stock’s label of day t + h', () => {
    const shifted = shiftedLabels(cs, names, 1);
    // Day 0's stock 'a' (row 0) meets day 1's 'a' (label 0.03); day 0's 'd' is absent on day 1.
    expect(shifted[0]).toBe(0.03);
    expect(shifted[3]).toBeNaN();
    expect(Array.from(shifted.subarray(15))).toEqual([NaN, NaN, NaN, NaN, NaN]);
    const r = evaluateListed([{ name: 'ic_decay', args: { horizons: 2 } }], cs, names);
    const manual = icSummary(icSeries(cs, shifted));
    expect(r.metrics['IC decay h=1']).toBeCloseTo(manual.ic, 12);
    expect(r.metrics['Rank IC decay h=1']).toBeCloseTo(manual.rankIc, 12);
    expect(r.icDecay!.map((p) => p.horizon)).toEqual([0, 1, 2]);
    expect(r.icDecay![0]!.ic).toBeCloseTo(icSummary(icSeries(cs)).ic, 12);
    // A positional argument counts as the horizon count.
    expect(Object.keys(evaluateListed([{ name: 'ic_decay', args: { k: 1 } }], cs, names).metrics)).toEqual(['IC decay h=1', 'Rank IC decay h=1']);
  });

  it('TRA percentile metrics; the always-computed ones and loss add nothing', () => {
    const r = evaluateListed(['ic', 'rank_ic', 'icir', 'loss', 'pct_ic', 'pct_mse'].map((name) => ({ name, args: {} })), cs, names);
    expect(Object.keys(r.metrics)).toEqual(['pct IC', 'pct MSE']);
    expect(r.icDecay).toBeUndefined();
    expect(r.groups).toBeUndefined();
  });

  it('bad arguments are Q6408', () => {
    const specs: MetricSpec[] = [
      { name: 'precision', args: { k: 0 } },
      { name: 'ic_decay', args: { horizons: 1.5 } },
      { name: 'quantile_returns', args: { groups: 1 } },
      { name: 'long_short', args: { quantile: 2 } },
      { name: 'long_short', args: { q: 0.2 } },
    ];
    for (const spec of specs) {
      let codes: string[] = [];
      try {
        evaluateListed([spec], cs, names);
      } catch (e) {
        if (e instanceof DiagnosticError) codes = e.diagnostics.map((d) => d.code);
        else throw e;
      }
      expect(codes, JSON.stringify(spec)).toEqual(['Q6408']);
    }
  });
});
