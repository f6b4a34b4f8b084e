// Mutual-fund holding reports of the synthetic market (MF, TTIO).
//
// Report dates are the last trading days of March, June, September and
// December. At each report a fund keeps each previous holding that still
// trades with probability 0.7, then fills up to its holding count by drawing
// trading stocks without replacement with probability ∝ softplus(tilt·p*_u·q*_j);
// position weights ∝ softplus(tilt·p*_u·q*_j)·lognormal(0, 0.5), and
// value = the fund's assets × weight. With tilt 0 the choice is uniform.
//
// Guarantees: rows sorted by (report, fund, stock); a stock appears at most
// once per (report, fund); only stocks with a price on the report date.

import type { Bars } from './simulate.js';
import { makeRng } from './rng.js';
import { Q_DIM, type Structure } from './structure.js';

export interface HoldingRows {
  report: Int32Array;
  fund: Int32Array;
  stock: Int32Array;
  value: Float64Array;
}

export function reportDays(iso: string[]): number[] {
  const out: number[] = [];
  for (let t = 0; t < iso.length; t++) {
    const m = iso[t]!.slice(5, 7);
    const nextM = t + 1 < iso.length ? iso[t + 1]!.slice(5, 7) : '';
    if (m !== nextM && (m === '03' || m === '06' || m === '09' || m === '12')) out.push(t);
  }
  return out;
}

function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

export function buildHoldings(seed: number, S: Structure, bars: Bars, iso: string[], tilt: number): HoldingRows {
  const { P, D } = S;
  const rng = makeRng(seed, 'funds');
  const U = S.fundAum.length;
  const affinity = new Float64Array(U * P);
  for (let u = 0; u < U; u++) {
    for (let j = 0; j < P; j++) {
      let dot = 0;
      for (let k = 0; k < Q_DIM; k++) dot += S.fundStyle[u * Q_DIM + k]! * S.q[j * Q_DIM + k]!;
      affinity[u * P + j] = softplus(tilt * dot);
    }
  }
  const held: Set<number>[] = Array.from({ length: U }, () => new Set<number>());
  const report: number[] = [];
  const fund: number[] = [];
  const stock: number[] = [];
  const value: number[] = [];
  const w = new Float64Array(P);
  for (const t of reportDays(iso)) {
    const tradable = new Uint8Array(P);
    for (let j = 0; j < P; j++) tradable[j] = Number.isFinite(bars.close[j * D + t]!) ? 1 : 0;
    for (let u = 0; u < U; u++) {
      const keep = [...held[u]!].sort((a, b) => a - b).filter((j) => rng.chance(0.7) && tradable[j]);
      const chosen = new Set<number>(keep);
      let total = 0;
      for (let j = 0; j < P; j++) {
        w[j] = tradable[j] && !chosen.has(j) ? affinity[u * P + j]! : 0;
        total += w[j]!;
      }
      while (chosen.size < S.fundHoldings[u]! && total > 0) {
        let x = rng.uniform() * total;
        let pick = -1;
        for (let j = 0; j < P; j++) {
          if (w[j] === 0) continue;
          x -= w[j]!;
          pick = j;
          if (x < 0) break;
        }
        chosen.add(pick);
        total -= w[pick]!;
        w[pick] = 0;
      }
      const list = [...chosen].sort((a, b) => a - b);
      const weights = list.map((j) => affinity[u * P + j]! * Math.exp(0.5 * rng.normal()));
      const sum = weights.reduce((a, b) => a + b, 0);
      for (let k = 0; k < list.length; k++) {
        report.push(t);
        fund.push(u);
        stock.push(list[k]!);
        value.push((S.fundAum[u]! * weights[k]!) / sum);
      }
      held[u] = chosen;
    }
  }
  return {
    report: Int32Array.from(report),
    fund: Int32Array.from(fund),
    stock: Int32Array.from(stock),
    value: Float64Array.from(value),
  };
}
