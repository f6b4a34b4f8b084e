// GRU / LSTM stacks on tfjs-backend-wasm: direct XNNPACK calls on heap views.
//
// What: the forward and hand-written BPTT backward used by rnn.ts when the
// active backend is wasm. Instead of one TF.js op per elementwise step (each
// ~10 µs of engine overhead, and slice/concat copying whole inputs out of the
// wasm heap), it calls the backend's exported kernels (BatchMatMul, Add,
// Sigmoid, Transpose) directly on tensor ids registered over *views* of big
// time-major buffers, and does the remaining elementwise math in fused JS
// loops over the heap's Float32Array. Per layer and step: forward = 1 matMul
// [N, H+1]·[H+1, G·H] (bias folded in through a ones column), 1 add, 2
// sigmoids, 2 JS passes; backward = 1 JS pass + 1 matMul [N, G·H]·[G·H, H].
// Input projections for all steps, input gradients and weight gradients are
// one big matMul each per layer (K = T·N for the weight gradients, bias
// gradients come out of the same matMul through the ones column).
// tanh(a) = 2σ(2a) − 1 with the 2 folded into the weights (GRU n-gate, LSTM
// g-gate) and into the JS pass (LSTM tanh(c)): wasm's tanh is ~5–10× slower
// than its sigmoid.
//
// Assumes: tfjs-backend-wasm 4.22 internals: backend.wasm (cwrap, HEAPF32,
// _malloc/_free, tfjs.registerTensor/disposeData), backend.dataIdMap,
// backend.makeOutput; XNNPACK's operator cache is keyed by the B operand's
// tensor id, so a B operand is never mutated while registered. The heap may
// grow on any allocation, so every JS pass re-reads `wasm.HEAPF32`.
// Guarantees: every registered view id and raw allocation is released before
// return (try/finally); tensors handed back are ordinary engine tensors.
// Measured (2 vCPU, GRU N=300 T=60 F=6 2×64, training step 238–266 ms on an
// unloaded VM vs 1,570–1,690 ms for a hand-written cell under autodiff):
// recurrent matMuls 35 ms forward + 34 ms backward, weight gradients 60–80 ms,
// input projections/gradients 38 ms, transposes 14 ms, JS passes ~30 ms.
// Details and the torch comparison: docs/backends.md.

import * as tf from '@tensorflow/tfjs';
import type { LayerWeights, RnnConfig, RnnForwardResult } from './rnn.js';

type Fn = (...args: unknown[]) => void;

interface WasmModule {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  tfjs: { registerTensor(id: number, size: number, ptr: number): void; disposeData(id: number): void };
  cwrap(name: string, ret: null, args: string[]): Fn;
}

interface WasmBackend {
  wasm: WasmModule;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

interface Direct {
  be: WasmBackend;
  w: WasmModule;
  matMul: Fn;
  add: Fn;
  sigmoid: Fn;
  transpose: Fn;
}

let cached: Direct | null = null;

/** True when the active backend exposes the wasm internals this file uses. */
export function wasmFusedAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  const be = tf.backend() as unknown as Partial<WasmBackend>;
  return typeof be.wasm?.cwrap === 'function' && typeof be.makeOutput === 'function' && be.dataIdMap !== undefined;
}

