// The optimisers and gradient clipping against numbers computed by hand from
// PyTorch's documented update rules (torch.optim.Adam / AdamW / SGD with
// dampening 0, nesterov off; torch.nn.utils.clip_grad_value_ /
// clip_grad_norm_), evaluated in float64 outside this repository:
//
//   f(x) = Σ ½ cᵢ xᵢ² + dᵢ xᵢ,  c = [1, 0.5, 4], d = [−1, 0.5, 2],  x₀ = [1, −2, 0.5]
//   three steps at lr 0.1 (x₀[0] sits at its minimum, so it must not move).
//
// The parameters are float32, so the bound is 1e-6 relative.

import { describe, expect, it } from 'vitest';
import type { Optimizer } from '../../../compiler/plan/plan.js';
import { newState, step } from '../../../runtime/train/optimizer.js';
import { clipGradients } from '../../../runtime/parallel/optimizer.js';

const C = [1, 0.5, 4];
const D = [-1, 0.5, 2];

function run(o: Optimizer, steps = 3, clip?: { kind: 'value' | 'norm'; value: number }): number[] {
  const x = Float32Array.from([1, -2, 0.5]);
  const s = newState(3);
  for (let t = 0; t < steps; t++) {
    const g = Float32Array.from(x, (xi, i) => C[i]! * xi + D[i]!);
    step(o, o.lr, s, x, g, clip);
  }
  return Array.from(x);
}

function close(got: number[], want: number[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]!), `[${i}] ${g} vs ${want[i]}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[i]!))));
}

const adam = (extra: Partial<Extract<Optimizer, { kind: 'adam' }>> = {}): Optimizer => ({ kind: 'adam', lr: 0.1, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8, ...extra });

describe('optimisers (PyTorch semantics)', () => {
  it('Adam: bias-corrected moments, eps after the square root', () => {
    close(run(adam()), [1.0, -1.7015862776211843, 0.2015862721668379]);
  });

  it('Adam with other betas', () => {
    close(run(adam({ betas: [0.5, 0.9] })), [1.0, -1.7059824848716592, 0.20598247956830817]);
  });

  it('Adam weight_decay is L2 added to the gradient', () => {
    close(run(adam({ weightDecay: 0.5 })), [0.7106538879295085, -1.7009028715453671, 0.2017255300921218]);
  });

  it('AdamW decays the weights before the step (decoupled), not through the moments', () => {
    close(run({ kind: 'adamw', lr: 0.1, weightDecay: 0.5, betas: [0.9, 0.999], eps: 1e-8 }), [1.0070773039599143, -1.434171353670716, 0.14556789620996924]);
  });

  it('SGD with momentum: the buffer starts at the first gradient', () => {
    close(run({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }), [1.0, -1.7313749999999999, -1.04]);
  });

  it('SGD with momentum and weight decay', () => {
    close(run({ kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0.1 }), [0.949059, -1.627208, -1.0430905]);
  });

  it('plain SGD', () => {
    close(run({ kind: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0 }), [1.0, -1.857375, -0.284]);
  });

  it('the step counter and moments persist across calls on the same state', () => {
    // three separate states for three steps would give three "first" Adam steps instead
    const o = adam();
    const x = Float32Array.from([1, -2, 0.5]);
    for (let t = 0; t < 3; t++) {
      const fresh = newState(3);
      const g = Float32Array.from(x, (xi, i) => C[i]! * xi + D[i]!);
      step(o, o.lr, fresh, x, g);
    }
    expect(Math.abs(x[1]! - -1.7015862776211843)).toBeGreaterThan(1e-4);
  });
});

describe('gradient clipping', () => {
  it('by value: each entry to ±value (clip_grad_value_)', () => {
    const g = Float32Array.from([5, -0.5, -7, 3]);
    clipGradients(g, { kind: 'value', value: 3 });
    expect(Array.from(g)).toEqual([3, -0.5, -3, 3]);
  });

  it('by global norm: the whole vector scaled by max/(norm + 1e-6) when over (clip_grad_norm_)', () => {
    const g = Float32Array.from([3, 0, 4, 0]);
    clipGradients(g, { kind: 'norm', value: 1 });
    close(Array.from(g), [3 / (5 + 1e-6), 0, 4 / (5 + 1e-6), 0]);
    const small = Float32Array.from([0.3, 0.4]);
    clipGradients(small, { kind: 'norm', value: 1 });
    expect(Array.from(small)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
  });

  it('the optimiser step clips before the update (SGD, lr 1, from 0: the step is minus the clipped gradient)', () => {
    const sgd: Optimizer = { kind: 'sgd', lr: 1, momentum: 0, weightDecay: 0 };
    const x = new Float32Array(3);
    step(sgd, 1, newState(3), x, Float32Array.from([5, -0.5, -7]), { kind: 'value', value: 3 });
    expect(Array.from(x)).toEqual([-3, 0.5, 3]);
    const y = new Float32Array(2);
    step(sgd, 1, newState(2), y, Float32Array.from([6, 8]), { kind: 'norm', value: 2 });
    close(Array.from(y), [-1.2 * (10 / (10 + 1e-6)), -1.6 * (10 / (10 + 1e-6))]);
  });

  it('Adam sees the clipped gradient', () => {
    // Adam's first step is sign-only (lr·g/(|g| + eps)), so the second step is where clipping shows.
    const a = run(adam(), 2);
    const b = run(adam(), 2, { kind: 'value', value: 0.25 });
    expect(Math.abs(a[2]! - b[2]!)).toBeGreaterThan(1e-4);
  });
});
