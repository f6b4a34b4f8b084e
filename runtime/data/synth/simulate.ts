// The day-by-day simulation of daily bars, style exposures and latent
// exposures of the synthetic market.
//
// For stock i on trading day t the (adjusted close-to-close) return is
//   r_it = exo_it + s_i·signal_i,t−1 + factorTerm_i,t−1 + s_i·ε_it,   clipped to ±10 %,
// where exo holds the exogenous components (market, concepts, hidden
// clusters, MF state, momentum drift, day-type signature, industry factors,
// events, news), signal the path-dependent planted signals computed at the
// close of the stock's previous trading day from its own bars (temporal,
// regimes, day types, second-order, indicators) and from its cluster's
// leaders (cross-stock; in its interaction mode from the market-wide leader
// factor of the day), and factorTerm = s̄·(style and latent exposures at
// t−1 · factor returns at t) − ANCHOR·(x_i − x̄), x = log(close / first
// price), the valuation anchor that keeps price levels from drifting apart
// without bound. ε is Student-t(5) with unit variance.
//
// Features are computed on the stock's own sequence of trading days (rows
// with prices), exactly as docs/synthetic-market.md defines them; signals
// need 20 past returns (warm-up) and are 0 before.
//
// Guarantees: OHLC consistency (low ≤ open, close ≤ high; vwap in [low,
// high]); suspended days are NaN rows; rows exist from the listing day; the
// close moves at most 10 % a day to the price tick (limit days sit at ±10 %);
// raw prices (adjusted / factor) lie on a 0.01 grid; noise is drawn from one
// stream with a fixed count per listed stock-day.

import type { Effects } from './effects.js';
import type { Latent } from './latent.js';
import { LATENT_NAMES, STYLE_NAMES, THETA_NAMES } from './latent.js';
import { makeRng } from './rng.js';
import { DAYTYPE_FEATURES, type Structure } from './structure.js';

/** Average idiosyncratic volatility: the scale of the DRM factor model's returns. */
export const S_BAR = 0.014;
export const LIMIT = 0.1;
const RING = 256;
const MASK = RING - 1;
const E_ABS_T5 = 0.735;
const VOL_PHI = 0.8;
const VOL_VAR = (0.25 * 0.25 + 0.3 * 0.3 * 0.46) / (1 - VOL_PHI * VOL_PHI);

/** Valuation anchor: daily pull of log(close / first price) toward its cross-sectional mean. */
export const ANCHOR = 6e-4;

/** Normalising constants that make each planted signal roughly unit-variance. */
export const K_TEMPORAL = 2.8;
export const K_REGIME = 1.6;
export const K_DAYTYPE = 1.6;
export const K_INDICATOR = 1.6;
export const DAYTYPE_NORM = Math.sqrt(1 + 0.49);
/**
 * crossStock's interaction mode: the leaders' loading on the common leader
 * factor ℓ_t, in units of their idiosyncratic volatility: their return gets
 * s_i·K_LEADER·ℓ_t, so their idiosyncratic volatility is √(1 + K_LEADER²) ≈ 3.2
 * times what it would be (σ̂₂₀ about 1.8 times the followers', market
 * included) — visible in their own bars, which is how a salience-style
 * attention (Qlib's GAT) can find them.
 */
export const K_LEADER = 3;

export interface Bars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  vwap: Float64Array;
  volume: Float64Array;
  factor: Float64Array;
  cap: Float64Array;
  /** 1 where a row exists (listed), stock-major like the prices. */
  present: Uint8Array;
  /** Style exposures (STYLE_NAMES order), each P × D, NaN where undefined. */
  style: Float64Array[];
  /** Latent (missing-from-style) exposures (LATENT_NAMES order). */
  latent: Float64Array[];
  /** Per-day factor returns actually applied (per unit exposure): style, latent, industry; day-major. */
  styleRet: Float64Array;
  latentRet: Float64Array;
  industryRet: Float64Array;
}

