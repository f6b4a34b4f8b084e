// A data-parallel replica of a compiled objective: what each worker of the
// replica pool runs when `quiver run` trains on both cores.
//
// The worker receives the objective's IR (with every function it calls), the
// trainable parameter keys and every parameter's current values; it compiles
// the objective once with the same kernels as the main thread and computes the
// loss and gradients on its shard. The pool averages the gradients and applies
// one identical update in every replica (runtime/parallel/pool.ts).
//
// Assumes: the objective has no layer state (batch norm) and no memory writes
// (the trainer falls back to one process otherwise); its loss is a mean over
// the shard's rows, so the pool's weighting by shard size gives the full
// batch's gradient.

import * as tf from '@tensorflow/tfjs';
import type { Program } from '../../compiler/ir/types.js';
import { compileFunction, paramSpecs, runContext } from '../exec/compile.js';
import { kernels } from '../ops/index.js';
import type { ReplicaModel, Shard } from './protocol.js';

export interface IrReplicaOptions {
  program: Program;
  fn: string;
  /** trainable parameter keys, in the trainer's order */
  keys: string[];
  /** every parameter's values (trainable and frozen) */
  values: Record<string, Float32Array>;
  seed: number;
}

export function createReplica(opts: IrReplicaOptions): ReplicaModel {
  const f = opts.program.functions[opts.fn];
  if (!f) throw new Error(`replica: no function ${opts.fn}`);
  const entries = paramSpecs([f]);
  const vars = new Map<string, tf.Variable>();
  for (const e of entries) {
    const v = opts.values[e.key];
    const init = tf.tensor(v ?? new Float32Array(e.shape.reduce((a, b) => a * b, 1)), e.shape, 'float32');
    vars.set(e.key, tf.variable(init, opts.keys.includes(e.key)));
    init.dispose();
  }
  const store = { entries, vars };
  const objective = compileFunction(f, kernels, opts.program);
  const params: Record<string, tf.Variable> = {};
  for (const k of opts.keys) {
    const v = vars.get(k);
    if (v) params[k] = v;
  }
  let counter = 0;
  return {
    params,
    step(p, shard: Shard, info) {
      // With the trainer's step seed, dropout depends on (run, stage, epoch, step, replica) only, so a resumed run repeats it.
      const seed = info ? (info.seed + 1_000_003 * info.replica) % 2_147_483_647 : opts.seed + 7919 * counter++;
      const ctx = runContext(store, { training: true, seed });
      const list = Object.values(p);
      const r = tf.variableGrads(() => objective.run(shard, ctx) as tf.Scalar, list);
      const grads: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(p)) {
        const g = r.grads[v.name];
        if (g) grads[k] = g;
      }
      for (const w of ctx.writes.values()) w.dispose();
      ctx.writes.clear();
      return { loss: r.value, grads };
    },
  };
}
