// A 5-stock, 10-day TopkDropout backtest whose account series was worked out
// by hand (below), not by running the code. It exercises: a limit-up day that
// blocks a buy (C on D1), a limit-down day that blocks a sell (A on D3, which
// also shows Qlib buying the replacement anyway, so holdings exceed topk), a
// suspension blocking a sell and freezing the valuation (B on D5), lot
// rounding through a factor of 4 (B on D2), min_cost binding on buys and on a
// sell, a day with no candidate (want = 0) although a better stock exists
// (C on D4), a merge that sells nothing (D2, D8), and a day without scores (D9).

import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../../runtime/backtest/index.js';
import { panelOf } from './helpers.js';

// Settings: topk 2, n_drop 1, account 20 000; everything else Qlib's CSI300
// defaults: risk_degree 0.95, open 0.0005, close 0.0015, min_cost 5,
// limit 0.095 (either direction blocks both sides), lot 100, deal at close.
//
// Closes (adjusted); factor 1 except B (factor 4: real price = close / 4).
//
//   day  D0    D1    D2    D3    D4    D5    D6    D7    D8    D9
//   A    10    10    10.8  9.72  10.2  10.3  10.1  10.0  10.2  10.4
//   B    41    41.5  42    44    45    45*   46    47    46    48    (* volume 0: suspended)
//   C    10    11    11.2  11.3  11.0  11.4  11.5  12    12.6  13
//   D    4.8   4.85  4.9   5     5.2   5.5   5.4   5.3   5.2   5.1
//   E    19    19.2  19.4  19.3  19.5  20    21.5  22    22.5  23
//   SH   1000  1010  1005  1020  1030  1025  1040  1050  1045  1060  (benchmark)
//
// Scores, dated the day before they trade (S_d trades on D_{d+1}):
//
//   score S0   S1   S2   S3   S4   S5   S6   S7   S8   S9
//   A     .8   .8   .1   .1   .3   .2   .2   .5   -    .9
//   B     .7   .9   .8   .8   .1   .6   .6   .8   -    .9
//   C     .9   .7   .5   .9   .2   .3   .9   .9   -    .9
//   D     .6   .6   .9   .7   .5   .1   .1   .2   -    .9
//   E     .5   .5   .4   .6   .9   .5   .3   .1   -    .9
//
// Day by day (want = n_drop + topk − |H| candidates; B = first |S| + topk − |H| of them):
//
// D0  no score dated before D0 → no orders. value 20 000.
// D1  H = ∅; want 3 → C, A, B; nothing to sell; B = [C, A]; budget 20 000·0.95/2 = 9 500.
//     C: 11/10 − 1 = +10 % ≥ 9.5 % → limit-up, skipped (its 9 500 stays idle).
//     A: 9 500/10 = 950 → 900 shares; value 9 000; cost max(4.5, 5) = 5 (min_cost binds).
//     cash 20 000 − 9 005 = 10 995; value 10 995 + 900·10 = 19 995.
//     return (19 995 − 20 000 + 5)/20 000 = 0; cost 5/20 000; turnover 9 000/20 000.
// D2  H = {A}; want 2 → B(.9), C(.7); comb B .9, A .8, C .7 → last is C, unheld → S = ∅;
//     B = [B]; budget 10 995·0.95 = 10 445.25; B: 10 445.25/42 = 248.70 adjusted shares
//     = 994.79 real shares → 900 real → 225 adjusted; value 225·42 = 9 450; cost 5 (4.725 < 5).
//     (Without the factor it would be 200 shares, 8 400.)
//     cash 10 995 − 9 455 = 1 540; value 1 540 + 900·10.8 + 225·42 = 20 710.
//     return (20 710 − 19 995 + 5)/19 995 = 720/19 995; cost 5/19 995; turnover 9 450/19 995.
// D3  H = {A, B}; want 1 → D; comb D .9, B .8, A .1 → S = {A}; B = [D].
//     A: 9.72/10.8 − 1 = −10 % → limit-down, sell skipped. D: 1 540·0.95 = 1 463; 1 463/5 = 292.6
//     → 200 shares, value 1 000, cost 5. cash 535; holdings A, B, D (3 > topk).
//     value 535 + 900·9.72 + 225·44 + 200·5 = 535 + 8 748 + 9 900 + 1 000 = 20 183.
//     return (20 183 − 20 710 + 5)/20 710 = −522/20 710; cost 5/20 710; turnover 1 000/20 710.
// D4  H = {A, B, D}; want 0 → no candidate (C has the best score but is not looked at);
//     comb B .8, D .7, A .1 → S = {A}; B = first 1 + 2 − 3 = 0.
//     sell A at 10.2 (+4.9 %): 9 180, cost 0.0015·9 180 = 13.77. cash 535 + 9 180 − 13.77 = 9 701.23.
//     value 9 701.23 + 225·45 + 200·5.2 = 20 866.23.
//     return (20 866.23 − 20 183 + 13.77)/20 183 = 697/20 183; cost 13.77/20 183; turnover 9 180/20 183.
// D5  H = {B, D}; want 1 → E; comb E .9, D .5, B .1 → S = {B}; B = [E].
//     B suspended (volume 0) → sell skipped. E: 9 701.23·0.95 = 9 216.1685; /20 = 460.8 → 400,
//     value 8 000, cost 5 (4 < 5). cash 1 696.23.
//     value 1 696.23 + 225·45 (B keeps its last price) + 200·5.5 + 400·20 = 20 921.23.
//     return (20 921.23 − 20 866.23 + 5)/20 866.23 = 60/20 866.23; cost 5/…; turnover 8 000/….
// D6  H = {B, D, E}; want 0; comb B .6, E .5, D .1 → S = {D}; no buy.
//     sell D at 5.4: 1 080, cost 5 (1.62 < 5: min_cost binds on a sell). cash 2 771.23.
//     value 2 771.23 + 225·46 + 400·21.5 = 21 721.23.
//     return (21 721.23 − 20 921.23 + 5)/20 921.23 = 805/20 921.23; turnover 1 080/….
// D7  H = {B, E}; want 1 → C; comb C .9, B .6, E .3 → S = {E}; B = [C].
//     sell E at 22: 8 800, cost 13.2 → cash 11 558.03. budget 11 558.03·0.95 = 10 980.1285;
//     /12 = 915.01 → 900, value 10 800, cost 5.4 → cash 752.63.
//     value 752.63 + 225·47 + 900·12 = 22 127.63.
//     return (22 127.63 − 21 721.23 + 18.6)/21 721.23 = 425/21 721.23; cost 18.6/…; turnover 19 600/….
// D8  H = {B, C}; want 1 → A; comb C .9, B .8, A .5 → last is A, unheld → S = ∅, B = ∅.
//     value 752.63 + 225·46 + 900·12.6 = 22 442.63; return 315/22 127.63.
// D9  no scores dated D8 → no orders. value 752.63 + 225·48 + 900·13 = 23 252.63; return 810/22 442.63.

