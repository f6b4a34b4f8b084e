// From DuckDB to one epoch's training tensors on the csi300 demo preset
// (≈ 300 members × 12 years): load the panel from the market file, build the
// dataset (Alpha360 as a window set, Qlib's RobustZScoreNorm + Fillna,
// DropnaLabel + CSRankNorm), then materialise every training day's
// [N, 60, 6] cross-section with its labels and mask. Bar: < 10 s, peak RSS
// < 3 GiB. The market is generated first when missing (not timed).
//
// Run: node --import tsx bench/epoch-tensors.ts

import { existsSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildDataset } from '../runtime/data/dataset/dataset.js';
import { closeMarket, openMarket } from '../runtime/data/db.js';
import { loadMembership, loadPanel } from '../runtime/data/load.js';
import { generateMarket } from '../runtime/data/synth/index.js';
import { alpha360 } from '../runtime/data/expr/alpha.js';
import type { DatasetSpec } from '../compiler/plan/data.js';

const root = join(import.meta.dirname, '..');
const path = join(root, '.quiver', 'data', 'demo-csi300-7.duckdb');
const generated = !existsSync(path);
if (generated) {
  mkdirSync(join(root, '.quiver', 'data'), { recursive: true });
  console.log('generating the csi300 demo market (not timed) …');
  await generateMarket({ path, preset: 'csi300', seed: 7 });
}

const load0 = loadavg();
let peak = 0;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpu();
const t0 = performance.now();
const db = await openMarket(path);
const panel = await loadPanel(db, { fields: ['close', 'open', 'high', 'low', 'vwap', 'volume'], universe: 'csi300' });
const membership = await loadMembership(db, 'csi300');
closeMarket(db);
const t1 = performance.now();
const spec: DatasetSpec = {
  features: { x: alpha360() },
  label: { kind: 'call', fn: 'Sub', args: [{ kind: 'call', fn: 'Div', args: [{ kind: 'call', fn: 'Ref', args: [{ kind: 'field', name: 'close' }, { kind: 'const', value: -2 }] }, { kind: 'call', fn: 'Ref', args: [{ kind: 'field', name: 'close' }, { kind: 'const', value: -1 }] }] }, { kind: 'const', value: 1 }] },
  fields: {},
  universe: 'csi300',
  process: {
    features: [{ kind: 'robust_zscore', clip: 3, fitStart: '2008-01-01', fitEnd: '2014-12-31' }, { kind: 'fillna', value: 0 }],
    label: [{ kind: 'dropna_label' }, { kind: 'cs_rank' }],
  },
  segments: { train: { start: '2008-01-01', end: '2014-12-31' }, valid: { start: '2015-01-01', end: '2016-12-31' }, test: { start: '2017-01-01', end: '2019-12-31' } },
};
const ds = await buildDataset(panel, spec, { membership });
const t2 = performance.now();
let rows = 0;
let days = 0;
for (const cs of ds.iterDays('train')) {
  rows += cs.instruments.length;
  days++;
  if (cs.x.length !== cs.instruments.length * 60 * 6) throw new Error('bad window layout');
}
const t3 = performance.now();
const cpuMs = cpu() - c0;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
// The kernel's high-water mark (worker threads included) when generation did not run in this process.
if (!generated) peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
const s = (a: number, b: number) => ((b - a) / 1000).toFixed(2);
console.log(`panel ${panel.instruments.length} instruments × ${panel.days.length} days; train: ${days} days, ${rows.toLocaleString('en-US')} rows`);
console.log(`DuckDB → panel ${s(t0, t1)} s, dataset build ${s(t1, t2)} s, one epoch of [N, 60, 6] tensors ${s(t2, t3)} s`);
console.log(`total ${s(t0, t3)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU (bar < 10 s: ${(t3 - t0) / 1000 < 10 ? 'met' : 'NOT met'}); peak RSS ${(peak / 2 ** 30).toFixed(2)} GiB (bar < 3 GiB: ${peak < 3 * 2 ** 30 ? 'met' : 'NOT met'})`);
console.log(`load average ${load0.map((v) => v.toFixed(1)).join(' ')} at the start, ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end`);
