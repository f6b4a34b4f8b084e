// Exogenous latent time series of the synthetic market: market states and
// the market return, concept and hidden-cluster AR(1) factors, TRA regimes,
// IGMTF day types, the MF market state s_t, the second-order θ*_t, DRM factor
// returns and per-stock momentum drifts.
//
// Guarantees: each series draws from its own named random stream and draws
// the same numbers whatever the amplitudes, so effects only rescale their own
// series; all factors are unit-variance before the amplitude is applied.

import type { Effects } from './effects.js';
import type { Preset } from './presets.js';
import { makeRng, shuffleInPlace } from './rng.js';
import { Q_DIM } from './structure.js';

export const MARKET_STATES = ['bear', 'calm', 'bull'] as const;
export const REGIMES = ['momentum', 'reversal', 'volume'] as const;
export const STYLE_NAMES = [
  'size', 'beta', 'momentum', 'resvol', 'nlsize', 'btop', 'liquidity', 'earnyield', 'growth', 'leverage',
] as const;
export const LATENT_NAMES = ['relmom', 'volshock', 'volsq'] as const;
export const THETA_NAMES = ['roc5', 'roc20', 'std20', 'vma5_20', 'ma10_bias'] as const;

const MARKET_MU_ON = [-0.0055, 0.0004, 0.006];
const MARKET_SIGMA_ON = [0.02, 0.008, 0.013];
const MARKET_MU_OFF = 0.0001;
const MARKET_SIGMA_OFF = 0.0145;
export const MARKET_STAY = 0.97;
export const MOMENTUM_PHI = 0.97;

export interface Latent {
  marketState: Int8Array;
  market: Float64Array;
  /** Concept factors, concept-major (M × D), unit variance; and their persistence. */
  conceptFactor: Float64Array;
  conceptPhi: Float64Array;
  hiddenFactor: Float64Array;
  hiddenPhi: Float64Array;
  /** Regime per (cluster, day), cluster-major. */
  regime: Int8Array;
  dayType: Int8Array;
  /** The day type that drives the label mapping (= dayType unless shuffled). */
  labelDayType: Int8Array;
  /** MF market state, day-major (D × Q_DIM). */
  mfState: Float64Array;
  /** θ*_t, day-major (D × 5). */
  theta: Float64Array;
  /** Unit-variance factor returns, day-major. */
  styleRet: Float64Array;
  latentRet: Float64Array;
  industryRet: Float64Array;
  /** Idiosyncratic momentum drift, stock-major (P × D), unit variance. */
  drift: Float64Array;
}

function ar1(rng: ReturnType<typeof makeRng>, D: number, phi: number, out: Float64Array, offset: number): void {
  const innov = Math.sqrt(1 - phi * phi);
  let x = rng.normal();
  for (let t = 0; t < D; t++) {
    x = phi * x + innov * rng.normal();
    out[offset + t] = x;
  }
}

