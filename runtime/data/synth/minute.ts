// Minute bars and parent orders of the synthetic market (OPD).
//
// For a subset of stocks (drawn among the last day's index members) over the
// last `minuteDays` trading days, each traded stock-day gets 240 one-minute
// bars (minute 0..119 the morning session, 120..239 the afternoon):
// - volume: the day's raw volume split by a U-shaped profile
//   1 + 1.5·((m − 119.5)/119.5)² (+ an afternoon-open bump) × lognormal(0, 0.3)
//   noise, in whole shares (largest remainder), then divided by the factor;
// - price: a sequential Brownian bridge in log price from the day's open to
//   its close, per-minute volatility ∝ √profile, plus a planted drift in each
//   30-minute interval k ≥ 1: D_k = a·z_{k−1}·σ_30, where the order-flow
//   imbalance of the previous interval is z = Σ sign_m·v_m / √(Σ sign_m²·v_m²)
//   over its minutes (sign_m = sign(close_m − open_m); unit variance when the
//   signs are random), and a is set so that the correlation of an
//   interval's log return with the previous interval's z is about
//   `intraday.amp` (ρ); plus a mean-reverting AR(1) component (φ = 0.8) that
//   vanishes at the close.
// The daily bar of those stock-days then takes its high, low and vwap from
// the minutes (its open, close and volume are the minutes' by construction).
//
// Orders: one per minute stock-day, direction buy/sell 50/50, amount = the
// day's volume × U(0.1 %, 1 %) (adjusted shares, rounded), split train /
// valid / test by the first 60 % / next 20 % / last 20 % of the minute days.
//
// Guarantees: minute OHLC consistent; minute prices within the day's ±10 %
// band; Σ minute volume = daily volume; the first open and last close equal
// the daily open and close.

import type { Bars } from './simulate.js';
import { LIMIT, tick } from './simulate.js';
import { makeRng, shuffleInPlace } from './rng.js';
import type { Structure } from './structure.js';

export const MINUTES = 240;
export const INTERVAL = 30;
const INTERVALS = MINUTES / INTERVAL;
/** Drift multiplier per unit ρ, calibrated so the correlation measured from the bars ≈ ρ (the bridge pull and the tick grid absorb part of the drift). */
const DRIFT_GAIN = 1.45;

export interface MinuteRows {
  /** Row-major per (stock-day, minute); stockDay indexes the `days`/`stocks` lists below. */
  day: Int32Array;
  stock: Int32Array;
  minute: Int16Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  vwap: Float64Array;
  volume: Float64Array;
}

export interface DriftRows {
  day: Int32Array;
  stock: Int32Array;
  interval: Int8Array;
  ofi: Float64Array;
  drift: Float64Array;
}

export interface OrderRows {
  day: Int32Array;
  stock: Int32Array;
  buy: Uint8Array;
  amount: Float64Array;
  split: Int8Array;
}

export const SPLITS = ['train', 'valid', 'test'] as const;

function profile(m: number): number {
  const x = (m - 119.5) / 119.5;
  return 1 + 1.5 * x * x + (m >= 120 && m < 125 ? 0.4 : 0);
}

