// The report page: header, summary tables, figure sections, the resolved plan
// and notes, assembled into one self-contained HTML document.
//
// Assumes the SVGs were produced by render.ts / graph.ts (trusted markup with
// prefixed ids); every other string from ReportData is escaped here. The page
// has no scripts and no external references, and its Content-Security-Policy
// forbids loading anything, so it opens offline and cannot reach the network.

import { mean, signalStats, stageSpans } from './series.js';
import type { PlotName, ReportData, Risk } from './types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const DASH = '—';

export function fmtNumber(x: number | null | undefined, digits: number): string {
  return x === null || x === undefined || !Number.isFinite(x) ? DASH : x.toFixed(digits);
}

export function fmtPercent(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? DASH : `${(x * 100).toFixed(digits)}%`;
}

export function fmtSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return DASH;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function fmtMoney(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return DASH;
  return x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/**
 * A figure: rendered SVG, or a sentence saying why there is none (`part` names
 * what is missing: 'backtest', 'ic', 'training', 'graph'; it becomes the
 * paragraph's data-missing attribute).
 */
export type Figure = { plot: PlotName; title: string; svg: string } | { part: string; missing: string };

export function figureHtml(f: Figure): string {
  if ('missing' in f) {
    return `<p class="missing" data-missing="${escapeHtml(f.part)}">${escapeHtml(f.missing)}</p>`;
  }
  const caption = f.plot === 'graph' ? `<figcaption>${escapeHtml(f.title)}</figcaption>` : '';
  const body = f.plot === 'graph' ? `<div class="scroll">${f.svg}</div>` : f.svg;
  return `<figure class="plot" data-plot="${f.plot}" aria-label="${escapeHtml(f.title)}">${caption}${body}</figure>`;
}

const SIGNAL_KEYS = ['IC', 'ICIR', 'Rank IC', 'Rank ICIR'] as const;

interface Row {
  key: string;
  label: string;
  cells: string[];
  note?: string;
}

function tableHtml(name: string, caption: string, columns: string[], rows: Row[]): string {
  const head = `<thead><tr>${columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map((r) => {
      const note = r.note ? ` <span class="note">${escapeHtml(r.note)}</span>` : '';
      const cells = r.cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('');
      return `<tr data-metric="${escapeHtml(r.key)}"><th scope="row">${escapeHtml(r.label)}${note}</th>${cells}</tr>`;
    })
    .join('');
  return `<table class="metrics" data-table="${name}"><caption>${escapeHtml(caption)}</caption>${head}<tbody>${body}</tbody></table>`;
}

/**
 * The summary: signal quality; risk of the excess return with and without
 * cost (Qlib's risk_analysis, as the backtest reported it); trading and
 * training. IC statistics come from `metrics` when given, else from the
 * daily series (marked as such).
 */
export function summaryTable(data: ReportData): string {
  const computed = signalStats(data.signal);
  const signal: Row[] = SIGNAL_KEYS.map((key) => {
    const given = (data.metrics ?? {})[key];
    const fromSeries = given === undefined;
    return {
      key: key.toLowerCase().replace(' ', '-'),
      label: key,
      cells: [fmtNumber(fromSeries ? computed[key] : given, key.endsWith('IR') ? 3 : 4)],
      ...(fromSeries ? { note: '(from the daily series)' } : {}),
    };
  });
  const tables = [tableHtml('signal', 'Signal (test segment)', ['metric', 'value'], signal)];

  const bt = data.backtest;
  const other: Row[] = [];
  if (bt) {
    const pair = (pick: (r: Risk) => number | null, fmt: (x: number | null) => string) => [
      fmt(pick(bt.risk.withoutCost)),
      fmt(pick(bt.risk.withCost)),
    ];
    const risk: Row[] = [
      { key: 'annualized-return', label: 'Annualized return', cells: pair((r) => r.annualized_return, (x) => fmtPercent(x)) },
      { key: 'information-ratio', label: 'Information ratio', cells: pair((r) => r.information_ratio, (x) => fmtNumber(x, 3)) },
      { key: 'max-drawdown', label: 'Max drawdown', cells: pair((r) => r.max_drawdown, (x) => fmtPercent(x)) },
      { key: 'daily-mean', label: 'Daily mean', cells: pair((r) => r.mean, (x) => fmtPercent(x, 3)) },
      { key: 'daily-std', label: 'Daily std', cells: pair((r) => r.std, (x) => fmtPercent(x, 3)) },
    ];
    tables.push(tableHtml('risk', 'Excess return over the benchmark', ['metric', 'without cost', 'with cost'], risk));
    other.push(
      { key: 'mean-turnover', label: 'Mean daily turnover', cells: [fmtPercent(mean(bt.turnover))] },
      { key: 'mean-holdings', label: 'Mean holdings', cells: [fmtNumber(mean(bt.holdings), 1)] },
      { key: 'total-cost', label: 'Total cost', cells: [fmtPercent(bt.cost.reduce((a, b) => a + b, 0))], note: '(sum of daily cost)' },
      { key: 'final-value', label: 'Final account value', cells: [fmtMoney(bt.value[bt.value.length - 1])] },
      { key: 'backtest-days', label: 'Backtest days', cells: [String(bt.day.length)] },
    );
  } else {
    other.push({ key: 'backtest', label: 'Backtest', cells: ['not run'] });
  }
  const epochs = data.training?.epochs ?? [];
  if (epochs.length > 0) {
    other.push(
      { key: 'epochs', label: 'Training epochs', cells: [String(epochs.length)] },
      { key: 'training-time', label: 'Training time', cells: [fmtSeconds(epochs.reduce((a, e) => a + e.seconds, 0))] },
    );
  } else {
    other.push({ key: 'training-time', label: 'Training time', cells: ['not trained in this run'] });
  }
  tables.push(tableHtml('trading', 'Trading and training', ['metric', 'value'], other));
  return `<div class="summary" data-table="summary">${tables.join('')}</div>`;
}

/** Every metric not already in the summary, by name. */
export function otherMetricsTable(data: ReportData): string {
  const rest = Object.entries(data.metrics ?? {}).filter(([k]) => !(SIGNAL_KEYS as readonly string[]).includes(k));
  if (rest.length === 0) return '';
  const rows = rest
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${fmtNumber(v, 4)}</td></tr>`)
    .join('');
  return `<h3>Other metrics</h3><table class="metrics" data-table="other-metrics"><tbody>${rows}</tbody></table>`;
}

