// nn kernels against the float64 reference: dense over a feature axis in any
// position, gru/lstm layouts and outputs (seq/final/last, `to`, layer axis,
// inter-layer dropout replayed from the seed) through rnn-reference.ts,
// layer_norm, batch_norm (training statistics, running-state updates, eval),
// conv1d (same/valid/causal), embedding (invalid ids), dropout (seeded,
// inverted, identity in eval) and positional_encoding. Gradients against
// finite differences (≤ 2e-3 of the gradient's max-norm, cpu); forward on cpu
// and wasm; no tensor left behind.

import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernels } from '../../../runtime/ops/index.js';
import {
  checkOp,
  fill,
  input,
  inputRT,
  nodeOf,
  paramRT,
  reportGradErrors,
  runCase,
  seedArb,
  setupBackends,
  sizesArb,
  useBackend,
  type Case,
  type Sizes,
} from './harness.js';
import {
  batchNormRef,
  conv1dRef,
  count,
  denseRef,
  dropoutRef,
  embeddingRef,
  layerNormRef,
  positionalRef,
  rnnRef,
  type RT,
} from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('nn'));

function param(shape: number[], seed: number, lo = -0.7, hi = 0.7): { shape: number[]; data: number[] } {
  return { shape, data: fill(count(shape), seed, { lo, hi }) };
}

const xOf = (c: Case): RT => inputRT(c, 'x')!;
const vec = (c: Case, name: string): Float64Array => paramRT(c, name).data;

/** Axes from the pool in random order, with `feature` somewhere (or last when `last`). */
function layoutWith(pool: string[], feature: string, last: boolean): fc.Arbitrary<string[]> {
  return fc.shuffledSubarray(pool, { minLength: 0 }).chain((rest) =>
    last ? fc.constant([...rest, feature]) : fc.integer({ min: 0, max: rest.length }).map((i) => [...rest.slice(0, i), feature, ...rest.slice(i)]),
  );
}

describe('dense', () => {
  it('maps the feature axis (any position) to `to`, with and without bias', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: layoutWith(['N', 'T'], 'F', false), seed: seedArb, units: fc.integer({ min: 1, max: 3 }), to: fc.boolean(), bias: fc.boolean() })
      .map(({ s, axes, seed, units, to, bias }): Case => {
        const attrs: Case['attrs'] = { units, bias };
        if (axes[axes.length - 1] !== 'F') attrs['over'] = 'F';
        if (to) attrs['to'] = 'K';
        const params: Case['params'] = { weight: param([s['F']!, units], seed + 1) };
        if (bias) params['bias'] = param([units], seed + 2);
        return { op: 'dense', attrs, inputs: [input('x', axes, s, seed, { nan: 0.05 })], params };
      });
    await checkOp(
      arb,
      (c) => denseRef(xOf(c), paramRT(c, 'weight'), c.params!['bias'] ? paramRT(c, 'bias') : undefined, 'F', String(c.attrs!['to'] ?? 'F')),
      { runs: 25, gradRuns: 10 },
    );
  });
});

