// report.html in a real browser: Debian's Chromium, driven by playwright-core.
//
// Opens the written file over file://, with every background-network
// feature off and a fresh profile, and checks that the page logs no errors,
// requests nothing but itself, and shows every plot as a laid-out SVG with
// marks. Keeps a screenshot at test-artifacts/report.png.
//
// Needs /usr/bin/chromium (`apt-get install chromium`; CI installs it). When
// it is missing the test FAILS with that instruction: a skipped browser test
// would hide a broken report.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import type { BrowserContext } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { REPORT_PLOTS, writeReport } from '../../../runtime/report/index.js';
import { syntheticReport } from './synthetic.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let work: string | undefined;
let context: BrowserContext | undefined;

afterAll(async () => {
  await context?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** The few DOM members the in-page probe uses (the project compiles without the DOM library). */
interface ProbeElement {
  getAttribute(name: string): string | null;
  querySelector(selector: string): ProbeElement | null;
  querySelectorAll(selector: string): Iterable<ProbeElement> & { length: number };
  getBoundingClientRect(): { width: number; height: number };
  textContent: string | null;
}

interface PlotInfo {
  name: string;
  found: boolean;
  width: number;
  height: number;
  paths: number;
  rects: number;
  longestPath: number;
  texts: string[];
}

describe('report.html in headless Chromium', () => {
  it('opens offline with no errors and shows every plot', async () => {
    expect(
      existsSync(CHROMIUM),
      `Chromium is not installed at ${CHROMIUM}; the report's browser test needs it. Install it with \`apt-get install -y chromium\` (CI installs it).`,
    ).toBe(true);

    work = await mkdtemp(join(tmpdir(), 'quiver-report-browser-'));
    const file = join(work, 'report.html');
    expect(await writeReport(syntheticReport({ days: 850 }), file)).toEqual([]);
    const url = pathToFileURL(file).href;

    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1000, height: 900 },
      offline: true,
    });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    context.on('request', (r) => requests.push(r.url()));
    context.on('requestfailed', (r) => failed.push(`${r.url()} (${r.failure()?.errorText ?? 'failed'})`));

    const response = await page.goto(url, { waitUntil: 'load' });
    expect(response?.ok()).toBe(true);
    expect(await page.title()).toBe('Quiver report: strategies/gru_alpha360.qv');

    const plots: PlotInfo[] = await page.evaluate((names) => {
      const doc = (globalThis as unknown as { document: ProbeElement }).document;
      return names.map((name) => {
        const svg = doc.querySelector(`[data-plot="${name}"] svg`);
        if (!svg) return { name, found: false, width: 0, height: 0, paths: 0, rects: 0, longestPath: 0, texts: [] };
        const box = svg.getBoundingClientRect();
        const ds = [...svg.querySelectorAll('path')].map((p) => (p.getAttribute('d') ?? '').length);
        return {
          name,
          found: true,
          width: box.width,
          height: box.height,
          paths: ds.length,
          rects: svg.querySelectorAll('rect').length,
          longestPath: Math.max(0, ...ds),
          texts: [...svg.querySelectorAll('text')].map((t) => t.textContent ?? ''),
        };
      });
    }, [...REPORT_PLOTS]);

    for (const p of plots) {
      expect(p.found, `plot ${p.name} has no <svg>`).toBe(true);
      expect(p.width, `${p.name} width`).toBeGreaterThan(200);
      expect(p.height, `${p.name} height`).toBeGreaterThan(100);
      expect(p.paths + p.rects, `${p.name} marks`).toBeGreaterThan(3);
    }
    const byName = new Map(plots.map((p) => [p.name, p]));
    for (const name of ['cumulative-excess', 'cumulative-return', 'drawdown', 'turnover', 'holdings', 'ic']) {
      expect(byName.get(name)!.longestPath, `${name} draws a line through the days`).toBeGreaterThan(5000);
      expect(byName.get(name)!.texts, `${name} labels its x axis`).toContain('trading day');
    }
    expect(byName.get('cumulative-excess')!.texts).toEqual(
      expect.arrayContaining(['Cumulative excess return vs benchmark', 'excess (with cost)', 'excess (without cost)']),
    );
    expect(byName.get('training')!.texts).toEqual(expect.arrayContaining(['Training curves', 'pretrain', 'finetune', 'train loss', 'valid loss', 'valid IC']));
    expect(byName.get('graph')!.texts).toEqual(expect.arrayContaining(['%2 = take_last(%1, axis=T)']));
    expect(await page.locator('[data-plot="graph"] svg g.node').count()).toBe(6);
    expect(await page.locator('[data-plot="graph"] svg g.edge').count()).toBe(5);
    expect(await page.locator('table[data-table="risk"] tr[data-metric="max-drawdown"] td').count()).toBe(2);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

    expect(consoleErrors).toEqual([]);
    expect(failed).toEqual([]);
    expect(requests).toEqual([url]);
  });
});
