// Optimiser updates on flat Float32Arrays, identical in every replica.
//
// What: Adam (PyTorch semantics: bias-corrected moments, eps added after the
// square root, optional L2 weight decay added to the gradient) and SGD with
// momentum, as pure functions over one flat parameter vector. The data-parallel
// pool (pool.ts, worker.ts) runs the same function on the same bytes in every
// replica; single-process training can use it too, which is how the tests
// compare a pool against one process.
//
// Assumes: params, grads and the state arrays have equal length.
// Guarantees: deterministic — only IEEE-754 double arithmetic and Math.sqrt
// (correctly rounded), evaluated in index order, so equal inputs give
// bit-identical outputs in every thread.

/** Gradient clipping applied to the (averaged) gradient before the update. */
export interface ClipSpec {
  kind: 'value' | 'norm';
  value: number;
}

export type OptimizerSpec =
  | { kind: 'adam'; lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupledDecay?: number; clip?: ClipSpec }
  | { kind: 'sgd'; lr: number; momentum?: number; weightDecay?: number; clip?: ClipSpec };

/** Clip in place: each entry to ±value, or the whole vector to L2 norm ≤ value. */
export function clipGradients(g: Float32Array, clip: ClipSpec): void {
  if (clip.kind === 'value') {
    const v = clip.value;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! > v ? v : g[i]! < -v ? -v : g[i]!;
    return;
  }
  let s = 0;
  for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
  const norm = Math.sqrt(s);
  if (norm > clip.value && norm > 0) {
    const k = clip.value / (norm + 1e-6);
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * k;
  }
}

export interface OptimizerState {
  step: number;
  m: Float32Array;
  v: Float32Array;
}

export function createOptimizerState(size: number): OptimizerState {
  return { step: 0, m: new Float32Array(size), v: new Float32Array(size) };
}

/**
 * Apply one update in place to `params` (clipping `grads` in place first when
 * the spec asks; AdamW's decoupled decay shrinks the weights before the step).
 */
export function applyUpdate(spec: OptimizerSpec, state: OptimizerState, params: Float32Array, grads: Float32Array): void {
  if (spec.clip) clipGradients(grads, spec.clip);
  if (spec.kind === 'adam' && spec.decoupledDecay) {
    const k = 1 - spec.lr * spec.decoupledDecay;
    for (let i = 0; i < params.length; i++) params[i] = params[i]! * k;
  }
  state.step += 1;
  const wd = spec.weightDecay ?? 0;
  if (spec.kind === 'adam') {
    const b1 = spec.beta1 ?? 0.9, b2 = spec.beta2 ?? 0.999, eps = spec.eps ?? 1e-8;
    const c1 = 1 - Math.pow(b1, state.step), c2 = 1 - Math.pow(b2, state.step);
    const stepSize = spec.lr / c1;
    const { m, v } = state;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] + wd * params[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      params[i] -= (stepSize * m[i]) / (Math.sqrt(v[i] / c2) + eps);
    }
  } else {
    const mom = spec.momentum ?? 0;
    const { m } = state;
    for (let i = 0; i < params.length; i++) {
      const g = grads[i] + wd * params[i];
      m[i] = mom * m[i] + g;
      params[i] -= spec.lr * (mom > 0 ? m[i] : g);
    }
  }
}
