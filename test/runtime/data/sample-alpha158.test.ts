// End to end on the real CSI300 sample: `quiver data import sample` into
// DuckDB → a strategy whose data block reads that file with the stdlib
// Alpha158 (compiled by the real compiler) → `loadData`, the path `quiver
// run` takes (loadPanel, membership, the expression engine, the dataset
// layer) → sanity checks: 158 columns in qlib.md §3.3's order, finite shares,
// and values against a plain-TypeScript calculation of the Qlib formulas on
// the raw CSV (read here with zlib, not through the importer).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlatFeatureSet } from '../../../compiler/plan/data.js';
import { runDataImport, type CliIO } from '../../../runtime/data/cli.js';
import { alpha158 } from '../../../runtime/data/expr/alpha.js';
import { shutdownExprWorkers } from '../../../runtime/data/expr/parallel.js';
import { SAMPLE_FILES, sampleDir } from '../../../runtime/data/import/sample.js';
import { loadData, type LoadedData } from '../../../runtime/run.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';
import { removeDir, tempDir } from './data-helpers.js';

const GROUPS = ['ROC', 'MA', 'STD', 'BETA', 'RSQR', 'RESI', 'MAX', 'MIN', 'QTLU', 'QTLD', 'RANK', 'RSV', 'IMAX', 'IMIN', 'IMXD', 'CORR', 'CORD', 'CNTP', 'CNTN', 'CNTD', 'SUMP', 'SUMN', 'SUMD', 'VMA', 'VSTD', 'WVMA', 'VSUMP', 'VSUMN', 'VSUMD'];
const QLIB_NAMES = ['KMID', 'KLEN', 'KMID2', 'KUP', 'KUP2', 'KLOW', 'KLOW2', 'KSFT', 'KSFT2', 'OPEN0', 'HIGH0', 'LOW0', 'VWAP0'];
for (const g of GROUPS) for (const d of [5, 10, 20, 30, 60]) QLIB_NAMES.push(`${g}${d}`);

let dir: string;
let data: LoadedData;
let planned: FlatFeatureSet;

/** The raw sample, calendar-aligned: stock → field → values over the sample's days (NaN: no row or volume 0). */
interface Raw {
  days: string[];
  get(stock: string, field: 'open' | 'high' | 'low' | 'close' | 'volume'): Float64Array;
}

function readRaw(): Raw {
  const text = gunzipSync(readFileSync(join(sampleDir()!, SAMPLE_FILES.bars))).toString('utf8');
  const lines = text.trim().split('\n');
  const head = lines[0]!.split(',');
  const col = (n: string): number => head.indexOf(n);
  const [iS, iD] = [col('instrument'), col('date')];
  const fields = ['open', 'high', 'low', 'close', 'volume'] as const;
  const idx = fields.map(col);
  const rows = lines.slice(1).map((l) => l.split(','));
  const days = [...new Set(rows.map((r) => r[iD]!))].sort();
  const dayAt = new Map(days.map((d, t) => [d, t]));
  const byStock = new Map<string, Float64Array[]>();
  for (const r of rows) {
    let fs = byStock.get(r[iS]!);
    if (!fs) byStock.set(r[iS]!, (fs = fields.map(() => new Float64Array(days.length).fill(NaN))));
    if (!(Number(r[idx[4]!]) > 0)) continue; // volume 0: a suspended day, every field NaN (docs/data.md)
    const t = dayAt.get(r[iD]!)!;
    fields.forEach((_, k) => (fs![k]![t] = Number(r[idx[k]!])));
  }
  return { days, get: (s, f) => byStock.get(s)![fields.indexOf(f)]! };
}

