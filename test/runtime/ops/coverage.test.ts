// The kernel table covers the registry exactly, docs/ops.md is up to date
// (UPDATE_GOLDEN=1 rewrites it), run-time size failures are Q6010
// diagnostics, and ops without a gradient never break tfjs's tape when they
// sit between a watched tensor and the loss (their outputs as conditions or
// multipliers).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { allOps } from '../../../compiler/ops/registry.js';
import { opsReference } from '../../../runtime/ops/docs.js';
import { kernelNotes, kernels } from '../../../runtime/ops/index.js';
import type { RunContext } from '../../../runtime/ops/kernel.js';
import { nodeOf, runCase, setupBackends, useBackend, type Case } from './harness.js';

beforeAll(async () => {
  await setupBackends();
  await useBackend('cpu');
}, 60_000);

describe('coverage', () => {
  it('every registry op has a kernel and a note; every kernel is a registry op', () => {
    const ops = allOps.map((o) => o.name).sort();
    expect(Object.keys(kernels).sort()).toEqual(ops);
    expect(Object.keys(kernelNotes).sort()).toEqual(ops);
  });
  it('docs/ops.md is generated from the registry and the kernel notes', () => {
    const path = fileURLToPath(new URL('../../../docs/ops.md', import.meta.url));
    const text = opsReference();
    if (process.env.UPDATE_GOLDEN) writeFileSync(path, text);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

function q6010(c: Case): string {
  try {
    runCase(c);
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => `${d.code} ${d.message}`).join('; ');
    throw e;
  }
  return 'no error';
}

describe('run-time size failures are Q6010', () => {
  it('an axis shared by two inputs with different sizes (tfjs would broadcast a 1 silently)', () => {
    const c: Case = {
      op: 'add',
      inputs: [
        { name: 'a', axes: ['N'], shape: [1], data: [1] },
        { name: 'b', axes: ['N'], shape: [3], data: [1, 2, 3] },
      ],
    };
    expect(q6010(c)).toMatch(/^Q6010 .*axis N has 1 entries in a but 3 in b/);
  });
  it('a rank or known size that differs from the type', () => {
    const c: Case = { op: 'neg', inputs: [{ name: 'x', axes: ['F'], shape: [2], data: [1, 2] }] };
    const node = nodeOf(c);
    const k = kernels['neg']!({ ...node, inputTypes: [{ kind: 'tensor', dtype: 'f32', axes: [{ name: 'F', size: 3 }] }] });
    const ctx = {} as RunContext;
    const x = tf.tensor([1, 2]);
    expect(() => k([x], ctx)).toThrow(/Q6010/);
    expect(() => k([tf.tensor([[1, 2]])], ctx)).toThrow(/rank 2/);
    x.dispose();
  });
  it('indices and splits that only fail at run time', () => {
    expect(q6010({ op: 'take', attrs: { over: 'N', index: 5 }, inputs: [{ name: 'x', axes: ['N'], shape: [3], data: [1, 2, 3] }] })).toMatch(/^Q6010 .*index 5/);
    expect(q6010({ op: 'slice', attrs: { over: 'N', start: 2, end: 9 }, inputs: [{ name: 'x', axes: ['N'], shape: [3], data: [1, 2, 3] }] })).toMatch(/^Q6010/);
    expect(q6010({ op: 'unflatten', attrs: { over: 'N', into: ['K', 'J'], sizes: [2, -1] }, inputs: [{ name: 'x', axes: ['N'], shape: [3], data: [1, 2, 3] }] })).toMatch(
      /^Q6010 .*do not split/,
    );
    expect(q6010({ op: 'concat', attrs: { over: 'N' }, inputs: [{ name: '0', axes: ['N'], shape: [3], data: [1, 2, 3] }, { name: '1', axes: ['N'], shape: [1], data: [4] }] })).toBe(
      'no error',
    );
  });
});

describe('ops without gradients keep the tape working', () => {
  const x = (data: number[]) => ({ name: 'x', axes: ['N'], shape: [data.length], data });
  const cases: Case[] = [
    ...['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or'].map((op) => ({ op, inputs: [{ ...x([1, -2, 3]), name: 'a' }, { ...x([0.5, -2, 4]), name: 'b' }] })),
    ...['not', 'isnan', 'sign', 'floor', 'round'].map((op) => ({ op, inputs: [x([1, NaN, -3])] })),
    { op: 'cast', attrs: { dtype: 'bool' }, inputs: [x([1, 0, -3])] },
    { op: 'cast', attrs: { dtype: 'i32' }, inputs: [x([1.5, 0, -3])] },
    ...['count', 'any', 'all', 'argmax', 'argmin'].map((op) => ({ op, attrs: { over: op.startsWith('arg') ? 'N' : ['N'] }, inputs: [x([1, NaN, -3])] })),
    { op: 'topk_mask', attrs: { k: 2, over: 'N' }, inputs: [x([1, NaN, -3])] },
    { op: 'one_hot', attrs: { name: 'K', size: 3 }, inputs: [x([1, 0, 2])] },
    { op: 'cs_rank', attrs: { over: 'N' }, inputs: [x([1, NaN, -3])] },
    { op: 'minmax', attrs: { over: 'N' }, inputs: [x([1, 2, -3])] },
    { op: 'sinkhorn', attrs: { over: ['N', 'K'] }, inputs: [{ name: 'cost', axes: ['N', 'K'], shape: [3, 1], data: [1, 2, 3] }] },
    { op: 'stop_grad', inputs: [x([1, 2, 3])] },
    { op: 'mse', inputs: [{ ...x([1, 2, 3]), name: 'pred' }, { ...x([1, NaN, 0]), name: 'target' }] },
    { op: 'cross_entropy', attrs: { over: 'K' }, inputs: [{ name: 'pred', axes: ['N', 'K'], shape: [3, 2], data: [1, 2, 3, 4, 5, 6] }, { ...x([1, NaN, 0]), name: 'target' }] },
  ];
  it.each(cases.map((c) => [`${c.op}${c.attrs?.['dtype'] ? ` ${c.attrs['dtype']}` : ''}`, c] as const))('%s', (_name, c) => {
    const node = nodeOf(c);
    const k = kernels[c.op]!(node);
    const ctx: RunContext = { training: false, param: () => undefined as unknown as tf.Variable, setState: () => undefined, state: () => undefined as unknown as tf.Tensor, seed: () => 1, writes: new Map() };
    const ins = c.inputs.map((i) => tf.tensor(Float32Array.from(i.data), i.shape));
    const before = tf.memory().numTensors;
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const y = tf.cast(k(xs, ctx), 'float32');
      const finite = tf.where(tf.isFinite(y), y, tf.zerosLike(y));
      return tf.add(tf.addN(xs.map((v) => tf.sum(tf.where(tf.isNaN(v), tf.zerosLike(v), v)))), tf.mul(tf.sum(finite), 0));
    })(ins);
    for (const [j, g] of grads.entries()) {
      const want = Array.from(ins[j]!.dataSync(), (v) => (Number.isNaN(v) ? 0 : 1));
      expect(Array.from(g.dataSync())).toEqual(want);
    }
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(ins);
  });
});
