// The exchange's view of a panel: per (instrument, day) tradability flags,
// deal prices, the benchmark's daily return, and whether orders round to lots.
// Computed once per backtest into typed arrays (instrument-major, like the
// panel), so the daily loop only reads flags.
//
// Rules (Qlib's Exchange, qlib.md §5, with the data conventions of
// /work/shared/data/README.md):
//   - suspended(i, d) ⇔ close is NaN or ≤ 0, or the panel has a volume field
//     and volume is NaN or ≤ 0. Qlib's data sets every field of a
//     volume-0 day to NaN, so "NaN close" and "volume 0 with carried prices"
//     mean the same day here.
//   - $change = the panel's `change` field when it has one; otherwise
//     close(d) / close(d') − 1 where d' is the last earlier panel day on which
//     the stock was not suspended (Qlib's collectors forward-fill the close
//     before taking the change); NaN when there is no such day.
//   - limitBuy ⇔ change ≥ threshold, limitSell ⇔ change ≤ −threshold (NaN
//     change: neither); no limits when the threshold is null.
//   - deal price = the `dealPrice` field, or close where that is NaN or ≤ 1e-8.
//   - bench(d) = benchmark close(d) / close(d − 1) − 1 over consecutive panel
//     days, NaN → 0 (a given return series: NaN → 0).
//   - lot rounding is on iff tradeUnit is set and every instrument except the
//     benchmark has a positive factor on every non-suspended day of the
//     window; otherwise off for the whole run, as Qlib's `trade_w_adj_price`.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import type { Panel } from '../data/panel.js';
import type { BacktestSettings } from './settings.js';

/** The benchmark: an instrument of the panel, or a series per panel day. */
export type BenchmarkSpec = string | { close: Float64Array } | { returns: Float64Array };

export interface Market {
  D: number;
  N: number;
  /** Panel-day indices of the first and last trade day (inclusive). */
  first: number;
  last: number;
  close: Float64Array;
  dealPrice: Float64Array;
  factor: Float64Array | null;
  volume: Float64Array | null;
  suspended: Uint8Array;
  limitBuy: Uint8Array;
  limitSell: Uint8Array;
  /** Benchmark return per panel day. */
  bench: Float64Array;
  lotRounding: boolean;
  /** Panel index of the benchmark instrument, or -1. */
  benchInstrument: number;
}

/** Shape and presence problems of the panel, score and benchmark (errors), before any work. */
export function checkMarketInput(
  panel: Panel,
  score: Float64Array,
  benchmark: BenchmarkSpec | undefined,
  s: BacktestSettings,
): Diagnostic[] {
  const ds: Diagnostic[] = [];
  const D = panel.days.length;
  const N = panel.instruments.length;
  const need = (field: string): void => {
    const f = panel.fields[field];
    if (!f) ds.push(diag('backtestFieldMissing', { field }));
    else if (f.length !== D * N) ds.push(diag('evalShapeMismatch', { what: `panel field ${field}`, got: f.length, expected: D * N }));
  };
  need('close');
  if (s.dealPrice !== 'close') need(s.dealPrice);
  if (s.impactCost > 0) need('volume');
  for (const opt of ['factor', 'volume', 'change']) {
    const f = panel.fields[opt];
    if (f && f.length !== D * N && !(opt === 'volume' && s.impactCost > 0)) {
      ds.push(diag('evalShapeMismatch', { what: `panel field ${opt}`, got: f.length, expected: D * N }));
    }
  }
  if (score.length !== D * N) ds.push(diag('evalShapeMismatch', { what: 'score matrix', got: score.length, expected: D * N }));
  if (benchmark === undefined || benchmark === null) {
    ds.push(diag('backtestBenchmarkMissing', { name: '(none given)' }));
  } else if (typeof benchmark === 'string') {
    if (!panel.instruments.includes(benchmark)) ds.push(diag('backtestBenchmarkMissing', { name: benchmark }));
  } else {
    const arr = 'close' in benchmark ? benchmark.close : benchmark.returns;
    if (!(arr instanceof Float64Array)) ds.push(diag('backtestBenchmarkMissing', { name: '(not a Float64Array series)' }));
    else if (arr.length !== D) ds.push(diag('evalShapeMismatch', { what: 'benchmark series', got: arr.length, expected: D }));
  }
  const first = windowStart(panel.days, s.start);
  const last = windowEnd(panel.days, s.end);
  if (first > last) ds.push(diag('backtestEmptyWindow', { start: s.start ?? panel.days[0] ?? '(no days)', end: s.end ?? panel.days[D - 1] ?? '(no days)' }));
  return ds;
}