describe('gru and lstm', () => {
  const rnnCase = (kind: 'gru' | 'lstm') =>
    fc
      .record({
        s: sizesArb,
        batch: fc.shuffledSubarray(['N', 'K'], { minLength: 0 }),
        tPos: fc.integer({ min: 0, max: 2 }),
        seed: seedArb,
        hidden: fc.integer({ min: 1, max: 3 }),
        layers: fc.integer({ min: 1, max: 2 }),
        output: fc.constantFrom('seq', 'final', 'last'),
        to: fc.boolean(),
        training: fc.boolean(),
      })
      .map(({ s, batch, tPos, seed, hidden, layers, output, to, training }): Case => {
        const p = Math.min(tPos, batch.length);
        const axes = [...batch.slice(0, p), 'T', ...batch.slice(p), 'F'];
        const G = kind === 'gru' ? 3 : 4;
        const params: Case['params'] = {};
        for (let l = 0; l < layers; l++) {
          params[`weight_ih_l${l}`] = param([G * hidden, l === 0 ? s['F']! : hidden], seed + 10 * l + 1);
          params[`weight_hh_l${l}`] = param([G * hidden, hidden], seed + 10 * l + 2);
          params[`bias_ih_l${l}`] = param([G * hidden], seed + 10 * l + 3);
          params[`bias_hh_l${l}`] = param([G * hidden], seed + 10 * l + 4);
        }
        const attrs: Case['attrs'] = { hidden, layers, output, over: 'T', layer_axis: 'L', dropout: 0.4 };
        if (to) attrs['to'] = 'H';
        return { op: kind, attrs, inputs: [input('x', axes, s, seed)], params, training, seed: 777 };
      });
  const ref = (c: Case) =>
    rnnRef(c.op as 'gru' | 'lstm', xOf(c), Object.fromEntries(Object.keys(c.params!).map((k) => [k, vec(c, k)])), {
      time: 'T',
      hidden: c.attrs!['hidden'] as number,
      layers: c.attrs!['layers'] as number,
      output: String(c.attrs!['output']),
      to: String(c.attrs!['to'] ?? 'F'),
      layerAxis: 'L',
      dropout: 0.4,
      seed: c.training && (c.attrs!['layers'] as number) > 1 ? c.seed! : null,
    });
  it('layouts, outputs and seeded inter-layer dropout match the float64 reference', async () => {
    for (const kind of ['gru', 'lstm'] as const) await checkOp(rnnCase(kind), ref, { runs: 15, gradRuns: 3, atol: 1e-5, rtol: 1e-4 });
  });
  it('draws one seed only when inter-layer dropout is active', () => {
    const two = fc.sample(rnnCase('gru').filter((c) => c.attrs!['layers'] === 2), { numRuns: 1, seed: 5 })[0]!;
    expect(runCase({ ...two, training: true }).seeds).toBe(1);
    expect(runCase({ ...two, training: false }).seeds).toBe(0);
    expect(runCase({ ...two, training: true, attrs: { ...two.attrs, dropout: 0 } }).seeds).toBe(0);
  });
});

