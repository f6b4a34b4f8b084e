// Point-in-time index membership and the cap-weighted index series of the
// synthetic market.
//
// Membership: on day 0 the `members` largest listed stocks; then at every
// first trading day of January and July, stocks listed for at least 60
// trading days are ranked by their mean cap over the last 60 trading days;
// members ranked within 1.1 × members stay (a buffer, as real indices have),
// and the highest-ranked non-members fill the rest. So the index has exactly
// `members` stocks every day, churns as caps drift, and a stock can leave and
// re-enter (several spans).
//
// Index (code SH000300): day 0 at 5000; afterwards the close moves by the
// cap-weighted (previous close's cap) mean close-to-close return of the day's
// members that traded on both days; open/high/low/vwap use the same weights
// on each member's open/high/low/vwap relative to its previous close, so the
// index bar is OHLC-consistent. Volume and cap are sums over traded members.
//
// Guarantees: spans are disjoint per stock, sorted, inclusive of both ends,
// and cover the calendar; the index has a row (non-NULL) on every day.

import type { Bars } from './simulate.js';
import type { Structure } from './structure.js';

export interface Spans {
  stock: Int32Array;
  start: Int32Array;
  end: Int32Array;
}

export interface IndexSeries {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  vwap: Float64Array;
  volume: Float64Array;
  cap: Float64Array;
}

/** Members ranked below BUFFER × members at a rebalance stay in the index. */
export const BUFFER = 1.1;

export function rebalanceDays(iso: string[]): number[] {
  const out: number[] = [];
  for (let t = 1; t < iso.length; t++) {
    const m = iso[t]!.slice(5, 7);
    if (m !== iso[t - 1]!.slice(5, 7) && (m === '01' || m === '07')) out.push(t);
  }
  return out;
}

/** Membership matrix (stock-major P × D, 1 = member) and its spans. */
export function buildUniverse(S: Structure, bars: Bars, iso: string[], members: number): { member: Uint8Array; spans: Spans } {
  const { P, D } = S;
  const member = new Uint8Array(P * D);
  const current = new Uint8Array(P);
  const pickInitial = (): void => {
    const cands: number[] = [];
    for (let i = 0; i < P; i++) if (S.listDay[i] === 0 && Number.isFinite(bars.cap[i * D]!)) cands.push(i);
    cands.sort((a, b) => bars.cap[b * D]! - bars.cap[a * D]! || a - b);
    for (const i of cands.slice(0, members)) current[i] = 1;
  };
  pickInitial();
  const rebal = new Set(rebalanceDays(iso));
  for (let t = 0; t < D; t++) {
    if (rebal.has(t)) {
      const ranked: { i: number; m: number }[] = [];
      for (let i = 0; i < P; i++) {
        if (S.listDay[i]! > 0 && t - S.listDay[i]! < 60) continue;
        if (t < S.listDay[i]!) continue;
        let sum = 0;
        let n = 0;
        for (let k = Math.max(S.listDay[i]!, t - 60); k < t; k++) {
          const c = bars.cap[i * D + k]!;
          if (Number.isFinite(c)) {
            sum += c;
            n++;
          }
        }
        if (n > 0) ranked.push({ i, m: sum / n });
      }
      ranked.sort((a, b) => b.m - a.m || a.i - b.i);
      const rank = new Map<number, number>();
      ranked.forEach((x, k) => rank.set(x.i, k));
      const keep = ranked.filter((x) => current[x.i] && rank.get(x.i)! < BUFFER * members).slice(0, members);
      const next = new Uint8Array(P);
      for (const x of keep) next[x.i] = 1;
      let count = keep.length;
      for (const x of ranked) {
        if (count >= members) break;
        if (next[x.i]) continue;
        next[x.i] = 1;
        count++;
      }
      current.set(next);
    }
    for (let i = 0; i < P; i++) if (current[i]) member[i * D + t] = 1;
  }
  const stock: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < P; i++) {
    let open = -1;
    for (let t = 0; t <= D; t++) {
      const m = t < D ? member[i * D + t] : 0;
      if (m && open < 0) open = t;
      if (!m && open >= 0) {
        stock.push(i);
        start.push(open);
        end.push(t - 1);
        open = -1;
      }
    }
  }
  return { member, spans: { stock: Int32Array.from(stock), start: Int32Array.from(start), end: Int32Array.from(end) } };
}

export function buildIndex(S: Structure, bars: Bars, member: Uint8Array): IndexSeries {
  const { P, D } = S;
  const out: IndexSeries = {
    open: new Float64Array(D), high: new Float64Array(D), low: new Float64Array(D),
    close: new Float64Array(D), vwap: new Float64Array(D), volume: new Float64Array(D), cap: new Float64Array(D),
  };
  let level = 5000;
  for (let t = 0; t < D; t++) {
    let w = 0;
    let ro = 0;
    let rh = 0;
    let rl = 0;
    let rc = 0;
    let rv = 0;
    let vol = 0;
    let cap = 0;
    for (let i = 0; i < P; i++) {
      const at = i * D + t;
      if (!member[at] || !Number.isFinite(bars.close[at]!)) continue;
      vol += bars.volume[at]!;
      cap += bars.cap[at]!;
      if (t === 0) continue;
      const prev = bars.close[at - 1]!;
      const wc = bars.cap[at - 1]!;
      if (!Number.isFinite(prev) || !Number.isFinite(wc)) continue;
      w += wc;
      ro += wc * (bars.open[at]! / prev - 1);
      rh += wc * (bars.high[at]! / prev - 1);
      rl += wc * (bars.low[at]! / prev - 1);
      rc += wc * (bars.close[at]! / prev - 1);
      rv += wc * (bars.vwap[at]! / prev - 1);
    }
    const prevLevel = level;
    if (t > 0 && w > 0) level = prevLevel * (1 + rc / w);
    out.close[t] = level;
    out.open[t] = t > 0 && w > 0 ? prevLevel * (1 + ro / w) : level;
    out.high[t] = t > 0 && w > 0 ? Math.max(prevLevel * (1 + rh / w), out.open[t]!, level) : level;
    out.low[t] = t > 0 && w > 0 ? Math.min(prevLevel * (1 + rl / w), out.open[t]!, level) : level;
    const v = t > 0 && w > 0 ? prevLevel * (1 + rv / w) : level;
    out.vwap[t] = Math.min(out.high[t]!, Math.max(out.low[t]!, v));
    out.volume[t] = vol;
    out.cap[t] = cap;
  }
  return out;
}
