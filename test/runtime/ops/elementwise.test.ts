// Elementwise kernels against the float64 reference on random named-axis
// layouts (operands in different axis orders, one a subset of the other),
// with NaN, ties and integer operands; gradients of the differentiable ops
// against finite differences (error ≤ 2e-3 of the gradient's max-norm, cpu);
// forward on cpu and wasm; no tensor left behind.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DType } from '../../../compiler/ir/types.js';
import { checkOp, input, inputRT, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case, type FillOptions } from './harness.js';
import { binaryRef, castRef, map, unaryRef, zipWith } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('elementwise'));

const POOL = ['N', 'T', 'F'];

/** (full layout S, a subset of S in any order, whether b is the full one) */
const layouts = fc
  .shuffledSubarray(POOL, { minLength: 0, maxLength: 3 })
  .chain((S) => fc.tuple(fc.constant(S), fc.shuffledSubarray(S), fc.shuffledSubarray(S, { minLength: S.length }), fc.boolean()));

interface BinOpts {
  a?: FillOptions;
  b?: FillOptions;
  dtypes?: DType[];
}

function binaryCase(op: string, o: BinOpts = {}): fc.Arbitrary<Case> {
  const dts = o.dtypes ?? ['f32'];
  return fc
    .record({ s: sizesArb, l: layouts, sa: seedArb, da: fc.constantFrom(...dts), db: fc.constantFrom(...dts) })
    .map(({ s, l: [, sub, full, swap], sa, da, db }) => {
      const sb = sa + 7919;
      const [aAxes, bAxes] = swap ? [sub, full] : [full, sub];
      const fa = da === 'f32' ? o.a : { ...o.a, ints: true, nan: 0 };
      const fb = db === 'f32' ? o.b : { ...o.b, ints: true, nan: 0 };
      return { op, inputs: [input('a', aAxes, s, sa, { ...fa, dtype: da }), input('b', bAxes, s, sb, { ...fb, dtype: db })] };
    });
}

const binRef = (c: Case) => zipWith([inputRT(c, 'a')!, inputRT(c, 'b')!], binaryRef[c.op]!);

describe('binary arithmetic', () => {
  const withNaN: FillOptions = { nan: 0.1 };
  it('add, sub, mul (f32 and i32 operands)', async () => {
    for (const op of ['add', 'sub', 'mul']) await checkOp(binaryCase(op, { a: withNaN, b: withNaN, dtypes: ['f32', 'i32'] }), binRef);
  });
  it('div and pow are real-valued', async () => {
    await checkOp(binaryCase('div', { a: withNaN, b: { away: 0.3 }, dtypes: ['f32', 'i32'] }), binRef);
    await checkOp(binaryCase('pow', { a: { lo: 0.5, hi: 2 }, b: { lo: -2, hi: 2 } }), binRef);
  });
  it('mod is floor modulo (sign of b)', async () => {
    await checkOp(binaryCase('mod', { a: { lo: -5, hi: 5 }, b: { lo: -3, hi: 3, away: 0.7 }, dtypes: ['f32', 'i32'] }), binRef);
  });
  it('maximum and minimum propagate NaN on every backend', async () => {
    for (const op of ['maximum', 'minimum']) await checkOp(binaryCase(op, { a: withNaN, b: withNaN, dtypes: ['f32', 'i32'] }), binRef);
  });
});

describe('comparisons and logic', () => {
  const tied: FillOptions = { quant: 0.5, nan: 0.1 };
  it('eq, ne, lt, le, gt, ge (ties, NaN, mixed dtypes)', async () => {
    for (const op of ['eq', 'ne', 'lt', 'le', 'gt', 'ge']) {
      await checkOp(binaryCase(op, { a: tied, b: tied, dtypes: ['f32', 'i32'] }), binRef, { grad: false, runs: 12 });
    }
  });
  it('and, or read nonzero-and-not-NaN as true', async () => {
    const o: FillOptions = { lo: -1, hi: 1, quant: 1, nan: 0.15 };
    for (const op of ['and', 'or']) await checkOp(binaryCase(op, { a: o, b: o, dtypes: ['f32', 'bool'] }), binRef, { grad: false, runs: 12 });
  });
});

describe('where', () => {
  const whereCase = fc
    .record({ s: sizesArb, l: layouts, s1: seedArb, cd: fc.constantFrom<DType>('bool', 'f32') })
    .map(({ s, l: [, sub, full, swap], s1, cd }): Case => ({
      op: 'where',
      inputs: [
        input('cond', swap ? full : sub, s, s1, { lo: -1, hi: 1, quant: 1, nan: cd === 'f32' ? 0.2 : 0, dtype: cd, ints: cd === 'bool' }),
        input('a', full, s, s1 + 1, { nan: 0.1 }),
        input('b', sub, s, s1 + 2),
      ],
    }));
  it('selects by a truthy condition, aligned by name', async () => {
    const truthy = (v: number) => v !== 0 && !Number.isNaN(v);
    await checkOp(whereCase, (c) => zipWith([inputRT(c, 'cond')!, inputRT(c, 'a')!, inputRT(c, 'b')!], (k, a, b) => (truthy(k) ? a : b)), {
      grad: { inputs: ['a', 'b'] },
      gradNaN: true,
    });
  });
});

