// The gru_decode kernel: an autoregressive multi-layer GRU decoder with output
// feedback (ADD's reconstruction decoder; compiler/ops/nn.ts has the signature).
//
// What: h0 [L, rows, D] holds each layer's initial state. y₀ = 0; for
// t = 1..steps, layer 0 reads y_{t−1}, layer l > 0 reads layer l−1's new
// state, each updates h_l with PyTorch's GRU cell (gates r, z, n;
// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h),
// and y_t = out_weight · h_{L−1} + out_bias. The result is [y_1 … y_steps].
// Parameters: nn.GRU's names and layouts (weight_ih_l{k} [3D, in_k] with
// in_0 = out, weight_hh_l{k} [3D, D], bias_ih_l{k}, bias_hh_l{k} [3D]) and
// the readout out_weight [out, D] (nn.Linear's layout), out_bias [out].
//
// How: one op on the tape (tf.customGrad) whose forward and backward are
// plain tfjs ops, so it runs on every backend. tfjs's autodiff of the
// unrolled loop was measured first and dropped: it keeps every intermediate
// and every edge's gradient until the backward ends (3.7 GiB of tensors at
// rows 1000, D 128, L 2, 60 steps; the wasm heap stops at 4 GiB) and took
// 7.0 s per forward + backward there against 2.9 s now (wasm; machine load 6
// and 5.5 on 2 shared cores). The input of each step is the previous output, so nothing
// can be batched over time: per layer and step the forward makes six 2-D
// matMuls [rows, in]·[in, D], one per gate block (weights transposed once per
// call: XNNPACK's fast path on wasm wants untransposed operands; one block
// per matMul avoids slicing [rows, 3D] results, ~2 ms each on wasm), and
// layer 0 skips its input matMuls at the first step (y₀ = 0). The backward
// (decodeBackward) is BPTT with one tidy per step; weight gradients
// accumulate per step, so its memory does not grow with `steps`.
// Memory: the backward needs each step's states. With `saveGates` it also
// keeps r, z, n and W_hn·h + b_hn (5 [rows, D] tensors per layer and step);
// without, it keeps only h and recomputes the gates step by step (one more
// forward's matMuls: +30–55 % time). The default saves gates while they take
// at most 512 MiB (20·rows·D·L·steps bytes: at D 128, L 2, 60 steps rows 1000
// saves, rows 5000 recomputes and keeps 300 MiB instead of 1.5 GiB, doubled
// on wasm while tfjs copies what the tape saves).
// Measured (bench/gru-decode.ts, wasm, load ~3 on 2 shared cores, D 128, L 2,
// 60 steps, F 6): rows 1000: forward 0.8 s, forward + backward 2.8–2.9 s
// (gates saved; 3.7–4.5 s recomputed); rows 5000: 4.3 s and 19 s, 640 MiB
// peak of tensors.
//
// Assumes: parameters have the shapes compiler/ops/nn.ts declares (checked
// per call, Q6010 otherwise); called inside the executor's tidy or tape.
// Guarantees: results in the node type's layout (float32); gradients for h0
// and every parameter; no tensor kept between calls (the backward's state is
// released step by step, what the tape saved when the backward ends); no
// data is read back to JS.

import * as tf from '@tensorflow/tfjs';
import { permutePlan } from './align.js';
import { attrNumber, attrString, axisNames, customOp, inputIndex, inputType, internal, prod, shapeFail, toDtype, type OpNotes } from './common.js';
import type { KernelBuilder, KernelTable } from './kernel.js';
import { fastTanh } from './matmul.js';

/** The decoder's parameters by PyTorch name (tensors, usually tf.Variables). */
export type DecodeWeights = Record<string, tf.Tensor>;

export interface DecodeOptions {
  steps: number;
  out: number;
  /** Keep every step's gates for the backward (default: while they take ≤ 512 MiB). */
  saveGates?: boolean;
}

/** Parameter names of an L-layer decoder, in a fixed order. */
export function decodeParamNames(layers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) out.push(`weight_ih_l${l}`, `weight_hh_l${l}`, `bias_ih_l${l}`, `bias_hh_l${l}`);
  out.push('out_weight', 'out_bias');
  return out;
}

