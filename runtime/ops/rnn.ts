// Multi-layer GRU and LSTM stacks as ONE custom-gradient op each.
//
// What: `gruStack` / `lstmStack` run a batch-first [N, T, F] input through L
// layers with PyTorch's gate formulas, parameter names and layouts
// (weight_ih_l{k} [G·H, in], weight_hh_l{k} [G·H, H], bias_ih_l{k} and
// bias_hh_l{k} [G·H]; gates r,z,n for GRU and i,f,g,o for LSTM; h0 = c0 = 0;
// dropout p between layers in training only, never after the last). The whole
// stack is a single kernel on the tape whose backward is hand-written BPTT;
// nothing inside the recurrence is taped. Outputs on request (`outputs`):
// 'sequence' [N, T, H] (last layer), 'last' [N, H] (last layer's final state,
// = sequence[:, T−1]), 'states' [L, N, H] (every layer's final h), or 'both'
// (sequence and states). Asking only for 'last' or 'states' skips building
// and back-propagating the full output sequence.
//
// Two implementations share this interface: rnn-wasm.ts (tfjs-backend-wasm:
// direct XNNPACK calls on views of the wasm heap, JS-fused elementwise passes,
// no per-step tensors) and rnn-generic.ts (any backend, tfjs ops). `impl`
// picks one explicitly; the default uses rnn-wasm.ts on wasm.
//
// Assumes: float32 inputs; weights are tensors (usually tf.Variables) with the
// shapes above; the wasm backend (when used) is tfjs-backend-wasm 4.22.
// Guarantees: forward matches the float64 reference (rnn-reference.ts) within
// 1e-5 and gradients match tfjs autodiff of a naive cell within ~1e-4 relative
// (test/runtime/ops/rnn.test.ts); the live tensor count is unchanged after a
// forward/backward (everything the backward keeps is released with the tape).
// Measured (bench/gru-step.ts, Qlib GRU N=300 T=60 F=6 2×64, one wasm thread):
// 238–315 ms per training step depending on machine load, 87–119 ms
// inference; the full table and its caveats are in docs/backends.md.

import * as tf from '@tensorflow/tfjs';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { genericBackward, genericForward } from './rnn-generic.js';
import { wasmBackward, wasmForward, wasmFusedAvailable } from './rnn-wasm.js';
import { mulberry32 } from '../random.js';

export type RnnKind = 'gru' | 'lstm';
export type RnnOutputs = 'sequence' | 'last' | 'states' | 'both';
export type RnnWeights = Record<string, tf.Tensor>;

export interface RnnOptions {
  layers: number;
  hidden: number;
  /** Dropout between layers (training only; never after the last layer). */
  dropout?: number;
  training?: boolean;
  /** Which outputs to build; default 'both'. */
  outputs?: RnnOutputs;
  /** Seed of the dropout masks; default: drawn from Math.random. */
  seed?: number;
  /** 'auto' (default): the fused wasm kernels on wasm, tfjs ops elsewhere. */
  impl?: 'auto' | 'wasm' | 'generic';
}

export interface RnnResult {
  sequence?: tf.Tensor3D;
  last?: tf.Tensor2D;
  states?: tf.Tensor3D;
}

/** Fixed configuration of one call, shared by both implementations. */
export interface RnnConfig {
  kind: RnnKind;
  n: number;
  t: number;
  inputSize: number;
  hidden: number;
  layers: number;
  wantSequence: boolean;
  wantStates: boolean;
  wantLast: boolean;
  /** Per layer l ≥ 1: its input mask [T, N, H] (0 or 1/(1−p)), time-major; null = none. */
  masks: (Float32Array | null)[];
}

/** The parameter tensors in a fixed order: per layer w_ih, w_hh, b_ih, b_hh. */
export interface LayerWeights {
  wih: tf.Tensor;
  whh: tf.Tensor;
  bih: tf.Tensor;
  bhh: tf.Tensor;
}

export function gates(kind: RnnKind): number {
  return kind === 'gru' ? 3 : 4;
}

