// One full CSI300-size training epoch through `quiver run`'s own path, and
// its peak RSS (issue 4: ≤ 2 GiB).
//
// The csi300 demo market (≈ 300 members; generated first when missing, not
// timed) → loadData (DuckDB → panel → Alpha360 windows with Qlib's
// processors, as runtime/run.ts does) → parameters → trainStages for one epoch
// of Qlib's GRU (stdlib GRU, train qlib_rnn: Adam 1e-3, batches of 800
// samples, clip 3, data-parallel over worker threads when it pays), with its
// valid-loss evaluation. The train segment 2008-01-01..2014-12-31 is ≈ 1,700
// trading days × 300 stocks. Unlike `bench/gru-step.ts --epoch` (random
// windows held in memory), the windows here are the dataset's own.
//
// Prints data and training time, ms/batch, the peak RSS of the whole process
// (VmHWM: main thread, worker threads, wasm heaps, DuckDB) and the largest RSS
// sampled while training, against the 2 GiB bar.
//
// Run: node --import tsx bench/epoch-memory.ts [--workers auto|N] [--backend wasm|cpu|node]
//        [--train-end 2014-12-31] [--steps N (cap the epoch: a quick check)] [--preset small]

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeHost } from '../cli/main.js';
import { compileFiles } from '../compiler/pipeline.js';
import { initBackend, type BackendName } from '../runtime/backend.js';
import { createParams, paramSpecs } from '../runtime/exec/compile.js';
import { kernels } from '../runtime/ops/index.js';
import { loadData } from '../runtime/run.js';
import { datasetFeeds } from '../runtime/train/feeds.js';
import { trainStages } from '../runtime/train/loop.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const preset = opt('preset') ?? 'csi300';
const small = preset === 'small';
const trainEnd = opt('train-end') ?? (small ? '2009-06-30' : '2014-12-31');
const segments = small
  ? `train: 2008-01-01..${trainEnd}, valid: 2009-07-01..2009-12-31, test: 2010-01-01..2010-12-31`
  : `train: 2008-01-01..${trainEnd}, valid: 2015-01-01..2015-12-31, test: 2016-01-01..2016-12-31`;
const steps = opt('steps');
const workersOpt = opt('workers') ?? 'auto';
const workers = workersOpt === 'auto' ? 'auto' : Number(workersOpt);
const backend = (opt('backend') ?? 'wasm') as BackendName;

const SOURCE = `
import stdlib.features { alpha360 }
import stdlib.models { GRU }
import stdlib.train { qlib_rnn }

data market = demo(preset: "${preset}", seed: 7) {
  universe  csi300
  features  alpha360
  label     Ref($close, -2) / Ref($close, -1) - 1
  process   features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
            label:    [dropna, cs_rank]
  segments  ${segments}
}

strategy epoch_memory {
  data  market
  model GRU(x: market.x)
  loss  mse(pred, label)
  train qlib_rnn { epochs: 1${steps ? `, max_steps_per_epoch: ${Number(steps)}` : ''} }
}
`;

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'quiver-epoch-memory-'));
try {
  const file = join(dir, 'epoch-memory.qv');
  writeFileSync(file, SOURCE);
  const c = compileFiles([file], nodeHost());
  const errors = c.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(errors.map((d) => `${d.code} ${d.message}`).join('\n'));
  const plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };

  const be = await initBackend({ backend });
  console.log(`backend: ${be.reason}`);
  // The market is generated on first use (not timed): load once to make sure it exists.
  const cacheDir = join(root, '.quiver');
  const t0 = performance.now();
  const data = await loadData(plan, cacheDir, (s) => console.log(s));
  const dataSeconds = (performance.now() - t0) / 1000;
  const trainDays = data.dataset.days('train').length;
  const samples = data.dataset.sampleCount('train');
  const afterData = peakRssMiB();
  console.log(`data: ${data.panel.instruments.length} instruments × ${data.panel.days.length} days; train ${trainDays} days, ${samples.toLocaleString('en-US')} samples of 60×6 (${dataSeconds.toFixed(1)} s); peak RSS so far ${afterData.toFixed(0)} MiB`);

  const params = createParams(paramSpecs(entries.map((e) => program.functions[e]!)), 7);
  const feeds = datasetFeeds(data.dataset, { instruments: data.panel.instruments });
  let sampled = 0;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss / 2 ** 20)), 50);
  const t1 = performance.now();
  let batches = 0;
  const r = await trainStages({
    plan,
    program,
    kernels,
    data: feeds,
    params,
    seed: 7,
    workers,
    workerBackend: be.name,
    progress: {
      step(i) {
        batches = i.step;
        if (i.step % 100 === 0 || i.step === i.steps) console.log(`  batch ${i.step}/${i.steps} loss ${i.loss.toFixed(4)} RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB, peak ${peakRssMiB().toFixed(0)} MiB`);
      },
      epoch(i) {
        console.log(`  epoch done: train loss ${i.trainLoss.toFixed(4)}${i.valid !== undefined ? `, ${i.metric} ${i.valid.toFixed(4)}` : ''} (${i.seconds.toFixed(1)} s)`);
      },
      done() {},
    },
  });
  clearInterval(sampler);
  const trainSeconds = (performance.now() - t1) / 1000;
  const peak = peakRssMiB();
  console.log(`epoch: ${batches} batches of 800 in ${trainSeconds.toFixed(1)} s (${((trainSeconds * 1000) / Math.max(1, batches)).toFixed(0)} ms/batch, valid evaluation included; workers: ${workersOpt}), history ${r.history.length} epoch`);
  console.log(`peak RSS ${peak.toFixed(0)} MiB (whole process, data load included); largest RSS sampled while training ${sampled.toFixed(0)} MiB; bar ≤ 2048 MiB: ${peak <= 2048 ? 'met' : 'NOT met'}`);
  if (steps || small) console.log('(a capped or small-preset run: not the full CSI300 epoch)');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
