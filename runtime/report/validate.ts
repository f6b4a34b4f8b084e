// Checks a ReportData before anything is drawn.
//
// The report is the last stage of a run, so bad input must end in
// diagnostics (codes Q6560–Q6562), not in a plot that silently drops points
// or a stack trace from inside vega. Checked: every per-day series has one
// value per day; days are ISO dates, strictly ascending; backtest numbers and
// training losses are finite (IC may be null, a missing value in JSON).
// At most one diagnostic per series, so a broken array does not flood the
// output.

import { diag } from '../../compiler/diagnostics/codes.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import type { ReportData } from './types.js';

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function isIsoDay(s: unknown): s is string {
  if (typeof s !== 'string' || !ISO_DAY.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

function checkDays(name: string, days: unknown, out: Diagnostic[]): number {
  if (!Array.isArray(days)) {
    out.push(diag('reportBadValue', { series: name, index: 0, value: JSON.stringify(days) ?? 'undefined' }));
    return 0;
  }
  for (let i = 0; i < days.length; i++) {
    const d: unknown = days[i];
    if (!isIsoDay(d) || (i > 0 && String(days[i - 1]) >= d)) {
      out.push(diag('reportBadDay', { series: name, index: i, day: JSON.stringify(d) ?? 'undefined' }));
      break;
    }
  }
  return days.length;
}

function checkSeries(name: string, xs: unknown, expected: number, allowNull: boolean, out: Diagnostic[]): void {
  if (!Array.isArray(xs)) {
    out.push(diag('reportBadValue', { series: name, index: 0, value: JSON.stringify(xs) ?? 'undefined' }));
    return;
  }
  if (xs.length !== expected) {
    out.push(diag('reportSeriesLength', { series: name, length: xs.length, expected }));
    return;
  }
  const bad = xs.findIndex((x: unknown) => !((allowNull && x === null) || (typeof x === 'number' && Number.isFinite(x))));
  if (bad >= 0) out.push(diag('reportBadValue', { series: name, index: bad, value: String(xs[bad]) }));
}

/** Diagnostics for a ReportData; empty when it can be rendered. */
export function checkReportData(data: ReportData): Diagnostic[] {
  const out: Diagnostic[] = [];
  const nSignal = checkDays('signal.day', data.signal?.day, out);
  checkSeries('signal.ic', data.signal?.ic, nSignal, true, out);
  checkSeries('signal.rankIc', data.signal?.rankIc, nSignal, true, out);
  const bt = data.backtest;
  if (bt) {
    const n = checkDays('backtest.day', bt.day, out);
    for (const key of ['return', 'bench', 'cost', 'turnover', 'holdings', 'value'] as const) {
      checkSeries(`backtest.${key}`, bt[key], n, false, out);
    }
  }
  const ev = data.evaluation;
  if (ev?.icDecay) {
    checkSeries('evaluation.icDecay.ic', ev.icDecay.map((p) => p.ic), ev.icDecay.length, true, out);
    checkSeries('evaluation.icDecay.rankIc', ev.icDecay.map((p) => p.rankIc), ev.icDecay.length, true, out);
  }
  if (ev?.groups) {
    const n = checkDays('evaluation.groups.day', ev.groups.day, out);
    ev.groups.cumulative.forEach((g, k) => checkSeries(`evaluation.groups.cumulative[${k}]`, g, n, true, out));
  }
  const epochs = data.training?.epochs ?? [];
  // An optional field may be absent or null (a NaN loss that went through JSON).
  const losses = (pick: (e: (typeof epochs)[number]) => number | null | undefined, name: string, optional: boolean) => {
    const xs = epochs.map(pick);
    const bad = xs.findIndex((x) => !((optional && (x === undefined || x === null)) || (typeof x === 'number' && Number.isFinite(x))));
    if (bad >= 0) out.push(diag('reportBadValue', { series: name, index: bad, value: String(xs[bad]) }));
  };
  losses((e) => e.trainLoss, 'training.trainLoss', false);
  losses((e) => e.validLoss, 'training.validLoss', true);
  losses((e) => e.validMetric, 'training.validMetric', true);
  losses((e) => e.seconds, 'training.seconds', false);
  return out;
}
