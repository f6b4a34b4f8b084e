// Small numeric kernels shared by the evaluation metrics and the backtest's
// risk analysis: pandas-style NaN-skipping mean/std, Pearson and Spearman
// correlation of paired samples, average ranks, rolling means.
//
// Assumes: callers pass plain numbers (NaN = missing). Nothing here allocates
// per call except where a scratch buffer is not supplied.
// Guarantees: the same answers pandas/numpy/scipy give for the same inputs
// (up to floating-point summation order, ~1e-15 relative), with these
// documented choices where numpy's answer is a rounding artefact:
//   - a sample whose values are all identical has zero variance → NaN, even
//     when numpy's inexact mean would leave a ~1e-17 residue and a garbage r;
//   - r is clipped to [-1, 1] as numpy.corrcoef does.

import { sortIndices } from './sort.js';

/** pandas `Series.mean()` (skipna): mean of the non-NaN values, NaN if none. */
export function nanMean(x: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}

/** pandas `Series.std(ddof)` (skipna, two-pass): NaN when fewer than ddof + 1 values. */
export function nanStd(x: ArrayLike<number>, ddof = 1): number {
  const m = nanMean(x);
  let n = 0;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      const d = v - m;
      ss += d * d;
      n++;
    }
  }
  return n - ddof <= 0 ? NaN : Math.sqrt(ss / (n - ddof));
}

/** Mean, sample std (ddof 1), their ratio (an "IR"), and the number of non-NaN values. */
export interface SeriesSummary {
  mean: number;
  std: number;
  /** mean / std, as pandas gives it: ±Infinity when std is 0 and mean is not, NaN when both are 0. */
  ir: number;
  count: number;
}

export function summarize(x: ArrayLike<number>): SeriesSummary {
  let count = 0;
  for (let i = 0; i < x.length; i++) if (x[i] === x[i]) count++;
  const mean = nanMean(x);
  const std = nanStd(x, 1);
  return { mean, std, ir: mean / std, count };
}

/**
 * Pearson correlation of x[0..n) and y[0..n) (no NaN inside; the caller has
 * already dropped incomplete pairs). NaN when n < 2 or either side is constant.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  if (n < 2) return NaN;
  let sx = 0;
  let sy = 0;
  let constX = true;
  let constY = true;
  const x0 = x[0]!;
  const y0 = y[0]!;
  for (let i = 0; i < n; i++) {
    const a = x[i]!;
    const b = y[i]!;
    sx += a;
    sy += b;
    if (a !== x0) constX = false;
    if (b !== y0) constY = false;
  }
  if (constX || constY) return NaN;
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const a = x[i]! - mx;
    const b = y[i]! - my;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  if (sxx === 0 || syy === 0) return NaN;
  const r = sxy / Math.sqrt(sxx) / Math.sqrt(syy);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * Average ranks (1-based, ties share the mean of their positions) of x[0..n)
 * into out[0..n); `order` and `tmp` are index scratches of length ≥ n. This is
 * scipy.stats.rankdata(method="average") and pandas `rank()`'s default.
 */
export function averageRanks(
  x: Float64Array,
  n: number,
  out: Float64Array,
  order: Int32Array,
  tmp: Int32Array = new Int32Array(n),
): void {
  const view = sortIndices(x, n, order, tmp, false);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    const v = x[view[i]!]!;
    while (j < n && x[view[j]!]! === v) j++;
    // positions i..j-1 (0-based) share rank mean((i+1)..j) = (i + 1 + j) / 2
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) out[view[k]!] = r;
    i = j;
  }
}

/** Scratch buffers for `spearman`, sized for the largest sample. */
export interface RankScratch {
  rx: Float64Array;
  ry: Float64Array;
  order: Int32Array;
  tmp: Int32Array;
}

export function rankScratch(capacity: number): RankScratch {
  return {
    rx: new Float64Array(capacity),
    ry: new Float64Array(capacity),
    order: new Int32Array(capacity),
    tmp: new Int32Array(capacity),
  };
}

/** Spearman correlation (Pearson of average ranks) of complete pairs x[0..n), y[0..n). */
export function spearman(x: Float64Array, y: Float64Array, n: number, s: RankScratch): number {
  if (n < 2) return NaN;
  averageRanks(x, n, s.rx, s.order, s.tmp);
  averageRanks(y, n, s.ry, s.order, s.tmp);
  return pearson(s.rx, s.ry, n);
}

/**
 * pandas `Series.rolling(window, min_periods).mean()`: the mean of the non-NaN
 * values among the last `window` entries, NaN while fewer than `minPeriods`
 * of them are present.
 */
export function rollingMean(x: ArrayLike<number>, window: number, minPeriods = window): Float64Array {
  const out = new Float64Array(x.length);
  let s = 0;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (v === v) {
      s += v;
      n++;
    }
    if (i >= window) {
      const old = x[i - window]!;
      if (old === old) {
        s -= old;
        n--;
      }
    }
    out[i] = n >= minPeriods && n > 0 ? s / n : NaN;
  }
  return out;
}