function windowStart(days: string[], start: string | null): number {
  if (start === null) return 0;
  let i = 0;
  while (i < days.length && days[i]! < start) i++;
  return i;
}

function windowEnd(days: string[], end: string | null): number {
  if (end === null) return days.length - 1;
  let i = days.length - 1;
  while (i >= 0 && days[i]! > end) i--;
  return i;
}

/** Build the market arrays; `checkMarketInput` must have reported no errors. */
export function prepareMarket(
  panel: Panel,
  benchmark: BenchmarkSpec,
  s: BacktestSettings,
  warnings: Diagnostic[],
): Market {
  const D = panel.days.length;
  const N = panel.instruments.length;
  const close = panel.fields['close']!;
  const volume = panel.fields['volume'] ?? null;
  const factor = panel.fields['factor'] ?? null;
  const change = panel.fields['change'] ?? null;
  const deal = panel.fields[s.dealPrice] ?? close;
  const suspended = new Uint8Array(D * N);
  const limitBuy = new Uint8Array(D * N);
  const limitSell = new Uint8Array(D * N);
  const dealPrice = new Float64Array(D * N);
  const thr = s.limitThreshold;
  for (let i = 0; i < N; i++) {
    const o = i * D;
    let prev = NaN;
    for (let d = 0; d < D; d++) {
      const k = o + d;
      const c = close[k]!;
      const susp = !(c > 0) || (volume !== null && !(volume[k]! > 0));
      suspended[k] = susp ? 1 : 0;
      const dp = deal[k]!;
      dealPrice[k] = dp === dp && dp > 1e-8 ? dp : c;
      const ch = change !== null ? change[k]! : c / prev - 1;
      if (thr !== null && !susp) {
        if (ch >= thr) limitBuy[k] = 1;
        if (ch <= -thr) limitSell[k] = 1;
      }
      if (!susp) prev = c;
    }
  }

  const first = windowStart(panel.days, s.start);
  const last = windowEnd(panel.days, s.end);
  const benchInstrument = typeof benchmark === 'string' ? panel.instruments.indexOf(benchmark) : -1;

  const bench = new Float64Array(D);
  if (typeof benchmark !== 'string' && 'returns' in benchmark) {
    for (let d = 0; d < D; d++) {
      const r = benchmark.returns[d]!;
      bench[d] = r === r ? r : 0;
    }
  } else {
    const bc = typeof benchmark === 'string' ? close.subarray(benchInstrument * D, benchInstrument * D + D) : benchmark.close;
    bench[0] = 0;
    for (let d = 1; d < D; d++) {
      const r = bc[d]! / bc[d - 1]! - 1;
      bench[d] = r === r ? r : 0;
    }
  }

  let lotRounding = s.tradeUnit !== null;
  if (lotRounding) {
    if (factor === null) {
      lotRounding = false;
      warnings.push(diag('backtestLotRoundingOff', { instrument: '(every instrument)', day: '(every day)' }));
    } else {
      search: for (let i = 0; i < N; i++) {
        if (i === benchInstrument) continue;
        for (let d = first; d <= last; d++) {
          const k = i * D + d;
          if (!suspended[k] && !(factor[k]! > 0)) {
            lotRounding = false;
            warnings.push(diag('backtestLotRoundingOff', { instrument: panel.instruments[i]!, day: panel.days[d]! }));
            break search;
          }
        }
      }
    }
  }

  return {
    D, N, first, last, close, dealPrice, factor, volume: volume ?? null,
    suspended, limitBuy, limitSell, bench, lotRounding, benchInstrument,
  };
}
