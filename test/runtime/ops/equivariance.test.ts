// Permutation equivariance over the stock axis: permuting N in the inputs
// permutes the outputs the same way (cs_rank, cs_zscore, softmax and
// log_softmax over N with masks, a GAT-like all-pairs score → softmax → dot
// pattern built from the kernels) and leaves N-reduced results unchanged
// (pearson over N). Runs the kernels on the cpu backend.

import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Attrs, TensorType } from '../../../compiler/ir/types.js';
import { lookupOp } from '../../../compiler/ops/registry.js';
import { isShapeError } from '../../../compiler/ops/spec.js';
import { kernels } from '../../../runtime/ops/index.js';
import type { RunContext } from '../../../runtime/ops/kernel.js';
import { input, maskInput, runCase, seedArb, setupBackends, useBackend, type Case, type CaseInput } from './harness.js';

beforeAll(async () => {
  await setupBackends();
  await useBackend('cpu');
}, 60_000);

/** Move entries along `axis`: result[..., i, ...] = x[..., perm[i], ...]. */
function permuteAlong(x: CaseInput, axis: string, perm: number[]): CaseInput {
  const d = x.axes.indexOf(axis);
  if (d < 0) return x;
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const n = x.shape[d]!;
  const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const data = new Array<number>(x.data.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < n; i++) for (let k = 0; k < inner; k++) data[(o * n + i) * inner + k] = x.data[(o * n + perm[i]!) * inner + k]!;
  return { ...x, data };
}

function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(b[i]!)) expect(Number.isNaN(a[i]!)).toBe(true);
    else expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]!)));
  }
}

const stocks = fc
  .record({ n: fc.integer({ min: 2, max: 7 }), T: fc.integer({ min: 1, max: 3 }), seed: seedArb, nPos: fc.boolean(), useMask: fc.boolean() })
  .chain((r) => fc.shuffledSubarray([...Array(r.n).keys()], { minLength: r.n }).map((perm) => ({ ...r, perm })));

function csCase(op: string, r: { n: number; T: number; seed: number; nPos: boolean; useMask: boolean }): Case {
  const s = { N: r.n, T: r.T };
  const axes = r.nPos ? ['N', 'T'] : ['T', 'N'];
  const inputs = [input('x', axes, s, r.seed, { nan: 0.1, quant: op === 'cs_rank' ? 0.5 : undefined })];
  if (r.useMask) inputs.push(maskInput(['N'], s, r.seed + 1));
  return { op, attrs: { over: 'N' }, inputs };
}

describe('cross-sectional ops are equivariant over N', () => {
  it('cs_rank, cs_zscore, softmax, log_softmax (with masks)', () => {
    for (const op of ['cs_rank', 'cs_zscore', 'softmax', 'log_softmax']) {
      fc.assert(
        fc.property(stocks, (r) => {
          const c = csCase(op, r);
          const pc: Case = { ...c, inputs: c.inputs.map((i) => permuteAlong(i, 'N', r.perm)) };
          const out = runCase(c).out;
          const outP = runCase(pc).out;
          const expected = permuteAlong({ name: 'y', axes: out.axes, shape: out.shape, data: Array.from(out.data) }, 'N', r.perm);
          sameNumbers(outP.data, expected.data);
        }),
        { numRuns: 20 },
      );
    }
  });
  it('pearson over N is invariant to the order of stocks', () => {
    fc.assert(
      fc.property(stocks, (r) => {
        const s = { N: r.n, T: r.T };
        const inputs = [input('a', ['N', 'T'], s, r.seed, { nan: 0.1 }), input('b', ['T', 'N'], s, r.seed + 1)];
        if (r.useMask) inputs.push(maskInput(['N'], s, r.seed + 2));
        const c: Case = { op: 'pearson', attrs: { over: 'N' }, inputs };
        const pc: Case = { ...c, inputs: c.inputs.map((i) => permuteAlong(i, 'N', r.perm)) };
        sameNumbers(runCase(pc).out.data, runCase(c).out.data);
      }),
      { numRuns: 25 },
    );
  });
});

