// gru_decode (runtime/ops/rnn-decode.ts) against the float64 reference
// (reference.ts gruDecodeRef): forward on cpu, wasm (and tfjs-node when
// installed) with the layer axis and hidden axis anywhere, gradients of h0
// and of every parameter against finite differences (the backward runs on
// every backend), no tensor left behind; the shape rule's errors; what the
// feedback loop implies (a longer decode extends a shorter one, rows are
// independent, weight_ih_l0 cannot reach step 1 but reaches step 2, the
// readout bias shifts step 1 exactly and moves every later step); and a
// model using it through the checker and the executor.

import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Attrs, TensorType } from '../../../compiler/ir/types.js';
import { lookupOp } from '../../../compiler/ops/registry.js';
import { isShapeError, type ShapeError } from '../../../compiler/ops/spec.js';
import { compileFunction, createParams, disposeParams, paramSpecs, runContext } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { gruDecode } from '../../../runtime/ops/rnn-decode.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';
import { backends, checkOp, fill, inputRT, paramRT, reportGradErrors, runCase, seedArb, setupBackends, useBackend, type Case } from './harness.js';
import { count, gruDecodeRef, type RT } from './reference.js';

beforeAll(setupBackends, 60_000);
afterAll(() => reportGradErrors('gru_decode'));

function param(shape: number[], seed: number, lo = -0.8, hi = 0.8): { shape: number[]; data: number[] } {
  return { shape, data: fill(count(shape), seed, { lo, hi }) };
}

function decodeParams(layers: number, D: number, F: number, seed: number): NonNullable<Case['params']> {
  const ps: NonNullable<Case['params']> = {};
  for (let l = 0; l < layers; l++) {
    ps[`weight_ih_l${l}`] = param([3 * D, l === 0 ? F : D], seed + 10 * l + 1);
    ps[`weight_hh_l${l}`] = param([3 * D, D], seed + 10 * l + 2);
    ps[`bias_ih_l${l}`] = param([3 * D], seed + 10 * l + 3);
    ps[`bias_hh_l${l}`] = param([3 * D], seed + 10 * l + 4);
  }
  ps['out_weight'] = param([F, D], seed + 101, -1, 1);
  ps['out_bias'] = param([F], seed + 102);
  return ps;
}

/** h0 over a random order of L, D and a subset of the batch axes N, K (D last or named by `over`). */
const decodeCase = fc
  .record({
    order: fc.shuffledSubarray(['N', 'K'], { minLength: 0 }).chain((b) => fc.shuffledSubarray(['L', 'D', ...b], { minLength: b.length + 2 })),
    N: fc.integer({ min: 1, max: 3 }),
    K: fc.integer({ min: 1, max: 2 }),
    layers: fc.integer({ min: 1, max: 3 }),
    D: fc.integer({ min: 1, max: 3 }),
    out: fc.integer({ min: 1, max: 3 }),
    steps: fc.integer({ min: 1, max: 4 }),
    names: fc.constantFrom<[string | undefined, string | undefined]>([undefined, undefined], ['S', 'G'], [undefined, 'G']),
    seed: seedArb,
  })
  .map(({ order, N, K, layers, D, out, steps, names, seed }): Case => {
    const s: Record<string, number> = { N, K, L: layers, D };
    const shape = order.map((a) => s[a]!);
    const attrs: Attrs = { out, steps };
    if (order[order.length - 1] !== 'D') attrs['over'] = 'D';
    if (names[0]) attrs['time'] = names[0];
    if (names[1]) attrs['to'] = names[1];
    return {
      op: 'gru_decode',
      attrs,
      inputs: [{ name: 'h0', axes: order, shape, data: fill(count(shape), seed, { lo: -1.5, hi: 1.5 }) }],
      params: decodeParams(layers, D, out, seed),
    };
  });

function ref(c: Case): RT {
  const a = c.attrs!;
  return gruDecodeRef(
    inputRT(c, 'h0')!,
    Object.fromEntries(Object.keys(c.params!).map((k) => [k, paramRT(c, k).data])),
    { layerAxis: 'L', hidden: 'D', time: String(a['time'] ?? 'T'), to: String(a['to'] ?? 'F'), steps: a['steps'] as number, out: a['out'] as number },
  );
}

