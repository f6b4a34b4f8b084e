// Worker task for the dataset's day prefetch: compute processed window-set
// days ([N, T, F] each, back to back) into a shared output buffer, then flag
// completion in shared memory (Atomics) so the main thread can block on it
// from a synchronous iterator. A failure flags -1 (the main thread then
// computes the days itself).

import { rebuildSource, type SharedSource } from './fit-task.js';
import type { FeatureSource } from './source.js';
import type { ValueChain } from './processors.js';

/** A value chain as shared buffers. */
export interface SharedChain {
  ops: SharedArrayBuffer;
  arg: SharedArrayBuffer;
  center: SharedArrayBuffer[];
  scale: SharedArrayBuffer[];
}

export interface DaysJob {
  /** Identifies the reader, so a worker rebuilds its source once. */
  key: string;
  source: SharedSource;
  chain: SharedChain;
  fields: number[];
  days: number[];
  out: SharedArrayBuffer;
  flags: SharedArrayBuffer;
  slot: number;
}

const built = new Map<string, { source: FeatureSource; chain: ValueChain }>();

export function computeDays(job: DaysJob): boolean {
  const flags = new Int32Array(job.flags);
  try {
    let hit = built.get(job.key);
    if (!hit) {
      if (built.size >= 4) built.clear();
      hit = {
        source: rebuildSource(job.source),
        chain: {
          ops: new Int32Array(job.chain.ops),
          arg: new Float64Array(job.chain.arg),
          center: job.chain.center.map((b) => new Float64Array(b)),
          scale: job.chain.scale.map((b) => new Float64Array(b)),
        },
      };
      built.set(job.key, hit);
    }
    const { source, chain } = hit;
    const dr = (job.source as Extract<SharedSource, { type: 'window' }>).offsets!;
    const offsets = new Int32Array(dr);
    const out = new Float32Array(job.out);
    const row = source.T * job.fields.length;
    let at = 0;
    for (const t of job.days) {
      const off = offsets[t]!;
      const n = offsets[t + 1]! - off;
      source.windowRows!(null, off, n, job.fields, chain, out.subarray(at, at + n * row));
      at += n * row;
    }
    Atomics.store(flags, job.slot, 1);
  } catch {
    Atomics.store(flags, job.slot, -1);
  }
  Atomics.notify(flags, job.slot);
  return true;
}
