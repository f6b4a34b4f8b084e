// Rolling regression of x on time: Slope, Rsquare (`_rsq`, unmasked), Resi.
//
// Semantics (Qlib's rolling.pyx, restated): inside the window [a, t] the
// non-NaN values are regressed on their day positions (NaN slots skipped, so
// positions keep their gaps); Slope is the OLS slope, Rsquare the squared
// correlation, Resi the latest value minus the fitted line at t (NaN when
// the latest value is NaN). Fewer than 2 values → NaN; equal values →
// Slope 0, Resi 0, Rsquare NaN (0/0). A window holding ±inf → NaN.
// Qlib's extra Rsquare rule (NaN where Std(x, N) <= 2e-5) is a separate
// `_maskstd` node added by the DAG builder.
//
// Method: O(1) sliding sums with positions relative to t (exact integers for
// Σr, Σr²) and values shifted by c, re-summed and re-centred every max(N, 64)
// steps.

import type { Layout } from './layout.js';

export type RegressionKind = 'Slope' | '_rsq' | 'Resi';

export function regressionKernel(kind: RegressionKind): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  const k = kind === 'Slope' ? 0 : kind === '_rsq' ? 1 : 2;
  return (L, out, ins, params) => rollRegression(L, out, ins[0]!, params[0]!, k);
}

function rollRegression(L: Layout, out: Float64Array, x: Float64Array, N: number, kind: number): void {
  const { nI, nD, starts } = L;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let n = 0;
    let nInf = 0;
    let c = NaN;
    let Sr = 0;
    let Srr = 0;
    let Sy = 0;
    let Syy = 0;
    let Sry = 0;
    let lastPrev = -1;
    let prevIdx = -1;
    let since = 0;
    let mag = 0; // Σ d² that went through Syy since the last re-summation
    for (let t = s; t < nD; t++) {
      // Every position moves one step further into the past.
      if (t > s) {
        Srr += n - 2 * Sr;
        Sr -= n;
        Sry -= Sy;
      }
      const v = x[base + t]!;
      if (v === v) {
        if (prevIdx >= 0 && x[base + prevIdx] !== v) lastPrev = prevIdx;
        prevIdx = t;
        if (v - v !== 0) nInf++;
        else {
          if (c !== c) c = v;
          const d = v - c;
          n++;
          Sy += d;
          Syy += d * d;
          mag += d * d;
        }
      }
      let a = s;
      if (N > 0 && t - N + 1 > s) {
        a = t - N + 1;
        const o = x[base + a - 1]!;
        if (o === o) {
          if (o - o !== 0) nInf--;
          else {
            const d = o - c;
            n--;
            Sr += N;
            Srr -= N * N;
            Sy -= d;
            Syy -= d * d;
            Sry += N * d;
            mag += d * d;
          }
        }
      }
      // Cancellation guard (see moments.ts): re-sum when the spread is tiny next to what went through.
      const lost = n >= 2 && lastPrev >= a && Syy - (Sy * Sy) / n < 1e-8 * mag;
      if (++since >= (N > 0 ? Math.max(N, 64) : Math.max(64, t - s + 1)) || lost) {
        since = 0;
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
        n = 0;
        Sr = Srr = Sy = Syy = Sry = 0;
        for (let u = a; u <= t; u++) {
          const w = x[base + u]!;
          if (w - w === 0) {
            const r = u - t;
            const d = w - c;
            n++;
            Sr += r;
            Srr += r * r;
            Sy += d;
            Syy += d * d;
            Sry += r * d;
          }
        }
        mag = Syy;
      }
      let r: number;
      if (nInf > 0 || n < 2) r = NaN;
      else {
        const equal = lastPrev < a;
        const vr = n * Srr - Sr * Sr;
        const cry = equal ? 0 : n * Sry - Sr * Sy;
        if (kind === 0) r = cry / vr;
        else if (kind === 1) {
          const vy = n * Syy - Sy * Sy;
          r = equal || vy <= 0 ? NaN : (cry * cry) / (vr * vy);
        } else if (v !== v) r = NaN;
        else if (equal) r = 0;
        else {
          const slope = cry / vr;
          r = v - c - Sy / n + (slope * Sr) / n;
        }
      }
      out[base + t] = r;
    }
  }
}
