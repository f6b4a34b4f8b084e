// A realistic synthetic ReportData for the report tests.
//
// Seeded (mulberry32 + Box–Muller), so every run sees the same numbers:
// ~850 weekdays from 2017-01-03; a benchmark with CSI300-like daily moves; a
// top-50 portfolio with a small positive excess return, 5–15 % daily
// turnover and cost = turnover × 0.2 %; holdings mostly 50; IC around 0.04
// with a few undefined days; two training stages; a small IR graph in DOT;
// IC decay over 0–5 days and five score groups' cumulative returns.
// Risk is computed the Qlib way (mode "sum", N = 238) so tests can compare.

import type { ReportData, Risk } from '../../../runtime/report/index.js';

export function rng(seed: number): { uniform: () => number; normal: (mu?: number, sigma?: number) => number } {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (mu = 0, sigma = 1) => {
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    return mu + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return { uniform, normal };
}

/** Weekdays from `start` (ISO), `n` of them. */
export function tradingDays(start: string, n: number): string[] {
  const out: string[] = [];
  let t = Date.parse(`${start}T00:00:00Z`);
  while (out.length < n) {
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) out.push(new Date(t).toISOString().slice(0, 10));
    t += 86_400_000;
  }
  return out;
}

/** Qlib's risk_analysis, mode "sum", N = 238. */
export function qlibRisk(r: readonly number[]): Risk {
  const n = r.length;
  const mean = r.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  let cum = 0;
  let peak = -Infinity;
  let mdd = 0;
  for (const x of r) {
    cum += x;
    peak = Math.max(peak, cum);
    mdd = Math.min(mdd, cum - peak);
  }
  return {
    mean,
    std,
    annualized_return: mean * 238,
    information_ratio: (mean / std) * Math.sqrt(238),
    max_drawdown: mdd,
  };
}

export const SAMPLE_DOT = `digraph model {
  rankdir=TB;
  node [shape=box, style="rounded,filled", fillcolor="#eef3fb"];
  x [label="%x : Float[N, T=60, F=6]", shape=ellipse, fillcolor="#fff7d6"];
  gru [label="%1 = gru(x) hidden=64 layers=2"];
  last [label="%2 = take_last(%1, axis=T)"];
  fc [label="%3 = dense(%2) units=1"];
  sq [label="%4 = squeeze(%3) : Float[N]"];
  loss [label="mse(%4, label)", shape=diamond, fillcolor="#fde2e2"];
  x -> gru -> last -> fc -> sq -> loss;
}`;

export interface SyntheticOptions {
  days?: number;
  seed?: number;
  backtest?: boolean;
  training?: boolean;
  graph?: boolean;
  /** IC decay and quantile returns (evaluate: ic_decay, quantile_returns); default on. */
  evaluation?: boolean;
}

export function syntheticReport(opts: SyntheticOptions = {}): ReportData {
  const n = opts.days ?? 850;
  const g = rng(opts.seed ?? 7);
  const day = tradingDays('2017-01-03', n);

  const bench: number[] = [];
  const ret: number[] = [];
  const cost: number[] = [];
  const turnover: number[] = [];
  const holdings: number[] = [];
  const value: number[] = [];
  let v = 1e8;
  let held = 50;
  for (let i = 0; i < n; i++) {
    const b = g.normal(0.0003, 0.013);
    const to = i === 0 ? 1 : Math.min(0.3, Math.max(0.02, g.normal(0.1, 0.03)));
    const c = to * 0.002;
    const r = b + g.normal(0.0006, 0.005);
    if (g.uniform() < 0.05) held = 50 - Math.floor(g.uniform() * 3);
    else if (g.uniform() < 0.3) held = 50;
    bench.push(b);
    ret.push(r);
    cost.push(c);
    turnover.push(to);
    holdings.push(held);
    v *= 1 + r - c;
    value.push(v);
  }
  const ic: (number | null)[] = [];
  const rankIc: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const undefinedDay = g.uniform() < 0.01;
    const x = g.normal(0.04, 0.09);
    ic.push(undefinedDay ? null : x);
    rankIc.push(undefinedDay ? null : x + g.normal(0.008, 0.03));
  }

  const data: ReportData = {
    strategy: 'strategies/gru_alpha360.qv',
    createdAt: '2025-11-24T10:00:00.000Z',
    backend: 'tfjs-node',
    data: {
      source: 'synthetic:demo',
      universe: 'csi300',
      segments: {
        train: { start: '2010-01-04', end: '2014-12-31' },
        valid: { start: '2015-01-05', end: '2016-12-30' },
        test: { start: day[0]!, end: day[n - 1]! },
      },
    },
    metrics: { IC: 0.0412, ICIR: 0.4431, 'Rank IC': 0.0487, 'Rank ICIR': 0.5012, 'l2 loss (test)': 0.9931 },
    signal: { day, ic, rankIc },
    config: {
      data: { universe: 'csi300', features: 'Alpha360', label: 'Ref($close, -2) / Ref($close, -1) - 1' },
      train: { optimizer: 'adam', lr: 0.001, epochs: 25, earlyStop: 5 },
      backtest: { strategy: 'topk_dropout', topk: 50, n_drop: 5, open_cost: 0.0005, close_cost: 0.0015, min_cost: 5 },
    },
    notes: ['Synthetic market: numbers are illustrative.', 'Prediction for day t trades at close(t+1).'],
  };
  if (opts.backtest !== false) {
    const exWo = ret.map((r, i) => r - bench[i]!);
    const exW = ret.map((r, i) => r - bench[i]! - cost[i]!);
    data.backtest = {
      day,
      return: ret,
      bench,
      cost,
      turnover,
      holdings,
      value,
      risk: { withoutCost: qlibRisk(exWo), withCost: qlibRisk(exW) },
    };
  }
  if (opts.training !== false) {
    const epochs: NonNullable<ReportData['training']>['epochs'] = [];
    for (let e = 1; e <= 10; e++) {
      epochs.push({ epoch: e, stage: 'pretrain', trainLoss: 1.2 * Math.exp(-e / 4) + 0.5 + g.normal(0, 0.01), seconds: 3.1 + g.uniform() });
    }
    for (let e = 1; e <= 15; e++) {
      const trainLoss = 0.95 - 0.01 * e + g.normal(0, 0.004);
      epochs.push({
        epoch: e,
        stage: 'finetune',
        trainLoss,
        validLoss: 0.99 - 0.004 * Math.min(e, 8) + 0.003 * Math.max(0, e - 8) + g.normal(0, 0.002),
        validMetric: 0.02 + 0.004 * Math.min(e, 9) - 0.002 * Math.max(0, e - 9) + g.normal(0, 0.002),
        seconds: 5.2 + g.uniform(),
      });
    }
    data.training = { epochs, metricName: 'valid IC' };
  }
  if (opts.graph !== false) data.graph = { dot: SAMPLE_DOT };
  if (opts.evaluation !== false) {
    const icDecay = [0, 1, 2, 3, 4, 5].map((h) => ({ horizon: h, ic: 0.0412 * Math.exp(-h / 2), rankIc: h === 5 ? null : 0.0487 * Math.exp(-h / 2) }));
    const cumulative = [0.0012, 0.0006, 0.0001, -0.0004, -0.001].map((drift) => {
      let c = 0;
      return day.map(() => (c += drift + g.normal(0, 0.004)));
    });
    data.evaluation = { icDecay, groups: { day: [...day], cumulative } };
  }
  return data;
}