function sampleStd(ring: Float64Array, base: number, from: number, to: number): number {
  // Sample standard deviation (ddof 1) of observations from..to (inclusive) of one stock's ring.
  const n = to - from + 1;
  let m = 0;
  for (let k = from; k <= to; k++) m += ring[base + (k & MASK)]!;
  m /= n;
  let v = 0;
  for (let k = from; k <= to; k++) {
    const d = ring[base + (k & MASK)]! - m;
    v += d * d;
  }
  return Math.sqrt(v / (n - 1));
}

/** x on the raw-price grid 1/perUnit (raw = adjusted / factor), returned as an adjusted price. */
export function tick(x: number, factor: number, perUnit: number): number {
  if (factor === 1) return Math.round(x * perUnit) / perUnit;
  // Adjusted prices of factored stocks keep 6 decimals (close / factor = the raw price to 1e-6 relative).
  return Math.round((Math.round((x / factor) * perUnit) / perUnit) * factor * 1e6) / 1e6;
}

/** Cross-sectional z-score over the finite entries, clipped to ±3 and rounded to 1e-4; NaN stays NaN. */
function zClip(x: Float64Array, idx: Int32Array, n: number, out: Float64Array, outOffsetStride: number, t: number): void {
  let m = 0;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const v = x[idx[k]!]!;
    if (Number.isFinite(v)) {
      m += v;
      c++;
    }
  }
  if (c < 3) {
    for (let k = 0; k < n; k++) out[idx[k]! * outOffsetStride + t] = NaN;
    return;
  }
  m /= c;
  let s = 0;
  for (let k = 0; k < n; k++) {
    const v = x[idx[k]!]!;
    if (Number.isFinite(v)) s += (v - m) * (v - m);
  }
  const sd = Math.sqrt(s / (c - 1)) || 1;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    const v = x[i]!;
    out[i * outOffsetStride + t] = Number.isFinite(v) ? Math.round(1e4 * Math.max(-3, Math.min(3, (v - m) / sd))) / 1e4 : NaN;
  }
}

