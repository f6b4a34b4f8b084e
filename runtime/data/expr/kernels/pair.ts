// Rolling pair statistics: Cov and the raw correlation `_corr`.
//
// Semantics (pandas rolling corr/cov between two series, min_periods=1):
// only days where both values are present count (pandas masks each series
// with the other's NaN); ddof = 1, so fewer than 2 pairs → NaN. A window
// holding a pair with ±inf → NaN. When either side's paired values are all
// equal, Cov is exactly 0 and the correlation NaN (pandas divides by a zero
// variance). Qlib's extra rule (Corr NaN where either raw Std <= 2e-5) is a
// separate `_maskstd` node added by the DAG builder.
//
// Method: O(1) sliding centred sums, re-summed every max(N, 64) steps and
// whenever cancellation threatens (see moments.ts).

import type { Layout } from './layout.js';

export function pairKernel(corr: boolean): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  return (L, out, ins, params) => rollPair(L, out, ins[0]!, ins[1]!, params[0]!, corr);
}

function rollPair(L: Layout, out: Float64Array, X: Float64Array, Y: Float64Array, N: number, corr: boolean): void {
  const { nI, nD, starts } = L;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let n = 0;
    let nInf = 0;
    let cx = NaN;
    let cy = NaN;
    let Sx = 0;
    let Sy = 0;
    let Sxx = 0;
    let Syy = 0;
    let Sxy = 0;
    // Change-point tracking over the paired subsequence, per side.
    let prev = -1;
    let lastPrevX = -1;
    let lastPrevY = -1;
    let since = 0;
    let magX = 0; // Σ dx², Σ dy² that went through the sums since the last re-summation
    let magY = 0;
    for (let t = s; t < nD; t++) {
      const x = X[base + t]!;
      const y = Y[base + t]!;
      if (x === x && y === y) {
        if (prev >= 0) {
          if (X[base + prev] !== x) lastPrevX = prev;
          if (Y[base + prev] !== y) lastPrevY = prev;
        }
        prev = t;
        if (x - x !== 0 || y - y !== 0) nInf++;
        else {
          if (cx !== cx) {
            cx = x;
            cy = y;
          }
          const dx = x - cx;
          const dy = y - cy;
          n++;
          Sx += dx;
          Sy += dy;
          Sxx += dx * dx;
          Syy += dy * dy;
          Sxy += dx * dy;
          magX += dx * dx;
          magY += dy * dy;
        }
      }
      let a = s;
      if (N > 0 && t - N + 1 > s) {
        a = t - N + 1;
        const ox = X[base + a - 1]!;
        const oy = Y[base + a - 1]!;
        if (ox === ox && oy === oy) {
          if (ox - ox !== 0 || oy - oy !== 0) nInf--;
          else {
            const dx = ox - cx;
            const dy = oy - cy;
            n--;
            Sx -= dx;
            Sy -= dy;
            Sxx -= dx * dx;
            Syy -= dy * dy;
            Sxy -= dx * dy;
            magX += dx * dx;
            magY += dy * dy;
          }
        }
      }
      // Cancellation guard (see moments.ts).
      const lost =
        n >= 2 &&
        lastPrevX >= a &&
        lastPrevY >= a &&
        (Sxx - (Sx * Sx) / n < 1e-8 * magX || Syy - (Sy * Sy) / n < 1e-8 * magY);
      if (++since >= (N > 0 ? Math.max(N, 64) : Math.max(64, t - s + 1)) || lost) {
        since = 0;
        let mx = 0;
        let my = 0;
        let f = 0;
        for (let u = a; u <= t; u++) {
          const p = X[base + u]!;
          const q = Y[base + u]!;
          if (p - p === 0 && q - q === 0) {
            mx += p;
            my += q;
            f++;
          }
        }
        cx = f > 0 ? mx / f : NaN;
        cy = f > 0 ? my / f : NaN;
        n = 0;
        Sx = Sy = Sxx = Syy = Sxy = 0;
        for (let u = a; u <= t; u++) {
          const p = X[base + u]!;
          const q = Y[base + u]!;
          if (p - p === 0 && q - q === 0) {
            const dx = p - cx;
            const dy = q - cy;
            n++;
            Sx += dx;
            Sy += dy;
            Sxx += dx * dx;
            Syy += dy * dy;
            Sxy += dx * dy;
          }
        }
        magX = Sxx;
        magY = Syy;
      }
      let r: number;
      if (nInf > 0 || n < 2) r = NaN;
      else {
        const equal = lastPrevX < a || lastPrevY < a;
        const cov = Sxy - (Sx * Sy) / n;
        if (!corr) r = equal ? 0 : cov / (n - 1);
        else if (equal) r = NaN;
        else {
          const vx = Sxx - (Sx * Sx) / n;
          const vy = Syy - (Sy * Sy) / n;
          r = vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN;
        }
      }
      out[base + t] = r;
    }
  }
}
