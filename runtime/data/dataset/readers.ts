// Readers turn a feature set's source plus its fitted processor stages into
// processed values: a whole day ([N, T, F] or [N, F]) or arbitrary dataset
// rows ([B, T, F] or [B, F]).
//
// Flat sets are processed once, in place in their row store (the raw values
// are not needed again), so reads are contiguous copies. Window sets are
// processed on demand from the daily series: a day is one block through
// every stage; a sample row is a one-row block when every stage is row-local
// (the usual RobustZScoreNorm + Fillna), otherwise it comes from its day's
// processed block (a small cache of recent days).

import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import type { DayRows, FeatureSource } from './source.js';
import { isRowLocal, runStages, valueChain, type Stage, type ValueChain } from './processors.js';
import { postDetached, taskModule } from '../expr/pool.js';
import type { DaysJob, SharedChain } from './day-task.js';

export interface SetShape {
  kind: 'flat' | 'window';
  /** Window length (absent for flat sets). */
  T?: number;
  /** Features per step (window) or columns (flat) after drop/filter. */
  F: number;
  /** Flat (Qlib) column names kept, in order. */
  columns: string[];
}

export interface SetReader {
  shape: SetShape;
  /**
   * Process what must be processed up front and record, per dataset row,
   * whether the stages keep it (AND into inferKeep) and whether its final
   * features are NaN-free (AND into featOk; computed when needFeatOk).
   */
  prepare(inferKeep: Uint8Array, featOk: Uint8Array, needFeatOk: boolean): void;
  /** Processed features of every member of day t. */
  day(t: number): Float32Array;
  /** Processed features of dataset rows ps. */
  rows(ps: Int32Array): Float32Array;
  /**
   * For an iteration over the days ts: a getter for day ts[k], which may
   * compute upcoming days on worker threads ahead of the caller. Calls must
   * come in order k = 0, 1, 2, ... (each at most once).
   */
  stream(ts: readonly number[]): (k: number) => Float32Array;
}

const DAY_CACHE = 16;

function finalAlive(stages: readonly Stage[], nCols: number): Uint8Array {
  return stages.length ? stages[stages.length - 1]!.alive : new Uint8Array(nCols).fill(1);
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, j) => j);
}

/** A flat set in its row store `data` [rows × C]. */
export function flatReader(src: FeatureSource, data: Float32Array, stages: Stage[], dr: DayRows): SetReader {
  const C = src.names.length;
  const alive = finalAlive(stages, C);
  const finalCols = Int32Array.from(src.names.flatMap((_, j) => (alive[j] ? [j] : [])));
  const Cf = finalCols.length;
  const all = Cf === C;
  const cols = identity(C);
  return {
    shape: { kind: 'flat', F: Cf, columns: Array.from(finalCols, (j) => src.names[j]!) },
    prepare(inferKeep, featOk, needFeatOk) {
      if (!stages.length && !needFeatOk) return;
      let widest = 0;
      for (let t = 0; t < dr.nD; t++) widest = Math.max(widest, dr.offsets[t + 1]! - dr.offsets[t]!);
      const keep = new Uint8Array(widest);
      for (let t = 0; t < dr.nD; t++) {
        const off = dr.offsets[t]!;
        const n = dr.offsets[t + 1]! - off;
        if (!n) continue;
        // The block is a view: stages process the store in place.
        const block = data.subarray(off * C, (off + n) * C);
        keep.fill(1, 0, n);
        runStages(stages, 0, stages.length, block, n, cols, keep, off);
        for (let r = 0; r < n; r++) {
          if (!keep[r]) inferKeep[off + r] = 0;
          if (!needFeatOk) continue;
          for (let c = 0; c < Cf; c++) {
            const v = block[r * C + finalCols[c]!]!;
            if (v !== v) {
              featOk[off + r] = 0;
              break;
            }
          }
        }
      }
    },
    day(t) {
      const off = dr.offsets[t]!;
      const n = dr.offsets[t + 1]! - off;
      if (all) return data.slice(off * C, (off + n) * C);
      const out = new Float32Array(n * Cf);
      src.fill(t, off, n, finalCols, out);
      return out;
    },
    rows(ps) {
      const out = new Float32Array(ps.length * Cf);
      for (let b = 0; b < ps.length; b++) src.fillRow(ps[b]!, finalCols, out, b * Cf);
      return out;
    },
    stream(ts) {
      return (k) => this.day(ts[k]!);
    },
  };
}

