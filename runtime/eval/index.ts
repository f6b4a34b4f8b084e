// Public surface of the evaluation metrics: cross-section layouts, IC family,
// error metrics, rank-based metrics and the all-in-one `evaluateSignal`.

export {
  assertCrossSections, checkCrossSections, crossSectionsFromDays, crossSectionsFromMatrix,
} from './cross-sections.js';
export type { CrossSections } from './cross-sections.js';
export { errorMetrics, evaluateSignal, icDecay, icSeries, icSummary } from './metrics.js';
export type {
  ErrorMetrics, EvaluateOptions, HorizonLabel, IcDecayPoint, IcSeries, IcSummary, SignalReport,
} from './metrics.js';
export {
  DEFAULT_KS, groupReturns, longShortReturns, precisionRecallAtK, traMetrics,
} from './ranking.js';
export type { GroupReturns, LongShortReturns, PrecisionRecall, TraMetrics } from './ranking.js';
export { averageRanks, nanMean, nanStd, pearson, rollingMean, spearman, summarize } from './stats.js';
export type { SeriesSummary } from './stats.js';
export { evaluateListed, shiftedLabels } from './listed.js';
export type { ListedReport } from './listed.js';
