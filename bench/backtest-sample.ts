// Load the real CSI300 sample (/work/shared/data) into a Panel for the
// backtest benchmark: zlib + a plain CSV split, no dependencies.
//
// Assumes the sample's columns instrument,date,open,high,low,close,volume,factor
// (adjusted prices, volume 0 on suspended days with carried prices). A
// (stock, day) without a row is NaN in every field (not listed yet, delisted).
// Also reads the point-in-time membership intervals so scores can be limited
// to the stocks in the index on each day.

import { sampleDir } from '../runtime/data/import/sample.js';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Panel } from '../runtime/data/panel.js';

export const SAMPLE_DIR = sampleDir() ?? 'data/csi300-sample';

export function loadSample(path = `${SAMPLE_DIR}/sample_csi300_2018-2020.csv.gz`): Panel {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n');
  const header = lines[0]!.trim().split(',');
  const col = (name: string): number => {
    const j = header.indexOf(name);
    if (j < 0) throw new Error(`${path}: no ${name} column`);
    return j;
  };
  const ci = col('instrument');
  const cd = col('date');
  const names = ['open', 'high', 'low', 'close', 'volume', 'factor'];
  const cols = names.map(col);
  const rows: string[][] = [];
  const daySet = new Set<string>();
  const instSet = new Set<string>();
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!.trim();
    if (line === '') continue;
    const parts = line.split(',');
    rows.push(parts);
    daySet.add(parts[cd]!);
    instSet.add(parts[ci]!);
  }
  const days = [...daySet].sort();
  const instruments = [...instSet].sort();
  const D = days.length;
  const dayIx = new Map(days.map((d, k) => [d, k]));
  const instIx = new Map(instruments.map((s, k) => [s, k]));
  const fields: Record<string, Float64Array> = {};
  for (const n of names) fields[n] = new Float64Array(D * instruments.length).fill(NaN);
  for (const parts of rows) {
    const k = instIx.get(parts[ci]!)! * D + dayIx.get(parts[cd]!)!;
    names.forEach((n, j) => {
      const v = parts[cols[j]!]!;
      fields[n]![k] = v === '' ? NaN : Number(v);
    });
  }
  return { days, instruments, fields };
}

/** membership[i * D + d] = 1 when instrument i is in the CSI300 on day d. */
export function loadMembership(panel: Panel, path = `${SAMPLE_DIR}/csi300_membership_intervals.csv`): Uint8Array {
  const D = panel.days.length;
  const out = new Uint8Array(D * panel.instruments.length);
  const ix = new Map(panel.instruments.map((s, k) => [s, k]));
  const lines = readFileSync(path, 'utf8').split('\n').slice(1);
  for (const line of lines) {
    const [inst, start, end] = line.trim().split(',');
    const i = inst === undefined ? undefined : ix.get(inst);
    if (i === undefined || !start || !end) continue;
    for (let d = 0; d < D; d++) {
      const day = panel.days[d]!;
      if (day >= start && day <= end) out[i * D + d] = 1;
    }
  }
  return out;
}
