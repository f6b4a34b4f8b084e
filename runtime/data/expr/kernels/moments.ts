// Rolling and expanding moment kernels: Sum, Mean, Count, Var, Std, Skew, Kurt,
// and the exponentially weighted mean (`_ewm`, pandas ewm(adjust=True)).
//
// Semantics (pandas rolling, min_periods=1): NaN values are skipped but keep
// their slot; a window with no value gives NaN (Count gives 0); Var/Std use
// ddof=1 (NaN with one value); Skew needs 3 values, Kurt 4; a window whose
// values are all equal gives exactly 0 variance, 0 skew, -3 kurtosis (pandas'
// rule); Skew/Kurt are NaN when the population variance is <= 1e-14. A window
// holding ±inf gives the IEEE sum/mean of its values and NaN for higher
// moments.
//
// Method: O(1) sliding sums of (x - c)^k with a shift c re-centred on the
// window mean at every re-summation; the window is re-summed exactly every
// max(N, 64) steps (amortised O(1)), which bounds drift, and at once when the
// window's spread becomes tiny next to the mass that went through the sums
// (cancellation guard). Equal windows are detected exactly with the "latest
// change point" index.

import type { Layout } from './layout.js';

export const MOMENT_KINDS = ['Sum', 'Mean', 'Var', 'Std', 'Skew', 'Kurt'] as const;
export type MomentKind = (typeof MOMENT_KINDS)[number];

const K_SUM = 0;
const K_MEAN = 1;
const K_VAR = 2;
const K_STD = 3;
const K_SKEW = 4; // K_KURT = 5 is the switch's default branch

export function momentKernel(kind: MomentKind): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  const k = MOMENT_KINDS.indexOf(kind);
  return (L, out, ins, params) => rollMoments(L, out, ins[0]!, params[0]!, k);
}

