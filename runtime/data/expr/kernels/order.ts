// Order-statistic kernels: Med, Quantile, Rank, Mad.
//
// Semantics (pandas rolling, min_periods=1, NaN skipped): Med = median
// (mean of the two middle values); Quantile(q) = linear interpolation at
// q·(n-1); Rank = average-tie rank of the latest value among the window's
// values divided by their count (NaN if the latest value is NaN); Mad = mean
// |x - mean| over the window's non-NaN values (Qlib's rolling.apply: NaN when
// the window holds no finite value; ±inf makes it NaN).
//
// Method: windows up to SMALL slots keep a sorted copy of the window
// (binary search, then the outgoing slot slides to the incoming value's
// place: O(log N + distance) with a tiny constant); expanding and
// larger windows use a Fenwick tree over the instrument's rank-compressed
// values (count and sum per rank, O(log n) insert / delete / select).

import type { Layout } from './layout.js';

const SMALL = 256;

export type OrderKind = 'Med' | 'Quantile' | 'Rank' | 'Mad';

export function orderKernel(kind: OrderKind): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  return (L, out, ins, params) => {
    const N = params[0]!;
    const q = kind === 'Med' ? 0.5 : (params[1] ?? 0.5);
    if (N > 0 && N <= SMALL) {
      if (kind === 'Mad') madDirect(L, out, ins[0]!, N);
      else sortedWindow(L, out, ins[0]!, N, kind, q);
    } else fenwickWindow(L, out, ins[0]!, N, kind, q);
  };
}

