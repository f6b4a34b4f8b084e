// Rank-based signal metrics: precision@k / recall@k (HIST's metric_fn),
// long-short returns (Qlib calc_long_short_return), score-group returns
// (Qlib's report `_group_return`), and TRA's percentile metrics.
//
// Assumes: a well-formed CrossSections (checked; bad shapes or settings throw
// a DiagnosticError). Rows where pred or label is NaN are dropped per day
// before anything is ranked, except in traMetrics (see there).
// Guarantees: sorting by score is descending and stable — rows with equal
// scores keep their row order (instrument order for crossSectionsFromMatrix).
// pandas sorts with an unstable quicksort, so exact ties are
// implementation-defined in Qlib and HIST; we pin them down. "Lowest scores"
// (the short leg) sort ascending, ties again in row order, as
// DataFrame.nsmallest(keep="first") does.

import { assertCrossSections, gatherPairs, maxDayRows, type CrossSections } from './cross-sections.js';
import { averageRanks, nanMean, nanStd, rankScratch, spearman, summarize } from './stats.js';
import { sortIndices } from './sort.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';

/** HIST's cut-offs. */
export const DEFAULT_KS: readonly number[] = [1, 3, 5, 10, 20, 30, 50, 100];


function badSetting(name: string, value: unknown, expected: string): DiagnosticError {
  return new DiagnosticError(diag('evalBadSetting', { name, value: String(value), expected }));
}

export interface PrecisionRecall {
  ks: number[];
  /** Mean over days of the daily precision at each k. */
  precision: number[];
  /** Mean over days (with at least one positive label) of the daily recall at each k. */
  recall: number[];
  dailyPrecision: Float64Array[];
  dailyRecall: Float64Array[];
}

/**
 * precision@k = (#rows among the k best-scored with label > 0) / k — always
 * divided by k, even on a day with fewer than k rows (as HIST does);
 * recall@k = the same count / (#rows with label > 0 that day), NaN on a day
 * without positives (0/0, skipped by the mean). A day without complete pairs
 * is NaN in both (HIST never sees such a day).
 */
export function precisionRecallAtK(cs: CrossSections, ks: readonly number[] = DEFAULT_KS): PrecisionRecall {
  assertCrossSections(cs);
  for (const k of ks) if (!Number.isInteger(k) || k < 1) throw badSetting('k', k, 'a positive integer');
  const D = cs.days.length;
  const cap = maxDayRows(cs);
  const xs = new Float64Array(cap);
  const ys = new Float64Array(cap);
  const order = new Int32Array(cap);
  const tmp = new Int32Array(cap);
  const dailyPrecision = ks.map(() => new Float64Array(D));
  const dailyRecall = ks.map(() => new Float64Array(D));
  for (let d = 0; d < D; d++) {
    const n = gatherPairs(cs, cs.label, d, xs, ys);
    if (n === 0) {
      for (let j = 0; j < ks.length; j++) {
        dailyPrecision[j]![d] = NaN;
        dailyRecall[j]![d] = NaN;
      }
      continue;
    }
    const o = sortIndices(xs, n, order, tmp, true);
    let positives = 0;
    for (let i = 0; i < n; i++) if (ys[i]! > 0) positives++;
    for (let j = 0; j < ks.length; j++) {
      const k = ks[j]!;
      const top = Math.min(k, n);
      let hit = 0;
      for (let i = 0; i < top; i++) if (ys[o[i]!]! > 0) hit++;
      dailyPrecision[j]![d] = hit / k;
      dailyRecall[j]![d] = hit / positives;
    }
  }
  return {
    ks: [...ks],
    precision: dailyPrecision.map((x) => nanMean(x)),
    recall: dailyRecall.map((x) => nanMean(x)),
    dailyPrecision,
    dailyRecall,
  };
}

