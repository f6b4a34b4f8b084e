// The real CSI300 sample through `quiver data import sample` and
// `quiver data inspect`: row counts, 390 stocks + 2 index series, the
// 2018-01-02..2020-12-31 range, membership spans equal to the source file's
// spans that overlap the data, suspended days as NULL rows, and a panel whose
// every value matches the raw CSV. Also the CLI's exit codes and messages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { runDataImport, runDataInspect, detectSource, type CliIO } from '../../../runtime/data/cli.js';
import { closeMarket, openMarket, queryRows, type MarketDb } from '../../../runtime/data/db.js';
import { SAMPLE_FILES, sampleDir } from '../../../runtime/data/import/sample.js';
import { inspectMarket } from '../../../runtime/data/inspect.js';
import { loadCalendar, loadIndexSeries, loadMembership, loadPanel } from '../../../runtime/data/load.js';
import { createSyntheticMarket, removeDir, tempDir, writeCsv, writeQlibDir, writeText } from './data-helpers.js';

const SAMPLE = sampleDir();
let dir: string;
let out: string;
let db: MarketDb;
let importText = '';

function capture(): CliIO & { text: () => string; errors: () => string } {
  let o = '';
  let e = '';
  return { out: (t) => (o += t), err: (t) => (e += t), text: () => o, errors: () => e };
}