/** Days per prefetch task, and tasks kept in flight per thread. */
const GROUP = 4;
const AHEAD = 6;
let streamIds = 0;

function shareChain(ch: ValueChain): SharedChain {
  const copy = (a: Float64Array | Int32Array): SharedArrayBuffer => {
    const sab = new SharedArrayBuffer(a.byteLength);
    new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    return sab;
  };
  return { ops: copy(ch.ops), arg: copy(ch.arg), center: ch.center.map(copy), scale: ch.scale.map(copy) };
}

/**
 * Prefetching day getter: groups of days are computed on the worker pool
 * into a ring of shared buffers, completion is flagged with Atomics, and the
 * caller blocks (Atomics.wait) only when it gets ahead of the workers; each
 * day is copied out of the ring (the ring slot is reused later). A failed or
 * stalled task falls back to computing the day on this thread.
 */
function prefetchStream(
  ts: readonly number[],
  src: FeatureSource,
  chain: ValueChain,
  fields: number[],
  row: number,
  dr: DayRows,
  threads: number,
  local: (t: number) => Float32Array,
  counters: { prefetchedDays: number },
): (k: number) => Float32Array {
  const key = `reader-${process.pid}-${streamIds++}`;
  const shared = src.shared();
  const sharedCh = shareChain(chain);
  const groups = Math.ceil(ts.length / GROUP);
  const flags = new Int32Array(new SharedArrayBuffer(4 * groups));
  const ahead = AHEAD * threads;
  // Slots for the groups in flight plus the one being read (and the one before it).
  const ringSize = ahead + 2;
  let widest = 0;
  for (let t = 0; t < dr.nD; t++) widest = Math.max(widest, dr.offsets[t + 1]! - dr.offsets[t]!);
  const slotFloats = GROUP * widest * row;
  const ring = Array.from({ length: Math.min(ringSize, groups) }, () => new SharedArrayBuffer(slotFloats * 4));
  const module = taskModule('./day-task', import.meta.url);
  let dispatched = 0;
  const dispatch = (g: number): void => {
    const days = ts.slice(g * GROUP, (g + 1) * GROUP);
    const job: DaysJob = { key, source: shared, chain: sharedCh, fields, days: [...days], out: ring[g % ring.length]!, flags: flags.buffer as SharedArrayBuffer, slot: g };
    postDetached(threads, g, module, 'computeDays', job);
  };
  return (k) => {
    const g = Math.floor(k / GROUP);
    while (dispatched < groups && dispatched <= g + ahead) dispatch(dispatched++);
    if (Atomics.load(flags, g) === 0) Atomics.wait(flags, g, 0, 60_000);
    const t = ts[k]!;
    if (Atomics.load(flags, g) !== 1) return local(t);
    let at = 0;
    for (let j = g * GROUP; j < k; j++) at += (dr.offsets[ts[j]! + 1]! - dr.offsets[ts[j]!]!) * row;
    counters.prefetchedDays++;
    return new Float32Array(ring[g % ring.length]!, at * 4, (dr.offsets[t + 1]! - dr.offsets[t]!) * row).slice();
  };
}

