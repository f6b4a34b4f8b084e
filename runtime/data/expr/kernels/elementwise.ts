// Elementwise, conditional and shift kernels (Ref, Delta).
//
// Elementwise kernels run over the whole flat array (the evaluator masks the
// pre-start prefix afterwards). Semantics follow numpy on float64:
// comparisons give 1/0 and are false with NaN (Ne is true); truthiness is
// "non-zero", so NaN is true (numpy's bool(nan)); Power follows C pow
// (1**y = 1, (-1)**±inf = 1); Sign rounds to float32 first as Qlib does.

import type { Kernel, Layout } from './layout.js';

function unary(f: (v: number) => number): Kernel {
  return (_L, out, ins) => {
    const a = ins[0]!;
    for (let k = 0; k < out.length; k++) out[k] = f(a[k]!);
  };
}

function pow(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return Math.pow(a, b);
}

export const elementwiseKernels: Record<string, Kernel> = {
  Abs: unary(Math.abs),
  Sign: unary((v) => Math.sign(Math.fround(v))),
  Log: unary(Math.log),
  Neg: unary((v) => -v),
  Not: unary((v) => (v === 0 ? 1 : 0)),
  Add: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! + b![k]!;
  },
  Sub: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! - b![k]!;
  },
  Mul: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! * b![k]!;
  },
  Div: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! / b![k]!;
  },
  Power: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = pow(a![k]!, b![k]!);
  },
  Greater: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = Math.max(a![k]!, b![k]!);
  },
  Less: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = Math.min(a![k]!, b![k]!);
  },
  Gt: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! > b![k]! ? 1 : 0;
  },
  Ge: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! >= b![k]! ? 1 : 0;
  },
  Lt: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! < b![k]! ? 1 : 0;
  },
  Le: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! <= b![k]! ? 1 : 0;
  },
  Eq: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! === b![k]! ? 1 : 0;
  },
  Ne: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! !== b![k]! ? 1 : 0;
  },
  And: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! !== 0 && b![k]! !== 0 ? 1 : 0;
  },
  Or: (_L, out, [a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = a![k]! !== 0 || b![k]! !== 0 ? 1 : 0;
  },
  If: (_L, out, [c, a, b]) => {
    for (let k = 0; k < out.length; k++) out[k] = c![k]! !== 0 ? a![k]! : b![k]!;
  },
  /** NaN where either (or the only) rolling std is within 2e-5 of 0 (Qlib's Corr/Rsquare rule). */
  _maskstd: (_L, out, ins) => {
    const v = ins[0]!;
    const s1 = ins[1]!;
    const s2 = ins[2];
    for (let k = 0; k < out.length; k++) {
      const bad = Math.abs(s1[k]!) <= 2e-5 || (s2 !== undefined && Math.abs(s2[k]!) <= 2e-5);
      out[k] = bad ? NaN : v[k]!;
    }
  },
};

/**
 * Ref(x, N): x(t - N). N < 0 reads the future (NaN past the panel end).
 * N = 0: Qlib broadcasts the first value of the loaded series — here the
 * instrument's value on its first data day.
 */
export function refKernel(L: Layout, out: Float64Array, ins: Float64Array[], params: number[]): void {
  shiftLike(L, out, ins[0]!, params[0]!, false);
}

/** Delta(x, N) = x(t) - x(t - N); N = 0: x(t) minus the first value. */
export function deltaKernel(L: Layout, out: Float64Array, ins: Float64Array[], params: number[]): void {
  shiftLike(L, out, ins[0]!, params[0]!, true);
}

function shiftLike(L: Layout, out: Float64Array, x: Float64Array, n: number, delta: boolean): void {
  const { nI, nD, starts } = L;
  for (let i = 0; i < nI; i++) {
    const base = i * nD;
    const s = starts[i]!;
    if (s >= nD) continue;
    if (n === 0) {
      const first = x[base + s]!;
      for (let t = s; t < nD; t++) out[base + t] = delta ? x[base + t]! - first : first;
      continue;
    }
    for (let t = s; t < nD; t++) {
      const u = t - n;
      const v = u >= 0 && u < nD ? x[base + u]! : NaN;
      out[base + t] = delta ? x[base + t]! - v : v;
    }
  }
}