// ── Qlib's formulas over one stock's calendar series (qlib.md §3.2–3.3) ────
const EPS = 1e-12;
/** The finite values of x over the window of d days ending at t (partial windows at the start). */
function win(x: Float64Array, t: number, d: number): number[] {
  const out: number[] = [];
  for (let k = Math.max(0, t - d + 1); k <= t; k++) if (Number.isFinite(x[k]!)) out.push(x[k]!);
  return out;
}
const mean = (v: number[]): number => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
function std(v: number[]): number {
  if (v.length < 2) return NaN;
  const m = mean(v);
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}
/** Pandas rolling corr: pairs where both are finite, NaN when either side is (near) constant. */
function rollingCorr(a: Float64Array, b: Float64Array, t: number, d: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = Math.max(0, t - d + 1); k <= t; k++) {
    if (Number.isFinite(a[k]!) && Number.isFinite(b[k]!)) {
      xs.push(a[k]!);
      ys.push(b[k]!);
    }
  }
  const sa = std(xs);
  const sb = std(ys);
  // Qlib also forces NaN where either side's own (unpaired) rolling std is within 2e-5 of 0.
  if (!(std(win(a, t, d)) > 2e-5) || !(std(win(b, t, d)) > 2e-5) || !(sa > 0) || !(sb > 0)) return NaN;
  const ma = mean(xs);
  const mb = mean(ys);
  const cov = xs.reduce((s, x, k) => s + (x - ma) * (ys[k]! - mb), 0) / (xs.length - 1);
  return cov / (sa * sb);
}
/** OLS slope of the window's finite values on their positions 1..d. */
function slope(x: Float64Array, t: number, d: number): number {
  const ps: number[] = [];
  const vs: number[] = [];
  const first = t - d + 1;
  for (let k = Math.max(0, first); k <= t; k++) {
    if (Number.isFinite(x[k]!)) {
      ps.push(k - first + 1);
      vs.push(x[k]!);
    }
  }
  if (ps.length < 2) return NaN;
  const mp = mean(ps);
  const mv = mean(vs);
  let sxy = 0;
  let sxx = 0;
  ps.forEach((p, k) => ((sxy += (p - mp) * (vs[k]! - mv)), (sxx += (p - mp) ** 2)));
  return sxy / sxx;
}

function reference(raw: Raw, stock: string, t: number): Record<string, number> {
  const C = raw.get(stock, 'close');
  const O = raw.get(stock, 'open');
  const H = raw.get(stock, 'high');
  const L = raw.get(stock, 'low');
  const V = raw.get(stock, 'volume');
  const c = C[t]!;
  const logV1 = V.map((v) => Math.log(v + 1));
  // A comparison is 0 when either side is NaN (a suspended day counts as "not up"), from the series start on.
  const start = C.findIndex(Number.isFinite);
  const up = C.map((x, k) => (k < start ? NaN : k > 0 && x > C[k - 1]! ? 1 : 0));
  const maxH = Math.max(...win(H, t, 5));
  const minL = Math.min(...win(L, t, 5));
  return {
    KMID: (c - O[t]!) / O[t]!,
    KSFT2: (2 * c - H[t]! - L[t]!) / (H[t]! - L[t]! + EPS),
    LOW0: L[t]! / c,
    ROC20: C[t - 20]! / c,
    MA10: mean(win(C, t, 10)) / c,
    STD20: std(win(C, t, 20)) / c,
    BETA20: slope(C, t, 20) / c,
    MAX30: Math.max(...win(H, t, 30)) / c,
    MIN60: Math.min(...win(L, t, 60)) / c,
    RSV5: (c - minL) / (maxH - minL + EPS),
    CORR20: rollingCorr(C, logV1, t, 20),
    CNTP10: mean(win(up, t, 10)),
    VMA20: mean(win(V, t, 20)) / (V[t]! + EPS),
  };
}

beforeAll(async () => {
  expect(sampleDir(), 'the CSI300 sample (data/csi300-sample) must be present').not.toBeNull();
  dir = tempDir('sample-alpha158');
  const market = join(dir, 'csi300.duckdb');
  let log = '';
  const io: CliIO = { out: (t) => (log += t), err: (t) => (log += t) };
  expect(await runDataImport(['sample', '--out', market], io), log).toBe(0);
  const c = compileSource(`
import stdlib.features { alpha158 }

data real = duckdb(${JSON.stringify(market)}) {
  universe  csi300
  features  alpha158
  label     Ref($close, -2) / Ref($close, -1) - 1
  segments  train: 2018-01-01..2019-06-30, valid: 2019-07-01..2019-12-31,
            test:  2020-01-01..2020-12-31
}

model Lin(x: Float[N, F]) -> Float[N] {
  return x |> dense(1) |> squeeze
}

strategy e2e {
  data  real
  model Lin(x: real.x)
  loss  mse(pred, label)
  train { optimizer: adam(lr: 0.01), epochs: 1, batch: days }
}
`);
  expect(errorsOf(c)).toEqual([]);
  planned = c.plans[0]!.data.features.x as FlatFeatureSet;
  data = await loadData(c.plans[0]!, join(dir, 'cache'), () => {});
});

