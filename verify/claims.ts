// The papers' claims on planted structure (docs/synthetic-market.md, "which
// effect for which model"): each claim trains a model and its control on a
// market where only the relevant effects are on, and again with the
// structure switched off, and records the test ICs.
//
// Used by `npm run verify -- --claims`; test/e2e/claims.test.ts runs the
// cheapest of them (GRU vs Linear, GATs vs GRU) in the suite.

import { compileFiles } from '../compiler/pipeline.js';
import { marketFile, runPlan } from '../runtime/run.js';
import type { DayPrediction } from '../runtime/train/loop.js';
import { conceptReadStats } from './reads.js';
import { testHost } from '../test/helpers/compile.js';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

export interface ClaimRow {
  claim: string;
  market: string;
  model: string;
  ic: number | null;
  rankIc: number | null;
  holds?: boolean;
}

const root = join(import.meta.dirname, '..');

/** A market block: the small demo preset with only `only` effects on, next-day label, Qlib's processors. */
export function market(only: string[], effects = '', seed = 3): string {
  const eff = effects ? `, effects: { ${effects} }` : '';
  return `
import stdlib.features { alpha360 }
import stdlib.models { GRU, Linear, GATs, HIST, HISTWithRead, TRA, tra_oracle, tra_loss }
data m = demo(preset: "small", seed: ${seed}, only: [${only.map((o) => `"${o}"`).join(', ')}]${eff}) {
  universe csi300
  features alpha360
  label    Ref($close, -1) / $close - 1
  field    cap = $cap / 1e9
  process  features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
           label:    [dropna, cs_rank]
  segments train: 2008-01-01..2009-06-30, valid: 2009-07-01..2009-12-31, test: 2010-01-01..2010-12-31
}
graph concepts = bipartite(sql"SELECT stock, concept FROM concepts", left: N, right: M)
memory errors: Float[K = 3] { per: sample, lag: 1 }
`;
}

const TRAIN = (batch: string, epochs: number) =>
  `train { optimizer: adam(lr: 1e-3), epochs: ${epochs}, batch: ${batch}, clip: value(3), early_stop: { patience: 3, on: valid.ic } }`;

export const MODELS: Record<string, (epochs: number) => string> = {
  gru: (e) => `strategy gru { data m  model GRU(x: m.x)  ${TRAIN('samples(800)', e)} }`,
  gru_days: (e) => `strategy gru_days { data m  model GRU(x: m.x)  ${TRAIN('days', e)} }`,
  linear: (e) => `strategy linear { data m  model Linear(x: flatten(m.x, (F, T), to: F))  ${TRAIN('samples(800)', e)} }`,
  gats: (e) => `strategy gats { data m  model GATs(x: m.x)  ${TRAIN('days', e)} }`,
  hist: (e) => `strategy hist { data m  model HISTWithRead(x: m.x, C: concepts.matrix, cap: m.cap, live: concepts.live)  ${TRAIN('days', e)} }`,
  hist_nohidden: (e) => `strategy hist_nohidden { data m  model HIST(x: m.x, C: concepts.matrix, cap: m.cap, live: concepts.live, hidden: false)  ${TRAIN('days', e)} }`,
};

export interface Trained {
  ic: number | null;
  rankIc: number | null;
  /** with `keep`: the test predictions and the model's other outputs, and the market file (its truth tables) */
  predictions?: DayPrediction[];
  marketPath?: string;
}

// GATs > GRU (docs/synthetic-market.md, crossStock's interaction mode): the
// leaders' market-wide move of the day decides whether a follower's own
// move continues or reverses. Small encoders (H 32, one layer) so a few
// epochs suffice; days batches (the GAT attends over one day's stocks).
const TRAIN_CROSS = (epochs: number) =>
  `train { optimizer: adam(lr: 2e-3), epochs: ${epochs}, batch: days, clip: value(3), early_stop: { patience: 3, on: valid.ic } }`;
