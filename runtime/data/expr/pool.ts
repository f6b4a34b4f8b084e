// A small pool of worker_threads that run exported task functions by module
// URL: a task is (module, export name, payload) and answers with the
// function's return value. Shared memory (SharedArrayBuffer) travels in
// payloads without copying.
//
// The pool is created lazily, kept between calls, and unref'd while idle so
// it never holds the process open. Running from TypeScript sources (tests,
// `node --import tsx`), each worker registers tsx's ESM loader first; built
// JavaScript loads plain .js modules.

import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';

export interface TaskRequest {
  jobId: number;
  module: string;
  fn: string;
  payload: unknown;
}

export type TaskReply = { jobId: number; ok: true; result: unknown } | { jobId: number; ok: false; message: string };

interface PoolWorker {
  worker: Worker;
  /** Fire-and-forget tasks posted and not yet answered. */
  detached: number;
}

let pool: PoolWorker[] = [];
let nextJob = 1;

/** True when running from TypeScript sources. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** URL of a sibling module given its base name, with the extension this build uses. */
export function taskModule(base: string, from: string): string {
  return new URL(`${base}.${FROM_SOURCES ? 'ts' : 'js'}`, from).href;
}

/** Default worker count: the machine's cores (at most 8). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

function spawn(): Worker {
  const entry = taskModule('./pool-worker', import.meta.url);
  if (FROM_SOURCES) {
    // tsx's public `tsx/esm/api` export, import condition (dist/esm/api/index.mjs).
    const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
    const tsxApi = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
    return new Worker(code, { eval: true });
  }
  return new Worker(new URL(entry));
}

function getPool(n: number): PoolWorker[] {
  while (pool.length < n) {
    const w: PoolWorker = { worker: spawn(), detached: 0 };
    w.worker.unref();
    w.worker.on('message', (m: TaskReply) => {
      if (!detachedJobs.delete(m.jobId)) return;
      if (--w.detached === 0) w.worker.unref();
    });
    pool.push(w);
  }
  return pool.slice(0, n);
}

const detachedJobs = new Set<number>();

/**
 * Post a task to worker `index` of a pool of `size` without waiting for its
 * reply: for tasks that signal completion through shared memory (Atomics),
 * so a caller may block on them synchronously. Tasks posted to one worker
 * run in order.
 */
export function postDetached(size: number, index: number, module: string, fn: string, payload: unknown): void {
  const w = getPool(size)[index % size]!;
  const jobId = nextJob++;
  detachedJobs.add(jobId);
  if (w.detached++ === 0) w.worker.ref();
  w.worker.postMessage({ jobId, module, fn, payload } satisfies TaskRequest);
}

/** Terminate the pooled workers (benchmarks call this to measure cold starts). */
export async function shutdownWorkers(): Promise<void> {
  const ws = pool;
  pool = [];
  // Held while terminating (an unref'd worker's exit would not keep the process
  // waiting); late replies must not unref it again.
  for (const w of ws) {
    w.worker.removeAllListeners('message');
    w.worker.ref();
  }
  await Promise.all(ws.map((w) => w.worker.terminate()));
}

function runOn(w: PoolWorker, req: TaskRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    w.worker.ref();
    const done = (): void => {
      w.worker.unref();
      w.worker.off('message', onMessage);
      w.worker.off('error', onError);
    };
    const onMessage = (m: TaskReply): void => {
      if (m.jobId !== req.jobId) return;
      done();
      if (m.ok) resolve(m.result);
      else reject(new Error(m.message));
    };
    const onError = (e: Error): void => {
      done();
      pool = pool.filter((p) => p !== w);
      reject(e);
    };
    w.worker.on('message', onMessage);
    w.worker.on('error', onError);
    w.worker.postMessage(req);
  });
}

/**
 * Run fn(payload) for every payload on `threads` workers (a shared queue, so
 * uneven tasks balance); results in payload order. Rejects on the first
 * failure (callers fall back to computing on their own thread).
 */
export async function runTasks<R>(module: string, fn: string, payloads: readonly unknown[], threads: number): Promise<R[]> {
  const results: R[] = new Array(payloads.length);
  const workers = getPool(Math.max(1, Math.min(threads, payloads.length)));
  let next = 0;
  await Promise.all(
    workers.map(async (w) => {
      while (next < payloads.length) {
        const k = next++;
        results[k] = (await runOn(w, { jobId: nextJob++, module, fn, payload: payloads[k] })) as R;
      }
    }),
  );
  return results;
}
