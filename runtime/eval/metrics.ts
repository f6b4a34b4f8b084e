// Signal metrics over daily cross-sections, with Qlib's semantics:
// IC / Rank IC / ICIR / Rank ICIR as SigAnaRecord + calc_ic compute them,
// MSE / MAE, IC decay over label horizons, and `evaluateSignal`, which
// bundles these with the rank-based metrics of ranking.ts into one report
// (daily series for the report's plots plus summaries).
//
// Assumes: a well-formed CrossSections (checked here; bad shapes throw a
// DiagnosticError with Q6405/Q6408).
// Guarantees, per day d:
//   - IC_d is the Pearson correlation of pred and label over the rows where
//     both are present (pandas `Series.corr` drops incomplete pairs); Rank
//     IC_d is Spearman (Pearson of average ranks, scipy.stats.spearmanr).
//   - A day with fewer than 2 complete pairs, or where pred or label is
//     constant over them, has IC_d = NaN, as pandas gives; NaN days are
//     skipped by the mean and the std (pandas skipna), so they count in
//     neither IC nor ICIR. `days` in the summary says how many counted.
//   - IC = mean_d IC_d; ICIR = IC / std_d(IC_d) with ddof 1 (not annualised);
//     the same for Rank IC. ICIR is NaN with fewer than 2 counted days.
//   - MSE / MAE are pooled over every complete pair of every day (what a
//     model's loss on the test segment measures); daily values are also given.

import { assertCrossSections, gatherPairs, maxDayRows, type CrossSections } from './cross-sections.js';
import { rankScratch, rollingMean, pearson, spearman, summarize, type SeriesSummary } from './stats.js';
import {
  DEFAULT_KS, groupReturns, longShortReturns, precisionRecallAtK, traMetrics,
  type GroupReturns, type LongShortReturns, type PrecisionRecall, type TraMetrics,
} from './ranking.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';

/** Per-day IC and Rank IC, and the number of complete pairs each rests on. */
export interface IcSeries {
  ic: Float64Array;
  rankIc: Float64Array;
  pairs: Int32Array;
}

export interface IcSummary {
  ic: number;
  icStd: number;
  icir: number;
  rankIc: number;
  rankIcStd: number;
  rankIcir: number;
  /** Days with a defined (non-NaN) IC. */
  days: number;
  /** Days with a defined Rank IC. */
  rankDays: number;
}

/** Daily IC and Rank IC of the predictions against `label` (default: cs.label). */
export function icSeries(cs: CrossSections, label: Float64Array = cs.label): IcSeries {
  assertCrossSections(cs, label === cs.label ? [] : [label]);
  const D = cs.days.length;
  const cap = maxDayRows(cs);
  const xs = new Float64Array(cap);
  const ys = new Float64Array(cap);
  const scratch = rankScratch(cap);
  const ic = new Float64Array(D);
  const rankIc = new Float64Array(D);
  const pairs = new Int32Array(D);
  for (let d = 0; d < D; d++) {
    const n = gatherPairs(cs, label, d, xs, ys);
    pairs[d] = n;
    ic[d] = pearson(xs, ys, n);
    rankIc[d] = spearman(xs, ys, n, scratch);
  }
  return { ic, rankIc, pairs };
}

/** SigAnaRecord's summary of a daily IC series: means, ddof-1 stds and mean/std. */
export function icSummary(s: IcSeries): IcSummary {
  const a = summarize(s.ic);
  const b = summarize(s.rankIc);
  return {
    ic: a.mean, icStd: a.std, icir: a.ir,
    rankIc: b.mean, rankIcStd: b.std, rankIcir: b.ir,
    days: a.count, rankDays: b.count,
  };
}

export interface ErrorMetrics {
  /** Pooled over all complete pairs; NaN when there are none. */
  mse: number;
  mae: number;
  pairs: number;
  dailyMse: Float64Array;
  dailyMae: Float64Array;
}

