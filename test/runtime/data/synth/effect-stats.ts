// Test support: the features and statistics that show each planted effect
// of the synthetic market, computed from tables read back from DuckDB.
//
// Features follow docs/synthetic-market.md ("Features"): each stock's
// sequence of traded days; r = close/prev close − 1; sig20 = sample std of
// the last 20 returns; u = ln volume − mean of the last 20 ln volumes; r5 =
// close/close 5 trading days back − 1; bias20 = close / mean of the last 20
// closes − 1; vma5_20 = mean volume of 5 days / of 20 days − 1. The
// target is the next calendar day's return (NaN when that day has no price),
// made market-neutral by subtracting the day's cross-sectional mean.
//
// Guarantees: pure functions of their inputs; NaN-aware (pairs with a NaN
// are skipped).

import type { Daily } from './market-reader.js';

export interface Features {
  r: Float64Array;
  sig20: Float64Array;
  u: Float64Array;
  r5: Float64Array;
  bias20: Float64Array;
  /** Mean volume of the last 5 days / of the last 20 days − 1. */
  vma5_20: Float64Array;
  /** Day-t return minus the day's cross-sectional mean. */
  resid: Float64Array;
  /** Next calendar day's return minus that day's cross-sectional mean, at day t. */
  nextResid: Float64Array;
  /** 1 where the generator's warm-up is over (20 past returns). */
  warm: Uint8Array;
}

export function computeFeatures(d: Daily): Features {
  const { P, D } = d;
  const N = P * D;
  const mk = (): Float64Array => new Float64Array(N).fill(NaN);
  const f: Features = {
    r: mk(), sig20: mk(), u: mk(), r5: mk(), bias20: mk(), vma5_20: mk(), resid: mk(), nextResid: mk(),
    warm: new Uint8Array(N),
  };
  for (let i = 0; i < P; i++) {
    const obs: number[] = [];
    for (let t = 0; t < D; t++) if (Number.isFinite(d.close[i * D + t]!)) obs.push(t);
    const C = obs.map((t) => d.close[i * D + t]!);
    const LV = obs.map((t) => Math.log(d.volume[i * D + t]!));
    for (let k = 0; k < obs.length; k++) {
      const at = i * D + obs[k]!;
      if (k >= 1) f.r[at] = C[k]! / C[k - 1]! - 1;
      if (k >= 5) f.r5[at] = C[k]! / C[k - 5]! - 1;
      if (k >= 19) {
        let sl = 0;
        let sc = 0;
        let v5 = 0;
        let v20 = 0;
        for (let j = k - 19; j <= k; j++) {
          const v = d.volume[i * D + obs[j]!]!;
          v20 += v;
          if (j > k - 5) v5 += v;
          sl += LV[j]!;
          sc += C[j]!;
        }
        f.u[at] = LV[k]! - sl / 20;
        f.bias20[at] = C[k]! / (sc / 20) - 1;
        f.vma5_20[at] = v5 / 5 / (v20 / 20) - 1;
      }
      if (k >= 20) {
        const rs: number[] = [];
        for (let j = k - 19; j <= k; j++) rs.push(C[j]! / C[j - 1]! - 1);
        const m = rs.reduce((a, b) => a + b, 0) / 20;
        f.sig20[at] = Math.sqrt(rs.reduce((a, b) => a + (b - m) * (b - m), 0) / 19);
        f.warm[at] = 1;
      }
    }
  }
  for (let t = 0; t < D; t++) {
    let s = 0;
    let n = 0;
    for (let i = 0; i < P; i++) {
      const v = f.r[i * D + t]!;
      if (Number.isFinite(v)) {
        s += v;
        n++;
      }
    }
    const m = n > 0 ? s / n : NaN;
    for (let i = 0; i < P; i++) f.resid[i * D + t] = f.r[i * D + t]! - m;
  }
  for (let i = 0; i < P; i++) {
    for (let t = 0; t + 1 < D; t++) {
      // Only consecutive calendar days with prices: the planted signals skip suspensions.
      if (Number.isFinite(d.close[i * D + t]!)) f.nextResid[i * D + t] = f.resid[i * D + t + 1]!;
    }
  }
  return f;
}

export function corr(x: ArrayLike<number>, y: ArrayLike<number>, mask?: (k: number) => boolean): number {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask(k)) continue;
    const a = x[k]!;
    const b = y[k]!;
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    n++;
    sx += a;
    sy += b;
    sxx += a * a;
    syy += b * b;
    sxy += a * b;
  }
  if (n < 3) return NaN;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
}

