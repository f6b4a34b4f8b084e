// Shared-memory sources for worker tasks, and the task for processor fitting: the order-free statistics (median/MAD,
// min/max) of a group of columns, gathered straight from a source held in
// shared memory. The main thread splits a set's columns into groups and runs
// them on the task pool (runtime/data/expr/pool.ts).

import { fitColumnGroups } from './fit.js';
import { flatSource, windowSource, type DayRows, type FeatureSource } from './source.js';

/** A column source as shared buffers (what a worker needs to rebuild it). */
export type SharedSource =
  | { type: 'flat'; data: SharedArrayBuffer; C: number; offsets: SharedArrayBuffer; nI: number; nD: number }
  | {
      type: 'window';
      T: number;
      series: SharedArrayBuffer[];
      scales: (SharedArrayBuffer | null)[];
      member: SharedArrayBuffer;
      nI: number;
      nD: number;
      /** The dataset's rows (DayRows.offsets / rows / dayOf). */
      offsets?: SharedArrayBuffer;
      rows?: SharedArrayBuffer;
      dayOf?: SharedArrayBuffer;
    };

export interface FitColumnsJob {
  kind: string;
  source: SharedSource;
  cols: number[];
  a: number;
  b: number;
  total: number;
}

export function rebuildSource(s: SharedSource): FeatureSource {
  const empty = new Int32Array(0);
  if (s.type === 'flat') {
    const dr: DayRows = { nI: s.nI, nD: s.nD, offsets: new Int32Array(s.offsets), rows: empty, dayOf: empty, posOf: empty };
    return flatSource('', Array.from({ length: s.C }, (_, j) => String(j)), new Float32Array(s.data), dr);
  }
  const view = (b: SharedArrayBuffer | undefined): Int32Array => (b ? new Int32Array(b) : empty);
  const dr: DayRows = { nI: s.nI, nD: s.nD, offsets: view(s.offsets), rows: view(s.rows), dayOf: view(s.dayOf), posOf: empty };
  const names = s.series.map((_, f) => String(f));
  return windowSource(
    '',
    names,
    s.T,
    s.series.map((b) => new Float64Array(b)),
    s.scales.map((b) => (b ? new Float64Array(b) : null)),
    dr,
    new Uint8Array(s.member),
  );
}

export function fitColumns(job: FitColumnsJob): { center: number[]; scale: number[] } {
  const source = rebuildSource(job.source);
  const center: number[] = [];
  const scale: number[] = [];
  fitColumnGroups(source, job.kind, job.cols, job.a, job.b, job.total, (_, c, s) => {
    center.push(c);
    scale.push(s);
  });
  return { center, scale };
}
