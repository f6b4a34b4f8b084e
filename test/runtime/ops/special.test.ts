// Special and cross-sectional kernels against the float64 reference:
// masked softmax / log_softmax over any named axis (masked slots exactly 0 /
// −1e9, NaN there never leaks), minmax, gumbel_softmax (noise replayed from
// the seed; hard = exact one-hot with the soft gradient), sinkhorn (no
// gradient, shoot-infs), stop_grad, reverse_grad, cs_rank, cs_zscore,
// pearson (masks, NaN pairs, one asset) and memory_write. Gradients against
// finite differences (≤ 2e-3 of the gradient's max-norm, cpu); forward on cpu
// and wasm; no tensor left behind.

import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernels } from '../../../runtime/ops/index.js';
import {
  checkOp,
  expectClose,
  input,
  inputRT,
  maskInput,
  nodeOf,
  reportGradErrors,
  runCase,
  seedArb,
  setupBackends,
  sizesArb,
  type Case,
} from './harness.js';
import { alongAxis, build, get, gumbelRef, map, minmaxLine, pearsonRef, rankLine, sinkhornRef, softmaxLine, zscoreLine, type RT } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('special'));

const POOL = ['N', 'T', 'F'];
const xOf = (c: Case): RT => inputRT(c, 'x')!;
const over = (c: Case) => String(c.attrs!['over']);

/** x over 1–3 axes, `over` one of them, an optional mask over a subset; NaN only where masked (nanAnywhere: anywhere). */
function alongCase(op: string, o: { nanAnywhere?: boolean; masked?: boolean; fill?: Parameters<typeof input>[4]; attrs?: Case['attrs'] } = {}): fc.Arbitrary<Case> {
  return fc
    .record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1, maxLength: 3 }), seed: seedArb, useMask: fc.boolean() })
    .chain((r) => fc.record({ r: fc.constant(r), over: fc.constantFrom(...r.axes), maskAxes: fc.shuffledSubarray(r.axes) }))
    .map(({ r: { s, axes, seed, useMask }, over, maskAxes }): Case => {
      const x = input('x', axes, s, seed, { ...o.fill, nan: o.nanAnywhere ? 0.1 : 0 });
      const inputs = [x];
      if (o.masked !== false && useMask) {
        const m = maskInput(maskAxes, s, seed + 1);
        inputs.push(m);
        if (!o.nanAnywhere) {
          const mrt = inputRT({ op, inputs: [m] }, 'mask')!;
          const xrt = inputRT({ op, inputs: [x] }, 'x')!;
          const poisoned = build(xrt.axes, xrt.shape, (idx) => (get(mrt, idx) ? get(xrt, idx) : NaN));
          x.data = Array.from(poisoned.data);
        }
      }
      return { op, attrs: { over, ...o.attrs }, inputs };
    });
}

const line = (fn: (v: number[], k: boolean[]) => number[]) => (c: Case) => alongAxis(xOf(c), over(c), inputRT(c, 'mask'), fn);

describe('softmax family', () => {
  it('softmax / log_softmax over any axis; masked slots are exactly 0 / −1e9; all-masked lines', async () => {
    for (const log of [false, true]) {
      const op = log ? 'log_softmax' : 'softmax';
      const ref = line((v, k) => softmaxLine(v, k, log));
      await checkOp(alongCase(op, { fill: { lo: -5, hi: 5 } }), ref, { runs: 30, gradRuns: 12, gradNaN: true });
      await checkOp(alongCase(op, { nanAnywhere: true }), ref, { runs: 15, grad: false });
    }
  });
  it('masked probabilities are exactly zero and lines sum to one', () => {
    const c: Case = {
      op: 'softmax',
      attrs: { over: 'N' },
      inputs: [
        { name: 'x', axes: ['N'], shape: [4], data: [1, NaN, 3, 1e30] },
        { name: 'mask', axes: ['N'], shape: [4], dtype: 'bool', data: [1, 0, 1, 0] },
      ],
    };
    const r = runCase(c).out.data;
    expect(r[1]).toBe(0);
    expect(r[3]).toBe(0);
    expect(r[0]! + r[2]!).toBeCloseTo(1, 6);
  });
  it('minmax: NaN ignored and kept, constant lines become 1', async () => {
    await checkOp(alongCase('minmax', { masked: false, nanAnywhere: true, fill: { quant: 0.5 } }), line((v) => minmaxLine(v)), { runs: 20, grad: false });
    await checkOp(alongCase('minmax', { masked: false }), line((v) => minmaxLine(v)), { runs: 10, gradRuns: 8 });
  });
});

