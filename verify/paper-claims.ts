// The stdlib papers' claims on the demo market's planted structure (issue 7;
// docs/synthetic-market.md, "which effect for which model"): HIST, TRA,
// IGMTF, ADD and the hybrid, each against its control and its ablations,
// with the structure on and switched off. `npm run verify -- --claims` runs
// them at full length and writes docs/results.md; test/e2e/paper-claims.test.ts
// runs short versions in the suite.
//
// Every claim is a comparison of test-segment numbers measured here, in one
// process, on one market; nothing is read from a file of expected values.

import { pearson } from '../runtime/eval/stats.js';
import type { DayPrediction } from '../runtime/train/loop.js';
import { join, relative } from 'node:path';
import { marketRows, retrievalStats } from './reads.js';
import { MODELS, market, regimesMarket, trainOn, type ClaimRow, type Trained } from './claims.js';

const root = join(import.meta.dirname, '..');

/** Models the paper claims use, as strategy text over the claim market `m` (verify/claims.ts). */
const IMPORTS = `
import stdlib.models { IGMTF, igmtf_loss, LSTM, ADD, add_full_loss }
memory errors1: Float[K = 1] { per: sample, lag: 1 }
memory enc: Float[H = 64] { per: sample, lag: 0, update: refresh }
`;

export interface PaperOptions {
  /** epochs of each training stage */
  epochs: number;
  /** segments override (the suite uses a shorter train window) */
  segments?: string;
}

function train(o: PaperOptions, extra = ''): string {
  return `optimizer: adam(lr: 1e-3), epochs: ${o.epochs}, clip: value(3), early_stop: { patience: 3, on: valid.ic }${extra}`;
}

/** TRA with K predictors; `transport: false` drops the optimal-transport term. */
export function traStrategy(o: PaperOptions, K: 1 | 3, transport = true): string {
  const mem = K === 1 ? 'errors1' : 'errors';
  return `strategy tra { data m  model TRA(x: m.x, hist: history(${mem}, 60), K: ${K})
  train { optimizer: adam(lr: 1e-3), batch: samples(1024), clip: value(3)
    stage pretrain { loss: tra_oracle(pred, label), epochs: ${o.epochs} }
    stage main { loss: tra_loss(pred, label, history(${mem}, 60), ${mem}, transport: ${transport}), epochs: ${o.epochs},
                 early_stop: { patience: 3, on: valid.ic }, each_epoch: refresh(${mem}) } } }`;
}

export function igmtfStrategy(o: PaperOptions): string {
  return `strategy igmtf { data m  model IGMTF(x: m.x, bank: bank(enc), seen: bank_visible(enc))  loss igmtf_loss(pred, label, enc)
  train { ${train(o, ', batch: days, each_epoch: refresh(enc)')} } }`;
}

export function lstmDaysStrategy(o: PaperOptions): string {
  return `strategy lstm { data m  model LSTM(x: m.x)  train { ${train(o, ', batch: days')} } }`;
}

/** The train segment's bounds: the claim market's, or the `segments` override's. */
export function trainSegment(o: PaperOptions): [string, string] {
  const m = /train:\s*(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})/.exec(o.segments ?? 'train: 2008-01-01..2009-06-30');
  if (!m) throw new Error(`no train segment in ${o.segments}`);
  return [m[1]!, m[2]!];
}

/** The claim market: verify/claims.ts's, plus ADD's market-state target, the paper models' imports and memories. */
export function paperMarket(only: string[], effects = '', seed = 3, segments?: string): string {
  let src = market(only, effects, seed)
    .replace('  label    Ref($close, -1) / $close - 1\n', '  label    Ref($close, -1) / $close - 1\n  target   mkt = cs_mean(Ref($close, -1) / $close - 1)\n')
    .replace('           label:    [dropna, cs_rank]\n', '           label:    [dropna, cs_rank]\n           mkt:      [qcut(3, fit: "train")]\n');
  src += IMPORTS + 'memory teacher: Float[K = 1] { per: sample, lag: 0, update: refresh }\n';
  if (segments) src = src.replace(/segments train:[^\n]*\n/, `segments ${segments}\n`);
  return src;
}

/** ADD (the paper's: augmentation and self-distillation), or with one part removed. */
export function addStrategy(o: PaperOptions, part: 'full' | 'no_adversary' | 'no_augmentation' = 'full'): string {
  const flags = part === 'no_adversary' ? ', adversary: false' : part === 'no_augmentation' ? ', augment: false' : '';
  const ratio = part === 'no_augmentation' ? ', ratio: 0' : '';
  return `strategy add { data m  model ADD(x: m.x${flags})  loss add_full_loss(pred, label, m.mkt, m.x, history(teacher, 1), teacher${ratio})
  train { ${train(o, ', batch: samples(1024), each_epoch: refresh(teacher)')} } }`;
}

