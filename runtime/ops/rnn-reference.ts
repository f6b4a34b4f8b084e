// Plain-TypeScript float64 reference for the GRU / LSTM stacks (tests only).
//
// What: forward pass and exact backpropagation-through-time of a multi-layer,
// batch-first GRU or LSTM with PyTorch's gate formulas, parameter names and
// layouts (weight_ih_l{k} [G·H, in], weight_hh_l{k} [G·H, H], bias_ih_l{k},
// bias_hh_l{k} [G·H]; gate order r,z,n for GRU and i,f,g,o for LSTM), h0 = c0 = 0.
// Inter-layer dropout is expressed as explicit multiplicative masks (already
// scaled by 1/(1−p)), so a test can replay exactly the masks the fast op drew.
//
// Assumes: small shapes (it is O(L·T·N·G·H·(in+H)) scalar loops), arrays are
// row-major Float64Array/number[] copies of tensor data.
// Guarantees: no TF.js; deterministic; gradients are exact up to float64
// rounding (checked against central finite differences in the tests).

export type RefKind = 'gru' | 'lstm';

export interface RefParams {
  [name: string]: Float64Array;
}

export interface RefConfig {
  kind: RefKind;
  inputSize: number;
  hidden: number;
  layers: number;
}

export interface RefForward {
  /** Last layer's outputs, [N, T, H] row-major. */
  sequence: Float64Array;
  /** Final hidden state of every layer, [L, N, H]. */
  states: Float64Array;
  /** Everything the backward pass needs. */
  tape: RefTape;
}

interface LayerTape {
  input: Float64Array; // [T, N, in] (time-major, after dropout)
  h: Float64Array; // [T+1, N, H]; block 0 = h0 = 0
  c: Float64Array; // LSTM: [T+1, N, H]
  gates: Float64Array; // [T, N, G·H] activated gates (GRU: r, z, n; LSTM: i, f, g, o)
  ghn: Float64Array; // GRU: W_hn h + b_hn, [T, N, H]
  inSize: number;
}

interface RefTape {
  layers: LayerTape[];
  masks: (Float64Array | null)[]; // mask applied to layer l's input ([T, N, in_l]); null: none
  n: number;
  t: number;
}

export function gateCount(kind: RefKind): number {
  return kind === 'gru' ? 3 : 4;
}

const sigmoid = (a: number): number => 1 / (1 + Math.exp(-a));

/**
 * Forward pass. `x` is [N, T, F]; `masks[l]` (optional, l ≥ 1) multiplies layer
 * l's input elementwise, time-major [T, N, H].
 */
export function refForward(
  cfg: RefConfig,
  params: RefParams,
  x: ArrayLike<number>,
  n: number,
  t: number,
  masks: (ArrayLike<number> | null)[] = [],
): RefForward {
  const { hidden: H, layers: L } = cfg;
  const G = gateCount(cfg.kind);
  // time-major copy of the input
  let input = new Float64Array(t * n * cfg.inputSize);
  for (let b = 0; b < n; b++) {
    for (let s = 0; s < t; s++) {
      for (let f = 0; f < cfg.inputSize; f++) {
        input[(s * n + b) * cfg.inputSize + f] = x[(b * t + s) * cfg.inputSize + f];
      }
    }
  }
  const tape: RefTape = { layers: [], masks: [], n, t };
  const states = new Float64Array(L * n * H);
  for (let l = 0; l < L; l++) {
    const inSize = l === 0 ? cfg.inputSize : H;
    const m = masks[l] ?? null;
    if (m) {
      const dropped = new Float64Array(input.length);
      for (let i = 0; i < input.length; i++) dropped[i] = input[i] * m[i];
      input = dropped;
    }
    tape.masks.push(m ? Float64Array.from(m) : null);
    const wih = params[`weight_ih_l${l}`], whh = params[`weight_hh_l${l}`];
    const bih = params[`bias_ih_l${l}`], bhh = params[`bias_hh_l${l}`];
    const h = new Float64Array((t + 1) * n * H);
    const c = new Float64Array(cfg.kind === 'lstm' ? (t + 1) * n * H : 0);
    const gates = new Float64Array(t * n * G * H);
    const ghn = new Float64Array(cfg.kind === 'gru' ? t * n * H : 0);
    const gi = new Float64Array(G * H), gh = new Float64Array(G * H);
    for (let s = 0; s < t; s++) {
      for (let b = 0; b < n; b++) {
        const xo = (s * n + b) * inSize, ho = (s * n + b) * H;
        for (let k = 0; k < G * H; k++) {
          let a = bih[k], d = bhh[k];
          for (let f = 0; f < inSize; f++) a += wih[k * inSize + f] * input[xo + f];
          for (let j = 0; j < H; j++) d += whh[k * H + j] * h[ho + j];
          gi[k] = a;
          gh[k] = d;
        }
        const go = (s * n + b) * G * H, no = ((s + 1) * n + b) * H;
        for (let j = 0; j < H; j++) {
          if (cfg.kind === 'gru') {
            const r = sigmoid(gi[j] + gh[j]);
            const z = sigmoid(gi[H + j] + gh[H + j]);
            const nn = Math.tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            gates[go + j] = r;
            gates[go + H + j] = z;
            gates[go + 2 * H + j] = nn;
            ghn[(s * n + b) * H + j] = gh[2 * H + j];
            h[no + j] = (1 - z) * nn + z * h[ho + j];
          } else {
            const ig = sigmoid(gi[j] + gh[j]);
            const fg = sigmoid(gi[H + j] + gh[H + j]);
            const gg = Math.tanh(gi[2 * H + j] + gh[2 * H + j]);
            const og = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
            gates[go + j] = ig;
            gates[go + H + j] = fg;
            gates[go + 2 * H + j] = gg;
            gates[go + 3 * H + j] = og;
            const cc = fg * c[ho + j] + ig * gg;
            c[no + j] = cc;
            h[no + j] = og * Math.tanh(cc);
          }
        }
      }
    }
    tape.layers.push({ input, h, c, gates, ghn, inSize });
    states.set(h.subarray(t * n * H, (t + 1) * n * H), l * n * H);
    input = h.slice(n * H); // next layer's input, [T, N, H]
  }
  const top = tape.layers[L - 1].h;
  const sequence = new Float64Array(n * t * H);
  for (let s = 0; s < t; s++) {
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < H; j++) sequence[(b * t + s) * H + j] = top[((s + 1) * n + b) * H + j];
    }
  }
  return { sequence, states, tape };
}

