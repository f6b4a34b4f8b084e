// Rolling extremes: Max, Min (NaN skipped) and IdxMax, IdxMin (1-based slot
// of the extreme counted from the oldest slot of the window).
//
// Method: a monotonic deque of indices per instrument (amortised O(1)); ties
// keep the older index, so the front is the oldest extreme (numpy's argmax
// picks the first). IdxMax/IdxMin in Qlib mode follow pandas
// `rolling.apply(lambda x: x.argmax() + 1)`: NaN when the window holds no
// finite value, else if any slot is NaN the position of the oldest NaN
// (numpy treats NaN as the extreme), else the extreme's position. Strict mode
// (params[1] = 1) ignores NaN slots.

import type { Layout } from './layout.js';

export function extremeKernel(max: boolean): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  return (L, out, ins, params) => {
    const { nI, nD, starts } = L;
    const x = ins[0]!;
    const N = params[0]!;
    const dq = new Int32Array(nD);
    for (let i = 0; i < nI; i++) {
      const base = i * nD;
      let head = 0;
      let tail = 0;
      for (let t = starts[i]!; t < nD; t++) {
        const v = x[base + t]!;
        if (v === v) {
          if (max) while (tail > head && x[base + dq[tail - 1]!]! < v) tail--;
          else while (tail > head && x[base + dq[tail - 1]!]! > v) tail--;
          dq[tail++] = t;
        }
        if (N > 0) while (tail > head && dq[head]! <= t - N) head++;
        out[base + t] = tail > head ? x[base + dq[head]!]! : NaN;
      }
    }
  };
}

export function idxExtremeKernel(max: boolean): (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void {
  return (L, out, ins, params) => {
    const { nI, nD, starts } = L;
    const x = ins[0]!;
    const N = params[0]!;
    const strict = params[1] === 1;
    const dq = new Int32Array(nD);
    const nanQ = new Int32Array(nD);
    for (let i = 0; i < nI; i++) {
      const base = i * nD;
      const s = starts[i]!;
      let head = 0;
      let tail = 0;
      let nh = 0;
      let nt = 0;
      let finite = 0;
      for (let t = s; t < nD; t++) {
        const v = x[base + t]!;
        if (v === v) {
          if (v - v === 0) finite++;
          if (max) while (tail > head && x[base + dq[tail - 1]!]! < v) tail--;
          else while (tail > head && x[base + dq[tail - 1]!]! > v) tail--;
          dq[tail++] = t;
        } else nanQ[nt++] = t;
        let a = s;
        if (N > 0 && t - N + 1 > s) {
          a = t - N + 1;
          const o = x[base + a - 1]!;
          if (o - o === 0) finite--;
          while (tail > head && dq[head]! < a) head++;
          while (nt > nh && nanQ[nh]! < a) nh++;
        }
        let r: number;
        if (strict) r = tail > head ? dq[head]! - a + 1 : NaN;
        else if (finite === 0) r = NaN;
        else if (nt > nh) r = nanQ[nh]! - a + 1;
        else r = dq[head]! - a + 1;
        out[base + t] = r;
      }
    }
  };
}