export function simulate(seed: number, S: Structure, L: Latent, effects: Effects, exo: Float64Array): Bars {
  const { P, D } = S;
  const N = P * D;
  const nan = (): Float64Array => new Float64Array(N).fill(NaN);
  const bars: Bars = {
    open: nan(), high: nan(), low: nan(), close: nan(), vwap: nan(), volume: nan(), factor: nan(), cap: nan(),
    present: new Uint8Array(N),
    style: STYLE_NAMES.map(nan),
    latent: LATENT_NAMES.map(nan),
    styleRet: new Float64Array(D * STYLE_NAMES.length),
    latentRet: new Float64Array(D * LATENT_NAMES.length),
    industryRet: new Float64Array(D * L.industryRet.length / D),
  };
  const NS = STYLE_NAMES.length;
  const NL = LATENT_NAMES.length;
  const NT = THETA_NAMES.length;
  const nInd = L.industryRet.length / D;
  for (let t = 0; t < D; t++) {
    for (let k = 0; k < NS; k++) bars.styleRet[t * NS + k] = effects.factors.style * S_BAR * L.styleRet[t * NS + k]!;
    for (let k = 0; k < NL; k++) bars.latentRet[t * NL + k] = effects.factors.amp * S_BAR * L.latentRet[t * NL + k]!;
    for (let k = 0; k < nInd; k++) bars.industryRet[t * nInd + k] = effects.factors.industry * S_BAR * L.industryRet[t * nInd + k]!;
  }

  const noise = makeRng(seed, 'noise');
  const fund = makeRng(seed, 'fundamentals');

  // Per-stock state.
  const logC = new Float64Array(P * RING);
  const logV = new Float64Array(P * RING);
  const closeR = new Float64Array(P * RING);
  const volR = new Float64Array(P * RING);
  const rets = new Float64Array(P * RING);
  const nObs = new Int32Array(P);
  const lastC = new Float64Array(P);
  const factor = new Float64Array(P).fill(1);
  const shares = Float64Array.from(S.shares0);
  const actionPos = new Int32Array(P);
  const vState = new Float64Array(P);
  const betaErr = new Float64Array(P);
  const fundamentals = new Float64Array(P * 4);
  for (let i = 0; i < P; i++) {
    vState[i] = Math.sqrt(VOL_VAR) * fund.normal();
    betaErr[i] = 0.1 * fund.normal();
    for (let k = 0; k < 4; k++) fundamentals[i * 4 + k] = fund.normal();
    lastC[i] = S.price0[i]!;
  }
  const signal = new Float64Array(P);
  const factorTerm = new Float64Array(P);
  const eps = new Float64Array(P);
  const traded = new Uint8Array(P);

  // Per-day feature scratch (indexed by stock).
  const f = {
    r: new Float64Array(P), sig20: new Float64Array(P), u: new Float64Array(P), r5: new Float64Array(P),
    r20: new Float64Array(P), bias20: new Float64Array(P), sig60: new Float64Array(P),
    mom: new Float64Array(P), vma5_20: new Float64Array(P), vma5_60: new Float64Array(P), ma10: new Float64Array(P),
    turn20: new Float64Array(P), logCap: new Float64Array(P),
  };
  const raw = Array.from({ length: NS + NL + NT }, () => new Float64Array(P));
  const thetaZ = Array.from({ length: NT }, () => new Float64Array(P));
  const idx = new Int32Array(P);
  const indSum = new Float64Array(nInd);
  const indCnt = new Int32Array(nInd);
  const K = S.leadersOf.length;
  const leaderEps = new Float64Array(K);
  const leaderN = new Int32Array(K);
  // Interaction mode: the market-wide leader factor ℓ_t ~ N(0, 1), one per
  // day, from its own stream (the noise stream's draws are unchanged).
  const interaction = effects.crossStock.interaction;
  const leaderFactor = new Float64Array(D);
  if (interaction) {
    const lf = makeRng(seed, 'leader-factor');
    for (let t = 0; t < D; t++) leaderFactor[t] = lf.normal();
  }
  const T = S.dtSig.length / K;

  for (let t = 0; t < D; t++) {
    // ── A. returns and bars ────────────────────────────────────────────────
    let nTraded = 0;
    for (let i = 0; i < P; i++) {
      traded[i] = 0;
      if (t < S.listDay[i]!) continue;
      const e = noise.t5();
      const x1 = noise.normal();
      const x2 = noise.normal();
      const x3 = noise.normal();
      const x4 = noise.normal();
      const eta = noise.normal();
      const at = i * D + t;
      bars.present[at] = 1;
      if (S.suspended[at]) {
        signal[i] = 0;
        factorTerm[i] = 0;
        continue;
      }
      const s = S.sigma[i]!;
      let r = exo[at]! + s * signal[i]! + factorTerm[i]! + s * e;
      if (interaction && S.leader[i]) r += s * K_LEADER * leaderFactor[t]!;
      if (r > LIMIT) r = LIMIT;
      if (r < -LIMIT) r = -LIMIT;
      // Corporate actions on this day change the factor (and shares for splits).
      const acts = S.actions[i]!;
      while (actionPos[i]! < acts.length && acts[actionPos[i]!]!.day <= t) {
        const a = acts[actionPos[i]!]!;
        factor[i] = Math.round(factor[i]! * a.mult * 1e6) / 1e6;
        if (a.mult >= 1.4) shares[i] = shares[i]! * a.mult;
        actionPos[i]!++;
      }
      // Prices are adjusted (raw × factor); raw prices sit on a 0.01 tick, vwap on 0.001.
      const fac = factor[i]!;
      const prev = lastC[i]!;
      const C = tick(prev * (1 + r), fac, 100);
      const lr = Math.log1p(r);
      let O = prev * Math.exp(0.3 * lr + 0.35 * s * x1);
      O = tick(Math.min(prev * (1 + LIMIT), Math.max(prev * (1 - LIMIT), O)), fac, 100);
      let H = Math.max(O, C) * Math.exp(0.6 * s * Math.abs(x2));
      let Lo = Math.min(O, C) * Math.exp(-0.6 * s * Math.abs(x3));
      H = Math.max(O, C, tick(Math.min(H, prev * (1 + LIMIT)), fac, 100));
      Lo = Math.min(O, C, tick(Math.max(Lo, prev * (1 - LIMIT)), fac, 100));
      if (r === LIMIT) H = Math.max(O, C);
      if (r === -LIMIT) Lo = Math.min(O, C);
      let V = tick(0.25 * (O + H + Lo + C) + 0.1 * (H - Lo) * x4, fac, 1000);
      V = Math.min(H, Math.max(Lo, V));

      vState[i] = VOL_PHI * vState[i]! + 0.25 * eta + 0.3 * (Math.abs(e) - E_ABS_T5);
      const rawVol = Math.max(1, Math.round((shares[i]! * S.turnover[i]! * Math.exp(vState[i]! - 0.5 * VOL_VAR)) / 100)) * 100;
      const adjVol = rawVol / factor[i]!;

      bars.open[at] = O;
      bars.high[at] = H;
      bars.low[at] = Lo;
      bars.close[at] = C;
      bars.vwap[at] = V;
      bars.volume[at] = adjVol;
      bars.factor[at] = factor[i]!;
      bars.cap[at] = (Math.round((C / fac) * 100) * shares[i]!) / 100;
      lastC[i] = C;
      const n = nObs[i]!;
      const base = i * RING;
      logC[base + (n & MASK)] = Math.log(C);
      logV[base + (n & MASK)] = Math.log(adjVol);
      closeR[base + (n & MASK)] = C;
      volR[base + (n & MASK)] = adjVol;
      rets[base + (n & MASK)] = n > 0 ? C / prev - 1 : NaN;
      nObs[i] = n + 1;
      eps[i] = e;
      traded[i] = 1;
      idx[nTraded++] = i;
    }

    // ── B. features at the close of t ─────────────────────────────────────
    for (let k = 0; k < nInd; k++) {
      indSum[k] = 0;
      indCnt[k] = 0;
    }
    for (let q = 0; q < nTraded; q++) {
      const i = idx[q]!;
      const n = nObs[i]!;
      const last = n - 1;
      const base = i * RING;
      const at0 = base + (last & MASK);
      f.r[i] = n >= 2 ? rets[at0]! : NaN;
      f.sig20[i] = n >= 21 ? sampleStd(rets, base, last - 19, last) : NaN;
      f.sig60[i] = n >= 21 ? sampleStd(rets, base, Math.max(1, last - 59), last) : NaN;
      const c0 = closeR[at0]!;
      if (n >= 20) {
        let sl = 0;
        let sc = 0;
        let v5 = 0;
        let v20 = 0;
        for (let k = last - 19; k <= last; k++) {
          const a = base + (k & MASK);
          sl += logV[a]!;
          sc += closeR[a]!;
          const v = volR[a]!;
          v20 += v;
          if (k > last - 5) v5 += v;
        }
        f.u[i] = logV[at0]! - sl / 20;
        f.bias20[i] = c0 / (sc / 20) - 1;
        f.vma5_20[i] = v5 / 5 / (v20 / 20) - 1;
        const from60 = Math.max(0, last - 59);
        let v60 = 0;
        for (let k = from60; k <= last; k++) v60 += volR[base + (k & MASK)]!;
        f.vma5_60[i] = Math.log(v5 / 5 / (v60 / (last - from60 + 1)));
        f.turn20[i] = Math.log(((v20 / 20) * factor[i]!) / shares[i]!);
      } else {
        f.u[i] = NaN;
        f.bias20[i] = NaN;
        f.vma5_20[i] = NaN;
        f.vma5_60[i] = NaN;
        f.turn20[i] = NaN;
      }
      f.r5[i] = n >= 6 ? c0 / closeR[base + ((last - 5) & MASK)]! - 1 : NaN;
      f.r20[i] = n >= 21 ? c0 / closeR[base + ((last - 20) & MASK)]! - 1 : NaN;
      if (n >= 10) {
        let s10 = 0;
        for (let k = last - 9; k <= last; k++) s10 += closeR[base + (k & MASK)]!;
        f.ma10[i] = c0 / (s10 / 10) - 1;
      } else f.ma10[i] = NaN;
      f.mom[i] = n >= 42 ? logC[base + ((last - 21) & MASK)]! - logC[base + (Math.max(0, last - 251) & MASK)]! : NaN;
      f.logCap[i] = Math.log(bars.cap[i * D + t]!);
      if (Number.isFinite(f.r20[i]!)) {
        indSum[S.industry[i]!] += f.r20[i]!;
        indCnt[S.industry[i]!]++;
      }
      // Slowly moving fundamentals and beta-estimation error.
      betaErr[i] = 0.995 * betaErr[i]! + 0.1 * Math.sqrt(1 - 0.995 * 0.995) * fund.normal();
      for (let k = 0; k < 4; k++) {
        fundamentals[i * 4 + k] = 0.998 * fundamentals[i * 4 + k]! + Math.sqrt(1 - 0.998 * 0.998) * fund.normal();
      }
    }

    // ── C. cross-sectional exposures ──────────────────────────────────────
    // raw: 0..NS-1 styles, NS..NS+NL-1 latents, then theta features.
    for (let q = 0; q < nTraded; q++) {
      const i = idx[q]!;
      raw[0]![i] = f.logCap[i]!;
      raw[1]![i] = S.beta[i]! + betaErr[i]!;
      raw[2]![i] = f.mom[i]!;
      raw[3]![i] = f.sig60[i]!;
      raw[4]![i] = NaN; // nlsize: filled below from standardized size
      raw[5]![i] = fundamentals[i * 4]! - 0.3 * (f.logCap[i]! - 23.7);
      raw[6]![i] = f.turn20[i]!;
      raw[7]![i] = fundamentals[i * 4 + 1]!;
      raw[8]![i] = fundamentals[i * 4 + 2]!;
      raw[9]![i] = fundamentals[i * 4 + 3]!;
      const ind = S.industry[i]!;
      const peer = indCnt[ind]! > 0 ? indSum[ind]! / indCnt[ind]! : NaN;
      raw[NS]![i] = f.r20[i]! - peer;
      raw[NS + 1]![i] = f.vma5_60[i]!;
      raw[NS + 2]![i] = f.sig20[i]!;
      raw[NS + NL]![i] = f.r5[i]!;
      raw[NS + NL + 1]![i] = f.r20[i]!;
      raw[NS + NL + 2]![i] = f.sig20[i]!;
      raw[NS + NL + 3]![i] = f.vma5_20[i]!;
      raw[NS + NL + 4]![i] = f.ma10[i]!;
    }
    for (let k = 0; k < NS; k++) if (k !== 4) zClip(raw[k]!, idx, nTraded, bars.style[k]!, D, t);
    // nlsize: size³ orthogonalised to size, standardized.
    {
      const size = bars.style[0]!;
      let sxy = 0;
      let sxx = 0;
      for (let q = 0; q < nTraded; q++) {
        const z = size[idx[q]! * D + t]!;
        sxy += z * z * z * z;
        sxx += z * z;
      }
      const b = sxx > 0 ? sxy / sxx : 0;
      for (let q = 0; q < nTraded; q++) {
        const i = idx[q]!;
        const z = size[i * D + t]!;
        raw[4]![i] = z * z * z - b * z;
      }
      zClip(raw[4]!, idx, nTraded, bars.style[4]!, D, t);
    }
    // Latent exposures: nonlinear transforms, then standardized.
    {
      const tmp = raw[NS]!;
      zClip(tmp, idx, nTraded, bars.latent[0]!, D, t);
      for (let q = 0; q < nTraded; q++) tmp[idx[q]!] = Math.tanh(bars.latent[0]![idx[q]! * D + t]!);
      zClip(tmp, idx, nTraded, bars.latent[0]!, D, t);
      zClip(raw[NS + 1]!, idx, nTraded, bars.latent[1]!, D, t);
      const vs = raw[NS + 2]!;
      zClip(vs, idx, nTraded, bars.latent[2]!, D, t);
      for (let q = 0; q < nTraded; q++) {
        const z = bars.latent[2]![idx[q]! * D + t]!;
        vs[idx[q]!] = z * z;
      }
      zClip(vs, idx, nTraded, bars.latent[2]!, D, t);
    }
    // Second-order features: standardized into thetaZ (stride 1, one day).
    for (let k = 0; k < NT; k++) zClip(raw[NS + NL + k]!, idx, nTraded, thetaZ[k]!, 1, 0);

    // ── D. signals for the next trading day ───────────────────────────────
    for (let c = 0; c < K; c++) {
      leaderEps[c] = 0;
      leaderN[c] = 0;
    }
    for (let c = 0; c < K; c++) {
      for (const j of S.leadersOf[c]!) {
        if (!traded[j]) continue;
        leaderEps[c] += eps[j]!;
        leaderN[c]++;
      }
    }
    const next = t + 1 < D ? t + 1 : t;
    const dt = L.labelDayType[t]!;
    // Valuation anchor: the mean over trading stocks of log(close / first price).
    let anchorMean = 0;
    for (let q = 0; q < nTraded; q++) anchorMean += Math.log(lastC[idx[q]!]! / S.price0[idx[q]!]!) / nTraded;
    const ef = effects;
    for (let q = 0; q < nTraded; q++) {
      const i = idx[q]!;
      const c = S.cluster[i]!;
      // Factor model term for tomorrow: exposures today × factor returns tomorrow.
      let ft = 0;
      for (let k = 0; k < NS; k++) {
        const b = bars.style[k]![i * D + t]!;
        if (Number.isFinite(b)) ft += b * bars.styleRet[next * NS + k]!;
      }
      for (let k = 0; k < NL; k++) {
        const b = bars.latent[k]![i * D + t]!;
        if (Number.isFinite(b)) ft += b * bars.latentRet[next * NL + k]!;
      }
      factorTerm[i] = ft - ANCHOR * (Math.log(lastC[i]! / S.price0[i]!) - anchorMean);

      let z = 0;
      if (!interaction && !S.leader[i] && leaderN[c]! > 0) z += ef.crossStock.amp * (leaderEps[c]! / Math.sqrt(leaderN[c]!));
      const sd = f.sig20[i]!;
      if (nObs[i]! >= 21 && sd > 0) {
        const rt = Math.tanh(f.r[i]! / sd);
        const r5t = Math.tanh(f.r5[i]! / (sd * Math.sqrt(5)));
        const ut = Math.tanh(2 * f.u[i]!);
        z += ef.temporal.amp * K_TEMPORAL * rt * ut;
        // Followers: continuation after the leaders moved up, reversal after they moved down.
        if (interaction && !S.leader[i]) z += ef.crossStock.amp * rt * leaderFactor[t]!;
        const g = L.regime[c * D + t]!;
        z += ef.regimes.amp * K_REGIME * (g === 0 ? r5t : g === 1 ? -r5t : ut);
        const cell = c * T + dt;
        const w = cell * DAYTYPE_FEATURES;
        const xw = S.dtW[w]! * rt + S.dtW[w + 1]! * r5t + S.dtW[w + 2]! * ut;
        z += (ef.dayTypes.amp * (S.dtAlpha[cell]! + K_DAYTYPE * xw)) / DAYTYPE_NORM;
        let th = 0;
        for (let k = 0; k < NT; k++) {
          const x = thetaZ[k]![i]!;
          if (Number.isFinite(x)) th += L.theta[t * NT + k]! * x;
        }
        z += (ef.secondOrder.amp * th) / Math.sqrt(NT);
        const bias = Math.tanh(f.bias20[i]! / (sd * 2.5));
        const vma = Math.tanh(3 * f.vma5_20[i]!);
        z += ef.indicators.amp * K_INDICATOR * (-S.indScale[c * 2]! * bias + S.indScale[c * 2 + 1]! * vma);
      }
      signal[i] = z;
    }
  }
  return bars;
}
