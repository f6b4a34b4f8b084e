// Tests of the fused GRU / LSTM stacks (runtime/ops/rnn.ts and its two
// implementations): forward vs the float64 reference, gradients vs TF.js
// autodiff of a naive cell and vs finite differences, torch cross-check when
// python3-torch is installed, output variants, errors, and tensor hygiene.
// The forward, gradient and hygiene checks run on cpu, wasm (both
// implementations) and tfjs-node when it is installed.

import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { dropoutMasks, gruStack, initRnnWeights, lstmStack, type RnnKind, type RnnOptions } from '../../../runtime/ops/rnn.js';
import { refBackward, refForward } from '../../../runtime/ops/rnn-reference.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { findTorchPython, maxAbsDiff, naiveStack, relDiff, toF64, torchForward } from './rnn-helpers.js';
import { testBackends, type TestBackend } from '../../helpers/backends.js';

// cpu and wasm always; tfjs-node's backend too when it is installed (it runs the generic implementation)
const BACKENDS = await testBackends();
type Combo = { backend: TestBackend; impl: 'auto' | 'generic' };
const COMBOS: Combo[] = [
  { backend: 'wasm', impl: 'auto' },
  { backend: 'wasm', impl: 'generic' },
  { backend: 'cpu', impl: 'auto' },
  ...(BACKENDS.includes('tensorflow') ? [{ backend: 'tensorflow' as const, impl: 'auto' as const }] : []),
];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const stackOf = (kind: RnnKind) => (kind === 'gru' ? gruStack : lstmStack);

interface Case {
  kind: RnnKind;
  n: number;
  t: number;
  f: number;
  h: number;
  layers: number;
  dropout: number;
  seed: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom<RnnKind>('gru', 'lstm'),
  n: fc.integer({ min: 1, max: 4 }),
  t: fc.integer({ min: 1, max: 5 }),
  f: fc.integer({ min: 1, max: 4 }),
  h: fc.integer({ min: 1, max: 5 }),
  layers: fc.integer({ min: 1, max: 3 }),
  dropout: fc.constantFrom(0, 0.3),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

function setup(c: Case) {
  const w = initRnnWeights(c.kind, c.f, c.h, c.layers, c.seed);
  const x = tf.randomUniform([c.n, c.t, c.f], -2, 2, 'float32', c.seed) as tf.Tensor3D;
  const opts: RnnOptions = { layers: c.layers, hidden: c.h, dropout: c.dropout, training: true, seed: c.seed + 1, outputs: 'both' };
  const masks = c.dropout > 0 && c.layers > 1 ? dropoutMasks(c.dropout, c.layers, c.t, c.n, c.h, c.seed + 1) : [];
  const dispose = () => {
    x.dispose();
    tf.dispose(Object.values(w));
  };
  return { w, x, opts, masks, dispose };
}

describe.each(COMBOS)('rnn stack on $backend ($impl)', ({ backend, impl }) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it('forward equals the float64 reference within 1e-5', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = setup(c);
        const res = stackOf(c.kind)(s.x, s.w, { ...s.opts, impl });
        const ref = refForward({ kind: c.kind, inputSize: c.f, hidden: c.h, layers: c.layers }, toF64(s.w), s.x.dataSync(), c.n, c.t, s.masks);
        const eSeq = maxAbsDiff(res.sequence!.dataSync(), ref.sequence);
        const eSt = maxAbsDiff(res.states!.dataSync(), ref.states);
        tf.dispose([res.sequence!, res.states!]);
        s.dispose();
        expect(eSeq).toBeLessThan(1e-5);
        expect(eSt).toBeLessThan(1e-5);
      }),
      { numRuns: 30 },
    );
  });

  it('gradients equal TF.js autodiff of a naive cell (max rel diff ≤ 1e-4)', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const s = setup(c);
        const names = Object.keys(s.w);
        const cs = tf.randomNormal([c.n, c.t, c.h], 0, 1, 'float32', c.seed + 2);
        const cf = tf.randomNormal([c.layers, c.n, c.h], 0, 1, 'float32', c.seed + 3);
        const loss = (useFused: boolean) =>
          tf.grads((x: tf.Tensor, ...ws: tf.Tensor[]) => {
            const wm: Record<string, tf.Tensor> = {};
            names.forEach((k, i) => (wm[k] = ws[i]));
            const r = useFused
              ? stackOf(c.kind)(x as tf.Tensor3D, wm, { ...s.opts, impl })
              : naiveStack(c.kind, x as tf.Tensor3D, wm, c.layers, c.h, s.masks);
            return tf.add(tf.sum(tf.mul(r.sequence!, cs)), tf.sum(tf.mul(r.states!, cf)));
          })([s.x, ...names.map((k) => s.w[k])]);
        const got = loss(true);
        const want = loss(false);
        let worst = 0;
        got.forEach((g, i) => (worst = Math.max(worst, relDiff(g.dataSync(), want[i].dataSync()))));
        tf.dispose([...got, ...want, cs, cf]);
        s.dispose();
        expect(worst).toBeLessThanOrEqual(1e-4);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps the live tensor count flat across forward/backward calls', () => {
    const c: Case = { kind: 'gru', n: 3, t: 4, f: 2, h: 3, layers: 2, dropout: 0.3, seed: 5 };
    for (const kind of ['gru', 'lstm'] as const) {
      const s = setup({ ...c, kind });
      const params = Object.values(s.w) as tf.Variable[];
      const step = () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => {
            const r = stackOf(kind)(s.x, s.w, { ...s.opts, outputs: 'last', impl });
            return tf.sum(r.last!) as tf.Scalar;
          }, params);
          return value.dataSync()[0] + Object.keys(grads).length;
        });
      step();
      const before = tf.memory().numTensors;
      const ids = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      for (let i = 0; i < 5; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(ids);
      const inf = tf.tidy(() => stackOf(kind)(s.x, s.w, { ...s.opts, training: false, outputs: 'both', impl }).sequence!.dataSync()[0]);
      expect(Number.isFinite(inf)).toBe(true);
      expect(tf.memory().numTensors).toBe(before);
      s.dispose();
    }
  });
});

