// The paper claims' strategies (verify/paper-claims.ts) compile on their
// claim markets, so `npm run verify -- --claims` cannot rot unnoticed; and the
// TRA router statistics count usage and regime agreement as they should (on
// hand-made predictions against a generated market's truth tables). The
// claims themselves train for minutes each: they run in `npm run verify`.

import { describe, expect, it } from 'vitest';
import { closeMarket, openMarket, queryRows } from '../../runtime/data/db.js';
import { marketFile } from '../../runtime/run.js';
import type { DayPrediction } from '../../runtime/train/loop.js';
import { addStrategy, gruStrategy, hybridStrategy, igmtfStrategy, lstmDaysStrategy, marketStateAccuracy, paperMarket, routerStats, transformerStrategy, traStrategy } from '../../verify/paper-claims.js';
import { compileSource, ROOT } from '../helpers/compile.js';
import { conceptPeersMarket, MODELS } from '../../verify/claims.js';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

const compile = (src: string) => compileSource(src, { name: 'paper-claim' });

describe('paper claim strategies', () => {
  const o = { epochs: 2 };
  const cases: [string, string, string][] = [
    ['TRA', paperMarket(['regimes']), traStrategy(o, 3)],
    ['TRA K = 1', paperMarket(['regimes']), traStrategy(o, 1)],
    ['TRA without OT', paperMarket(['regimes']), traStrategy(o, 3, false)],
    ['IGMTF', paperMarket(['dayTypes']), igmtfStrategy(o)],
    ['LSTM (daily)', paperMarket(['dayTypes']), lstmDaysStrategy(o)],
    ['ADD', paperMarket(['market', 'temporal']), addStrategy(o)],
    ['ADD without the adversary', paperMarket(['market', 'temporal']), addStrategy(o, 'no_adversary')],
    ['ADD without the augmentation', paperMarket(['market', 'temporal']), addStrategy(o, 'no_augmentation')],
    ['GRU', paperMarket(['market', 'temporal']), gruStrategy(o)],
    ['the hybrid (strategies/hybrid.qv)', paperMarket(['concepts', 'hidden', 'regimes']), hybridStrategy(o)],
    ['the Transformer beside it', paperMarket(['concepts', 'hidden', 'regimes']), transformerStrategy(o)],
  ];
  for (const [name, market, strategy] of cases) {
    it(`${name} compiles on its claim market`, () => {
      const c = compile(market + strategy);
      expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      expect(c.plans).toHaveLength(1);
    });
  }
  // verify/claims.ts's models (HIST's with its read, the peers' probes, TRA's windows, …)
  const everything = conceptPeersMarket() + 'memory errors1: Float[K = 1] { per: sample, lag: 1 }\n';
  for (const name of Object.keys(MODELS)) {
    it(`verify/claims.ts's ${name} compiles`, () => {
      const c = compile(everything + MODELS[name]!(2));
      expect(c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      expect(c.plans).toHaveLength(1);
    });
  }
  it('the hybrid strategy (Transformer + HIST head + TRA router) stays within 20 lines', () => {
    const lines = readFileSync(join(ROOT, 'strategies', 'hybrid.qv'), 'utf8').replace(/\n$/, '').split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
  });
  it('a shorter segments override reaches the plan', () => {
    const c = compile(paperMarket(['regimes'], '', 3, 'train: 2008-01-01..2008-06-30, valid: 2008-07-01..2008-09-30, test: 2008-10-01..2008-12-31') + traStrategy(o, 3));
    expect(c.plans[0]!.data.segments['train']).toEqual({ start: '2008-01-01', end: '2008-06-30' });
  });
});

describe('TRA router statistics', () => {
  it('usage shares, agreement with the true regime under the best matching, and chance from shifted days', async () => {
    const c = compile(paperMarket(['regimes']) + traStrategy({ epochs: 1 }, 3));
    const path = await marketFile(c.plans[0]!, join(ROOT, '.quiver'), () => {});
    const db = await openMarket(path);
    const cluster = new Map((await queryRows(db, 'SELECT stock, cluster FROM truth_hidden_cluster')).map((x) => [String(x['stock']), Number(x['cluster'])]));
    const regimes = await queryRows(db, "SELECT CAST(day AS VARCHAR) AS day, grp, regime FROM truth_regime WHERE day BETWEEN DATE '2010-01-01' AND DATE '2010-12-31' ORDER BY day");
    closeMarket(db);
    const stocks = [...cluster.keys()].slice(0, 12);
    const days = [...new Set(regimes.map((r) => String(r['day'])))];
    const regimeOf = new Map(regimes.map((r) => [`${r['day']}|${r['grp']}`, Number(r['regime'])]));
    // a router that routes by the true regime through the permutation (0→2, 1→0, 2→1)
    const perm = [2, 0, 1];
    const preds: DayPrediction[] = days.map((day) => {
      const prob = new Float32Array(stocks.length * 3);
      stocks.forEach((s, i) => (prob[i * 3 + perm[regimeOf.get(`${day}|${cluster.get(s)}`)!]!] = 1));
      return { day, instruments: stocks, pred: new Float32Array(stocks.length), label: new Float64Array(stocks.length), outputs: { prob } };
    });
    const s = await routerStats(preds, path, 3);
    expect(s.accuracy).toBe(1);
    expect(s.chance).toBeLessThan(0.7);
    expect(s.usage.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // always predictor 1: usage collapses, agreement is the largest regime's share
    const flat = preds.map((p) => ({ ...p, outputs: { prob: Float32Array.from({ length: stocks.length * 3 }, (_, k) => (k % 3 === 1 ? 1 : 0)) } }));
    const f = await routerStats(flat, path, 3);
    expect(f.usage).toEqual([0, 1, 0]);
    expect(f.accuracy).toBeLessThan(0.7);
    expect(f.spread).toBeUndefined();
    // predictor outputs: k = regime's own predictor tracks the label in its regime, the others are noise
    let seed = 7;
    const noise = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648) - 0.5;
    const withAll = preds.map((p) => {
      const label = Float64Array.from(p.instruments, () => noise());
      const all = new Float32Array(p.instruments.length * 3);
      p.instruments.forEach((st, i) => {
        const r = regimeOf.get(`${p.day}|${cluster.get(st)}`)!;
        for (let k = 0; k < 3; k++) all[i * 3 + k] = k === r ? label[i]! + 0.1 * noise() : noise();
      });
      return { ...p, label, outputs: { ...p.outputs, all } };
    });
    const sp = await routerStats(withAll, path, 3);
    expect(sp.spread).toBeGreaterThan(0.8);
    for (let r = 0; r < 3; r++) if (Number.isFinite(sp.regimeCorr![r]![r]!)) expect(sp.regimeCorr![r]![r]!).toBeGreaterThan(0.9);
    // alike predictors: no spread
    const alike = withAll.map((p) => ({ ...p, outputs: { ...p.outputs, all: Float32Array.from(Array.from(p.label).flatMap((y) => [y, y, y])) } }));
    expect((await routerStats(alike, path, 3)).spread).toBeCloseTo(0, 6);
  }, 120_000);
});

describe('ADD market-state accuracy', () => {
  const day = (k: number, mean: number, logits: (state: number) => number[]): DayPrediction => ({
    day: `2010-01-${String(k + 1).padStart(2, '0')}`,
    instruments: ['a', 'b'],
    pred: new Float32Array(2),
    label: Float64Array.from([mean - 0.01, mean + 0.01]),
    outputs: { mk: Float32Array.from([...logits(k % 3), ...logits(k % 3)]) },
  });
  // day k's mean is k's position in a cycle low / middle / high: its state is k % 3
  const means = (k: number) => [-0.02, 0, 0.02][k % 3]! + k * 1e-5;
  it('a head that names the state scores 1, a constant one 1/3, one off by a state 0', () => {
    const right = Array.from({ length: 30 }, (_, k) => day(k, means(k), (s) => [0, 1, 2].map((c) => (c === s ? 1 : 0))));
    expect(marketStateAccuracy(right, 'mk')).toBe(1);
    const constant = Array.from({ length: 30 }, (_, k) => day(k, means(k), () => [0, 0, 1]));
    expect(marketStateAccuracy(constant, 'mk')).toBeCloseTo(1 / 3, 6);
    const off = Array.from({ length: 30 }, (_, k) => day(k, means(k), (s) => [0, 1, 2].map((c) => (c === (s + 1) % 3 ? 1 : 0))));
    expect(marketStateAccuracy(off, 'mk')).toBe(0);
    expect(() => marketStateAccuracy(right, 'adv_mk')).toThrow(/adv_mk/);
  });
});