afterAll(async () => {
  await shutdownExprWorkers();
  if (dir) removeDir(dir);
});

describe('Alpha158 on the imported CSI300 sample, through the run path', () => {
  it('has Qlib\'s 158 columns in Qlib\'s order, the same expressions as the runtime\'s definition', () => {
    const set = data.dataset;
    expect(set.main).toBe('x');
    expect(set.shapes.x).toEqual({ kind: 'flat', F: 158, columns: QLIB_NAMES });
    expect(planned.kind).toBe('flat');
    expect(planned.columns).toEqual(alpha158().columns);
  });

  it('covers the sample: csi300 members of 2018–2020 with data, every trading day', () => {
    expect(data.panel.days).toHaveLength(730);
    expect(data.panel.days[0]).toBe('2018-01-02');
    expect(data.panel.instruments).toHaveLength(390);
    expect(data.dataset.days('train')[0]).toBe('2018-01-02');
    expect(data.dataset.days('test').at(-1)).toBe('2020-12-31');
    for (const seg of ['train', 'valid', 'test']) {
      for (const x of data.dataset.iterDays(seg)) {
        expect(x.instruments.length, `${seg} ${x.day}`).toBeGreaterThan(250);
        expect(x.instruments.length, `${seg} ${x.day}`).toBeLessThanOrEqual(300);
      }
    }
  });

  it('is finite where there is data (VWAP0 all NaN: the sample has no vwap), never ±inf', () => {
    const raw = readRaw();
    const dayAt = new Map(raw.days.map((d, t) => [d, t]));
    const finite = new Float64Array(158);
    const infinite = new Float64Array(158);
    let rows = 0;
    for (const seg of ['train', 'valid', 'test']) {
      for (const x of data.dataset.iterDays(seg)) {
        const t = dayAt.get(x.day)!;
        if (t < 60) continue; // the longest window's warm-up
        x.instruments.forEach((s, n) => {
          if (!Number.isFinite(raw.get(s, 'close')[t]!)) return; // suspended: NaN row
          rows++;
          for (let f = 0; f < 158; f++) {
            const v = x.x[n * 158 + f]!;
            if (Number.isFinite(v)) finite[f]!++;
            else if (v === Infinity || v === -Infinity) infinite[f]!++;
          }
        });
      }
    }
    expect(rows).toBeGreaterThan(150_000);
    QLIB_NAMES.forEach((name, f) => {
      expect(infinite[f], name).toBe(0);
      if (name === 'VWAP0') expect(finite[f], name).toBe(0);
      else expect(finite[f]! / rows, name).toBeGreaterThan(0.97);
    });
  });

  it('equals a plain calculation of Qlib\'s formulas on the raw CSV (float32 output)', () => {
    const raw = readRaw();
    const dayAt = new Map(raw.days.map((d, t) => [d, t]));
    const names = Object.keys(reference(raw, 'SH600000', 100));
    const cols = names.map((n) => QLIB_NAMES.indexOf(n));
    let checked = 0;
    let suspendedInWindow = 0;
    for (const [seg, k] of [['train', 70], ['valid', 40], ['test', 200]] as const) {
      const x = data.dataset.crossSection(seg, k);
      const t = dayAt.get(x.day)!;
      x.instruments.forEach((s, n) => {
        const C = raw.get(s, 'close');
        if (!Number.isFinite(C[t]!)) return;
        if (win(C, t, 60).length < 60) suspendedInWindow++;
        const ref = reference(raw, s, t);
        names.forEach((name, j) => {
          const got = x.x[n * 158 + cols[j]!]!;
          const want = ref[name]!;
          const where = `${name} ${s} ${x.day}: got ${got}, want ${want}`;
          if (Number.isNaN(want)) expect(Number.isNaN(got), where).toBe(true);
          else expect(Math.abs(got - want), where).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
          checked++;
        });
      });
    }
    expect(checked).toBeGreaterThan(3 * 250 * names.length);
    // Some of the stocks checked had suspended days inside their windows.
    expect(suspendedInWindow).toBeGreaterThan(0);
  });
});
