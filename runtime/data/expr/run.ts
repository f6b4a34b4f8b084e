// Run a DAG of kernel nodes over one layout (all instruments, or a worker's
// slice of them): every node is one vectorised kernel call over every
// instrument of the layout, in topological order.
//
// Assumes: the DAG came from graph.ts (inputs before users); `fields` hold
// every field the needed nodes read, in the layout's shape. Guarantees: each
// requested output is handed to `emit` exactly once, as soon as it is
// computed; intermediate buffers are recycled as soon as their last user has
// run, so peak memory is the widest "live" cut of the DAG, not its size.
// Values before an instrument's first data day are NaN.

import type { Dag } from './graph.js';
import { KERNELS } from './kernels/index.js';
import { maskPrefix, type Layout } from './kernels/layout.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';

export interface RunDagInput {
  dag: Dag;
  layout: Layout;
  fields: Record<string, Float64Array>;
  outputs: readonly number[];
  /**
   * Receives each output. `owned` is true when the runner will not touch the
   * buffer again (the receiver may keep it); otherwise copy it before
   * returning. Returning `false` says the receiver did not keep it (it
   * copied or converted it): the runner then reuses the buffer.
   */
  emit: (id: number, values: Float64Array, owned: boolean) => boolean | void;
  /** Node values computed elsewhere (e.g. by worker threads); their inputs are not evaluated. */
  provided?: ReadonlyMap<number, Float64Array>;
  /** When given, receives milliseconds spent per kernel op name (for benchmarks). */
  profile?: Map<string, number>;
}

/** Ids needed to produce the outputs, ascending, stopping at provided nodes. */
export function neededNodes(dag: Dag, outputs: readonly number[], provided?: ReadonlyMap<number, unknown>): number[] {
  const seen = new Uint8Array(dag.nodes.length);
  const stack = [...outputs];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen[id]) continue;
    seen[id] = 1;
    if (!provided?.has(id)) stack.push(...dag.nodes[id]!.inputs);
  }
  const out: number[] = [];
  for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(i);
  return out;
}

export function runDag(input: RunDagInput): void {
  const { dag, layout, fields, outputs, emit, provided } = input;
  const size = layout.nI * layout.nD;
  const needed = neededNodes(dag, outputs, provided);
  const isOutput = new Set(outputs);
  const users = new Int32Array(dag.nodes.length);
  for (const id of needed) {
    if (provided?.has(id)) continue;
    for (const j of dag.nodes[id]!.inputs) users[j]++;
  }
  const values = new Map<number, Float64Array>();
  const pooled = new Set<number>();
  const pool: Float64Array[] = [];
  const take = (): Float64Array => pool.pop() ?? new Float64Array(size);

  for (const id of needed) {
    const node = dag.nodes[id]!;
    let v: Float64Array;
    const given = provided?.get(id);
    if (given) v = given;
    else if (node.op === 'field') {
      const f = fields[node.name!];
      if (!f) throw new DiagnosticError(diag('featureUnknownField', { name: node.name! }));
      v = f;
    } else if (node.op === 'const') {
      v = take();
      v.fill(node.params[0]!);
      maskPrefix(layout, v);
      pooled.add(id);
    } else {
      const kernel = KERNELS[node.op];
      if (!kernel) throw new DiagnosticError(diag('internalError', { what: `no kernel for ${node.op}` }));
      v = take();
      const t0 = input.profile ? performance.now() : 0;
      kernel(layout, v, node.inputs.map((j) => values.get(j)!), node.params);
      maskPrefix(layout, v);
      if (input.profile) input.profile.set(node.op, (input.profile.get(node.op) ?? 0) + performance.now() - t0);
      pooled.add(id);
    }
    values.set(id, v);
    if (isOutput.has(id)) {
      const owned = users[id] === 0 && pooled.has(id);
      const kept = emit(id, v, owned);
      if (owned && kept !== false) {
        pooled.delete(id);
        values.delete(id);
      }
    }
    if (!given) for (const j of node.inputs) if (--users[j]! === 0) release(j);
    if (users[id] === 0) release(id);
  }

  function release(j: number): void {
    const buf = values.get(j);
    values.delete(j);
    if (buf && pooled.has(j)) {
      pooled.delete(j);
      pool.push(buf);
    }
  }
}