export function gruStrategy(o: PaperOptions): string {
  return `strategy gru { data m  model GRU(x: m.x)  train { ${train(o, ', batch: samples(1024)')} } }`;
}

// ── TRA's router ─────────────────────────────────────────────────────────────

export interface RouterStats {
  /** share of test samples routed to each predictor (argmax of the router) */
  usage: number[];
  /** agreement of the route with the true regime, under the best matching of predictors to regimes */
  accuracy: number;
  /** the same with the regimes of other days (a circular shift of the test days): what chance gives */
  chance: number;
  /** per true regime, each predictor's correlation with the label (pooled over the regime's samples); with `all` outputs */
  regimeCorr?: number[][];
  /** how differently the predictors do within a regime: the largest spread of regimeCorr over the regimes (0 = all alike) */
  spread?: number;
}

/** The largest entry's index in row i of a row-major [rows, C] array (the first on ties). */
function rowArgmax(a: ArrayLike<number>, i: number, C: number): number {
  let best = 0;
  for (let k = 1; k < C; k++) if (a[i * C + k]! > a[i * C + best]!) best = k;
  return best;
}

/** Best agreement over every assignment of K predictors to R regimes (K ≤ 3: brute force). */
function bestMatch(conf: number[][], total: number): number {
  const K = conf.length;
  const R = conf[0]?.length ?? 0;
  let best = 0;
  const walk = (k: number, used: Set<number>, acc: number): void => {
    if (k === K) {
      best = Math.max(best, acc);
      return;
    }
    for (let r = 0; r < R; r++) {
      if (used.has(r)) continue;
      used.add(r);
      walk(k + 1, used, acc + conf[k]![r]!);
      used.delete(r);
    }
    if (K > R) walk(k + 1, used, acc);
  };
  walk(0, new Set(), 0);
  return total ? best / total : 0;
}

/**
 * How TRA routed the test samples: usage per predictor, and agreement with
 * the market's true regime (truth_regime by hidden cluster and day), against
 * the agreement with shifted regimes.
 */
export async function routerStats(preds: DayPrediction[], marketPath: string, K: number): Promise<RouterStats> {
  const [clusters, regimes] = await marketRows(marketPath, 'SELECT stock, cluster FROM truth_hidden_cluster', 'SELECT CAST(day AS VARCHAR) AS day, grp, regime FROM truth_regime');
  const cluster = new Map(clusters!.map((x) => [String(x['stock']), Number(x['cluster'])]));
  const regime = new Map(regimes!.map((x) => [`${x['day']}|${x['grp']}`, Number(x['regime'])]));
  const usage = new Array<number>(K).fill(0);
  const routes: { day: number; grp: number; route: number }[] = [];
  // per regime: each predictor's outputs and the labels beside them
  const pairs = Array.from({ length: 3 }, () => ({ y: [] as number[], x: Array.from({ length: K }, () => [] as number[]) }));
  let withAll = false;
  preds.forEach((p, d) => {
    const prob = p.outputs?.['prob'];
    if (!prob) throw new Error('routerStats needs the model outputs (trainOn with keep: true)');
    const all = p.outputs?.['all'];
    withAll ||= all !== undefined;
    p.instruments.forEach((s, i) => {
      const best = rowArgmax(prob, i, K);
      usage[best]!++;
      const g = cluster.get(s);
      if (g === undefined) return;
      routes.push({ day: d, grp: g, route: best });
      const r = regime.get(`${p.day}|${g}`);
      const y = p.label[i]!;
      if (!all || r === undefined || !Number.isFinite(y)) return;
      pairs[r]!.y.push(y);
      for (let k = 0; k < K; k++) pairs[r]!.x[k]!.push(all[i * K + k]!);
    });
  });
  const n = usage.reduce((a, b) => a + b, 0);
  const agreement = (shift: number): number => {
    const conf = Array.from({ length: K }, () => [0, 0, 0]);
    let total = 0;
    for (const r of routes) {
      const day = preds[(r.day + shift) % preds.length]!.day;
      const g = regime.get(`${day}|${r.grp}`);
      if (g === undefined) continue;
      conf[r.route]![g]!++;
      total++;
    }
    return bestMatch(conf, total);
  };
  const shifts = [0.25, 0.5, 0.75].map((f) => Math.max(1, Math.round(preds.length * f)));
  const out: RouterStats = { usage: usage.map((u) => u / Math.max(1, n)), accuracy: agreement(0), chance: shifts.reduce((s, k) => s + agreement(k), 0) / shifts.length };
  if (withAll) {
    out.regimeCorr = pairs.map((p) => p.x.map((x) => pearson(x, p.y, p.y.length)));
    out.spread = Math.max(0, ...out.regimeCorr.map((row) => row.filter(Number.isFinite)).filter((row) => row.length > 0).map((row) => Math.max(...row) - Math.min(...row)));
  }
  return out;
}

