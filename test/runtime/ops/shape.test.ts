// Shape kernels against the float64 reference: random layouts (inputs of a
// variadic op in different axis orders), symbolic N read at run time, NaN
// moved around untouched; gradients of the differentiable ones against finite
// differences (≤ 2e-3 of the gradient's max-norm, cpu); forward on cpu and
// wasm; no tensor left behind.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOp, input, inputRT, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case } from './harness.js';
import { alongAxis, build, type RT } from './reference.js';
import {
  broadcastLikeRef,
  concatRef,
  diagRef,
  expandRef,
  flattenRef,
  oneHotRef,
  outerRef,
  pickRef,
  renameRef,
  reverseRef,
  setDiagRef,
  sliceRef,
  squeezeRef,
  packRef,
  topkLine,
  unflattenRef,
} from './reference-shape.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('shape'));

const POOL = ['N', 'T', 'F'];
const nan = { nan: 0.1 };
const str = (c: Case, k: string) => String(c.attrs![k]);
const x = (c: Case): RT => inputRT(c, 'x')!;

/** x over a random layout of 1–3 pool axes, plus a chosen axis of it. */
const xWithAxis = fc
  .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
  .chain((r) => fc.record({ r: fc.constant(r), over: fc.constantFrom(...r.axes) }));

describe('renaming, joining, picking', () => {
  it('rename', async () => {
    const arb = xWithAxis.map(({ r: { s, axes, seed }, over }): Case => ({ op: 'rename', attrs: { renames: { [over]: 'K' } }, inputs: [input('x', axes, s, seed, nan)] }));
    await checkOp(arb, (c) => renameRef(x(c), c.attrs!['renames'] as Record<string, string>), { runs: 10, gradRuns: 4 });
  });
  it('rename with sizes (a call boundary fixing a symbolic N) passes the data through and checks the size', () => {
    const ok: Case = { op: 'rename', attrs: { renames: {}, sizes: { N: 3 } }, inputs: [input('x', ['N', 'F'], { N: 3, T: 1, F: 2, K: 1, J: 1 }, 7)] };
    expect(runCase(ok).out).toEqual(renameRef(x(ok), {}));
    const bad: Case = { ...ok, inputs: [input('x', ['N', 'F'], { N: 4, T: 1, F: 2, K: 1, J: 1 }, 7)] };
    expect(() => runCase(bad)).toThrow(/axis N has 4 entries, the callee declares 3/);
  });
  it('concat and pack reorder later inputs to the first one\'s layout', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb, n: fc.integer({ min: 1, max: 3 }), extra: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }) })
      .chain((r) => fc.record({ r: fc.constant(r), over: fc.constantFrom(...r.axes), perms: fc.array(fc.shuffledSubarray(r.axes, { minLength: r.axes.length }), { minLength: 3, maxLength: 3 }) }));
    const concat = arb.map(({ r: { s, axes, seed, n, extra }, over, perms }): Case => ({
      op: 'concat',
      attrs: { over },
      inputs: Array.from({ length: n }, (_, i) => input(String(i), i === 0 ? axes : perms[i]!, over === 'N' ? s : { ...s, [over]: extra[i]! }, seed + i, nan)),
    }));
    await checkOp(concat, (c) => concatRef(c.inputs.map((i) => inputRT(c, i.name)!), str(c, 'over')), { runs: 15, gradRuns: 5 });
    const pack = arb.map(({ r: { s, axes, seed, n }, perms }): Case => ({
      op: 'pack',
      attrs: { as: 'K' },
      inputs: Array.from({ length: n }, (_, i) => input(String(i), i === 0 ? axes : perms[i]!, s, seed + i, nan)),
    }));
    await checkOp(pack, (c) => packRef(c.inputs.map((i) => inputRT(c, i.name)!), 'K'), { runs: 15, gradRuns: 5 });
  });
  it('permute: any order of the axes, values by name unchanged, gradient permuted back', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
      .chain((r) => fc.shuffledSubarray(r.axes, { minLength: r.axes.length, maxLength: r.axes.length }).map((order): Case => ({ op: 'permute', attrs: { axes: order }, inputs: [input('x', r.axes, r.s, r.seed, nan)] })));
    await checkOp(arb, (c) => x(c), { runs: 20, gradRuns: 6 });
  });
  it('first, last, take (negative index), slice (negative bounds), reverse, squeeze', async () => {
    const picks = xWithAxis.chain(({ r, over }) => fc.record({ r: fc.constant(r), over: fc.constant(over), k: fc.integer({ min: -r.s[over as 'N']!, max: r.s[over as 'N']! - 1 }) }));
    const mk = (op: string, extra: (k: number, n: number) => Case['attrs']) =>
      picks.map(({ r: { s, axes, seed }, over, k }): Case => ({ op, attrs: { over, ...extra(k, s[over as 'N']!) }, inputs: [input('x', axes, s, seed, nan)] }));
    await checkOp(mk('first', () => ({})), (c) => pickRef(x(c), str(c, 'over'), 0), { runs: 8, gradRuns: 3 });
    await checkOp(mk('last', () => ({})), (c) => pickRef(x(c), str(c, 'over'), -1), { runs: 8, gradRuns: 3 });
    await checkOp(mk('take', (k) => ({ index: k })), (c) => pickRef(x(c), str(c, 'over'), c.attrs!['index'] as number), { runs: 12, gradRuns: 4 });
    const slices = xWithAxis.chain(({ r, over }) => {
      const n = r.s[over as 'N']!;
      return fc
        .record({ s0: fc.integer({ min: 0, max: n - 1 }), len: fc.integer({ min: 1, max: n }), negStart: fc.boolean(), negEnd: fc.boolean(), omitEnd: fc.boolean() })
        .map(({ s0, len, negStart, negEnd, omitEnd }): Case => {
          const end = Math.min(n, s0 + len);
          const attrs: Case['attrs'] = { over, start: negStart ? s0 - n : s0 };
          if (!(omitEnd && end === n)) attrs['end'] = negEnd && end < n ? end - n : end;
          return { op: 'slice', attrs, inputs: [input('x', r.axes, r.s, r.seed, nan)] };
        });
    });
    await checkOp(slices, (c) => sliceRef(x(c), str(c, 'over'), c.attrs!['start'] as number, c.attrs!['end'] as number | undefined), { runs: 15, gradRuns: 5 });
    await checkOp(mk('reverse', () => ({})), (c) => reverseRef(x(c), str(c, 'over')), { runs: 8, gradRuns: 3 });
    const sq = xWithAxis.filter(({ over }) => over !== 'N').map(({ r: { s, axes, seed }, over }): Case => ({ op: 'squeeze', attrs: { over }, inputs: [input('x', axes, { ...s, [over]: 1 }, seed, nan)] }));
    await checkOp(sq, (c) => squeezeRef(x(c), str(c, 'over')), { runs: 8, gradRuns: 3 });
    const sqLast = xWithAxis.filter(({ r }) => r.axes[r.axes.length - 1] !== 'N').map(({ r: { s, axes, seed } }): Case => ({ op: 'squeeze', inputs: [input('x', axes, { ...s, [axes[axes.length - 1]!]: 1 }, seed)] }));
    await checkOp(sqLast, (c) => squeezeRef(x(c), x(c).axes[x(c).axes.length - 1]!), { runs: 4, gradRuns: 2 });
  });
});