describe('sampling and transport', () => {
  const gumbel = (hard: boolean) =>
    alongCase('gumbel_softmax', { masked: false, attrs: { tau: 0.7, hard } }).chain((c) => seedArb.map((seed) => ({ ...c, seed })));
  it('gumbel_softmax replays its seeded noise; hard is an exact one-hot with the soft gradient', async () => {
    for (const hard of [true, false]) {
      await checkOp(gumbel(hard), (c) => gumbelRef(xOf(c), over(c), 0.7, hard, c.seed!), {
        runs: 15,
        gradRuns: 8,
        grad: { gradRef: (c) => gumbelRef(xOf(c), over(c), 0.7, hard, c.seed!, true) },
      });
    }
    const c = fc.sample(gumbel(true), { numRuns: 1, seed: 9 })[0]!;
    const r = runCase(c);
    expect(r.seeds).toBe(1);
    expect(Array.from(r.out.data).every((v) => v === 0 || v === 1)).toBe(true);
  });
  const sinkCase = fc
    .record({ s: sizesArb, axes: fc.shuffledSubarray(['N', 'K', 'T'], { minLength: 2, maxLength: 3 }), seed: seedArb, inf: fc.boolean() })
    .chain((r) => fc.shuffledSubarray(r.axes, { minLength: 2, maxLength: 2 }).map((rc) => ({ ...r, rc })))
    .map(({ s, axes, seed, inf, rc }): Case => {
      const cost = input('cost', axes, s, seed, { lo: 0, hi: 1 });
      if (inf) cost.data = Array.from(cost.data, (v, i) => (i % 5 === 0 ? -Infinity : v));
      return { op: 'sinkhorn', attrs: { over: rc, eps: 0.1, iters: 3 }, inputs: [cost] };
    });
  it('sinkhorn: row-max shift, shoot infs, column then row normalisation, no gradient', async () => {
    const ref = (c: Case) => sinkhornRef(inputRT(c, 'cost')!, ...(c.attrs!['over'] as [string, string]), 0.1, 3);
    await checkOp(sinkCase, ref, { runs: 25, grad: false, atol: 1e-5, rtol: 1e-4 });
    const c = fc.sample(sinkCase, { numRuns: 1, seed: 2 })[0]!;
    expect(zeroGradient(c, 'cost')).toBe(true);
  });
});

/** Whether tfjs's gradient of sum(kernel output) with respect to `name` is all zeros. */
function zeroGradient(c: Case, name: string): boolean {
  const k = kernels[c.op]!(nodeOf(c));
  const ctx = { training: false, param: () => undefined as unknown as tf.Variable, setState: () => undefined, state: () => undefined as unknown as tf.Tensor, seed: () => 1, writes: new Map() };
  const ins = c.inputs.map((i) => tf.tensor(Float32Array.from(i.data), i.shape));
  const j = c.inputs.findIndex((i) => i.name === name);
  const g = tf.grad((x: tf.Tensor) => tf.sum(k(ins.map((t, q) => (q === j ? x : t)), ctx)))(ins[j]!);
  const ok = Array.from(g.dataSync()).every((v) => v === 0);
  tf.dispose([g, ...ins]);
  return ok;
}

describe('gradient control', () => {
  const xCase = fc.record({ s: sizesArb, axes: fc.shuffledSubarray(POOL, { minLength: 1 }), seed: seedArb }).map(({ s, axes, seed }): Case => ({ op: 'stop_grad', inputs: [input('x', axes, s, seed)] }));
  it('stop_grad is the identity with a zero gradient', async () => {
    await checkOp(xCase, xOf, { runs: 6, grad: false });
    expect(zeroGradient(fc.sample(xCase, { numRuns: 1, seed: 4 })[0]!, 'x')).toBe(true);
  });
  it('reverse_grad: identity forward, gradient × −scale (scale optional)', async () => {
    const withScale = xCase.chain((c) => fc.double({ min: 0, max: 2, noNaN: true }).map((v): Case => ({ ...c, op: 'reverse_grad', inputs: [...c.inputs, { name: 'scale', axes: [], shape: [], data: [Math.fround(v)] }] })));
    const scaleOf = (c: Case) => (c.inputs[1] ? c.inputs[1].data[0]! : 1);
    await checkOp(withScale, xOf, { runs: 8, gradRuns: 8, grad: { inputs: ['x'], gradRef: (c) => map(xOf(c), (v) => -scaleOf(c) * v) } });
    await checkOp(xCase.map((c) => ({ ...c, op: 'reverse_grad' })), xOf, { runs: 4, gradRuns: 4, grad: { gradRef: (c) => map(xOf(c), (v) => -v) } });
  });
});

