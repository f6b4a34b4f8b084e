// Data-parallel training over worker_threads: one TF.js replica per core.
//
// What: `createReplicaPool` starts `workers` threads, each importing the same
// replica module (protocol.ts: a factory returning params and a step
// function `(params, shard) → { loss, grads }`). `pool.step(batch)` copies
// the batch into a SharedArrayBuffer, gives each replica a contiguous shard
// of the samples, and resolves with the batch's mean loss after every replica
// has averaged the gradients (shared memory, weighted by shard size) and
// applied the identical optimiser update. Replica 0's initial parameters are
// broadcast to all, so they start equal; `replicaHashes()` proves they stay
// so. `chooseWorkers` decides whether splitting pays off.
//
// Assumes: Node ≥ 20 (worker_threads, SharedArrayBuffer, Atomics); the
// replica module is a file path or file: URL; under TypeScript sources
// (tests, `node --import tsx`) workers register tsx themselves (workerEntry).
// Guarantees: a failing or exiting worker rejects the pending call with a
// DiagnosticError (Q6004) and aborts the others instead of hanging them;
// `close()` terminates every worker.
// Measured (2 vCPU, Qlib GRU N=300 T=60): see bench/gru-step.ts and
// docs/backends.md for the single- vs two-worker crossover.

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { OptimizerSpec } from './optimizer.js';
import { CTL_ABORT, CTL_GENERATION, CTL_SIZE, type Batch, type FieldLayout, type FromWorker, type ToWorker } from './protocol.js';

export type { Batch, BatchField, ReplicaFactory, ReplicaModel, Shard } from './protocol.js';

export interface PoolOptions {
  /** The replica module: a file path or file: URL. */
  module: string | URL;
  /** Its factory export; default 'createReplica'. */
  exportName?: string;
  /** Passed to the factory in every worker (structured-cloneable). */
  options?: unknown;
  workers: number;
  optimizer: OptimizerSpec;
  /** Backend inside each worker; default 'wasm'. */
  backend?: 'wasm' | 'cpu' | 'node' | 'node-gpu';
}