export interface LongShortReturns {
  /** (long − short) / 2 per day, as calc_long_short_return returns it. */
  longShort: Float64Array;
  /** Mean label of the int(n·quantile) best-scored rows. */
  long: Float64Array;
  /** Mean label of the int(n·quantile) worst-scored rows. */
  short: Float64Array;
  /** Mean label of all complete rows (Qlib's `long_avg_r`, despite its name). */
  average: Float64Array;
  longShortAnnReturn: number;
  longShortAnnSharpe: number;
  /** mean(average) · annScaler — Qlib's "Long-Avg Ann Return" is computed from r_avg. */
  longAvgAnnReturn: number;
  longAvgAnnSharpe: number;
}

/**
 * Qlib's calc_long_short_return with dropna=True (n = complete pairs of the
 * day; N = int(n · quantile)) and SigAnaRecord's annualised statistics.
 * A day with N = 0 has NaN long, short and long-short.
 */
export function longShortReturns(
  cs: CrossSections,
  options: { quantile?: number; annScaler?: number } = {},
): LongShortReturns {
  assertCrossSections(cs);
  const q = options.quantile ?? 0.2;
  const ann = options.annScaler ?? 252;
  if (!(q > 0 && q <= 1)) throw badSetting('quantile', q, 'a number in (0, 1]');
  if (!(ann > 0)) throw badSetting('annScaler', ann, 'a positive number');
  const D = cs.days.length;
  const cap = maxDayRows(cs);
  const xs = new Float64Array(cap);
  const ys = new Float64Array(cap);
  const order = new Int32Array(cap);
  const asc = new Int32Array(cap);
  const tmp = new Int32Array(cap);
  const longShort = new Float64Array(D);
  const long = new Float64Array(D);
  const short = new Float64Array(D);
  const average = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    const n = gatherPairs(cs, cs.label, d, xs, ys);
    let all = 0;
    for (let i = 0; i < n; i++) all += ys[i]!;
    average[d] = n === 0 ? NaN : all / n;
    const N = Math.floor(n * q);
    if (N === 0) {
      long[d] = NaN;
      short[d] = NaN;
      longShort[d] = NaN;
      continue;
    }
    const o = sortIndices(xs, n, order, tmp, true);
    const a = sortIndices(xs, n, asc, tmp, false);
    let sl = 0;
    let ss = 0;
    for (let i = 0; i < N; i++) {
      sl += ys[o[i]!]!;
      ss += ys[a[i]!]!;
    }
    long[d] = sl / N;
    short[d] = ss / N;
    longShort[d] = (long[d]! - short[d]!) / 2;
  }
  const ls = summarize(longShort);
  const av = summarize(average);
  return {
    longShort, long, short, average,
    longShortAnnReturn: ls.mean * ann,
    longShortAnnSharpe: ls.ir * Math.sqrt(ann),
    longAvgAnnReturn: av.mean * ann,
    longAvgAnnSharpe: av.ir * Math.sqrt(ann),
  };
}

export interface GroupReturns {
  /** groups[g][d]: mean label of score group g + 1 (group 1 = best scores) on day d. */
  groups: Float64Array[];
  /** Group 1 − group G per day. */
  longShort: Float64Array;
  /** Group 1 − mean label of the day. */
  longAverage: Float64Array;
}

/**
 * Qlib's report `_group_return`: sort the day's rows by score (descending),
 * each group takes floor(n / G) consecutive rows from the top, and the
 * n mod G lowest-scored rows belong to no group. A day with n < G has NaN
 * groups. Rows with a NaN label are dropped before grouping (Qlib drops only
 * NaN scores and lets NaN labels occupy group slots).
 */
