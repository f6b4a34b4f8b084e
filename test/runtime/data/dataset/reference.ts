// A plain reference for Qlib's processor flow on a flat frame: rows are
// (day, instrument) pairs holding raw feature values and a label; every
// processor is a direct loop with sorting (no radix selection, no blocks).
// Values are rounded to float32 after every stage, as the frames are float32.
//
// Flow (Qlib's append mode): feature processors ("infer") on every row; the
// label processors ("learn") on the rows still present, used for train/valid.

import type { Processor } from '../../../../compiler/plan/data.js';

export interface RefRow {
  day: string;
  t: number;
  i: number;
  x: number[];
  label: number;
  keep: boolean;
  learnKeep: boolean;
  processedLabel: number;
}

const fr = Math.fround;

function median(v: number[]): number {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

function byDay(rows: RefRow[]): Map<number, RefRow[]> {
  const m = new Map<number, RefRow[]>();
  for (const r of rows) {
    if (!m.has(r.t)) m.set(r.t, []);
    m.get(r.t)!.push(r);
  }
  return m;
}

/** Per-day, per-value transforms shared by feature and label chains. */
function crossSection(p: Processor, vals: number[], keep: boolean[]): number[] {
  const live = vals.filter((v, j) => keep[j] && !Number.isNaN(v));
  const out = [...vals];
  switch (p.kind) {
    case 'process_inf': {
      const fin = vals.filter((v, j) => keep[j] && Number.isFinite(v));
      const mean = fin.length ? fin.reduce((a, b) => a + b, 0) / fin.length : NaN;
      return out.map((v, j) => (keep[j] && (v === Infinity || v === -Infinity) ? mean : v));
    }
    case 'csz_fillna': {
      const mean = live.reduce((a, b) => a + b, 0) / live.length;
      return out.map((v, j) => (keep[j] && Number.isNaN(v) ? mean : v));
    }
    case 'cs_rank':
      return out.map((v, j) => {
        if (!keep[j] || Number.isNaN(v)) return v;
        const less = live.filter((w) => w < v).length;
        const eq = live.filter((w) => w === v).length;
        return ((less + 1 + less + eq) / 2 / live.length - 0.5) * 3.46;
      });
    case 'cs_zscore': {
      if (p.robust) {
        const m = median(live);
        const mad = median(live.map((v) => Math.abs(v - m)));
        return out.map((v, j) => (keep[j] ? Math.min(3, Math.max(-3, (v - m) / mad / 1.4826)) : v));
      }
      const mean = live.reduce((a, b) => a + b, 0) / live.length;
      const sd = Math.sqrt(live.reduce((a, b) => a + (b - mean) ** 2, 0) / (live.length - 1));
      return out.map((v, j) => (keep[j] ? (v - mean) / sd : v));
    }
    default:
      throw new Error(`not cross-sectional: ${p.kind}`);
  }
}

type Fitted = { center: number[]; scale: number[] };

function fit(p: Processor & { fitStart: string; fitEnd: string }, rows: RefRow[], get: (r: RefRow) => number[], nCols: number): Fitted {
  const inWindow = rows.filter((r) => r.keep && r.day >= p.fitStart && r.day <= p.fitEnd);
  const center: number[] = [];
  const scale: number[] = [];
  for (let c = 0; c < nCols; c++) {
    const v = inWindow.map((r) => get(r)[c]!).filter((x) => !Number.isNaN(x));
    if (!v.length) {
      center.push(NaN);
      scale.push(NaN);
    } else if (p.kind === 'robust_zscore') {
      const m = median(v);
      center.push(m);
      scale.push((median(v.map((x) => fr(Math.abs(x - m)))) + 1e-12) * 1.4826);
    } else if (p.kind === 'zscore') {
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      center.push(mean);
      scale.push(Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length));
    } else {
      const lo = Math.min(...v);
      center.push(lo);
      scale.push(Math.max(...v) - lo);
    }
  }
  return { center, scale };
}

function elementwise(p: Processor, v: number, c: number, fitted: Fitted | null): number {
  switch (p.kind) {
    case 'robust_zscore': {
      const z = (v - fitted!.center[c]!) / fitted!.scale[c]!;
      const clip = p.clip ?? 3;
      return clip > 0 ? Math.min(clip, Math.max(-clip, z)) : z;
    }
    case 'zscore':
    case 'minmax':
      return fitted!.scale[c] === 0 ? v : (v - fitted!.center[c]!) / fitted!.scale[c]!;
    case 'fillna':
      return Number.isNaN(v) ? p.value : v;
    case 'tanh':
      return Math.tanh(v - 1);
    default:
      throw new Error(`not elementwise: ${p.kind}`);
  }
}

/**
 * Run the feature chain over every row (in place), then the label chain.
 * `names` are the columns; returns the names still present at the end.
 */
export function referenceProcess(rows: RefRow[], names: string[], features: readonly Processor[], labels: readonly Processor[]): string[] {
  let alive = names.map(() => true);
  const days = byDay(rows);
  for (const p of features) {
    if (p.kind === 'drop_col') alive = alive.map((a, c) => a && !p.columns.includes(names[c]!));
    else if (p.kind === 'filter_col') alive = alive.map((a, c) => a && p.columns.includes(names[c]!));
    else if (p.kind === 'dropna') {
      for (const r of rows) if (r.keep && r.x.some((v, c) => alive[c] && Number.isNaN(v))) r.keep = false;
    } else if (p.kind === 'robust_zscore' || p.kind === 'zscore' || p.kind === 'minmax') {
      const f = fit(p, rows, (r) => r.x, names.length);
      for (const r of rows) r.x = r.x.map((v, c) => fr(elementwise(p, v, c, f)));
    } else if (p.kind === 'fillna' || p.kind === 'tanh') {
      for (const r of rows) r.x = r.x.map((v, c) => fr(elementwise(p, v, c, null)));
    } else {
      for (const dayRows of days.values()) {
        const keep = dayRows.map((r) => r.keep);
        for (let c = 0; c < names.length; c++) {
          const out = crossSection(p, dayRows.map((r) => r.x[c]!), keep);
          dayRows.forEach((r, j) => (r.x[c] = fr(out[j]!)));
        }
      }
    }
  }
  for (const r of rows) {
    r.learnKeep = r.keep;
    r.processedLabel = r.label;
  }
  for (const p of labels) {
    if (p.kind === 'dropna_label') {
      for (const r of rows) if (r.learnKeep && Number.isNaN(r.processedLabel)) r.learnKeep = false;
    } else if (p.kind === 'dropna') {
      for (const r of rows) if (r.learnKeep && r.x.some((v, c) => alive[c] && Number.isNaN(v))) r.learnKeep = false;
    } else if (p.kind === 'robust_zscore' || p.kind === 'zscore' || p.kind === 'minmax') {
      const view = rows.map((r) => ({ ...r, keep: r.learnKeep }));
      const f = fit(p, view, (r) => [r.processedLabel], 1);
      for (const r of rows) r.processedLabel = fr(elementwise(p, r.processedLabel, 0, f));
    } else if (p.kind === 'fillna' || p.kind === 'tanh') {
      for (const r of rows) r.processedLabel = fr(elementwise(p, r.processedLabel, 0, null));
    } else {
      for (const dayRows of days.values()) {
        const out = crossSection(p, dayRows.map((r) => r.processedLabel), dayRows.map((r) => r.learnKeep));
        dayRows.forEach((r, j) => (r.processedLabel = fr(out[j]!)));
      }
    }
  }
  return names.filter((_, c) => alive[c]);
}
