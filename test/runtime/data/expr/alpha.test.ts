// Alpha158 / Alpha360 definitions (names and order exactly as Qlib) and an
// end-to-end Alpha158 run on the real CSI300 sample (2018–2020), read here
// with zlib and a plain CSV split. Volume-0 rows are suspended days: every
// field NaN, as in Qlib's data (docs/expressions.md).

import { sampleDir } from '../../../../runtime/data/import/sample.js';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { alpha158, alpha360, alpha360Flat, windowColumnNames } from '../../../../runtime/data/expr/alpha.js';
import { evaluateFeatureSet } from '../../../../runtime/data/expr/evaluate.js';
import type { Panel } from '../../../../runtime/data/panel.js';

const GROUPS = ['ROC', 'MA', 'STD', 'BETA', 'RSQR', 'RESI', 'MAX', 'MIN', 'QTLU', 'QTLD', 'RANK', 'RSV', 'IMAX', 'IMIN', 'IMXD', 'CORR', 'CORD', 'CNTP', 'CNTN', 'CNTD', 'SUMP', 'SUMN', 'SUMD', 'VMA', 'VSTD', 'WVMA', 'VSUMP', 'VSUMN', 'VSUMD'];

describe('feature set definitions', () => {
  it('Alpha158 has Qlib\'s 158 columns in Qlib\'s order', () => {
    const want = ['KMID', 'KLEN', 'KMID2', 'KUP', 'KUP2', 'KLOW', 'KLOW2', 'KSFT', 'KSFT2', 'OPEN0', 'HIGH0', 'LOW0', 'VWAP0'];
    for (const g of GROUPS) for (const d of [5, 10, 20, 30, 60]) want.push(`${g}${d}`);
    expect(alpha158().columns.map((c) => c.name)).toEqual(want);
    expect(want).toHaveLength(158);
  });

  it('Alpha360 flat names run CLOSE59..CLOSE0, OPEN.., HIGH.., LOW.., VWAP.., VOLUME..', () => {
    const names = alpha360Flat().columns.map((c) => c.name);
    expect(names).toHaveLength(360);
    expect(names.slice(0, 2)).toEqual(['CLOSE59', 'CLOSE58']);
    expect(names[59]).toBe('CLOSE0');
    expect(names[60]).toBe('OPEN59');
    expect(names[359]).toBe('VOLUME0');
    expect(windowColumnNames(alpha360())).toEqual(names);
    expect(alpha360().columns.map((c) => c.name)).toEqual(['CLOSE', 'OPEN', 'HIGH', 'LOW', 'VWAP', 'VOLUME']);
  });
});

function readSample(): Panel {
  const text = gunzipSync(readFileSync(join(sampleDir()!, 'sample_csi300_2018-2020.csv.gz'))).toString('utf8');
  const lines = text.trim().split('\n');
  const header = lines[0]!.split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const days = [...new Set(rows.map((r) => r[1]!))].sort();
  const instruments = [...new Set(rows.map((r) => r[0]!))];
  const dayAt = new Map(days.map((d, t) => [d, t]));
  const instAt = new Map(instruments.map((s, i) => [s, i]));
  const nD = days.length;
  const fields: Record<string, Float64Array> = {};
  const names = ['open', 'high', 'low', 'close', 'volume', 'factor'];
  for (const n of [...names, 'vwap']) fields[n] = new Float64Array(instruments.length * nD).fill(NaN);
  for (const r of rows) {
    if (!(Number(r[header.indexOf('volume')]) > 0)) continue; // suspended: every field stays NaN
    const k = instAt.get(r[0]!)! * nD + dayAt.get(r[1]!)!;
    for (const n of names) fields[n]![k] = Number(r[header.indexOf(n)]);
  }
  return { days, instruments, fields };
}

describe('Alpha158 on the real CSI300 sample', () => {
  it('runs end to end with sane NaN shares and correct spot values', async () => {
    const panel = readSample();
    expect(panel.instruments.length).toBeGreaterThan(380);
    expect(panel.days).toHaveLength(730);
    const r = await evaluateFeatureSet(panel, alpha158(), { precision: 'f64' });
    const nD = panel.days.length;
    // NaN share over stock-days with data after a 60-day warm-up (the longest window).
    const nI = panel.instruments.length;
    r.columns.forEach((col, c) => {
      const name = r.names[c]!;
      let nan = 0;
      let present = 0;
      let infinite = 0;
      for (let i = 0; i < nI; i++) {
        for (let t = 60; t < nD; t++) {
          const k = i * nD + t;
          if (panel.fields.close![k] !== panel.fields.close![k]) continue;
          present++;
          const v = col[k]!;
          if (v !== v) nan++;
          else if (!Number.isFinite(v)) infinite++;
        }
      }
      expect(infinite, name).toBe(0);
      // The sample has no vwap, so VWAP0 is all NaN; every other column is nearly complete.
      if (name === 'VWAP0') expect(nan / present).toBe(1);
      else expect(nan / present, name).toBeLessThan(0.05);
    });
    // Spot checks against the formulas, on SH600000 (present on every day).
    const i = panel.instruments.indexOf('SH600000');
    const col = (n: string): Float64Array => r.columns[r.names.indexOf(n)] as Float64Array;
    const C = (t: number): number => panel.fields.close![i * nD + t]!;
    const O = (t: number): number => panel.fields.open![i * nD + t]!;
    const t = 400;
    expect(col('KMID')[i * nD + t]).toBeCloseTo((C(t) - O(t)) / O(t), 12);
    expect(col('ROC5')[i * nD + t]).toBeCloseTo(C(t - 5) / C(t), 12);
    const ma = [0, 1, 2, 3, 4].reduce((s, l) => s + C(t - l), 0) / 5;
    expect(col('MA5')[i * nD + t]).toBeCloseTo(ma / C(t), 12);
    const up = [0, 1, 2, 3, 4].filter((l) => C(t - l) > C(t - l - 1)).length;
    expect(col('CNTP5')[i * nD + t]).toBeCloseTo(up / 5, 12);
  });
});
