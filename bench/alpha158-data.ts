// Panels for the Alpha158 / dataset benchmarks: the real CSI300 sample read
// straight from its gzipped CSV, and a seeded random-walk market.
//
// Sample conventions (shared/data/README.md): rows with volume 0 are
// suspended days and become NaN in every field, as in Qlib's data; days
// without a row are NaN; the sample has no vwap, so `vwap` is all NaN (Qlib's
// public data has none either). Instrument order: as first seen in the file.

import { sampleDir } from '../runtime/data/import/sample.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Panel } from '../runtime/data/panel.js';
import { mulberry32 } from '../runtime/random.js';

export const SAMPLE_PATH = join(sampleDir() ?? 'data/csi300-sample', 'sample_csi300_2018-2020.csv.gz');
export const MEMBERSHIP_PATH = join(sampleDir() ?? 'data/csi300-sample', 'csi300_membership_intervals.csv');

const FIELDS = ['open', 'high', 'low', 'close', 'volume', 'factor'] as const;

export function loadSamplePanel(path = SAMPLE_PATH): Panel {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n');
  const header = lines[0]!.trim().split(',');
  const col = (n: string): number => header.indexOf(n);
  const ci = col('instrument');
  const cd = col('date');
  const cf = FIELDS.map(col);
  const daySet = new Set<string>();
  const instIndex = new Map<string, number>();
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (!line) continue;
    const parts = line.split(',');
    daySet.add(parts[cd]!);
    if (!instIndex.has(parts[ci]!)) instIndex.set(parts[ci]!, instIndex.size);
  }
  const days = [...daySet].sort();
  const dayIndex = new Map(days.map((d, k) => [d, k]));
  const nD = days.length;
  const nI = instIndex.size;
  const fields: Record<string, Float64Array> = {};
  for (const f of [...FIELDS, 'vwap']) fields[f] = new Float64Array(nI * nD).fill(NaN);
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k]!;
    if (!line) continue;
    const parts = line.split(',');
    const at = instIndex.get(parts[ci]!)! * nD + dayIndex.get(parts[cd]!)!;
    const volume = Number(parts[col('volume')]);
    if (!(volume > 0)) continue;
    FIELDS.forEach((f, j) => {
      fields[f]![at] = Number(parts[cf[j]!]);
    });
  }
  return { days, instruments: [...instIndex.keys()], fields };
}

/** Membership spans from the CSI300 intervals file. */
export function loadMembership(path = MEMBERSHIP_PATH): { stock: string; start: string; end: string }[] {
  const lines = readFileSync(path, 'utf8').split('\n').slice(1);
  return lines.filter((l) => l.trim()).map((l) => {
    const [stock, start, end] = l.trim().split(',');
    return { stock: stock!, start: start!, end: end! };
  });
}

/** A tiny seeded PRNG (mulberry32). */
export const rng = mulberry32;

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() + 1e-300)) * Math.cos(2 * Math.PI * r());
}

/**
 * A random-walk OHLCV(+vwap) market: nI instruments × nD business days from
 * 2010-01-04, staggered listings, ~1% suspended days in short runs.
 */
export function syntheticPanel(nI: number, nD: number, seed = 7): Panel {
  const r = rng(seed);
  const days: string[] = [];
  const d = new Date(Date.UTC(2010, 0, 4));
  while (days.length < nD) {
    const wd = d.getUTCDay();
    if (wd !== 0 && wd !== 6) days.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  const instruments = Array.from({ length: nI }, (_, i) => `SZ${String(300000 + i).padStart(6, '0')}`);
  const names = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'factor'];
  const fields: Record<string, Float64Array> = {};
  for (const f of names) fields[f] = new Float64Array(nI * nD).fill(NaN);
  for (let i = 0; i < nI; i++) {
    const listed = r() < 0.8 ? 0 : Math.floor(r() * nD * 0.5);
    let price = 5 + 50 * r();
    let vol = 1e6 * (0.5 + r());
    let suspended = 0;
    for (let t = listed; t < nD; t++) {
      if (suspended > 0) {
        suspended--;
        continue;
      }
      if (r() < 0.002) {
        suspended = 1 + Math.floor(r() * 10);
        continue;
      }
      const k = i * nD + t;
      const open = price * (1 + 0.005 * gauss(r));
      price = Math.max(0.5, price * (1 + 0.02 * gauss(r)));
      const hi = Math.max(open, price) * (1 + 0.01 * r());
      const lo = Math.min(open, price) * (1 - 0.01 * r());
      vol = Math.max(1e4, vol * Math.exp(0.3 * gauss(r)) * 0.98 + 2e4);
      fields.open![k] = open;
      fields.close![k] = price;
      fields.high![k] = hi;
      fields.low![k] = lo;
      fields.volume![k] = vol;
      fields.vwap![k] = (open + price + hi + lo) / 4;
      fields.factor![k] = 1;
    }
  }
  return { days, instruments, fields };
}