function direct(): Direct {
  const be = tf.backend() as unknown as WasmBackend;
  if (cached !== null && cached.be === be) return cached;
  const w = be.wasm;
  const bin = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number'];
  cached = {
    be,
    w,
    matMul: w.cwrap('BatchMatMul', null, ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number']),
    add: w.cwrap('Add', null, bin),
    sigmoid: w.cwrap('Sigmoid', null, ['number', 'number']),
    transpose: w.cwrap('Transpose', null, ['number', 'array', 'number', 'number', 'number', 'array', 'number']),
  };
  return cached;
}

const shapeBytes = new Map<string, Uint8Array>();
function sb(shape: number[]): Uint8Array {
  const key = shape.join(',');
  let b = shapeBytes.get(key);
  if (b === undefined) {
    b = new Uint8Array(new Int32Array(shape).buffer);
    shapeBytes.set(key, b);
  }
  return b;
}

/** Allocations and view ids of one forward or backward call; `release` frees them all. */
interface Arena {
  d: Direct;
  /** Raw float buffer on the wasm heap; returns its float offset. */
  raw(size: number): number;
  /** Free a raw buffer before release (its view ids must be dropped or unused). */
  free(off: number): void;
  /** Float offset of an engine tensor's data. */
  off(t: tf.Tensor): number;
  /** A tensor id over `size` floats at float offset `off` (valid until release or drop). */
  id(off: number, size: number): number;
  /** Unregister a view id now (frees XNNPACK operators cached on it). */
  drop(id: number): void;
  /** A new engine tensor (uninitialised). */
  tensor(shape: number[]): tf.Tensor;
  heap(): Float32Array;
  release(): void;
}

function arena(): Arena {
  const d = direct();
  const ids: number[] = [];
  const ptrs: number[] = [];
  return {
    d,
    raw(size) {
      const p = d.w._malloc(Math.max(1, size) * 4) >>> 0;
      if (p === 0) throw new Error('wasm heap exhausted');
      ptrs.push(p);
      return p / 4;
    },
    free(off) {
      const k = ptrs.indexOf(off * 4);
      if (k >= 0) {
        d.w._free(ptrs[k]);
        ptrs.splice(k, 1);
      }
    },
    off(t) {
      const e = d.be.dataIdMap.get(t.dataId);
      if (e === undefined) throw new Error('tensor is not on the wasm backend');
      return e.memoryOffset / 4;
    },
    id(off, size) {
      const id = d.be.dataIdNextNumber++;
      d.w.tfjs.registerTensor(id, size, off * 4);
      ids.push(id);
      return id;
    },
    drop(id) {
      const k = ids.lastIndexOf(id);
      if (k >= 0) {
        ids.splice(k, 1);
        d.w.tfjs.disposeData(id);
      }
    },
    tensor(shape) {
      return tf.engine().makeTensorFromTensorInfo(d.be.makeOutput(shape, 'float32'));
    },
    heap() {
      return d.w.HEAPF32;
    },
    release() {
      for (const id of ids) d.w.tfjs.disposeData(id);
      for (const p of ptrs) d.w._free(p);
      ids.length = 0;
      ptrs.length = 0;
    },
  };
}

/** C[M, Nc] = A[M, K] · B[K, Nc] on XNNPACK (B's id must not be reused for other data). */
function mm(a: Arena, aId: number, bId: number, outId: number, m: number, k: number, nc: number): void {
  a.d.matMul(aId, sb([1, m, k]), 3, bId, sb([1, k, nc]), 3, 0, 0, outId);
}

/** out[c, r] = x[r, c] for a [rows, cols] block. */
function transpose(a: Arena, xId: number, outId: number, rows: number, cols: number): void {
  a.d.transpose(xId, sb([rows, cols]), 2, 0, outId, sb([1, 0]), 2);
}

/** Rows of the T·N axis per weight-gradient chunk (keeps the packed operand in cache). */
const CHUNK_ROWS = 3000;

/**
 * out[GH, cols] = DAᵀ · X over `rows` rows (DA [rows, GH], X [rows, cols]),
 * in chunks: transpose a chunk of DA, one XNNPACK matMul, accumulate.
 */
function weightGrad(a: Arena, daOff: number, xOff: number, out: number, rows: number, gh: number, cols: number): void {
  const chunk = Math.min(rows, CHUNK_ROWS);
  const daT = a.raw(chunk * gh);
  const tmp = a.raw(gh * cols);
  const outId = a.id(out, gh * cols), tmpId = a.id(tmp, gh * cols);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r = Math.min(chunk, rows - r0);
    const src = a.id(daOff + r0 * gh, r * gh), dst = a.id(daT, r * gh);
    transpose(a, src, dst, r, gh);
    const bId = a.id(xOff + r0 * cols, r * cols);
    mm(a, dst, bId, r0 === 0 ? outId : tmpId, gh, r, cols);
    a.drop(bId);
    a.drop(src);
    a.drop(dst);
    if (r0 > 0) a.d.add(outId, sb([gh * cols]), 1, tmpId, sb([gh * cols]), 1, 0, outId);
  }
  a.drop(outId);
  a.drop(tmpId);
  a.free(daT);
  a.free(tmp);
}

/**
 * Weight matrix with its bias as an extra row, transposed for `x·W`:
 * out[f, k] = s_k·w[k, f] (f < in), out[in, k] = s_k·b[k]; s_k = 2 on the
 * tanh gate block (GRU n, LSTM g) when `scaleTanh`, else 1.
 */
