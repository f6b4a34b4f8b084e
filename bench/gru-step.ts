// Benchmark: Qlib's GRU baseline step, Quiver vs torch, back to back.
//
// What: one training step (forward + backward + Adam, loss read back) and one
// inference of GRU(6 → 64, 2 layers) → last step → Linear(64 → 1), MSE, on one
// day's cross-section N=300 × T=60 × F=6; median of --steps (≥ 20) after
// --warmup. Variants: wasm single thread, wasm data-parallel over --workers
// (default 2) worker_threads, tfjs-node when built (npm run setup:tfjs-node),
// and torch with 2 and 1 threads (bench/gru_step_torch.py) when python3-torch
// is installed; prints each variant's ratio to torch's 2-thread step.
// --crossover: single vs 2 workers over N (sets PARALLEL_MIN_ROWS).
// --epoch (or --epoch-only, without the table): a full CSI300-size epoch (1,700 days × 300 stocks of random
// 60×6 windows, 800-sample batches as Qlib trains) and its peak RSS.
//
// Run alone: node --import tsx bench/gru-step.ts [--steps 20] [--warmup 3]
//   [--workers 2] [--rounds 1] [--no-torch] [--no-node] [--crossover] [--epoch]
//   [--epoch-only] [--days 1700] [--epoch-workers 2]
// Assumes: nothing else heavy runs on the machine (timings drift 15–40 %
// between processes on small VMs: compare ratios from one run).
// Guarantees: exits 0 after printing the table; missing optional variants
// are listed as skipped with the reason.

