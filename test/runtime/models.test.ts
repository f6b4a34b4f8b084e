// Every strategy's model, run as compiled from strategies/: permuting the
// stocks permutes the predictions (the models that mix stocks — GATs, HIST,
// the hybrid — included), and running it repeatedly leaves the live tensor
// count unchanged. Evaluation mode, small random inputs, on cpu, wasm and
// tfjs-node when it is installed (each strategy compiled once).

import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorType } from '../../compiler/ir/types.js';
import { compileFiles } from '../../compiler/pipeline.js';
import { compileFunction, createParams, disposeParams, paramSpecs, runContext } from '../../runtime/exec/compile.js';
import { kernels } from '../../runtime/ops/index.js';
import { mulberry32 } from '../../runtime/random.js';
import { testBackends, useBackend } from '../helpers/backends.js';
import { ROOT, testHost } from '../helpers/compile.js';

const N = 7;

const BACKENDS = await testBackends();

function randomInput(t: TensorType, r: () => number): { data: Float32Array | Uint8Array; shape: number[]; dtype: 'float32' | 'bool' } {
  const shape = t.axes.map((a) => (a.name === 'N' ? N : typeof a.size === 'number' ? a.size : 4));
  const n = shape.reduce((a, b) => a * b, 1);
  if (t.dtype === 'bool') return { data: Uint8Array.from({ length: n }, () => 1), shape, dtype: 'bool' };
  return { data: Float32Array.from({ length: n }, () => r() * 2 - 1), shape, dtype: 'float32' };
}

/** Reorder the first axis (stocks) of row-major data by `perm`. */
function permuteRows<T extends Float32Array | Uint8Array>(data: T, shape: number[], perm: number[]): T {
  const row = shape.slice(1).reduce((a, b) => a * b, 1);
  const out = new (data.constructor as { new (n: number): T })(data.length);
  perm.forEach((src, dst) => out.set(data.subarray(src * row, (src + 1) * row), dst * row));
  return out;
}

const files = readdirSync(join(ROOT, 'strategies')).filter((f) => f.endsWith('.qv') && f !== 'markets.qv').sort();

const compiled = new Map<string, ReturnType<typeof compileFiles>>();
function compiledStrategy(f: string): ReturnType<typeof compileFiles> {
  let c = compiled.get(f);
  if (!c) compiled.set(f, (c = compileFiles([join(ROOT, 'strategies', f)], testHost())));
  return c;
}

describe.each(BACKENDS)('strategy models on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
  });
  for (const f of files) {
    it(`${f}: permuting stocks permutes predictions; tensor count flat`, () => {
      const c = compiledStrategy(f);
      const plan = c.plans[0]!;
      const fn = c.optimized.functions[plan.predict.fn]!;
      const params = createParams(paramSpecs([fn]), 11);
      const model = compileFunction(fn, kernels, c.optimized);
      const ctx = runContext(params, { training: false, seed: 1 });
      const r = mulberry32(5);
      const inputs = fn.params.map((p) => ({ name: p.name, type: p.type as TensorType, ...randomInput(p.type as TensorType, r) }));
      // A bipartite membership needs members: make the concept matrix 0/1.
      for (const x of inputs) if (x.name === 'concepts' && x.data instanceof Float32Array) x.data = x.data.map((v) => (v > 0.3 ? 1 : 0));
      const perm = [3, 0, 6, 1, 5, 2, 4];
      const run = (permute: boolean): Float32Array =>
        tf.tidy(() => {
          const feed: Record<string, tf.Tensor> = {};
          for (const x of inputs) {
            const rowsFirst = x.type.axes[0]?.name === 'N';
            const data = permute && rowsFirst ? permuteRows(x.data, x.shape, perm) : x.data;
            feed[x.name] = tf.tensor(data, x.shape, x.dtype);
          }
          const out = model.run(feed, ctx);
          const t = out instanceof tf.Tensor ? out : out[plan.predField ?? Object.keys(out)[0]!]!;
          return t.dataSync() as Float32Array;
        });
      const before = tf.memory().numTensors;
      const base = run(false);
      const moved = run(true);
      run(false);
      expect(tf.memory().numTensors).toBe(before);
      expect(base.every((v) => Number.isFinite(v))).toBe(true);
      perm.forEach((src, dst) => expect(moved[dst]!).toBeCloseTo(base[src]!, 4));
      model.dispose();
      disposeParams(params);
    }, 120_000);
  }
});
