// The kernel contract: how the executor runs one IR node on tfjs.
//
// A kernel is built once per IR node, when the executor compiles a function
// (runtime/exec/): the builder sees the node's attributes and its input and
// output types (axis names in order, sizes where known) and returns a closure
// that runs the node on tensors. All axis bookkeeping (permutations, reshapes
// for broadcasting) happens in the builder, so the closure does only tensor
// work.
//
// Layout invariant: a tensor's dimensions are in the order of its IR type's
// axes. Symbolic sizes (N: the stocks of one day) are read from the actual
// tensors at run time.
//
// Memory: closures run inside the executor's tf.tidy (forward) or gradient
// tape; they must not keep tensors beyond the call, except parameters and
// layer state owned by the RunContext.

import type * as tf from '@tensorflow/tfjs';
import type { Attrs, TensorType } from '../../compiler/ir/types.js';

export interface NodeInfo {
  op: string;
  attrs: Attrs;
  /** input names in the node's order (its `inputs` keys) */
  inputNames: string[];
  inputTypes: TensorType[];
  type: TensorType;
}

export interface RunContext {
  /** training mode: dropout active, batch norm uses batch statistics and updates running ones */
  training: boolean;
  /** a layer's parameter by local name (e.g. 'weight'); the executor resolves the node's path */
  param(path: string, name: string): tf.Variable;
  /** replace a non-trainable state tensor (batch-norm running statistics) */
  setState(path: string, name: string, value: tf.Tensor): void;
  /**
   * A state tensor as updated so far in this call (the last setState value,
   * else the parameter): a layer applied twice in one step updates its
   * running statistics twice in a row, as PyTorch does.
   */
  state(path: string, name: string): tf.Tensor;
  /** a fresh seed for stochastic ops (deterministic given the run's seed and step) */
  seed(): number;
  /** memory writes collected during this call (memory name → detached value) */
  writes: Map<string, tf.Tensor>;
}

export type KernelFn = (ins: tf.Tensor[], ctx: RunContext) => tf.Tensor;

export type KernelBuilder = (node: NodeInfo) => KernelFn;

/** Builders by op name, one entry per registry op (test/runtime/ops/coverage.test.ts checks). */
export type KernelTable = Record<string, KernelBuilder>;
