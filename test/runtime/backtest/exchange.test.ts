// Exchange arithmetic: Python's float floor division, lot rounding, the cash
// limit on buys (both branches), the cost floor, deal prices other than the
// close, impact cost and the direction-specific limits — each checked on a
// small hand-computed case.

import { describe, expect, it } from 'vitest';
import { buyAmountByCashLimit, pyFloorDiv, roundToLot } from '../../../runtime/backtest/exchange.js';
import { runBacktest, type BacktestSettings } from '../../../runtime/backtest/index.js';
import { panelOf } from './helpers.js';

describe('order arithmetic', () => {
  it('floor division follows Python, not Math.floor(x / y)', () => {
    // the double 0.1 is a little above 1/10, so 1 / 0.1 rounds up to exactly 10 while the
    // exact quotient is just below it: Python's 1 // 0.1 is 9.0
    expect(Math.floor(1 / 0.1)).toBe(10);
    expect(pyFloorDiv(1, 0.1)).toBe(9);
    expect(pyFloorDiv(950.1, 100)).toBe(9);
    expect(pyFloorDiv(-1, 100)).toBe(-1);
    expect(Object.is(pyFloorDiv(0, 100), 0)).toBe(true);
  });

  it('rounds real shares down to lots through the factor', () => {
    // 248.696 adjusted shares at factor 4 = 994.79 real → 900 real → 225 adjusted
    expect(roundToLot(10_445.25 / 42, 4, 100, true)).toBe(225);
    // 99.95 real shares + 0.1 reaches a whole lot: Qlib's precision guard
    expect(roundToLot(99.95, 1, 100, true)).toBe(100);
    expect(roundToLot(123.4, 1, 100, false)).toBe(123.4);
  });

  it('cash limit: rate branch above the critical cash, min-cost branch below it', () => {
    // critical = 5 / 0.01 + 5 = 505
    expect(buyAmountByCashLimit(20, 4950, 0.01, 5)).toBeCloseTo(4950 / 1.01 / 20, 12);
    expect(buyAmountByCashLimit(20, 500, 0.01, 5)).toBeCloseTo(495 / 20, 12);
    expect(buyAmountByCashLimit(20, 4, 0.01, 5)).toBe(0);
    // zero rate (Qlib: ZeroDivisionError): everything above min_cost buys
    expect(buyAmountByCashLimit(20, 1000, 0, 0)).toBe(50);
  });
});

const days = ['2024-01-02', '2024-01-03', '2024-01-04'];
const instruments = ['A', 'B', 'IDX'];
const idx = [100, 100, 100];

function run(close: number[][], score: number[][], settings: Partial<BacktestSettings>, extra: Record<string, number[][]> = {}) {
  return runBacktest({
    panel: panelOf(days, instruments, { close: [...close, idx], factor: [[1, 1, 1], [1, 1, 1], [1, 1, 1]], ...extra }),
    score: panelOf(days, instruments, { s: [...score, [NaN, NaN, NaN]] }).fields['s']!,
    benchmark: 'IDX',
    settings,
    recordTrades: true,
  });
}

