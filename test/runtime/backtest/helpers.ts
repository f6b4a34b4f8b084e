// Test helpers for the backtest: build panels and score matrices from
// readable [instrument][day] tables, and random markets for property tests.
// Tests go through `runBacktest` only (the public entry), never the engine's
// internals.

import type { Panel } from '../../../runtime/data/panel.js';
import { mulberry32 } from '../../../runtime/random.js';

/** Instrument-major Float64Array from rows[instrument][day]. */
export function matrix(rows: readonly (readonly number[])[]): Float64Array {
  const N = rows.length;
  const D = rows[0]?.length ?? 0;
  const out = new Float64Array(N * D);
  rows.forEach((r, i) => {
    if (r.length !== D) throw new Error(`row ${i} has ${r.length} days, expected ${D}`);
    r.forEach((v, d) => (out[i * D + d] = v));
  });
  return out;
}

export function panelOf(days: string[], instruments: string[], fields: Record<string, readonly (readonly number[])[]>): Panel {
  const f: Record<string, Float64Array> = {};
  for (const [k, rows] of Object.entries(fields)) f[k] = matrix(rows);
  return { days, instruments, fields: f };
}

/** `n` ascending ISO days starting 2020-01-01 (calendar days; the backtest only needs order). */
export function isoDays(n: number): string[] {
  const out: string[] = [];
  const t0 = Date.UTC(2020, 0, 1);
  for (let d = 0; d < n; d++) out.push(new Date(t0 + d * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** mulberry32: a tiny seeded PRNG in [0, 1). */
export const rng = mulberry32;

export interface RandomMarketOptions {
  N: number;
  D: number;
  seed: number;
  /** Largest absolute daily return (0.12 lets some days pass a 0.095 limit). */
  maxMove: number;
  /** Chance that a stock-day is suspended (volume 0, close carried). */
  suspendP: number;
  /** Chance that a score is NaN. */
  nanScoreP: number;
  /** Scores drawn from this many distinct values (small ⇒ ties), or 0 for continuous. */
  scoreLevels: number;
  /** Use non-trivial adjustment factors. */
  factors: boolean;
}

export interface RandomMarket {
  panel: Panel;
  score: Float64Array;
  benchClose: Float64Array;
}

/** A random-walk market with suspensions, factors and scores. */
export function randomMarket(o: RandomMarketOptions): RandomMarket {
  const r = rng(o.seed);
  const { N, D } = o;
  const close = new Float64Array(N * D);
  const volume = new Float64Array(N * D);
  const factor = new Float64Array(N * D);
  const score = new Float64Array(N * D);
  const factorChoices = [1, 0.5, 2.5, 1.37, 3.2];
  for (let i = 0; i < N; i++) {
    let c = 5 + r() * 50;
    const f = o.factors ? factorChoices[Math.floor(r() * factorChoices.length)]! : 1;
    for (let d = 0; d < D; d++) {
      const k = i * D + d;
      const susp = d > 0 && r() < o.suspendP;
      if (!susp) c = c * (1 + (2 * r() - 1) * o.maxMove);
      close[k] = c;
      volume[k] = susp ? 0 : 1e6 * (0.5 + r());
      factor[k] = f;
      const u = r();
      score[k] = r() < o.nanScoreP ? NaN : o.scoreLevels > 0 ? Math.floor(u * o.scoreLevels) : u;
    }
  }
  const benchClose = new Float64Array(D);
  let b = 1000;
  for (let d = 0; d < D; d++) {
    b *= 1 + (2 * r() - 1) * 0.02;
    benchClose[d] = b;
  }
  return { panel: { days: isoDays(D), instruments: Array.from({ length: N }, (_, i) => `S${String(i).padStart(3, '0')}`), fields: { close, volume, factor } }, score, benchClose };
}