describe('cross-sectional statistics', () => {
  it('cs_rank: average ties, (0, 1], NaN and masked stay NaN', async () => {
    await checkOp(alongCase('cs_rank', { nanAnywhere: true, fill: { quant: 0.5 } }), line(rankLine), { runs: 30, grad: false });
    const one = runCase({ op: 'cs_rank', attrs: { over: 'N' }, inputs: [{ name: 'x', axes: ['N'], shape: [1], data: [0.3] }] });
    expect(Array.from(one.out.data)).toEqual([1]);
  });
  it('cs_zscore (ddof 1): NaN and masked ignored; one asset gives NaN', async () => {
    // float32 error in x − mean is amplified by 1/σ in the gradient: two nearly equal entries are ill-conditioned
    await checkOp(alongCase('cs_zscore', { nanAnywhere: true }), line(zscoreLine), { runs: 30, gradRuns: 10, gradNaN: true, atol: 1e-4, rtol: 1e-4, gradTol: 1e-2 });
    const one = runCase({ op: 'cs_zscore', attrs: { over: 'N' }, inputs: [{ name: 'x', axes: ['N'], shape: [1], data: [0.3] }] });
    expect(Number.isNaN(one.out.data[0])).toBe(true);
  });
  const pearsonCase = fc
    .record({ s: sizesArb, ab: fc.shuffledSubarray(['N', 'T', 'K'], { minLength: 1, maxLength: 3 }), seed: seedArb, useMask: fc.boolean() })
    .chain((r) => fc.record({ r: fc.constant(r), over: fc.constantFrom(...r.ab), sub: fc.shuffledSubarray(r.ab), swap: fc.boolean(), maskAxes: fc.shuffledSubarray(r.ab) }))
    .map(({ r: { s, ab, seed, useMask }, over, sub, swap, maskAxes }): Case => {
      const full = ab;
      const part = sub.includes(over) ? sub : [...sub, over];
      const inputs = [input('a', swap ? part : full, { ...s, N: s['N']! + 1 }, seed, { nan: 0.1 }), input('b', swap ? full : part, { ...s, N: s['N']! + 1 }, seed + 1, { nan: 0.1 })];
      if (useMask) inputs.push(maskInput(maskAxes, { ...s, N: s['N']! + 1 }, seed + 2));
      return { op: 'pearson', attrs: { over }, inputs };
    });
  it('pearson: broadcast operands, NaN pairs and masked entries ignored', async () => {
    await checkOp(pearsonCase, (c) => pearsonRef(inputRT(c, 'a')!, inputRT(c, 'b')!, over(c), inputRT(c, 'mask')), {
      runs: 30,
      gradRuns: 12,
      gradNaN: true,
      atol: 1e-4,
      rtol: 1e-3,
      gradTol: 5e-3,
    });
  });
});

describe('memory_write', () => {
  it('returns its input and records a kept copy under attrs.memory', async () => {
    const c: Case = { op: 'memory_write', attrs: { memory: 'hist' }, inputs: [input('value', ['N', 'K'], { N: 3, K: 2 }, 5)] };
    const r = runCase(c);
    const v = inputRT(c, 'value')!;
    expectClose(r.out, v);
    expectClose(r.writes['hist']!, v);
    const before = tf.memory().numTensors;
    const k = kernels['memory_write']!(nodeOf(c));
    const writes = new Map<string, tf.Tensor>();
    const ctx = { training: true, param: () => undefined as unknown as tf.Variable, setState: () => undefined, state: () => undefined as unknown as tf.Tensor, seed: () => 1, writes };
    const x = tf.tensor(Float32Array.from(c.inputs[0]!.data), c.inputs[0]!.shape);
    tf.tidy(() => {
      k([x], ctx);
      k([x], ctx);
    });
    expect(writes.size).toBe(1);
    expect(tf.memory().numTensors).toBe(before + 2);
    writes.get('hist')!.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