/** Lag-1 autocorrelation of a series (NaN-aware). */
export function autocorr1(x: ArrayLike<number>): number {
  const a = Array.from({ length: x.length - 1 }, (_, t) => x[t]!);
  const b = Array.from({ length: x.length - 1 }, (_, t) => x[t + 1]!);
  return corr(a, b);
}

/** Signal / σ̂ and the next residual return / σ̂, for stock-days past warm-up. */
export function scaled(f: Features, signal: (at: number) => number): { x: Float64Array; y: Float64Array } {
  const N = f.r.length;
  const x = new Float64Array(N).fill(NaN);
  const y = new Float64Array(N).fill(NaN);
  for (let at = 0; at < N; at++) {
    if (!f.warm[at] || !(f.sig20[at]! > 0)) continue;
    x[at] = signal(at);
    y[at] = f.nextResid[at]! / f.sig20[at]!;
  }
  return { x, y };
}

/** Equal-weight mean residual return of each group per day: groups × D, group-major. */
export function groupMeans(d: Daily, f: Features, membersOf: number[][]): Float64Array {
  const out = new Float64Array(membersOf.length * d.D).fill(NaN);
  membersOf.forEach((ms, g) => {
    for (let t = 0; t < d.D; t++) {
      let s = 0;
      let n = 0;
      for (const i of ms) {
        const v = f.resid[i * d.D + t]!;
        if (Number.isFinite(v)) {
          s += v;
          n++;
        }
      }
      if (n > 0) out[g * d.D + t] = s / n;
    }
  });
  return out;
}

/**
 * Mean pairwise correlation of residual returns between stock pairs that share
 * a group, minus the mean over pairs that share none.
 */
export function coMovementGap(d: Daily, f: Features, groupsOf: number[][]): { same: number; other: number; gap: number } {
  const { P, D } = d;
  const series: Float64Array[] = [];
  for (let i = 0; i < P; i++) series.push(f.resid.subarray(i * D, (i + 1) * D));
  let same = 0;
  let nSame = 0;
  let other = 0;
  let nOther = 0;
  for (let i = 0; i < P; i++) {
    for (let j = i + 1; j < P; j++) {
      const shared = groupsOf[i]!.some((g) => groupsOf[j]!.includes(g));
      const c = corr(series[i]!, series[j]!);
      if (!Number.isFinite(c)) continue;
      if (shared) {
        same += c;
        nSame++;
      } else {
        other += c;
        nOther++;
      }
    }
  }
  const s = same / Math.max(1, nSame);
  const o = other / Math.max(1, nOther);
  return { same: s, other: o, gap: s - o };
}

/** Mean over groups of the lag-1 autocorrelation of the group's mean residual return. */
export function groupPersistence(d: Daily, f: Features, membersOf: number[][]): number {
  const gm = groupMeans(d, f, membersOf);
  let s = 0;
  let n = 0;
  for (let g = 0; g < membersOf.length; g++) {
    if (membersOf[g]!.length < 3) continue;
    const a = autocorr1(gm.subarray(g * d.D, (g + 1) * d.D));
    if (Number.isFinite(a)) {
      s += a;
      n++;
    }
  }
  return s / Math.max(1, n);
}

/** Mean over days of the cross-sectional slope of y on x (per-day OLS with intercept). */
export function dailySlopes(d: Daily, x: Float64Array, y: Float64Array): Float64Array {
  const out = new Float64Array(d.D).fill(NaN);
  for (let t = 0; t < d.D; t++) {
    let n = 0;
    let sx = 0;
    let sy = 0;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < d.P; i++) {
      const a = x[i * d.D + t]!;
      const b = y[i * d.D + t]!;
      if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
      n++;
      sx += a;
      sy += b;
      sxx += a * a;
      sxy += a * b;
    }
    const v = sxx - (sx * sx) / n;
    if (n >= 5 && v > 0) out[t] = (sxy - (sx * sy) / n) / v;
  }
  return out;
}

/** Cross-sectional R² of y on the columns xs (OLS with intercept) per day, averaged. */
export function meanDailyR2(d: Daily, xs: Float64Array[], y: Float64Array): number {
  const K = xs.length + 1;
  let total = 0;
  let days = 0;
  for (let t = 0; t < d.D; t++) {
    const X: number[][] = [];
    const Y: number[] = [];
    for (let i = 0; i < d.P; i++) {
      const at = i * d.D + t;
      const row = [1, ...xs.map((x) => x[at]!)];
      if (!Number.isFinite(y[at]!) || row.some((v) => !Number.isFinite(v))) continue;
      X.push(row);
      Y.push(y[at]!);
    }
    if (X.length < K + 5) continue;
    const beta = leastSquares(X, Y);
    const my = Y.reduce((a, b) => a + b, 0) / Y.length;
    let ssr = 0;
    let sst = 0;
    for (let k = 0; k < Y.length; k++) {
      const fit = X[k]!.reduce((a, v, j) => a + v * beta[j]!, 0);
      ssr += (Y[k]! - fit) ** 2;
      sst += (Y[k]! - my) ** 2;
    }
    if (sst > 0) {
      total += 1 - ssr / sst;
      days++;
    }
  }
  return total / Math.max(1, days);
}