/** PyTorch names and shapes of a stack's parameters. */
export function rnnParamShapes(kind: RnnKind, inputSize: number, hidden: number, layers: number): Record<string, number[]> {
  const G = gates(kind);
  const out: Record<string, number[]> = {};
  for (let l = 0; l < layers; l++) {
    out[`weight_ih_l${l}`] = [G * hidden, l === 0 ? inputSize : hidden];
    out[`weight_hh_l${l}`] = [G * hidden, hidden];
    out[`bias_ih_l${l}`] = [G * hidden];
    out[`bias_hh_l${l}`] = [G * hidden];
  }
  return out;
}

/** mulberry32: a small seeded PRNG in [0, 1). */
export const seededRandom = mulberry32;

/**
 * PyTorch's initialisation: every weight and bias ~ U(−1/√H, 1/√H), as
 * trainable tf.Variables keyed by PyTorch's names.
 */
export function initRnnWeights(
  kind: RnnKind,
  inputSize: number,
  hidden: number,
  layers: number,
  seed?: number,
): Record<string, tf.Variable> {
  const k = 1 / Math.sqrt(hidden);
  const rnd = seededRandom(seed ?? Math.floor(Math.random() * 2 ** 32));
  const out: Record<string, tf.Variable> = {};
  for (const [name, shape] of Object.entries(rnnParamShapes(kind, inputSize, hidden, layers))) {
    const size = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(size);
    for (let i = 0; i < size; i++) v[i] = (2 * rnd() - 1) * k;
    // unnamed: TF.js variable names are global, and a process may hold several models
    out[name] = tf.tidy(() => tf.variable(tf.tensor(v, shape), true));
  }
  return out;
}

function fail(what: string): never {
  throw new DiagnosticError(diag('rnnShapeMismatch', { what }));
}

function layerWeights(kind: RnnKind, w: RnnWeights, inputSize: number, hidden: number, layers: number): LayerWeights[] {
  const shapes = rnnParamShapes(kind, inputSize, hidden, layers);
  for (const [name, shape] of Object.entries(shapes)) {
    const t = w[name];
    if (t === undefined) fail(`missing parameter ${name}`);
    if (t.shape.join(',') !== shape.join(',')) fail(`${name} has shape [${t.shape}], expected [${shape}]`);
    if (t.dtype !== 'float32') fail(`${name} must be float32`);
  }
  const out: LayerWeights[] = [];
  for (let l = 0; l < layers; l++) {
    out.push({ wih: w[`weight_ih_l${l}`], whh: w[`weight_hh_l${l}`], bih: w[`bias_ih_l${l}`], bhh: w[`bias_hh_l${l}`] });
  }
  return out;
}

/** Dropout masks for layers 1..L−1 (time-major [T, N, H]), 0 or 1/(1−p). */
export function dropoutMasks(p: number, layers: number, t: number, n: number, h: number, seed: number): (Float32Array | null)[] {
  const masks: (Float32Array | null)[] = [null];
  const rnd = seededRandom(seed);
  const keep = Math.fround(1 / (1 - p));
  for (let l = 1; l < layers; l++) {
    const m = new Float32Array(t * n * h);
    for (let i = 0; i < m.length; i++) m[i] = rnd() < p ? 0 : keep;
    masks.push(m);
  }
  return masks;
}

/** Implementation interface (both files implement it). */
export interface RnnForwardResult {
  outputs: tf.Tensor[];
  /** Tensors the backward needs; kept by the tape only when recording. */
  saved: tf.Tensor[];
}

export type RnnBackward = (
  cfg: RnnConfig,
  saved: tf.Tensor[],
  dSequence: tf.Tensor | null,
  dStates: tf.Tensor | null,
) => { weightGrads: tf.Tensor[]; dx: () => tf.Tensor };

interface EngineInternals {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: (ts: tf.Tensor[]) => void) => tf.Tensor[];
    backwardsFunc: (dys: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => Record<string, () => tf.Tensor>;
    inputs: Record<string, tf.Tensor>;
  }): tf.Tensor | tf.Tensor[];
}