export function windowReader(
  src: FeatureSource,
  stages: Stage[],
  dr: DayRows,
  diagnostics: Diagnostic[],
  threads: number,
  counters: { prefetchedDays: number },
): SetReader {
  const { T } = src;
  const C = src.names.length;
  const alive = finalAlive(stages, C);
  const fields: number[] = [];
  for (let f = 0; f < src.F; f++) {
    let on = 0;
    for (let s = 0; s < T; s++) on += alive[f * T + s]!;
    if (on === T) fields.push(f);
    else if (on > 0) {
      const field = src.names[f * T]!.replace(/\d+$/, '');
      diagnostics.push(diag('datasetBadOption', { what: `window set ${src.name} keeps only some lags of field ${field}; drop or keep whole fields` }));
    }
  }
  const Fk = fields.length;
  const row = T * Fk;
  const cols = identity(C);
  const rowLocal = isRowLocal(stages);
  // Fitted parameters are final once readers exist (fitStages ran first).
  const chain = src.windowRows ? valueChain(stages, C) : null;
  const transpose = (block: Float32Array, r: number, out: Float32Array, at: number): void => {
    for (let k = 0; k < Fk; k++) {
      const src0 = r * C + fields[k]! * T;
      for (let s = 0; s < T; s++) out[at + s * Fk + k] = block[src0 + s]!;
    }
  };
  const processDay = (t: number, onBlock?: (block: Float32Array, keep: Uint8Array, n: number, off: number) => void): Float32Array => {
    const off = dr.offsets[t]!;
    const n = dr.offsets[t + 1]! - off;
    if (chain && !onBlock) {
      const out = new Float32Array(n * row);
      src.windowRows!(null, off, n, fields, chain, out);
      return out;
    }
    const block = new Float32Array(n * C);
    const keep = new Uint8Array(n).fill(1);
    src.fill(t, off, n, cols, block);
    runStages(stages, 0, stages.length, block, n, cols, keep, off);
    onBlock?.(block, keep, n, off);
    const out = new Float32Array(n * row);
    for (let r = 0; r < n; r++) transpose(block, r, out, r * row);
    return out;
  };
  const cache = new Map<number, Float32Array>();
  const dayBlock = (t: number): Float32Array => {
    let hit = cache.get(t);
    if (!hit) {
      hit = processDay(t);
      if (cache.size >= DAY_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(t, hit);
    }
    return hit;
  };
  return {
    shape: {
      kind: 'window',
      T,
      F: Fk,
      columns: fields.flatMap((f) => Array.from({ length: T }, (_, s) => src.names[f * T + s]!)),
    },
    prepare(inferKeep, featOk, needFeatOk) {
      if (!stages.some((s) => s.proc.kind === 'dropna') && !needFeatOk) return;
      for (let t = 0; t < dr.nD; t++) {
        if (dr.offsets[t + 1] === dr.offsets[t]) continue;
        processDay(t, (block, keep, n, off) => {
          for (let r = 0; r < n; r++) {
            if (!keep[r]) inferKeep[off + r] = 0;
            let ok = 1;
            for (const f of fields) for (let s = 0; s < T && ok; s++) if (block[r * C + f * T + s] !== block[r * C + f * T + s]) ok = 0;
            if (!ok) featOk[off + r] = 0;
          }
        });
      }
    },
    day: (t) => processDay(t),
    stream(ts) {
      if (!chain || threads < 2 || ts.length < 2 * GROUP) return (k) => processDay(ts[k]!);
      return prefetchStream(ts, src, chain, fields, row, dr, threads, (t) => processDay(t), counters);
    },
    rows(ps) {
      const B = ps.length;
      const out = new Float32Array(B * row);
      if (chain) {
        src.windowRows!(ps, 0, B, fields, chain, out);
        return out;
      }
      if (rowLocal) {
        const block = new Float32Array(C);
        const keep = new Uint8Array(1);
        for (let b = 0; b < B; b++) {
          keep[0] = 1;
          src.fillRow(ps[b]!, cols, block, 0);
          runStages(stages, 0, stages.length, block, 1, cols, keep, ps[b]!);
          transpose(block, 0, out, b * row);
        }
        return out;
      }
      for (let b = 0; b < B; b++) {
        const t = dr.dayOf[ps[b]!]!;
        const r = ps[b]! - dr.offsets[t]!;
        out.set(dayBlock(t).subarray(r * row, (r + 1) * row), b * row);
      }
      return out;
    },
  };
}