describe('adding and merging axes', () => {
  it('expand, broadcast_like', async () => {
    const ex = fc.record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 0, maxLength: 3 }), seed: seedArb, size: fc.integer({ min: 1, max: 3 }) });
    await checkOp(
      ex.map(({ s, axes, seed, size }): Case => ({ op: 'expand', attrs: { name: 'K', size }, inputs: [input('x', axes, s, seed, nan)] })),
      (c) => expandRef(x(c), 'K', c.attrs!['size'] as number),
      { runs: 10, gradRuns: 4 },
    );
    const bl = fc
      .record({ s: sizesArb, like: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
      .chain((r) => fc.record({ r: fc.constant(r), xa: fc.shuffledSubarray(r.like) }));
    await checkOp(
      bl.map(({ r: { s, like, seed }, xa }): Case => ({ op: 'broadcast_like', inputs: [input('x', xa, s, seed, nan), input('like', like, s, seed + 1)] })),
      (c) => broadcastLikeRef(x(c), inputRT(c, 'like')!),
      { runs: 12, gradRuns: 4, grad: { inputs: ['x'] } },
    );
  });
  it('flatten (first listed axis slowest) and unflatten (with −1)', async () => {
    const fl = fc
      .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
      .chain((r) => fc.record({ r: fc.constant(r), listed: fc.shuffledSubarray(r.axes, { minLength: 1 }) }));
    await checkOp(
      fl.map(({ r: { s, axes, seed }, listed }): Case => ({ op: 'flatten', attrs: { axes: listed, to: 'K' }, inputs: [input('x', axes, s, seed, nan)] })),
      (c) => flattenRef(x(c), c.attrs!['axes'] as string[], 'K'),
      { runs: 15, gradRuns: 5 },
    );
    const uf = xWithAxis.chain(({ r, over }) => fc.record({ r: fc.constant(r), over: fc.constant(over), a: fc.integer({ min: 1, max: 3 }), b: fc.integer({ min: 1, max: 3 }), infer: fc.constantFrom(0, 1, 2) }));
    await checkOp(
      uf.map(({ r: { s, axes, seed }, over, a, b, infer }): Case => ({
        op: 'unflatten',
        attrs: { over, into: ['K', 'J'], sizes: [infer === 1 ? -1 : a, infer === 2 ? -1 : b] },
        inputs: [input('x', axes, { ...s, [over]: a * b }, seed, nan)],
      })),
      (c) => unflattenRef(x(c), str(c, 'over'), ['K', 'J'], c.attrs!['sizes'] as [number, number]),
      { runs: 15, gradRuns: 5 },
    );
  });
  it('one_hot: invalid ids (NaN, negative, fractional, too large) give zero rows', async () => {
    const oh = fc.record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 0, maxLength: 2 }), seed: seedArb, size: fc.integer({ min: 1, max: 4 }), dt: fc.constantFrom<'f32' | 'i32'>('f32', 'i32') });
    await checkOp(
      oh.map(({ s, axes, seed, size, dt }): Case => ({
        op: 'one_hot',
        attrs: { name: 'K', size },
        inputs: [input('x', axes, s, seed, dt === 'f32' ? { lo: -1, hi: 5, quant: 0.5, nan: 0.1 } : { lo: -1, hi: 5, ints: true, dtype: 'i32' })],
      })),
      (c) => oneHotRef(x(c), 'K', c.attrs!['size'] as number),
      { runs: 15, grad: false },
    );
  });
  it('outer with mul, add, sub', async () => {
    const arb = fc
      .record({ s: sizesArb, seed: seedArb, op: fc.constantFrom('mul', 'add', 'sub'), a: fc.shuffledSubarray(['N', 'T'], { minLength: 0 }), b: fc.shuffledSubarray(['J', 'F'], { minLength: 0 }) })
      .map(({ s, seed, op, a, b }): Case => ({ op: 'outer', attrs: { op }, inputs: [input('a', a, s, seed, nan), input('b', b, s, seed + 1)] }));
    await checkOp(arb, (c) => outerRef(inputRT(c, 'a')!, inputRT(c, 'b')!, str(c, 'op')), { runs: 15, gradRuns: 5 });
  });
});