describe('gru_decode kernel', () => {
  it('matches the float64 reference; gradients of h0 and every parameter match finite differences on every backend', async () => {
    expect(backends).toContain('wasm');
    await checkOp(decodeCase, ref, { runs: 20, gradRuns: 6, atol: 1e-5, rtol: 1e-4 });
  });
});

/**
 * The decoder unrolled in tfjs ops and differentiated by tfjs's autodiff: an
 * independent second implementation to cross-check the hand-written BPTT at
 * sizes finite differences cannot afford.
 */
function decodeByAutodiff(h0: tf.Tensor, w: Record<string, tf.Tensor>, steps: number): tf.Tensor {
  const [L, , D] = h0.shape as [number, number, number];
  const h = [...tf.unstack(h0, 0)]; // a copy: the tape records unstack's own array
  const lin = (x: tf.Tensor, W: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(x, W, false, true), b);
  const ys: tf.Tensor[] = [];
  let y = tf.zeros([h0.shape[1]!, w['out_weight']!.shape[0]!]);
  for (let s = 0; s < steps; s++) {
    let x = y;
    for (let l = 0; l < L; l++) {
      const gi = lin(x, w[`weight_ih_l${l}`]!, w[`bias_ih_l${l}`]!);
      const gh = lin(h[l]!, w[`weight_hh_l${l}`]!, w[`bias_hh_l${l}`]!);
      const part = (g: tf.Tensor, k: number) => tf.slice(g, [0, k * D], [-1, D]);
      const r = tf.sigmoid(tf.add(part(gi, 0), part(gh, 0)));
      const z = tf.sigmoid(tf.add(part(gi, 1), part(gh, 1)));
      const n = tf.tanh(tf.add(part(gi, 2), tf.mul(r, part(gh, 2))));
      h[l] = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h[l]!));
      x = h[l]!;
    }
    y = lin(x, w['out_weight']!, w['out_bias']!);
    ys.push(y);
  }
  return tf.stack(ys, 1);
}

describe('gru_decode BPTT at larger sizes', () => {
  it('saved and recomputed gates give the gradients of tfjs autodiff of the unrolled loop (cpu, wasm)', async () => {
    const [L, B, D, F, S] = [2, 5, 8, 3, 7];
    const ps = decodeParams(L, D, F, 41);
    const h0data = fill(L * B * D, 42, { lo: -1, hi: 1 });
    const R = fill(B * S * F, 43, { lo: -1, hi: 1 });
    for (const b of backends) {
      await useBackend(b);
      const before = tf.memory().numTensors;
      const names = Object.keys(ps);
      const run = (f: (h: tf.Tensor, w: Record<string, tf.Tensor>) => tf.Tensor): number[][] =>
        tf.tidy(() => {
          const xs = [tf.tensor(h0data, [L, B, D]), ...names.map((n) => tf.tensor(ps[n]!.data, ps[n]!.shape))];
          const rt = tf.tensor(R, [B, S, F]);
          const loss = (...ts: tf.Tensor[]) => tf.sum(tf.mul(f(ts[0]!, Object.fromEntries(names.map((n, i) => [n, ts[i + 1]!]))), rt));
          const { value, grads } = tf.valueAndGrads(loss)(xs);
          return [[value.dataSync()[0]!], ...grads.map((g) => Array.from(g.dataSync()))];
        });
      const want = run((h, w) => decodeByAutodiff(h, w, S));
      for (const saveGates of [true, false]) {
        const got = run((h, w) => gruDecode(h, w, { steps: S, out: F, saveGates }));
        got.forEach((g, i) => {
          const scale = Math.max(1e-3, ...want[i]!.map(Math.abs));
          const err = Math.max(...g.map((v, j) => Math.abs(v - want[i]![j]!))) / scale;
          expect(err, `${b} saveGates ${saveGates}: ${i === 0 ? 'value' : i === 1 ? 'h0' : names[i - 2]}`).toBeLessThan(1e-4);
        });
      }
      expect(tf.memory().numTensors).toBe(before);
    }
    await useBackend('cpu');
  });

  it('no rows: an empty result and zero gradients (wasm: no matMul with an empty dimension)', async () => {
    const [L, D, F, S] = [2, 4, 3, 3];
    const ps = decodeParams(L, D, F, 5);
    for (const b of backends) {
      await useBackend(b);
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => {
        const xs = [tf.zeros([L, 0, D]), ...Object.values(ps).map((p) => tf.tensor(p.data, p.shape))];
        const names = Object.keys(ps);
        const { value, grads } = tf.valueAndGrads((...ts: tf.Tensor[]) =>
          tf.sum(tf.mul(gruDecode(ts[0]!, Object.fromEntries(names.map((n, i) => [n, ts[i + 1]!])), { steps: S, out: F }), 1)),
        )(xs);
        const y = gruDecode(xs[0]!, Object.fromEntries(names.map((n, i) => [n, xs[i + 1]!])), { steps: S, out: F });
        return { shape: y.shape, value: value.dataSync()[0], grads: grads.map((g) => Array.from(g.dataSync())) };
      });
      expect(out.shape).toEqual([0, S, F]);
      expect(out.grads.flat().every((v) => v === 0)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
    }
    await useBackend('cpu');
  });
});