export function buildLatent(preset: Preset, seed: number, D: number, P: number, effects: Effects): Latent {
  const a = effects.market.amp;
  const mu = MARKET_MU_ON.map((m) => MARKET_MU_OFF + a * (m - MARKET_MU_OFF));
  const sd = MARKET_SIGMA_ON.map((s) => MARKET_SIGMA_OFF * Math.pow(s / MARKET_SIGMA_OFF, a));
  const mr = makeRng(seed, 'market');
  const marketState = new Int8Array(D);
  const market = new Float64Array(D);
  let s = mr.int(3);
  const shocks = new Float64Array(D);
  for (let t = 0; t < D; t++) {
    const u = mr.uniform();
    const pick = mr.int(2);
    if (t > 0 && u >= MARKET_STAY) s = (s + 1 + pick) % 3;
    marketState[t] = s;
    shocks[t] = mr.normal();
  }
  // Shift the state means by one constant so that the average drift over the
  // realized state path is MARKET_MU_OFF: the regimes differ, the long-run
  // market drift does not depend on how many bear days a seed draws.
  // The shocks are demeaned over the path too, which keeps the market's
  // cumulative return near D × MARKET_MU_OFF.
  let avg = 0;
  let shockMean = 0;
  for (let t = 0; t < D; t++) {
    avg += mu[marketState[t]!]! / D;
    shockMean += shocks[t]! / D;
  }
  for (let t = 0; t < D; t++) shocks[t] = shocks[t]! - shockMean;
  for (let t = 0; t < D; t++) market[t] = mu[marketState[t]!]! - avg + MARKET_MU_OFF + sd[marketState[t]!]! * shocks[t]!;

  const M = preset.concepts;
  const cr = makeRng(seed, 'concepts');
  const conceptPhi = new Float64Array(M);
  const conceptFactor = new Float64Array(M * D);
  for (let c = 0; c < M; c++) {
    conceptPhi[c] = 0.3 + 0.2 * cr.uniform();
    ar1(cr, D, conceptPhi[c]!, conceptFactor, c * D);
  }

  const K = preset.hiddenClusters;
  const hr = makeRng(seed, 'hidden');
  const hiddenPhi = new Float64Array(K);
  const hiddenFactor = new Float64Array(K * D);
  for (let c = 0; c < K; c++) {
    hiddenPhi[c] = 0.4 + 0.1 * hr.uniform();
    ar1(hr, D, hiddenPhi[c]!, hiddenFactor, c * D);
  }

  const rr = makeRng(seed, 'regimes');
  const stay = effects.regimes.stay;
  const regime = new Int8Array(K * D);
  for (let c = 0; c < K; c++) {
    let g = rr.int(3);
    for (let t = 0; t < D; t++) {
      const u = rr.uniform();
      const pick = rr.int(2);
      if (t > 0 && u >= stay) g = (g + 1 + pick) % 3;
      regime[c * D + t] = g;
    }
  }

  const dr = makeRng(seed, 'daytypes');
  const dayType = new Int8Array(D);
  for (let t = 0; t < D; t++) dayType[t] = dr.int(preset.dayTypes);
  const perm = shuffleInPlace(makeRng(seed, 'daytype-shuffle'), Array.from({ length: D }, (_, t) => t));
  const labelDayType = effects.dayTypes.shuffle ? Int8Array.from(perm, (k) => dayType[k]!) : dayType.slice();

  const fr = makeRng(seed, 'mf-state');
  const mfState = new Float64Array(D * Q_DIM);
  const mfPhi = 0.8;
  const mfInnov = Math.sqrt(1 - mfPhi * mfPhi);
  const st = Array.from({ length: Q_DIM }, () => fr.normal());
  for (let t = 0; t < D; t++) {
    for (let k = 0; k < Q_DIM; k++) {
      st[k] = mfPhi * st[k]! + mfInnov * fr.normal();
      mfState[t * Q_DIM + k] = st[k]!;
    }
  }

  const tr = makeRng(seed, 'theta');
  const NT = THETA_NAMES.length;
  const theta = new Float64Array(D * NT);
  for (let k = 0; k < NT; k++) {
    const waves = [0, 1].map(() => ({ period: 20 + 100 * tr.uniform(), phase: 2 * Math.PI * tr.uniform() }));
    let x = 0.5 * tr.normal();
    const innov = 0.5 * Math.sqrt(1 - 0.95 * 0.95);
    for (let t = 0; t < D; t++) {
      x = 0.95 * x + innov * tr.normal();
      let v = x;
      for (const w of waves) v += Math.sin((2 * Math.PI * t) / w.period + w.phase);
      theta[t * NT + k] = v / Math.sqrt(1.25);
    }
  }

  const fac = makeRng(seed, 'factors');
  const styleRet = new Float64Array(D * STYLE_NAMES.length);
  const latentRet = new Float64Array(D * LATENT_NAMES.length);
  const industryRet = new Float64Array(D * preset.industries);
  for (let t = 0; t < D; t++) {
    for (let k = 0; k < STYLE_NAMES.length; k++) styleRet[t * STYLE_NAMES.length + k] = fac.normal();
    for (let k = 0; k < LATENT_NAMES.length; k++) latentRet[t * LATENT_NAMES.length + k] = fac.normal();
    for (let k = 0; k < preset.industries; k++) industryRet[t * preset.industries + k] = fac.normal();
  }

  const mo = makeRng(seed, 'momentum');
  const drift = new Float64Array(P * D);
  for (let i = 0; i < P; i++) ar1(mo, D, MOMENTUM_PHI, drift, i * D);

  return {
    marketState, market, conceptFactor, conceptPhi, hiddenFactor, hiddenPhi, regime, dayType, labelDayType,
    mfState, theta, styleRet, latentRet, industryRet, drift,
  };
}
