// The backtest: Qlib's daily SimulatorExecutor loop with TopkDropoutStrategy,
// Exchange and Account, over a Panel and a score matrix (qlib.md §5).
//
// Timing: on trade day d the strategy reads the scores dated d − 1 (the
// previous panel day, even when that day lies before the window) and trades at
// day d's deal price (close by default). No scores that day (or d is the
// panel's first day) ⇒ no orders, but the day still closes and is reported.
//
// Per trade day:
//   1. decision (strategy.ts) on the held stocks and the day's scores;
//   2. sells, in instrument order: skipped when not tradable (suspended, or a
//      limit — either direction with forbidAllTradeAtLimit, else the sell
//      limit) or held for fewer than holdThresh day-ends; the whole holding
//      is sold; proceeds minus cost go to cash;
//   3. value = cash after sells · riskDegree / |B| (|B| counts untradable buys,
//      whose money then stays idle); each tradable b ∈ B is ordered
//      value / price, rounded down to lots, then filled against the cash on
//      hand (exchange.ts);
//   4. day end: held, non-suspended stocks are valued at close (suspended ones
//      keep their last price); every holding's day count grows by one;
//   5. account row: value = cash + Σ amount · price; return = (Δ value + cost)
//      / previous value (gross of cost); cost and turnover / previous value;
//      bench from market.ts. The first day's "previous value" is the account.
// Then risk_analysis of return − bench and of return − bench − cost.
//
// Assumes: inputs pass `validateBacktest` (runBacktest checks and throws a
// DiagnosticError with every problem otherwise).
// Guarantees: no per-order objects — state and outputs are typed arrays
// allocated once (the optional trade log grows by doubling).

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError, hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import type { Panel } from '../data/panel.js';
import { fillBuy, fillSell, impactRatio, roundToLot, tradeCost } from './exchange.js';
import { checkMarketInput, prepareMarket, type BenchmarkSpec, type Market } from './market.js';
import { riskAnalysis, type RiskAnalysis } from './risk.js';
import { resolveSettings, type BacktestSettings } from './settings.js';
import { decisionScratch, topkDropoutDecision } from './strategy.js';

export interface BacktestInput {
  /** Market data: `close` required; `factor` (lots), `volume` (suspension: volume 0), `change`, the deal-price field optional. */
  panel: Panel;
  /** Prediction per (instrument, day), instrument-major like a panel field; NaN = no prediction. */
  score: Float64Array;
  benchmark: BenchmarkSpec;
  settings?: Partial<BacktestSettings>;
  /** Keep every executed order (default false). */
  recordTrades?: boolean;
  /** Keep each day's holdings, day-major [t · N + i] in adjusted shares (default false). */
  recordPositions?: boolean;
}

/** Executed orders, one per index < length. Amounts are adjusted shares (real shares = amount · factor). */
export interface TradeLog {
  length: number;
  /** Panel day index. */
  day: Int32Array;
  instrument: Int32Array;
  /** +1 buy, −1 sell. */
  side: Int8Array;
  amount: Float64Array;
  price: Float64Array;
  value: Float64Array;
  cost: Float64Array;
}

export interface BacktestResult {
  settings: BacktestSettings;
  /** Trade days (the window), and each one's panel day index. */
  days: string[];
  dayIndex: Int32Array;
  /** Qlib "account": cash + stock value at the day's close. */
  account: Float64Array;
  cash: Float64Array;
  /** Qlib "value": the stocks' value. */
  stockValue: Float64Array;
  /** Qlib "return": (Δ account + cost) / previous account — before costs. */
  return: Float64Array;
  /** Qlib "cost": the day's costs / previous account. */
  cost: Float64Array;
  /** Qlib "turnover": the day's traded value / previous account. */
  turnover: Float64Array;
  bench: Float64Array;
  totalCost: Float64Array;
  totalTurnover: Float64Array;
  /** Stocks held at the day's close. */
  holdings: Int32Array;
  /** Orders executed, and planned orders skipped (untradable, hold_thresh, no cash, zero lots). */
  sells: Int32Array;
  buys: Int32Array;
  skippedSells: Int32Array;
  skippedBuys: Int32Array;
  excessReturnWithoutCost: Float64Array;
  excessReturnWithCost: Float64Array;
  risk: { excessReturnWithoutCost: RiskAnalysis; excessReturnWithCost: RiskAnalysis };
  /** False when a missing factor turned lot rounding off (Q6407). */
  lotRounding: boolean;
  trades: TradeLog | null;
  positions: Float64Array | null;
  /** Warnings (errors are thrown). */
  diagnostics: Diagnostic[];
}

