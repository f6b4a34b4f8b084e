// Tests of data-parallel training (runtime/parallel): replicas stay
// bit-identical, match a single-process run on the full batch, failures are
// diagnostics (Q6004), and the automatic worker count.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../runtime/backend.js';
import { applyUpdate, createOptimizerState, type OptimizerSpec } from '../../../runtime/parallel/optimizer.js';
import { chooseWorkers, createReplicaPool, PARALLEL_MIN_ROWS, type Batch, type ReplicaPool } from '../../../runtime/parallel/pool.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { buildTiny, type TinyOptions } from './fixtures/gru-replica.js';

const fixture = new URL('./fixtures/gru-replica.ts', import.meta.url);
const N = 13, T = 5, F = 3, H = 4;
const opts: TinyOptions = { f: F, h: H, seed: 17 };
const spec: OptimizerSpec = { kind: 'adam', lr: 1e-2 };

function batchAt(k: number): Batch {
  const x = new Float32Array(N * T * F).map((_, i) => Math.sin(i * 0.37 + k));
  const y = new Float32Array(N).map((_, i) => Math.cos(i + 2 * k));
  return { x: { data: x, shape: [N, T, F] }, y: { data: y, shape: [N, 1] } };
}

/** The same training in this process, on the full batch, with the same update code. */
function singleProcess(steps: number): { params: Record<string, Float32Array>; losses: number[] } {
  const m = buildTiny(opts);
  const sizes = m.names.map((n) => m.params[n].size);
  const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
  const state = createOptimizerState(flat.length);
  let o = 0;
  m.names.forEach((n) => {
    flat.set(m.params[n].dataSync() as Float32Array, o);
    o += m.params[n].size;
  });
  const losses: number[] = [];
  for (let k = 0; k < steps; k++) {
    const b = batchAt(k);
    const grads = new Float32Array(flat.length);
    tf.tidy(() => {
      const r = m.lossAndGrads(tf.tensor(b.x.data, b.x.shape), tf.tensor(b.y.data, b.y.shape));
      losses.push(r.loss.dataSync()[0]);
      let off = 0;
      m.names.forEach((n) => {
        grads.set(r.grads[n].dataSync() as Float32Array, off);
        off += m.params[n].size;
      });
    });
    applyUpdate(spec, state, flat, grads);
    let off = 0;
    m.names.forEach((n) => {
      m.params[n].assign(tf.tensor(flat.subarray(off, off + m.params[n].size), m.params[n].shape));
      off += m.params[n].size;
    });
  }
  const params: Record<string, Float32Array> = {};
  let off = 0;
  m.names.forEach((n) => {
    params[n] = flat.slice(off, off + m.params[n].size);
    off += m.params[n].size;
  });
  tf.dispose(Object.values(m.params));
  return { params, losses };
}

describe('replica pool', () => {
  let pool: ReplicaPool;
  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    pool = await createReplicaPool({ module: fixture, workers: 2, optimizer: spec, options: opts });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('keeps replicas bit-identical and equal to a single-process run on the full batch', async () => {
    const steps = 4;
    const losses: number[] = [];
    for (let k = 0; k < steps; k++) {
      losses.push(await pool.step(batchAt(k)));
      const hashes = await pool.replicaHashes();
      expect(new Set(hashes).size).toBe(1);
    }
    const single = singleProcess(steps);
    const got = await pool.params();
    for (const [name, want] of Object.entries(single.params)) {
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - got[name][i]))));
      expect(worst, name).toBeLessThan(1e-5);
    }
    losses.forEach((l, k) => expect(Math.abs(l - single.losses[k])).toBeLessThan(1e-5));
    // the parameters moved: the test would notice a pool that never updates
    expect(Math.abs(single.losses[steps - 1] - single.losses[0])).toBeGreaterThan(1e-4);
  });

  it('handles more workers than samples (empty shards) and setParams', async () => {
    const p0 = await pool.params();
    const tiny: Batch = { x: { data: new Float32Array(T * F).fill(0.5), shape: [1, T, F] }, y: { data: new Float32Array([1]), shape: [1, 1] } };
    const l = await pool.step(tiny);
    expect(Number.isFinite(l)).toBe(true);
    expect(new Set(await pool.replicaHashes()).size).toBe(1);
    await pool.setParams(p0);
    const back = await pool.params();
    for (const n of Object.keys(p0)) expect(Array.from(back[n])).toEqual(Array.from(p0[n]));
  });
});

describe('replica pool failures', () => {
  it('turns a throwing replica into Q6004 without hanging the others', async () => {
    const pool = await createReplicaPool({ module: fixture, workers: 2, optimizer: spec, options: { ...opts, failAt: 2 } });
    try {
      await pool.step(batchAt(0));
      const err = await pool.step(batchAt(1)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DiagnosticError);
      expect((err as DiagnosticError).diagnostics[0].code).toBe('Q6004');
      expect((err as DiagnosticError).diagnostics[0].message).toContain('deliberate failure in step');
    } finally {
      await pool.close();
    }
  });

  it('reports a module without the factory as Q6004', async () => {
    const err = await createReplicaPool({ module: fixture, exportName: 'nope', workers: 1, optimizer: spec, options: opts }).then(
      async (p) => {
        await p.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect((err as DiagnosticError).diagnostics[0].code).toBe('Q6004');
  });
});

describe('chooseWorkers', () => {
  it('stays single-threaded for small steps or one core, splits large ones', () => {
    expect(chooseWorkers(PARALLEL_MIN_ROWS - 1, 2)).toBe(1);
    expect(chooseWorkers(300 * 60, 1)).toBe(1);
    expect(chooseWorkers(300 * 60, 2)).toBe(2);
    expect(chooseWorkers(PARALLEL_MIN_ROWS, 8)).toBe(1);
    expect(chooseWorkers(800 * 60, 4)).toBe(4);
  });
});
