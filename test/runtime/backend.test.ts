// Tests of backend selection (runtime/backend.ts): explicit choice, the
// QUIVER_BACKEND variable, fallback diagnostics (Q6001, Q6002) and reasons.
// tfjs-node is never loaded here: its absence is simulated through `loaders`.

import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../runtime/backend.js';

const missing = (pkg: string) => async () => {
  throw new Error(`${pkg} not installed`);
};
const noNode = { 'node-gpu': missing('tfjs-node-gpu'), node: missing('tfjs-node') };

describe('initBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('activates an explicitly requested backend', async () => {
    const info = await initBackend({ backend: 'wasm', env: {} });
    expect(info).toEqual({ name: 'wasm', reason: 'wasm: requested', diagnostics: [] });
    expect(tf.getBackend()).toBe('wasm');
    const cpu = await initBackend({ backend: 'cpu', env: {} });
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reads QUIVER_BACKEND when no option is given', async () => {
    const info = await initBackend({ env: { QUIVER_BACKEND: 'wasm' }, loaders: noNode });
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe('wasm: QUIVER_BACKEND=wasm');
  });

  it('chooses the best available automatically and says why', async () => {
    const info = await initBackend({ env: {}, loaders: noNode });
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe('wasm: tfjs-node-gpu not installed; tfjs-node not installed');
    expect(info.diagnostics).toEqual([]);
  });

  it('falls back with Q6001 when the requested backend cannot load', async () => {
    const info = await initBackend({ backend: 'node', env: {}, loaders: noNode });
    expect(info.name).toBe('wasm');
    expect(info.diagnostics.map((d) => d.code)).toEqual(['Q6001']);
    expect(info.diagnostics[0].severity).toBe('warning');
    expect(info.diagnostics[0].message).toBe('backend node was requested but cannot load (tfjs-node not installed); using wasm');
    expect(info.diagnostics[0].hints[0]).toContain('setup:tfjs-node');
  });

  it('reports an unknown QUIVER_BACKEND as Q6002 and chooses automatically', async () => {
    const info = await initBackend({ env: { QUIVER_BACKEND: 'tpu' }, loaders: noNode });
    expect(info.diagnostics.map((d) => d.code)).toEqual(['Q6002']);
    expect(info.diagnostics[0].message).toBe('unknown backend tpu in QUIVER_BACKEND; choosing automatically');
    expect(info.name).toBe('wasm');
  });

  it('an explicit option overrides QUIVER_BACKEND', async () => {
    const info = await initBackend({ backend: 'cpu', env: { QUIVER_BACKEND: 'wasm' }, loaders: noNode });
    expect(info.name).toBe('cpu');
  });
});