function packWeights(a: Arena, w: tf.Tensor, b: tf.Tensor, gh: number, inS: number, tanhBlock: number, h: number, scaleTanh: boolean): number {
  const out = a.raw((inS + 1) * gh);
  const F = a.heap();
  const wo = a.off(w), bo = a.off(b);
  for (let k = 0; k < gh; k++) {
    const s = scaleTanh && k >= tanhBlock * h && k < (tanhBlock + 1) * h ? 2 : 1;
    for (let f = 0; f < inS; f++) F[out + f * gh + k] = s * F[wo + k * inS + f];
    F[out + inS * gh + k] = s * F[bo + k];
  }
  return out;
}

/** Plain copy of an engine tensor into a fresh raw buffer (a private B operand). */
function copyRaw(a: Arena, t: tf.Tensor): number {
  const out = a.raw(t.size);
  const F = a.heap();
  const o = a.off(t);
  F.copyWithin(out, o, o + t.size);
  return out;
}

// Per-layer saved slots: xin, seq, P, aux1, aux2, mask, wih, whh.
const SLOTS = 8;

export function wasmForward(cfg: RnnConfig, x: tf.Tensor, lw: LayerWeights[]): RnnForwardResult {
  const a = arena();
  try {
    return forwardImpl(a, cfg, x, lw);
  } finally {
    a.release();
  }
}