/** Every problem with the input, errors and warnings, without running anything heavy. */
export function validateBacktest(input: BacktestInput): { settings: BacktestSettings; diagnostics: Diagnostic[] } {
  const { settings, diagnostics } = resolveSettings(input.settings ?? {});
  if (!hasErrors(diagnostics)) diagnostics.push(...checkMarketInput(input.panel, input.score, input.benchmark, settings));
  return { settings, diagnostics };
}

function tradeLog(capacity: number): TradeLog {
  return {
    length: 0,
    day: new Int32Array(capacity),
    instrument: new Int32Array(capacity),
    side: new Int8Array(capacity),
    amount: new Float64Array(capacity),
    price: new Float64Array(capacity),
    value: new Float64Array(capacity),
    cost: new Float64Array(capacity),
  };
}

function grow<T extends Int32Array | Int8Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

function record(log: TradeLog, day: number, i: number, side: 1 | -1, amount: number, price: number, value: number, cost: number): void {
  if (log.length === log.day.length) {
    const n = Math.max(64, log.length * 2);
    log.day = grow(log.day, n);
    log.instrument = grow(log.instrument, n);
    log.side = grow(log.side, n);
    log.amount = grow(log.amount, n);
    log.price = grow(log.price, n);
    log.value = grow(log.value, n);
    log.cost = grow(log.cost, n);
  }
  const k = log.length++;
  log.day[k] = day;
  log.instrument[k] = i;
  log.side[k] = side;
  log.amount[k] = amount;
  log.price[k] = price;
  log.value[k] = value;
  log.cost[k] = cost;
}

/** Run the backtest; throws a DiagnosticError carrying every error found in the input. */
export function runBacktest(input: BacktestInput): BacktestResult {
  const { settings: s, diagnostics } = validateBacktest(input);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics.filter((d) => d.severity === 'error'));
  const warnings = diagnostics.slice();
  const m = prepareMarket(input.panel, input.benchmark, s, warnings);
  return simulate(input, m, s, warnings);
}

