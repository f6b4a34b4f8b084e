// Optimisers over one flat parameter vector (every trainable parameter
// concatenated in a fixed order): Adam and SGD with PyTorch's semantics come
// from runtime/parallel/optimizer.ts (shared with the data-parallel replicas,
// so single-process and parallel training update identically); AdamW adds
// decoupled weight decay. Gradient clipping by value (Qlib) and by global norm
// (PPO) also live here.
//
// Guarantees: deterministic (plain double arithmetic in index order).

import type { Optimizer } from '../../compiler/plan/plan.js';
import { applyUpdate, createOptimizerState, type OptimizerSpec, type OptimizerState } from '../parallel/optimizer.js';

export type { OptimizerState };

export function newState(size: number): OptimizerState {
  return createOptimizerState(size);
}

export function toSpec(o: Optimizer, lr: number): OptimizerSpec {
  if (o.kind === 'sgd') return { kind: 'sgd', lr, momentum: o.momentum, weightDecay: o.weightDecay };
  return { kind: 'adam', lr, beta1: o.betas[0], beta2: o.betas[1], eps: o.eps, weightDecay: o.kind === 'adam' ? o.weightDecay : 0 };
}

/** One optimiser step in place. AdamW decays the weights first (decoupled), then takes an Adam step. */
export function step(o: Optimizer, lr: number, state: OptimizerState, params: Float32Array, grads: Float32Array): void {
  if (o.kind === 'adamw' && o.weightDecay > 0) {
    const k = 1 - lr * o.weightDecay;
    for (let i = 0; i < params.length; i++) params[i]! *= k;
  }
  applyUpdate(toSpec(o, lr), state, params, grads);
}

export function clipByValue(g: Float32Array, limit: number): void {
  for (let i = 0; i < g.length; i++) {
    const v = g[i]!;
    if (v > limit) g[i] = limit;
    else if (v < -limit) g[i] = -limit;
  }
}

/** Scales g so its L2 norm is at most `maxNorm`; returns the norm before clipping. */
export function clipByNorm(g: Float32Array, maxNorm: number): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  const norm = Math.sqrt(s);
  if (norm > maxNorm && norm > 0) {
    const k = maxNorm / (norm + 1e-6);
    for (let i = 0; i < g.length; i++) g[i]! *= k;
  }
  return norm;
}

export function isFiniteArray(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