function forwardImpl(a: Arena, cfg: RnnConfig, x: tf.Tensor, lw: LayerWeights[]): RnnForwardResult {
  const { n: N, t: T, hidden: H, layers: L, kind } = cfg;
  const G = kind === 'gru' ? 3 : 4;
  const GH = G * H, H1 = H + 1;
  const saved: tf.Tensor[] = [];
  const placeholder = tf.scalar(0);
  const seqs: tf.Tensor[] = [];
  for (let l = 0; l < L; l++) {
    const inS = l === 0 ? cfg.inputSize : H;
    const in1 = inS + 1;
    const mask = cfg.masks[l];
    // ── layer input, time-major [T, N, in+1] with a ones column ──
    let xin: tf.Tensor;
    let xinOff: number;
    let maskT: tf.Tensor = placeholder;
    if (l === 0) {
      xin = a.tensor([T, N, in1]);
      const xo = a.off(x);
      xinOff = a.off(xin);
      const F = a.heap();
      for (let s = 0; s < T; s++) {
        for (let b = 0; b < N; b++) {
          const dst = xinOff + (s * N + b) * in1, src = xo + (b * T + s) * inS;
          for (let f = 0; f < inS; f++) F[dst + f] = F[src + f];
          F[dst + inS] = 1;
        }
      }
    } else if (mask !== null) {
      xin = a.tensor([T, N, H1]);
      maskT = tf.tensor(mask, [T, N, H]);
      xinOff = a.off(xin);
      const po = a.off(seqs[l - 1]) + N * H1, mo = a.off(maskT);
      const F = a.heap();
      for (let r = 0; r < T * N; r++) {
        for (let j = 0; j < H; j++) F[xinOff + r * H1 + j] = F[po + r * H1 + j] * F[mo + r * H + j];
        F[xinOff + r * H1 + H] = 1;
      }
    } else {
      xin = seqs[l - 1];
      xinOff = a.off(xin) + N * H1;
    }
    const w = lw[l];
    const tanhBlock = 2; // GRU n and LSTM g are both gate block 2
    const wihT = packWeights(a, w.wih, w.bih, GH, inS, tanhBlock, H, true);
    const whhT = packWeights(a, w.whh, w.bhh, GH, H, tanhBlock, H, true);
    const wihTId = a.id(wihT, in1 * GH), whhTId = a.id(whhT, H1 * GH);
    // ── input projections of all steps at once ──
    const gi = a.raw(T * N * GH);
    mm(a, a.id(xinOff, T * N * in1), wihTId, a.id(gi, T * N * GH), T * N, in1, GH);
    // ── state buffers ──
    const seq = a.tensor([T + 1, N, H1]);
    const P = a.tensor([T, N, GH]);
    const aux1 = kind === 'gru' ? a.tensor([T, N, GH]) : a.tensor([T + 1, N, H]); // GRU: W_hh h + b; LSTM: c
    const aux2 = kind === 'gru' ? placeholder : a.tensor([T, N, H]); // LSTM: tanh(c)
    const a2 = a.raw(N * H);
    const ghTmp = kind === 'lstm' ? a.raw(N * GH) : 0;
    const a2Id = a.id(a2, N * H);
    const so = a.off(seq), po = a.off(P), x1o = a.off(aux1), x2o = kind === 'lstm' ? a.off(aux2) : 0;
    {
      const F = a.heap();
      F.fill(0, so, so + N * H1);
      for (let r = 0; r <= T * N + N - 1; r++) F[so + r * H1 + H] = 1;
      if (kind === 'lstm') F.fill(0, x1o, x1o + N * H);
    }
    for (let s = 0; s < T; s++) {
      const hPrev = so + s * N * H1, hNext = so + (s + 1) * N * H1;
      const ghOff = kind === 'gru' ? x1o + s * N * GH : ghTmp;
      const pOff = po + s * N * GH, giOff = gi + s * N * GH;
      mm(a, a.id(hPrev, N * H1), whhTId, a.id(ghOff, N * GH), N, H1, GH);
      const pId = a.id(pOff, N * GH);
      a.d.add(a.id(giOff, N * GH), sb([N * GH]), 1, a.id(ghOff, N * GH), sb([N * GH]), 1, 0, pId);
      a.d.sigmoid(pId, pId);
      if (kind === 'gru') {
        let F = a.heap();
        for (let i = 0; i < N; i++) {
          const rb = i * GH, ab = a2 + i * H;
          for (let j = 0; j < H; j++) F[ab + j] = F[giOff + rb + 2 * H + j] + F[pOff + rb + j] * F[ghOff + rb + 2 * H + j];
        }
        a.d.sigmoid(a2Id, a2Id);
        F = a.heap();
        for (let i = 0; i < N; i++) {
          const rb = pOff + i * GH, ab = a2 + i * H, hp = hPrev + i * H1, hn = hNext + i * H1;
          for (let j = 0; j < H; j++) {
            const nn = 2 * F[ab + j] - 1;
            F[rb + 2 * H + j] = nn;
            const hv = F[hp + j];
            F[hn + j] = nn + F[rb + H + j] * (hv - nn);
          }
        }
      } else {
        let F = a.heap();
        const cPrev = x1o + s * N * H, cNext = x1o + (s + 1) * N * H;
        for (let i = 0; i < N; i++) {
          const rb = pOff + i * GH, hb = i * H;
          for (let j = 0; j < H; j++) {
            const gg = 2 * F[rb + 2 * H + j] - 1;
            F[rb + 2 * H + j] = gg;
            const c = F[rb + H + j] * F[cPrev + hb + j] + F[rb + j] * gg;
            F[cNext + hb + j] = c;
            F[a2 + hb + j] = 2 * c;
          }
        }
        a.d.sigmoid(a2Id, a2Id);
        F = a.heap();
        const tco = x2o + s * N * H;
        for (let i = 0; i < N; i++) {
          const rb = pOff + i * GH, hb = i * H, hn = hNext + i * H1;
          for (let j = 0; j < H; j++) {
            const tc = 2 * F[a2 + hb + j] - 1;
            F[tco + hb + j] = tc;
            F[hn + j] = F[rb + 3 * H + j] * tc;
          }
        }
      }
    }
    seqs.push(seq);
    saved.push(xin, seq, P, aux1, aux2, maskT, w.wih, w.whh);
    a.drop(wihTId);
    a.drop(whhTId);
    for (const off of [gi, wihT, whhT, a2, ghTmp]) if (off !== 0) a.free(off);
  }
  // ── outputs ──
  const outputs: tf.Tensor[] = [];
  const top = seqs[L - 1];
  if (cfg.wantSequence) {
    const out = a.tensor([N, T, H]);
    const F = a.heap();
    const oo = a.off(out), to = a.off(top);
    for (let b = 0; b < N; b++) {
      for (let s = 0; s < T; s++) {
        const dst = oo + (b * T + s) * H, src = to + ((s + 1) * N + b) * H1;
        F.copyWithin(dst, src, src + H);
      }
    }
    outputs.push(out);
  }
  if (cfg.wantStates || cfg.wantLast) {
    const layersOut = cfg.wantStates ? L : 1;
    const out = a.tensor(cfg.wantStates ? [L, N, H] : [N, H]);
    const F = a.heap();
    const oo = a.off(out);
    for (let k = 0; k < layersOut; k++) {
      const src = a.off(seqs[cfg.wantStates ? k : L - 1]) + T * N * H1;
      for (let b = 0; b < N; b++) F.copyWithin(oo + (k * N + b) * H, src + b * H1, src + b * H1 + H);
    }
    outputs.push(out);
  }
  return { outputs, saved };
}