import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../runtime/backend.js';
import { createReplicaPool, type Batch } from '../runtime/parallel/pool.js';
import { buildGruModel, type GruModelOptions } from './gru-model.js';

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const num = (name: string, dflt: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const STEPS = Math.max(20, num('steps', 20));
const WARMUP = num('warmup', 3);
const WORKERS = num('workers', 2);
const ROUNDS = num('rounds', 1);
const N = 300, T = 60, F = 6, H = 64, L = 2;
const modelOpts: GruModelOptions = { inputSize: F, hidden: H, layers: L, seed: 1 };
const modelUrl = new URL('./gru-model.ts', import.meta.url);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeIt(fn: () => unknown | Promise<unknown>, steps = STEPS, warmup = WARMUP): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

function randomBatch(n: number, seed: number): Batch {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return { x: { data: new Float32Array(n * T * F).map(rnd), shape: [n, T, F] }, y: { data: new Float32Array(n).map(rnd), shape: [n, 1] } };
}

/** Single-process step and inference on the active backend (this process's own Adam). */
async function inProcess(n: number): Promise<{ train: number; infer: number }> {
  const b = randomBatch(n, 7);
  const m = buildGruModel(modelOpts);
  const x = tf.tensor3d(b.x.data, [n, T, F]);
  const y = tf.tensor(b.y.data, b.y.shape);
  const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const vars = Object.values(m.params);
  const step = () => tf.tidy(() => (opt.minimize(() => m.loss(x, y), true, vars) as tf.Scalar).dataSync()[0]);
  const train = await timeIt(step);
  const infer = await timeIt(() => tf.tidy(() => m.predict(x).dataSync()[0]));
  tf.dispose([x, y, ...vars]);
  opt.dispose();
  return { train, infer };
}

async function pooled(n: number, workers: number, steps = STEPS): Promise<number> {
  const pool = await createReplicaPool({ module: modelUrl, workers, optimizer: { kind: 'adam', lr: 1e-3 }, options: modelOpts });
  try {
    const b = randomBatch(n, 7);
    const t = await timeIt(() => pool.step(b), steps);
    const h = await pool.replicaHashes();
    if (new Set(h).size !== 1) throw new Error(`replicas diverged: ${h.join(' ')}`);
    return t;
  } finally {
    await pool.close();
  }
}

function findTorchPython(): string | null {
  for (const py of [process.env.QUIVER_PYTHON, 'python3', '/usr/bin/python3']) {
    if (py && spawnSync(py, ['-c', 'import torch'], { timeout: 60_000 }).status === 0) return py;
  }
  return null;
}

function torchRun(py: string, threads: number, n = N): { train_ms: number; infer_ms: number; torch: string } {
  const script = fileURLToPath(new URL('./gru_step_torch.py', import.meta.url));
  const r = spawnSync(py, [script, '--threads', String(threads), '--steps', String(STEPS), '--warmup', String(WARMUP), '--n', String(n)], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`gru_step_torch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
}

interface Row {
  variant: string;
  train: number[];
  infer: number[];
}

async function main(): Promise<void> {
  if (flag('epoch-only')) return epoch();
  const rows = new Map<string, Row>();
  const add = (variant: string, train: number, infer = NaN) => {
    const r = rows.get(variant) ?? { variant, train: [], infer: [] };
    r.train.push(train);
    r.infer.push(infer);
    rows.set(variant, r);
  };
  const skipped: string[] = [];
  const py = flag('no-torch') ? null : findTorchPython();
  if (py === null && !flag('no-torch')) skipped.push('torch: no python3 with torch (apt-get install python3-torch libopenblas0-openmp)');
  let nodeOk = !flag('no-node');
  console.log(`GRU step: N=${N} T=${T} F=${F} ${L}×${H}, median of ${STEPS} after ${WARMUP} warm-up, ${ROUNDS} round(s)`);
  for (let round = 0; round < ROUNDS; round++) {
    if (py) {
      for (const th of [2, 1]) {
        const r = torchRun(py, th);
        add(`torch ${r.torch} ${th} thread${th > 1 ? 's' : ''}`, r.train_ms, r.infer_ms);
      }
    }
    const w = await initBackend({ backend: 'wasm' });
    const single = await inProcess(N);
    add('quiver wasm, 1 thread', single.train, single.infer);
    add(`quiver wasm, ${WORKERS} workers`, await pooled(N, WORKERS));
    if (nodeOk) {
      const info = await initBackend({ backend: 'node' });
      if (info.name !== 'node') {
        nodeOk = false;
        skipped.push(`tfjs-node: ${info.diagnostics[0]?.message ?? info.reason} (npm run setup:tfjs-node)`);
      } else {
        const r = await inProcess(N);
        add('quiver tfjs-node', r.train, r.infer);
      }
      await tf.setBackend(w.name === 'wasm' ? 'wasm' : 'cpu');
    }
  }
  const list = [...rows.values()];
  const ref = list.find((r) => r.variant.includes('torch') && r.variant.includes('2 threads'));
  const refTrain = ref ? median(ref.train) : NaN;
  console.log('\n| variant | train ms/step | × torch 2-thread | inference ms |');
  console.log('|---|---|---|---|');
  for (const r of list) {
    const t = median(r.train);
    const inf = median(r.infer);
    const ratio = Number.isFinite(refTrain) ? (t / refTrain).toFixed(2) : '–';
    console.log(`| ${r.variant} | ${t.toFixed(1)} | ${ratio} | ${Number.isFinite(inf) ? inf.toFixed(1) : '–'} |`);
  }
  for (const s of skipped) console.log(`skipped: ${s}`);

  if (flag('crossover')) {
    await initBackend({ backend: 'wasm' });
    console.log('\ncrossover (wasm): N, T=60 → 1 thread vs 2 workers, ms/step');
    for (const n of [10, 25, 50, 100, 200, 300]) {
      const one = await pooled(n, 1, 10);
      const two = await pooled(n, 2, 10);
      console.log(`N=${n} rows=${n * T}: 1 worker ${one.toFixed(1)}, 2 workers ${two.toFixed(1)} (${(one / two).toFixed(2)}×)`);
    }
  }

  if (flag('epoch')) await epoch();
}

/** A CSI300-size epoch on random data: 1,700 days × 300 stocks, 800-sample batches. */
async function epoch(): Promise<void> {
  const days = num('days', 1700);
  const samples = days * 300;
  const workers = num('epoch-workers', WORKERS);
  await initBackend({ backend: 'wasm' });
  console.log(`\nepoch: ${days} days × 300 stocks = ${samples} samples of ${T}×${F}, batch 800, ${workers} worker(s)`);
  const t0 = performance.now();
  const data = new Float32Array(samples * T * F);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  const labels = new Float32Array(samples).map((_, i) => Math.sin(i));
  console.log(`data ${(data.byteLength / 2 ** 20).toFixed(0)} MiB generated in ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${peakRssMiB().toFixed(0)} MiB`);
  const pool = await createReplicaPool({ module: modelUrl, workers, optimizer: { kind: 'adam', lr: 1e-3 }, options: modelOpts });
  const order = Array.from({ length: samples }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const B = 800, row = T * F;
  const xb = new Float32Array(B * row), yb = new Float32Array(B);
  const batches = Math.floor(samples / B);
  const t1 = performance.now();
  let loss = 0;
  for (let k = 0; k < batches; k++) {
    for (let i = 0; i < B; i++) {
      const idx = order[k * B + i];
      xb.set(data.subarray(idx * row, (idx + 1) * row), i * row);
      yb[i] = labels[idx];
    }
    loss = await pool.step({ x: { data: xb, shape: [B, T, F] }, y: { data: yb, shape: [B, 1] } });
    if (k % 100 === 0) console.log(`  batch ${k}/${batches} loss ${loss.toFixed(4)} RSS peak ${peakRssMiB().toFixed(0)} MiB`);
  }
  const secs = (performance.now() - t1) / 1000;
  await pool.close();
  console.log(`epoch: ${batches} batches in ${secs.toFixed(0)} s (${((secs * 1000) / batches).toFixed(0)} ms/batch), final loss ${loss.toFixed(4)}, peak RSS ${peakRssMiB().toFixed(0)} MiB`);
}

await main();