/** Per-stage training summary under the training curves. */
export function stageTable(data: ReportData): string {
  const epochs = data.training?.epochs ?? [];
  if (epochs.length === 0) return '';
  const metricName = data.training?.metricName ?? 'valid metric';
  const rows = stageSpans(epochs).map((s) => {
    const es = epochs.slice(s.first - 1, s.last);
    const valid = es.map((e) => e.validLoss).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    const metric = es.map((e) => e.validMetric).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    const cells = [
      s.stage,
      String(es.length),
      fmtNumber(es[es.length - 1]!.trainLoss, 4),
      valid.length ? fmtNumber(Math.min(...valid), 4) : DASH,
      metric.length ? fmtNumber(Math.max(...metric), 4) : DASH,
      fmtSeconds(es.reduce((a, e) => a + e.seconds, 0)),
    ];
    return `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  const head = ['stage', 'epochs', 'last train loss', 'best valid loss', `best ${metricName}`, 'time']
    .map((h) => `<th scope="col">${escapeHtml(h)}</th>`)
    .join('');
  return `<table class="metrics" data-table="stages"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function headerHtml(data: ReportData): string {
  const segs = Object.entries(data.data.segments)
    .map(([name, r]) => `<tr><th scope="row">${escapeHtml(name)}</th><td>${escapeHtml(r.start)}</td><td>${escapeHtml(r.end)}</td></tr>`)
    .join('');
  const meta = [
    ['created', data.createdAt],
    ['backend', data.backend],
    ['data', data.data.source],
    ['universe', data.data.universe],
  ]
    .map(([k, v]) => `<span><b>${escapeHtml(k!)}</b> ${escapeHtml(v!)}</span>`)
    .join('');
  const segTable = segs
    ? `<table class="segments" data-table="segments"><thead><tr><th scope="col">segment</th><th scope="col">start</th><th scope="col">end</th></tr></thead><tbody>${segs}</tbody></table>`
    : '';
  return `<header><p class="kicker">Quiver run report</p><h1>${escapeHtml(data.strategy)}</h1><p class="meta">${meta}</p>${segTable}</header>`;
}

function configHtml(config: unknown): string {
  let text: string;
  try {
    text = config === undefined ? 'no plan recorded' : (JSON.stringify(config, null, 2) ?? String(config));
  } catch (e) {
    text = `the plan could not be shown as JSON: ${e instanceof Error ? e.message : String(e)}`;
  }
  const lines = text.split('\n').length;
  return `<details data-section="config"><summary>Show the resolved plan (${lines} lines of JSON)</summary><pre>${escapeHtml(text)}</pre></details>`;
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1b1f24; font: 14px/1.45 Helvetica, Arial, sans-serif; }
main { max-width: 920px; margin: 0 auto; padding: 24px 20px 48px; }
header { margin-bottom: 8px; }
.kicker { margin: 0; color: #6a737d; text-transform: uppercase; letter-spacing: .06em; font-size: 11px; }
h1 { margin: 2px 0 6px; font-size: 22px; word-break: break-all; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e1e4e8; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 0 0 10px; color: #444; }
.meta b { color: #6a737d; font-weight: normal; margin-right: 4px; }
section { background: #fff; border: 1px solid #e1e4e8; border-radius: 6px; padding: 16px 18px; margin: 16px 0; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 12px 3px 0; text-align: left; border-bottom: 1px solid #f0f1f3; }
td { text-align: right; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 28px; align-items: flex-start; }
caption { text-align: left; font-weight: bold; padding-bottom: 4px; }
thead th { color: #6a737d; font-weight: normal; font-size: 12px; }
.note { color: #6a737d; font-size: 11px; font-weight: normal; }
figure.plot { margin: 14px 0; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
figure.plot figcaption { font-weight: bold; margin-bottom: 6px; }
.scroll { overflow: auto; max-height: 900px; border: 1px solid #f0f1f3; }
.scroll svg { max-width: none; }
.missing { color: #6a737d; font-style: italic; margin: 6px 0; }
details pre { background: #f6f8fa; padding: 10px; overflow: auto; max-height: 600px; font-size: 12px; }
footer { color: #6a737d; font-size: 12px; text-align: center; }
`;

export interface PageParts {
  data: ReportData;
  backtest: Figure[];
  signal: Figure[];
  training: Figure[];
  graph: Figure[];
}

/** The whole document. */
export function pageHtml(p: PageParts): string {
  const { data } = p;
  const section = (id: string, title: string, body: string) =>
    `<section id="${id}" data-section="${id}"><h2>${escapeHtml(title)}</h2>${body}</section>`;
  const notes = data.notes?.length
    ? section('notes', 'Notes', `<ul>${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`)
    : '';
  const body = [
    headerHtml(data),
    section('summary', 'Summary', summaryTable(data) + otherMetricsTable(data)),
    section('backtest', 'Backtest', p.backtest.map(figureHtml).join('')),
    section('signal', 'Signal', p.signal.map(figureHtml).join('')),
    section('training', 'Training', p.training.map(figureHtml).join('') + stageTable(data)),
    section('graph', 'Model graph', p.graph.map(figureHtml).join('')),
    section('config', 'Resolved plan', configHtml(data.config)),
    notes,
    `<footer>Generated by Quiver · static page: no scripts, no network</footer>`,
  ].join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Quiver report: ${data.strategy}`)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}