// ── what the feedback loop implies ──────────────────────────────────────────

/** Step t (0-based) of a result over [..., time, to], as a flat list. */
function stepOf(r: RT, time: string, t: number): number[] {
  const ti = r.axes.indexOf(time);
  const out: number[] = [];
  const inner = count(r.shape.slice(ti + 1));
  const T = r.shape[ti]!;
  for (let o = 0; o < count(r.shape.slice(0, ti)); o++) for (let k = 0; k < inner; k++) out.push(r.data[(o * T + t) * inner + k]!);
  return out;
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

describe('gru_decode: properties of the autoregressive loop', () => {
  const time = (c: Case): string => String(c.attrs!['time'] ?? 'T');
  it('a longer decode extends a shorter one (step t never depends on later steps)', () => {
    fc.assert(
      fc.property(decodeCase, fc.integer({ min: 1, max: 3 }), (c, more) => {
        const short = runCase(c).out;
        const long = runCase({ ...c, attrs: { ...c.attrs, steps: (c.attrs!['steps'] as number) + more } }).out;
        for (let t = 0; t < (c.attrs!['steps'] as number); t++) expect(maxDiff(stepOf(long, time(c), t), stepOf(short, time(c), t))).toBeLessThan(1e-6);
      }),
      { numRuns: 15 },
    );
  });

  it('each row of the output depends only on its own row of h0', () => {
    const arb = decodeCase.filter((c) => c.inputs[0]!.axes.includes('N') && c.inputs[0]!.shape[c.inputs[0]!.axes.indexOf('N')]! >= 2);
    fc.assert(
      fc.property(arb, (c) => {
        const h = c.inputs[0]!;
        const ni = h.axes.indexOf('N');
        // change every entry of h0 with N = 0
        const inner = count(h.shape.slice(ni + 1));
        const data = Array.from(h.data, (v, i) => (Math.floor(i / inner) % h.shape[ni]! === 0 ? v + 0.5 : v));
        const a = runCase(c).out;
        const b = runCase({ ...c, inputs: [{ ...h, data }] }).out;
        const on = a.axes.indexOf('N');
        const rowInner = count(a.shape.slice(on + 1));
        let changed = 0;
        a.data.forEach((v, i) => {
          const row = Math.floor(i / rowInner) % a.shape[on]!;
          if (row === 0) changed = Math.max(changed, Math.abs(v - b.data[i]!));
          else expect(b.data[i]).toBe(v);
        });
        expect(changed).toBeGreaterThan(1e-6);
      }),
      { numRuns: 15 },
    );
  });

  it('weight_ih_l0 cannot reach step 1 (its input is y₀ = 0) but reaches step 2 through the fed-back output', () => {
    fc.assert(
      fc.property(decodeCase.filter((c) => (c.attrs!['steps'] as number) >= 2), (c) => {
        const w = c.params!['weight_ih_l0']!;
        const moved = { ...c, params: { ...c.params, weight_ih_l0: { ...w, data: Array.from(w.data, (v) => -v + 0.3) } } };
        const a = runCase(c).out;
        const b = runCase(moved).out;
        expect(maxDiff(stepOf(a, time(c), 0), stepOf(b, time(c), 0))).toBe(0);
        expect(maxDiff(stepOf(a, time(c), 1), stepOf(b, time(c), 1))).toBeGreaterThan(1e-6);
      }),
      { numRuns: 15 },
    );
  });

  it('out_bias shifts step 1 by exactly its change and moves every later step through the feedback', () => {
    fc.assert(
      fc.property(decodeCase, (c) => {
        const b = c.params!['out_bias']!;
        const delta = 0.25;
        const moved = { ...c, params: { ...c.params, out_bias: { ...b, data: Array.from(b.data, (v) => v + delta) } } };
        const x = runCase(c).out;
        const y = runCase(moved).out;
        const s0 = stepOf(x, time(c), 0);
        const s1 = stepOf(y, time(c), 0);
        s0.forEach((v, i) => expect(Math.abs(s1[i]! - v - delta)).toBeLessThan(1e-6));
        for (let t = 1; t < (c.attrs!['steps'] as number); t++) {
          // not a plain shift any more: the new bias went through the GRU
          const d = stepOf(y, time(c), t).map((v, i) => v - stepOf(x, time(c), t)[i]!);
          expect(Math.max(...d.map((v) => Math.abs(v - delta)))).toBeGreaterThan(1e-7);
        }
      }),
      { numRuns: 15 },
    );
  });
});

// ── the shape rule ──────────────────────────────────────────────────────────

const ty = (...axes: [string, number | string][]): TensorType => ({ kind: 'tensor', dtype: 'f32', axes: axes.map(([name, size]) => ({ name, size })) });
const shape = (h0: TensorType, attrs: Attrs) => lookupOp('gru_decode')!.shape({ h0 }, attrs);
const failure = (h0: TensorType, attrs: Attrs): ShapeError => {
  const r = shape(h0, attrs);
  if (!isShapeError(r)) throw new Error(`accepted: ${JSON.stringify(r)}`);
  return r;
};

describe('gru_decode shape rule', () => {
  const h0 = ty(['L', 2], ['N', 'N'], ['D', 16]);
  it('[L, ..., D] → [..., T = steps, F = out]; time, to, over and layer_axis rename', () => {
    expect(shape(h0, { out: 3, steps: 5, time: 'T' })).toEqual(ty(['N', 'N'], ['T', 5], ['F', 3]));
    expect(shape(ty(['N', 'N'], ['K', 4], ['M', 3], ['H', 8]), { out: 6, steps: 60, time: 'S', to: 'X', layer_axis: 'M' })).toEqual(
      ty(['N', 'N'], ['K', 4], ['S', 60], ['X', 6]),
    );
    expect(shape(ty(['D', 16], ['N', 'N'], ['L', 2]), { out: 3, steps: 5, over: 'D' })).toEqual(ty(['N', 'N'], ['T', 5], ['F', 3]));
    expect(shape(h0, { out: 3, steps: 5, layers: 2 })).toEqual(ty(['N', 'N'], ['T', 5], ['F', 3]));
  });
  it('rejects a missing layer axis, a wrong or unknown layer count, and clashing names', () => {
    expect(failure(ty(['N', 'N'], ['D', 16]), { out: 3, steps: 5 })).toEqual({ error: 'missingAxis', params: { axis: 'L', type: 'N, D' }, blame: ['h0'] });
    expect(failure(h0, { out: 3, steps: 5, layers: 3 })).toEqual({ error: 'sizeMismatch', params: { axis: 'L', a: '2', b: '3 (the layers argument)' }, blame: ['h0', 'layers'] });
    expect(failure(ty(['L', 'L'], ['N', 'N'], ['D', 16]), { out: 3, steps: 5 }).error).toBe('notCompileTime');
    expect(failure(ty(['N', 'N'], ['L', 2]), { out: 3, steps: 5 }).error).toBe('rnnNeedsFeatures');
    expect(failure(h0, { out: 3, steps: 5, over: 'H' })).toMatchObject({ error: 'missingAxis', params: { axis: 'H' } });
    expect(failure(h0, { out: 3, steps: 5, time: 'N' })).toEqual({ error: 'duplicateAxis', params: { axis: 'N' }, blame: ['h0', 'time'] });
    expect(failure(h0, { out: 3, steps: 5, time: 'F' })).toMatchObject({ error: 'duplicateAxis', params: { axis: 'F' } });
    expect(failure(h0, { out: 3, steps: 0 })).toMatchObject({ error: 'badAttribute', params: { name: 'steps' } });
    expect(failure(h0, { out: -1, steps: 5 })).toMatchObject({ error: 'badAttribute', params: { name: 'out' } });
  });
  it('a generic check may leave the layer count symbolic when `layers` names it', () => {
    expect(shape(ty(['L', 'L'], ['N', 'N'], ['D', 16]), { out: 3, steps: 5, layers: 'L' })).toEqual(ty(['N', 'N'], ['T', 5], ['F', 3]));
  });
  it('declares nn.GRU parameters and a readout with their init', () => {
    const specs = lookupOp('gru_decode')!.params!({ h0 }, { out: 3, steps: 5 });
    expect(specs.map((p) => `${p.name} [${p.shape}] ${p.init} ${p.fanIn}`)).toEqual([
      'weight_ih_l0 [48,3] rnn_uniform 16',
      'weight_hh_l0 [48,16] rnn_uniform 16',
      'bias_ih_l0 [48] rnn_uniform 16',
      'bias_hh_l0 [48] rnn_uniform 16',
      'weight_ih_l1 [48,16] rnn_uniform 16',
      'weight_hh_l1 [48,16] rnn_uniform 16',
      'bias_ih_l1 [48] rnn_uniform 16',
      'bias_hh_l1 [48] rnn_uniform 16',
      'out_weight [3,16] uniform_fan_in 16',
      'out_bias [3] uniform_fan_in 16',
    ]);
  });
});

// ── through the checker and the executor ────────────────────────────────────

const DEC = `
model Dec(h: Float[L = 2, N, D = 16]) -> Float[N, T = 5, F = 3] {
  return h |> gru_decode(3, steps: 5)
}

model Dec2(h: Float[L = 2, N, D = 8]) -> Float[N, S = 60, F = 6] {
  let dec = gru_decode(6, steps: 60, time: S)
  return h |> dec
}
`;

describe('gru_decode in a model', () => {
  it('checks, and the diagnostics name the layer axis and the layer count', () => {
    expect(errorsOf(compileSource(DEC))).toEqual([]);
    const bad = compileSource('model Bad(h: Float[N, D = 16]) -> Float[N, T = 5, F = 3] {\n  return h |> gru_decode(3, steps: 5)\n}\n');
    expect(errorsOf(bad)).toEqual(['Q3002 no axis L (layers) in [N, D]']);
    const wrong = compileSource('model Bad(h: Float[L = 2, N, D = 16]) -> Float[N, T = 5, F = 3] {\n  return h |> gru_decode(3, steps: 5, layers: 3)\n}\n');
    expect(errorsOf(wrong)).toEqual(['Q3003 axis L (layers) has size 2 on one side and 3 (the layers argument) on the other']);
  });

  it('runs forward and backward through the executor; parameters are created by path; no tensor left behind', async () => {
    const c = compileSource(DEC);
    for (const b of backends) {
      await useBackend(b);
      const fn = c.optimized.functions['Dec']!;
      const params = createParams(paramSpecs([fn]), 3);
      expect(params.entries.map((e) => `${e.key} [${e.shape}]`)).toEqual([
        ...[0, 1].flatMap((l) => [
          `gru_decode.weight_ih_l${l} [48,${l === 0 ? 3 : 16}]`,
          `gru_decode.weight_hh_l${l} [48,16]`,
          `gru_decode.bias_ih_l${l} [48]`,
          `gru_decode.bias_hh_l${l} [48]`,
        ]),
        'gru_decode.out_weight [3,16]',
        'gru_decode.out_bias [3]',
      ]);
      // rnn_uniform bound 1/√16, the readout's 1/√16 too
      for (const v of params.vars.values()) expect(Math.max(...Array.from(v.dataSync(), Math.abs))).toBeLessThanOrEqual(0.25);
      const model = compileFunction(fn, kernels, c.optimized);
      const ctx = runContext(params, { training: true, seed: 1 });
      const h = tf.tensor(fill(2 * 7 * 16, 9), [2, 7, 16]);
      const before = tf.memory().numTensors;
      const vars = [...params.vars.values()];
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.run({ h }, ctx) as tf.Tensor)) as tf.Scalar, vars);
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      expect(Object.keys(grads)).toHaveLength(10);
      for (const [k, g] of Object.entries(grads)) {
        const gs = Array.from(g.dataSync());
        expect(gs.every(Number.isFinite), k).toBe(true);
        expect(Math.max(...gs.map(Math.abs)), `${k} gets a gradient`).toBeGreaterThan(0);
      }
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      const y = tf.tidy(() => model.run({ h }, ctx) as tf.Tensor);
      expect(y.shape).toEqual([7, 5, 3]);
      tf.dispose([y, h]);
      model.dispose();
      disposeParams(params);
    }
    await useBackend('cpu');
  });
});
