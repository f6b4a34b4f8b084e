// Linear-algebra kernels against the float64 reference: dot over random
// splits of axes into contracted, batch and free ones (any layout), cosine
// and norm (zero vectors), and the Cholesky-based solve, inv and trace_inv on
// batched SPD matrices against Gaussian elimination. Gradients against finite
// differences of the reference (≤ 2e-3 of the gradient's max-norm, cpu; the
// SPD ops' custom gradients are the general-matrix ones, which the reference's
// general solve differentiates); forward on cpu and wasm; no tensor left.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOp, gradError, input, inputRT, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case, type CaseInput, type Sizes } from './harness.js';
import { cosineRef, count, dotRef, invRef, normRef, solveRef } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('linalg'));

const POOL = ['N', 'T', 'F', 'K', 'J'];
type Role = 'over' | 'batch' | 'a' | 'b' | 'none';

const dotCase = fc
  .record({
    s: sizesArb,
    roles: fc.array(fc.constantFrom<Role>('over', 'batch', 'a', 'b', 'none'), { minLength: 5, maxLength: 5 }),
    seed: seedArb,
    firstOver: fc.integer({ min: 0, max: 4 }),
  })
  .chain(({ s, roles, seed, firstOver }) => {
    const r = roles.map((x, i) => (i === firstOver ? 'over' : x));
    const pick = (want: Role[]) => POOL.filter((_, i) => want.includes(r[i] as Role));
    const over = pick(['over']);
    return fc
      .record({
        a: fc.shuffledSubarray(pick(['over', 'batch', 'a']), { minLength: pick(['over', 'batch', 'a']).length }),
        b: fc.shuffledSubarray(pick(['over', 'batch', 'b']), { minLength: pick(['over', 'batch', 'b']).length }),
        o: fc.shuffledSubarray(over, { minLength: over.length }),
      })
      .map(({ a, b, o }): Case => ({ op: 'dot', attrs: { over: o }, inputs: [input('a', a, s, seed, { nan: 0.03 }), input('b', b, s, seed + 1)] }));
  });

const overList = (c: Case) => (Array.isArray(c.attrs!['over']) ? (c.attrs!['over'] as string[]) : [String(c.attrs!['over'])]);

describe('contractions', () => {
  it('dot: batch axes, free axes, several contracted axes, any layouts', async () => {
    await checkOp(dotCase, (c) => dotRef(inputRT(c, 'a')!, inputRT(c, 'b')!, overList(c)), { runs: 40, gradRuns: 12 });
  });
  it('cosine with eps (zero vectors give 0) and norm over several axes', async () => {
    const cos = dotCase
      .filter((c) => overList(c).length >= 1)
      .chain((c) => fc.record({ c: fc.constant(c), zero: fc.boolean() }))
      .map(({ c, zero }): Case => {
        const over = overList(c)[0]!;
        const drop = overList(c).slice(1);
        const strip = (i: CaseInput): CaseInput => {
          const keep = i.axes.filter((a) => !drop.includes(a));
          const sz = Object.fromEntries(i.axes.map((a, d) => [a, i.shape[d]!])) as Sizes;
          const data = Array.from({ length: count(keep.map((a) => sz[a]!)) }, (_, k) => (zero && i.name === 'a' ? 0 : Math.fround(Math.sin(k * 1.7 + i.data.length))));
          return { ...i, axes: keep, shape: keep.map((a) => sz[a]!), data };
        };
        return { op: 'cosine', attrs: { over, eps: 1e-6 }, inputs: c.inputs.map(strip) };
      });
    await checkOp(cos, (c) => cosineRef(inputRT(c, 'a')!, inputRT(c, 'b')!, String(c.attrs!['over']), 1e-6), {
      runs: 25,
      gradRuns: 10,
      gradFilter: (c) => Array.from(c.inputs[0]!.data).some((v) => v !== 0),
    });
    const norm = fc
      .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb, zero: fc.boolean() })
      .chain((r) => fc.shuffledSubarray(r.axes, { minLength: 1 }).map((over): Case => {
        const x = input('x', r.axes, r.s, r.seed);
        if (r.zero) x.data = Array.from(x.data, (v, i) => (i % 2 ? v : 0));
        return { op: 'norm', attrs: { over }, inputs: [x] };
      }));
    await checkOp(norm, (c) => normRef(inputRT(c, 'x')!, overList(c)), { runs: 20, gradRuns: 8 });
  });
  it('norm of a zero vector has gradient 0, not NaN', () => {
    const c: Case = { op: 'norm', attrs: { over: ['F'] }, inputs: [{ name: 'x', axes: ['F'], shape: [3], data: [0, 0, 0] }] };
    expect(gradError(c, (k) => normRef(inputRT(k, 'x')!, ['F']))).toBeLessThan(1e-6);
  });
});

