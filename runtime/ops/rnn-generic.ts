// GRU / LSTM stacks with hand-written BPTT in plain TF.js ops (any backend).
//
// What: the forward and backward used by rnn.ts on every backend except wasm
// (tfjs-node, tfjs-node-gpu, cpu), and on wasm when `impl: 'generic'` is forced
// (tests cross-check the two implementations). Input projections of all steps
// are one matMul per layer (biases of the r,z / all LSTM gates folded in),
// split into per-step tensors once; per step one recurrent matMul and the
// gate math; weight gradients are one matMul per layer with K = T·N.
//
// Assumes: called inside rnn.ts's kernel (forward untaped, inside a tidy);
// `saved` is exactly the list forward returned, in the same order.
// Guarantees: same outputs and gradients as rnn-wasm.ts up to float32
// rounding; tensors it does not return are disposed by the caller's scopes.

import * as tf from '@tensorflow/tfjs';
import type { LayerWeights, RnnConfig, RnnForwardResult } from './rnn.js';

/** Tensors per step kept for the backward pass. */
function perStep(cfg: RnnConfig): number {
  return cfg.kind === 'gru' ? 5 : 7; // GRU: hPrev r z n ghn; LSTM: hPrev cPrev i f g o tanh(c)
}

const HEAD = 4; // per layer: xtm (input [T·N, in]), wih, whh, mask

export function genericForward(cfg: RnnConfig, x: tf.Tensor, lw: LayerWeights[]): RnnForwardResult {
  const { n: N, t: T, hidden: H, layers: L, kind } = cfg;
  const saved: tf.Tensor[] = [];
  const placeholder = tf.scalar(0);
  let xtm = tf.reshape(tf.transpose(x, [1, 0, 2]), [T * N, cfg.inputSize]);
  let top: tf.Tensor[] = [];
  const finals: tf.Tensor[] = [];
  for (let l = 0; l < L; l++) {
    const w = lw[l];
    const mask = cfg.masks[l];
    let maskT: tf.Tensor = placeholder;
    if (mask !== null) {
      maskT = tf.tensor(mask, [T * N, H]);
      xtm = tf.mul(xtm, maskT);
    }
    saved.push(xtm, w.wih, w.whh, maskT);
    const whhT = tf.transpose(w.whh);
    let bias: tf.Tensor;
    let bhn: tf.Tensor | null = null;
    if (kind === 'gru') {
      const [bhr, bhz, bn] = tf.split(w.bhh, 3);
      bhn = bn;
      bias = tf.add(w.bih, tf.concat([bhr, bhz, tf.zerosLike(bn)]));
    } else bias = tf.add(w.bih, w.bhh);
    const gi = tf.add(tf.matMul(xtm, w.wih, false, true), bias);
    const giSteps = tf.split(gi, T, 0);
    let h: tf.Tensor = tf.zeros([N, H]);
    let c: tf.Tensor = tf.zeros([N, H]);
    const hs: tf.Tensor[] = [];
    for (let s = 0; s < T; s++) {
      const gh = tf.matMul(h, whhT);
      if (kind === 'gru') {
        const [ghr, ghz, ghn0] = tf.split(gh, 3, 1);
        const [gir, giz, gin] = tf.split(giSteps[s], 3, 1);
        const ghn = tf.add(ghn0, bhn as tf.Tensor);
        const r = tf.sigmoid(tf.add(gir, ghr));
        const z = tf.sigmoid(tf.add(giz, ghz));
        const nn = tf.tanh(tf.add(gin, tf.mul(r, ghn)));
        const hNew = tf.add(nn, tf.mul(z, tf.sub(h, nn)));
        saved.push(h, r, z, nn, ghn);
        h = hNew;
      } else {
        const [ai, af, ag, ao] = tf.split(tf.add(giSteps[s], gh), 4, 1);
        const ig = tf.sigmoid(ai), fg = tf.sigmoid(af), gg = tf.tanh(ag), og = tf.sigmoid(ao);
        const cNew = tf.add(tf.mul(fg, c), tf.mul(ig, gg));
        const tc = tf.tanh(cNew);
        const hNew = tf.mul(og, tc);
        saved.push(h, c, ig, fg, gg, og, tc);
        h = hNew;
        c = cNew;
      }
      hs.push(h);
    }
    finals.push(h);
    top = hs;
    xtm = tf.concat(hs, 0);
  }
  const outputs: tf.Tensor[] = [];
  if (cfg.wantSequence) outputs.push(tf.stack(top, 1));
  if (cfg.wantStates) outputs.push(tf.stack(finals, 0));
  if (cfg.wantLast) outputs.push(finals[L - 1].clone());
  return { outputs, saved };
}