export function wasmBackward(
  cfg: RnnConfig,
  saved: tf.Tensor[],
  dSequence: tf.Tensor | null,
  dStates: tf.Tensor | null,
): { weightGrads: tf.Tensor[]; dx: () => tf.Tensor } {
  const a = arena();
  try {
    return backwardImpl(a, cfg, saved, dSequence, dStates);
  } finally {
    a.release();
  }
}

function backwardImpl(
  a: Arena,
  cfg: RnnConfig,
  saved: tf.Tensor[],
  dSequence: tf.Tensor | null,
  dStates: tf.Tensor | null,
): { weightGrads: tf.Tensor[]; dx: () => tf.Tensor } {
  const { n: N, t: T, hidden: H, layers: L, kind } = cfg;
  const G = kind === 'gru' ? 3 : 4;
  const GH = G * H, H1 = H + 1, TN = T * N;
  const grads: tf.Tensor[][] = [];
  // gradient w.r.t. this layer's output sequence: element (b, s, j) at dyOff + b·sB + s·sT + j
  let dyOff = dSequence ? a.off(dSequence) : -1;
  let sB = T * H, sT = H;
  const dsOff = dStates ? a.off(dStates) : -1;
  let dai0: tf.Tensor | null = null;
  const mmo = a.raw(N * H), carry = a.raw(N * H), dcarry = a.raw(N * H);
  const mmoId = a.id(mmo, N * H);
  for (let l = L - 1; l >= 0; l--) {
    const [xin, seq, P, aux1, aux2, maskT, wih, whh] = saved.slice(l * SLOTS, (l + 1) * SLOTS);
    const inS = l === 0 ? cfg.inputSize : H;
    const in1 = inS + 1;
    const xinOff = l > 0 && cfg.masks[l] === null ? a.off(xin) + N * H1 : a.off(xin);
    const whhB = copyRaw(a, whh);
    const whhBId = a.id(whhB, GH * H);
    // DAI: gradients w.r.t. the input-side pre-activations; DAH: hidden side (GRU n-gate differs)
    let daiOff: number;
    if (l === 0) {
      dai0 = a.tensor([TN, GH]);
      daiOff = a.off(dai0);
    } else daiOff = a.raw(TN * GH);
    const dahOff = kind === 'gru' ? a.raw(TN * GH) : daiOff;
    const so = a.off(seq), po = a.off(P), x1o = a.off(aux1), x2o = kind === 'lstm' ? a.off(aux2) : 0;
    {
      const F = a.heap();
      F.fill(0, mmo, mmo + N * H);
      F.fill(0, dcarry, dcarry + N * H);
      if (dsOff >= 0) F.copyWithin(carry, dsOff + l * N * H, dsOff + (l + 1) * N * H);
      else F.fill(0, carry, carry + N * H);
    }
    for (let s = T - 1; s >= 0; s--) {
      const F = a.heap();
      const pb = po + s * N * GH, db = s * N * GH;
      const hp = so + s * N * H1;
      for (let i = 0; i < N; i++) {
        const rb = i * GH, hb = i * H;
        const yb = dyOff >= 0 ? dyOff + i * sB + s * sT : -1;
        for (let j = 0; j < H; j++) {
          const g = (yb >= 0 ? F[yb + j] : 0) + F[mmo + hb + j] + F[carry + hb + j];
          if (kind === 'gru') {
            const r = F[pb + rb + j], z = F[pb + rb + H + j], nn = F[pb + rb + 2 * H + j];
            const ghn = 0.5 * F[x1o + s * N * GH + rb + 2 * H + j];
            const dan = g * (1 - z) * (1 - nn * nn);
            const daz = g * (F[hp + i * H1 + j] - nn) * z * (1 - z);
            const dar = dan * ghn * r * (1 - r);
            const q = daiOff + db + rb, u = dahOff + db + rb;
            F[q + j] = dar;
            F[q + H + j] = daz;
            F[q + 2 * H + j] = dan;
            F[u + j] = dar;
            F[u + H + j] = daz;
            F[u + 2 * H + j] = dan * r;
            F[carry + hb + j] = g * z;
          } else {
            const ig = F[pb + rb + j], fg = F[pb + rb + H + j], gg = F[pb + rb + 2 * H + j], og = F[pb + rb + 3 * H + j];
            const tc = F[x2o + s * N * H + hb + j];
            const cp = F[x1o + s * N * H + hb + j];
            const dc = F[dcarry + hb + j] + g * og * (1 - tc * tc);
            const q = daiOff + db + rb;
            F[q + j] = dc * gg * ig * (1 - ig);
            F[q + H + j] = dc * cp * fg * (1 - fg);
            F[q + 2 * H + j] = dc * ig * (1 - gg * gg);
            F[q + 3 * H + j] = g * tc * og * (1 - og);
            F[dcarry + hb + j] = dc * fg;
            F[carry + hb + j] = 0;
          }
        }
      }
      if (s > 0) mm(a, a.id(dahOff + db, N * GH), whhBId, mmoId, N, GH, H);
    }
    // ── weight and bias gradients: [dW | db] = DAᵀ · [input | 1], K = T·N ──
    const dWhh = a.raw(GH * H1);
    weightGrad(a, dahOff, so, dWhh, TN, GH, H1);
    const dWih = a.raw(GH * in1);
    weightGrad(a, daiOff, xinOff, dWih, TN, GH, in1);
    grads.unshift(splitBias(a, dWih, GH, inS).concat(splitBias(a, dWhh, GH, H)));
    // reorder to wih, whh, bih, bhh
    const [gwih, gbih, gwhh, gbhh] = grads[0];
    grads[0] = [gwih, gwhh, gbih, gbhh];
    // ── gradient w.r.t. this layer's input, for the layer below ──
    if (l > 0) {
      const wihB = copyRaw(a, wih);
      const dIn = a.raw(TN * H);
      mm(a, a.id(daiOff, TN * GH), a.id(wihB, GH * H), a.id(dIn, TN * H), TN, GH, H);
      if (cfg.masks[l] !== null) {
        const F = a.heap();
        const mo = a.off(maskT);
        for (let i = 0; i < TN * H; i++) F[dIn + i] *= F[mo + i];
      }
      if (l < L - 1) a.free(dyOff); // the previous layer's input gradient, consumed above
      dyOff = dIn;
      sB = H;
      sT = N * H;
      a.free(wihB);
      a.free(daiOff);
    }
    a.drop(whhBId);
    a.free(whhB);
    if (kind === 'gru') a.free(dahOff);
    a.free(dWhh);
    a.free(dWih);
  }
  const wih0 = saved[6];
  const daiKeep = dai0 as tf.Tensor;
  const dx = (): tf.Tensor => {
    const b = arena();
    try {
      const F0 = cfg.inputSize;
      const wihB = copyRaw(b, wih0);
      const dIn = b.raw(TN * F0);
      mm(b, b.id(b.off(daiKeep), TN * GH), b.id(wihB, GH * F0), b.id(dIn, TN * F0), TN, GH, F0);
      const out = b.tensor([N, T, F0]);
      const F = b.heap();
      const oo = b.off(out);
      for (let s = 0; s < T; s++) {
        for (let i = 0; i < N; i++) F.copyWithin(oo + (i * T + s) * F0, dIn + (s * N + i) * F0, dIn + (s * N + i + 1) * F0);
      }
      return out;
    } finally {
      b.release();
    }
  };
  return { weightGrads: grads.flat(), dx };
}

/** [GH, in+1] → weight [GH, in] and bias [GH] engine tensors. */
function splitBias(a: Arena, src: number, gh: number, inS: number): tf.Tensor[] {
  const w = a.tensor([gh, inS]);
  const b = a.tensor([gh]);
  const F = a.heap();
  const wo = a.off(w), bo = a.off(b);
  for (let k = 0; k < gh; k++) {
    F.copyWithin(wo + k * inS, src + k * (inS + 1), src + k * (inS + 1) + inS);
    F[bo + k] = F[src + k * (inS + 1) + inS];
  }
  return [w, b];
}