describe('normalisation', () => {
  it('layer_norm over the feature axis (default last or `over`)', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: layoutWith(['N', 'T'], 'F', false), seed: seedArb })
      .map(({ s, axes, seed }): Case => ({
        op: 'layer_norm',
        attrs: axes[axes.length - 1] === 'F' ? { eps: 1e-5 } : { over: 'F', eps: 1e-5 },
        inputs: [input('x', axes, { ...s, F: s['F']! + 1 }, seed)],
        params: { weight: param([s['F']! + 1], seed + 1, 0.5, 1.5), bias: param([s['F']! + 1], seed + 2) },
      }));
    await checkOp(arb, (c) => layerNormRef(xOf(c), 'F', vec(c, 'weight'), vec(c, 'bias'), 1e-5), { runs: 20, gradRuns: 8, atol: 1e-4, rtol: 1e-3 });
  });

  const bnCase = fc
    .record({ s: sizesArb, axes: layoutWith(['T'], 'F', false), seed: seedArb, training: fc.boolean(), n: fc.integer({ min: 1, max: 5 }) })
    .chain(({ s, axes, seed, training, n }) =>
      fc.integer({ min: 0, max: axes.length }).map((i): Case => {
        const lay = [...axes.slice(0, i), 'N', ...axes.slice(i)];
        const sz: Sizes = { ...s, N: n };
        const F = sz['F']!;
        return {
          op: 'batch_norm',
          attrs: { batch: 'N', ...(lay[lay.length - 1] === 'F' ? {} : { over: 'F' }), eps: 1e-5, momentum: 0.1 },
          inputs: [input('x', lay, sz, seed)],
          params: {
            weight: param([F], seed + 1, 0.5, 1.5),
            bias: param([F], seed + 2),
            running_mean: param([F], seed + 3),
            running_var: param([F], seed + 4, 0.5, 2),
          },
          training,
        };
      }),
    );
  const bnRef = (c: Case) =>
    batchNormRef(
      xOf(c),
      'F',
      { weight: vec(c, 'weight'), bias: vec(c, 'bias'), running_mean: vec(c, 'running_mean'), running_var: vec(c, 'running_var') },
      1e-5,
      0.1,
      c.training ?? false,
    );
  it('batch_norm: batch statistics in training, running statistics in evaluation', async () => {
    await checkOp(bnCase, (c) => bnRef(c).y, {
      runs: 25,
      gradRuns: 10,
      atol: 1e-4,
      rtol: 1e-3,
    });
  });
  it('batch_norm updates the running statistics in training only (PyTorch momentum, unbiased variance)', () => {
    fc.assert(
      fc.property(bnCase, (c) => {
        const r = runCase(c);
        const want = bnRef(c);
        if (!c.training) {
          expect(Object.keys(r.states)).toEqual([]);
          return;
        }
        for (const [k, w] of [['running_mean', want.mean!], ['running_var', want.var!]] as const) {
          const got = r.states[k]!;
          expect(got.length).toBe(w.length);
          got.forEach((v, i) => expect(Math.abs(v - w[i]!)).toBeLessThan(1e-5 + 1e-4 * Math.abs(w[i]!)));
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('conv1d, embedding, dropout, positions', () => {
  it('conv1d with same, valid and causal padding, time axis anywhere', async () => {
    const arb = fc
      .record({
        s: sizesArb,
        batch: fc.shuffledSubarray(['N', 'K'], { minLength: 0 }),
        tPos: fc.integer({ min: 0, max: 2 }),
        seed: seedArb,
        kernel: fc.integer({ min: 1, max: 3 }),
        channels: fc.integer({ min: 1, max: 3 }),
        padding: fc.constantFrom('same', 'valid', 'causal'),
        to: fc.boolean(),
        T: fc.integer({ min: 1, max: 5 }),
      })
      .filter((r) => r.padding !== 'valid' || r.T >= r.kernel)
      .map(({ s, batch, tPos, seed, kernel, channels, padding, to, T }): Case => {
        const p = Math.min(tPos, batch.length);
        const axes = [...batch.slice(0, p), 'T', ...batch.slice(p), 'F'];
        const sz = { ...s, T };
        return {
          op: 'conv1d',
          attrs: { channels, kernel, padding, over: 'T', ...(to ? { to: 'H' } : {}) },
          inputs: [input('x', axes, sz, seed, { nan: 0.03 })],
          params: { weight: param([kernel, sz['F']!, channels], seed + 1), bias: param([channels], seed + 2) },
        };
      });
    const ref = (c: Case) => {
      const k = c.attrs!['kernel'] as number;
      const pad = String(c.attrs!['padding']);
      const left = pad === 'causal' ? k - 1 : pad === 'same' ? Math.floor((k - 1) / 2) : 0;
      const right = pad === 'same' ? k - 1 - left : 0;
      return conv1dRef(xOf(c), paramRT(c, 'weight'), vec(c, 'bias'), 'T', 'F', String(c.attrs!['to'] ?? 'F'), left, right);
    };
    await checkOp(arb, ref, { runs: 30, gradRuns: 10 });
  });
  const embCase = fc
    .record({ s: sizesArb, axes: fc.shuffledSubarray(['N', 'T'], { minLength: 0 }), seed: seedArb, V: fc.integer({ min: 1, max: 4 }), D: fc.integer({ min: 1, max: 3 }), dt: fc.constantFrom<'f32' | 'i32'>('f32', 'i32') })
    .map(({ s, axes, seed, V, D, dt }): Case => ({
      op: 'embedding',
      attrs: { vocab: V, dim: D, to: 'E' },
      inputs: [{ ...input('ids', axes, s, seed, dt === 'f32' ? { lo: -1, hi: V + 1, quant: 0.5, nan: 0.1 } : { lo: -1, hi: V, ints: true, dtype: 'i32' }), name: 'ids' }],
      params: { weight: param([V, D], seed + 1) },
    }));
  it('embedding looks rows up; invalid ids give zero vectors', async () => {
    await checkOp(embCase, (c) => embeddingRef(inputRT(c, 'ids')!, paramRT(c, 'weight'), 'E'), { runs: 20, gradRuns: 8, grad: { inputs: [] } });
  });
  it('embedding gradients agree on cpu (gather) and wasm (one-hot matMul)', async () => {
    const c = fc.sample(embCase, { numRuns: 1, seed: 11 })[0]!;
    const grad = async (b: 'cpu' | 'wasm') => {
      await useBackend(b);
      const k = kernels['embedding']!(nodeOf(c));
      const w = tf.tensor(Float32Array.from(c.params!['weight']!.data), c.params!['weight']!.shape);
      const ids = c.inputs[0]!.dtype === 'i32' ? tf.tensor(Int32Array.from(c.inputs[0]!.data), c.inputs[0]!.shape, 'int32') : tf.tensor(Float32Array.from(c.inputs[0]!.data), c.inputs[0]!.shape);
      const ctx = { training: false, param: () => w as tf.Variable, setState: () => undefined, state: () => w, seed: () => 1, writes: new Map() };
      const g = tf.grad((wt: tf.Tensor) => tf.sum(tf.square(k([ids], { ...ctx, param: () => wt as tf.Variable }))))(w);
      const out = Array.from(g.dataSync());
      tf.dispose([g, w, ids]);
      return out;
    };
    const a = await grad('cpu');
    const b = await grad('wasm');
    await useBackend('cpu');
    a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(1e-5));
  });
  it('dropout: seeded inverted mask in training, identity in evaluation and for p = 0', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: fc.shuffledSubarray(['N', 'T', 'F'], { minLength: 1 }), seed: seedArb, p: fc.constantFrom(0, 0.3, 0.5), training: fc.boolean() })
      .map(({ s, axes, seed, p, training }): Case => ({ op: 'dropout', attrs: { p }, inputs: [input('x', axes, s, seed)], training, seed: seed + 5 }));
    await checkOp(arb, (c) => dropoutRef(xOf(c), c.attrs!['p'] as number, c.training ? c.seed! : null), { runs: 20, gradRuns: 8 });
    const c: Case = { op: 'dropout', attrs: { p: 0.5 }, inputs: [input('x', ['N'], { N: 4000 }, 1, { lo: 1, hi: 1 })], training: true };
    const r = runCase(c);
    const kept = Array.from(r.out.data).filter((v) => v !== 0);
    expect(kept.every((v) => v === 2)).toBe(true);
    expect(Math.abs(kept.length / 4000 - 0.5)).toBeLessThan(0.04);
    expect(r.seeds).toBe(1);
    expect(runCase({ ...c, training: false }).seeds).toBe(0);
  });
  it('positional_encoding adds the sinusoidal table over (time, last axis)', async () => {
    const arb = fc
      .record({ s: sizesArb, axes: layoutWith(['N'], 'T', false), seed: seedArb, D: fc.integer({ min: 1, max: 6 }), T: fc.integer({ min: 1, max: 9 }) })
      .map(({ s, axes, seed, D, T }): Case => ({ op: 'positional_encoding', attrs: { over: 'T' }, inputs: [input('x', [...axes, 'F'], { ...s, F: D, T }, seed)] }));
    await checkOp(arb, (c) => positionalRef(xOf(c), 'T', 'F'), { runs: 15, gradRuns: 5 });
  });
});
