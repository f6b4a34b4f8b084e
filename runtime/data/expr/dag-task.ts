// The feature engine's worker task: run the time-series part of a DAG over
// one slice of instruments, reading the panel fields from shared memory and
// writing each output straight into its shared output column at the slice's
// offset. Instrument-major layout makes a slice contiguous.
//
// Assumes: the slice's outputs need no cross-sectional node (parallel.ts
// only sends time-series nodes).

import type { DagNode } from './graph.js';
import { runDag } from './run.js';
import type { Precision } from './cache.js';

export interface DagSliceJob {
  nodes: DagNode[];
  outputs: { id: number; sab: SharedArrayBuffer; precision: Precision }[];
  fields: { name: string; sab: SharedArrayBuffer }[];
  starts: SharedArrayBuffer;
  nD: number;
  i0: number;
  i1: number;
}

export function runDagSlice(job: DagSliceJob): boolean {
  const { nD, i0, i1 } = job;
  const nI = i1 - i0;
  const len = nI * nD;
  const fields: Record<string, Float64Array> = {};
  for (const f of job.fields) fields[f.name] = new Float64Array(f.sab, i0 * nD * 8, len);
  const starts = new Int32Array(job.starts, i0 * 4, nI);
  const targets = new Map<number, Float32Array | Float64Array>();
  for (const o of job.outputs) {
    targets.set(o.id, o.precision === 'f32' ? new Float32Array(o.sab, i0 * nD * 4, len) : new Float64Array(o.sab, i0 * nD * 8, len));
  }
  runDag({
    dag: { nodes: job.nodes },
    layout: { nI, nD, starts },
    fields,
    outputs: job.outputs.map((o) => o.id),
    emit: (id, values) => {
      targets.get(id)!.set(values);
      return false;
    },
  });
  return true;
}
