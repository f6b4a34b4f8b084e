// CSV and Parquet importers on tiny fixtures built in a temp folder: both
// dump_bin layouts, custom column names, membership and calendar files,
// suspended days, content versions; every bad input → its Q52xx code naming
// file and line, and no output (or temp file) left behind; atomicity.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { closeMarket, openMarket, queryRows } from '../../../runtime/data/db.js';
import { importCsv } from '../../../runtime/data/import/csv.js';
import { importParquet } from '../../../runtime/data/import/parquet.js';
import type { ImportResult } from '../../../runtime/data/import/schema.js';
import { loadMembership, loadPanel } from '../../../runtime/data/load.js';
import { codesOf, removeDir, tempDir, writeCsv, writeText } from './data-helpers.js';

let dir: string;
let n = 0;
const HEADER = ['date', 'open', 'high', 'low', 'close', 'volume', 'factor'];

function row(date: string, close: number, volume = 100): (string | number)[] {
  return [date, close - 0.1, close + 0.2, close - 0.3, close, volume, 1.5];
}

function fresh(name: string): string {
  return join(dir, `case${++n}-${name}`);
}

/** Run an import that must fail; check nothing was written into its output folder. */
async function failing(run: (out: string) => Promise<ImportResult>): Promise<Diagnostic[]> {
  const outDir = fresh('out');
  const out = join(outDir, 'market.duckdb');
  const r = await run(out);
  expect(r.ok).toBe(false);
  expect(existsSync(out)).toBe(false);
  expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  return r.diagnostics.filter((d) => d.severity === 'error');
}

async function rowsOf(path: string, sql: string): Promise<Record<string, unknown>[]> {
  const db = await openMarket(path);
  try {
    return await queryRows(db, sql);
  } finally {
    closeMarket(db);
  }
}

beforeAll(() => {
  dir = tempDir('import-csv');
});

afterAll(() => removeDir(dir));