// ── a GAT-like pattern composed from kernels ────────────────────────────────

const ctx: RunContext = { training: false, param: () => undefined as unknown as tf.Variable, setState: () => undefined, state: () => undefined as unknown as tf.Tensor, seed: () => 1, writes: new Map() };

function t(axes: [string, number | string][]): TensorType {
  return { kind: 'tensor', dtype: 'f32', axes: axes.map(([name, size]) => ({ name, size })) };
}

/** Run one op on tensors whose types are given; returns the result and its type. */
function op(name: string, ins: Record<string, [tf.Tensor, TensorType]>, attrs: Attrs): [tf.Tensor, TensorType] {
  const types = Object.fromEntries(Object.entries(ins).map(([k, [, ty]]) => [k, ty]));
  const type = lookupOp(name)!.shape(types, attrs);
  if (isShapeError(type) || type.kind !== 'tensor') throw new Error(`${name}: ${JSON.stringify(type)}`);
  const k = kernels[name]!({ op: name, attrs, inputNames: Object.keys(ins), inputTypes: Object.values(types), type });
  return [k(Object.values(ins).map(([x]) => x), ctx), type];
}

/** h [N, H] → softmax_J(leaky_relu(src_i + dst_j)) · h_J + h, with a mask over J. */
function gatLike(h: tf.Tensor, a1: tf.Tensor, a2: tf.Tensor, mask: tf.Tensor, H: number): tf.Tensor {
  const hT = t([['N', 'N'], ['H', H]]);
  const wT = t([['H', H]]);
  const src = op('dot', { a: [h, hT], b: [a1, wT] }, { over: 'H' });
  const dst = op('dot', { a: [h, hT], b: [a2, wT] }, { over: 'H' });
  const dstJ = op('rename', { x: dst }, { renames: { N: 'J' } });
  const e = op('outer', { a: src, b: dstJ }, { op: 'add' });
  const l = op('leaky_relu', { x: e }, { slope: 0.01 });
  const att = op('softmax', { x: l, mask: [mask, { kind: 'tensor', dtype: 'bool', axes: [{ name: 'J', size: 'N' }] }] }, { over: 'J' });
  const hJ = op('rename', { x: [h, hT] }, { renames: { N: 'J' } });
  const agg = op('dot', { a: att, b: hJ }, { over: 'J' });
  return op('add', { a: agg, b: [h, hT] }, {})[0];
}

describe('a GAT-like all-pairs pattern is equivariant over N', () => {
  it('permuting the stocks (and the mask) permutes the output rows', () => {
    fc.assert(
      fc.property(stocks, (r) => {
        const H = r.T + 1;
        const s = { N: r.n, H };
        const h = input('h', ['N', 'H'], s, r.seed);
        const m = maskInput(['N'], s, r.seed + 3);
        m.data = Array.from(m.data, (v, i) => (i === 0 ? 1 : v));
        const run = (hh: CaseInput, mm: CaseInput) =>
          tf.tidy(() => {
            const y = gatLike(
              tf.tensor(Float32Array.from(hh.data), hh.shape),
              tf.tensor(Float32Array.from(input('a1', ['H'], s, r.seed + 1).data), [H]),
              tf.tensor(Float32Array.from(input('a2', ['H'], s, r.seed + 2).data), [H]),
              tf.tensor(Array.from(mm.data, (v) => v !== 0), [r.n], 'bool'),
              H,
            );
            return Array.from(y.dataSync());
          });
        const before = tf.memory().numTensors;
        const out = run(h, m);
        const outP = run(permuteAlong(h, 'N', r.perm), permuteAlong(m, 'N', r.perm));
        expect(tf.memory().numTensors).toBe(before);
        sameNumbers(outP, permuteAlong({ name: 'y', axes: ['N', 'H'], shape: [r.n, H], data: out }, 'N', r.perm).data, 1e-4);
      }),
      { numRuns: 25 },
    );
  });
});