function rollMoments(L: Layout, out: Float64Array, x: Float64Array, N: number, kind: number): void {
  const { nI, nD, starts } = L;
  const order = kind <= K_MEAN ? 1 : kind <= K_STD ? 2 : kind === K_SKEW ? 3 : 4;
  // Re-sum when the centred second moment falls below this share of the mass
  // that went through the sums (higher moments amplify cancellation more).
  const guard = order === 2 ? 1e-8 : order === 3 ? 1e-4 : 1e-3;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let n = 0;
    let nInf = 0;
    let c = NaN;
    let S1 = 0;
    let S2 = 0;
    let S3 = 0;
    let S4 = 0;
    let lastPrev = -1; // predecessor index of the latest change point
    let prevIdx = -1; // latest non-NaN index
    let since = 0;
    let mag = 0; // Σ d² that went through S2 since the last re-summation
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      if (v === v) {
        if (prevIdx >= 0 && x[base + prevIdx] !== v) lastPrev = prevIdx;
        prevIdx = t;
        n++;
        if (v - v !== 0) nInf++;
        else {
          if (c !== c) c = v;
          const d = v - c;
          S1 += d;
          if (order >= 2) {
            const d2 = d * d;
            S2 += d2;
            mag += d2;
            if (order >= 3) {
              S3 += d2 * d;
              if (order >= 4) S4 += d2 * d2;
            }
          }
        }
      }
      let a = s;
      if (N > 0) {
        a = t - N + 1;
        if (a > s) {
          const o = x[base + a - 1]!;
          if (o === o) {
            n--;
            if (o - o !== 0) nInf--;
            else {
              const d = o - c;
              S1 -= d;
              if (order >= 2) {
                const d2 = d * d;
                S2 -= d2;
                mag += d2;
                if (order >= 3) {
                  S3 -= d2 * d;
                  if (order >= 4) S4 -= d2 * d2;
                }
              }
            }
          }
        } else a = s;
      }
      // Cancellation guard: when the window's spread is tiny next to what went
      // through the sums (a large value just left), the running sums have lost
      // the digits that matter; re-sum exactly.
      const lost = order >= 2 && n >= 2 && nInf === 0 && lastPrev >= a && S2 - (S1 * S1) / n < guard * mag;
      if (++since >= (N > 0 ? Math.max(N, 64) : Math.max(64, t - s + 1)) || lost) {
        since = 0;
        // Exact re-summation, re-centred on the window mean of finite values.
        let m = 0;
        let f = 0;
        for (let u = a; u <= t; u++) {
          const w = x[base + u]!;
          if (w - w === 0) {
            m += w;
            f++;
          }
        }
        c = f > 0 ? m / f : NaN;
        S1 = S2 = S3 = S4 = 0;
        if (f > 0) {
          for (let u = a; u <= t; u++) {
            const w = x[base + u]!;
            if (w - w === 0) {
              const d = w - c;
              S1 += d;
              const d2 = d * d;
              S2 += d2;
              S3 += d2 * d;
              S4 += d2 * d2;
            }
          }
        }
        mag = S2;
      }
      let r: number;
      if (n === 0) r = NaN;
      else if (nInf > 0) r = kind <= K_MEAN ? ieeeSum(x, base + a, base + t, kind === K_MEAN) : NaN;
      else {
        const equal = lastPrev < a;
        switch (kind) {
          case K_SUM:
            r = equal ? x[base + prevIdx]! * n : c * n + S1;
            break;
          case K_MEAN:
            r = equal ? x[base + prevIdx]! : c + S1 / n;
            break;
          case K_VAR:
          case K_STD: {
            if (n < 2) r = NaN;
            else if (equal) r = 0;
            else {
              let v = (S2 - (S1 * S1) / n) / (n - 1);
              if (v < 0) v = 0;
              r = kind === K_STD ? Math.sqrt(v) : v;
            }
            break;
          }
          case K_SKEW: {
            if (n < 3) r = NaN;
            else if (equal) r = 0;
            else {
              const A = S1 / n;
              const B = S2 / n - A * A;
              if (B <= 1e-14) r = NaN;
              else {
                const C = S3 / n - 3 * A * (S2 / n) + 2 * A * A * A;
                const R = Math.sqrt(B);
                r = (Math.sqrt(n * (n - 1)) * C) / ((n - 2) * R * R * R);
              }
            }
            break;
          }
          default: {
            if (n < 4) r = NaN;
            else if (equal) r = -3;
            else {
              const A = S1 / n;
              const B = S2 / n - A * A;
              if (B <= 1e-14) r = NaN;
              else {
                const A2 = A * A;
                const D = S4 / n - 4 * A * (S3 / n) + 6 * A2 * (S2 / n) - 3 * A2 * A2;
                const K = ((n * n - 1) * D) / (B * B) - 3 * (n - 1) * (n - 1);
                r = K / ((n - 2) * (n - 3));
              }
            }
          }
        }
      }
      out[base + t] = r;
    }
  }
}

/** Sum (or mean) of the non-NaN values in [lo, hi] in plain IEEE arithmetic (used when ±inf is present). */
function ieeeSum(x: Float64Array, lo: number, hi: number, mean: boolean): number {
  let sum = 0;
  let n = 0;
  for (let k = lo; k <= hi; k++) {
    const v = x[k]!;
    if (v === v) {
      sum += v;
      n++;
    }
  }
  return mean ? sum / n : sum;
}

/** Count(x, N): non-NaN values in the window (0 when none). */
export function countKernel(L: Layout, out: Float64Array, ins: Float64Array[], params: number[]): void {
  const { nI, nD, starts } = L;
  const x = ins[0]!;
  const N = params[0]!;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let n = 0;
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      if (v === v) n++;
      if (N > 0 && t - N >= s) {
        const o = x[base + t - N]!;
        if (o === o) n--;
      }
      out[base + t] = n;
    }
  }
}

/**
 * pandas `ewm(alpha, adjust=True, ignore_na=False, min_periods=1).mean()`:
 * NaN inputs keep decaying the old weight and repeat the previous value.
 */
export function ewmKernel(L: Layout, out: Float64Array, ins: Float64Array[], params: number[]): void {
  const { nI, nD, starts } = L;
  const x = ins[0]!;
  const decay = 1 - params[0]!;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    let weighted = NaN;
    let oldWt = 1;
    for (let t = starts[i]!; t < nD; t++) {
      const cur = x[base + t]!;
      if (weighted === weighted) {
        oldWt *= decay;
        if (cur === cur) {
          if (weighted !== cur) weighted = (oldWt * weighted + cur) / (oldWt + 1);
          oldWt += 1;
        }
      } else if (cur === cur) weighted = cur;
      out[base + t] = weighted;
    }
  }
}