const days = ['2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05', '2024-01-08',
  '2024-01-09', '2024-01-10', '2024-01-11', '2024-01-12', '2024-01-15'];
const X = NaN;
const close = [
  [10, 10, 10.8, 9.72, 10.2, 10.3, 10.1, 10.0, 10.2, 10.4],
  [41, 41.5, 42, 44, 45, 45, 46, 47, 46, 48],
  [10, 11, 11.2, 11.3, 11.0, 11.4, 11.5, 12, 12.6, 13],
  [4.8, 4.85, 4.9, 5, 5.2, 5.5, 5.4, 5.3, 5.2, 5.1],
  [19, 19.2, 19.4, 19.3, 19.5, 20, 21.5, 22, 22.5, 23],
  [1000, 1010, 1005, 1020, 1030, 1025, 1040, 1050, 1045, 1060],
];
const ones = Array(10).fill(1) as number[];
const factor = [ones, Array(10).fill(4) as number[], ones, ones, ones, ones];
const volume = close.map(() => Array(10).fill(1e6) as number[]);
volume[1]![5] = 0;
const score = [
  [0.8, 0.8, 0.1, 0.1, 0.3, 0.2, 0.2, 0.5, X, 0.9],
  [0.7, 0.9, 0.8, 0.8, 0.1, 0.6, 0.6, 0.8, X, 0.9],
  [0.9, 0.7, 0.5, 0.9, 0.2, 0.3, 0.9, 0.9, X, 0.9],
  [0.6, 0.6, 0.9, 0.7, 0.5, 0.1, 0.1, 0.2, X, 0.9],
  [0.5, 0.5, 0.4, 0.6, 0.9, 0.5, 0.3, 0.1, X, 0.9],
  [X, X, X, X, X, X, X, X, X, X],
];
const instruments = ['A', 'B', 'C', 'D', 'E', 'SH000300'];
const settings = { topk: 2, nDrop: 1, account: 20_000 };

