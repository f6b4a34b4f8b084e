// Column sources: where a feature set's raw values come from, and the
// day-major row store that holds a dataset's rows.
//
// Rows exist only for member days. They are numbered day by day (CSR): day
// t's members, ascending by instrument, are rows offsets[t]..offsets[t+1]-1,
// so a day is one contiguous block and a segment one contiguous row range.
//
// A flat set's columns come from the expression engine instrument-major;
// they are transposed once (in cache-sized tiles of days) into a row store
// [rows × C] so day blocks and sample rows are contiguous reads. A window set
// is never materialised: column (f, lag) on day t is series_f(t - lag) /
// scale_f(t), computed on demand from the daily series and scales (float64)
// and rounded to float32 — exactly what the engine gives for the flat
// expression `Ref(series, lag) / scale`, so both paths see identical raw
// values. Column order is Qlib's: field-major, lag descending (j = f·T + step,
// step = T - 1 - lag, so step 0 is the oldest).

import type { SharedSource } from './fit-task.js';
import { applyChain, type ValueChain } from './processors.js';

export interface DayRows {
  nI: number;
  nD: number;
  /** Rows of day t: offsets[t] .. offsets[t+1]-1. */
  offsets: Int32Array;
  /** Instrument of each row. */
  rows: Int32Array;
  /** Day of each row. */
  dayOf: Int32Array;
  /** Row of (day t, instrument i) at posOf[t * nI + i], -1 when not a member. */
  posOf: Int32Array;
}

export function dayRows(member: Uint8Array, nI: number, nD: number): DayRows {
  const offsets = new Int32Array(nD + 1);
  const posOf = new Int32Array(nI * nD).fill(-1);
  let n = 0;
  for (let t = 0; t < nD; t++) {
    offsets[t] = n;
    for (let i = 0; i < nI; i++) if (member[i * nD + t]) posOf[t * nI + i] = n++;
  }
  offsets[nD] = n;
  const rows = new Int32Array(n);
  const dayOf = new Int32Array(n);
  for (let t = 0; t < nD; t++) {
    for (let i = 0; i < nI; i++) {
      const p = posOf[t * nI + i]!;
      if (p >= 0) {
        rows[p] = i;
        dayOf[p] = t;
      }
    }
  }
  return { nI, nD, offsets, rows, dayOf, posOf };
}

/**
 * Transpose instrument-major columns into a row store [rows × C]. Tiles of
 * days keep both the column reads and the row writes inside the cache.
 */
export function buildRowStore(columns: readonly (Float32Array | Float64Array)[], dr: DayRows): Float32Array {
  const C = columns.length;
  const { nI, nD, offsets, posOf } = dr;
  // Shared memory, so fitting tasks on worker threads can read it.
  const data = new Float32Array(new SharedArrayBuffer(offsets[nD]! * C * 4));
  const TILE = 16;
  for (let t0 = 0; t0 < nD; t0 += TILE) {
    const t1 = Math.min(nD, t0 + TILE);
    for (let c = 0; c < C; c++) {
      const col = columns[c]!;
      for (let i = 0; i < nI; i++) {
        const base = i * nD;
        for (let t = t0; t < t1; t++) {
          const p = posOf[t * nI + i]!;
          if (p >= 0) data[p * C + c] = col[base + t]!;
        }
      }
    }
  }
  return data;
}

export interface FeatureSource {
  name: string;
  kind: 'flat' | 'window';
  /** Original column names, Qlib order. */
  names: string[];
  /** Window length (1 for a flat set). */
  T: number;
  /** Fields of a window set; columns of a flat set. */
  F: number;
  /** Raw values of columns `cols` for the member rows p0..p0+nRows-1 (all on day t), into block [nRows × cols.length]. */
  fill(t: number, p0: number, nRows: number, cols: Int32Array, block: Float32Array): void;
  /** Raw values of columns `cols` for one row p, into out[at ..]. */
  fillRow(p: number, cols: Int32Array, out: Float32Array, at: number): void;
  /** Column indices a processor's column name refers to, or null when unknown. */
  matches(name: string): number[] | null;
  /** Flat sources only: write a processed block back over the raw rows (the inverse of fill). */
  store?(p0: number, nRows: number, cols: Int32Array, block: Float32Array): void;
  /**
   * The non-NaN raw values of each column cols[q] over every row of days
   * [a, b), in a source-chosen order, into out[q·stride ..]; their counts into
   * counts[q]. Used to fit a first stage whose statistics do not depend on
   * order (medians, extremes).
   */
  gatherColumns(cols: readonly number[], a: number, b: number, out: Float32Array, stride: number, counts: Int32Array): void;
  /** The source as shared buffers, for worker tasks (copies into shared memory once if needed). */
  shared(): SharedSource;
  /**
   * Window sources only: write processed rows straight into [T, F] layout —
   * every raw value of the kept fields goes through `chain` in one pass.
   */
  windowRows?(ps: Int32Array | null, p0: number, n: number, fields: readonly number[], chain: ValueChain, out: Float32Array): void;
}

