// REST events and HAN news of the synthetic market, and their contributions
// to returns.
//
// Events: on a trading day a stock has an event with probability
// `preset.eventRate`; its type τ is uniform over EVENT_TYPES and its tokens
// mix the type's signature tokens (p = 0.55) with uniform noise tokens. The
// next trading day's return of the stock gets amp·s_i·κ_i·β_τ, and each stock
// j reachable within two relation hops gets amp·spill·w_ij·s_j·κ_j·β_τ.
//
// News: Poisson(newsRate) items per stock and trading day; sentiment s in
// {−1, 0, +1}; a share `rumourShare` are rumours (their sentiment is noise).
// vec = 0.8·s·u_sent + 0.5·[rumour]·u_rum + 0.6·topic + N(0, 1/d), rounded to 1e-3. Returns on
// days t+1..t+10 get amp·s_i·decay^k·(mean sentiment of day t's non-rumours).
//
// Guarantees: occurrence, types, tokens, sentiments and vectors come from
// their own random streams and do not depend on amplitudes (rumourShare
// decides which items are rumours, by threshold on a fixed uniform draw).

import type { Effects } from './effects.js';
import type { Preset } from './presets.js';
import { makeRng, unitVector } from './rng.js';
import { EVENT_BETA, EVENT_SIGNATURE_TOKENS, EVENT_TYPES, type Structure } from './structure.js';

export const NEWS_TOPICS = 6;
export const NEWS_HORIZON = 10;

export interface EventRows {
  day: Int32Array;
  stock: Int32Array;
  type: Int32Array;
  /** Token lists: tokens[offset[k] .. offset[k+1]) belong to event k. */
  offset: Int32Array;
  tokens: Int32Array;
}

export interface NewsRows {
  day: Int32Array;
  stock: Int32Array;
  rumour: Uint8Array;
  sentiment: Int8Array;
  /** n × dim, row-major. */
  vec: Float32Array;
  dim: number;
  /** Planted sentiment and rumour directions (dim each). */
  sentDir: Float64Array;
  rumourDir: Float64Array;
}

function trading(S: Structure, i: number, t: number): boolean {
  return t >= S.listDay[i]! && S.suspended[i * S.D + t] === 0;
}

export function buildEvents(preset: Preset, seed: number, S: Structure, effects: Effects, exo: Float64Array): EventRows {
  const { P, D } = S;
  const rng = makeRng(seed, 'events');
  const day: number[] = [];
  const stock: number[] = [];
  const type: number[] = [];
  const offset: number[] = [0];
  const tokens: number[] = [];
  const amp = effects.events.amp;
  const spill = effects.events.spill;
  for (let t = 0; t < D; t++) {
    for (let i = 0; i < P; i++) {
      if (!trading(S, i, t)) continue;
      if (!rng.chance(preset.eventRate)) continue;
      const tau = rng.int(EVENT_TYPES);
      const len = 6 + rng.int(11);
      for (let k = 0; k < len; k++) {
        const sig = rng.chance(0.55);
        const which = rng.int(EVENT_SIGNATURE_TOKENS);
        const noise = 1 + rng.int(preset.vocab - 1);
        tokens.push(sig ? S.eventTokens[tau * EVENT_SIGNATURE_TOKENS + which]! : noise);
      }
      day.push(t);
      stock.push(i);
      type.push(tau);
      offset.push(tokens.length);
      if (t + 1 >= D) continue;
      const beta = EVENT_BETA[tau]!;
      exo[i * D + t + 1] += amp * S.sigma[i]! * S.kappa[i]! * beta;
      const to = S.spillTo[i]!;
      const w = S.spillW[i]!;
      for (let k = 0; k < to.length; k++) {
        const j = to[k]!;
        exo[j * D + t + 1] += amp * spill * w[k]! * S.sigma[j]! * S.kappa[j]! * beta;
      }
    }
  }
  return {
    day: Int32Array.from(day),
    stock: Int32Array.from(stock),
    type: Int32Array.from(type),
    offset: Int32Array.from(offset),
    tokens: Int32Array.from(tokens),
  };
}

function poisson(u: () => number, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = u();
  while (p > limit && k < 10) {
    k++;
    p *= u();
  }
  return k;
}

export function buildNews(preset: Preset, seed: number, S: Structure, effects: Effects, exo: Float64Array): NewsRows {
  const { P, D } = S;
  const dim = preset.newsDim;
  const rng = makeRng(seed, 'news');
  const dirRng = makeRng(seed, 'news-directions');
  const sentDir = unitVector(dirRng, dim);
  const raw = unitVector(dirRng, dim);
  // Rumour direction: orthogonal to the sentiment direction.
  let dot = 0;
  for (let k = 0; k < dim; k++) dot += raw[k]! * sentDir[k]!;
  let norm = 0;
  for (let k = 0; k < dim; k++) {
    raw[k] = raw[k]! - dot * sentDir[k]!;
    norm += raw[k]! * raw[k]!;
  }
  const rumourDir = raw.map((x) => x / Math.sqrt(norm));
  const topics = Array.from({ length: NEWS_TOPICS }, () => unitVector(dirRng, dim));

  const day: number[] = [];
  const stock: number[] = [];
  const rumour: number[] = [];
  const sentiment: number[] = [];
  const vecs: number[] = [];
  const noiseSd = 1 / Math.sqrt(dim);
  const { amp, rumourShare, decay } = effects.news;
  for (let t = 0; t < D; t++) {
    for (let i = 0; i < P; i++) {
      if (!trading(S, i, t)) continue;
      const n = poisson(rng.uniform, preset.newsRate);
      let sum = 0;
      let count = 0;
      for (let k = 0; k < n; k++) {
        const u = rng.uniform();
        const s = u < 0.35 ? -1 : u < 0.65 ? 0 : 1;
        const isRumour = rng.uniform() < rumourShare;
        const topic = topics[rng.int(NEWS_TOPICS)]!;
        for (let c = 0; c < dim; c++) {
          const v = 0.8 * s * sentDir[c]! + (isRumour ? 0.5 * rumourDir[c]! : 0) + 0.6 * topic[c]! + noiseSd * rng.normal();
          vecs.push(Math.round(v * 1000) / 1000);
        }
        day.push(t);
        stock.push(i);
        rumour.push(isRumour ? 1 : 0);
        sentiment.push(s);
        if (!isRumour) {
          sum += s;
          count++;
        }
      }
      if (count === 0 || amp === 0) continue;
      const mean = sum / count;
      let w = 1;
      for (let k = 1; k <= NEWS_HORIZON && t + k < D; k++) {
        exo[i * D + t + k] += amp * S.sigma[i]! * w * mean;
        w *= decay;
      }
    }
  }
  return {
    day: Int32Array.from(day),
    stock: Int32Array.from(stock),
    rumour: Uint8Array.from(rumour),
    sentiment: Int8Array.from(sentiment),
    vec: Float32Array.from(vecs),
    dim,
    sentDir,
    rumourDir,
  };
}
