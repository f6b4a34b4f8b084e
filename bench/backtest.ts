// Backtest benchmark: seconds per TopkDropout backtest (Qlib's CSI300
// settings: topk 50, n_drop 5, costs 0.0005/0.0015/5, limit 9.5 %, lots of 100)
// on a synthetic 300-stock × 850-day market with suspensions and limit days
// (median of several runs), then one run on the real CSI300 sample
// 2018–2020 with a 20-day momentum score, to show the numbers are sane.
//
// Run alone: node --import tsx bench/backtest.ts
// Reference point: Qlib's own backtest takes ~15 s for 871 days (qlib.md §6).

import { pathToFileURL } from 'node:url';
import { runBacktest, type BacktestResult } from '../runtime/backtest/index.js';
import { crossSectionsFromMatrix, evaluateSignal } from '../runtime/eval/index.js';
import { syntheticMarket } from './backtest-market.js';
import { loadMembership, loadSample } from './backtest-sample.js';

export interface BacktestBench {
  synthetic: { stocks: number; days: number; runs: number; medianSeconds: number; minSeconds: number; evalSeconds: number };
  sample: {
    days: number;
    stocks: number;
    seconds: number;
    withCost: BacktestResult['risk']['excessReturnWithCost'];
    withoutCost: BacktestResult['risk']['excessReturnWithoutCost'];
    finalAccount: number;
    benchmarkTotal: number;
    meanTurnover: number;
    meanHoldings: number;
    ic: number;
    rankIc: number;
    icir: number;
  };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function seconds(f: () => void): number {
  const t = performance.now();
  f();
  return (performance.now() - t) / 1000;
}

export function benchBacktest(runs = 7): BacktestBench {
  const N = 300;
  const D = 850;
  const m = syntheticMarket(N, D, 42);
  const input = { panel: m.panel, score: m.score, benchmark: { close: m.benchClose }, settings: { account: 1e8 } };
  runBacktest(input); // warm-up (JIT)
  const times: number[] = [];
  for (let k = 0; k < runs; k++) times.push(seconds(() => runBacktest(input)));

  // metrics over the same 300 × 850 matrix, for scale
  const label = new Float64Array(N * D).fill(NaN);
  const close = m.panel.fields['close']!;
  for (let i = 0; i < N; i++) for (let d = 0; d + 2 < D; d++) label[i * D + d] = close[i * D + d + 2]! / close[i * D + d + 1]! - 1;
  const evalSeconds = seconds(() => evaluateSignal(crossSectionsFromMatrix(m.panel.days, N, m.score, label).cs));

  // the real sample
  const panel = loadSample();
  const SD = panel.days.length;
  const SN = panel.instruments.length;
  const member = loadMembership(panel);
  const sc = panel.fields['close']!;
  const sv = panel.fields['volume']!;
  const score = new Float64Array(SD * SN).fill(NaN);
  const slabel = new Float64Array(SD * SN).fill(NaN);
  for (let i = 0; i < SN; i++) {
    if (panel.instruments[i]!.startsWith('SH000')) continue; // the indices
    for (let d = 0; d < SD; d++) {
      const k = i * SD + d;
      if (d + 2 < SD) slabel[k] = sc[k + 2]! / sc[k + 1]! - 1;
      if (d >= 20 && member[k] && sv[k]! > 0) score[k] = sc[k]! / sc[k - 20]! - 1;
    }
  }
  let result: BacktestResult | undefined;
  const sampleSeconds = seconds(() => {
    result = runBacktest({ panel, score, benchmark: 'SH000300', settings: { start: '2018-02-01' } });
  });
  const r = result!;
  const cs = crossSectionsFromMatrix(panel.days, SN, score, slabel).cs;
  const rep = evaluateSignal(cs);
  let benchTotal = 1;
  for (const b of r.bench) benchTotal *= 1 + b;
  let to = 0;
  let h = 0;
  for (let t = 0; t < r.days.length; t++) {
    to += r.turnover[t]!;
    h += r.holdings[t]!;
  }
  return {
    synthetic: { stocks: N, days: D, runs, medianSeconds: median(times), minSeconds: Math.min(...times), evalSeconds },
    sample: {
      days: r.days.length,
      stocks: SN,
      seconds: sampleSeconds,
      withCost: r.risk.excessReturnWithCost,
      withoutCost: r.risk.excessReturnWithoutCost,
      finalAccount: r.account[r.days.length - 1]!,
      benchmarkTotal: benchTotal - 1,
      meanTurnover: to / r.days.length,
      meanHoldings: h / r.days.length,
      ic: rep.summary.ic,
      rankIc: rep.summary.rankIc,
      icir: rep.summary.icir,
    },
  };
}

function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const b = benchBacktest();
  const s = b.synthetic;
  console.log(`backtest ${s.stocks} stocks × ${s.days} days, topk 50 / n_drop 5, Qlib costs & limits`);
  console.log(`  median ${fmt(s.medianSeconds)} s/run (min ${fmt(s.minSeconds)} s, ${s.runs} runs); bar < 1 s; Qlib ~15 s`);
  console.log(`  evaluateSignal on the same matrix: ${fmt(s.evalSeconds)} s`);
  const p = b.sample;
  console.log(`real CSI300 sample, 20-day momentum, ${p.days} trade days, ${p.stocks} instruments: ${fmt(p.seconds)} s`);
  console.log(`  signal: IC ${fmt(p.ic)}  Rank IC ${fmt(p.rankIc)}  ICIR ${fmt(p.icir)}`);
  console.log(`  final account ${p.finalAccount.toFixed(2)} (from 1e8); benchmark total ${fmt(p.benchmarkTotal * 100, 2)} %`);
  console.log(`  mean turnover ${fmt(p.meanTurnover)}/day, mean holdings ${fmt(p.meanHoldings, 1)}`);
  for (const [name, r] of [['excess without cost', p.withoutCost], ['excess with cost', p.withCost]] as const) {
    console.log(`  ${name}: ann. return ${fmt(r.annualizedReturn)}  IR ${fmt(r.informationRatio)}  max DD ${fmt(r.maxDrawdown)}  (mean ${fmt(r.mean, 6)}, std ${fmt(r.std, 6)})`);
  }
}