describe('CSV importer: layouts', () => {
  it('imports one file per symbol (file stem = symbol), ignoring extra columns', async () => {
    const src = fresh('per-symbol');
    writeCsv(join(src, 'sh600000.csv'), [...HEADER, 'change'], [[...row('2018-01-02', 10), 0.01], [...row('2018-01-03', 11), 0.1]]);
    writeCsv(join(src, 'SZ000001.csv'), [...HEADER, 'change'], [[...row('2018-01-03', 20), 0], [...row('2018-01-04', 21, 0), 0.05]]);
    const out = join(fresh('out'), 'm.duckdb');
    const r = await importCsv({ source: src, out });
    expect(r.ok).toBe(true);
    expect(codesOf(r.diagnostics)).toEqual(['Q5214']);
    expect(r.diagnostics[0]!.message).toContain('change');
    expect(r.summary).toMatchObject({ rows: 4, instruments: 2, days: 3, firstDay: '2018-01-02', lastDay: '2018-01-04', suspendedRows: 1 });
    const bars = await rowsOf(out, `SELECT stock, strftime(day, '%Y-%m-%d') AS d, close, volume, factor, vwap FROM bars_daily ORDER BY stock, day`);
    expect(bars).toEqual([
      { stock: 'SH600000', d: '2018-01-02', close: 10, volume: 100, factor: 1.5, vwap: null },
      { stock: 'SH600000', d: '2018-01-03', close: 11, volume: 100, factor: 1.5, vwap: null },
      { stock: 'SZ000001', d: '2018-01-03', close: 20, volume: 100, factor: 1.5, vwap: null },
      { stock: 'SZ000001', d: '2018-01-04', close: null, volume: null, factor: null, vwap: null },
    ]);
    const uni = await rowsOf(out, `SELECT name, stock, strftime(start_day, '%Y-%m-%d') AS s, strftime(end_day, '%Y-%m-%d') AS e FROM universe ORDER BY stock`);
    expect(uni).toEqual([
      { name: 'all', stock: 'SH600000', s: '2018-01-02', e: '2018-01-03' },
      { name: 'all', stock: 'SZ000001', s: '2018-01-03', e: '2018-01-04' },
    ]);
    const meta = await rowsOf(out, `SELECT key, value FROM meta WHERE key IN ('suspended_rows', 'importer') ORDER BY key`);
    expect(meta).toEqual([{ key: 'importer', value: 'csv' }, { key: 'suspended_rows', value: '1' }]);
  });

  it('imports one gzipped file with custom symbol/date columns, a membership file and a calendar', async () => {
    const src = fresh('single');
    const csv = ['code;trade_date;open;high;low;close;volume;factor;vwap',
      'sh600000;2018-01-02;1;2;0.5;1.5;10;1;1.4',
      'sh600000;2018-01-04;1;2;0.5;1.6;10;1;1.5',
      'SH000300;2018-01-02;3000;3010;2990;3005;0;1;3001',
      'SH000300;2018-01-04;3000;3010;2990;3006;5;1;3002'].join('\n') + '\n';
    writeFileSync(join(dir, 'single.csv.gz'), gzipSync(csv));
    const cal = writeText(join(src, 'cal.csv'), 'date\n2017-12-29\n2018-01-02\n2018-01-03\n2018-01-04\n2018-01-05\n');
    const members = writeText(join(src, 'csi300.txt'), 'SH600000\t2017-01-01\t2018-01-02\nSH600000\t2018-01-04\t2030-01-01\nSH600999\t2010-01-01\t2012-01-01\n');
    const out = join(fresh('out'), 'm.duckdb');
    const r = await importCsv({
      source: join(dir, 'single.csv.gz'), out, symbolCol: 'code', dateCol: 'trade_date',
      universeFiles: [{ name: 'csi300', path: members }], calendarFile: cal,
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.summary).toMatchObject({ rows: 4, instruments: 2, indexes: ['SH000300'], days: 3, suspendedRows: 0 });
    const db = await openMarket(out);
    try {
      const p = await loadPanel(db, { fields: ['close', 'vwap', 'volume'], universe: 'csi300' });
      expect(p.days).toEqual(['2018-01-02', '2018-01-03', '2018-01-04']);
      expect(p.instruments).toEqual(['SH600000']);
      expect(Array.from(p.fields.close!)).toEqual([1.5, NaN, 1.6]);
      expect(Array.from(p.fields.vwap!)).toEqual([1.4, NaN, 1.5]);
      expect(await loadMembership(db, 'csi300')).toEqual([
        { stock: 'SH600000', start: '2017-01-01', end: '2018-01-02' },
        { stock: 'SH600000', start: '2018-01-04', end: '2030-01-01' },
      ]);
      const all = await loadPanel(db, { fields: ['volume'] });
      expect(all.instruments).toEqual(['SH600000']);
      const idx = await loadPanel(db, { fields: ['volume'], instruments: ['SH000300'] });
      expect(Array.from(idx.fields.volume!)).toEqual([0, NaN, 5]);
    } finally {
      closeMarket(db);
    }
  });

  it('imports Parquet, both layouts, and gives the same content version for the same data', async () => {
    const src = fresh('parquet');
    const folder = join(src, 'per-symbol');
    mkdirSync(folder, { recursive: true });
    const inst = await DuckDBInstance.create(':memory:');
    const c = await inst.connect();
    await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES ('sh600000', DATE '2018-01-02', 1.0, 2.0, 0.5, 1.5, 10.0, 1.0),
      ('sh600000', DATE '2018-01-03', 1.0, 2.0, 0.5, 1.7, 11.0, 1.0), ('sz000002', DATE '2018-01-03', 5.0, 6.0, 4.0, 5.5, 20.0, 2.0))
      AS v(symbol, date, open, high, low, close, volume, factor)`);
    await c.run(`COPY t TO '${join(src, 'all.parquet')}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT * EXCLUDE (symbol) FROM t WHERE symbol = 'sh600000') TO '${join(folder, 'sh600000.parquet')}' (FORMAT parquet)`);
    await c.run(`COPY (SELECT * EXCLUDE (symbol) FROM t WHERE symbol = 'sz000002') TO '${join(folder, 'sz000002.parquet')}' (FORMAT parquet)`);
    c.closeSync();
    inst.closeSync();
    const a = await importParquet({ source: join(src, 'all.parquet'), out: join(src, 'a.duckdb') });
    const b = await importParquet({ source: folder, out: join(src, 'b.duckdb') });
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.summary).toMatchObject({ rows: 3, instruments: 2 });
    expect(a.summary!.version).toBe(b.summary!.version);
    const again = await importParquet({ source: join(src, 'all.parquet'), out: join(src, 'a.duckdb') });
    expect(again.summary!.version).toBe(a.summary!.version);
    const fewer = await importParquet({ source: join(folder, 'sh600000.parquet'), out: join(src, 'c.duckdb') });
    expect(fewer.summary!.version).not.toBe(a.summary!.version);
  });

  it('numbers lines correctly deep into a large file and across files', async () => {
    const src = fresh('large');
    const rows: (string | number)[][] = [];
    const start = Date.UTC(2000, 0, 1);
    for (let i = 0; i < 120_000; i++) {
      const day = new Date(start + (i % 6000) * 86_400_000).toISOString().slice(0, 10);
      rows.push([`S${Math.floor(i / 6000)}`, day, 1, 2, 0.5, 1.5, 10, 1]);
    }
    rows.push(rows[99_000]!);
    writeCsv(join(src, 'a.csv'), ['symbol', ...HEADER], [rows[0]!]);
    writeCsv(join(src, 'b.csv'), ['symbol', ...HEADER], rows.slice(1));
    const ds = await failing((out) => importCsv({ source: src, out }));
    expect(codesOf(ds)).toEqual(['Q5207']);
    expect(ds[0]!.location).toBe(`${join(src, 'b.csv')}:${rows.length}`);
    expect(ds[0]!.message).toContain(`${join(src, 'b.csv')}:${99_000 + 1}`);
  });
});