function unaryCase(op: string, fillX: FillOptions = {}, attrs: Case['attrs'] = {}, dtype: DType = 'f32'): fc.Arbitrary<Case> {
  return fc
    .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
    .map(({ s, axes, seed }) => ({ op, attrs, inputs: [input('x', axes, s, seed, { ...fillX, dtype, ...(dtype === 'f32' ? {} : { ints: true, nan: 0 }) })] }));
}

const unRef = (c: Case) => map(inputRT(c, 'x')!, unaryRef(c.op, c.attrs ?? {}));

describe('unary math', () => {
  const smooth: [string, FillOptions][] = [
    ['neg', { nan: 0.1 }],
    ['exp', {}],
    ['log', { lo: 0.2, hi: 3 }],
    ['log1p', { lo: -0.8, hi: 3 }],
    ['sqrt', { lo: 0.2, hi: 3 }],
    ['square', { nan: 0.1 }],
    ['reciprocal', { away: 0.3 }],
    ['sigmoid', { lo: -5, hi: 5 }],
    ['tanh', { lo: -4, hi: 4, nan: 0.1 }],
    ['elu', { away: 0.01 }],
    ['gelu', { lo: -4, hi: 4 }],
    ['softplus', { lo: -6, hi: 6 }],
    ['abs', { away: 0.01, nan: 0.1 }],
    ['relu', { away: 0.01, nan: 0.1 }],
  ];
  it('smooth and piecewise-linear functions with gradients', async () => {
    for (const [op, f] of smooth) await checkOp(unaryCase(op, f), unRef, { runs: 10, gradRuns: 4 });
  });
  it('leaky_relu with its slope, clip with NaN kept', async () => {
    await checkOp(unaryCase('leaky_relu', { away: 0.01 }, { slope: 0.2 }), unRef, { runs: 10, gradRuns: 4 });
    await checkOp(unaryCase('clip', { nan: 0.15, lo: -3, hi: 3 }, { lo: -1, hi: 1.5 }), unRef, { runs: 10, gradRuns: 4 });
  });
  it('sign, floor, ceil, round (half to even) with NaN', async () => {
    for (const op of ['sign', 'floor', 'ceil', 'round']) await checkOp(unaryCase(op, { quant: 0.5, nan: 0.1, lo: -3, hi: 3 }), unRef, { grad: false, runs: 10 });
  });
  it('integer inputs keep their dtype (abs, neg, square, relu, floor, clip)', async () => {
    for (const op of ['abs', 'neg', 'square', 'relu', 'floor']) await checkOp(unaryCase(op, { lo: -4, hi: 4 }, {}, 'i32'), unRef, { grad: false, runs: 6 });
    await checkOp(unaryCase('clip', { lo: -4, hi: 4 }, { lo: -1, hi: 2 }, 'i32'), unRef, { grad: false, runs: 6 });
    const r = runCase({ op: 'abs', inputs: [{ name: 'x', axes: ['F'], shape: [2], dtype: 'i32', data: [-3, 2] }] });
    expect(r.dtype).toBe('int32');
  });
  it('isnan, fillna, not', async () => {
    await checkOp(unaryCase('isnan', { nan: 0.3 }), unRef, { grad: false, runs: 8 });
    await checkOp(unaryCase('fillna', { nan: 0.3 }, { value: -7 }), unRef, { runs: 8, gradRuns: 4 });
    await checkOp(unaryCase('not', { lo: -1, hi: 1, quant: 1, nan: 0.2 }), unRef, { grad: false, runs: 8 });
    await checkOp(unaryCase('isnan', {}, {}, 'i32'), unRef, { grad: false, runs: 4 });
  });
});

describe('cast', () => {
  it('to i32 truncates (NaN, ±inf → 0), to bool is nonzero-and-not-NaN, to f32 is exact', async () => {
    for (const dtype of ['i32', 'bool', 'f32']) {
      const ref = (c: Case) => map(inputRT(c, 'x')!, castRef(dtype));
      const withInf = unaryCase('cast', { lo: -3, hi: 3, quant: 0.25, nan: 0.15 }, { dtype }).map((c) => ({
        ...c,
        inputs: c.inputs.map((i) => ({ ...i, data: Array.from(i.data, (v, k) => (k % 5 === 1 ? (k % 2 ? Infinity : -Infinity) : v)) })),
      }));
      await checkOp(withInf, ref, { grad: false, runs: 8 });
    }
  });
});
