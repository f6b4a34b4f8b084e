// The TF.js backends runtime tests run on: cpu and wasm always (what CI has),
// and tfjs-node's `tensorflow` too when it is installed (`npm run
// setup:tfjs-node`), as the op harness does (test/runtime/ops/harness.ts).
//
// Use with top-level await, so describe.each sees the list when the file is
// collected:   const BACKENDS = await testBackends();
// Guarantees: every listed backend is registered on return; the active one is
// cpu (tests switch with `useBackend`).

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../runtime/backend.js';

export type TestBackend = 'cpu' | 'wasm' | 'tensorflow';

let found: TestBackend[] | undefined;

export async function testBackends(): Promise<TestBackend[]> {
  if (!found) {
    const node = await initBackend({ backend: 'node' });
    await initBackend({ backend: 'wasm' });
    await initBackend({ backend: 'cpu' });
    found = node.name === 'node' ? ['cpu', 'wasm', 'tensorflow'] : ['cpu', 'wasm'];
  }
  return found;
}

export async function useBackend(b: TestBackend): Promise<void> {
  if (tf.getBackend() !== b) await tf.setBackend(b);
}
