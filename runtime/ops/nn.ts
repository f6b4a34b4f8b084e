// Kernels of the nn family: dense, gru, lstm, layer_norm, batch_norm,
// conv1d, embedding (layers: parameters through ctx.param(attrs.path, name))
// and dropout, positional_encoding (compiler/ops/nn.ts has the signatures).
//
// Layouts: a layer's feature axis (`over`, else the last) is moved last, the
// other axes are flattened into one row axis, and the work is plain 2-D
// matMuls (matmul.ts: XNNPACK's fast path on wasm, untransposed gradients).
// dense weight [in, out]; conv1d weight [kernel, in, out] (PyTorch's Conv1d
// weight [out, in, kernel] transposed), computed as im2col + one matMul (wasm
// has no Conv2DBackpropFilter); gru/lstm go through rnn.ts's fused stacks on
// [rows, T, F], with outputs seq/final/last = 'sequence'/'states'/'last'.
//
// Modes and randomness: dropout (and RNN inter-layer dropout) act only when
// ctx.training, drawing one ctx.seed() per call; the dropout mask is
// `dropoutMask(n, p, seed)` (seeded JS, the same on every backend).
// batch_norm in training normalises with the batch statistics over every
// axis but the feature axis (as PyTorch's BatchNorm1d over N and L) and
// calls ctx.setState(path, 'running_mean' | 'running_var', value) with
// running = (1 − m)·running + m·batch (unbiased batch variance; biased when
// only one entry), starting from ctx.state's value, so a layer applied to two
// batches in one step (ADD's heads on real and augmented rows) updates twice
// in a row, as PyTorch does; in evaluation it reads the running statistics through
// ctx.param. The new state tensors are untaped, created in the caller's
// scope: the executor keeps them (tf.keep) and commits them after the step.
//
// Assumes: parameters have the shapes compiler/ops/nn.ts's `params` declare.
// Guarantees: results in the node type's layout (float32); no tensor kept
// between calls (the positional table is cached as a Float32Array).

import * as tf from '@tensorflow/tfjs';
import { alignPlan, permutePlan } from './align.js';
import {
  attrNumber,
  attrString,
  axisNames,
  detached,
  inputIndex,
  inputType,
  oneHot,
  prod,
  select,
  shapeFail,
  toDtype,
  type OpNotes,
} from './common.js';
import { seededRng } from './init.js';
import type { KernelBuilder, KernelTable, NodeInfo, RunContext } from './kernel.js';
import { dense as denseOp, matMul } from './matmul.js';
import { gruStack, lstmStack, type RnnOutputs, type RnnWeights } from './rnn.js';

function pathOf(node: NodeInfo): string {
  return attrString(node.attrs['path'], '');
}

function featureName(xn: string[], node: NodeInfo): string {
  return attrString(node.attrs['over'], xn[xn.length - 1]!);
}

const dense: KernelBuilder = (node) => {
  const xn = axisNames(inputType(node, 'x'));
  const f = featureName(xn, node);
  const fpos = xn.indexOf(f);
  const out = axisNames(node.type);
  const rest = xn.filter((n) => n !== f);
  const toLast = permutePlan(xn, [...rest, f]);
  const post = permutePlan([...rest, out[fpos]!], out);
  const path = pathOf(node);
  const bias = node.attrs['bias'] !== false;
  const ix = inputIndex(node, 'x');
  return (ins, ctx) => {
    const x = toLast(toDtype(ins[ix]!, 'float32'));
    const lead = x.shape.slice(0, -1);
    const w = ctx.param(path, 'weight');
    const y = denseOp(tf.reshape(x, [prod(lead), x.shape[x.shape.length - 1]!]), w, bias ? ctx.param(path, 'bias') : undefined);
    return post(tf.reshape(y, [...lead, w.shape[1]!]));
  };
};

const RNN_OUTPUT: Record<string, RnnOutputs> = { seq: 'sequence', final: 'states', last: 'last' };

