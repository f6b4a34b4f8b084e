// db.ts helpers and panel loading: typed column reads, dense grids, the
// panel against a cell-by-cell reference, instrument/universe/date-range
// selection (property: any subset, order and range equals the matching
// slice of the full panel), and every bad request → its Q52xx code.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { closeMarket, openMarket, queryRows, readColumns, readGrid, type MarketDb } from '../../../runtime/data/db.js';
import { barFields, loadCalendar, loadIndexSeries, loadMembership, loadPanel, marketVersion } from '../../../runtime/data/load.js';
import { panelProblem, type Panel } from '../../../runtime/data/panel.js';
import { createSyntheticMarket, removeDir, tempDir } from './data-helpers.js';

let dir: string;
let db: MarketDb;
let full: Panel;
const FIELDS = ['open', 'close', 'volume'];

beforeAll(async () => {
  dir = tempDir('load');
  const path = join(dir, 'm.duckdb');
  await createSyntheticMarket(path, { instruments: 12, days: 60, nullShare: 0.1 });
  db = await openMarket(path);
  full = await loadPanel(db, { fields: FIELDS });
});

afterAll(() => {
  closeMarket(db);
  removeDir(dir);
});

async function codesThrown(p: Promise<unknown>): Promise<string[]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
  return [];
}

describe('db helpers', () => {
  it('reads typed columns: numbers as Float64Array (NULL → NaN), text and dates as strings', async () => {
    const r = await readColumns(db, `SELECT * FROM (VALUES (1::BIGINT, 2.5::DECIMAL(4,2), 'a', DATE '2020-01-02', true, NULL::DOUBLE),
      (3::BIGINT, NULL, NULL, DATE '2021-12-31', false, 4.5)) t(i, d, s, day, b, x)`);
    expect(r.rowCount).toBe(2);
    expect(r.columns.map((c) => c.kind)).toEqual(['number', 'number', 'string', 'string', 'number', 'number']);
    expect(r.columns.map((c) => Array.from<number | string | null>(c.values))).toEqual([[1, 3], [2.5, NaN], ['a', null], ['2020-01-02', '2021-12-31'], [1, 0], [NaN, 4.5]]);
  });

  it('fills dense grids and refuses indexes outside them', async () => {
    const g = await readGrid(db, `SELECT * FROM (VALUES (0, 1, 5.0, NULL), (1, 0, 6.0, 7.0)) t(r, c, a, b)`, [], { rows: 2, cols: 2, fields: 2 });
    expect(g.map((a) => Array.from(a))).toEqual([[NaN, 5, 6, NaN], [NaN, NaN, 7, NaN]]);
    expect(await codesThrown(readGrid(db, `SELECT 2, 0, 1.0`, [], { rows: 2, cols: 2, fields: 1 }))).toEqual(['Q9001']);
  });

  it('refuses to open a missing or non-market file', async () => {
    expect(await codesThrown(openMarket(join(dir, 'missing.duckdb')))).toEqual(['Q5201']);
    const empty = await openMarket(join(dir, 'empty.duckdb'), { write: true });
    try {
      expect(await codesThrown(loadPanel(empty, { fields: ['close'] }))).toEqual(['Q5217']);
    } finally {
      closeMarket(empty);
    }
  });
});

describe('loadPanel', () => {
  it('matches bars_daily cell by cell, NaN where rows are missing or NULL', async () => {
    expect(panelProblem(full)).toBeNull();
    expect(full.days.length).toBe(60);
    expect(full.instruments).toEqual([...full.instruments].sort());
    expect(full.instruments.length).toBe(12);
    const rows = await queryRows(db, `SELECT stock, strftime(day, '%Y-%m-%d') AS d, open, close, volume FROM bars_daily`);
    const expected = FIELDS.map(() => new Float64Array(full.days.length * full.instruments.length).fill(NaN));
    for (const r of rows) {
      const i = full.instruments.indexOf(String(r.stock));
      const d = full.days.indexOf(String(r.d));
      FIELDS.forEach((f, k) => (expected[k]![i * full.days.length + d] = r[f] === null ? NaN : Number(r[f])));
    }
    FIELDS.forEach((f, k) => expect(Array.from(full.fields[f]!)).toEqual(Array.from(expected[k]!)));
    const nans = Array.from(full.fields.close!).filter(Number.isNaN).length;
    expect(nans).toBeGreaterThan(0);
  });

  it('any instrument subset, order and date range equals the slice of the full panel', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(full.instruments, { minLength: 1 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        async (inst, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const p = await loadPanel(db, { fields: ['$close', 'volume'], instruments: inst, start: full.days[lo]!, end: full.days[hi]! });
          expect(p.instruments).toEqual(inst);
          expect(p.days).toEqual(full.days.slice(lo, hi + 1));
          const D = full.days.length;
          const len = hi - lo + 1;
          inst.forEach((s, i) => {
            const j = full.instruments.indexOf(s);
            expect(Array.from(p.fields.close!.subarray(i * len, (i + 1) * len))).toEqual(Array.from(full.fields.close!.subarray(j * D + lo, j * D + hi + 1)));
          });
        },
      ),
      { numRuns: 25 },
    );
  });

  it('selects universe members with data in the range', async () => {
    const u = await loadPanel(db, { fields: ['close'], universe: 'u' });
    expect(u.instruments).toEqual(full.instruments.filter((s) => Number(s.slice(-1)) % 2 === 0));
    const spans = await loadMembership(db, 'u');
    expect(spans.map((s) => s.stock)).toEqual(u.instruments);
    const late = await loadPanel(db, { fields: ['close'], universe: 'u', start: spans[0]!.end, end: spans[0]!.end });
    expect(late.days).toEqual([spans[0]!.end]);
  });

  it('reads the calendar, index-like series, fields and version', async () => {
    expect(await loadCalendar(db)).toEqual(full.days);
    expect(await loadCalendar(db, { start: full.days[10], end: full.days[12] })).toEqual(full.days.slice(10, 13));
    const s = await loadIndexSeries(db, full.instruments[3]!, 'close');
    expect(Array.from(s.values)).toEqual(Array.from(full.fields.close!.subarray(3 * 60, 4 * 60)));
    expect(await barFields(db)).toEqual(['open', 'high', 'low', 'close', 'volume', 'vwap', 'factor', 'cap']);
    expect(await marketVersion(db)).toBe('synthetic-test');
  });

  it('turns bad requests into diagnostics', async () => {
    expect(await codesThrown(loadPanel(db, { fields: ['close', 'turnover'] }))).toEqual(['Q5208']);
    expect(await codesThrown(loadPanel(db, { fields: ['close'], universe: 'csi999' }))).toEqual(['Q5218']);
    expect(await codesThrown(loadMembership(db, 'csi999'))).toEqual(['Q5218']);
    expect(await codesThrown(loadPanel(db, { fields: ['close'], instruments: ['SH600000', 'XX000001'] }))).toEqual(['Q5220']);
    expect(await codesThrown(loadIndexSeries(db, 'SH000300', 'close'))).toEqual(['Q5220']);
    expect(await codesThrown(loadPanel(db, { fields: ['close'], instruments: ['SH600000', 'SH600000'] }))).toEqual(['Q5224']);
    expect(await codesThrown(loadPanel(db, { fields: ['close'], start: '2010-02-30' }))).toEqual(['Q5205']);
    expect(await codesThrown(loadPanel(db, { fields: ['close'], start: '2011-01-01', end: '2010-01-01' }))).toEqual(['Q5219']);
  });
});
