// Kernel registry: DAG op name → kernel. The evaluator and the worker threads
// both dispatch through this one table.

import type { Kernel } from './layout.js';
import { elementwiseKernels, refKernel, deltaKernel } from './elementwise.js';
import { momentKernel, countKernel, ewmKernel } from './moments.js';
import { extremeKernel, idxExtremeKernel } from './extremes.js';
import { orderKernel } from './order.js';
import { regressionKernel } from './regression.js';
import { pairKernel } from './pair.js';
import { wmaKernel, ema0Kernel } from './weighted.js';
import { csRankKernel, csZscoreKernel, csDemeanKernel, csMeanKernel } from './cross-section.js';

export const KERNELS: Readonly<Record<string, Kernel>> = {
  ...elementwiseKernels,
  Ref: refKernel,
  Delta: deltaKernel,
  Sum: momentKernel('Sum'),
  Mean: momentKernel('Mean'),
  Var: momentKernel('Var'),
  Std: momentKernel('Std'),
  Skew: momentKernel('Skew'),
  Kurt: momentKernel('Kurt'),
  Count: countKernel,
  _ewm: ewmKernel,
  Max: extremeKernel(true),
  Min: extremeKernel(false),
  IdxMax: idxExtremeKernel(true),
  IdxMin: idxExtremeKernel(false),
  Med: orderKernel('Med'),
  Quantile: orderKernel('Quantile'),
  Rank: orderKernel('Rank'),
  Mad: orderKernel('Mad'),
  Slope: regressionKernel('Slope'),
  _rsq: regressionKernel('_rsq'),
  Resi: regressionKernel('Resi'),
  _corr: pairKernel(true),
  Cov: pairKernel(false),
  WMA: wmaKernel,
  _ema0: ema0Kernel,
  cs_rank: csRankKernel,
  cs_zscore: csZscoreKernel,
  cs_demean: csDemeanKernel,
  cs_mean: csMeanKernel,
};