function rnn(kind: 'gru' | 'lstm'): KernelBuilder {
  return (node) => {
    const xn = axisNames(inputType(node, 'x'));
    const time = attrString(node.attrs['over'], 'T');
    const f = xn[xn.length - 1]!;
    const batch = xn.filter((n) => n !== time && n !== f);
    const to = attrString(node.attrs['to'], f);
    const output = attrString(node.attrs['output'], 'seq');
    const L = attrString(node.attrs['layer_axis'], 'L');
    const out = axisNames(node.type);
    const layout = output === 'seq' ? [...batch, time, to] : output === 'final' ? [L, ...batch, to] : [...batch, to];
    const post = permutePlan(layout, out);
    const toBTF = permutePlan(xn, [...batch, time, f]);
    const layers = attrNumber(node.attrs['layers'], 1);
    const dropout = attrNumber(node.attrs['dropout'], 0);
    const outputs = RNN_OUTPUT[output]!;
    const path = pathOf(node);
    const names: string[] = [];
    for (let l = 0; l < layers; l++) names.push(`weight_ih_l${l}`, `weight_hh_l${l}`, `bias_ih_l${l}`, `bias_hh_l${l}`);
    const stack = kind === 'gru' ? gruStack : lstmStack;
    const ix = inputIndex(node, 'x');
    return (ins, ctx) => {
      const x = toBTF(toDtype(ins[ix]!, 'float32'));
      const nb = batch.length;
      const bs = x.shape.slice(0, nb);
      const [T, F] = [x.shape[nb]!, x.shape[nb + 1]!];
      const weights: RnnWeights = {};
      for (const n of names) weights[n] = ctx.param(path, n);
      const hidden = weights['weight_hh_l0']!.shape[1]!;
      const active = ctx.training && dropout > 0 && layers > 1;
      const r = stack(tf.reshape(x, [prod(bs), T, F]) as tf.Tensor3D, weights, {
        layers,
        hidden,
        dropout,
        training: ctx.training,
        outputs,
        ...(active ? { seed: ctx.seed() } : {}),
      });
      if (output === 'seq') return post(tf.reshape(r.sequence!, [...bs, T, hidden]));
      if (output === 'final') return post(tf.reshape(r.states!, [layers, ...bs, hidden]));
      return post(tf.reshape(r.last!, [...bs, hidden]));
    };
  };
}

const layerNorm: KernelBuilder = (node) => {
  const xn = axisNames(inputType(node, 'x'));
  const f = featureName(xn, node);
  const fpos = xn.indexOf(f);
  const vec = alignPlan([f], xn);
  const eps = attrNumber(node.attrs['eps'], 1e-5);
  const path = pathOf(node);
  const ix = inputIndex(node, 'x');
  return (ins, ctx) => {
    const x = toDtype(ins[ix]!, 'float32');
    const d = tf.sub(x, tf.mean(x, fpos, true));
    const y = tf.mul(d, tf.rsqrt(tf.add(tf.mean(tf.square(d), fpos, true), eps)));
    return tf.add(tf.mul(y, vec(ctx.param(path, 'weight'))), vec(ctx.param(path, 'bias')));
  };
};

const batchNorm: KernelBuilder = (node) => {
  const xn = axisNames(inputType(node, 'x'));
  const f = featureName(xn, node);
  const fpos = xn.indexOf(f);
  const axes = xn.map((_, i) => i).filter((i) => i !== fpos);
  const vec = alignPlan([f], xn);
  const eps = attrNumber(node.attrs['eps'], 1e-5);
  const momentum = attrNumber(node.attrs['momentum'], 0.1);
  const path = pathOf(node);
  const ix = inputIndex(node, 'x');
  return (ins, ctx) => {
    const x = toDtype(ins[ix]!, 'float32');
    const w = vec(ctx.param(path, 'weight'));
    const b = vec(ctx.param(path, 'bias'));
    if (!ctx.training) {
      const rm = vec(ctx.param(path, 'running_mean'));
      const rv = vec(ctx.param(path, 'running_var'));
      return tf.add(tf.mul(tf.mul(tf.sub(x, rm), tf.rsqrt(tf.add(rv, eps))), w), b);
    }
    const mean = tf.mean(x, axes, true);
    const d = tf.sub(x, mean);
    const v = tf.mean(tf.square(d), axes, true);
    const count = prod(axes.map((a) => x.shape[a]!));
    const unbias = count > 1 ? count / (count - 1) : 1;
    const blend = (batchStat: tf.Tensor, name: string, scale: number): tf.Tensor =>
      detached((s, r) => tf.add(tf.mul(r, 1 - momentum), tf.mul(tf.reshape(s, r.shape), momentum * scale)), batchStat, ctx.state(path, name));
    ctx.setState(path, 'running_mean', blend(mean, 'running_mean', 1));
    ctx.setState(path, 'running_var', blend(v, 'running_var', unbias));
    return tf.add(tf.mul(tf.mul(d, tf.rsqrt(tf.add(v, eps))), w), b);
  };
};

