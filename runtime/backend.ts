// Backend selection for TF.js: tfjs-node-gpu → tfjs-node → wasm → cpu.
//
// What: `initBackend` loads and activates the best available TF.js backend, or
// the one asked for (option `backend`, else env QUIVER_BACKEND: node-gpu, node,
// wasm, cpu), and returns `{ name, reason, diagnostics }` so the CLI can print
// which one runs and why ("wasm: tfjs-node not installed"). A requested backend
// that cannot load is a Q6001 warning plus a fallback down the chain, never a
// crash; an unknown QUIVER_BACKEND value is Q6002.
//
// Assumes: Node ≥ 20; @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm are
// installed (dependencies); tfjs-node(-gpu) are optional and imported lazily
// (absent is normal; `npm run setup:tfjs-node` builds tfjs-node offline).
// The wasm binaries are read from the npm package's dist/ folder (SIMD on;
// single-threaded in Node — tfjs 4.22 hard-wires multithreading off there, so
// use runtime/parallel for more cores).
// Guarantees: after the promise resolves, tf.getBackend() is the returned
// backend and tf.ready() has completed; calling it again is cheap and may switch.
//
// Measured (2 vCPU AVX-512, 512×512 matMul ×50): tfjs-node 283 ms, wasm 617 ms,
// cpu 12,082 ms. On the GRU training step see bench/gru-step.ts.

import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { diag } from '../compiler/diagnostics/codes.js';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.js';

export type BackendName = 'node-gpu' | 'node' | 'wasm' | 'cpu';

export const BACKEND_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

/** TF.js's own name for each backend. */
export const TF_BACKEND_NAME: Record<BackendName, string> = {
  'node-gpu': 'tensorflow',
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export interface BackendInfo {
  name: BackendName;
  /** One line for humans, starting with the name, e.g. "wasm: tfjs-node not installed". */
  reason: string;
  diagnostics: Diagnostic[];
}

export interface BackendOptions {
  /** Explicit choice; 'auto' or absent: QUIVER_BACKEND, else the best available. */
  backend?: BackendName | 'auto';
  /** Environment to read QUIVER_BACKEND from (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * Replace the loader of a backend (tests use this to simulate a missing
   * package). A loader resolves when the backend is registered with TF.js and
   * throws with a short reason when it cannot be.
   */
  loaders?: Partial<Record<BackendName, () => Promise<void>>>;
}

const require = createRequire(import.meta.url);

/** Short reason for a failed load: "tfjs-node not installed" or the error's first line. */
function loadFailure(pkg: string, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const msg = String(e?.message ?? err);
  if ((e?.code === 'MODULE_NOT_FOUND' || e?.code === 'ERR_MODULE_NOT_FOUND') && msg.includes(pkg)) {
    return new Error(`${pkg.replace('@tensorflow/', '')} not installed`);
  }
  return new Error(`${pkg.replace('@tensorflow/', '')} failed to load: ${msg.split('\n')[0]}`);
}

function requireNative(pkg: string): void {
  // libtensorflow logs oneDNN banners to stderr unless told otherwise.
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  try {
    require(pkg);
  } catch (err) {
    throw loadFailure(pkg, err);
  }
}

let wasmPathsSet = false;

/** The folder holding tfjs-backend-wasm's .wasm binaries (inside node_modules). */
export function wasmBinaryDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function loadWasm(): Promise<void> {
  let mod: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    mod = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    throw loadFailure('@tensorflow/tfjs-backend-wasm', err);
  }
  if (!wasmPathsSet) {
    mod.setWasmPaths(wasmBinaryDir());
    wasmPathsSet = true;
  }
}

const defaultLoaders: Record<BackendName, () => Promise<void>> = {
  'node-gpu': async () => requireNative('@tensorflow/tfjs-node-gpu'),
  node: async () => requireNative('@tensorflow/tfjs-node'),
  wasm: loadWasm,
  cpu: async () => undefined, // bundled with @tensorflow/tfjs
};

let active: BackendName | null = null;

/** The backend activated by the last successful initBackend, if any. */
export function activeBackend(): BackendName | null {
  return active !== null && tf.getBackend() === TF_BACKEND_NAME[active] ? active : null;
}

async function tryActivate(name: BackendName, loaders: BackendOptions['loaders']): Promise<string | null> {
  try {
    await (loaders?.[name] ?? defaultLoaders[name])();
    if (name === 'node-gpu' && tf.findBackend('tensorflow') == null) return 'tfjs-node-gpu registered no backend';
    const ok = await tf.setBackend(TF_BACKEND_NAME[name]);
    if (!ok) return `${name} backend failed to initialise`;
    await tf.ready();
    active = name;
    return null;
  } catch (err) {
    return (err as Error).message ?? String(err);
  }
}

function parseChoice(v: string | undefined): BackendName | 'auto' | null {
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  return (BACKEND_ORDER as readonly string[]).includes(v) ? (v as BackendName) : null;
}

/**
 * Load and activate a backend. Explicit choice first (option, then
 * QUIVER_BACKEND); if it cannot load, a Q6001 warning and the automatic chain
 * below it. The cpu backend always loads, so this never rejects.
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendInfo> {
  const env = opts.env ?? process.env;
  const diagnostics: Diagnostic[] = [];
  let requested: BackendName | 'auto' = 'auto';
  let source = 'automatic choice';
  if (opts.backend !== undefined && opts.backend !== 'auto') {
    requested = opts.backend;
    source = 'requested';
  } else if (opts.backend === undefined) {
    const parsed = parseChoice(env.QUIVER_BACKEND);
    if (parsed === null) {
      diagnostics.push(diag('unknownBackend', { value: String(env.QUIVER_BACKEND), source: 'QUIVER_BACKEND' }));
    } else if (parsed !== 'auto') {
      requested = parsed;
      source = `QUIVER_BACKEND=${parsed}`;
    }
  }
  const failures: string[] = [];
  if (requested !== 'auto') {
    const why = await tryActivate(requested, opts.loaders);
    if (why === null) return { name: requested, reason: `${requested}: ${source}`, diagnostics };
    failures.push(why);
    // fall back along the chain, starting below the requested backend
    const below = BACKEND_ORDER.slice(BACKEND_ORDER.indexOf(requested) + 1);
    for (const name of below) {
      const w = await tryActivate(name, opts.loaders);
      if (w === null) {
        diagnostics.push(diag('backendUnavailable', { backend: requested, reason: why, fallback: name }));
        return { name, reason: `${name}: ${requested} unavailable (${why})`, diagnostics };
      }
      failures.push(w);
    }
    throw new Error(`no TF.js backend could be loaded: ${failures.join('; ')}`);
  }
  for (const name of BACKEND_ORDER) {
    const why = await tryActivate(name, opts.loaders);
    if (why === null) {
      const reason = failures.length === 0 ? 'best available' : failures.join('; ');
      return { name, reason: `${name}: ${reason}`, diagnostics };
    }
    failures.push(why);
  }
  throw new Error(`no TF.js backend could be loaded: ${failures.join('; ')}`);
}