describe('CSV importer: bad input', () => {
  it('a missing required column (Q5204, file:1)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', 'date', 'open', 'high', 'low', 'volume'], [['A', '2018-01-02', 1, 2, 0, 3]]);
    const ds = await failing((out) => importCsv({ source: f, out }));
    expect(codesOf(ds)).toEqual(['Q5204']);
    expect(ds[0]!.location).toBe(`${f}:1`);
    expect(ds[0]!.message).toContain('close');
  });

  it('a missing date column, or an explicit symbol column that is absent (Q5204)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', 'when', 'open', 'high', 'low', 'close', 'volume'], [['A', '2018-01-02', 1, 2, 0, 1, 3]]);
    expect(codesOf(await failing((out) => importCsv({ source: f, out })))).toEqual(['Q5204']);
    expect(codesOf(await failing((out) => importCsv({ source: f, out, dateCol: 'when', symbolCol: 'ticker' })))).toEqual(['Q5204']);
  });

  it('bad dates and bad numbers (Q5205, Q5206, file:line)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', ...HEADER], [
      ['A', ...row('2018-01-02', 1)], ['A', ...row('2018-13-02', 1)], ['A', '2018-01-04', 1, 2, 0, 'abc', 3, 1],
    ]);
    const ds = await failing((out) => importCsv({ source: f, out }));
    expect(codesOf(ds)).toEqual(['Q5205', 'Q5206']);
    expect(ds.map((d) => d.location)).toEqual([`${f}:3`, `${f}:4`]);
    expect(ds[0]!.message).toContain('2018-13-02');
    expect(ds[1]!.message).toContain('close');
  });

  it('duplicate (stock, day) rows (Q5207 naming both rows)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', ...HEADER], [
      ['A', ...row('2018-01-02', 1)], ['A', ...row('2018-01-03', 1)], ['a', ...row('2018-01-02', 2)],
    ]);
    const ds = await failing((out) => importCsv({ source: f, out }));
    expect(codesOf(ds)).toEqual(['Q5207']);
    expect(ds[0]!.location).toBe(`${f}:4`);
    expect(ds[0]!.message).toContain(`${f}:2`);
  });

  it('an unknown field requested (Q5208)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', ...HEADER], [['A', ...row('2018-01-02', 1)]]);
    const ds = await failing((out) => importCsv({ source: f, out, fields: ['close', 'turnover'] }));
    expect(codesOf(ds)).toEqual(['Q5208']);
    expect(ds[0]!.message).toContain('turnover');
  });

  it('empty files: zero bytes, header only, and a missing file (Q5203, Q5202)', async () => {
    const src = fresh('src');
    const empty = writeText(join(src, 'empty.csv'), '');
    const headerOnly = writeCsv(join(src, 'header.csv'), ['symbol', ...HEADER], []);
    expect(codesOf(await failing((out) => importCsv({ source: empty, out })))).toEqual(['Q5203']);
    const ds = await failing((out) => importCsv({ source: headerOnly, out }));
    expect(codesOf(ds)).toEqual(['Q5203']);
    expect(ds[0]!.message).toContain(headerOnly);
    expect(codesOf(await failing((out) => importCsv({ source: join(src, 'nope.csv'), out })))).toEqual(['Q5202']);
  });

  it('an empty symbol or date cell (Q5215)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', ...HEADER], [['A', ...row('2018-01-02', 1)], ['', ...row('2018-01-03', 1)], ['B', '', 1, 2, 0, 1, 3, 1]]);
    const ds = await failing((out) => importCsv({ source: f, out }));
    expect(codesOf(ds)).toEqual(['Q5215', 'Q5215']);
    expect(ds.map((d) => d.location)).toEqual([`${f}:3`, `${f}:4`]);
  });

  it('rows on days missing from the calendar file (Q5212)', async () => {
    const src = fresh('src');
    const f = writeCsv(join(src, 'x.csv'), ['symbol', ...HEADER], [['A', ...row('2018-01-02', 1)], ['A', ...row('2018-01-06', 1)]]);
    const cal = writeText(join(src, 'day.txt'), '2018-01-02\n2018-01-03\n');
    const ds = await failing((out) => importCsv({ source: f, out, calendarFile: cal }));
    expect(codesOf(ds)).toEqual(['Q5212']);
    expect(ds[0]!.location).toBe(`${f}:3`);
  });

  it('bad membership and calendar lines (Q5216, Q5205)', async () => {
    const src = fresh('src');
    const f = writeCsv(join(src, 'x.csv'), ['symbol', ...HEADER], [['A', ...row('2018-01-02', 1)]]);
    const m = writeText(join(src, 'm.csv'), 'instrument,start_date,end_date\nA,2018-01-05,2018-01-01\nB,2018-01-01\nC,2018-02-30,2019-01-01\n');
    const ds = await failing((out) => importCsv({ source: f, out, universeFiles: [{ name: 'u', path: m }] }));
    expect(codesOf(ds)).toEqual(['Q5216', 'Q5216', 'Q5205']);
    expect(ds.map((d) => d.location)).toEqual([`${m}:2`, `${m}:3`, `${m}:4`]);
    const noCols = writeText(join(src, 'n.csv'), 'who,from\nA,2018-01-01\n');
    expect(codesOf(await failing((out) => importCsv({ source: f, out, universeFiles: [{ name: 'u', path: noCols }] })))).toEqual(['Q5204', 'Q5204', 'Q5204']);
    const cal = writeText(join(src, 'cal.txt'), '2018-01-02\n2018-01-0x\n');
    const cds = await failing((out) => importCsv({ source: f, out, calendarFile: cal }));
    expect(codesOf(cds)).toEqual(['Q5205']);
    expect(cds[0]!.location).toBe(`${cal}:2`);
  });

  it('a file without factor imports with factor 1 and a warning (Q5223)', async () => {
    const f = writeCsv(join(fresh('src'), 'x.csv'), ['symbol', 'date', 'open', 'high', 'low', 'close', 'volume'], [['A', '2018-01-02', 1, 2, 0, 1, 3]]);
    const out = join(fresh('out'), 'm.duckdb');
    const r = await importCsv({ source: f, out });
    expect(r.ok).toBe(true);
    expect(codesOf(r.diagnostics)).toEqual(['Q5223']);
    expect(await rowsOf(out, 'SELECT factor FROM bars_daily')).toEqual([{ factor: 1 }]);
  });

  it('a bad date in a Parquet string column (Q5205, file:row)', async () => {
    const src = fresh('src');
    mkdirSync(src, { recursive: true });
    const inst = await DuckDBInstance.create(':memory:');
    const c = await inst.connect();
    await c.run(`COPY (SELECT * FROM (VALUES ('A', '2018-01-02', 1.0, 2.0, 0.5, 1.5, 10.0, 1.0), ('A', 'yesterday', 1.0, 2.0, 0.5, 1.5, 10.0, 1.0))
      AS v(symbol, date, open, high, low, close, volume, factor)) TO '${join(src, 'p.parquet')}' (FORMAT parquet)`);
    c.closeSync();
    inst.closeSync();
    const ds = await failing((out) => importParquet({ source: join(src, 'p.parquet'), out }));
    expect(codesOf(ds)).toEqual(['Q5205']);
    expect(ds[0]!.location).toBe(`${join(src, 'p.parquet')}:2`);
  });
});

describe('importing is atomic', () => {
  it('a failure late in the build leaves no output and keeps an existing file intact', async () => {
    const src = fresh('src');
    const f = writeCsv(join(src, 'x.csv'), ['symbol', ...HEADER], [['A', ...row('2018-01-02', 1)]]);
    const outDir = fresh('out');
    const out = join(outDir, 'm.duckdb');
    const ok = await importCsv({ source: f, out });
    expect(ok.ok).toBe(true);
    const bytes = readFileSync(out);
    const g = writeCsv(join(src, 'y.csv'), ['symbol', ...HEADER], [['B', ...row('2018-01-02', 1)]]);
    const stages: string[] = [];
    const failed = await importCsv({
      source: g, out,
      onProgress: (stage) => {
        stages.push(stage);
        if (stage === 'finish') throw new Error('disk full');
      },
    });
    expect(stages).toEqual(['read', 'validate', 'write', 'finish']);
    expect(failed.ok).toBe(false);
    expect(codesOf(failed.diagnostics)).toEqual(['Q5213']);
    expect(failed.diagnostics[0]!.message).toContain('disk full');
    expect(readdirSync(outDir)).toEqual(['m.duckdb']);
    expect(readFileSync(out).equals(bytes)).toBe(true);
  });
});