export function buildMinutes(
  seed: number,
  S: Structure,
  bars: Bars,
  member: Uint8Array,
  nStocks: number,
  nDays: number,
  rho: number,
): { minutes: MinuteRows; drift: DriftRows; orders: OrderRows; stocks: number[]; firstDay: number } {
  const { P, D } = S;
  const rng = makeRng(seed, 'minute');
  const orng = makeRng(seed, 'orders');
  const lastMembers: number[] = [];
  for (let i = 0; i < P; i++) if (member[i * D + D - 1]) lastMembers.push(i);
  const stocks = shuffleInPlace(makeRng(seed, 'minute-stocks'), lastMembers).slice(0, nStocks).sort((a, b) => a - b);
  const firstDay = Math.max(0, D - nDays);
  const rows = stocks.length * (D - firstDay) * MINUTES;
  const mk = (): Float64Array => new Float64Array(rows);
  const mr: MinuteRows = {
    day: new Int32Array(rows), stock: new Int32Array(rows), minute: new Int16Array(rows),
    open: mk(), high: mk(), low: mk(), close: mk(), vwap: mk(), volume: mk(),
  };
  const dr = { day: [] as number[], stock: [] as number[], interval: [] as number[], ofi: [] as number[], drift: [] as number[] };
  const or = { day: [] as number[], stock: [] as number[], buy: [] as number[], amount: [] as number[], split: [] as number[] };
  const a = (DRIFT_GAIN * rho) / Math.sqrt(1 - rho * rho);
  const prof = Float64Array.from({ length: MINUTES }, (_, m) => profile(m));
  const profSum = prof.reduce((x, y) => x + y, 0);
  const w = new Float64Array(MINUTES);
  const rawV = new Float64Array(MINUTES);
  const sgm = new Float64Array(MINUTES);
  let row = 0;
  const nMinuteDays = D - firstDay;
  for (const i of stocks) {
    const s = S.sigma[i]!;
    for (let t = firstDay; t < D; t++) {
      // Draw a fixed count per stock-day whatever happens below.
      const noiseZ = Array.from({ length: MINUTES * 6 }, () => rng.normal());
      const orderU = [orng.uniform(), orng.uniform()];
      const at = i * D + t;
      const C = bars.close[at]!;
      if (!Number.isFinite(C)) continue;
      let prevT = t - 1;
      while (prevT >= 0 && !Number.isFinite(bars.close[i * D + prevT]!)) prevT--;
      const prevC = prevT >= 0 ? bars.close[i * D + prevT]! : bars.open[at]!;
      const lo = Math.log(prevC * (1 - LIMIT));
      const hi = Math.log(prevC * (1 + LIMIT));
      const O = bars.open[at]!;
      const f = bars.factor[at]!;
      const rawDay = Math.round(bars.volume[at]! * f);
      // Volumes: U-shaped profile with noise, whole shares by largest remainder.
      let wsum = 0;
      for (let m = 0; m < MINUTES; m++) {
        w[m] = prof[m]! * Math.exp(0.3 * noiseZ[m]!);
        wsum += w[m]!;
      }
      let given = 0;
      const frac: { m: number; r: number }[] = [];
      for (let m = 0; m < MINUTES; m++) {
        const x = (rawDay * w[m]!) / wsum;
        rawV[m] = Math.floor(x);
        given += rawV[m]!;
        frac.push({ m, r: x - rawV[m]! });
      }
      frac.sort((p, q) => q.r - p.r || p.m - q.m);
      for (let k = 0; k < rawDay - given; k++) rawV[frac[k]!.m] = rawV[frac[k]!.m]! + 1;
      // Per-minute volatility ∝ √profile; the intraday variance ≈ 0.8 s².
      for (let m = 0; m < MINUTES; m++) sgm[m] = s * Math.sqrt((0.8 * prof[m]!) / profSum);

      const target = Math.log(C);
      let x = Math.log(O);
      let ou = 0;
      let prevClose = O;
      let drift = 0;
      let ofiNum = 0;
      let v2Sum = 0;
      let vwapNum = 0;
      let dayHigh = -Infinity;
      let dayLow = Infinity;
      for (let m = 0; m < MINUTES; m++) {
        if (m % INTERVAL === 0) {
          const k = m / INTERVAL;
          let zOfi = 0;
          if (k > 0 && v2Sum > 0) zOfi = ofiNum / Math.sqrt(v2Sum);
          let s30 = 0;
          for (let q = m; q < m + INTERVAL; q++) s30 += sgm[q]! * sgm[q]!;
          const Dk = k > 0 ? a * zOfi * Math.sqrt(s30) : 0;
          drift = Dk / INTERVAL;
          dr.day.push(t);
          dr.stock.push(i);
          dr.interval.push(k);
          dr.ofi.push(zOfi);
          dr.drift.push(Dk);
          ofiNum = 0;
          v2Sum = 0;
        }
        const left = MINUTES - m;
        const pull = (target - x) / left;
        x += pull + drift + sgm[m]! * Math.sqrt((left - 1) / left) * noiseZ[MINUTES + m]!;
        ou = 0.8 * ou + 0.5 * sgm[m]! * noiseZ[2 * MINUTES + m]!;
        const taper = m >= MINUTES - 10 ? (MINUTES - 1 - m) / 10 : 1;
        let lc = m === MINUTES - 1 ? target : x + ou * taper;
        lc = Math.min(hi, Math.max(lo, lc));
        const c = m === MINUTES - 1 ? C : tick(Math.exp(lc), f, 100);
        const o = prevClose;
        let h = Math.max(o, c) * Math.exp(0.3 * sgm[m]! * Math.abs(noiseZ[3 * MINUTES + m]!));
        let l = Math.min(o, c) * Math.exp(-0.3 * sgm[m]! * Math.abs(noiseZ[4 * MINUTES + m]!));
        h = Math.max(o, c, tick(Math.min(h, prevC * (1 + LIMIT)), f, 100));
        l = Math.min(o, c, tick(Math.max(l, prevC * (1 - LIMIT)), f, 100));
        const vw = Math.min(h, Math.max(l, tick(0.5 * (o + c) + 0.1 * (h - l) * noiseZ[5 * MINUTES + m]!, f, 1000)));
        const vol = rawV[m]! / f;
        mr.day[row] = t;
        mr.stock[row] = i;
        mr.minute[row] = m;
        mr.open[row] = o;
        mr.high[row] = h;
        mr.low[row] = l;
        mr.close[row] = c;
        mr.vwap[row] = vw;
        mr.volume[row] = vol;
        row++;
        const sign = c > o ? 1 : c < o ? -1 : 0;
        ofiNum += sign * vol;
        v2Sum += sign * sign * vol * vol;
        vwapNum += vw * vol;
        if (h > dayHigh) dayHigh = h;
        if (l < dayLow) dayLow = l;
        prevClose = c;
      }
      bars.high[at] = dayHigh;
      bars.low[at] = dayLow;
      const dayV = bars.volume[at]!;
      if (dayV > 0) bars.vwap[at] = Math.min(dayHigh, Math.max(dayLow, vwapNum / dayV));
      // One parent order for this stock-day.
      const pos = (t - firstDay) / nMinuteDays;
      or.day.push(t);
      or.stock.push(i);
      or.buy.push(orderU[0]! < 0.5 ? 1 : 0);
      or.amount.push(Math.max(1, Math.round(dayV * (0.001 + 0.009 * orderU[1]!))));
      or.split.push(pos < 0.6 ? 0 : pos < 0.8 ? 1 : 2);
    }
  }
  const cut = <T extends Float64Array | Int32Array | Int16Array>(arr: T): T => arr.subarray(0, row) as T;
  return {
    minutes: {
      day: cut(mr.day), stock: cut(mr.stock), minute: cut(mr.minute), open: cut(mr.open), high: cut(mr.high),
      low: cut(mr.low), close: cut(mr.close), vwap: cut(mr.vwap), volume: cut(mr.volume),
    },
    drift: {
      day: Int32Array.from(dr.day), stock: Int32Array.from(dr.stock), interval: Int8Array.from(dr.interval),
      ofi: Float64Array.from(dr.ofi), drift: Float64Array.from(dr.drift),
    },
    orders: {
      day: Int32Array.from(or.day), stock: Int32Array.from(or.stock), buy: Uint8Array.from(or.buy),
      amount: Float64Array.from(or.amount), split: Int8Array.from(or.split),
    },
    stocks,
    firstDay,
  };
}
