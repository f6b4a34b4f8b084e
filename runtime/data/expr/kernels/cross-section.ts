// Cross-sectional kernels (Quiver additions; Qlib has these only as
// processors): cs_rank, cs_zscore, cs_demean(x, group?), cs_mean(x, group?).
//
// Per day, over the instruments that are members that day (Layout.universe,
// all when absent) and whose value is not NaN:
//   cs_rank   average-tie rank / count, in (0, 1]
//   cs_zscore (x - mean) / std with ddof = 1 (NaN with fewer than 2 values
//             or zero spread; ±inf makes the day NaN)
//   cs_demean x - mean of the instrument's group that day (group = value of
//             the group series, NaN group → NaN), or of all members.
//   cs_mean   the mean of x over the instrument's group that day (or over
//             all members), given to every member — also one whose own x
//             is NaN (a daily aggregate every stock of the day shares);
//             NaN group → NaN, a group with no values → NaN.
// Everything else is NaN. Outputs are equivariant under permutations of the
// instruments (ties are broken by value only).

import type { Layout } from './layout.js';

function gather(L: Layout, x: Float64Array, t: number, idx: Int32Array): number {
  const { nI, nD, universe } = L;
  let m = 0;
  for (let i = 0; i < nI; i++) {
    const k = i * nD + t;
    if (universe && universe[k] === 0) continue;
    const v = x[k]!;
    if (v === v) idx[m++] = i;
  }
  return m;
}

export function csRankKernel(L: Layout, out: Float64Array, ins: Float64Array[]): void {
  const { nI, nD } = L;
  const x = ins[0]!;
  const idx = new Int32Array(nI);
  const vals = new Float64Array(nI);
  out.fill(NaN);
  for (let t = 0; t < nD; t++) {
    const m = gather(L, x, t, idx);
    if (m === 0) continue;
    for (let k = 0; k < m; k++) vals[k] = x[idx[k]! * nD + t]!;
    const sorted = vals.subarray(0, m).sort();
    for (let k = 0; k < m; k++) {
      const v = x[idx[k]! * nD + t]!;
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! < v) lo = mid + 1;
        else hi = mid;
      }
      let up = lo;
      hi = m;
      while (up < hi) {
        const mid = (up + hi) >> 1;
        if (sorted[mid]! <= v) up = mid + 1;
        else hi = mid;
      }
      out[idx[k]! * nD + t] = (lo + up + 1) / 2 / m;
    }
  }
}

export function csZscoreKernel(L: Layout, out: Float64Array, ins: Float64Array[]): void {
  const { nI, nD } = L;
  const x = ins[0]!;
  const idx = new Int32Array(nI);
  const vals = new Float64Array(nI);
  out.fill(NaN);
  for (let t = 0; t < nD; t++) {
    const m = gather(L, x, t, idx);
    if (m < 2) continue;
    // Sum in sorted order so the result does not depend on instrument order.
    for (let k = 0; k < m; k++) vals[k] = x[idx[k]! * nD + t]!;
    const sorted = vals.subarray(0, m).sort();
    let sum = 0;
    for (let k = 0; k < m; k++) sum += sorted[k]!;
    const mean = sum / m;
    let ss = 0;
    for (let k = 0; k < m; k++) {
      const d = sorted[k]! - mean;
      ss += d * d;
    }
    const sd = Math.sqrt(ss / (m - 1));
    for (let k = 0; k < m; k++) {
      const j = idx[k]! * nD + t;
      out[j] = (x[j]! - mean) / sd;
    }
  }
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function csDemeanKernel(L: Layout, out: Float64Array, ins: Float64Array[]): void {
  const { nI, nD } = L;
  const x = ins[0]!;
  const g = ins[1];
  const idx = new Int32Array(nI);
  const order: number[] = [];
  const means = new Map<number, number>();
  out.fill(NaN);
  for (let t = 0; t < nD; t++) {
    groupMeans(L, x, g, t, idx, order, means);
    for (const j of order) out[j] = x[j]! - means.get(g ? g[j]! : 0)!;
  }
}

/**
 * Group means of day t: `order` gets the members with a value (and a group),
 * sorted by (group, value) so that sums do not depend on the instruments'
 * order; `means` maps each group key (0 without groups) to its mean.
 */
function groupMeans(L: Layout, x: Float64Array, g: Float64Array | undefined, t: number, idx: Int32Array, order: number[], means: Map<number, number>): void {
  const m = gather(L, x, t, idx);
  const nD = L.nD;
  order.length = 0;
  for (let k = 0; k < m; k++) {
    const j = idx[k]! * nD + t;
    if (!g || g[j] === g[j]) order.push(j);
  }
  const key = (j: number): number => (g ? g[j]! : 0);
  order.sort((p, q) => cmp(key(p), key(q)) || cmp(x[p]!, x[q]!));
  means.clear();
  for (let a = 0; a < order.length; ) {
    const k0 = key(order[a]!);
    let b = a;
    let sum = 0;
    while (b < order.length && key(order[b]!) === k0) sum += x[order[b++]!]!;
    means.set(k0, sum / (b - a));
    a = b;
  }
}

export function csMeanKernel(L: Layout, out: Float64Array, ins: Float64Array[]): void {
  const { nI, nD, universe } = L;
  const x = ins[0]!;
  const g = ins[1];
  const idx = new Int32Array(nI);
  const order: number[] = [];
  const means = new Map<number, number>();
  out.fill(NaN);
  for (let t = 0; t < nD; t++) {
    groupMeans(L, x, g, t, idx, order, means);
    if (!means.size) continue;
    for (let i = 0; i < nI; i++) {
      const j = i * nD + t;
      if (universe && universe[j] === 0) continue;
      const key = g ? g[j]! : 0;
      if (key !== key) continue;
      const v = means.get(key);
      if (v !== undefined) out[j] = v;
    }
  }
}