const conv1d: KernelBuilder = (node) => {
  const xn = axisNames(inputType(node, 'x'));
  const time = attrString(node.attrs['over'], 'T');
  const f = xn[xn.length - 1]!;
  const batch = xn.filter((n) => n !== time && n !== f);
  const out = axisNames(node.type);
  const toBTC = permutePlan(xn, [...batch, time, f]);
  const post = permutePlan([...batch, time, out[xn.length - 1]!], out);
  const k = attrNumber(node.attrs['kernel'], 1);
  const padding = attrString(node.attrs['padding'], 'same');
  const left = padding === 'causal' ? k - 1 : padding === 'same' ? Math.floor((k - 1) / 2) : 0;
  const right = padding === 'same' ? k - 1 - left : 0;
  const path = pathOf(node);
  const ix = inputIndex(node, 'x');
  return (ins, ctx) => {
    const x = toBTC(toDtype(ins[ix]!, 'float32'));
    const nb = batch.length;
    const bs = x.shape.slice(0, nb);
    const [T, cin] = [x.shape[nb]!, x.shape[nb + 1]!];
    const B = prod(bs);
    const tOut = T + left + right - k + 1;
    if (tOut < 1) shapeFail('conv1d', `axis ${time} has ${T} entries, fewer than the kernel's ${k}`);
    const x3 = tf.reshape(x, [B, T, cin]);
    const xp = left + right > 0 ? tf.pad(x3, [[0, 0], [left, right], [0, 0]]) : x3;
    const cols = k === 1 ? xp : tf.concat(Array.from({ length: k }, (_, j) => tf.slice(xp, [0, j, 0], [B, tOut, cin])), 2);
    const w = ctx.param(path, 'weight');
    const c = w.shape[2]!;
    const y = denseOp(tf.reshape(cols, [B * tOut, k * cin]), tf.reshape(w, [k * cin, c]), ctx.param(path, 'bias'));
    return post(tf.reshape(y, [...bs, tOut, c]));
  };
};

const embedding: KernelBuilder = (node) => {
  const ix = inputIndex(node, 'ids');
  const path = pathOf(node);
  return (ins, ctx) => {
    const ids = ins[ix]!;
    const w = ctx.param(path, 'weight');
    const [V, D] = [w.shape[0]!, w.shape[1]!];
    const flat = tf.reshape(ids.dtype === 'bool' ? tf.cast(ids, 'int32') : ids, [-1]);
    const valid = detached((v) => {
      const inRange = tf.logicalAnd(tf.greaterEqual(v, 0), tf.less(v, V));
      return v.dtype === 'float32' ? tf.logicalAnd(inRange, tf.equal(v, tf.floor(v))) : inRange;
    }, flat);
    const safe = detached((v, k) => tf.cast(select(k, v, 0), 'int32'), flat, valid);
    const rows = tf.getBackend() === 'wasm' ? matMul(oneHot(safe, V), w) : tf.gather(w, safe);
    const kept = tf.mul(rows, tf.reshape(tf.cast(valid, 'float32'), [-1, 1]));
    return tf.reshape(kept, [...ids.shape, D]);
  };
};

/** Inverted-dropout multipliers: 0 with probability p, else 1/(1 − p); one rng draw per entry. */
export function dropoutMask(n: number, p: number, seed: number): Float32Array {
  const rng = seededRng(seed);
  const keep = Math.fround(1 / (1 - p));
  const m = new Float32Array(n);
  for (let i = 0; i < n; i++) m[i] = rng() < p ? 0 : keep;
  return m;
}

