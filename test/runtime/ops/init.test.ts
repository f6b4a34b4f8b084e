// Parameter initialisation: every ParamSpec.init kind has the distribution
// its PyTorch counterpart has (bounds, means, variances on large draws), the
// fan-in conventions (dense [in, out], conv1d [k, cin, c], biases through
// spec.fanIn, RNN parameters through the hidden size), determinism given the
// seed, and the compiler's layer specs carrying the fan-in the kinds need.

import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import type { TensorType } from '../../../compiler/ir/types.js';
import { lookupOp } from '../../../compiler/ops/registry.js';
import type { ParamSpec } from '../../../compiler/ops/spec.js';
import { initParam, seededRng } from '../../../runtime/ops/init.js';

function stats(v: Float32Array): { mean: number; variance: number; min: number; max: number } {
  let s = 0;
  let q = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    s += x;
    q += x * x;
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  const mean = s / v.length;
  return { mean, variance: q / v.length - mean * mean, min, max };
}

/** Uniform on ±bound: everything inside, spread and variance bound²/3 (within 5 %). */
function expectUniform(v: Float32Array, bound: number): void {
  const s = stats(v);
  expect(s.max).toBeLessThanOrEqual(bound);
  expect(s.min).toBeGreaterThanOrEqual(-bound);
  expect(s.max).toBeGreaterThan(0.98 * bound);
  expect(s.min).toBeLessThan(-0.98 * bound);
  expect(Math.abs(s.mean)).toBeLessThan(0.03 * bound);
  expect(s.variance / (bound * bound / 3)).toBeGreaterThan(0.95);
  expect(s.variance / (bound * bound / 3)).toBeLessThan(1.05);
}

function expectNormal(v: Float32Array, std: number): void {
  const s = stats(v);
  expect(Math.abs(s.mean)).toBeLessThan(0.03 * std);
  expect(Math.sqrt(s.variance) / std).toBeGreaterThan(0.97);
  expect(Math.sqrt(s.variance) / std).toBeLessThan(1.03);
}

describe('seededRng', () => {
  it('is deterministic, in [0, 1), and uniform', () => {
    const a = seededRng(42);
    const b = seededRng(42);
    const c = seededRng(43);
    const xs = Array.from({ length: 20000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs[0]).not.toBe(c());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
    const buckets = new Array<number>(10).fill(0);
    for (const x of xs) buckets[Math.floor(x * 10)]!++;
    for (const n of buckets) expect(Math.abs(n - 2000)).toBeLessThan(200);
  });
});

describe('initParam', () => {
  const spec = (init: ParamSpec['init'], shape: number[], extra: Partial<ParamSpec> = {}): ParamSpec => ({ name: 'weight', shape, init, ...extra });
  it('uniform_fan_in: U(±1/√fan_in), fan_in = all dims but the last; biases use spec.fanIn', () => {
    expectUniform(initParam(spec('uniform_fan_in', [16, 3000]), seededRng(1)), 1 / 4);
    expectUniform(initParam(spec('uniform_fan_in', [3, 12, 1000]), seededRng(2)), 1 / 6);
    expectUniform(initParam(spec('uniform_fan_in', [20000], { name: 'bias', fanIn: 9 }), seededRng(3)), 1 / 3);
  });
  it('a rank-1 uniform_fan_in without fanIn is a compiler bug (Q9001)', () => {
    expect(() => initParam(spec('uniform_fan_in', [4], { name: 'bias' }), seededRng(1))).toThrow(DiagnosticError);
  });
  it('xavier_uniform: U(±√(6/(fan_in + fan_out)))', () => {
    expectUniform(initParam(spec('xavier_uniform', [30, 2000]), seededRng(4)), Math.sqrt(6 / 2030));
    expectUniform(initParam(spec('xavier_uniform', [3, 10, 1000]), seededRng(5)), Math.sqrt(6 / (30 + 3000)));
  });
  it('kaiming_normal(a = 0.1, fan_in, leaky_relu): N(0, 2/((1 + a²)·fan_in))', () => {
    expectNormal(initParam(spec('kaiming_normal', [50, 1000]), seededRng(6)), Math.sqrt(2 / 1.01) / Math.sqrt(50));
  });
  it('normal: N(0, 1); zeros; ones', () => {
    expectNormal(initParam(spec('normal', [100, 400]), seededRng(7)), 1);
    expect(Array.from(initParam(spec('zeros', [2, 3]), seededRng(1)))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(initParam(spec('ones', [4]), seededRng(1)))).toEqual([1, 1, 1, 1]);
  });
  it('rnn_uniform: U(±1/√H) with H = spec.fanIn, or weight_hh\'s shape[1]', () => {
    expectUniform(initParam(spec('rnn_uniform', [12000], { name: 'bias_ih_l0', fanIn: 16 }), seededRng(8)), 1 / 4);
    expectUniform(initParam(spec('rnn_uniform', [3 * 25, 25 * 40], { name: 'weight_hh_l1' }), seededRng(9)), 1 / Math.sqrt(1000));
    expect(() => initParam(spec('rnn_uniform', [12], { name: 'bias_hh_l0' }), seededRng(1))).toThrow(DiagnosticError);
  });
  it('is deterministic given the rng', () => {
    const a = initParam(spec('kaiming_normal', [5, 7]), seededRng(11));
    const b = initParam(spec('kaiming_normal', [5, 7]), seededRng(11));
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('layer parameter specs carry the fan-in their init needs', () => {
  const x = (axes: [string, number][]): TensorType => ({ kind: 'tensor', dtype: 'f32', axes: axes.map(([name, size]) => ({ name, size })) });
  it('dense bias takes the weight\'s fan-in; conv1d bias k·cin; every RNN parameter H', () => {
    const dense = lookupOp('dense')!.params!({ x: x([['N', 4], ['F', 6]]) }, { units: 3 });
    expect(dense.find((p) => p.name === 'bias')).toMatchObject({ shape: [3], init: 'uniform_fan_in', fanIn: 6 });
    const conv = lookupOp('conv1d')!.params!({ x: x([['T', 5], ['F', 4]]) }, { channels: 2, kernel: 3 });
    expect(conv.find((p) => p.name === 'bias')).toMatchObject({ fanIn: 12 });
    const gru = lookupOp('gru')!.params!({ x: x([['T', 5], ['F', 4]]) }, { hidden: 8, layers: 2 });
    expect(gru.every((p) => p.fanIn === 8)).toBe(true);
    for (const p of [...dense, ...conv, ...gru]) expect(() => initParam(p, seededRng(1))).not.toThrow();
  });
});