function simulate(input: BacktestInput, m: Market, s: BacktestSettings, warnings: Diagnostic[]): BacktestResult {
  const { D, N, first, last, close, dealPrice, factor, volume, suspended, limitBuy, limitSell } = m;
  const score = input.score;
  const T = last - first + 1;
  const unit = s.tradeUnit ?? 1;
  const lots = m.lotRounding;

  // state
  const amount = new Float64Array(N);
  const held = new Uint8Array(N);
  const price = new Float64Array(N);
  const count = new Int32Array(N);
  let cash = s.account;
  let totalCost = 0;
  let totalTurnover = 0;
  let lastValue = s.account;
  let lastTotalCost = 0;
  let lastTotalTurnover = 0;

  // scratch
  const dayScore = new Float64Array(N);
  const tradableAny = new Uint8Array(N);
  const scratch = decisionScratch(N);

  // outputs
  const out = {
    dayIndex: new Int32Array(T),
    account: new Float64Array(T),
    cash: new Float64Array(T),
    stockValue: new Float64Array(T),
    ret: new Float64Array(T),
    cost: new Float64Array(T),
    turnover: new Float64Array(T),
    bench: new Float64Array(T),
    totalCost: new Float64Array(T),
    totalTurnover: new Float64Array(T),
    holdings: new Int32Array(T),
    sells: new Int32Array(T),
    buys: new Int32Array(T),
    skippedSells: new Int32Array(T),
    skippedBuys: new Int32Array(T),
  };
  const trades = input.recordTrades ? tradeLog(Math.max(64, 2 * T * s.nDrop)) : null;
  const positions = input.recordPositions ? new Float64Array(T * N) : null;

  for (let t = 0; t < T; t++) {
    const d = first + t;
    const p = d - 1;
    let nSells = 0;
    let nBuys = 0;
    let skipSells = 0;
    let skipBuys = 0;

    let scored = 0;
    if (p >= 0) {
      for (let i = 0; i < N; i++) {
        const v = score[i * D + p]!;
        dayScore[i] = v;
        if (v === v) scored++;
      }
    }

    if (scored > 0) {
      for (let i = 0; i < N; i++) {
        const k = i * D + d;
        tradableAny[i] = suspended[k] || limitBuy[k] || limitSell[k] ? 0 : 1;
      }
      const dec = topkDropoutDecision({
        N, score: dayScore, held, tradableAny, topk: s.topk, nDrop: s.nDrop, onlyTradable: s.onlyTradable,
      }, scratch);

      // sells (the strategy's own cash tally includes even sub-1e-5 fills, as Qlib's does)
      let stratCash = cash;
      for (let j = 0; j < dec.nHeld; j++) {
        const i = scratch.held[j]!;
        if (!scratch.sell[i]) continue;
        const k = i * D + d;
        const blocked = suspended[k] || limitSell[k] || (s.forbidAllTradeAtLimit && limitBuy[k]);
        if (blocked || count[i]! < s.holdThresh) {
          skipSells++;
          continue;
        }
        const px = dealPrice[k]!;
        const have = amount[i]!;
        const ratio = s.closeCost + impactRatio(s.impactCost, have * px, volume ? volume[k]! : NaN, px);
        const filled = fillSell(have, px, cash, ratio, s.minCost);
        const value = filled * px;
        const c = tradeCost(value, ratio, s.minCost);
        stratCash += value - c;
        if (value > 1e-5) {
          totalTurnover += value;
          totalCost += c;
          const left = have - value / px;
          if (Math.abs(left) <= 1e-5) {
            amount[i] = 0;
            held[i] = 0;
            count[i] = 0;
          } else {
            amount[i] = left;
          }
          cash += value - c;
          nSells++;
          if (trades) record(trades, d, i, -1, filled, px, value, c);
        } else {
          skipSells++;
        }
      }

      // buys
      const budget = dec.nBuy > 0 ? (stratCash * s.riskDegree) / dec.nBuy : 0;
      for (let j = 0; j < dec.nBuy; j++) {
        const i = scratch.buy[j]!;
        const k = i * D + d;
        if (suspended[k] || limitBuy[k] || (s.forbidAllTradeAtLimit && limitSell[k])) {
          skipBuys++;
          continue;
        }
        const px = dealPrice[k]!;
        const f = factor ? factor[k]! : 1;
        const ordered = roundToLot(budget / px, f, unit, lots);
        const ratio = s.openCost + impactRatio(s.impactCost, ordered * px, volume ? volume[k]! : NaN, px);
        const filled = fillBuy(ordered, px, cash, ratio, s.minCost, f, unit, lots);
        const value = filled * px;
        const c = tradeCost(value, ratio, s.minCost);
        if (value > 1e-5) {
          totalTurnover += value;
          totalCost += c;
          const got = value / px;
          if (held[i]) {
            amount[i] = amount[i]! + got;
          } else {
            held[i] = 1;
            amount[i] = got;
            price[i] = px;
            count[i] = 0;
          }
          cash -= value + c;
          nBuys++;
          if (trades) record(trades, d, i, 1, filled, px, value, c);
        } else {
          skipBuys++;
        }
      }
    }

    // day end: revalue and age the holdings
    let stock = 0;
    let nHeld = 0;
    for (let i = 0; i < N; i++) {
      if (!held[i]) continue;
      const k = i * D + d;
      if (!suspended[k]) price[i] = close[k]!;
      count[i] = count[i]! + 1;
      stock += amount[i]! * price[i]!;
      nHeld++;
      if (positions) positions[t * N + i] = amount[i]!;
    }
    const value = cash + stock;
    const dayCost = totalCost - lastTotalCost;
    const dayTurnover = totalTurnover - lastTotalTurnover;
    out.dayIndex[t] = d;
    out.account[t] = value;
    out.cash[t] = cash;
    out.stockValue[t] = stock;
    out.ret[t] = (value - lastValue + dayCost) / lastValue;
    out.cost[t] = dayCost / lastValue;
    out.turnover[t] = dayTurnover / lastValue;
    out.bench[t] = m.bench[d]!;
    out.totalCost[t] = totalCost;
    out.totalTurnover[t] = totalTurnover;
    out.holdings[t] = nHeld;
    out.sells[t] = nSells;
    out.buys[t] = nBuys;
    out.skippedSells[t] = skipSells;
    out.skippedBuys[t] = skipBuys;
    lastValue = value;
    lastTotalCost = totalCost;
    lastTotalTurnover = totalTurnover;
  }

  const exNo = new Float64Array(T);
  const exWith = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    exNo[t] = out.ret[t]! - out.bench[t]!;
    exWith[t] = out.ret[t]! - out.bench[t]! - out.cost[t]!;
  }
  return {
    settings: s,
    days: input.panel.days.slice(first, last + 1),
    dayIndex: out.dayIndex,
    account: out.account,
    cash: out.cash,
    stockValue: out.stockValue,
    return: out.ret,
    cost: out.cost,
    turnover: out.turnover,
    bench: out.bench,
    totalCost: out.totalCost,
    totalTurnover: out.totalTurnover,
    holdings: out.holdings,
    sells: out.sells,
    buys: out.buys,
    skippedSells: out.skippedSells,
    skippedBuys: out.skippedBuys,
    excessReturnWithoutCost: exNo,
    excessReturnWithCost: exWith,
    risk: {
      excessReturnWithoutCost: riskAnalysis(exNo, s.riskN),
      excessReturnWithCost: riskAnalysis(exWith, s.riskN),
    },
    lotRounding: lots,
    trades,
    positions,
    diagnostics: warnings,
  };
}
