// Public surface of the backtest: run Qlib's TopkDropoutStrategy over a panel
// and a score matrix, and analyse the account series. See docs/backtest.md for
// the exact rules and engine.ts for the daily loop.

export { runBacktest, validateBacktest } from './engine.js';
export type { BacktestInput, BacktestResult, TradeLog } from './engine.js';
export { QLIB_CSI300_SETTINGS, resolveSettings } from './settings.js';
export type { BacktestSettings } from './settings.js';
export type { BenchmarkSpec } from './market.js';
export { riskAnalysis } from './risk.js';
export type { RiskAnalysis } from './risk.js';