function sharedF64(a: Float64Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float64Array(sab).set(a);
  return sab;
}

function sharedCopy(a: Int32Array | Uint8Array | Float32Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return sab;
}

/** A flat set held in a row store [rows × names.length]. */
export function flatSource(name: string, names: string[], data: Float32Array, dr: DayRows): FeatureSource {
  const C = names.length;
  const dayRowsEnd = (t: number): number => dr.offsets[t]!;
  let shareCache: SharedSource | undefined;
  const index = new Map(names.map((n, j) => [n, j]));
  return {
    name,
    kind: 'flat',
    names,
    T: 1,
    F: C,
    fill(_t, p0, nRows, cols, block) {
      const K = cols.length;
      if (K === C) {
        let identity = true;
        for (let c = 0; c < K && identity; c++) identity = cols[c] === c;
        if (identity) {
          block.set(data.subarray(p0 * C, (p0 + nRows) * C));
          return;
        }
      }
      for (let r = 0; r < nRows; r++) {
        const src = (p0 + r) * C;
        for (let c = 0; c < K; c++) block[r * K + c] = data[src + cols[c]!]!;
      }
    },
    fillRow(p, cols, out, at) {
      for (let c = 0; c < cols.length; c++) out[at + c] = data[p * C + cols[c]!]!;
    },
    matches(n) {
      const j = index.get(n);
      return j === undefined ? null : [j];
    },
    gatherColumns(cols, a, b, out, stride, counts) {
      // The rows of days [a, b) are contiguous in the store: one sweep reads
      // every requested column of a row from the same cache lines.
      const p1 = dayRowsEnd(b);
      const Q = cols.length;
      counts.fill(0, 0, Q);
      for (let p = dayRowsEnd(a); p < p1; p++) {
        const base = p * C;
        for (let q = 0; q < Q; q++) {
          const v = data[base + cols[q]!]!;
          if (v === v) out[q * stride + counts[q]++] = v;
        }
      }
    },
    shared() {
      shareCache ??= { type: 'flat', data: sharedCopy(data), C, offsets: sharedCopy(dr.offsets), nI: dr.nI, nD: dr.nD };
      return shareCache;
    },
    store(p0, nRows, cols, block) {
      const K = cols.length;
      for (let r = 0; r < nRows; r++) {
        const dst = (p0 + r) * C;
        for (let c = 0; c < K; c++) data[dst + cols[c]!] = block[r * K + c]!;
      }
    },
  };
}