/**
 * How often a head's argmax names the day's market state on the test days,
 * the state being the tertile of the day's mean raw label among the test
 * days (balanced classes: chance is 1/3). ADD's market head should beat
 * chance; the adversary reading the excess encoder should not.
 */
export function marketStateAccuracy(preds: DayPrediction[], field: string): number {
  const means = preds.map((p) => {
    let s = 0;
    let n = 0;
    for (const y of p.label) if (Number.isFinite(y)) (s += y), n++;
    return n ? s / n : NaN;
  });
  const sorted = means.filter(Number.isFinite).sort((a, b) => a - b);
  const q1 = sorted[Math.floor(sorted.length / 3)]!;
  const q2 = sorted[Math.floor((2 * sorted.length) / 3)]!;
  let hit = 0;
  let n = 0;
  preds.forEach((p, d) => {
    const m = means[d]!;
    const o = p.outputs?.[field];
    if (!o) throw new Error(`marketStateAccuracy needs the model output ${field} (trainOn with keep: true)`);
    if (!Number.isFinite(m) || p.instruments.length === 0) return;
    const state = m < q1 ? 0 : m < q2 ? 1 : 2;
    const C = o.length / p.instruments.length;
    for (let i = 0; i < p.instruments.length; i++) {
      hit += rowArgmax(o, i, C) === state ? 1 : 0;
      n++;
    }
  });
  return n ? hit / n : NaN;
}

// ── the claims ──────────────────────────────────────────────────────────────

type Log = (s: string) => void;

/** Train one model for a claim; its row (IC, Rank IC) goes to `rows`, `holds` is set by the caller. */
async function run(rows: ClaimRow[], log: Log, progress: () => void, claim: string, marketName: string, src: string, model: string, strategy: string, keep = false): Promise<{ row: ClaimRow; r: Trained }> {
  log(`claim: ${claim} — ${model} on ${marketName}`);
  const r = await trainOn(src, model, 0, { strategy, keep });
  const row: ClaimRow = { claim, market: marketName, model, ic: r.ic, rankIc: r.rankIc };
  rows.push(row);
  progress();
  return { row, r };
}