function runStack(kind: RnnKind, x: tf.Tensor3D, weights: RnnWeights, opts: RnnOptions): RnnResult {
  if (x.rank !== 3) fail(`input must be [N, T, F], got rank ${x.rank}`);
  const [n, t, inputSize] = x.shape;
  const { layers, hidden } = opts;
  if (!Number.isInteger(layers) || layers < 1) fail(`layers must be a positive integer, got ${layers}`);
  if (!Number.isInteger(hidden) || hidden < 1) fail(`hidden must be a positive integer, got ${hidden}`);
  if (n < 1 || t < 1 || inputSize < 1) fail(`input shape [${x.shape}] has an empty axis`);
  const p = opts.dropout ?? 0;
  if (!(p >= 0 && p < 1)) fail(`dropout must be in [0, 1), got ${p}`);
  const lw = layerWeights(kind, weights, inputSize, hidden, layers);
  const outputs = opts.outputs ?? 'both';
  const useDropout = (opts.training ?? false) && p > 0 && layers > 1;
  const cfg: RnnConfig = {
    kind,
    n,
    t,
    inputSize,
    hidden,
    layers,
    wantSequence: outputs === 'sequence' || outputs === 'both',
    wantStates: outputs === 'states' || outputs === 'both',
    wantLast: outputs === 'last',
    masks: useDropout
      ? dropoutMasks(p, layers, t, n, hidden, opts.seed ?? Math.floor(Math.random() * 2 ** 32))
      : new Array<Float32Array | null>(layers).fill(null),
  };
  const impl = opts.impl ?? 'auto';
  const useWasm = impl === 'wasm' || (impl === 'auto' && tf.getBackend() === 'wasm');
  if (useWasm && !wasmFusedAvailable()) fail('impl "wasm" needs the active backend to be tfjs-backend-wasm');
  const forward = useWasm ? wasmForward : genericForward;
  const backward = useWasm ? wasmBackward : genericBackward;

  const flat: tf.Tensor[] = [x];
  for (const w of lw) flat.push(w.wih, w.whh, w.bih, w.bhh);
  const inputs: Record<string, tf.Tensor> = {};
  flat.forEach((v, i) => (inputs[i] = v));

  const engine = tf.engine() as unknown as EngineInternals;
  if (typeof engine.runKernelFunc !== 'function') fail('this TF.js version lacks engine.runKernelFunc');
  const out = engine.runKernelFunc({
    inputs,
    forwardFunc: (_backend, save) => {
      const res = forward(cfg, x, lw);
      save(res.saved);
      return res.outputs;
    },
    backwardsFunc: (dys, saved) => {
      const list = Array.isArray(dys) ? dys : [dys];
      let k = 0;
      const dSeq = cfg.wantSequence ? list[k++] : null;
      let dStates: tf.Tensor | null = null;
      if (cfg.wantStates) dStates = list[k++];
      else if (cfg.wantLast) {
        // [N, H] for the top layer only: widen to [L, N, H]
        const dl = list[k++];
        dStates = layers === 1 ? dl.reshape([1, n, hidden]) : tf.concat([tf.zeros([layers - 1, n, hidden]), dl.reshape([1, n, hidden])], 0);
      }
      const g = backward(cfg, saved, dSeq, dStates);
      const map: Record<string, () => tf.Tensor> = { 0: g.dx };
      g.weightGrads.forEach((gr, i) => (map[i + 1] = () => gr));
      return map;
    },
  });
  const list = Array.isArray(out) ? out : [out];
  const result: RnnResult = {};
  let k = 0;
  if (cfg.wantSequence) result.sequence = list[k++] as tf.Tensor3D;
  if (cfg.wantStates) result.states = list[k++] as tf.Tensor3D;
  if (cfg.wantLast) result.last = list[k++] as tf.Tensor2D;
  return result;
}

/** GRU stack: x [N, T, F] → { sequence [N, T, H], states [L, N, H], last [N, H] } per `outputs`. */
export function gruStack(x: tf.Tensor3D, weights: RnnWeights, opts: RnnOptions): RnnResult {
  return runStack('gru', x, weights, opts);
}

/** LSTM stack (states are the final h of each layer). */
export function lstmStack(x: tf.Tensor3D, weights: RnnWeights, opts: RnnOptions): RnnResult {
  return runStack('lstm', x, weights, opts);
}