// The hand results.
const expected = {
  account: [20_000, 19_995, 20_710, 20_183, 20_866.23, 20_921.23, 21_721.23, 22_127.63, 22_442.63, 23_252.63],
  cash: [20_000, 10_995, 1_540, 535, 9_701.23, 1_696.23, 2_771.23, 752.63, 752.63, 752.63],
  stockValue: [0, 9_000, 19_170, 19_648, 11_165, 19_225, 18_950, 21_375, 21_690, 22_500],
  return: [0, 0, 720 / 19_995, -522 / 20_710, 697 / 20_183, 60 / 20_866.23, 805 / 20_921.23,
    425 / 21_721.23, 315 / 22_127.63, 810 / 22_442.63],
  cost: [0, 5 / 20_000, 5 / 19_995, 5 / 20_710, 13.77 / 20_183, 5 / 20_866.23, 5 / 20_921.23,
    18.6 / 21_721.23, 0, 0],
  turnover: [0, 9_000 / 20_000, 9_450 / 19_995, 1_000 / 20_710, 9_180 / 20_183, 8_000 / 20_866.23,
    1_080 / 20_921.23, 19_600 / 21_721.23, 0, 0],
  bench: [0, 10 / 1000, -5 / 1010, 15 / 1005, 10 / 1020, -5 / 1030, 15 / 1025, 10 / 1040, -5 / 1050, 15 / 1045],
  totalCost: [0, 5, 10, 15, 28.77, 33.77, 38.77, 57.37, 57.37, 57.37],
  holdings: [0, 1, 2, 3, 2, 3, 2, 2, 2, 2],
  sells: [0, 0, 0, 0, 1, 0, 1, 1, 0, 0],
  buys: [0, 1, 1, 1, 0, 1, 0, 1, 0, 0],
  skippedSells: [0, 0, 0, 1, 0, 1, 0, 0, 0, 0],
  skippedBuys: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
};

function run(fields: Record<string, number[][]>) {
  return runBacktest({
    panel: panelOf(days, instruments, fields),
    score: panelOf(days, instruments, { s: score }).fields['s']!,
    benchmark: 'SH000300',
    settings,
    recordTrades: true,
  });
}

function expectCents(got: Float64Array, want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, t) => expect(Math.abs(g - want[t]!), `day ${t}: ${g} vs ${want[t]}`).toBeLessThan(0.005));
}

function expectClose(got: Float64Array, want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, t) => expect(Math.abs(g - want[t]!), `day ${t}: ${g} vs ${want[t]}`).toBeLessThan(tol));
}

describe('hand-computed 5-stock, 10-day backtest', () => {
  const r = run({ close, factor, volume });

  it('matches the hand account series to the cent', () => {
    expect(r.days).toEqual(days);
    expectCents(r.account, expected.account);
    expectCents(r.cash, expected.cash);
    expectCents(r.stockValue, expected.stockValue);
    expectCents(r.totalCost, expected.totalCost);
  });

  it('matches the hand return, cost, turnover and bench rates', () => {
    expectClose(r.return, expected.return);
    expectClose(r.cost, expected.cost);
    expectClose(r.turnover, expected.turnover);
    expectClose(r.bench, expected.bench);
    expectClose(r.excessReturnWithCost, expected.return.map((x, t) => x - expected.bench[t]! - expected.cost[t]!));
  });

  it('matches the hand order counts', () => {
    expect([...r.holdings]).toEqual(expected.holdings);
    expect([...r.sells]).toEqual(expected.sells);
    expect([...r.buys]).toEqual(expected.buys);
    expect([...r.skippedSells]).toEqual(expected.skippedSells);
    expect([...r.skippedBuys]).toEqual(expected.skippedBuys);
  });

  it('logs the hand trades (real shares = adjusted amount × factor)', () => {
    const t = r.trades!;
    const rows = Array.from({ length: t.length }, (_, k) => [
      days[t.day[k]!], instruments[t.instrument[k]!], t.side[k],
      Math.round(t.amount[k]! * factor[t.instrument[k]!]![0]!), Math.round(t.value[k]! * 100) / 100,
      Math.round(t.cost[k]! * 100) / 100,
    ]);
    expect(rows).toEqual([
      ['2024-01-03', 'A', 1, 900, 9000, 5],
      ['2024-01-04', 'B', 1, 900, 9450, 5],
      ['2024-01-05', 'D', 1, 200, 1000, 5],
      ['2024-01-08', 'A', -1, 900, 9180, 13.77],
      ['2024-01-09', 'E', 1, 400, 8000, 5],
      ['2024-01-10', 'D', -1, 200, 1080, 5],
      ['2024-01-11', 'E', -1, 400, 8800, 13.2],
      ['2024-01-11', 'C', 1, 900, 10800, 5.4],
    ]);
    expect(r.lotRounding).toBe(true);
    expect(r.diagnostics).toEqual([]);
  });

  it('gives the same series when the suspension is a NaN close instead of volume 0', () => {
    const nanClose = close.map((row) => row.slice());
    nanClose[1]![5] = NaN;
    const r2 = run({ close: nanClose, factor });
    expectCents(r2.account, expected.account);
    expectClose(r2.return, expected.return);
    expect([...r2.skippedSells]).toEqual(expected.skippedSells);
  });

  it('without the suspension B is sold on D5 (so the volume rule is what blocked it)', () => {
    const r3 = run({ close, factor });
    expect(r3.sells[5]).toBe(1);
    expect(r3.account[4]).toBeCloseTo(expected.account[4]!, 6);
    expect(Math.abs(r3.account[5]! - expected.account[5]!)).toBeGreaterThan(1);
  });
});
