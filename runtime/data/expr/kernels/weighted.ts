// Weighted windows: WMA and the expanding EMA quirk (`_ema0`).
//
// WMA(x, N), Qlib mode: the window's L slots (L = N, shorter at the start)
// get weights 1..L (oldest 1), normalised to sum 1; the result is numpy's
// nanmean of w·x, i.e. Σ w·x over non-NaN slots divided by their count —
// Qlib's extra 1/count. Strict mode (params[1] = 1): Σ w·x / Σ w over the
// non-NaN slots (a true weighted mean). NaN when the window holds no finite
// value (pandas rolling.apply). A window holding ±inf is evaluated directly.
// Method: O(1) sliding sums Σx and Σ(k - t)·x, re-summed every max(N, 64) steps.
//
// `_ema0` (EMA(x, 0), Qlib): at day t the whole history s..t (L slots) is
// weighted by a^(t-k) with a = 1 - 2/(1+L), normalised over all L slots
// (NaN slots included), and nansum'd. The weights change with L, so this is
// O(L) per day (O(n²) per instrument); documented in docs/expressions.md.

import type { Layout } from './layout.js';

export function wmaKernel(L: Layout, out: Float64Array, ins: Float64Array[], params: number[]): void {
  const { nI, nD, starts } = L;
  const x = ins[0]!;
  const N = params[0]!;
  const strict = params[1] === 1;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let S = 0; // Σ x over finite values
    let P = 0; // Σ (k - t)·x over finite values
    let W = 0; // Σ (k - t) over non-NaN slots
    let cnt = 0; // non-NaN values
    let fin = 0; // finite values
    let since = 0;
    for (let t = s; t < nD; t++) {
      if (t > s) {
        P -= S;
        W -= cnt;
      }
      const v = x[base + t]!;
      if (v === v) {
        cnt++;
        if (v - v === 0) {
          fin++;
          S += v;
        }
      }
      let a = s;
      if (N > 0 && t - N + 1 > s) {
        a = t - N + 1;
        const o = x[base + a - 1]!;
        if (o === o) {
          cnt--;
          W += N;
          if (o - o === 0) {
            fin--;
            S -= o;
            P += N * o;
          }
        }
      }
      if (++since >= (N > 0 ? Math.max(N, 64) : Math.max(64, t - s + 1))) {
        since = 0;
        S = P = W = 0;
        for (let u = a; u <= t; u++) {
          const w = x[base + u]!;
          if (w === w) {
            W += u - t;
            if (w - w === 0) {
              S += w;
              P += (u - t) * w;
            }
          }
        }
      }
      const len = t - a + 1;
      let r: number;
      if (fin === 0) r = NaN;
      else if (fin < cnt) r = wmaDirect(x, base, a, t, strict);
      else if (strict) r = (P + len * S) / (W + len * cnt);
      else r = (P + len * S) / ((len * (len + 1)) / 2) / cnt;
      out[base + t] = r;
    }
  }
}

function wmaDirect(x: Float64Array, base: number, a: number, t: number, strict: boolean): number {
  const len = t - a + 1;
  const total = (len * (len + 1)) / 2;
  let acc = 0;
  let wsum = 0;
  let cnt = 0;
  for (let u = a; u <= t; u++) {
    const v = x[base + u]!;
    if (v === v) {
      const w = u - a + 1;
      acc += strict ? w * v : (w / total) * v;
      wsum += w;
      cnt++;
    }
  }
  return strict ? acc / wsum : acc / cnt;
}

export function ema0Kernel(L: Layout, out: Float64Array, ins: Float64Array[]): void {
  const { nI, nD, starts } = L;
  const x = ins[0]!;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let fin = 0;
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      if (v - v === 0) fin++;
      if (fin === 0) {
        out[base + t] = NaN;
        continue;
      }
      const len = t - s + 1;
      const decay = 1 - 2 / (1 + len);
      let p = 1;
      let wsum = 0;
      let acc = 0;
      for (let u = t; u >= s; u--) {
        wsum += p;
        const pw = p * x[base + u]!;
        if (pw === pw) acc += pw;
        p *= decay;
      }
      out[base + t] = acc / wsum;
    }
  }
}