describe('diagonals and top-k', () => {
  /** x over (row N, col J, maybe F) in any order, N = J in size. */
  const square = fc
    .record({ s: sizesArb, axes: fc.shuffledSubarray(['N', 'J', 'F'], { minLength: 3 }), drop: fc.boolean(), seed: seedArb })
    .map(({ s, axes, drop, seed }) => ({ s: { ...s, J: s.N }, axes: drop ? axes.filter((a) => a !== 'F') : axes, seed }));
  it('diag keeps row and ignores NaN off the diagonal; zero_diag; set_diag', async () => {
    await checkOp(
      square.map(({ s, axes, seed }): Case => ({ op: 'diag', attrs: { row: 'N', col: 'J' }, inputs: [input('x', axes, s, seed, { nan: 0.2 })] })),
      (c) => diagRef(x(c), 'N', 'J'),
      { runs: 15, gradRuns: 6, gradNaN: true },
    );
    await checkOp(
      square.map(({ s, axes, seed }): Case => ({ op: 'zero_diag', attrs: { row: 'N', col: 'J' }, inputs: [input('x', axes, s, seed, { nan: 0.2 })] })),
      (c) => setDiagRef(x(c), 0, 'N', 'J'),
      { runs: 15, gradRuns: 6, gradNaN: true },
    );
    const sd = square.chain(({ s, axes, seed }) =>
      fc.shuffledSubarray(axes.filter((a) => a !== 'J'), { minLength: axes.length - 1 }).map((dAxes): Case => ({
        op: 'set_diag',
        attrs: { row: 'N', col: 'J' },
        inputs: [input('x', axes, s, seed, { nan: 0.2 }), input('d', dAxes, s, seed + 1)],
      })),
    );
    await checkOp(sd, (c) => setDiagRef(x(c), inputRT(c, 'd')!, 'N', 'J'), { runs: 15, gradRuns: 6, gradNaN: true });
  });
  it('topk_mask: k largest, lower index on ties, NaN never marked, k beyond the axis', async () => {
    const arb = xWithAxis.chain(({ r: { s, axes, seed }, over }) =>
      fc.integer({ min: 1, max: 5 }).map((k): Case => ({ op: 'topk_mask', attrs: { k, over }, inputs: [input('x', axes, s, seed, { quant: 0.5, nan: 0.2 })] })),
    );
    await checkOp(arb, (c) => alongAxis(x(c), str(c, 'over'), undefined, (v) => topkLine(v, c.attrs!['k'] as number)), { runs: 25, grad: false });
  });
  it('zeros_like and ones_like keep the dtype', async () => {
    const arb = fc.record({ s: sizesArb, axes: fc.shuffledSubarray(POOL), seed: seedArb, dt: fc.constantFrom<'f32' | 'i32' | 'bool'>('f32', 'i32', 'bool') });
    for (const [op, v] of [['zeros_like', 0], ['ones_like', 1]] as const) {
      await checkOp(
        arb.map(({ s, axes, seed, dt }): Case => ({ op, inputs: [input('x', axes, s, seed, { dtype: dt, ints: dt !== 'f32', lo: 0, hi: 1 })] })),
        (c) => build(x(c).axes, x(c).shape, () => v),
        { runs: 6, grad: false },
      );
    }
  });
});