describe('fills through runBacktest', () => {
  const both = [[1, 1, 1], [0.5, 0.5, 0.5]];

  it('clips the last buy to the cash left (rate branch), with and without lots', () => {
    // day 1 buys A (10) and B (20), 10 000 / 2 = 5 000 each at 1 % cost:
    // A: 500 shares, 5 000 + 50 → cash 4 950; B wants 5 050 > 4 950 → 4 950 / 1.01 / 20 = 245.05 shares
    const s = { topk: 2, nDrop: 1, account: 10_000, riskDegree: 1, openCost: 0.01, minCost: 5, limitThreshold: null };
    const r = run([[10, 10, 10], [20, 20, 20]], both, { ...s, tradeUnit: null });
    expect(r.trades!.value[1]).toBeCloseTo(4950 / 1.01, 9);
    expect(r.cash[1]).toBeCloseTo(0, 9);
    const lots = run([[10, 10, 10], [20, 20, 20]], both, { ...s, tradeUnit: 100 });
    // 245.05 → 200 shares: 4 000 + 40 → cash 910
    expect(lots.trades!.value[1]).toBe(4000);
    expect(lots.cash[1]).toBeCloseTo(910, 9);
  });

  it('clips through the min-cost branch, and skips a buy whose cost exceeds the cash', () => {
    // 1 000 cash, 1 % rate, min 50: critical 5 050 > 1 000 → (1 000 − 50) / 10 = 95 shares, cost 50
    const s = { topk: 1, nDrop: 1, riskDegree: 1, openCost: 0.01, minCost: 50, limitThreshold: null, tradeUnit: null };
    const r = run([[10, 10, 10], [20, 20, 20]], both, { ...s, account: 1000 });
    expect(r.trades!.amount[0]).toBeCloseTo(95, 12);
    expect(r.trades!.cost[0]).toBe(50);
    expect(r.cash[1]).toBeCloseTo(0, 12);
    const poor = run([[10, 10, 10], [20, 20, 20]], both, { ...s, account: 40 });
    expect(poor.trades!.length).toBe(0);
    expect([...poor.skippedBuys]).toEqual([0, 1, 1]);
  });

  it('trades at another deal price (falling back to close where it is missing) and values at close', () => {
    // day 1: A bought at open 10 (close 10.5): 95 000 / 10 = 9 500 shares, cost 47.5;
    // value 100 000 − 95 047.5 + 9 500·10.5 = 104 702.5
    const open = [[10, 10, NaN], [20, 20, 20]];
    const r = run([[10, 10.5, 10.8], [20, 20, 20]], [[1, 0, 0], [0.5, 1, 1]], { topk: 1, nDrop: 1, account: 100_000, dealPrice: 'open' }, { open: [...open, idx] });
    expect(r.trades!.price[0]).toBe(10);
    expect(r.account[1]).toBeCloseTo(104_702.5, 6);
    // day 2 sells A: its open is missing, so it trades at the close 10.8
    expect(r.trades!.side[1]).toBe(-1);
    expect(r.trades!.price[1]).toBe(10.8);
  });

  it('adds impact cost from the day’s traded value', () => {
    // buy 95 000 of A at 10 with volume 100 000 (1 000 000 traded):
    // rate 0.0005 + 0.1·0.095² = 0.0014025 → cost 133.2375
    const vol = [[1e5, 1e5, 1e5], [1e5, 1e5, 1e5], [1, 1, 1]];
    const r = run([[10, 10, 10], [20, 20, 20]], both, { topk: 1, nDrop: 1, account: 100_000, impactCost: 0.1 }, { volume: vol });
    expect(r.trades!.value[0]).toBe(95_000);
    expect(r.trades!.cost[0]).toBeCloseTo(133.2375, 9);
  });

  it('with forbidAllTradeAtLimit off, sells at limit-up and buys at limit-down', () => {
    // day 1 buys A; day 2 scores flip (B better): A is up 10 % (limit-up), B down 10 % (limit-down)
    const close = [[10, 10, 11], [20, 20, 18]];
    const score = [[1, 0, 0], [0, 1, 1]];
    const strict = run(close, score, { topk: 1, nDrop: 1, account: 100_000 });
    expect([...strict.sells]).toEqual([0, 0, 0]);
    expect([...strict.skippedSells]).toEqual([0, 0, 1]);
    expect([...strict.skippedBuys]).toEqual([0, 0, 1]);
    const loose = run(close, score, { topk: 1, nDrop: 1, account: 100_000, forbidAllTradeAtLimit: false });
    expect([...loose.sells]).toEqual([0, 0, 1]);
    expect([...loose.buys]).toEqual([0, 1, 1]);
  });

  it('only_tradable picks the best tradable candidate, skipping a limit-hit one', () => {
    // day 1: A has the best score but is limit-up; B is next
    const close = [[10, 11, 11], [20, 20, 20]];
    const plain = run(close, [[1, 1, 1], [0.5, 0.5, 0.5]], { topk: 1, nDrop: 1, account: 100_000 });
    expect(plain.buys[1]).toBe(0);
    expect(plain.skippedBuys[1]).toBe(1);
    const only = run(close, [[1, 1, 1], [0.5, 0.5, 0.5]], { topk: 1, nDrop: 1, account: 100_000, onlyTradable: true });
    expect(only.trades!.day[0]).toBe(1);
    expect(only.trades!.instrument[0]).toBe(1);
  });
});