function lowerBound(buf: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buf[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(buf: Float64Array, n: number, v: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (buf[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function quantileOf(get: (k: number) => number, n: number, q: number, median: boolean): number {
  if (median) {
    if (n & 1) return get((n - 1) >> 1);
    return (get(n / 2 - 1) + get(n / 2)) / 2;
  }
  const idx = q * (n - 1);
  const lo = Math.floor(idx);
  const vlo = get(lo);
  if (idx === lo) return vlo;
  return vlo + (get(lo + 1) - vlo) * (idx - lo);
}

function sortedWindow(L: Layout, out: Float64Array, x: Float64Array, N: number, kind: OrderKind, q: number): void {
  const { nI, nD, starts } = L;
  const buf = new Float64Array(N);
  const median = kind === 'Med';
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    let n = 0;
    for (let t = s; t < nD; t++) {
      const o = t - N >= s ? x[base + t - N]! : NaN;
      const v = x[base + t]!;
      let p = -1; // v's slot after the update
      if (o === o && v === v) {
        // Replace o by v: open a hole at o's slot and slide it to v's place.
        p = lowerBound(buf, n, o);
        while (p + 1 < n && buf[p + 1]! < v) {
          buf[p] = buf[p + 1]!;
          p++;
        }
        while (p > 0 && buf[p - 1]! > v) {
          buf[p] = buf[p - 1]!;
          p--;
        }
        buf[p] = v;
      } else if (o === o) {
        for (let q = lowerBound(buf, n, o); q < n - 1; q++) buf[q] = buf[q + 1]!;
        n--;
      } else if (v === v) {
        p = n;
        while (p > 0 && buf[p - 1]! > v) {
          buf[p] = buf[p - 1]!;
          p--;
        }
        buf[p] = v;
        n++;
      }
      let r: number;
      if (n === 0) r = NaN;
      else if (kind === 'Rank') {
        if (p < 0) r = NaN;
        else {
          // The sorted window is ordered around p; only ties need a scan.
          let lo = p;
          while (lo > 0 && buf[lo - 1]! === v) lo--;
          let hi = p + 1;
          while (hi < n && buf[hi]! === v) hi++;
          r = (lo + hi + 1) / 2 / n;
        }
      } else if (median) r = n & 1 ? buf[(n - 1) >> 1]! : (buf[n / 2 - 1]! + buf[n / 2]!) / 2;
      else {
        const idx = q * (n - 1);
        const lo = Math.floor(idx);
        const vlo = buf[lo]!;
        r = idx === lo ? vlo : vlo + (buf[lo + 1]! - vlo) * (idx - lo);
      }
      out[base + t] = r;
    }
  }
}

function madDirect(L: Layout, out: Float64Array, x: Float64Array, N: number): void {
  const { nI, nD, starts } = L;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    for (let t = s; t < nD; t++) {
      const a = Math.max(s, t - N + 1);
      let sum = 0;
      let n = 0;
      let finite = 0;
      for (let u = a; u <= t; u++) {
        const v = x[base + u]!;
        if (v === v) {
          sum += v;
          n++;
          if (v - v === 0) finite++;
        }
      }
      if (finite === 0) {
        out[base + t] = NaN;
        continue;
      }
      const m = sum / n;
      let dev = 0;
      for (let u = a; u <= t; u++) {
        const v = x[base + u]!;
        if (v === v) dev += Math.abs(v - m);
      }
      out[base + t] = dev / n;
    }
  }
}

/** Fenwick tree over ranks 1..U: counts and sums of finite values. */
function fenwickWindow(L: Layout, out: Float64Array, x: Float64Array, N: number, kind: OrderKind, q: number): void {
  const { nI, nD, starts } = L;
  const vals = new Float64Array(nD);
  const rankOf = new Int32Array(nD);
  const cnt = new Int32Array(nD + 1);
  const sum = new Float64Array(nD + 1);
  const median = kind === 'Med';
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    // Rank-compress this instrument's values.
    let m = 0;
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      if (v === v) vals[m++] = v;
    }
    const sorted = vals.subarray(0, m).sort();
    let U = 0;
    for (let k = 0; k < m; k++) if (U === 0 || sorted[k]! !== sorted[U - 1]!) sorted[U++] = sorted[k]!;
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      rankOf[t] = v === v ? lowerBound(sorted, U, v) + 1 : 0;
    }
    cnt.fill(0, 0, U + 1);
    sum.fill(0, 0, U + 1);
    let LOG = 1;
    while (LOG * 2 <= U) LOG *= 2;
    const update = (r: number, dc: number, dv: number): void => {
      for (let k = r; k <= U; k += k & -k) {
        cnt[k] += dc;
        sum[k] += dv;
      }
    };
    const prefixCount = (r: number): number => {
      let c = 0;
      for (let k = r; k > 0; k -= k & -k) c += cnt[k]!;
      return c;
    };
    const prefixSum = (r: number): number => {
      let c = 0;
      for (let k = r; k > 0; k -= k & -k) c += sum[k]!;
      return c;
    };
    // Value of the k-th smallest (0-based).
    const select = (k: number): number => {
      let pos = 0;
      let rem = k + 1;
      for (let step = LOG; step > 0; step >>= 1) {
        const nxt = pos + step;
        if (nxt <= U && cnt[nxt]! < rem) {
          pos = nxt;
          rem -= cnt[nxt]!;
        }
      }
      return sorted[pos]!;
    };
    let n = 0;
    let nInf = 0;
    let total = 0;
    for (let t = s; t < nD; t++) {
      const v = x[base + t]!;
      if (v === v) {
        const fin = v - v === 0;
        update(rankOf[t]!, 1, fin ? v : 0);
        n++;
        if (fin) total += v;
        else nInf++;
      }
      if (N > 0 && t - N >= s) {
        const o = x[base + t - N]!;
        if (o === o) {
          const fin = o - o === 0;
          update(rankOf[t - N]!, -1, fin ? -o : 0);
          n--;
          if (fin) total -= o;
          else nInf--;
        }
      }
      let r: number;
      if (n === 0) r = NaN;
      else if (kind === 'Rank') {
        if (v !== v) r = NaN;
        else {
          const rk = rankOf[t]!;
          r = (prefixCount(rk - 1) + prefixCount(rk) + 1) / 2 / n;
        }
      } else if (kind === 'Mad') {
        if (nInf > 0) r = NaN;
        else {
          const mean = total / n;
          const j = upperBound(sorted, U, mean); // ranks 1..j hold values <= mean
          const cLe = prefixCount(j);
          const sLe = prefixSum(j);
          r = (total - 2 * sLe + mean * (2 * cLe - n)) / n;
          if (r < 0) r = 0;
        }
      } else r = quantileOf(select, n, q, median);
      out[base + t] = r;
    }
  }
}