/**
 * Backward pass: given dL/dsequence ([N, T, H], or null) and dL/dstates
 * ([L, N, H], or null), returns dL/dparams (same names and shapes) and dL/dx
 * ([N, T, F]).
 */
export function refBackward(
  cfg: RefConfig,
  params: RefParams,
  fwd: RefForward,
  dSequence: ArrayLike<number> | null,
  dStates: ArrayLike<number> | null,
): { grads: RefParams; dx: Float64Array } {
  const { hidden: H, layers: L } = cfg;
  const { n, t } = fwd.tape;
  const G = gateCount(cfg.kind);
  const grads: RefParams = {};
  // gradient w.r.t. the top layer's outputs, time-major [T, N, H]
  let dOut = new Float64Array(t * n * H);
  if (dSequence) {
    for (let s = 0; s < t; s++) {
      for (let b = 0; b < n; b++) {
        for (let j = 0; j < H; j++) dOut[(s * n + b) * H + j] = dSequence[(b * t + s) * H + j];
      }
    }
  }
  let dxTm = new Float64Array(0);
  for (let l = L - 1; l >= 0; l--) {
    const lt = fwd.tape.layers[l];
    const inSize = lt.inSize;
    const wih = params[`weight_ih_l${l}`], whh = params[`weight_hh_l${l}`];
    const dWih = new Float64Array(G * H * inSize), dWhh = new Float64Array(G * H * H);
    const dBih = new Float64Array(G * H), dBhh = new Float64Array(G * H);
    const dIn = new Float64Array(t * n * inSize);
    const dh = new Float64Array(n * H), dc = new Float64Array(n * H);
    if (dStates) for (let i = 0; i < n * H; i++) dh[i] = dStates[l * n * H + i];
    const dai = new Float64Array(G * H), dah = new Float64Array(G * H);
    for (let s = t - 1; s >= 0; s--) {
      for (let b = 0; b < n; b++) {
        const ho = (s * n + b) * H, go = (s * n + b) * G * H, xo = (s * n + b) * inSize;
        const bo = b * H;
        for (let j = 0; j < H; j++) {
          const g = dh[bo + j] + dOut[ho + j];
          if (cfg.kind === 'gru') {
            const r = lt.gates[go + j], z = lt.gates[go + H + j], nn = lt.gates[go + 2 * H + j];
            const hp = lt.h[ho + j], ghn = lt.ghn[ho + j];
            const dan = g * (1 - z) * (1 - nn * nn);
            const daz = g * (hp - nn) * z * (1 - z);
            const dar = dan * ghn * r * (1 - r);
            dai[j] = dar; dai[H + j] = daz; dai[2 * H + j] = dan;
            dah[j] = dar; dah[H + j] = daz; dah[2 * H + j] = dan * r;
            dh[bo + j] = g * z; // direct path; recurrent matmul added below
          } else {
            const ig = lt.gates[go + j], fg = lt.gates[go + H + j];
            const gg = lt.gates[go + 2 * H + j], og = lt.gates[go + 3 * H + j];
            const cc = lt.c[((s + 1) * n + b) * H + j], cp = lt.c[ho + j];
            const tc = Math.tanh(cc);
            const dcc = dc[bo + j] + g * og * (1 - tc * tc);
            dai[j] = dcc * gg * ig * (1 - ig);
            dai[H + j] = dcc * cp * fg * (1 - fg);
            dai[2 * H + j] = dcc * ig * (1 - gg * gg);
            dai[3 * H + j] = g * tc * og * (1 - og);
            for (let q = 0; q < 4; q++) dah[q * H + j] = dai[q * H + j];
            dc[bo + j] = dcc * fg;
            dh[bo + j] = 0;
          }
        }
        for (let k = 0; k < G * H; k++) {
          dBih[k] += dai[k];
          dBhh[k] += dah[k];
          for (let f = 0; f < inSize; f++) {
            dWih[k * inSize + f] += dai[k] * lt.input[xo + f];
            dIn[xo + f] += dai[k] * wih[k * inSize + f];
          }
          for (let j = 0; j < H; j++) {
            dWhh[k * H + j] += dah[k] * lt.h[ho + j];
            dh[bo + j] += dah[k] * whh[k * H + j];
          }
        }
      }
    }
    grads[`weight_ih_l${l}`] = dWih;
    grads[`weight_hh_l${l}`] = dWhh;
    grads[`bias_ih_l${l}`] = dBih;
    grads[`bias_hh_l${l}`] = dBhh;
    const m = fwd.tape.masks[l];
    if (m) for (let i = 0; i < dIn.length; i++) dIn[i] *= m[i];
    dOut = dIn;
    dxTm = dIn;
  }
  const F = cfg.inputSize;
  const dx = new Float64Array(n * t * F);
  for (let s = 0; s < t; s++) {
    for (let b = 0; b < n; b++) {
      for (let f = 0; f < F; f++) dx[(b * t + s) * F + f] = dxTm[(s * n + b) * F + f];
    }
  }
  return { grads, dx };
}