MODELS['gats_cross'] = (e) => `strategy gats_cross { data m  model GATs(x: m.x, H: 32, L: 1)  ${TRAIN_CROSS(e)} }`;
MODELS['gru_cross'] = (e) => `strategy gru_cross { data m  model GRU(x: m.x, H: 32, L: 1)  ${TRAIN_CROSS(e)} }`;

// The concept peers' signal and the loss (docs/papers.md, HIST): linear
// models of the last three days' features — the stock's own, or its own
// beside its concept peers' (member-weighted) mean — under plain MSE and
// under cs_mse (the MSE of the day's demeaned prediction). Under plain MSE the
// peers' mean goes to cancelling the day's market move in the stock's own
// features; under cs_mse it is a signal. HISTOwn is HIST's head with the
// concept read replaced by the stock's own membership row: the most the
// concept path can carry, beside HIST's published softmax read.
const PEERS = `
import stdlib.losses { cs_mse }
model PeersLinear(x: Float[N, T, F], C: Float[N, M], peers: Bool = true) -> Float[N] {
  let Z = flatten(slice(x, over: T, start: -3), (T, F), to: F)
  let w = C / (sum(C, over: N) + 1)
  let G = C / (sum(C, over: M) + 1e-9)
  let P = dot(G, dot(w, Z, over: N), over: M)
  return (if peers then concat(Z, P, over: F) else Z) |> dense(1) |> squeeze
}
model HISTOwn(x: Float[N, T, F], C: Float[N, M], H: Int = 64, L: Int = 2) -> Float[N] {
  let X  = x |> gru(H, layers: L) |> last(over: T)
  let E0 = dot(C / (sum(C, over: N) + 1), X, over: N)
  let P  = dot(C / (sum(C, over: M) + 1e-9), E0, over: M) |> dense(H, init: "xavier_uniform")
  let Op = P |> dense(H, init: "xavier_uniform") |> leaky_relu(0.01)
  let Oi = (X - (P |> dense(H, init: "xavier_uniform"))) |> dense(H, init: "xavier_uniform") |> leaky_relu(0.01)
  return (Op + Oi) |> dense(1) |> squeeze
}
`;
/** The concepts-only market of the loss comparison (amp 0.75, seed 5), with the probe models. */
export const conceptPeersMarket = (): string => market(['concepts'], 'concepts: { amp: 0.75 }', 5) + PEERS;
MODELS['own_linear'] = (e) => `strategy own_linear { data m  model PeersLinear(x: m.x, C: concepts.matrix, peers: false)  ${TRAIN('days', e)} }`;
MODELS['peers_linear'] = (e) => `strategy peers_linear { data m  model PeersLinear(x: m.x, C: concepts.matrix)  ${TRAIN('days', e)} }`;
MODELS['peers_linear_cs'] = (e) => `strategy peers_linear_cs { data m  model PeersLinear(x: m.x, C: concepts.matrix)  loss cs_mse(pred, label)  ${TRAIN('days', e)} }`;
MODELS['gru_days_cs'] = (e) => `strategy gru_days_cs { data m  model GRU(x: m.x)  loss cs_mse(pred, label)  ${TRAIN('days', e)} }`;
MODELS['hist_cs'] = (e) => `strategy hist_cs { data m  model HISTWithRead(x: m.x, C: concepts.matrix, cap: m.cap, live: concepts.live)  loss cs_mse(pred.pred, label)  ${TRAIN('days', e)} }`;
MODELS['hist_own_cs'] = (e) => `strategy hist_own_cs { data m  model HISTOwn(x: m.x, C: concepts.matrix)  loss cs_mse(pred, label)  ${TRAIN('days', e)} }`;

// TRA on the regimes market (docs/papers.md, TRA): small encoders (H 32, one
// layer) reading the last `win` days, so the regime is not all in the
// backbone's own window; the router reads 60 days of each predictor's errors.
// Pretraining with the oracle transport, then the router's stage; no early
// stopping, so runs of different K train alike (the fixed epochs are the
// measured ones; the `epochs` argument is ignored).
/** The regimes-only market at amp 1.0; `stay` is the regime's daily stay probability. */
export const regimesMarket = (stay: number): string =>
  market(['regimes'], `regimes: { amp: 1.0, stay: ${stay} }`) + 'memory errors1: Float[K = 1] { per: sample, lag: 1 }\n';
