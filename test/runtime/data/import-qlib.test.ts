// The Qlib binary importer on folders written by the test (calendars/,
// instruments/, features/<sym>/<field>.day.bin): values land on the right
// calendar days, NaN becomes NULL, universes come from instruments/*.txt;
// truncated or inconsistent .bin files → Q5209/Q5210/Q5211 naming the file,
// with no output left behind.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { closeMarket, openMarket } from '../../../runtime/data/db.js';
import { decodeBin, importQlibBin, type QlibBinImportOptions } from '../../../runtime/data/import/qlib-bin.js';
import { loadMembership, loadPanel } from '../../../runtime/data/load.js';
import { binBytes, codesOf, removeDir, tempDir, writeQlibDir, type QlibFixture } from './data-helpers.js';

let dir: string;
let n = 0;

const CAL = ['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07', '2020-01-08'];

function fixture(): QlibFixture {
  return {
    calendar: CAL,
    instruments: {
      all: [['SH600000', '2020-01-02', '2020-01-08'], ['SZ000001', '2020-01-03', '2020-01-07']],
      csi300: [['SH600000', '2020-01-02', '2020-01-06'], ['SZ000001', '2020-01-07', '2099-12-31']],
    },
    features: {
      sh600000: {
        open: { start: 0, values: [1, 2, 3, 4, 5] },
        high: { start: 0, values: [1.5, 2.5, 3.5, 4.5, 5.5] },
        low: { start: 0, values: [0.5, 1.5, 2.5, 3.5, 4.5] },
        close: { start: 0, values: [1.25, NaN, 3.25, 4.25, 5.25] },
        volume: { start: 0, values: [100, NaN, 300, 400, 500] },
        factor: { start: 0, values: [2, 2, 2, 2, 2] },
        change: { start: 0, values: [0, 0, 0, 0, 0] },
      },
      sz000001: {
        close: { start: 1, values: [10, 11, 12] },
        volume: { start: 1, values: [7, 8, 9] },
        factor: { start: 2, values: [1, 1] },
      },
    },
  };
}

function fresh(name: string): string {
  return join(dir, `case${++n}-${name}`);
}

async function failing(src: string, extra: Partial<QlibBinImportOptions> = {}): Promise<Diagnostic[]> {
  const outDir = fresh('out');
  const r = await importQlibBin({ dir: src, out: join(outDir, 'm.duckdb'), ...extra });
  expect(r.ok).toBe(false);
  expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
  return r.diagnostics.filter((d) => d.severity === 'error');
}

beforeAll(() => {
  dir = tempDir('import-qlib');
});

afterAll(() => removeDir(dir));

