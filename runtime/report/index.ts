// report.html: one self-contained page with a run's plots and tables.
//
// Pipeline: checkReportData (diagnostics Q6560–Q6562) → Vega-Lite specs
// (charts.ts) → SVG in Node (render.ts) and the IR graph via Graphviz
// (graph.ts) → one HTML document (html.ts). Nothing is fetched at view time:
// the page has no scripts and no external references.
//
// Guarantees: the same ReportData gives the same bytes; a missing part
// (no backtest, no training, no graph, an empty signal) becomes a sentence in
// its section, never an empty plot; a graph that Graphviz rejects becomes a
// warning (Q6563) and a sentence; writeReport replaces the target atomically.

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError, hasErrors } from '../../compiler/diagnostics/diagnostic.js';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import {
  cumulativeExcessSpec,
  cumulativeReturnSpec,
  drawdownSpec,
  groupReturnsSpec,
  holdingsSpec,
  icDecaySpec,
  icSpec,
  trainingSpec,
  turnoverSpec,
} from './charts.js';
import { renderDot } from './graph.js';
import { pageHtml } from './html.js';
import type { Figure } from './html.js';
import { renderSpec } from './render.js';
import type { PlotName, ReportData } from './types.js';
import { checkReportData } from './validate.js';

export * from './types.js';
export { checkReportData } from './validate.js';

export interface BuiltReport {
  html: string;
  /** Warnings about the report (e.g. Q6563, the graph could not be drawn). */
  diagnostics: Diagnostic[];
  /** Messages vega-lite or vega logged while rendering (empty for well-formed specs). */
  chartWarnings: string[];
}

async function plot(plotName: PlotName, title: string, spec: TopLevelSpec, warnings: string[]): Promise<Figure> {
  const r = await renderSpec(spec, `q-${plotName}`);
  warnings.push(...r.warnings.map((w) => `${plotName}: ${w}`));
  return { plot: plotName, title, svg: r.svg };
}

/**
 * Build the page and report what went wrong along the way. Throws
 * DiagnosticError only when the data cannot be drawn at all (Q6560–Q6562).
 */
export async function buildReport(data: ReportData): Promise<BuiltReport> {
  const diagnostics = checkReportData(data);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);
  const warnings: string[] = [];

  const backtest: Figure[] = [];
  const bt = data.backtest;
  if (bt && bt.day.length > 0) {
    backtest.push(
      await plot('cumulative-excess', 'Cumulative excess return vs benchmark', cumulativeExcessSpec(bt), warnings),
      await plot('cumulative-return', 'Cumulative return', cumulativeReturnSpec(bt), warnings),
      await plot('drawdown', 'Drawdown of cumulative excess return (with cost)', drawdownSpec(bt), warnings),
      await plot('turnover', 'Turnover', turnoverSpec(bt), warnings),
      await plot('holdings', 'Holdings', holdingsSpec(bt), warnings),
    );
  } else {
    backtest.push({
      part: 'backtest',
      missing: bt ? 'The backtest has no trading days, so there is nothing to plot.' : 'No backtest in this run: the strategy has no backtest settings, or the run stopped before it.',
    });
  }

  const signal: Figure[] = [];
  const hasIc = data.signal.ic.some((x) => x !== null) || data.signal.rankIc.some((x) => x !== null);
  if (hasIc) {
    signal.push(await plot('ic', 'Daily IC and Rank IC', icSpec(data.signal), warnings));
  } else {
    signal.push({
      part: 'ic',
      missing: data.signal.day.length > 0 ? 'IC is undefined on every test day (too few stocks, or a constant prediction).' : 'No test-day predictions in this run, so there is no IC to plot.',
    });
  }

  const ev = data.evaluation;
  if (ev?.icDecay && ev.icDecay.length > 0) signal.push(await plot('ic-decay', 'IC decay', icDecaySpec(ev.icDecay), warnings));
  if (ev?.groups && ev.groups.day.length > 0) signal.push(await plot('group-returns', 'Quantile returns', groupReturnsSpec(ev.groups), warnings));

  const training: Figure[] = [];
  if (data.training && data.training.epochs.length > 0) {
    training.push(await plot('training', 'Training curves', trainingSpec(data.training), warnings));
  } else {
    training.push({ part: 'training', missing: 'No training in this run (the model was loaded, or has no parameters).' });
  }

  const graph: Figure[] = [];
  if (data.graph) {
    const g = await renderDot(data.graph.dot, 'q-graph');
    if (g.ok) {
      graph.push({ plot: 'graph', title: 'Model IR graph (after passes)', svg: g.svg });
    } else {
      const d = diag('reportGraphFailed', { reason: g.reason });
      diagnostics.push(d);
      graph.push({ part: 'graph', missing: `${d.message} (${d.code}).` });
    }
  } else {
    graph.push({ part: 'graph', missing: 'No model graph was recorded for this run.' });
  }

  return { html: pageHtml({ data, backtest, signal, training, graph }), diagnostics, chartWarnings: warnings };
}

/** The report as one HTML string. Throws DiagnosticError on data that cannot be drawn. */
export async function renderReport(data: ReportData): Promise<string> {
  return (await buildReport(data)).html;
}

/**
 * Render and write the report to `path` atomically (a temporary file in the
 * same folder, then rename), so a reader never sees a half-written page.
 * Returns the warnings from buildReport; throws DiagnosticError (Q6564) when
 * the file cannot be written.
 */
export async function writeReport(data: ReportData, path: string): Promise<Diagnostic[]> {
  const built = await buildReport(data);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, built.html, { encoding: 'utf8', flag: 'wx' });
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const reason = e instanceof Error ? e.message : String(e);
    throw new DiagnosticError(diag('reportWriteFailed', { path, reason }));
  }
  return built.diagnostics;
}