/** A window set computed on demand from per-field daily series (instrument-major, float64). */
export function windowSource(
  name: string,
  fieldNames: string[],
  T: number,
  series: Float64Array[],
  scales: (Float64Array | null)[],
  dr: DayRows,
  member: Uint8Array,
): FeatureSource {
  const F = fieldNames.length;
  const nD = dr.nD;
  let shareCache: SharedSource | undefined;
  const names: string[] = [];
  for (const f of fieldNames) for (let l = T - 1; l >= 0; l--) names.push(`${f}${l}`);
  const byName = new Map(names.map((n, j) => [n, j]));
  const fOf = Int32Array.from(names, (_, j) => (j / T) | 0);
  const lagOf = Int32Array.from(names, (_, j) => T - 1 - (j - fOf[j]! * T));
  const fillOne = (i: number, t: number, cols: Int32Array, out: Float32Array, at: number): void => {
    const base = i * nD;
    for (let c = 0; c < cols.length; c++) {
      const j = cols[c]!;
      const f = fOf[j]!;
      const u = t - lagOf[j]!;
      const v = u >= 0 ? series[f]![base + u]! : NaN;
      const sc = scales[f];
      out[at + c] = sc ? v / sc[base + t]! : v;
    }
  };
  /** Every column of one row, field by field (the same arithmetic as fillOne). */
  const fillAll = (i: number, t: number, out: Float32Array, at: number): void => {
    const base = i * nD;
    for (let f = 0; f < F; f++) {
      const ser = series[f]!;
      const sc = scales[f];
      const o = at + f * T;
      const first = T - 1 - t; // steps before the panel's first day
      for (let s = 0; s < T; s++) {
        const v = s >= first ? ser[base + t - (T - 1 - s)]! : NaN;
        out[o + s] = sc ? v / sc[base + t]! : v;
      }
    }
  };
  return {
    name,
    kind: 'window',
    names,
    T,
    F,
    fill(t, p0, nRows, cols, block) {
      const K = cols.length;
      if (K === F * T && cols[0] === 0 && cols[K - 1] === K - 1) {
        for (let r = 0; r < nRows; r++) fillAll(dr.rows[p0 + r]!, t, block, r * K);
        return;
      }
      for (let r = 0; r < nRows; r++) fillOne(dr.rows[p0 + r]!, t, cols, block, r * K);
    },
    windowRows(ps, p0, n, keptFields, chain, out) {
      const Fk = keptFields.length;
      const row = T * Fk;
      // The usual chain — one norm (optionally clipped), then fillna — gets a
      // dedicated loop; any other value chain goes through applyChain.
      const ops = chain.ops;
      const norm = ops.length >= 1 && ops[0] === 0 && (ops.length === 1 || (ops.length === 2 && ops[1] === 1));
      const m = norm ? chain.center[0]! : null;
      const sd = norm ? chain.scale[0]! : null;
      const c0 = norm ? chain.arg[0]! : 0;
      const fill = norm && ops.length === 2 ? chain.arg[1]! : NaN;
      for (let r = 0; r < n; r++) {
        const p = ps ? ps[r]! : p0 + r;
        const t = dr.dayOf[p]!;
        const base = dr.rows[p]! * nD;
        const first = T - 1 - t;
        const o = r * row;
        for (let k = 0; k < Fk; k++) {
          const f = keptFields[k]!;
          const ser = series[f]!;
          const sc = scales[f];
          const scv = sc ? sc[base + t]! : 1;
          const at = base + t - (T - 1);
          for (let s = 0; s < T; s++) {
            const x = s >= first ? ser[at + s]! : NaN;
            const v = Math.fround(sc ? x / scv : x);
            const j = f * T + s;
            let y: number;
            if (m) {
              let z = (v - m[j]!) / sd![j]!;
              if (c0 > 0) z = z < -c0 ? -c0 : z > c0 ? c0 : z;
              y = Math.fround(z);
              if (y !== y) y = fill;
            } else y = applyChain(chain, v, j);
            out[o + s * Fk + k] = y;
          }
        }
      }
    },
    fillRow(p, cols, out, at) {
      if (cols.length === F * T && cols[0] === 0 && cols[cols.length - 1] === cols.length - 1) fillAll(dr.rows[p]!, dr.dayOf[p]!, out, at);
      else fillOne(dr.rows[p]!, dr.dayOf[p]!, cols, out, at);
    },
    gatherColumns(cols, a, b, out, stride, counts) {
      // Column by column, instrument by instrument: contiguous reads of the daily series.
      cols.forEach((j, q) => {
        const f = fOf[j]!;
        const lag = lagOf[j]!;
        const ser = series[f]!;
        const sc = scales[f];
        let n = q * stride;
        for (let i = 0; i < dr.nI; i++) {
          const base = i * nD;
          for (let t = Math.max(a, lag); t < b; t++) {
            if (!member[base + t]) continue;
            const v = sc ? ser[base + t - lag]! / sc[base + t]! : ser[base + t - lag]!;
            if (v === v) out[n++] = v;
          }
        }
        counts[q] = n - q * stride;
      });
    },
    shared() {
      shareCache ??= {
        type: 'window',
        T,
        series: series.map(sharedF64),
        scales: scales.map((x) => (x ? sharedF64(x) : null)),
        member: sharedCopy(member),
        nI: dr.nI,
        nD,
        offsets: sharedCopy(dr.offsets),
        rows: sharedCopy(dr.rows),
        dayOf: sharedCopy(dr.dayOf),
      };
      return shareCache;
    },
    matches(n) {
      const f = fieldNames.indexOf(n);
      if (f >= 0) return Array.from({ length: T }, (_, s) => f * T + s);
      const j = byName.get(n);
      return j === undefined ? null : [j];
    },
  };
}
