// Test helpers for the RNN ops: a naive per-step cell under plain TF.js
// autodiff (the gradient oracle), conversions to the float64 reference, and
// the optional torch cross-check through python3.
//
// Assumes: an initialised TF.js backend. Guarantees: nothing here is used by
// runtime code; the naive stack is the textbook formula with per-gate slices.

import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RnnKind } from '../../../runtime/ops/rnn.js';

/** Naive stack: per-step slices and per-gate matMuls, differentiated by TF.js. */
export function naiveStack(
  kind: RnnKind,
  x: tf.Tensor3D,
  w: Record<string, tf.Tensor>,
  layers: number,
  hidden: number,
  masks: (Float32Array | null)[] = [],
): { sequence: tf.Tensor3D; states: tf.Tensor3D } {
  const [n, t] = x.shape;
  const H = hidden;
  // T × [N, in] by slicing (TF.js's unstack gradient fails for T = 1)
  let inputs = Array.from({ length: t }, (_, s) => tf.reshape(tf.slice(x, [0, s, 0], [n, 1, -1]), [n, x.shape[2]]));
  const finals: tf.Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    const m = masks[l];
    if (m) {
      inputs = inputs.map((v, s) => tf.mul(v, tf.tensor(m.subarray(s * n * H, (s + 1) * n * H), [n, H])));
    }
    const G = kind === 'gru' ? 3 : 4;
    const gate = (name: string, g: number) => tf.slice(w[name], [g * H, 0], [H, -1]);
    const bias = (name: string, g: number) => tf.slice(w[name], [g * H], [H]);
    const wi = Array.from({ length: G }, (_, g) => gate(`weight_ih_l${l}`, g));
    const wh = Array.from({ length: G }, (_, g) => gate(`weight_hh_l${l}`, g));
    const bi = Array.from({ length: G }, (_, g) => bias(`bias_ih_l${l}`, g));
    const bh = Array.from({ length: G }, (_, g) => bias(`bias_hh_l${l}`, g));
    const pi = (xt: tf.Tensor, g: number) => tf.add(tf.matMul(xt, wi[g], false, true), bi[g]);
    const ph = (h: tf.Tensor, g: number) => tf.add(tf.matMul(h, wh[g], false, true), bh[g]);
    let h: tf.Tensor = tf.zeros([n, H]);
    let c: tf.Tensor = tf.zeros([n, H]);
    const outs: tf.Tensor[] = [];
    for (const xt of inputs) {
      if (kind === 'gru') {
        const r = tf.sigmoid(tf.add(pi(xt, 0), ph(h, 0)));
        const z = tf.sigmoid(tf.add(pi(xt, 1), ph(h, 1)));
        const nn = tf.tanh(tf.add(pi(xt, 2), tf.mul(r, ph(h, 2))));
        h = tf.add(tf.mul(tf.sub(1, z), nn), tf.mul(z, h));
      } else {
        const i = tf.sigmoid(tf.add(pi(xt, 0), ph(h, 0)));
        const f = tf.sigmoid(tf.add(pi(xt, 1), ph(h, 1)));
        const g = tf.tanh(tf.add(pi(xt, 2), ph(h, 2)));
        const o = tf.sigmoid(tf.add(pi(xt, 3), ph(h, 3)));
        c = tf.add(tf.mul(f, c), tf.mul(i, g));
        h = tf.mul(o, tf.tanh(c));
      }
      outs.push(h);
    }
    finals.push(h);
    inputs = outs;
  }
  return { sequence: tf.stack(inputs, 1) as tf.Tensor3D, states: tf.stack(finals, 0) as tf.Tensor3D };
}

export function toF64(w: Record<string, tf.Tensor>): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [k, v] of Object.entries(w)) out[k] = Float64Array.from(v.dataSync());
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max|a−b| / max(max|b|, floor): relative to the tensor's scale. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  let s = 0;
  for (let i = 0; i < b.length; i++) s = Math.max(s, Math.abs(b[i]));
  return maxAbsDiff(a, b) / Math.max(s, floor);
}

/** A python3 with torch, or null (checked once). QUIVER_PYTHON overrides. */
let torchPython: string | null | undefined;
export function findTorchPython(): string | null {
  if (torchPython !== undefined) return torchPython;
  torchPython = null;
  const candidates = [process.env.QUIVER_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) {
      torchPython = py;
      break;
    }
  }
  return torchPython;
}

/** Run the weights through torch.nn.GRU/LSTM (rnn_torch.py); returns sequence and states. */
export function torchForward(
  py: string,
  req: { kind: RnnKind; layers: number; hidden: number; inputSize: number; x: number[]; shape: number[]; weights: Record<string, number[]> },
): { sequence: number[]; states: number[] } {
  const script = fileURLToPath(new URL('./rnn_torch.py', import.meta.url));
  const r = spawnSync(py, [script], { input: JSON.stringify(req), encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`rnn_torch.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { sequence: number[]; states: number[] };
}
