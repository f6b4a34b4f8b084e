// Worker-thread parallelism for the feature engine.
//
// The time-series part of a DAG is embarrassingly parallel over instruments:
// the instruments are cut into contiguous slices (a few per thread, so
// uneven slices balance), the task pool runs the DAG on each slice
// (dag-task.ts), and every slice writes its part of each output column into
// shared memory. Cross-sectional nodes are never sent here (they need whole
// days; evaluate.ts runs them afterwards).

import type { Dag } from './graph.js';
import type { Precision } from './cache.js';
import type { DagSliceJob } from './dag-task.js';
import { neededNodes } from './run.js';
import { runTasks, taskModule } from './pool.js';

export { shutdownWorkers as shutdownExprWorkers } from './pool.js';

function toShared(a: Float64Array): SharedArrayBuffer {
  if (a.buffer instanceof SharedArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) return a.buffer;
  const sab = new SharedArrayBuffer(a.byteLength);
  new Float64Array(sab).set(a);
  return sab;
}

export interface ParallelRequest {
  dag: Dag;
  outputs: { id: number; precision: Precision }[];
  nI: number;
  nD: number;
  starts: Int32Array;
  fields: Record<string, Float64Array>;
  threads: number;
}

/**
 * Evaluate the requested (time-series only) outputs on `threads` workers.
 * Returns each output as a typed array over shared memory.
 */
export async function runDagParallel(req: ParallelRequest): Promise<Map<number, Float32Array | Float64Array>> {
  const { dag, nI, nD, threads } = req;
  const needed = neededNodes(dag, req.outputs.map((o) => o.id));
  const fieldNames = new Set<string>();
  for (const id of needed) {
    const n = dag.nodes[id]!;
    if (n.cs) throw new Error('cross-sectional node sent to a worker');
    if (n.op === 'field') fieldNames.add(n.name!);
  }
  const fields = [...fieldNames].map((name) => ({ name, sab: toShared(req.fields[name]!) }));
  const starts = new SharedArrayBuffer(nI * 4);
  new Int32Array(starts).set(req.starts);
  const outputs = req.outputs.map((o) => ({ ...o, sab: new SharedArrayBuffer(nI * nD * (o.precision === 'f32' ? 4 : 8)) }));
  const chunks = Math.min(nI, threads * 4);
  const jobs: DagSliceJob[] = [];
  for (let c = 0; c < chunks; c++) {
    const i0 = Math.floor((c * nI) / chunks);
    const i1 = Math.floor(((c + 1) * nI) / chunks);
    // The whole node list travels (ids stay valid); a slice evaluates only what the outputs need.
    if (i1 > i0) jobs.push({ nodes: dag.nodes, outputs, fields, starts, nD, i0, i1 });
  }
  await runTasks(taskModule('./dag-task', import.meta.url), 'runDagSlice', jobs, threads);
  const result = new Map<number, Float32Array | Float64Array>();
  for (const o of outputs) result.set(o.id, o.precision === 'f32' ? new Float32Array(o.sab) : new Float64Array(o.sab));
  return result;
}