const dropout: KernelBuilder = (node) => {
  const p = attrNumber(node.attrs['p'], 0);
  const ix = inputIndex(node, 'x');
  return (ins, ctx: RunContext) => {
    const x = toDtype(ins[ix]!, 'float32');
    if (!ctx.training || p <= 0) return x === ins[ix] ? x.clone() : x;
    return tf.mul(x, tf.tensor(dropoutMask(x.size, p, ctx.seed()), x.shape, 'float32'));
  };
};

/** PE[t, 2i] = sin(t / 10000^(2i/D)), PE[t, 2i+1] = cos(t / 10000^(2i/D)) (PyTorch's formula; odd D allowed). */
export function positionTable(T: number, D: number): Float32Array {
  const pe = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let j = 0; j < D; j++) {
      const i2 = j - (j % 2);
      const angle = t * Math.exp(-(i2 * Math.log(10000)) / D);
      pe[t * D + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return pe;
}

const positionalEncoding: KernelBuilder = (node) => {
  const xn = axisNames(inputType(node, 'x'));
  const time = attrString(node.attrs['over'], 'T');
  const f = xn[xn.length - 1]!;
  if (f === time) shapeFail('positional_encoding', `the time axis ${time} is the last axis; a feature axis must follow it`);
  const plan = alignPlan([time, f], xn);
  const tpos = xn.indexOf(time);
  const ix = inputIndex(node, 'x');
  let cache: { key: string; table: Float32Array } | null = null;
  return (ins) => {
    const x = toDtype(ins[ix]!, 'float32');
    const [T, D] = [x.shape[tpos]!, x.shape[xn.length - 1]!];
    const key = `${T}x${D}`;
    if (cache?.key !== key) cache = { key, table: positionTable(T, D) };
    return tf.add(x, plan(tf.tensor(cache.table, [T, D], 'float32')));
  };
};

export const nnKernels: KernelTable = {
  dense,
  gru: rnn('gru'),
  lstm: rnn('lstm'),
  layer_norm: layerNorm,
  batch_norm: batchNorm,
  conv1d,
  embedding,
  dropout,
  positional_encoding: positionalEncoding,
};

export const nnNotes: OpNotes = {
  dense: { grad: 'autodiff through untransposed 2-D matMuls', nan: 'NaN propagates along its row', note: 'weight [in, out], bias [out]' },
  gru: {
    grad: "rnn.ts's hand-written BPTT",
    nan: 'NaN propagates through the sequence',
    note: 'PyTorch gates and parameter names; inter-layer dropout in training draws ctx.seed()',
  },
  lstm: {
    grad: "rnn.ts's hand-written BPTT",
    nan: 'NaN propagates through the sequence',
    note: 'PyTorch gates and parameter names; final = last hidden state of every layer',
  },
  layer_norm: { grad: 'autodiff', nan: 'NaN spreads over its feature vector', note: 'biased variance, eps inside the square root (PyTorch)' },
  batch_norm: {
    grad: 'autodiff through the batch statistics (training); running statistics are constants',
    nan: 'NaN in a training batch spreads to its feature and to the running statistics',
    note: 'training: batch statistics over every axis but the feature axis, ctx.setState updates with momentum (PyTorch convention, unbiased variance); evaluation: running statistics',
  },
  conv1d: {
    grad: 'autodiff of pad, slices, concat and one matMul',
    nan: 'NaN spreads to the outputs whose window covers it',
    note: "weight [kernel, in, out]; padding same (PyTorch's left = ⌊(k−1)/2⌋), causal (k−1 on the left) or valid",
  },
  embedding: { grad: 'rows of the table that were looked up (wasm: through a one-hot matMul)', nan: 'NaN, negative, non-integer or out-of-range ids give a zero vector' },
  dropout: { grad: 'the same mask', nan: 'NaN stays NaN, also where dropped (NaN·0, as in PyTorch)', note: 'the mask comes from ctx.seed() (seeded JS, the same on every backend)' },
  positional_encoding: { grad: 'identity', nan: 'NaN propagates', note: 'sinusoidal table over (time, last axis), PyTorch formula' },
};
