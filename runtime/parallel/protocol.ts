// Messages and shared-memory layout between the replica pool and its workers.
//
// What: the types both sides of runtime/parallel agree on, the replica-module
// contract, and a sense-reversing barrier over a SharedArrayBuffer.
//
// Assumes: structured-cloneable options; all workers of a pool share one
// control array (Int32Array over a SharedArrayBuffer, CTL_SIZE entries).
// Guarantees: `barrier` returns in every worker only after all `count` workers
// have entered it; if any party sets the abort flag it throws instead of
// waiting forever.

import type * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from './optimizer.js';

/** One named input of a batch: row-major data whose first axis is the sample axis. */
export interface BatchField {
  data: Float32Array;
  shape: number[];
}
export type Batch = Record<string, BatchField>;

/** A replica's shard, as tensors (first axis = this replica's samples). */
export type Shard = Record<string, tf.Tensor>;

/**
 * What a replica module builds. `step` returns the loss as a MEAN over the
 * shard's samples and the gradients of that loss w.r.t. every parameter; the
 * pool weights each replica by its share of the batch, so the averaged
 * gradient equals the full batch's.
 */
export interface ReplicaModel {
  params: Record<string, tf.Variable>;
  /** `info.seed`: the step's random seed when the pool was given one (dropout, Gumbel); `info.replica`: this replica's index */
  step(params: Record<string, tf.Variable>, shard: Shard, info?: { seed: number; replica: number }): { loss: tf.Scalar; grads: Record<string, tf.Tensor> };
}

/** The module's export (default name `createReplica`). */
export type ReplicaFactory = (options: unknown) => ReplicaModel | Promise<ReplicaModel>;

export interface InitMessage {
  type: 'init';
  index: number;
  count: number;
  module: string;
  exportName: string;
  options: unknown;
  optimizer: OptimizerSpec;
  backend: string;
  ctl: SharedArrayBuffer;
}

export interface FieldLayout {
  name: string;
  /** Float offset of the field's data in the batch buffer. */
  offset: number;
  shape: number[];
}

export type ToWorker =
  | InitMessage
  | { type: 'getParams' }
  | { type: 'setParams'; data: Float32Array; grads: SharedArrayBuffer }
  | { type: 'step'; batch: SharedArrayBuffer; fields: FieldLayout[]; start: number; count: number; weights: number[]; seed: number | null }
  | { type: 'getOptState' }
  | { type: 'setOptState'; step: number; m: Float32Array; v: Float32Array }
  | { type: 'hash' }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; names: string[]; shapes: number[][] }
  | { type: 'params'; data: Float32Array }
  | { type: 'optState'; step: number; m: Float32Array; v: Float32Array }
  | { type: 'ok' }
  | { type: 'stepDone'; loss: number }
  | { type: 'hash'; value: string }
  | { type: 'error'; message: string };

// control array slots
export const CTL_COUNT = 0;
export const CTL_GENERATION = 1;
export const CTL_ABORT = 2;
export const CTL_SIZE = 4;

/** Wait until all `count` parties arrive. Throws if the pool was aborted. */
export function barrier(ctl: Int32Array, count: number): void {
  const gen = Atomics.load(ctl, CTL_GENERATION);
  if (Atomics.add(ctl, CTL_COUNT, 1) === count - 1) {
    Atomics.store(ctl, CTL_COUNT, 0);
    Atomics.add(ctl, CTL_GENERATION, 1);
    Atomics.notify(ctl, CTL_GENERATION);
    return;
  }
  while (Atomics.load(ctl, CTL_GENERATION) === gen) {
    if (Atomics.load(ctl, CTL_ABORT) !== 0) throw new Error('replica pool aborted');
    Atomics.wait(ctl, CTL_GENERATION, gen, 1000);
  }
}

/** FNV-1a over the bytes of a float array, as hex (to compare replicas bit for bit). */
export function hashFloats(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0') + ':' + a.length;
}
