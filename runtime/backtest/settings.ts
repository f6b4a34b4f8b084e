// Backtest settings: the TopkDropoutStrategy, exchange and account knobs, with
// Qlib's CSI300 benchmark configuration as the defaults, and their validation.
//
// Assumes: settings arrive as plain JSON (from a plan), possibly partial, with
// camelCase names (Qlib's snake_case names are listed beside each field).
// Guarantees: `resolveSettings` returns complete settings plus a diagnostic for
// every unknown key and every invalid value (Q6401, Q6402); with no
// diagnostics of severity error the settings are safe for the engine.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';

export interface BacktestSettings {
  /** `topk`: stocks the strategy aims to hold. */
  topk: number;
  /** `n_drop`: held stocks replaced per day at most (1 ≤ n_drop ≤ topk). */
  nDrop: number;
  /** `risk_degree`: share of cash (after sells) spent on the day's buys. */
  riskDegree: number;
  /** `hold_thresh`: a stock is sold only after this many day-ends held. */
  holdThresh: number;
  /** `only_tradable`: pick candidates and sells among tradable stocks only. */
  onlyTradable: boolean;
  /** `forbid_all_trade_at_limit`: a limit in either direction blocks buys and sells. */
  forbidAllTradeAtLimit: boolean;
  /** `open_cost`: buy cost rate. */
  openCost: number;
  /** `close_cost`: sell cost rate. */
  closeCost: number;
  /** `min_cost`: minimum cost of one executed order. */
  minCost: number;
  /** `impact_cost`: market impact, impact_cost · (order value / day's value traded)²; needs `volume`. */
  impactCost: number;
  /** `limit_threshold`: |$change| at which a stock is limit-hit; null = no limits. */
  limitThreshold: number | null;
  /** `trade_unit`: lot size in real shares; null = no lot rounding. */
  tradeUnit: number | null;
  /** `deal_price`: panel field orders trade at (falls back to close when missing or ≤ 1e-8). */
  dealPrice: string;
  /** `account`: initial cash. */
  account: number;
  /** First and last trade day (ISO, inclusive); null = the panel's first / last day. */
  start: string | null;
  end: string | null;
  /** risk_analysis annualisation N (Qlib: 238 for daily data). */
  riskN: number;
}

/** Qlib's CSI300 benchmark configuration (qlib.md §1.2). */
export const QLIB_CSI300_SETTINGS: Readonly<BacktestSettings> = Object.freeze({
  topk: 50,
  nDrop: 5,
  riskDegree: 0.95,
  holdThresh: 1,
  onlyTradable: false,
  forbidAllTradeAtLimit: true,
  openCost: 0.0005,
  closeCost: 0.0015,
  minCost: 5,
  impactCost: 0,
  limitThreshold: 0.095,
  tradeUnit: 100,
  dealPrice: 'close',
  account: 1e8,
  start: null,
  end: null,
  riskN: 238,
});

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

/** Defaults filled in, and a diagnostic for each unknown key or invalid value. */
export function resolveSettings(partial: Partial<BacktestSettings> | Record<string, unknown> = {}): {
  settings: BacktestSettings;
  diagnostics: Diagnostic[];
} {
  const ds: Diagnostic[] = [];
  const known = Object.keys(QLIB_CSI300_SETTINGS);
  for (const k of Object.keys(partial)) {
    if (!known.includes(k)) ds.push(diag('backtestBadSetting', { name: k, value: show((partial as Record<string, unknown>)[k]), expected: `one of ${known.join(', ')}` }));
  }
  const s = { ...QLIB_CSI300_SETTINGS } as BacktestSettings;
  for (const k of known) {
    const v = (partial as Record<string, unknown>)[k];
    if (v !== undefined) (s as unknown as Record<string, unknown>)[k] = v;
  }
  const bad = (name: keyof BacktestSettings, expected: string, extra?: string): void => {
    ds.push(diag('backtestBadSetting', { name, value: show(s[name]), expected }, extra ? { hints: [extra] } : {}));
  };
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

  if (!isInt(s.topk) || s.topk < 1) bad('topk', 'an integer >= 1');
  if (!isInt(s.nDrop) || s.nDrop < 1) {
    bad('nDrop', 'an integer >= 1',
      "Qlib's n_drop = 0 slices the merged list with [-0:], selling every holding every other day");
  } else if (isInt(s.topk) && s.topk >= 1 && s.nDrop > s.topk) {
    ds.push(diag('backtestNDropAboveTopk', { nDrop: s.nDrop, topk: s.topk }));
  }
  if (!isNum(s.riskDegree) || s.riskDegree <= 0 || s.riskDegree > 1) bad('riskDegree', 'a number in (0, 1]');
  if (!isInt(s.holdThresh) || s.holdThresh < 0) bad('holdThresh', 'an integer >= 0');
  if (typeof s.onlyTradable !== 'boolean') bad('onlyTradable', 'true or false');
  if (typeof s.forbidAllTradeAtLimit !== 'boolean') bad('forbidAllTradeAtLimit', 'true or false');
  for (const k of ['openCost', 'closeCost', 'minCost', 'impactCost'] as const) {
    if (!isNum(s[k]) || s[k] < 0) bad(k, 'a finite number >= 0');
  }
  if (s.limitThreshold !== null && (!isNum(s.limitThreshold) || s.limitThreshold <= 0)) {
    bad('limitThreshold', 'a number > 0, or null for no limits');
  }
  if (s.tradeUnit !== null && (!isNum(s.tradeUnit) || s.tradeUnit <= 0)) bad('tradeUnit', 'a number > 0, or null for no lots');
  if (typeof s.dealPrice !== 'string' || s.dealPrice.length === 0) bad('dealPrice', 'a panel field name such as "close"');
  if (!isNum(s.account) || s.account <= 0) bad('account', 'a finite number > 0');
  for (const k of ['start', 'end'] as const) {
    const v = s[k];
    if (v !== null && (typeof v !== 'string' || !ISO_DAY.test(v))) bad(k, 'an ISO date YYYY-MM-DD, or null');
  }
  if (typeof s.start === 'string' && typeof s.end === 'string' && s.start > s.end) bad('end', `a date on or after start (${s.start})`);
  if (!isNum(s.riskN) || s.riskN <= 0) bad('riskN', 'a number > 0');
  if (typeof s.dealPrice === 'string') s.dealPrice = s.dealPrice.replace(/^\$/, '').toLowerCase();
  return { settings: s, diagnostics: ds };
}