/** TRA beats its K = 1 backbone; the router finds the regimes; OT keeps the predictors in use, without it they collapse. */
export async function traClaims(o: PaperOptions, rows: ClaimRow[], log: Log = () => {}, progress: () => void = () => {}): Promise<{ tra: RouterStats; noOt: RouterStats }> {
  const src = paperMarket(['regimes'], '', 3, o.segments);
  const tra = await run(rows, log, progress, 'TRA > its backbone (K = 1)', 'regimes', src, 'tra', traStrategy(o, 3), true);
  const one = await run(rows, log, progress, 'TRA > its backbone (K = 1)', 'regimes', src, 'tra_k1', traStrategy(o, 1));
  tra.row.holds = (tra.r.ic ?? 0) > (one.r.ic ?? 0);
  const stats = await routerStats(tra.r.predictions!, tra.r.marketPath!, 3);
  rows.push({ claim: `router argmax vs true regime: ${stats.accuracy.toFixed(3)} (chance ${stats.chance.toFixed(3)})`, market: 'regimes', model: 'tra', ic: null, rankIc: null, holds: stats.accuracy > stats.chance + 0.05 });
  rows.push({ claim: `predictor usage with OT: ${stats.usage.map((u) => u.toFixed(2)).join(' / ')}`, market: 'regimes', model: 'tra', ic: null, rankIc: null, holds: stats.usage.every((u) => u >= 0.5 / 3 && u <= 1.5 / 3) });
  // what the router needs: predictors that differ within a regime (the largest spread of their correlations with the label)
  rows.push({ claim: `predictors specialise: within-regime spread ${stats.spread?.toFixed(3)} (per regime ${stats.regimeCorr?.map((r) => r.map((c) => c.toFixed(2)).join('/')).join(', ')})`, market: 'regimes', model: 'tra', ic: null, rankIc: null, holds: (stats.spread ?? 0) > 0.1 });
  const noOt = await run(rows, log, progress, 'TRA without OT', 'regimes', src, 'tra_no_ot', traStrategy(o, 3, false), true);
  const s2 = await routerStats(noOt.r.predictions!, noOt.r.marketPath!, 3);
  rows.push({ claim: `predictor usage without OT: ${s2.usage.map((u) => u.toFixed(2)).join(' / ')}`, market: 'regimes', model: 'tra_no_ot', ic: null, rankIc: null, holds: s2.usage.some((u) => u < 0.5 / 3 || u > 1.5 / 3) });
  progress();
  // Small encoders reading the last 6 days, regimes lasting about 100 days
  // (docs/papers.md, TRA): the predictors specialise and the router follows
  // the regime; whether that beats K = 1 depends on the seed.
  const long = regimesMarket(0.99);
  const longName = 'regimes amp 1, stay 0.99';
  const w6 = await run(rows, log, progress, 'TRA > K = 1 (H 32, 6-day backbone)', longName, long, 'tra_w6', MODELS['tra_w6']!(0), true);
  const w6k1 = await run(rows, log, progress, 'TRA > K = 1 (H 32, 6-day backbone)', longName, long, 'tra_w6_k1', MODELS['tra_w6_k1']!(0));
  w6.row.holds = (w6.r.ic ?? 0) > (w6k1.r.ic ?? 0);
  const s3 = await routerStats(w6.r.predictions!, w6.r.marketPath!, 3);
  rows.push({ claim: `router argmax vs true regime (6-day backbone): ${s3.accuracy.toFixed(3)} (chance ${s3.chance.toFixed(3)}); usage ${s3.usage.map((u) => u.toFixed(2)).join(' / ')}`, market: longName, model: 'tra_w6', ic: null, rankIc: null, holds: s3.accuracy > s3.chance + 0.05 });
  progress();
  return { tra: stats, noOt: s2 };
}

/** IGMTF beats its LSTM encoder alone where day types are planted; with the day types shuffled the gain goes. */
export async function igmtfClaims(o: PaperOptions, rows: ClaimRow[], log: Log = () => {}, progress: () => void = () => {}): Promise<{ gain: number; shuffledGain: number }> {
  const on = paperMarket(['dayTypes'], '', 3, o.segments);
  const off = paperMarket(['dayTypes'], 'dayTypes: { shuffle: true }', 3, o.segments);
  const ig = await run(rows, log, progress, 'IGMTF > LSTM (day types)', 'dayTypes', on, 'igmtf', igmtfStrategy(o), true);
  const ls = await run(rows, log, progress, 'IGMTF > LSTM (day types)', 'dayTypes', on, 'lstm', lstmDaysStrategy(o));
  const gain = (ig.r.ic ?? 0) - (ls.r.ic ?? 0);
  // what the retrieval needs: days of today's type among the retrieved ones
  const [start, end] = trainSegment(o);
  const ret = await retrievalStats(ig.r.predictions!, ig.r.marketPath!, start, end);
  rows.push({ claim: `IGMTF's retrieved days sharing today's type: ${ret.same.toFixed(3)} (chance ${ret.chance.toFixed(3)})`, market: 'dayTypes', model: 'igmtf', ic: null, rankIc: null, holds: ret.same > ret.chance + 0.1 });
  progress();
  const igS = await run(rows, log, progress, 'IGMTF gain gone (day types shuffled)', 'dayTypes shuffled', off, 'igmtf', igmtfStrategy(o));
  const lsS = await run(rows, log, progress, 'IGMTF gain gone (day types shuffled)', 'dayTypes shuffled', off, 'lstm', lstmDaysStrategy(o));
  const shuffledGain = (igS.r.ic ?? 0) - (lsS.r.ic ?? 0);
  ig.row.holds = gain > 0.02;
  igS.row.holds = shuffledGain < gain / 2;
  return { gain, shuffledGain };
}