beforeAll(async () => {
  expect(SAMPLE, 'the CSI300 sample (data/csi300-sample) must be present').not.toBeNull();
  dir = tempDir('sample');
  out = join(dir, 'csi300.duckdb');
  const io = capture();
  const t = performance.now();
  const code = await runDataImport(['sample', '--out', out], io);
  importText = io.text() + io.errors();
  console.log(`sample import: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  expect(code, importText).toBe(0);
  db = await openMarket(out);
});

afterAll(() => {
  if (db) closeMarket(db);
  removeDir(dir);
});

/** The raw sample rows: instrument → date → [close, volume]. */
function rawSample(): Map<string, Map<string, [number, number]>> {
  const text = gunzipSync(readFileSync(join(SAMPLE!, SAMPLE_FILES.bars))).toString('utf8');
  const lines = text.split('\n');
  const head = lines[0]!.split(',');
  const [iI, iD, iC, iV] = ['instrument', 'date', 'close', 'volume'].map((h) => head.indexOf(h));
  const m = new Map<string, Map<string, [number, number]>>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k] === '') continue;
    const f = lines[k]!.split(',');
    let byDay = m.get(f[iI!]!);
    if (!byDay) m.set(f[iI!]!, (byDay = new Map()));
    byDay.set(f[iD!]!, [Number(f[iC!]), Number(f[iV!])]);
  }
  return m;
}

describe('the real CSI300 sample', () => {
  it('imports with the expected shape', async () => {
    expect(importText).toMatch(/wrote .*: 275629 rows, 392 instruments \(index series SH000300, SH000905\), 730 days 2018-01-02 \.\. 2020-12-31, 3558 suspended rows/);
    const [r] = await queryRows(db, `SELECT count(*) AS n, count(DISTINCT stock) AS k, strftime(min(day), '%Y-%m-%d') AS lo, strftime(max(day), '%Y-%m-%d') AS hi,
      count(vwap) AS vwap, count(*) FILTER (close IS NULL) AS susp, count(*) FILTER (close IS NULL AND (volume IS NOT NULL OR open IS NOT NULL OR factor IS NOT NULL)) AS partial FROM bars_daily`);
    expect(r).toEqual({ n: 275629, k: 392, lo: '2018-01-02', hi: '2020-12-31', vwap: 0, susp: 3558, partial: 0 });
    const meta = Object.fromEntries((await queryRows(db, 'SELECT key, value FROM meta')).map((m) => [m.key, m.value]));
    expect(meta).toMatchObject({ suspended_rows: '3558', indexes: 'SH000300,SH000905', importer: 'sample', schema_version: '1' });
    expect(meta.version).toMatch(/^[0-9a-f]{16}$/);
    const days = await loadCalendar(db);
    expect(days.length).toBe(730);
    const cal = readFileSync(join(SAMPLE!, SAMPLE_FILES.calendar), 'utf8').split('\n').slice(1).filter((d) => d >= '2018-01-02' && d <= '2020-12-31');
    expect(days).toEqual(cal);
  });

  it('keeps exactly the membership spans that overlap the data', async () => {
    const lines = readFileSync(join(SAMPLE!, SAMPLE_FILES.membership), 'utf8').trim().split('\n').slice(1);
    const expected = lines.map((l) => l.split(','))
      .filter(([, s, e]) => s! <= '2020-12-31' && e! >= '2018-01-02')
      .map(([stock, start, end]) => ({ stock: stock!, start: start!, end: end! }))
      .sort((a, b) => (a.stock < b.stock ? -1 : a.stock > b.stock ? 1 : a.start < b.start ? -1 : 1));
    const spans = await loadMembership(db, 'csi300');
    expect(spans).toEqual(expected);
    expect(spans.length).toBe(406);
  });

  it('loads into a panel that matches the raw CSV value for value', async () => {
    const p = await loadPanel(db, { fields: ['close', 'volume', 'vwap'], universe: 'csi300' });
    expect(p.instruments.length).toBe(390);
    expect(p.days.length).toBe(730);
    const raw = rawSample();
    const D = p.days.length;
    let checked = 0;
    const mismatches: string[] = [];
    p.instruments.forEach((s, i) => {
      const byDay = raw.get(s)!;
      p.days.forEach((d, k) => {
        const v = byDay.get(d);
        const close = p.fields.close![i * D + k]!;
        const volume = p.fields.volume![i * D + k]!;
        if (v === undefined || v[1] === 0) {
          if (!Number.isNaN(close) || !Number.isNaN(volume)) mismatches.push(`${s} ${d}: expected NaN, got ${close}`);
        } else {
          if (close !== v[0] || volume !== v[1]) mismatches.push(`${s} ${d}: expected ${v[0]}/${v[1]}, got ${close}/${volume}`);
          checked++;
        }
      });
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(checked).toBe(275629 - 2 * 730 - 3558);
    expect(Array.from(p.fields.vwap!).every(Number.isNaN)).toBe(true);
    const bench = await loadIndexSeries(db, 'SH000300', 'close');
    expect(bench.values[0]).toBe(4087.401);
    expect(Array.from(bench.values).some(Number.isNaN)).toBe(false);
  });

  it('inspects the market', async () => {
    const io = capture();
    expect(await runDataInspect([out], io)).toBe(0);
    expect(io.text()).toContain('calendar: 730 trading days, 2018-01-02 .. 2020-12-31');
    expect(io.text()).toMatch(/csi300\s+403 stocks,\s+406 spans/);
    const m = await inspectMarket(out);
    expect(m.bars).toMatchObject({ rows: 275629, instruments: 392, suspendedRows: 3558 });
    expect(m.missingShare.find((c) => c.column === 'vwap')!.share).toBe(1);
    expect(m.missingShare.find((c) => c.column === 'close')!.share).toBeCloseTo(3558 / 275629, 10);
    const json = capture();
    expect(await runDataInspect([out, '--json'], json)).toBe(0);
    expect(JSON.parse(json.text()).universes.map((u: { name: string }) => u.name)).toEqual(['all', 'csi300']);
  });
});

describe('the data CLI', () => {
  it('returns 2 with a usage diagnostic for bad arguments', async () => {
    for (const argv of [[], ['a.csv'], ['a.csv', 'b.csv', '--out', 'x'], ['a.csv', '--out'], ['a.csv', '--out', 'x', '--bogus', '1'], ['a.csv', '--out', 'x', '--format', 'xls'], ['a.csv', '--out', 'x', '--threads', '0']]) {
      const io = capture();
      expect(await runDataImport(argv, io), argv.join(' ')).toBe(2);
      expect(io.errors()).toMatch(/error Q5221: .*\n {2}hint: usage: quiver data import/);
    }
    const io = capture();
    expect(await runDataInspect([], io)).toBe(2);
    expect(io.errors()).toContain('Q5221');
  });

  it('returns 1 with file:row diagnostics for bad data, and writes nothing', async () => {
    const src = join(dir, 'bad');
    const f = writeCsv(join(src, 'bars.csv'), ['symbol', 'date', 'open', 'high', 'low', 'close', 'volume', 'factor'],
      [['A', '2018-01-02', 1, 2, 0, 1, 5, 1], ['A', '2018-01-02', 1, 2, 0, 1, 5, 1]]);
    const io = capture();
    expect(await runDataImport([f, `--out=${join(src, 'm.duckdb')}`], io)).toBe(1);
    expect(io.errors()).toContain(`${f}:3: error Q5207: a second row for A on 2018-01-02 (the first is at ${f}:2)`);
    expect(io.errors()).toContain('was not written');
    const txt = writeText(join(src, 'notes.txt'), 'hello');
    const io2 = capture();
    expect(await runDataImport([txt, '--out', join(src, 'm.duckdb')], io2)).toBe(1);
    expect(io2.errors()).toContain('Q5222');
    const io3 = capture();
    expect(await runDataImport([join(src, 'missing.csv'), '--out', join(src, 'm.duckdb')], io3)).toBe(1);
    expect(io3.errors()).toContain('Q5202');
    const io4 = capture();
    expect(await runDataInspect([txt], io4)).toBe(1);
    expect(io4.errors()).toContain('Q5201');
  });

  it('imports CSV with options and Qlib folders; inspect refuses a non-market', async () => {
    const src = join(dir, 'cli-ok');
    const f = writeCsv(join(src, 'bars.csv'), ['ticker', 'day', 'open', 'high', 'low', 'close', 'volume', 'factor'],
      [['sh600000', '2018-01-02', 1, 2, 0, 1, 5, 1], ['sh600000', '2018-01-03', 1, 2, 0, 1, 0, 1]]);
    const uni = writeText(join(src, 'csi300_members.csv'), 'instrument,start_date,end_date\nSH600000,2018-01-01,2018-12-31\n');
    const io = capture();
    expect(await runDataImport([f, '--out', join(src, 'm.duckdb'), '--symbol-col', 'ticker', '--date-col', 'day', '--universe-file', uni, '--keep-zero-volume'], io), io.errors()).toBe(0);
    expect(io.text()).toContain('[read]');
    expect(io.text()).toContain('0 suspended rows, universes all (1), csi300 (1)');
    const q = writeQlibDir(join(src, 'qlib'), {
      calendar: ['2020-01-02', '2020-01-03'], instruments: { all: [['SH600000', '2020-01-02', '2020-01-03']] },
      features: { sh600000: { close: { start: 0, values: [1, 2] }, open: { start: 0, values: [1, 2] }, factor: { start: 0, values: [1, 1] } } },
    });
    expect(detectSource(q)).toBe('qlib');
    expect(detectSource(src)).toBe('csv');
    const io2 = capture();
    expect(await runDataImport([q, '--out', join(src, 'q.duckdb'), '--fields', 'open,close,factor'], io2), io2.errors()).toBe(0);
    expect(io2.text()).toContain('2 rows, 1 instruments');
    const plain = join(src, 'plain.duckdb');
    await createSyntheticMarket(plain, { instruments: 1, days: 3 });
    const io3 = capture();
    expect(await runDataInspect([plain], io3)).toBe(0);
    const db2 = await openMarket(join(src, 'empty.duckdb'), { write: true });
    closeMarket(db2);
    const io4 = capture();
    expect(await runDataInspect([join(src, 'empty.duckdb')], io4)).toBe(1);
    expect(io4.errors()).toContain('Q5217');
  });
});