/** Each parameter's shape for hidden size D and outputs of size F. */
function paramShape(name: string, D: number, F: number): number[] {
  if (name === 'out_weight') return [F, D];
  if (name === 'out_bias') return [F];
  if (name.startsWith('bias')) return [3 * D];
  if (name.startsWith('weight_hh')) return [3 * D, D];
  return [3 * D, name === 'weight_ih_l0' ? F : D];
}

function expectShape(w: DecodeWeights, name: string, shape: number[]): tf.Tensor {
  const t = w[name];
  if (t === undefined) return shapeFail('gru_decode', `parameter ${name} is missing`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    shapeFail('gru_decode', `parameter ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return t;
}

/** Per layer: the gate blocks (r, z, n) of weight_ih [D, in] and weight_hh [D, D], and of both biases [D]. */
interface Blocks {
  wi: tf.Tensor[];
  wh: tf.Tensor[];
  bi: tf.Tensor[];
  bh: tf.Tensor[];
}

function blocks(ws: tf.Tensor[], L: number): Blocks[] {
  return Array.from({ length: L }, (_, l) => {
    const [wih, whh, bih, bhh] = ws.slice(4 * l, 4 * l + 4) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return { wi: tf.split(wih, 3, 0), wh: tf.split(whh, 3, 0), bi: tf.split(bih, 3), bh: tf.split(bhh, 3) };
  });
}

/** What the forward's cell needs per layer: transposed blocks and folded biases. */
type Cell = {
  wiT: tf.Tensor[];
  whT: tf.Tensor[];
  br: tf.Tensor;
  bz: tf.Tensor;
  bin: tf.Tensor;
  bhn: tf.Tensor;
};

function cells(bl: Blocks[]): Cell[] {
  return bl.map((b) => ({
    wiT: b.wi.map((m) => tf.transpose(m)),
    whT: b.wh.map((m) => tf.transpose(m)),
    br: tf.add(b.bi[0]!, b.bh[0]!),
    bz: tf.add(b.bi[1]!, b.bh[1]!),
    bin: b.bi[2]!,
    bhn: b.bh[2]!,
  }));
}

function cellTensors(cs: Cell[]): tf.Tensor[] {
  return cs.flatMap((c) => [...c.wiT, ...c.whT, c.br, c.bz, c.bin, c.bhn]);
}

/** One GRU cell: [h', r, z, n, ghn]; x null means a zero input. */
function gruCell(c: Cell, x: tf.Tensor | null, hp: tf.Tensor, tanh: (t: tf.Tensor) => tf.Tensor): tf.Tensor[] {
  const pre = (k: number, b: tf.Tensor): tf.Tensor =>
    tf.add(x === null ? tf.matMul(hp, c.whT[k]!) : tf.add(tf.matMul(x, c.wiT[k]!), tf.matMul(hp, c.whT[k]!)), b);
  const r = tf.sigmoid(pre(0, c.br));
  const z = tf.sigmoid(pre(1, c.bz));
  const ghn = tf.add(tf.matMul(hp, c.whT[2]!), c.bhn);
  const ain = x === null ? c.bin : tf.add(tf.matMul(x, c.wiT[2]!), c.bin);
  const n = tanh(tf.add(ain, tf.mul(r, ghn)));
  return [tf.add(n, tf.mul(z, tf.sub(hp, n))), r, z, n, ghn];
}

const tanhFor = (): ((t: tf.Tensor) => tf.Tensor) => (tf.getBackend() === 'wasm' ? fastTanh : tf.tanh);

/** Saved gate tensors fit this many bytes before the default switches to recomputing them. */
const SAVE_GATES_BYTES = 512 * 2 ** 20;

interface Dims {
  L: number;
  B: number;
  D: number;
  F: number;
  S: number;
  /** tensors kept per step: y, then per layer h (and r, z, n, ghn with saveGates) */
  stride: number;
  perLayer: number;
  saveGates: boolean;
}

/**
 * Decode `steps` outputs of size `out` from h0 [L, rows, D]: returns
 * [rows, steps, out], one op on the tape whose gradient (in h0 and every
 * weight, named as decodeParamNames) is decodeBackward's BPTT.
 */
export function gruDecode(h0: tf.Tensor, w: DecodeWeights, o: DecodeOptions): tf.Tensor {
  if (h0.rank !== 3) shapeFail('gru_decode', `h0 must be [layers, rows, hidden], got rank ${h0.rank}`);
  const [L, B, D] = h0.shape as [number, number, number];
  const { steps: S, out: F } = o;
  const weights = decodeParamNames(L).map((n) => expectShape(w, n, paramShape(n, D, F)));
  if (B === 0) {
    // no rows: XNNPACK refuses matMuls with an empty dimension (wasm), and every gradient is zero
    const shapes = [h0, ...weights].map((t) => t.shape);
    return customOp([h0, ...weights], () => ({ value: tf.zeros([0, S, F]), gradFunc: () => shapes.map((sh) => tf.zeros(sh)) }));
  }
  const saveGates = o.saveGates ?? 5 * 4 * B * D * L * S <= SAVE_GATES_BYTES;
  const perLayer = saveGates ? 5 : 1;
  const dims: Dims = { L, B, D, F, S, stride: 1 + perLayer * L, perLayer, saveGates };
  return customOp([h0, ...weights], ([h0in, ...ws], save) => {
    const tanh = tanhFor();
    const cs = tf.tidy(() => cells(blocks(ws, L)));
    const woutT = tf.transpose(ws[4 * L]!);
    const bout = ws[4 * L + 1]!;
    const h0s = tf.unstack(h0in!, 0);
    const hs = [...h0s];
    const kept: tf.Tensor[] = [];
    let y: tf.Tensor | null = null; // y₀ = 0
    for (let s = 0; s < S; s++) {
      const step = tf.tidy(() => {
        const out: tf.Tensor[] = [];
        let x = y;
        for (let l = 0; l < L; l++) {
          const g = gruCell(cs[l]!, x, hs[l]!, tanh);
          out.push(...g.slice(0, perLayer));
          x = g[0]!;
        }
        return [tf.add(tf.matMul(x!, woutT), bout), ...out];
      });
      y = step[0]!;
      for (let l = 0; l < L; l++) hs[l] = step[1 + perLayer * l]!;
      kept.push(...step);
    }
    const ys = kept.filter((_, i) => i % dims.stride === 0);
    const value = S === 1 ? tf.expandDims(ys[0]!, 1) : tf.stack(ys, 1);
    save([h0in!, ...ws, ...kept]); // copies on wasm, kept only while a tape records
    tf.dispose([...kept, ...h0s, woutT, ...cellTensors(cs)]);
    return { value, gradFunc: (dy, saved) => decodeBackward(dy, saved, dims) };
  });
}

type Acc = tf.Tensor | null;

/** dst + v, where null is zero. */
function acc(dst: Acc, v: tf.Tensor): tf.Tensor {
  return dst === null ? v : tf.add(dst, v);
}

interface BackState {
  /** ∂ of each layer's state from the steps after */
  dh: Acc[];
  /** ∂ of this step's output through its use as the next step's input */
  dyFeed: Acc;
  /** transposed states of the step being processed (the previous step's h_prev) */
  carryT: tf.Tensor[];
  dWiT: Acc[][];
  dWhT: Acc[][];
  /** per layer: Σ dr, Σ dz, Σ dn, Σ dn·r over steps (rows summed at the end) */
  sums: Acc[][];
  dWoutT: Acc;
  sumGy: Acc;
}

function stateTensors(x: BackState): tf.Tensor[] {
  return [...x.dh, x.dyFeed, ...x.carryT, ...x.dWiT.flat(), ...x.dWhT.flat(), ...x.sums.flat(), x.dWoutT, x.sumGy].filter((t): t is tf.Tensor => t !== null);
}

/**
 * BPTT through steps and layers, including the feedback y_{t−1} → layer 0.
 * Per step (one tidy): g = ∂h from the next step plus ∂h from above (the
 * readout for the top layer, the input gradient of layer l+1 otherwise);
 * dn = g(1−z)(1−n²), dz = g(h_prev − n)z(1−z), dr = dn·ghn·r(1−r);
 * ∂h_prev = dr·W_hr + dz·W_hz + (dn·r)·W_hn + g·z; ∂x = dr·W_ir + dz·W_iz
 * + dn·W_in, which for layer 0 is ∂y_{t−1}. Weight gradients accumulate per
 * step as x^T·d (the transposes are carried over: a layer's input and the top
 * state at step t are the h_prev of step t+1), bias gradients as row sums of
 * the accumulated d's at the end. Without saved gates, each step first
 * recomputes its cells from the saved states.
 */
function decodeBackward(dy: tf.Tensor, saved: tf.Tensor[], c: Dims): tf.Tensor[] {
  const { L, B, D, F, S, stride, perLayer } = c;
  const nw = 4 * L + 2;
  const h0 = saved[0]!;
  const ws = saved.slice(1, 1 + nw);
  const kept = saved.slice(1 + nw);
  const yAt = (s: number): tf.Tensor => kept[s * stride]!;
  const hAt = (l: number, s: number, h0s: tf.Tensor[]): tf.Tensor => (s < 0 ? h0s[l]! : kept[s * stride + 1 + perLayer * l]!);
  return tf.tidy(() => {
    const bl = blocks(ws, L);
    const cs = c.saveGates ? null : cells(bl);
    const tanh = tanhFor();
    const wout = ws[4 * L]!;
    const h0s = tf.unstack(h0, 0);
    const dys = tf.unstack(tf.transpose(dy, [1, 0, 2]), 0);
    /** [r, z, n, ghn] of layer l at step s: saved, or recomputed from its input and previous state */
    const gatesAt = (l: number, s: number): tf.Tensor[] => {
      if (cs === null) return [1, 2, 3, 4].map((k) => kept[s * stride + 1 + perLayer * l + k]!);
      const x = l > 0 ? hAt(l - 1, s, h0s) : s > 0 ? yAt(s - 1) : null;
      return gruCell(cs[l]!, x, hAt(l, s - 1, h0s), tanh).slice(1);
    };
    let st: BackState = {
      dh: new Array<Acc>(L).fill(null),
      dyFeed: null,
      carryT: Array.from({ length: L }, (_, l) => tf.transpose(hAt(l, S - 1, h0s))),
      dWiT: Array.from({ length: L }, () => [null, null, null]),
      dWhT: Array.from({ length: L }, () => [null, null, null]),
      sums: Array.from({ length: L }, () => [null, null, null, null]),
      dWoutT: null,
      sumGy: null,
    };
    for (let s = S - 1; s >= 0; s--) {
      const prev = st;
      const next = tf.tidy(() => {
        const nx: BackState = {
          dh: [...prev.dh],
          dyFeed: null,
          carryT: [...prev.carryT],
          dWiT: prev.dWiT.map((a) => [...a]),
          dWhT: prev.dWhT.map((a) => [...a]),
          sums: prev.sums.map((a) => [...a]),
          dWoutT: null,
          sumGy: null,
        };
        const gy = prev.dyFeed === null ? dys[s]! : tf.add(dys[s]!, prev.dyFeed);
        nx.dWoutT = acc(prev.dWoutT, tf.matMul(prev.carryT[L - 1]!, gy));
        nx.sumGy = acc(prev.sumGy, gy);
        let dIn: tf.Tensor | null = tf.matMul(gy, wout);
        for (let l = L - 1; l >= 0; l--) {
          const b = bl[l]!;
          const g: tf.Tensor = prev.dh[l] === null ? dIn! : tf.add(prev.dh[l]!, dIn!);
          const hp = hAt(l, s - 1, h0s);
          const [r, z, n, ghn] = gatesAt(l, s) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          const omz = tf.sub(1, z);
          const dn = tf.mul(tf.mul(g, omz), tf.sub(1, tf.square(n)));
          const dz = tf.mul(tf.mul(g, tf.sub(hp, n)), tf.mul(z, omz));
          const dr = tf.mul(tf.mul(dn, ghn), tf.mul(r, tf.sub(1, r)));
          const dnr = tf.mul(dn, r);
          nx.dh[l] = tf.add(tf.add(tf.add(tf.matMul(dr, b.wh[0]!), tf.matMul(dz, b.wh[1]!)), tf.matMul(dnr, b.wh[2]!)), tf.mul(g, z));
          const hpT = tf.transpose(hp);
          nx.carryT[l] = hpT;
          [dr, dz, dnr].forEach((d, k) => (nx.dWhT[l]![k] = acc(prev.dWhT[l]![k]!, tf.matMul(hpT, d))));
          [dr, dz, dn, dnr].forEach((d, k) => (nx.sums[l]![k] = acc(prev.sums[l]![k]!, d)));
          // the layer's input: layer l−1's new state, or y_{s−1} (zero at the first step) for layer 0
          const xT = l > 0 ? prev.carryT[l - 1]! : s > 0 ? tf.transpose(yAt(s - 1)) : null;
          if (xT === null) {
            dIn = null;
            continue;
          }
          [dr, dz, dn].forEach((d, k) => (nx.dWiT[l]![k] = acc(prev.dWiT[l]![k]!, tf.matMul(xT, d))));
          dIn = tf.add(tf.add(tf.matMul(dr, b.wi[0]!), tf.matMul(dz, b.wi[1]!)), tf.matMul(dn, b.wi[2]!));
        }
        nx.dyFeed = dIn;
        return nx as unknown as tf.TensorContainer;
      }) as unknown as BackState;
      const live = new Set(stateTensors(next));
      tf.dispose(stateTensors(prev).filter((t) => !live.has(t)));
      st = next;
    }
    const rowSum = (t: Acc): tf.Tensor => (t === null ? tf.zeros([D]) : tf.sum(t, 0));
    const gateGrads = (parts: Acc[], inSize: number): tf.Tensor => tf.concat(parts.map((p) => (p === null ? tf.zeros([D, inSize]) : tf.transpose(p))), 0);
    const grads: tf.Tensor[] = [tf.stack(st.dh.map((d) => d ?? tf.zeros([B, D])), 0)];
    for (let l = 0; l < L; l++) {
      const [sr, sz, sn, snr] = st.sums[l]!.map(rowSum) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      grads.push(gateGrads(st.dWiT[l]!, l === 0 ? F : D), gateGrads(st.dWhT[l]!, D), tf.concat([sr, sz, sn]), tf.concat([sr, sz, snr]));
    }
    grads.push(st.dWoutT === null ? tf.zeros([F, D]) : tf.transpose(st.dWoutT), st.sumGy === null ? tf.zeros([F]) : tf.sum(st.sumGy, 0));
    return grads;
  });
}

const gruDecodeKernel: KernelBuilder = (node) => {
  const ht = inputType(node, 'h0');
  const hn = axisNames(ht);
  const L = attrString(node.attrs['layer_axis'], 'L');
  const d = attrString(node.attrs['over'], hn[hn.length - 1]!);
  const time = attrString(node.attrs['time'], 'T');
  const to = attrString(node.attrs['to'], 'F');
  const batch = hn.filter((n) => n !== L && n !== d);
  const toLBD = permutePlan(hn, [L, ...batch, d]);
  const post = permutePlan([...batch, time, to], axisNames(node.type));
  const steps = attrNumber(node.attrs['steps'], NaN);
  const out = attrNumber(node.attrs['out'], NaN);
  const lSize = ht.axes.find((a) => a.name === L)?.size;
  // a symbolic layer axis is sized by the `layers` argument (the shape rule unified them)
  const layers = typeof lSize === 'number' ? lSize : node.attrs['layers'];
  if (!(Number.isInteger(steps) && steps >= 1)) internal(`gru_decode: steps ${String(node.attrs['steps'])} is not a positive Int`);
  if (!(Number.isInteger(out) && out >= 1)) internal(`gru_decode: out ${String(node.attrs['out'])} is not a positive Int`);
  if (typeof layers !== 'number') internal(`gru_decode: the layer axis ${L} has no known size and no layers argument`);
  const names = decodeParamNames(layers);
  const path = attrString(node.attrs['path'], '');
  const ix = inputIndex(node, 'h0');
  return (ins, ctx) => {
    const h = toLBD(toDtype(ins[ix]!, 'float32'));
    const bs = h.shape.slice(1, 1 + batch.length);
    const D = h.shape[h.shape.length - 1]!;
    const w: DecodeWeights = {};
    for (const n of names) w[n] = ctx.param(path, n);
    const y = gruDecode(tf.reshape(h, [layers, prod(bs), D]), w, { steps, out });
    return post(tf.reshape(y, [...bs, steps, out]));
  };
};

export const decodeKernels: KernelTable = { gru_decode: gruDecodeKernel };

export const decodeNotes: OpNotes = {
  gru_decode: {
    grad: 'custom: BPTT through the steps and the output feedback, one tidy per step; the gates of every step are kept, or recomputed from the states when keeping them would take over 512 MiB',
    nan: 'NaN in a row of h0 spreads to every step of that row; NaN in a parameter to every output',
    note: "parameters as nn.GRU's (weight_ih_l{k} [3D, in], in = out for layer 0; weight_hh_l{k} [3D, D]; bias_ih_l{k}, bias_hh_l{k} [3D]) plus out_weight [out, D], out_bias [out]; the layer count is the size of the layer axis; no dropout",
  },
};
