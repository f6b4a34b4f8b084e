// The static cross-section of the synthetic market: stock codes, listing
// days, caps, volatilities, betas, hidden clusters, industries, concepts and
// their loadings, lead–lag leaders, event sensitivities, latent stock vectors,
// the relation graph and its spill-over lists, day-type mappings, fund
// styles, corporate actions and suspension spells.
//
// Guarantees: a pure function of (preset, seed) — effects do not change the
// structure, so markets that differ only in effects share stocks, groups and
// graphs; every concept has at least 3 members; every stock has 1–4 concepts;
// every hidden cluster has at least one leader; no stock is suspended on its
// listing day.

import type { Preset } from './presets.js';
import { makeRng, shuffleInPlace, unitVector, weightedIndex, type Rng } from './rng.js';

export const Q_DIM = 8;
export const REL_TYPES = ['industry', 'supply_chain', 'business', 'shareholding'] as const;
export const REL_RHO = [0.6, 0.5, 0.4, 0.3];
export const EVENT_TYPES = 12;
export const EVENT_SIGNATURE_TOKENS = 8;
/** Base effect β_τ of each event type (in units of the stock's idiosyncratic volatility, before κ and amp). */
export const EVENT_BETA = [1.6, 1.2, 0.9, 0.6, 0.35, 0.15, -0.15, -0.35, -0.6, -0.9, -1.2, -1.6];
export const DAYTYPE_FEATURES = 3;
export const INDICATORS = ['bias20', 'vma5_20'] as const;

export interface Structure {
  P: number;
  D: number;
  codes: string[];
  /** First trading day index (rows exist from here on). */
  listDay: Int32Array;
  price0: Float64Array;
  shares0: Float64Array;
  logCap0: Float64Array;
  /** Idiosyncratic daily volatility s_i. */
  sigma: Float64Array;
  beta: Float64Array;
  turnover: Float64Array;
  cluster: Int32Array;
  /** 1 for the "stable" half of the hidden clusters. */
  stableCluster: Uint8Array;
  industry: Int32Array;
  conceptsOf: number[][];
  gammaOf: number[][];
  /** The concept lists written to the `concepts` table (a permutation of conceptsOf when shuffled). */
  listedConceptsOf: number[][];
  hiddenLoading: Float64Array;
  leader: Uint8Array;
  leadersOf: number[][];
  kappa: Float64Array;
  /** Latent stock vectors q*_i, P × Q_DIM, and the cluster centres K × Q_DIM. */
  q: Float64Array;
  qCentre: Float64Array;
  rel: { src: Int32Array; dst: Int32Array; type: Int8Array };
  /** Spill-over targets of each stock (≤ 2 hops) and their weights 0.5^(hop−1)·ρ. */
  spillTo: Int32Array[];
  spillW: Float64Array[];
  /** Day-type mapping per (cluster, type): intercept α and weights w (DAYTYPE_FEATURES), and signatures μ[type][cluster]. */
  dtAlpha: Float64Array;
  dtW: Float64Array;
  dtSig: Float64Array;
  /** The day-type parts shared by every cluster (per type, centred over types): weights w (DAYTYPE_FEATURES) and signature. */
  dtWCommon: Float64Array;
  dtSigCommon: Float64Array;
  /** Indicator scale per (cluster, indicator). */
  indScale: Float64Array;
  fundStyle: Float64Array;
  fundClusters: number[][];
  fundAum: Float64Array;
  fundHoldings: Int32Array;
  /** Corporate actions: per stock a list of (day, multiplier of factor). */
  actions: { day: number; mult: number }[][];
  suspended: Uint8Array;
  eventTokens: Int32Array;
}

function makeCodes(rng: Rng, n: number): string[] {
  const used = new Set<string>();
  const out: string[] = [];
  while (out.length < n) {
    const sh = rng.chance(0.55);
    const code = sh
      ? `SH60${String(rng.int(4000)).padStart(4, '0')}`
      : `SZ00${String(rng.int(3000) + 1).padStart(4, '0')}`;
    if (code === 'SH000300' || used.has(code)) continue;
    used.add(code);
    out.push(code);
  }
  return out.sort();
}