const traWindow = (name: string, o: { K: number; win: number; pretrain: number; transport?: boolean }) => () => {
  const { K, win, pretrain, transport = true } = o;
  const mem = K === 1 ? 'errors1' : 'errors';
  return `strategy ${name} { data m  model TRA(x: slice(m.x, over: T, start: -${win}), hist: history(${mem}, 60), K: ${K}, H: 32, L: 1)
  train { optimizer: adam(lr: 1e-3), batch: samples(256), clip: value(3)
    stage pretrain { loss: tra_oracle(pred, label), epochs: ${pretrain} }
    stage main { loss: tra_loss(pred, label, history(${mem}, 60), ${mem}, transport: ${transport}), epochs: 8, each_epoch: refresh(${mem}) } } }`;
};
MODELS['tra_w10'] = traWindow('tra_w10', { K: 3, win: 10, pretrain: 3 });
MODELS['tra_w10_noot'] = traWindow('tra_w10_noot', { K: 3, win: 10, pretrain: 3, transport: false });
MODELS['tra_w6'] = traWindow('tra_w6', { K: 3, win: 6, pretrain: 6 });
MODELS['tra_w6_k1'] = traWindow('tra_w6_k1', { K: 1, win: 6, pretrain: 6 });

/** The crossStock interaction market (`amp` 2.5 for the claim, 0 for its control). */
export const crossStockMarket = (amp: number): string => market(['crossStock'], `crossStock: { amp: ${amp}, interaction: true }`);