/** Mean squared and absolute error of pred against the raw label. */
export function errorMetrics(cs: CrossSections): ErrorMetrics {
  assertCrossSections(cs);
  const D = cs.days.length;
  const dailyMse = new Float64Array(D);
  const dailyMae = new Float64Array(D);
  let se = 0;
  let ae = 0;
  let total = 0;
  for (let d = 0; d < D; d++) {
    let s2 = 0;
    let s1 = 0;
    let n = 0;
    for (let r = cs.offsets[d]!; r < cs.offsets[d + 1]!; r++) {
      const e = cs.pred[r]! - cs.label[r]!;
      if (e === e) {
        s2 += e * e;
        s1 += Math.abs(e);
        n++;
      }
    }
    dailyMse[d] = n === 0 ? NaN : s2 / n;
    dailyMae[d] = n === 0 ? NaN : s1 / n;
    se += s2;
    ae += s1;
    total += n;
  }
  return { mse: total === 0 ? NaN : se / total, mae: total === 0 ? NaN : ae / total, pairs: total, dailyMse, dailyMae };
}

/** A label at some horizon, aligned row for row with the cross-sections. */
export interface HorizonLabel {
  /** Days ahead (for the report's x axis); only a name here. */
  horizon: number;
  label: Float64Array;
}

export interface IcDecayPoint extends IcSummary {
  horizon: number;
}

/** IC decay: the IC summary of the same predictions against labels at several horizons. */
export function icDecay(cs: CrossSections, horizons: readonly HorizonLabel[]): IcDecayPoint[] {
  assertCrossSections(cs, horizons.map((h) => h.label));
  return horizons.map((h) => ({ horizon: h.horizon, ...icSummary(icSeries(cs, h.label)) }));
}

export interface EvaluateOptions {
  /** precision@k / recall@k cut-offs (default 1, 3, 5, 10, 20, 30, 50, 100). */
  ks?: readonly number[];
  /** Long-short quantile (Qlib calc_long_short_return: 0.2). */
  quantile?: number;
  /** Number of score groups for the group-return plot (Qlib report: 5). */
  groups?: number;
  /** Annualisation of the long-short statistics (SigAnaRecord ann_scaler: 252). */
  annScaler?: number;
  /** Window of the rolling IC (default 20 days; min periods = window). */
  rollingWindow?: number;
  /** Extra label horizons for IC decay (the main label counts as given). */
  horizons?: readonly HorizonLabel[];
}

export interface SignalReport {
  days: string[];
  summary: IcSummary & {
    mse: number;
    mae: number;
    longShortAnnReturn: number;
    longShortAnnSharpe: number;
    longAvgAnnReturn: number;
    longAvgAnnSharpe: number;
  };
  daily: IcSeries & {
    rollingIc: Float64Array;
    rollingRankIc: Float64Array;
    mse: Float64Array;
    mae: Float64Array;
  };
  precision: PrecisionRecall;
  longShort: LongShortReturns;
  groups: GroupReturns;
  tra: TraMetrics;
  icDecay: IcDecayPoint[];
}

/** Everything the report shows about a signal, from one call. */
export function evaluateSignal(cs: CrossSections, options: EvaluateOptions = {}): SignalReport {
  const window = options.rollingWindow ?? 20;
  if (!Number.isInteger(window) || window < 1) {
    throw new DiagnosticError(diag('evalBadSetting', { name: 'rollingWindow', value: String(window), expected: 'an integer >= 1' }));
  }
  const ics = icSeries(cs);
  const sum = icSummary(ics);
  const err = errorMetrics(cs);
  const ls = longShortReturns(cs, {
    ...(options.quantile !== undefined ? { quantile: options.quantile } : {}),
    ...(options.annScaler !== undefined ? { annScaler: options.annScaler } : {}),
  });
  return {
    days: cs.days,
    summary: {
      ...sum,
      mse: err.mse,
      mae: err.mae,
      longShortAnnReturn: ls.longShortAnnReturn,
      longShortAnnSharpe: ls.longShortAnnSharpe,
      longAvgAnnReturn: ls.longAvgAnnReturn,
      longAvgAnnSharpe: ls.longAvgAnnSharpe,
    },
    daily: {
      ...ics,
      rollingIc: rollingMean(ics.ic, window),
      rollingRankIc: rollingMean(ics.rankIc, window),
      mse: err.dailyMse,
      mae: err.dailyMae,
    },
    precision: precisionRecallAtK(cs, options.ks ?? DEFAULT_KS),
    longShort: ls,
    groups: groupReturns(cs, options.groups ?? 5),
    tra: traMetrics(cs),
    icDecay: icDecay(cs, options.horizons ?? []),
  };
}

export type { SeriesSummary };