function zscore(x: Float64Array): Float64Array {
  let m = 0;
  for (let i = 0; i < x.length; i++) m += x[i]!;
  m /= x.length;
  let v = 0;
  for (let i = 0; i < x.length; i++) v += (x[i]! - m) ** 2;
  const sd = Math.sqrt(v / Math.max(1, x.length - 1)) || 1;
  return x.map((xi) => (xi - m) / sd);
}

export function buildStructure(preset: Preset, seed: number, D: number, shuffleConcepts: boolean): Structure {
  const P = preset.pool;
  const rng = makeRng(seed, 'structure');
  const codes = makeCodes(rng, P);

  const listDay = new Int32Array(P);
  const lateCut = Math.floor(D * 0.6);
  for (let i = 0; i < P; i++) listDay[i] = rng.chance(preset.lateListingShare) ? 1 + rng.int(lateCut) : 0;

  const logCap0 = new Float64Array(P);
  const price0 = new Float64Array(P);
  const shares0 = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    logCap0[i] = Math.log(2e10) + 1.0 * rng.normal();
    price0[i] = Math.round(100 * Math.exp(Math.log(12) + 0.6 * rng.normal())) / 100;
    shares0[i] = Math.round(Math.exp(logCap0[i]!) / price0[i]! / 100) * 100;
  }
  const zcap = zscore(logCap0);

  const K = preset.hiddenClusters;
  const perm = shuffleInPlace(rng, Array.from({ length: P }, (_, i) => i));
  const cluster = new Int32Array(P);
  perm.forEach((stock, k) => (cluster[stock] = k % K));
  const stableCluster = new Uint8Array(K);
  for (let c = 0; c < K; c++) stableCluster[c] = c < Math.ceil(K / 2) ? 1 : 0;

  const sigma = new Float64Array(P);
  const beta = new Float64Array(P);
  const turnover = new Float64Array(P);
  const hiddenLoading = new Float64Array(P);
  const kappa = new Float64Array(P);
  for (let i = 0; i < P; i++) {
    const clusterScale = stableCluster[cluster[i]!] ? 0.85 : 1.15;
    const s = 0.014 * Math.exp(0.2 * rng.normal()) * (1 - 0.08 * zcap[i]!) * clusterScale;
    sigma[i] = Math.min(0.035, Math.max(0.006, s));
    beta[i] = Math.min(1.8, Math.max(0.4, 1 + 0.25 * rng.normal()));
    turnover[i] = Math.exp(Math.log(0.01) + 0.4 * rng.normal());
    hiddenLoading[i] = 0.8 + 0.4 * rng.uniform();
    kappa[i] = (rng.chance(0.8) ? 1 : -1) * Math.exp(0.4 * rng.normal());
  }

  const industry = new Int32Array(P);
  const indWeights = Array.from({ length: preset.industries }, () => Math.exp(0.5 * rng.normal()));
  for (let i = 0; i < P; i++) industry[i] = i < preset.industries ? i : weightedIndex(rng, indWeights);
  shuffleInPlace(rng, Array.from(industry)).forEach((v, i) => (industry[i] = v));

  // Concepts: 1–4 per stock, popularity-weighted; loadings rise with cap.
  const M = preset.concepts;
  const popularity = shuffleInPlace(rng, Array.from({ length: M }, (_, c) => 1 / Math.sqrt(c + 1)));
  const conceptsOf: number[][] = [];
  for (let i = 0; i < P; i++) {
    let n = 1;
    for (let k = 0; k < 3; k++) if (rng.chance(0.35)) n++;
    const chosen: number[] = [];
    const w = popularity.slice();
    while (chosen.length < Math.min(n, M)) {
      const c = weightedIndex(rng, w);
      chosen.push(c);
      w[c] = 0;
    }
    conceptsOf.push(chosen.sort((a, b) => a - b));
  }
  const memberCount = new Array<number>(M).fill(0);
  for (const cs of conceptsOf) for (const c of cs) memberCount[c]!++;
  for (let c = 0; c < M; c++) {
    let guard = 0;
    while (memberCount[c]! < 3 && guard++ < 10 * P) {
      const i = rng.int(P);
      const cs = conceptsOf[i]!;
      if (cs.length >= 4 || cs.includes(c)) continue;
      cs.push(c);
      cs.sort((a, b) => a - b);
      memberCount[c]!++;
    }
  }
  const gammaOf = conceptsOf.map((cs, i) => cs.map(() => (0.7 + 0.6 * rng.uniform()) * Math.exp(0.3 * zcap[i]!)));
  const shuffleRng = makeRng(seed, 'concept-shuffle');
  const permuted = shuffleInPlace(shuffleRng, Array.from({ length: P }, (_, i) => i));
  const listedConceptsOf = shuffleConcepts ? permuted.map((j) => conceptsOf[j]!.slice()) : conceptsOf.map((cs) => cs.slice());

  // Lead–lag leaders: the largest fifth (at least one) of each cluster among stocks listed on day 0.
  const leader = new Uint8Array(P);
  const leadersOf: number[][] = [];
  for (let c = 0; c < K; c++) {
    const members = [];
    for (let i = 0; i < P; i++) if (cluster[i] === c && listDay[i] === 0) members.push(i);
    members.sort((a, b) => logCap0[b]! - logCap0[a]!);
    const n = Math.max(1, Math.round(members.length * 0.2));
    const ls = members.slice(0, n).sort((a, b) => a - b);
    for (const i of ls) leader[i] = 1;
    leadersOf.push(ls);
  }

  // Latent stock vectors with cluster structure.
  const qCentre = new Float64Array(K * Q_DIM);
  for (let c = 0; c < K; c++) {
    const u = unitVector(rng, Q_DIM);
    for (let k = 0; k < Q_DIM; k++) qCentre[c * Q_DIM + k] = 1.5 * u[k]!;
  }
  const q = new Float64Array(P * Q_DIM);
  for (let i = 0; i < P; i++) {
    for (let k = 0; k < Q_DIM; k++) q[i * Q_DIM + k] = qCentre[cluster[i]! * Q_DIM + k]! + 0.5 * rng.normal();
  }

  const rel = buildRelations(rng, P, industry, preset.industries);
  const { spillTo, spillW } = spillLists(P, rel);

  // Day types.
  const T = preset.dayTypes;
  const dtAlpha = new Float64Array(K * T);
  const dtW = new Float64Array(K * T * DAYTYPE_FEATURES);
  const dtSig = new Float64Array(T * K);
  for (let c = 0; c < K; c++) {
    for (let d = 0; d < T; d++) {
      dtAlpha[c * T + d] = 0.7 * rng.normal();
      const u = unitVector(rng, DAYTYPE_FEATURES);
      for (let f = 0; f < DAYTYPE_FEATURES; f++) dtW[(c * T + d) * DAYTYPE_FEATURES + f] = u[f]!;
    }
  }
  for (let d = 0; d < T; d++) for (let c = 0; c < K; c++) dtSig[d * K + c] = rng.normal();
  // Centre over day types (per cluster), so that averaged over days the
  // mapping and the signature add no persistent drift or permanent rule: the
  // day type is all that matters. The signature is also centred over
  // clusters (a purely cross-sectional pattern).
  for (let c = 0; c < K; c++) {
    let ma = 0;
    let ms = 0;
    const mw = new Float64Array(DAYTYPE_FEATURES);
    for (let d = 0; d < T; d++) {
      ma += dtAlpha[c * T + d]! / T;
      ms += dtSig[d * K + c]! / T;
      for (let f = 0; f < DAYTYPE_FEATURES; f++) mw[f] = mw[f]! + dtW[(c * T + d) * DAYTYPE_FEATURES + f]! / T;
    }
    for (let d = 0; d < T; d++) {
      dtAlpha[c * T + d] = dtAlpha[c * T + d]! - ma;
      dtSig[d * K + c] = dtSig[d * K + c]! - ms;
      for (let f = 0; f < DAYTYPE_FEATURES; f++) dtW[(c * T + d) * DAYTYPE_FEATURES + f] = dtW[(c * T + d) * DAYTYPE_FEATURES + f]! - mw[f]!;
    }
  }
  for (let d = 0; d < T; d++) {
    let m = 0;
    for (let c = 0; c < K; c++) m += dtSig[d * K + c]! / K;
    for (let c = 0; c < K; c++) dtSig[d * K + c] = dtSig[d * K + c]! - m;
  }

  // The shared parts, from their own stream (markets without them draw the
  // same numbers): mapping weights are random unit vectors centred over the
  // types; the signatures are evenly spaced with unit variance, in a random
  // order of the types, so that every type's market-wide move is distinct.
  const dtWCommon = new Float64Array(T * DAYTYPE_FEATURES);
  const dtSigCommon = new Float64Array(T);
  {
    const cr = makeRng(seed, 'daytypes-common');
    for (let d = 0; d < T; d++) {
      const u = unitVector(cr, DAYTYPE_FEATURES);
      for (let f = 0; f < DAYTYPE_FEATURES; f++) dtWCommon[d * DAYTYPE_FEATURES + f] = u[f]!;
    }
    for (let f = 0; f < DAYTYPE_FEATURES; f++) {
      let m = 0;
      for (let d = 0; d < T; d++) m += dtWCommon[d * DAYTYPE_FEATURES + f]! / T;
      for (let d = 0; d < T; d++) dtWCommon[d * DAYTYPE_FEATURES + f] = dtWCommon[d * DAYTYPE_FEATURES + f]! - m;
    }
    const order = shuffleInPlace(cr, Array.from({ length: T }, (_, d) => d));
    const sd = Math.sqrt((T * T - 1) / 12);
    order.forEach((d, k) => (dtSigCommon[d] = T > 1 ? (k - (T - 1) / 2) / sd : 0));
  }

  const indScale = new Float64Array(K * INDICATORS.length);
  for (let c = 0; c < K; c++) {
    indScale[c * 2] = stableCluster[c] ? 1 : 0;
    indScale[c * 2 + 1] = stableCluster[c] ? 0 : 1;
  }

  // Funds: each favours one or two clusters.
  const U = preset.funds;
  const fundStyle = new Float64Array(U * Q_DIM);
  const fundClusters: number[][] = [];
  const fundAum = new Float64Array(U);
  const fundHoldings = new Int32Array(U);
  for (let u = 0; u < U; u++) {
    const fav = [rng.int(K)];
    if (rng.chance(0.4)) {
      const second = rng.int(K);
      if (second !== fav[0]) fav.push(second);
    }
    fav.sort((a, b) => a - b);
    fundClusters.push(fav);
    for (let k = 0; k < Q_DIM; k++) {
      let v = 0;
      for (const c of fav) v += qCentre[c * Q_DIM + k]!;
      fundStyle[u * Q_DIM + k] = (1.3 * v) / fav.length + 0.3 * rng.normal();
    }
    fundAum[u] = Math.exp(Math.log(5e9) + rng.normal());
    fundHoldings[u] = preset.holdingsMin + rng.int(preset.holdingsMax - preset.holdingsMin + 1);
  }

  // Corporate actions: a few bonus-share splits, some yearly cash dividends.
  const actions: { day: number; mult: number }[][] = [];
  for (let i = 0; i < P; i++) {
    const list: { day: number; mult: number }[] = [];
    const span = D - listDay[i]!;
    if (rng.chance(0.1) && span > 40) list.push({ day: listDay[i]! + 20 + rng.int(span - 20), mult: rng.chance(0.5) ? 2 : 1.5 });
    if (rng.chance(0.2)) {
      for (let d = listDay[i]! + 120; d < D; d += 243) list.push({ day: d, mult: 1 + (5 + rng.int(26)) / 1000 });
    }
    list.sort((a, b) => a.day - b.day);
    actions.push(list);
  }

  // Suspension spells (rows of NULL prices).
  const suspended = new Uint8Array(P * D);
  for (let i = 0; i < P; i++) {
    for (let t = listDay[i]! + 1; t < D; t++) {
      if (!rng.chance(0.0015)) continue;
      let len = 1;
      while (len < 40 && rng.chance(0.7)) len++;
      for (let k = 0; k < len && t + k < D; k++) suspended[i * D + t + k] = 1;
      t += len;
    }
  }

  // Event type signature tokens: disjoint sets drawn from the vocabulary (1..vocab-1).
  const vocabPerm = shuffleInPlace(rng, Array.from({ length: preset.vocab - 1 }, (_, k) => k + 1));
  const eventTokens = Int32Array.from(vocabPerm.slice(0, EVENT_TYPES * EVENT_SIGNATURE_TOKENS));

  return {
    P, D, codes, listDay, price0, shares0, logCap0, sigma, beta, turnover, cluster, stableCluster, industry,
    conceptsOf, gammaOf, listedConceptsOf, hiddenLoading, leader, leadersOf, kappa, q, qCentre, rel, spillTo, spillW,
    dtAlpha, dtW, dtSig, dtWCommon, dtSigCommon, indScale, fundStyle, fundClusters, fundAum, fundHoldings, actions, suspended, eventTokens,
  };
}

