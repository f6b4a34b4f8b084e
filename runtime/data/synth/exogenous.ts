// Assembly of the exogenous return components of the synthetic market: the
// parts of r_it that do not depend on the price path. Event and news
// contributions are added by events.ts into the same matrix.
//
// exo_it = μ_i + β_i·m_t
//        + concepts.amp·s_i·Σ_c γ_ic·g_ct / √n_i              (HIST concepts)
//        + hidden.amp·s_i·λ_i·h_{c(i),t}                       (HIST hidden clusters)
//        + funds.amp·s_i·q*_i·s_t / q̄                          (MF market state, q̄ = RMS ‖q*‖)
//        + momentum.amp·s_i·d_it                               (idiosyncratic drift)
//        + [dayTypes.amp > 0]·dayTypes.reveal·s_i·μ_{type_t, c(i)}  (day-type signature)
//        + factors.industry·s̄·η_{ind(i),t}                     (industry factor)
// with μ_i = 0.3·s_i² (offsets part of the idiosyncratic volatility drag).
//
// Guarantee: stock-major P × D, finite everywhere.

import type { Effects } from './effects.js';
import type { Latent } from './latent.js';
import { S_BAR } from './simulate.js';
import { Q_DIM, type Structure } from './structure.js';

export function exogenous(S: Structure, L: Latent, effects: Effects, nIndustries: number): Float64Array {
  const { P, D } = S;
  const exo = new Float64Array(P * D);
  let qn = 0;
  for (let i = 0; i < P; i++) for (let k = 0; k < Q_DIM; k++) qn += S.q[i * Q_DIM + k]! ** 2;
  const qBar = Math.sqrt(qn / P);
  const K = S.leadersOf.length;
  const revealAmp = effects.dayTypes.amp > 0 ? effects.dayTypes.reveal : 0;
  for (let i = 0; i < P; i++) {
    const s = S.sigma[i]!;
    const c = S.cluster[i]!;
    const cs = S.conceptsOf[i]!;
    const gs = S.gammaOf[i]!;
    const cNorm = 1 / Math.sqrt(cs.length);
    const mu = 0.3 * s * s;
    const ind = S.industry[i]!;
    for (let t = 0; t < D; t++) {
      let conc = 0;
      for (let k = 0; k < cs.length; k++) conc += gs[k]! * L.conceptFactor[cs[k]! * D + t]!;
      let mf = 0;
      for (let k = 0; k < Q_DIM; k++) mf += S.q[i * Q_DIM + k]! * L.mfState[t * Q_DIM + k]!;
      exo[i * D + t] =
        mu +
        S.beta[i]! * L.market[t]! +
        effects.concepts.amp * s * conc * cNorm +
        effects.hidden.amp * s * S.hiddenLoading[i]! * L.hiddenFactor[c * D + t]! +
        (effects.funds.amp * s * mf) / qBar +
        effects.momentum.amp * s * L.drift[i * D + t]! +
        revealAmp * s * S.dtSig[L.dayType[t]! * K + c]! +
        effects.factors.industry * S_BAR * L.industryRet[t * nIndustries + ind]!;
    }
  }
  return exo;
}
