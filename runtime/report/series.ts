// Derived series for the report's plots and summary table: cumulative sums,
// drawdowns, rolling means, stage spans and signal statistics.
//
// Pure functions over plain arrays. Cumulation is arithmetic (a running sum),
// as in Qlib's report graphs and `risk_analysis(mode="sum")`, so the plotted
// drawdown's minimum is exactly the reported max_drawdown.

import type { BacktestSeries, SignalSeries, TrainingEpoch } from './types.js';

/** Running sum: out[i] = xs[0] + … + xs[i]. */
export function cumsum(xs: readonly number[]): number[] {
  const out = new Array<number>(xs.length);
  let acc = 0;
  for (let i = 0; i < xs.length; i++) {
    acc += xs[i]!;
    out[i] = acc;
  }
  return out;
}

/** Drawdown of a cumulative series: cum[i] − max(cum[0..i]); always ≤ 0. */
export function drawdown(cum: readonly number[]): number[] {
  const out = new Array<number>(cum.length);
  let peak = -Infinity;
  for (let i = 0; i < cum.length; i++) {
    peak = Math.max(peak, cum[i]!);
    out[i] = cum[i]! - peak;
  }
  return out;
}

/**
 * Trailing rolling mean over `window` entries, ignoring nulls: null until the
 * window is full (the first window − 1 entries) and when fewer than half of
 * the window's entries are numbers.
 */
export function rollingMean(xs: readonly (number | null)[], window: number): (number | null)[] {
  const out = new Array<number | null>(xs.length).fill(null);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x !== null && x !== undefined) {
      sum += x;
      count++;
    }
    if (i >= window) {
      const old = xs[i - window];
      if (old !== null && old !== undefined) {
        sum -= old;
        count--;
      }
    }
    if (i >= window - 1 && count * 2 >= window) out[i] = sum / count;
  }
  return out;
}

/** The backtest's cumulative curves (arithmetic). */
export interface CumulativeCurves {
  /** cumsum(return − cost): the portfolio net of cost. */
  portfolioWithCost: number[];
  /** cumsum(return). */
  portfolioWithoutCost: number[];
  /** cumsum(bench). */
  bench: number[];
  /** cumsum(return − bench). */
  excessWithoutCost: number[];
  /** cumsum(return − bench − cost). */
  excessWithCost: number[];
}

export function cumulativeCurves(bt: BacktestSeries): CumulativeCurves {
  const n = bt.day.length;
  const net = new Array<number>(n);
  const exWo = new Array<number>(n);
  const exW = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    net[i] = bt.return[i]! - bt.cost[i]!;
    exWo[i] = bt.return[i]! - bt.bench[i]!;
    exW[i] = bt.return[i]! - bt.bench[i]! - bt.cost[i]!;
  }
  return {
    portfolioWithCost: cumsum(net),
    portfolioWithoutCost: cumsum(bt.return),
    bench: cumsum(bt.bench),
    excessWithoutCost: cumsum(exWo),
    excessWithCost: cumsum(exW),
  };
}

/** One stage's run of consecutive epochs, as 1-based positions in the epoch list. */
export interface StageSpan {
  stage: string;
  first: number;
  last: number;
}

/** Consecutive epochs with the same stage form one span; a stage that recurs later starts a new span. */
export function stageSpans(epochs: readonly TrainingEpoch[]): StageSpan[] {
  const spans: StageSpan[] = [];
  epochs.forEach((e, i) => {
    const last = spans[spans.length - 1];
    if (last && last.stage === e.stage) last.last = i + 1;
    else spans.push({ stage: e.stage, first: i + 1, last: i + 1 });
  });
  return spans;
}

/** Mean and mean/std (ddof 1) of the non-null values, as Qlib's IC / ICIR; null where undefined. */
export function meanAndIr(xs: readonly (number | null)[]): { mean: number | null; ir: number | null } {
  const vals = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (vals.length === 0) return { mean: null, ir: null };
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  if (vals.length < 2) return { mean, ir: null };
  const variance = vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1);
  const std = Math.sqrt(variance);
  return { mean, ir: std > 0 ? mean / std : null };
}

/** IC, ICIR, Rank IC, Rank ICIR from the daily series. */
export function signalStats(signal: SignalSeries): Record<'IC' | 'ICIR' | 'Rank IC' | 'Rank ICIR', number | null> {
  const ic = meanAndIr(signal.ic);
  const rank = meanAndIr(signal.rankIc);
  return { IC: ic.mean, ICIR: ic.ir, 'Rank IC': rank.mean, 'Rank ICIR': rank.ir };
}

export function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}