function buildRelations(rng: Rng, P: number, industry: Int32Array, nInd: number): Structure['rel'] {
  const seen = new Set<string>();
  const src: number[] = [];
  const dst: number[] = [];
  const type: number[] = [];
  const add = (a: number, b: number, t: number, symmetric: boolean): void => {
    if (a === b) return;
    const pairs = symmetric ? [[a, b], [b, a]] : [[a, b]];
    for (const [x, y] of pairs) {
      const key = `${x}:${y}:${t}`;
      if (seen.has(key)) continue;
      seen.add(key);
      src.push(x!);
      dst.push(y!);
      type.push(t);
    }
  };
  const byInd: number[][] = Array.from({ length: nInd }, () => []);
  for (let i = 0; i < P; i++) byInd[industry[i]!]!.push(i);
  for (let i = 0; i < P; i++) {
    const peers = byInd[industry[i]!]!;
    if (peers.length > 1) for (let k = 0; k < 2; k++) add(i, peers[rng.int(peers.length)]!, 0, true);
    let guard = 0;
    while (guard++ < 20) {
      const j = rng.int(P);
      if (industry[j] === industry[i] && nInd > 1) continue;
      add(i, j, 1, false);
      break;
    }
    if (rng.chance(0.5)) add(i, rng.int(P), 2, true);
    if (rng.chance(0.25)) add(i, rng.int(P), 3, true);
  }
  // Sort edges by (src, dst, type) so the table and the adjacency have one order.
  const order = src.map((_, k) => k).sort((a, b) => src[a]! - src[b]! || dst[a]! - dst[b]! || type[a]! - type[b]!);
  return {
    src: Int32Array.from(order.map((k) => src[k]!)),
    dst: Int32Array.from(order.map((k) => dst[k]!)),
    type: Int8Array.from(order.map((k) => type[k]!)),
  };
}