describe('rnn stack outputs and errors (wasm)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it("'last' and 'states' equal the matching parts of 'both', with matching gradients", () => {
    const c: Case = { kind: 'lstm', n: 4, t: 6, f: 3, h: 5, layers: 3, dropout: 0, seed: 11 };
    const s = setup(c);
    const all = lstmStack(s.x, s.w, { ...s.opts, outputs: 'both' });
    const last = lstmStack(s.x, s.w, { ...s.opts, outputs: 'last' }).last!;
    const states = lstmStack(s.x, s.w, { ...s.opts, outputs: 'states' }).states!;
    const seqLast = tf.squeeze(tf.slice(all.sequence!, [0, c.t - 1, 0], [c.n, 1, c.h]), [1]);
    expect(maxAbsDiff(last.dataSync(), seqLast.dataSync())).toBe(0);
    expect(maxAbsDiff(states.dataSync(), all.states!.dataSync())).toBe(0);
    const params = Object.values(s.w) as tf.Variable[];
    const g1 = tf.variableGrads(() => tf.sum(tf.square(lstmStack(s.x, s.w, { ...s.opts, outputs: 'last' }).last!)) as tf.Scalar, params);
    const g2 = tf.variableGrads(() => {
      const r = lstmStack(s.x, s.w, { ...s.opts, outputs: 'sequence' }).sequence!;
      return tf.sum(tf.square(tf.slice(r, [0, c.t - 1, 0], [c.n, 1, c.h]))) as tf.Scalar;
    }, params);
    for (const k of Object.keys(g1.grads)) expect(relDiff(g1.grads[k].dataSync(), g2.grads[k].dataSync())).toBeLessThan(1e-5);
    tf.dispose([all.sequence!, all.states!, last, states, seqLast, g1.value, g2.value, ...Object.values(g1.grads), ...Object.values(g2.grads)]);
    s.dispose();
  });

  it('reports bad shapes and options as Q6003, not as a crash', () => {
    const w = initRnnWeights('gru', 3, 4, 2, 1);
    const x = tf.zeros([2, 5, 3]) as tf.Tensor3D;
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return e instanceof DiagnosticError ? e.diagnostics[0].code : `not a diagnostic: ${String(e)}`;
      }
      return 'no error';
    };
    expect(code(() => gruStack(x, w, { layers: 3, hidden: 4 }))).toBe('Q6003'); // missing weight_ih_l2
    expect(code(() => gruStack(x, w, { layers: 2, hidden: 5 }))).toBe('Q6003'); // wrong shapes
    expect(code(() => gruStack(tf.zeros([2, 5, 4]) as tf.Tensor3D, w, { layers: 2, hidden: 4 }))).toBe('Q6003');
    expect(code(() => gruStack(x, w, { layers: 2, hidden: 4, dropout: 1 }))).toBe('Q6003');
    expect(code(() => lstmStack(x, w, { layers: 2, hidden: 4 }))).toBe('Q6003'); // GRU weights are too small for LSTM
    x.dispose();
    tf.dispose(Object.values(w));
  });
});

