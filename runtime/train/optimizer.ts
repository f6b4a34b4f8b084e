// Optimisers over one flat parameter vector (every trainable parameter
// concatenated in a fixed order): Adam and SGD with PyTorch's semantics come
// from runtime/parallel/optimizer.ts (shared with the data-parallel replicas,
// so single-process and parallel training update identically); AdamW adds
// decoupled weight decay. Gradient clipping by value (Qlib) and by global norm
// (PPO) also live here.
//
// Guarantees: deterministic (plain double arithmetic in index order).

import type { Optimizer } from '../../compiler/plan/plan.js';
import { applyUpdate, createOptimizerState, type ClipSpec, type OptimizerSpec, type OptimizerState } from '../parallel/optimizer.js';

export type { OptimizerState };

export function newState(size: number): OptimizerState {
  return createOptimizerState(size);
}

/** The plan's optimiser, learning rate and clipping as the shared update's spec. */
export function toSpec(o: Optimizer, lr: number, clip?: ClipSpec): OptimizerSpec {
  const c = clip ? { clip } : {};
  if (o.kind === 'sgd') return { kind: 'sgd', lr, momentum: o.momentum, weightDecay: o.weightDecay, ...c };
  if (o.kind === 'adamw') return { kind: 'adam', lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: 0, decoupledDecay: o.weightDecay, ...c };
  return { kind: 'adam', lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.weightDecay, ...c };
}

/** One optimiser step in place (clipping first when asked). */
export function step(o: Optimizer, lr: number, state: OptimizerState, params: Float32Array, grads: Float32Array, clip?: ClipSpec): void {
  applyUpdate(toSpec(o, lr, clip), state, params, grads);
}

export function isFiniteArray(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