function spillLists(P: number, rel: Structure['rel']): { spillTo: Int32Array[]; spillW: Float64Array[] } {
  const out: { to: number; rho: number }[][] = Array.from({ length: P }, () => []);
  for (let e = 0; e < rel.src.length; e++) out[rel.src[e]!]!.push({ to: rel.dst[e]!, rho: REL_RHO[rel.type[e]!]! });
  const spillTo: Int32Array[] = [];
  const spillW: Float64Array[] = [];
  for (let i = 0; i < P; i++) {
    const w = new Map<number, number>();
    const hop1 = new Set<number>();
    for (const { to, rho } of out[i]!) {
      hop1.add(to);
      w.set(to, Math.max(w.get(to) ?? 0, rho));
    }
    const hop2 = new Map<number, number>();
    for (const j of hop1) {
      for (const { to, rho } of out[j]!) {
        if (to === i || hop1.has(to)) continue;
        hop2.set(to, Math.max(hop2.get(to) ?? 0, 0.5 * rho));
      }
    }
    for (const [k, v] of hop2) w.set(k, v);
    const keys = [...w.keys()].sort((a, b) => a - b);
    spillTo.push(Int32Array.from(keys));
    spillW.push(Float64Array.from(keys.map((k) => w.get(k)!)));
  }
  return { spillTo, spillW };
}

/**
 * The structure with dayTypes.common blended into the day-type mapping and
 * signature: (1 − common)·cluster part + common·shared part (the structure
 * itself stays a function of preset and seed; this is what the effects make
 * of it). common = 0 returns `S` unchanged.
 */
export function withDayTypeCommon(S: Structure, common: number): Structure {
  if (common === 0) return S;
  const K = S.leadersOf.length;
  const T = S.dtSig.length / K;
  const dtW = Float64Array.from(S.dtW);
  const dtSig = Float64Array.from(S.dtSig);
  for (let c = 0; c < K; c++) {
    for (let d = 0; d < T; d++) {
      for (let f = 0; f < DAYTYPE_FEATURES; f++) {
        const at = (c * T + d) * DAYTYPE_FEATURES + f;
        dtW[at] = (1 - common) * S.dtW[at]! + common * S.dtWCommon[d * DAYTYPE_FEATURES + f]!;
      }
      dtSig[d * K + c] = (1 - common) * S.dtSig[d * K + c]! + common * S.dtSigCommon[d]!;
    }
  }
  return { ...S, dtW, dtSig };
}