/** Train one model (a MODELS entry, or a strategy's source text) on one market; returns its test IC and Rank IC. */
export async function trainOn(marketSrc: string, model: string, epochs: number, opts: { keep?: boolean; strategy?: string } = {}): Promise<Trained> {
  const file = `/virtual/claim-${model}-${Math.random().toString(36).slice(2)}.qv`;
  const c = compileFiles([file], testHost({ [file]: marketSrc + (opts.strategy ?? MODELS[model]!(epochs)) }));
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
  const plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  const out = mkdtempSync(join(tmpdir(), 'quiver-claim-'));
  const cacheDir = join(root, '.quiver');
  try {
    const r = await runPlan({ plan, program, out, cacheDir, quiet: true, log: () => {}, backend: 'wasm', keepPredictions: opts.keep === true });
    const res: Trained = { ic: r.metrics['IC'] ?? null, rankIc: r.metrics['Rank IC'] ?? null };
    if (opts.keep) {
      res.predictions = r.predictions ?? [];
      res.marketPath = await marketFile(plan, cacheDir, () => {});
    }
    return res;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export async function runClaims(log: (s: string) => void, epochs = 4, rows: ClaimRow[] = [], progress: () => void = () => {}): Promise<ClaimRow[]> {
  const train = async (claim: string, marketName: string, src: string, model: string, e = epochs, keep = false) => {
    log(`claim: ${claim} — ${model} on ${marketName}`);
    const r = await trainOn(src, model, e, { keep });
    const row: ClaimRow = { claim, market: marketName, model, ic: r.ic, rankIc: r.rankIc };
    rows.push(row);
    progress();
    return { row, r };
  };
  const run = async (claim: string, marketName: string, src: string, model: string, e = epochs) => (await train(claim, marketName, src, model, e)).row;
  // what HIST's concept read put on each stock's own concepts (verify/reads.ts)
  const read = async (r: Trained, marketName: string, model: string) => {
    const s = await conceptReadStats(r.predictions!, r.marketPath!);
    rows.push({ claim: `HIST's read: weight on a stock's own concepts ${s.own.toFixed(3)} (uniform ${s.uniform.toFixed(3)}; largest weight ${s.max.toFixed(3)})`, market: marketName, model, ic: null, rankIc: null, holds: s.own > 1.5 * s.uniform });
    progress();
  };
  // GRU > Linear where temporal structure is planted; the gain goes when it is off.
  const t = market(['temporal']);
  const gru = await run('GRU > Linear (temporal)', 'temporal', t, 'gru');
  const lin = await run('GRU > Linear (temporal)', 'temporal', t, 'linear');
  gru.holds = (gru.ic ?? 0) > (lin.ic ?? 0) + 0.05;
  const off = await run('GRU > Linear (temporal)', 'temporal off', market(['temporal'], 'temporal: 0'), 'gru');
  off.holds = Math.abs(off.ic ?? 1) < 0.05;
  // HIST > GRU on concepts + hidden clusters; each ablation loses IC.
  const h = market(['concepts', 'hidden', 'momentum'], '', 5);
  const g = await run('HIST > GRU (concepts, hidden)', 'concepts+hidden', h, 'gru_days');
  const { row: hist, r: histRun } = await train('HIST > GRU (concepts, hidden)', 'concepts+hidden', h, 'hist', epochs, true);
  hist.holds = (hist.ic ?? 0) > (g.ic ?? 0);
  await read(histRun, 'concepts+hidden', 'hist');
  const nh = await run('HIST without hidden concepts loses IC', 'concepts+hidden', h, 'hist_nohidden');
  nh.holds = (nh.ic ?? 0) < (hist.ic ?? 0);
  const sh = await run('HIST with shuffled concepts loses IC', 'concepts shuffled', market(['concepts', 'hidden', 'momentum'], 'concepts: { shuffle: true }', 5), 'hist');
  sh.holds = (sh.ic ?? 0) < (hist.ic ?? 0);
  // The same claim under cs_mse on the concepts-only market, beside the concept path's upper bound.
  {
    const cp = conceptPeersMarket();
    const e = Math.max(epochs, 6);
    const own = await run('linear: the concept peers help under cs_mse, not under MSE', 'concepts amp 0.75', cp, 'own_linear', 10);
    const both = await run('linear: the concept peers help under cs_mse, not under MSE', 'concepts amp 0.75', cp, 'peers_linear', 10);
    const bothCs = await run('linear: the concept peers help under cs_mse, not under MSE', 'concepts amp 0.75', cp, 'peers_linear_cs', 10);
    bothCs.holds = (bothCs.ic ?? 0) > Math.max(own.ic ?? 0, both.ic ?? 0) + 0.02;
    const g = await run('HIST > GRU under cs_mse', 'concepts amp 0.75', cp, 'gru_days_cs', e);
    const { row: hs, r: hsRun } = await train('HIST > GRU under cs_mse', 'concepts amp 0.75', cp, 'hist_cs', e, true);
    hs.holds = (hs.ic ?? 0) > (g.ic ?? 0);
    await read(hsRun, 'concepts amp 0.75', 'hist_cs');
    const ho = await run('upper bound: HIST head reading the own membership (not HIST)', 'concepts amp 0.75', cp, 'hist_own_cs', e);
    ho.holds = (ho.ic ?? 0) > (g.ic ?? 0) + 0.01;
  }
  // GATs > GRU where the leaders' move of the day conditions the followers' next return; the gain goes at amp 0.
  {
    const e = Math.max(epochs, 6);
    const on = crossStockMarket(2.5);
    const gats = await run('GATs > GRU (crossStock interaction)', 'crossStock interaction', on, 'gats_cross', e);
    const gru = await run('GATs > GRU (crossStock interaction)', 'crossStock interaction', on, 'gru_cross', e);
    gats.holds = (gats.ic ?? 0) > (gru.ic ?? 0) + 0.05;
    const off = await run('GATs > GRU (crossStock interaction)', 'crossStock interaction, amp 0', crossStockMarket(0), 'gats_cross', e);
    off.holds = Math.abs(off.ic ?? 1) < 0.03;
  }
  return rows;
}