describe('Qlib bin importer', () => {
  it('decodes .bin headers and values', () => {
    const ok = decodeBin('f', binBytes(2, [1.5, NaN]), 5);
    expect('code' in ok).toBe(false);
    if (!('code' in ok)) {
      expect(ok.start).toBe(2);
      expect(Array.from(ok.values)).toEqual([1.5, NaN]);
    }
  });

  it('imports a Qlib folder onto its calendar', async () => {
    const src = writeQlibDir(fresh('qlib'), fixture());
    const out = join(fresh('out'), 'm.duckdb');
    const r = await importQlibBin({ dir: src, out });
    expect(r.ok).toBe(true);
    expect(codesOf(r.diagnostics)).toEqual(['Q5214']);
    expect(r.diagnostics[0]!.message).toContain('change');
    expect(r.summary).toMatchObject({ rows: 8, instruments: 2, days: 5, firstDay: '2020-01-02', lastDay: '2020-01-08' });
    const db = await openMarket(out);
    try {
      const p = await loadPanel(db, { fields: ['close', 'volume', 'factor', 'open'] });
      expect(p.instruments).toEqual(['SH600000', 'SZ000001']);
      expect(Array.from(p.fields.close!)).toEqual([1.25, NaN, 3.25, 4.25, 5.25, NaN, 10, 11, 12, NaN]);
      expect(Array.from(p.fields.volume!)).toEqual([100, NaN, 300, 400, 500, NaN, 7, 8, 9, NaN]);
      expect(Array.from(p.fields.factor!)).toEqual([2, 2, 2, 2, 2, NaN, NaN, 1, 1, NaN]);
      expect(Array.from(p.fields.open!.subarray(5))).toEqual([NaN, NaN, NaN, NaN, NaN]);
      expect(await loadMembership(db, 'csi300')).toEqual([
        { stock: 'SH600000', start: '2020-01-02', end: '2020-01-06' },
        { stock: 'SZ000001', start: '2020-01-07', end: '2099-12-31' },
      ]);
      const u = await loadPanel(db, { fields: ['close'], universe: 'csi300', start: '2020-01-07' });
      expect(u.instruments).toEqual(['SZ000001']);
      expect(Array.from(u.fields.close!)).toEqual([12, NaN]);
    } finally {
      closeMarket(db);
    }
  });

  it('restricts fields on request, and rejects unknown ones (Q5208)', async () => {
    const src = writeQlibDir(fresh('qlib'), fixture());
    const out = join(fresh('out'), 'm.duckdb');
    const r = await importQlibBin({ dir: src, out, fields: ['close', '$factor'] });
    expect(r.ok).toBe(true);
    const db = await openMarket(out);
    try {
      const p = await loadPanel(db, { fields: ['open', 'close'] });
      expect(Array.from(p.fields.open!).every(Number.isNaN)).toBe(true);
    } finally {
      closeMarket(db);
    }
    const ds = await failing(src, { fields: ['close', 'turnover'] });
    expect(codesOf(ds)).toEqual(['Q5208']);
    const vw = await failing(src, { fields: ['close', 'vwap'] });
    expect(codesOf(vw)).toEqual(['Q5208']);
    expect(vw[0]!.message).toContain('vwap');
  });

  it('a .bin whose length is not a whole number of float32 values (Q5209)', async () => {
    const src = writeQlibDir(fresh('qlib'), fixture());
    const path = join(src, 'features', 'sh600000', 'close.day.bin');
    writeFileSync(path, binBytes(0, [1, 2, 3]).subarray(0, 14));
    const ds = await failing(src);
    expect(codesOf(ds)).toEqual(['Q5209']);
    expect(ds[0]!.location).toBe(path);
    writeFileSync(path, Buffer.alloc(2));
    expect(codesOf(await failing(src))).toEqual(['Q5209']);
  });

  it('a start index outside the calendar or data running past it (Q5210)', async () => {
    const src = writeQlibDir(fresh('qlib'), fixture());
    const path = join(src, 'features', 'sz000001', 'close.day.bin');
    writeFileSync(path, binBytes(1.5, [1, 2]));
    expect(codesOf(await failing(src))).toEqual(['Q5210']);
    writeFileSync(path, binBytes(3, [1, 2, 3]));
    const ds = await failing(src);
    expect(codesOf(ds)).toEqual(['Q5210']);
    expect(ds[0]!.location).toBe(path);
  });

  it('a .bin shorter than its instrument span in all.txt (Q5211)', async () => {
    const f = fixture();
    f.features.sh600000!.close = { start: 0, values: [1, 2, 3] };
    const src = writeQlibDir(fresh('qlib'), f);
    const ds = await failing(src);
    expect(codesOf(ds)).toEqual(['Q5211']);
    expect(ds[0]!.message).toContain('2020-01-06');
    expect(ds[0]!.message).toContain('2020-01-08');
  });

  it('missing pieces: no calendar, no features, symbol folders that collide (Q5202, Q5203, Q5224)', async () => {
    expect(codesOf(await failing(join(dir, 'nowhere')))).toEqual(['Q5202']);
    const src = writeQlibDir(fresh('qlib'), { calendar: CAL, instruments: {}, features: {} });
    writeFileSync(join(src, 'features', '.placeholder'), '');
    expect(codesOf(await failing(src))).toEqual(['Q5203']);
    const headersOnly = writeQlibDir(fresh('qlib'), { calendar: CAL, instruments: {}, features: { sh600000: { close: { start: 0, values: [] } } } });
    const hd = await failing(headersOnly);
    expect(codesOf(hd)).toEqual(['Q5203']);
    expect(hd[0]!.message).toContain(headersOnly);
    const f = fixture();
    f.features.SH600000 = { close: { start: 0, values: [1, 2, 3, 4, 5] } };
    expect(codesOf(await failing(writeQlibDir(fresh('qlib'), f)))).toEqual(['Q5224']);
  });
});