/** ADD beats its GRU backbone where a market component is planted; removing the adversary or the augmentation each hurts. */
export async function addClaims(o: PaperOptions, rows: ClaimRow[], log: Log = () => {}, progress: () => void = () => {}): Promise<void> {
  const src = paperMarket(['market', 'temporal'], '', 3, o.segments);
  const add = await run(rows, log, progress, 'ADD > GRU (market + temporal)', 'market+temporal', src, 'add', addStrategy(o), true);
  const gru = await run(rows, log, progress, 'ADD > GRU (market + temporal)', 'market+temporal', src, 'gru', gruStrategy(o));
  add.row.holds = (add.r.ic ?? 0) > (gru.r.ic ?? 0);
  // the disentanglement itself (specs/add.md): the market head reads the market state, the adversary on the excess encoder does not
  const mk = marketStateAccuracy(add.r.predictions!, 'mk');
  const adv = marketStateAccuracy(add.r.predictions!, 'adv_mk');
  rows.push({ claim: `market state from the market head ${mk.toFixed(3)}, from the excess encoder (adversary) ${adv.toFixed(3)}; chance 0.333`, market: 'market+temporal', model: 'add', ic: null, rankIc: null, holds: mk > 0.4 && Math.abs(adv - 1 / 3) < 0.05 });
  const noAdv = await run(rows, log, progress, 'ADD without the adversary loses IC', 'market+temporal', src, 'add_no_adversary', addStrategy(o, 'no_adversary'));
  noAdv.row.holds = (noAdv.r.ic ?? 0) < (add.r.ic ?? 0);
  const noAug = await run(rows, log, progress, 'ADD without the augmentation loses IC', 'market+temporal', src, 'add_no_augmentation', addStrategy(o, 'no_augmentation'));
  noAug.row.holds = (noAug.r.ic ?? 0) < (add.r.ic ?? 0);
}

/** The hybrid of strategies/hybrid.qv (its `Hybrid` model, imported from the file), trained like TRA. */
export function hybridStrategy(o: PaperOptions): string {
  // trainOn compiles a file under /virtual: the import path is relative to it.
  const file = relative('/virtual', join(root, 'strategies', 'hybrid.qv'));
  return `import "${file}" { Hybrid }
strategy hybrid { data m  model Hybrid(x: m.x, C: concepts.matrix, cap: m.cap, live: concepts.live, hist: history(errors, 60))
  train { optimizer: adam(lr: 1e-3), batch: days, clip: value(3)
    stage pretrain { loss: tra_oracle(pred, label), epochs: ${o.epochs} }
    stage main { loss: tra_loss(pred, label, history(errors, 60), errors), epochs: ${o.epochs},
                 early_stop: { patience: 3, on: valid.ic }, each_epoch: refresh(errors) } } }`;
}

/** The hybrid's encoder alone (the Transformer it is built on, same sizes). */
export function transformerStrategy(o: PaperOptions): string {
  return `import stdlib.models { Transformer }
strategy transformer { data m  model Transformer(x: m.x, d: 64, heads: 4, layers: 2, ff: 128)  train { ${train(o, ', batch: days')} } }`;
}

/**
 * The hybrid trains on the structure its parts target (concepts and hidden
 * clusters for HIST's head, regimes for TRA's router), and its test IC is
 * reported beside each part's: its Transformer encoder alone, HIST, TRA.
 */
export async function hybridClaims(o: PaperOptions, rows: ClaimRow[], log: Log = () => {}, progress: () => void = () => {}): Promise<Record<string, number | null>> {
  const src = paperMarket(['concepts', 'hidden', 'regimes'], '', 3, o.segments);
  const name = 'concepts+hidden+regimes';
  const claim = 'hybrid trains; IC beside its parts';
  const hy = await run(rows, log, progress, claim, name, src, 'hybrid', hybridStrategy(o));
  hy.row.holds = hy.r.ic !== null && Number.isFinite(hy.r.ic) && hy.r.ic > 0;
  const tf = await run(rows, log, progress, claim, name, src, 'transformer', transformerStrategy(o));
  const hist = await run(rows, log, progress, claim, name, src, 'hist', MODELS['hist']!(o.epochs));
  const tra = await run(rows, log, progress, claim, name, src, 'tra', traStrategy(o, 3));
  return { hybrid: hy.r.ic, transformer: tf.r.ic, hist: hist.r.ic, tra: tra.r.ic };
}

/** Every paper claim of issue 7 (HIST's run in verify/claims.ts), at `epochs` per stage. */
export async function runPaperClaims(log: Log, epochs: number, rows: ClaimRow[], progress: () => void = () => {}): Promise<void> {
  const o: PaperOptions = { epochs };
  await traClaims(o, rows, log, progress);
  await igmtfClaims(o, rows, log, progress);
  await addClaims(o, rows, log, progress);
  await hybridClaims(o, rows, log, progress);
}
