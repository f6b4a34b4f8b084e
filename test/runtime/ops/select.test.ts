// topk_index and gather against plain float64 references: random layouts and
// sizes, ties (lower position first), NaN (last), the chosen axis anywhere in
// the layout; gather's hand-written gradient against finite differences on
// every backend; an axis shorter than k pads with −1, which gather turns into
// empty entries (0, false) with no gradient; other out-of-range positions are
// Q6010; and the IGMTF pattern (gather at topk_index) as a property: the
// picked rows are exactly the k best-scored ones.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { lookupOp } from '../../../compiler/ops/registry.js';
import { isShapeError } from '../../../compiler/ops/spec.js';
import { checkOp, input, inputRT, reportGradErrors, runCase, seedArb, setupBackends, sizesArb, type Case } from './harness.js';
import { build, forEach, get, type Idx, type RT } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('select'));

const POOL = ['N', 'T', 'F'];
const x = (c: Case): RT => inputRT(c, 'x')!;

/** Positions of the k largest values, largest first; ties → lower position; NaN below every number. */
function topkPositions(vals: number[], k: number): number[] {
  const order = vals.map((v, i) => ({ v: Number.isNaN(v) ? -Infinity : v, i }));
  order.sort((a, b) => (b.v !== a.v ? b.v - a.v : a.i - b.i));
  const out = order.slice(0, k).map((o) => o.i);
  while (out.length < k) out.push(-1);
  return out;
}

function topkIndexRef(t: RT, over: string, k: number, to: string): RT {
  const axes = t.axes.map((a) => (a === over ? to : a));
  const shape = t.axes.map((a, d) => (a === over ? k : t.shape[d]!));
  const n = t.shape[t.axes.indexOf(over)]!;
  return build(axes, shape, (idx) => {
    const line: number[] = [];
    for (let i = 0; i < n; i++) line.push(get(t, { ...idx, [over]: i }));
    return topkPositions(line, k)[idx[to]!]!;
  });
}

function gatherRef(t: RT, index: number[], over: string, qAxis: string): RT {
  const axes = t.axes.map((a) => (a === over ? qAxis : a));
  const shape = t.axes.map((a, d) => (a === over ? index.length : t.shape[d]!));
  return build(axes, shape, (idx: Idx) => (index[idx[qAxis]!]! < 0 ? 0 : get(t, { ...idx, [over]: index[idx[qAxis]!]! })));
}

const layout = fc
  .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb })
  .chain((r) => fc.record({ r: fc.constant(r), over: fc.constantFrom(...r.axes) }));

describe('topk_index', () => {
  it('positions of the k largest, largest first; ties to the lower position; NaN last; −1 past the axis', async () => {
    const arb = layout.chain(({ r: { s, axes, seed }, over }) =>
      fc.integer({ min: 1, max: s[over as 'N']! + (over === 'N' ? 2 : 0) }).map((k): Case => ({ op: 'topk_index', attrs: { k, over, to: 'K' }, inputs: [input('x', axes, s, seed, { quant: 0.5, nan: 0.2 })] })),
    );
    await checkOp(arb, (c) => topkIndexRef(x(c), String(c.attrs!['over']), c.attrs!['k'] as number, 'K'), { runs: 30, grad: false });
  });
  it('the shape rule: an Int axis `to` of size k in place of `over`; k past a known size is Q3009', () => {
    const op = lookupOp('topk_index')!;
    const ty = op.shape({ x: { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'T', size: 5 }] } }, { k: 3, over: 'T', to: 'Q' });
    expect(ty).toEqual({ kind: 'tensor', dtype: 'i32', axes: [{ name: 'N', size: 'N' }, { name: 'Q', size: 3 }] });
    const bad = op.shape({ x: { kind: 'tensor', dtype: 'f32', axes: [{ name: 'T', size: 2 }] } }, { k: 3, over: 'T', to: 'Q' });
    expect(isShapeError(bad) && bad.error).toBe('badAttribute');
  });
  it('an empty axis gives only −1', () => {
    const c: Case = { op: 'topk_index', attrs: { k: 3, over: 'N', to: 'K' }, inputs: [{ name: 'x', axes: ['N', 'F'], shape: [0, 2], data: [] }] };
    expect(Array.from(runCase(c).out.data)).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});

