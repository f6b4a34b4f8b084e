// A synthetic market for the backtest benchmark: a seeded random walk of N
// stocks over D days with fat-tailed moves clipped at ±10 % (so some days hit
// the 9.5 % limit), suspension spells (volume 0, close carried), adjustment
// factors that jump on split days, random scores and an equal-weight index.
//
// Deterministic for a given seed; builds typed arrays in the Panel layout.

import type { Panel } from '../runtime/data/panel.js';
import { mulberry32 } from '../runtime/random.js';


export interface SyntheticMarket {
  panel: Panel;
  score: Float64Array;
  benchClose: Float64Array;
  stats: { limitDays: number; suspendedDays: number };
}

export function syntheticMarket(N: number, D: number, seed = 1): SyntheticMarket {
  const r = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const days: string[] = [];
  const t0 = Date.UTC(2017, 0, 3);
  for (let d = 0, k = 0; d < D; k++) {
    const day = new Date(t0 + k * 86_400_000);
    if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
    days.push(day.toISOString().slice(0, 10));
    d++;
  }
  const close = new Float64Array(N * D);
  const volume = new Float64Array(N * D);
  const factor = new Float64Array(N * D);
  const score = new Float64Array(N * D);
  const benchClose = new Float64Array(D);
  const dayRet = new Float64Array(D);
  let limitDays = 0;
  let suspendedDays = 0;
  for (let i = 0; i < N; i++) {
    let c = 5 + 60 * r();
    let f = 1 + 5 * r();
    let spell = 0;
    for (let d = 0; d < D; d++) {
      const k = i * D + d;
      if (spell === 0 && r() < 0.003) spell = 1 + Math.floor(r() * 15);
      const susp = spell > 0;
      if (susp) {
        spell--;
        suspendedDays++;
      } else {
        // fat tails: a t-like move, clipped at the ±10 % daily limit
        let m = 0.022 * normal() * (r() < 0.05 ? 3 : 1);
        if (m >= 0.095 || m <= -0.095) limitDays++;
        m = Math.max(-0.1, Math.min(0.1, m));
        c *= 1 + m;
        dayRet[d] = dayRet[d]! + m / N;
        if (r() < 0.0008) f *= 1.5; // a split: adjusted prices are continuous, the factor jumps
      }
      close[k] = c;
      volume[k] = susp ? 0 : 1e6 * (0.5 + r());
      factor[k] = f;
      score[k] = r();
    }
  }
  let b = 3000;
  for (let d = 0; d < D; d++) {
    b *= 1 + dayRet[d]!;
    benchClose[d] = b;
  }
  return {
    panel: { days, instruments: Array.from({ length: N }, (_, i) => `SZ${String(i).padStart(6, '0')}`), fields: { close, volume, factor } },
    score,
    benchClose,
    stats: { limitDays, suspendedDays },
  };
}