/** Ordinary least squares by the normal equations (small K), with a tiny ridge for stability. */
export function leastSquares(X: number[][], Y: number[]): number[] {
  const K = X[0]!.length;
  const A = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const b = new Array<number>(K).fill(0);
  for (let r = 0; r < X.length; r++) {
    const x = X[r]!;
    for (let i = 0; i < K; i++) {
      b[i]! += x[i]! * Y[r]!;
      for (let j = 0; j < K; j++) A[i]![j]! += x[i]! * x[j]!;
    }
  }
  for (let i = 0; i < K; i++) A[i]![i]! += 1e-9 * (A[i]![i]! || 1);
  // Gaussian elimination with partial pivoting.
  for (let c = 0; c < K; c++) {
    let p = c;
    for (let r = c + 1; r < K; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    [b[c], b[p]] = [b[p]!, b[c]!];
    for (let r = c + 1; r < K; r++) {
      const m = A[r]![c]! / A[c]![c]!;
      for (let j = c; j < K; j++) A[r]![j]! -= m * A[c]![j]!;
      b[r]! -= m * b[c]!;
    }
  }
  const beta = new Array<number>(K).fill(0);
  for (let r = K - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let j = r + 1; j < K; j++) s -= A[r]![j]! * beta[j]!;
    beta[r] = s / A[r]![r]!;
  }
  return beta;
}

/** Pooled R² of y on the given columns (OLS with intercept) over finite rows. */
export function pooledR2(xs: Float64Array[], y: Float64Array): number {
  const X: number[][] = [];
  const Y: number[] = [];
  for (let k = 0; k < y.length; k++) {
    const row = [1, ...xs.map((x) => x[k]!)];
    if (!Number.isFinite(y[k]!) || row.some((v) => !Number.isFinite(v))) continue;
    X.push(row);
    Y.push(y[k]!);
  }
  const beta = leastSquares(X, Y);
  const my = Y.reduce((a, b) => a + b, 0) / Y.length;
  let ssr = 0;
  let sst = 0;
  for (let k = 0; k < Y.length; k++) {
    const fit = X[k]!.reduce((a, v, j) => a + v * beta[j]!, 0);
    ssr += (Y[k]! - fit) ** 2;
    sst += (Y[k]! - my) ** 2;
  }
  return 1 - ssr / sst;
}

/** Residuals of y after a pooled OLS on the controls (with intercept), over rows where all are finite. */
function residualize(y: ArrayLike<number>, controls: ArrayLike<number>[], rowsUsed: number[]): Float64Array {
  const X = rowsUsed.map((k) => [1, ...controls.map((c) => c[k]!)]);
  const Y = rowsUsed.map((k) => y[k]!);
  const beta = leastSquares(X, Y);
  return Float64Array.from(rowsUsed, (k, r) => Y[r]! - X[r]!.reduce((a, v, j) => a + v * beta[j]!, 0));
}

/** Partial correlation of x and y given the controls (pooled OLS residuals), over rows passing the mask. */
export function partialCorr(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  controls: ArrayLike<number>[],
  mask?: (k: number) => boolean,
): number {
  const used: number[] = [];
  for (let k = 0; k < x.length; k++) {
    if (mask && !mask(k)) continue;
    if (!Number.isFinite(x[k]!) || !Number.isFinite(y[k]!) || controls.some((c) => !Number.isFinite(c[k]!))) continue;
    used.push(k);
  }
  return corr(residualize(x, controls, used), residualize(y, controls, used));
}

/** Pooled OLS coefficients of y on the columns (intercept first) over rows passing the mask. */
export function pooledCoefficients(xs: ArrayLike<number>[], y: ArrayLike<number>, mask?: (k: number) => boolean): number[] {
  const X: number[][] = [];
  const Y: number[] = [];
  for (let k = 0; k < y.length; k++) {
    if (mask && !mask(k)) continue;
    const row = [1, ...xs.map((x) => x[k]!)];
    if (!Number.isFinite(y[k]!) || row.some((v) => !Number.isFinite(v))) continue;
    X.push(row);
    Y.push(y[k]!);
  }
  return leastSquares(X, Y);
}