describe('gather', () => {
  const arb = layout.chain(({ r: { s, axes, seed }, over }) =>
    fc.array(fc.integer({ min: -1, max: s[over as 'N']! - 1 }), { minLength: 1, maxLength: 4 }).map(
      (idx): Case => ({
        op: 'gather',
        attrs: { over },
        inputs: [input('x', axes, s, seed, { nan: 0.05 }), { name: 'index', axes: ['K'], shape: [idx.length], dtype: 'i32', data: idx }],
      }),
    ),
  );
  it('picks entries along the axis (repeats allowed, −1 empty); gradient adds back at the picked positions', async () => {
    await checkOp(arb, (c) => gatherRef(x(c), Array.from(c.inputs[1]!.data), String(c.attrs!['over']), 'K'), { runs: 30, gradRuns: 8, grad: { inputs: ['x'] } });
  });
  it('bool entries, −1 false; an empty axis gives empty entries', () => {
    const b: Case = { op: 'gather', attrs: { over: 'N' }, inputs: [{ name: 'x', axes: ['N'], shape: [3], dtype: 'bool', data: [1, 0, 1] }, { name: 'index', axes: ['K'], shape: [3], dtype: 'i32', data: [2, -1, 1] }] };
    expect(Array.from(runCase(b).out.data)).toEqual([1, 0, 0]);
    const e: Case = { op: 'gather', attrs: { over: 'N' }, inputs: [{ name: 'x', axes: ['N', 'F'], shape: [0, 2], data: [] }, { name: 'index', axes: ['K'], shape: [2], dtype: 'i32', data: [-1, -1] }] };
    expect(Array.from(runCase(e).out.data)).toEqual([0, 0, 0, 0]);
  });
  it('a position outside the axis (other than −1) is Q6010', () => {
    const c: Case = { op: 'gather', attrs: { over: 'N' }, inputs: [input('x', ['N', 'F'], { N: 3, F: 2 }, 5), { name: 'index', axes: ['K'], shape: [1], dtype: 'i32', data: [3] }] };
    expect(() => runCase(c)).toThrow(DiagnosticError);
    const neg: Case = { ...c, inputs: [c.inputs[0]!, { ...c.inputs[1]!, data: [-2] }] };
    expect(() => runCase(neg)).toThrow(DiagnosticError);
  });
  it('the shape rule wants a one-axis Int index whose axis x lacks', () => {
    const op = lookupOp('gather')!;
    const xT = { kind: 'tensor' as const, dtype: 'f32' as const, axes: [{ name: 'Y', size: 'Y' }, { name: 'H', size: 4 }] };
    expect(op.shape({ x: xT, index: { kind: 'tensor', dtype: 'i32', axes: [{ name: 'Q', size: 2 }] } }, { over: 'Y' })).toEqual({
      kind: 'tensor',
      dtype: 'f32',
      axes: [{ name: 'Q', size: 2 }, { name: 'H', size: 4 }],
    });
    const f = op.shape({ x: xT, index: { kind: 'tensor', dtype: 'f32', axes: [{ name: 'Q', size: 2 }] } }, { over: 'Y' });
    expect(isShapeError(f) && f.error).toBe('typeMismatch');
    const dup = op.shape({ x: xT, index: { kind: 'tensor', dtype: 'i32', axes: [{ name: 'H', size: 2 }] } }, { over: 'Y' });
    expect(isShapeError(dup) && dup.error).toBe('duplicateAxis');
  });
});

describe('gather at topk_index (day retrieval)', () => {
  it('picks exactly the rows with the k best scores, best first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), seedArb, (n, f, seed) => {
        const k = 1 + (seed % (n + 2));
        const score = input('x', ['N'], { N: n }, seed, { quant: 0.25 });
        const pos = runCase({ op: 'topk_index', attrs: { k, over: 'N', to: 'K' }, inputs: [score] }).out;
        const rows = input('x', ['N', 'F'], { N: n, F: f }, seed + 1);
        const got = runCase({ op: 'gather', attrs: { over: 'N' }, inputs: [rows, { name: 'index', axes: ['K'], shape: [k], dtype: 'i32', data: pos.data }] }).out;
        const best = topkPositions(Array.from(score.data), k);
        forEach(got.axes, got.shape, (idx, flat) => {
          const b = best[idx['K']!]!;
          expect(got.data[flat]).toBe(b < 0 ? 0 : Math.fround(rows.data[b * f + idx['F']!]!));
        });
      }),
      { numRuns: 40 },
    );
  });
});
