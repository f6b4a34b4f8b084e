// Training speed of the stdlib papers' models next to Qlib's GRU baseline, on
// the csi300 demo preset (issue 7: HIST ≤ 1.3× GRU's epoch time).
//
// Each model trains in this process (one backend, single-threaded: the
// data-parallel pool is off, so every model gets the same compute) through
// the run path's own pieces: loadData → feeds (+ memories) → trainStages, for
// `--steps` batches of one epoch (max_steps_per_epoch), after one warm-up
// epoch of a few batches. An epoch's time is extrapolated from the batches'
// mean: batches per epoch × s/batch, plus the per-epoch memory refresh where
// the model has one (TRA's error memory, IGMTF's bank: timed whole).
// GRU runs twice: with Qlib's batches of 800 samples, and with daily batches
// (HIST's, GATs', IGMTF's), so the ratio compares like with like.
//
// Run: node --import tsx bench/paper-epochs.ts [--preset csi300|small] [--steps 40]
//        [--only gru,hist] [--backend wasm|cpu|node]

import { nodeHost } from '../cli/main.js';
import { compileFiles } from '../compiler/pipeline.js';
import type { Plan } from '../compiler/plan/plan.js';
import { initBackend, type BackendName } from '../runtime/backend.js';
import { compileFunction, createParams, disposeParams, paramSpecs } from '../runtime/exec/compile.js';
import { kernels } from '../runtime/ops/index.js';
import { loadData } from '../runtime/run.js';
import { datasetFeeds } from '../runtime/train/feeds.js';
import { refreshMemories, trainStages, writesOnly } from '../runtime/train/loop.js';
import { createMemoryStore } from '../runtime/train/memory.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const preset = opt('preset') ?? 'csi300';
const steps = Number(opt('steps') ?? 40);
const only = opt('only')?.split(',');
const backend = (opt('backend') ?? 'wasm') as BackendName;
const segments =
  preset === 'small'
    ? 'train: 2008-01-01..2009-06-30, valid: 2009-07-01..2009-12-31, test: 2010-01-01..2010-12-31'
    : 'train: 2008-01-01..2014-12-31, valid: 2015-01-01..2015-12-31, test: 2016-01-01..2016-12-31';

const MARKET = `
import stdlib.features { alpha360 }
import stdlib.models { GRU, HIST, TRA, tra_loss, IGMTF, igmtf_loss }
data m = demo(preset: "${preset}", seed: 7) {
  universe  csi300
  features  alpha360
  label     Ref($close, -1) / $close - 1
  field     cap = $cap / 1e9
  process   features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
            label:    [dropna, cs_rank]
  segments  ${segments}
}
graph concepts = bipartite(sql"SELECT stock, concept FROM concepts", left: N, right: M)
memory errors: Float[K = 3] { per: sample, lag: 1 }
memory enc: Float[H = 64] { per: sample, lag: 0, update: refresh }
`;

const T = (batch: string, extra = '') => `train { optimizer: adam(lr: 1e-4), epochs: 2, batch: ${batch}, clip: value(3), max_steps_per_epoch: ${steps}${extra} }`;
const MODELS: Record<string, string> = {
  gru: `strategy gru { data m  model GRU(x: m.x)  ${T('samples(800)')} }`,
  gru_days: `strategy gru_days { data m  model GRU(x: m.x)  ${T('days')} }`,
  hist: `strategy hist { data m  model HIST(x: m.x, C: concepts.matrix, cap: m.cap, live: concepts.live)  ${T('days')} }`,
  tra: `strategy tra { data m  model TRA(x: m.x, hist: history(errors, 60))  loss tra_loss(pred, label, history(errors, 60), errors)  ${T('samples(1024)', ', each_epoch: refresh(errors)')} }`,
  igmtf: `strategy igmtf { data m  model IGMTF(x: m.x, bank: bank(enc), seen: bank_visible(enc))  loss igmtf_loss(pred, label, enc)  ${T('days', ', each_epoch: refresh(enc)')} }`,
};

interface Row {
  model: string;
  batches: number;
  msPerBatch: number;
  refreshS: number;
  epochS: number;
}

async function measure(name: string, src: string): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-paper-epochs-'));
  const file = join(dir, `${name}.qv`);
  writeFileSync(file, src);
  try {
    const c = compileFiles([file], nodeHost());
    const errors = c.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(errors.map((d) => d.message).join('; '));
    const plan: Plan = c.plans[0]!;
    const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
    const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
    const data = await loadData(plan, join(import.meta.dirname, '..', '.quiver'), () => {});
    const memory = plan.memories.length ? createMemoryStore(plan.memories, data.panel.instruments.length, data.panel.days.length) : undefined;
    const feeds = datasetFeeds(data.dataset, { instruments: data.panel.instruments, ...(data.graph ? { graph: data.graph } : {}), ...(memory ? { memory } : {}) });
    const params = createParams(paramSpecs(entries.map((e) => program.functions[e]!)), 7);
    const stage = plan.stages[0]!;
    const full = feeds.trainBatchCount(stage);
    // the refresh pass alone (it runs at the start of every epoch)
    let refreshS = 0;
    if (memory && stage.eachEpoch.length) {
      const writer = compileFunction(writesOnly(program.functions[stage.objective.fn]!), kernels, program);
      const t0 = performance.now();
      refreshMemories(writer, stage.objective.inputs, params, feeds, 'train', stage.eachEpoch.map((h) => h.memory));
      refreshS = (performance.now() - t0) / 1000;
      writer.dispose();
    }
    // batches only: no refresh, no evaluation (epoch 1 warms up, epoch 2 is timed)
    const timed: Plan = { ...plan, stages: [{ ...stage, eachEpoch: [], epochs: 2 }] };
    const stamps: number[] = [];
    await trainStages({ plan: timed, program, kernels, data: feeds, params, seed: 7, workers: 1, progress: { step() {}, epoch: () => stamps.push(performance.now()), done() {} } });
    const msPerBatch = (stamps[1]! - stamps[0]!) / steps;
    feeds.release?.();
    disposeParams(params);
    return { model: name, batches: full, msPerBatch, refreshS, epochS: (full * msPerBatch) / 1000 + refreshS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const b = await initBackend({ backend });
console.log(`paper-epochs: preset ${preset}, ${steps} batches timed per model, ${b.name}, load average ${loadavg()[0]!.toFixed(1)}`);
const rows: Row[] = [];
for (const [name, strat] of Object.entries(MODELS)) {
  if (only && !only.includes(name)) continue;
  const r = await measure(name, MARKET + strat);
  rows.push(r);
  console.log(`  ${name.padEnd(9)} ${r.batches} batches/epoch × ${r.msPerBatch.toFixed(0)} ms${r.refreshS ? ` + refresh ${r.refreshS.toFixed(1)} s` : ''} ≈ ${r.epochS.toFixed(0)} s/epoch`);
}
const gru = rows.find((r) => r.model === 'gru');
const gruDays = rows.find((r) => r.model === 'gru_days');
const hist = rows.find((r) => r.model === 'hist');
if (gru) for (const r of rows) console.log(`  ${r.model.padEnd(9)} ${(r.epochS / gru.epochS).toFixed(2)}× GRU (800-sample batches)${gruDays ? `, ${(r.epochS / gruDays.epochS).toFixed(2)}× GRU (daily batches)` : ''}`);
if (hist && gru) console.log(`  bar: HIST ≤ 1.3× GRU's epoch — ${hist.epochS <= 1.3 * gru.epochS ? 'met' : 'NOT met'} (${(hist.epochS / gru.epochS).toFixed(2)}×)`);
