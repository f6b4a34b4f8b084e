// The report page in Node (runtime/report/index.ts): which plots and tables
// it contains, what it says when parts are missing, that it is static and
// self-contained, escapes its input, stays small for ~850 days, and that bad
// input and write failures end in diagnostics.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { buildReport, REPORT_PLOTS, renderReport, writeReport } from '../../../runtime/report/index.js';
import type { BuiltReport, ReportData } from '../../../runtime/report/index.js';
import { syntheticReport } from './synthetic.js';

let full: BuiltReport;
let renderMs = 0;
let dir: string;

beforeAll(async () => {
  const t0 = performance.now();
  full = await buildReport(syntheticReport({ days: 850 }));
  renderMs = performance.now() - t0;
  dir = await mkdtemp(join(tmpdir(), 'quiver-report-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Diagnostics thrown by renderReport, or [] when it succeeds. */
async function thrownCodes(data: ReportData): Promise<string[]> {
  try {
    await renderReport(data);
    return [];
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
}

describe('a full report', () => {
  it('has every plot, once, with an inline SVG', () => {
    for (const name of REPORT_PLOTS) {
      const at = full.html.split(`data-plot="${name}"`).length - 1;
      expect(at, name).toBe(1);
      expect(full.html).toMatch(new RegExp(`data-plot="${name}"[^>]*>(<figcaption>[^<]*</figcaption>)?(<div class="scroll">)?<svg`));
    }
    expect(full.diagnostics).toEqual([]);
    expect(full.chartWarnings).toEqual([]);
  });

  it('has the summary rows a quant looks for', () => {
    for (const key of ['ic', 'icir', 'rank-ic', 'rank-icir', 'annualized-return', 'information-ratio', 'max-drawdown', 'mean-turnover', 'training-time']) {
      expect(full.html, key).toContain(`data-metric="${key}"`);
    }
    const row = (key: string) => full.html.match(new RegExp(`data-metric="${key}">(.*?)</tr>`))![1]!;
    expect(row('ic')).toContain('0.0412');
    expect(row('max-drawdown')).toMatch(/<td>-\d+\.\d\d%<\/td><td>-\d+\.\d\d%<\/td>/);
    expect(row('training-time')).toMatch(/min/);
    expect(full.html).toContain('l2 loss (test)');
    expect(full.html).toContain('data-table="stages"');
  });

  it('is static and self-contained: no scripts, no external references, a CSP that loads nothing', () => {
    const html = full.html;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|@font-face/i);
    expect(html).not.toMatch(/\s(?:src|href|xlink:href)="(?!#)/i);
    expect(html).not.toMatch(/url\((?!#)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays under 2 MB for 850 days and renders in seconds', () => {
    expect(full.html.length).toBeLessThan(2_000_000);
    expect(renderMs).toBeLessThan(20_000);
  });

  it('is deterministic', async () => {
    expect(await renderReport(syntheticReport({ days: 850 }))).toBe(full.html);
  });

  it('shows the resolved plan as collapsible JSON and the notes', () => {
    expect(full.html).toMatch(/<details data-section="config"><summary>[^<]*<\/summary><pre>\{\n {2}&#34;data&#34;/);
    expect(full.html).toContain('<li>Synthetic market: numbers are illustrative.</li>');
  });
});

describe('missing parts and hostile text', () => {
  it('says so instead of drawing empty plots', async () => {
    const r = await buildReport(syntheticReport({ days: 60, backtest: false, training: false, graph: false, evaluation: false }));
    for (const name of ['cumulative-excess', 'cumulative-return', 'drawdown', 'turnover', 'holdings', 'training', 'graph', 'ic-decay', 'group-returns']) {
      expect(r.html, name).not.toContain(`data-plot="${name}"`);
    }
    expect(r.html).toContain('data-plot="ic"');
    expect(r.html).toMatch(/data-missing="backtest">No backtest in this run/);
    expect(r.html).toMatch(/data-missing="training">No training in this run/);
    expect(r.html).toMatch(/data-missing="graph">No model graph/);
    expect(r.html).toContain('data-metric="backtest"');
  });

  it('an all-undefined IC series gives a sentence, and IC statistics fall back to the series', async () => {
    const data = syntheticReport({ days: 30, backtest: false, training: false, graph: false });
    data.signal.ic = data.signal.ic.map(() => null);
    data.signal.rankIc = data.signal.rankIc.map(() => null);
    data.metrics = {};
    const html = await renderReport(data);
    expect(html).not.toContain('data-plot="ic"');
    expect(html).toContain('data-missing="ic"');
    expect(html).toMatch(/data-metric="ic"><th scope="row">IC <span class="note">\(from the daily series\)<\/span><\/th><td>—<\/td>/);
  });

  it('escapes every string it is given', async () => {
    const data = syntheticReport({ days: 30, backtest: false, training: false, graph: false });
    data.strategy = '<script>alert(1)</script>';
    data.notes = ['<img src=x onerror=alert(1)>'];
    data.config = { sql: '</pre><script>x()</script>' };
    data.metrics['<b>bold</b>'] = 1;
    const html = await renderReport(data);
    expect(html).not.toMatch(/<script|<img|<b>bold/);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('a graph Graphviz rejects becomes warning Q6563 and a sentence', async () => {
    const data = syntheticReport({ days: 30, backtest: false, training: false });
    data.graph = { dot: 'digraph { a -> ' };
    const r = await buildReport(data);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['Q6563', 'warning']]);
    expect(r.html).toMatch(/data-missing="graph">the model graph could not be drawn: .*syntax error.*\(Q6563\)/);
    expect(r.html).not.toContain('data-plot="graph"');
  });
});

describe('bad input ends in diagnostics', () => {
  it('Q6560: a quantile-return series with the wrong length', async () => {
    const data = syntheticReport({ days: 40, training: false, graph: false });
    data.evaluation!.groups!.cumulative[2]!.pop();
    expect(await thrownCodes(data)).toEqual(['Q6560']);
  });

  it('Q6560: a series with the wrong length', async () => {
    const data = syntheticReport({ days: 40, training: false, graph: false });
    data.backtest!.cost.pop();
    expect(await thrownCodes(data)).toEqual(['Q6560']);
  });

  it('Q6561: a non-finite backtest value or training loss', async () => {
    const data = syntheticReport({ days: 40, graph: false });
    (data.backtest!.return as (number | null)[])[5] = null;
    data.training!.epochs[2]!.trainLoss = Number.NaN;
    expect(await thrownCodes(data)).toEqual(['Q6561', 'Q6561']);
  });

  it('Q6562: days out of order or not ISO dates', async () => {
    const data = syntheticReport({ days: 40, training: false, graph: false });
    data.signal.day[3] = data.signal.day[1]!;
    data.backtest!.day[0] = '2017/01/03';
    expect(await thrownCodes(data)).toEqual(['Q6562', 'Q6562']);
  });

  it('null IC and a null valid loss are allowed', async () => {
    const data = syntheticReport({ days: 40, graph: false });
    (data.training!.epochs[12] as { validLoss: number | null }).validLoss = null;
    expect(await thrownCodes(data)).toEqual([]);
  });
});

describe('writeReport', () => {
  it('writes the file atomically and leaves no temporary file', async () => {
    const path = join(dir, 'report.html');
    await writeFile(path, 'old');
    const diagnostics = await writeReport(syntheticReport({ days: 120 }), path);
    expect(diagnostics).toEqual([]);
    const html = await readFile(path, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(await readdir(dir)).toEqual(['report.html']);
  });

  it('Q6564: an unwritable path', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const target = join(blocker, 'report.html');
    const err = await writeReport(syntheticReport({ days: 30, graph: false }), target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).diagnostics.map((d) => d.code)).toEqual(['Q6564']);
    expect((err as DiagnosticError).diagnostics[0]!.message).toContain(target);
  });
});