export function groupReturns(cs: CrossSections, G = 5): GroupReturns {
  assertCrossSections(cs);
  if (!Number.isInteger(G) || G < 1) throw badSetting('groups', G, 'an integer >= 1');
  const D = cs.days.length;
  const cap = maxDayRows(cs);
  const xs = new Float64Array(cap);
  const ys = new Float64Array(cap);
  const order = new Int32Array(cap);
  const tmp = new Int32Array(cap);
  const groups = Array.from({ length: G }, () => new Float64Array(D));
  const longShort = new Float64Array(D);
  const longAverage = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    const n = gatherPairs(cs, cs.label, d, xs, ys);
    const size = Math.floor(n / G);
    const o = sortIndices(xs, n, order, tmp, true);
    for (let g = 0; g < G; g++) {
      if (size === 0) {
        groups[g]![d] = NaN;
        continue;
      }
      let s = 0;
      for (let i = g * size; i < (g + 1) * size; i++) s += ys[o[i]!]!;
      groups[g]![d] = s / size;
    }
    let all = 0;
    for (let i = 0; i < n; i++) all += ys[i]!;
    longShort[d] = groups[0]![d]! - groups[G - 1]![d]!;
    longAverage[d] = groups[0]![d]! - (n === 0 ? NaN : all / n);
  }
  return { groups, longShort, longAverage };
}

export interface TraMetrics {
  /** Means over days of the daily values; icir = mean / std (ddof 1) of the daily IC. */
  mse: number;
  mae: number;
  ic: number;
  icir: number;
  daily: { mse: Float64Array; mae: Float64Array; ic: Float64Array };
}

/**
 * TRA's evaluation (pytorch_tra.py `evaluate` + test_epoch), one batch per
 * day: score and label each become percentiles within the day
 * (pandas rank(pct=True): average rank / number of non-NaN values of that
 * column — each column ranks over its own non-NaN rows), then MSE and MAE of
 * the percentile difference over rows where both are present, and IC =
 * Spearman of the percentiles. Summaries are means over days (NaN skipped).
 */
export function traMetrics(cs: CrossSections): TraMetrics {
  assertCrossSections(cs);
  const D = cs.days.length;
  const cap = maxDayRows(cs);
  const vals = new Float64Array(cap);
  const ranks = new Float64Array(cap);
  const rows = new Int32Array(cap);
  const pctP = new Float64Array(cap);
  const pctL = new Float64Array(cap);
  const xs = new Float64Array(cap);
  const ys = new Float64Array(cap);
  const order = new Int32Array(cap);
  const tmp = new Int32Array(cap);
  const scratch = rankScratch(cap);
  const mse = new Float64Array(D);
  const mae = new Float64Array(D);
  const ic = new Float64Array(D);

  const percentiles = (src: Float64Array, lo: number, hi: number, out: Float64Array): void => {
    let m = 0;
    for (let r = lo; r < hi; r++) {
      out[r - lo] = NaN;
      const v = src[r]!;
      if (v === v) {
        vals[m] = v;
        rows[m] = r - lo;
        m++;
      }
    }
    averageRanks(vals, m, ranks, order, tmp);
    for (let j = 0; j < m; j++) out[rows[j]!] = ranks[j]! / m;
  };

  for (let d = 0; d < D; d++) {
    const lo = cs.offsets[d]!;
    const hi = cs.offsets[d + 1]!;
    percentiles(cs.pred, lo, hi, pctP);
    percentiles(cs.label, lo, hi, pctL);
    let n = 0;
    let s2 = 0;
    let s1 = 0;
    for (let j = 0; j < hi - lo; j++) {
      const a = pctP[j]!;
      const b = pctL[j]!;
      if (a === a && b === b) {
        xs[n] = a;
        ys[n] = b;
        s2 += (a - b) * (a - b);
        s1 += Math.abs(a - b);
        n++;
      }
    }
    mse[d] = n === 0 ? NaN : s2 / n;
    mae[d] = n === 0 ? NaN : s1 / n;
    ic[d] = spearman(xs, ys, n, scratch);
  }
  const icMean = nanMean(ic);
  return { mse: nanMean(mse), mae: nanMean(mae), ic: icMean, icir: icMean / nanStd(ic, 1), daily: { mse, mae, ic } };
}