/** A batch of SPD matrices M·Mᵀ/n + I over (K, J) with batch axes, in the given layout. */
function spd(axes: string[], s: Sizes, seed: number): CaseInput {
  const shape = axes.map((a) => s[a]!);
  const n = s['K']!;
  const M = input('m', ['P', 'K', 'J'], { ...s, P: count(shape) / (n * n) }, seed, { lo: -1, hi: 1 }).data;
  const batchAxes = axes.filter((a) => a !== 'K' && a !== 'J');
  const data = new Array<number>(count(shape));
  const strides = shape.map((_, d) => count(shape.slice(d + 1)));
  const batchShape = batchAxes.map((a) => s[a]!);
  for (let p = 0; p < count(batchShape); p++) {
    const bi: Record<string, number> = {};
    let r = p;
    for (let d = batchAxes.length - 1; d >= 0; d--) {
      bi[batchAxes[d]!] = r % batchShape[d]!;
      r = Math.floor(r / batchShape[d]!);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let v = i === j ? 1 : 0;
        for (let k = 0; k < n; k++) v += (M[p * n * n + i * n + k]! * M[p * n * n + j * n + k]!) / n;
        const idx: Record<string, number> = { ...bi, K: i, J: j };
        data[axes.reduce((off, a, d) => off + idx[a]! * strides[d]!, 0)] = Math.fround(v);
      }
    }
  }
  return { name: 'A', axes, shape, data };
}

const spdCase = fc
  .record({ s: sizesArb, batch: fc.shuffledSubarray(['N', 'T'], { minLength: 0 }), seed: seedArb, n: fc.integer({ min: 1, max: 4 }) })
  .chain(({ s, batch, seed, n }) => {
    const sz = { ...s, K: n, J: n };
    return fc
      .record({
        a: fc.shuffledSubarray([...batch, 'K', 'J'], { minLength: batch.length + 2 }),
        extra: fc.shuffledSubarray(['F'], { minLength: 0 }),
      })
      .chain(({ a, extra }) =>
        fc.shuffledSubarray([...batch, 'K', ...extra], { minLength: batch.length + 1 + extra.length }).map((b) => ({ sz, a, b, seed })),
      );
  });

describe('SPD solves (Cholesky, custom gradients)', () => {
  it('solve: X = A⁻¹B over batch axes, B with extra columns, col axis in row\'s place', async () => {
    const arb = spdCase.map(({ sz, a, b, seed }): Case => ({ op: 'solve', attrs: { row: 'K', col: 'J' }, inputs: [spd(a, sz, seed), input('B', b, sz, seed + 2)] }));
    await checkOp(arb, (c) => solveRef(inputRT(c, 'A')!, inputRT(c, 'B')!, 'K', 'J'), { runs: 25, gradRuns: 10, atol: 1e-4, rtol: 1e-3 });
  });
  it('inv and trace_inv', async () => {
    const arb = spdCase.map(({ sz, a, seed }): Case => ({ op: 'inv', attrs: { row: 'K', col: 'J' }, inputs: [spd(a, sz, seed)] }));
    await checkOp(arb, (c) => invRef(inputRT(c, 'A')!, 'K', 'J', false), { runs: 20, gradRuns: 8, atol: 1e-4, rtol: 1e-3 });
    await checkOp(
      arb.map((c) => ({ ...c, op: 'trace_inv' })),
      (c) => invRef(inputRT(c, 'A')!, 'K', 'J', true),
      { runs: 20, gradRuns: 8, atol: 1e-4, rtol: 1e-3 },
    );
  });
  it('a larger system (n = 12) stays accurate', () => {
    const s = { N: 1, T: 1, F: 3, K: 12, J: 12 };
    const c: Case = { op: 'solve', attrs: { row: 'K', col: 'J' }, inputs: [spd(['K', 'J'], s, 5), input('B', ['K', 'F'], s, 6)] };
    const ref = (k: Case) => solveRef(inputRT(k, 'A')!, inputRT(k, 'B')!, 'K', 'J');
    const r = runCase(c);
    const want = ref(c);
    for (let i = 0; i < want.data.length; i++) expect(Math.abs(r.out.data[i]! - want.data[i]!)).toBeLessThan(1e-4);
    expect(gradError(c, ref)).toBeLessThan(2e-3);
  });
  it('a matrix that is not positive definite gives NaN for its batch entry only', () => {
    const c: Case = {
      op: 'inv',
      attrs: { row: 'K', col: 'J' },
      inputs: [{ name: 'A', axes: ['N', 'K', 'J'], shape: [2, 2, 2], data: [2, 0, 0, 2, -1, 0, 0, 1] }],
    };
    const r = runCase(c);
    expect(Array.from(r.out.data.slice(0, 4))).toEqual([0.5, 0, 0, 0.5]);
    expect(r.out.data.slice(4).every(Number.isNaN)).toBe(true);
  });
});