export function genericBackward(
  cfg: RnnConfig,
  saved: tf.Tensor[],
  dSequence: tf.Tensor | null,
  dStates: tf.Tensor | null,
): { weightGrads: tf.Tensor[]; dx: () => tf.Tensor } {
  const { n: N, t: T, hidden: H, layers: L, kind } = cfg;
  const K = perStep(cfg);
  const per = HEAD + T * K;
  const grads: tf.Tensor[][] = [];
  let dY: tf.Tensor[] | null = dSequence ? tf.unstack(dSequence, 1) : null;
  const dFinal = dStates ? tf.unstack(dStates, 0) : null;
  let dai0: tf.Tensor | null = null;
  for (let l = L - 1; l >= 0; l--) {
    const base = l * per;
    const [xtm, wih, whh, maskT] = saved.slice(base, base + HEAD);
    const step = (s: number, k: number): tf.Tensor => saved[base + HEAD + s * K + k];
    let dh: tf.Tensor = dFinal ? dFinal[l] : tf.zeros([N, H]);
    let dc: tf.Tensor = tf.zeros([N, H]);
    const dai: tf.Tensor[] = new Array<tf.Tensor>(T);
    const dah: tf.Tensor[] = new Array<tf.Tensor>(T);
    for (let s = T - 1; s >= 0; s--) {
      const g = dY ? tf.add(dh, dY[s]) : dh;
      if (kind === 'gru') {
        const hp = step(s, 0), r = step(s, 1), z = step(s, 2), nn = step(s, 3), ghn = step(s, 4);
        const dan = tf.mul(tf.mul(g, tf.sub(1, z)), tf.sub(1, tf.square(nn)));
        const daz = tf.mul(tf.mul(g, tf.sub(hp, nn)), tf.mul(z, tf.sub(1, z)));
        const dar = tf.mul(tf.mul(dan, ghn), tf.mul(r, tf.sub(1, r)));
        dai[s] = tf.concat([dar, daz, dan], 1);
        dah[s] = tf.concat([dar, daz, tf.mul(dan, r)], 1);
        dh = tf.add(tf.matMul(dah[s], whh), tf.mul(g, z));
      } else {
        const cp = step(s, 1), ig = step(s, 2), fg = step(s, 3), gg = step(s, 4), og = step(s, 5), tc = step(s, 6);
        const dcc = tf.add(dc, tf.mul(tf.mul(g, og), tf.sub(1, tf.square(tc))));
        const di = tf.mul(tf.mul(dcc, gg), tf.mul(ig, tf.sub(1, ig)));
        const df = tf.mul(tf.mul(dcc, cp), tf.mul(fg, tf.sub(1, fg)));
        const dg = tf.mul(tf.mul(dcc, ig), tf.sub(1, tf.square(gg)));
        const dO = tf.mul(tf.mul(g, tc), tf.mul(og, tf.sub(1, og)));
        dai[s] = tf.concat([di, df, dg, dO], 1);
        dah[s] = dai[s];
        dc = tf.mul(dcc, fg);
        dh = tf.matMul(dai[s], whh);
      }
    }
    const DAI = tf.concat(dai, 0);
    const DAH = kind === 'gru' ? tf.concat(dah, 0) : DAI;
    const hPrev = tf.concat(Array.from({ length: T }, (_, s) => step(s, 0)), 0);
    grads.unshift([
      tf.matMul(DAI, xtm, true, false),
      tf.matMul(DAH, hPrev, true, false),
      tf.sum(DAI, 0),
      tf.sum(DAH, 0),
    ]);
    if (l > 0) {
      let dIn = tf.matMul(DAI, wih);
      if (cfg.masks[l] !== null) dIn = tf.mul(dIn, maskT);
      dY = tf.split(dIn, T, 0);
    } else dai0 = DAI;
  }
  const wih0 = saved[1];
  const daiKeep = dai0 as tf.Tensor;
  const dx = (): tf.Tensor =>
    tf.transpose(tf.reshape(tf.matMul(daiKeep, wih0), [T, N, cfg.inputSize]), [1, 0, 2]);
  return { weightGrads: grads.flat(), dx };
}
