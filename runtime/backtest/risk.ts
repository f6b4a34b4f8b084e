// Qlib's risk_analysis (qlib/contrib/evaluate.py) over a daily return series.
//
// Sum mode (the default, and what PortAnaRecord reports):
//   mean, std (ddof 1) of the series; annualized_return = mean · N;
//   information_ratio = mean / std · √N;
//   max_drawdown = min_t (cumsum_t − max_{s ≤ t} cumsum_s) — arithmetic, and
//   the running max starts at the first cumulative value, not at 0.
// Product mode: the compounded curve Π(1 + r); mean = curve_T^(1/T) − 1;
//   std = std(log(1 + r)); annualized_return = curve_T^(N/T) − 1;
//   max_drawdown = min(curve / cummax(curve) − 1).
//
// Assumes: N > 0 (238 for daily data in Qlib, not 252).
// Guarantees: pandas' NaN handling — mean/std/min skip NaN, cumsum/cumprod
// and cummax skip NaN entries (which stay NaN) and carry on; T counts every
// entry, as len(r) does.

import { nanMean, nanStd } from '../eval/stats.js';

export interface RiskAnalysis {
  mean: number;
  std: number;
  annualizedReturn: number;
  informationRatio: number;
  maxDrawdown: number;
}

export function riskAnalysis(r: ArrayLike<number>, N = 238, mode: 'sum' | 'product' = 'sum'): RiskAnalysis {
  let mean: number;
  let std: number;
  let annualizedReturn: number;
  let maxDrawdown = NaN;
  if (mode === 'sum') {
    mean = nanMean(r);
    std = nanStd(r, 1);
    annualizedReturn = mean * N;
    let cum = 0;
    let peak = -Infinity;
    for (let t = 0; t < r.length; t++) {
      const v = r[t]!;
      if (v !== v) continue;
      cum += v;
      if (cum > peak) peak = cum;
      const dd = cum - peak;
      if (!(dd >= maxDrawdown)) maxDrawdown = dd;
    }
  } else {
    let curve = 1;
    let peak = -Infinity;
    const logs = new Float64Array(r.length);
    for (let t = 0; t < r.length; t++) {
      const v = r[t]!;
      logs[t] = Math.log(1 + v);
      if (v !== v) continue;
      curve *= 1 + v;
      if (curve > peak) peak = curve;
      const dd = curve / peak - 1;
      if (!(dd >= maxDrawdown)) maxDrawdown = dd;
    }
    const T = r.length;
    const last = T > 0 && r[T - 1] === r[T - 1] ? curve : NaN;
    mean = last ** (1 / T) - 1;
    std = nanStd(logs, 1);
    annualizedReturn = (1 + (last - 1)) ** (N / T) - 1;
  }
  return { mean, std, annualizedReturn, informationRatio: (mean / std) * Math.sqrt(N), maxDrawdown };
}