describe('gradients vs central finite differences (cpu)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the float64 reference backward matches float64 finite differences', () => {
    for (const kind of ['gru', 'lstm'] as const) {
      const cfg = { kind, inputSize: 2, hidden: 3, layers: 2 };
      const w = initRnnWeights(kind, 2, 3, 2, 3);
      const p = toF64(w);
      tf.dispose(Object.values(w));
      const n = 2, t = 3;
      const x = Array.from({ length: n * t * 2 }, (_, i) => Math.sin(i + 1));
      const masks = [null, Array.from({ length: t * n * 3 }, (_, i) => (i % 3 === 0 ? 0 : 1.5))];
      const cs = Array.from({ length: n * t * 3 }, (_, i) => Math.cos(i));
      const cf = Array.from({ length: 2 * n * 3 }, (_, i) => Math.sin(2 * i));
      const loss = (pp: Record<string, Float64Array>) => {
        const f = refForward(cfg, pp, x, n, t, masks);
        let s = 0;
        f.sequence.forEach((v, i) => (s += v * cs[i]));
        f.states.forEach((v, i) => (s += v * cf[i]));
        return s;
      };
      const g = refBackward(cfg, p, refForward(cfg, p, x, n, t, masks), cs, cf).grads;
      const eps = 1e-6;
      for (const name of Object.keys(p)) {
        for (let i = 0; i < p[name].length; i++) {
          const orig = p[name][i];
          p[name][i] = orig + eps;
          const up = loss(p);
          p[name][i] = orig - eps;
          const dn = loss(p);
          p[name][i] = orig;
          expect(Math.abs((up - dn) / (2 * eps) - g[name][i])).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('the fused op matches float32 central differences on a tiny case', () => {
    for (const kind of ['gru', 'lstm'] as const) {
      const w = initRnnWeights(kind, 2, 3, 2, 9);
      const x = tf.tensor3d(Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.sin(i)), [2, 3, 2]);
      const cs = tf.tensor3d(Array.from({ length: 2 * 3 * 3 }, (_, i) => Math.cos(i)), [2, 3, 3]);
      const opts: RnnOptions = { layers: 2, hidden: 3, outputs: 'sequence' };
      const names = Object.keys(w);
      const f = (ws: tf.Tensor[]) => {
        const wm: Record<string, tf.Tensor> = {};
        names.forEach((k, i) => (wm[k] = ws[i]));
        return tf.sum(tf.mul(stackOf(kind)(x, wm, opts).sequence!, cs));
      };
      const grads = tf.grads((...ws: tf.Tensor[]) => f(ws))(names.map((k) => w[k]));
      const eps = 1e-2;
      names.forEach((name, gi) => {
        const base = w[name].dataSync().slice();
        const gv = grads[gi].dataSync();
        for (let i = 0; i < base.length; i += 2) {
          const at = (d: number) => {
            const v = base.slice();
            v[i] += d;
            return tf.tidy(() => f(names.map((k, j) => (j === gi ? tf.tensor(v, w[k].shape) : w[k]))).dataSync()[0]);
          };
          const fd = (at(eps) - at(-eps)) / (2 * eps);
          expect(Math.abs(fd - gv[i])).toBeLessThan(2e-3);
        }
      });
      tf.dispose([...grads, x, cs, ...Object.values(w)]);
    }
  });
});

describe('torch cross-check', () => {
  const py = findTorchPython();
  it.skipIf(py === null)('weights loaded into torch.nn.GRU / nn.LSTM give the same outputs (skipped without python3-torch)', async () => {
    await tf.setBackend('wasm');
    for (const kind of ['gru', 'lstm'] as const) {
      const n = 5, t = 7, f = 4, h = 6, layers = 2;
      const w = initRnnWeights(kind, f, h, layers, 21);
      const x = tf.randomNormal([n, t, f], 0, 1, 'float32', 4) as tf.Tensor3D;
      const r = stackOf(kind)(x, w, { layers, hidden: h, outputs: 'both' });
      const weights: Record<string, number[]> = {};
      for (const [k, v] of Object.entries(w)) weights[k] = Array.from(v.dataSync());
      const out = torchForward(py as string, { kind, layers, hidden: h, inputSize: f, x: Array.from(x.dataSync()), shape: [n, t, f], weights });
      expect(maxAbsDiff(r.sequence!.dataSync(), out.sequence)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.states!.dataSync(), out.states)).toBeLessThan(1e-5);
      tf.dispose([x, r.sequence!, r.states!, ...Object.values(w)]);
    }
  });
  if (py === null) console.warn('torch cross-check skipped: no python3 with torch (apt-get install python3-torch)');
});