export interface PoolOptimizerState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export interface ReplicaPool {
  readonly workers: number;
  readonly paramNames: string[];
  readonly paramShapes: number[][];
  /**
   * One synchronous data-parallel step; resolves with the batch's mean loss.
   * `seed` (optional) is handed to every replica's step with its index, so
   * random ops depend on the step's position rather than on the pool's age.
   */
  step(batch: Batch, seed?: number): Promise<number>;
  /** Current parameters (replica 0's copy). */
  params(): Promise<Record<string, Float32Array>>;
  /** Replace every replica's parameters. */
  setParams(values: Record<string, Float32Array>): Promise<void>;
  /** The optimiser's step count and moments by parameter name (replica 0's; all replicas hold the same). */
  optimizerState(): Promise<PoolOptimizerState>;
  /** Replace every replica's optimiser state (a parameter missing from the records starts at zero). */
  setOptimizerState(state: PoolOptimizerState): Promise<void>;
  /** A hash of each replica's parameter bytes (all equal ⇔ replicas in sync). */
  replicaHashes(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Workers worth using for one step of an RNN over `rows` = N·T sample-steps.
 * The split costs a fixed ~1–2 ms per step (messages, barrier, gradient copy
 * and the JS optimiser update) against ~15 µs of single-thread wasm work per
 * row (GRU 2×64: 266 ms / 18,000 rows), so from ~3,000 rows on two idle
 * cores save ≥ 20 ms. `bench/gru-step.ts --crossover` measures it; on the
 * shared dev VM the runs were dominated by other sessions' load (N=50,
 * 3,000 rows: 2.0× faster with 2 workers; larger N inconclusive), so this
 * threshold comes from the cost model above. Pass `workers` explicitly to
 * override.
 */
export const PARALLEL_MIN_ROWS = 3000;

export function chooseWorkers(rows: number, cores: number = os.availableParallelism()): number {
  if (cores < 2 || rows < PARALLEL_MIN_ROWS) return 1;
  return Math.min(cores, Math.max(1, Math.floor(rows / PARALLEL_MIN_ROWS)));
}

/**
 * The worker entry. From compiled JavaScript: worker.js beside this file.
 * From TypeScript sources (vitest, `node --import tsx`): a tiny ESM bootstrap
 * that registers tsx's loader inside the worker (Node 20 does not carry the
 * parent's loader hooks into worker threads) and then imports worker.ts.
 */
function workerEntry(): URL {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new URL('./worker.js', self);
  const req = createRequire(self);
  const api = pathToFileURL(path.join(path.dirname(req.resolve('tsx/package.json')), 'dist', 'esm', 'api', 'index.mjs')).href;
  const target = new URL('./worker.ts', self).href;
  const code = `import { register } from ${JSON.stringify(api)}; register(); await import(${JSON.stringify(target)});`;
  return new URL('data:text/javascript,' + encodeURIComponent(code));
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
}

export async function createReplicaPool(opts: PoolOptions): Promise<ReplicaPool> {
  const count = opts.workers;
  if (!Number.isInteger(count) || count < 1) throw new Error(`workers must be a positive integer, got ${count}`);
  const ctlBuf = new SharedArrayBuffer(CTL_SIZE * 4);
  const ctl = new Int32Array(ctlBuf);
  const entry = workerEntry();
  const modulePath = opts.module instanceof URL ? fileURLToPath(opts.module) : opts.module.startsWith('file:') ? fileURLToPath(opts.module) : opts.module;
  const workers: Worker[] = [];
  const pending: (Pending | null)[] = [];
  let failure: DiagnosticError | null = null;

  const fail = (index: number, reason: string): void => {
    if (failure === null) failure = new DiagnosticError(diag('parallelWorkerFailed', { worker: index, reason: reason.split('\n')[0] }));
    Atomics.store(ctl, CTL_ABORT, 1);
    Atomics.notify(ctl, CTL_GENERATION);
    pending.forEach((p, i) => {
      if (p !== null) {
        pending[i] = null;
        p.reject(failure as DiagnosticError);
      }
    });
  };

  for (let i = 0; i < count; i++) {
    const w = new Worker(entry);
    pending.push(null);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'error') return fail(i, m.message);
      const p = pending[i];
      pending[i] = null;
      p?.resolve(m);
    });
    w.on('error', (e) => fail(i, e.message));
    w.on('exit', (code) => {
      if (pending[i] !== null || code !== 0) fail(i, `worker exited with code ${code}`);
    });
    workers.push(w);
  }

  const call = (i: number, m: ToWorker): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      if (failure !== null) return reject(failure);
      pending[i] = { resolve, reject };
      workers[i].postMessage(m);
    });
  const all = (make: (i: number) => ToWorker): Promise<FromWorker[]> => Promise.all(workers.map((_, i) => call(i, make(i))));

  const closeAll = async (): Promise<void> => {
    await Promise.all(workers.map((w) => w.terminate()));
  };

  let names: string[] = [];
  let shapes: number[][] = [];
  let size = 0;
  let batchBuf = new SharedArrayBuffer(4);
  try {
    const ready = await all((i) => ({
      type: 'init',
      index: i,
      count,
      module: modulePath,
      exportName: opts.exportName ?? 'createReplica',
      options: opts.options ?? null,
      optimizer: opts.optimizer,
      backend: opts.backend ?? 'wasm',
      ctl: ctlBuf,
    }));
    const r0 = ready[0] as Extract<FromWorker, { type: 'ready' }>;
    names = r0.names;
    shapes = r0.shapes;
    size = shapes.reduce((a, s) => a + s.reduce((x, y) => x * y, 1), 0);
    const init = (await call(0, { type: 'getParams' })) as Extract<FromWorker, { type: 'params' }>;
    const grads = new SharedArrayBuffer(Math.max(4, count * size * 4));
    await all(() => ({ type: 'setParams', data: init.data, grads }));
  } catch (e) {
    await closeAll();
    throw e;
  }

  const flatten = (values: Record<string, Float32Array>): Float32Array => {
    const out = new Float32Array(size);
    let o = 0;
    names.forEach((n, i) => {
      const v = values[n];
      const len = shapes[i].reduce((a, b) => a * b, 1);
      if (v === undefined || v.length !== len) throw new Error(`parameter ${n} missing or of the wrong size`);
      out.set(v, o);
      o += len;
    });
    return out;
  };

  const byName = (data: Float32Array): Record<string, Float32Array> => {
    const out: Record<string, Float32Array> = {};
    let o = 0;
    names.forEach((n, i) => {
      const len = shapes[i].reduce((a, b) => a * b, 1);
      out[n] = data.slice(o, o + len);
      o += len;
    });
    return out;
  };

  let gradBuf: SharedArrayBuffer | null = null;
  return {
    workers: count,
    paramNames: names,
    paramShapes: shapes,
    async step(batch, seed) {
      const fieldNames = Object.keys(batch);
      if (fieldNames.length === 0) throw new Error('empty batch');
      const n = batch[fieldNames[0]].shape[0];
      let total = 0;
      const fields: FieldLayout[] = [];
      for (const name of fieldNames) {
        const f = batch[name];
        if (f.shape[0] !== n) throw new Error(`batch field ${name} has ${f.shape[0]} samples, expected ${n}`);
        if (f.data.length !== f.shape.reduce((a, b) => a * b, 1)) throw new Error(`batch field ${name}: data does not match shape`);
        fields.push({ name, offset: total, shape: f.shape });
        total += f.data.length;
      }
      if (batchBuf.byteLength < total * 4) batchBuf = new SharedArrayBuffer(total * 4);
      const view = new Float32Array(batchBuf);
      fields.forEach((f) => view.set(batch[f.name].data, f.offset));
      // contiguous shards, sizes differing by at most one
      const starts: number[] = [];
      const counts: number[] = [];
      for (let i = 0; i < count; i++) {
        const s = Math.floor((i * n) / count);
        starts.push(s);
        counts.push(Math.floor(((i + 1) * n) / count) - s);
      }
      const weights = counts.map((c) => c / n);
      const res = await all((i) => ({ type: 'step', batch: batchBuf, fields, start: starts[i], count: counts[i], weights, seed: seed ?? null }));
      let loss = 0;
      res.forEach((m, i) => (loss += weights[i] * (m as Extract<FromWorker, { type: 'stepDone' }>).loss));
      return loss;
    },
    async params() {
      const m = (await call(0, { type: 'getParams' })) as Extract<FromWorker, { type: 'params' }>;
      return byName(m.data);
    },
    async optimizerState() {
      const m = (await call(0, { type: 'getOptState' })) as Extract<FromWorker, { type: 'optState' }>;
      return { step: m.step, m: byName(m.m), v: byName(m.v) };
    },
    async setOptimizerState(st) {
      const flat = (r: Record<string, Float32Array>): Float32Array => {
        const out = new Float32Array(size);
        let o = 0;
        names.forEach((n, i) => {
          const len = shapes[i].reduce((a, b) => a * b, 1);
          const v = r[n];
          if (v !== undefined && v.length !== len) throw new Error(`optimizer state for ${n} has ${v.length} entries, expected ${len}`);
          if (v !== undefined) out.set(v, o);
          o += len;
        });
        return out;
      };
      const m = flat(st.m);
      const v = flat(st.v);
      await all(() => ({ type: 'setOptState', step: st.step, m, v }));
    },
    async setParams(values) {
      const data = flatten(values);
      gradBuf ??= new SharedArrayBuffer(Math.max(4, count * size * 4));
      await all(() => ({ type: 'setParams', data, grads: gradBuf as SharedArrayBuffer }));
    },
    async replicaHashes() {
      const res = await all(() => ({ type: 'hash' }));
      return res.map((m) => (m as Extract<FromWorker, { type: 'hash' }>).value);
    },
    async close() {
      await closeAll();
    },
  };
}
