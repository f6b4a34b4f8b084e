// Fitting the fitted processors (RobustZScoreNorm, ZScoreNorm, MinMaxNorm,
// qcut) on their fit window only, per column, pooled over every kept row of
// every day in [fitStart, fitEnd] — Qlib's semantics. qcut's edges are the
// q-quantiles (pandas' linear interpolation) of the finite values; where a
// column's values are constant within every fit day (a daily aggregate such
// as cs_mean) each day counts once, as Qlib's ADD takes the quantiles of the
// daily means; otherwise each kept row counts once.
//
// The values a stage is fitted on are the outputs of the stages before it,
// built day by day from the column source, a chunk of columns at a time, so
// a window set's 360 columns are never all materialised: the gather buffer
// stays under `budgetBytes` (a stage after `dropna` needs whole rows and is
// fitted in one chunk). Medians are exact (radix selection, select.ts).
// Guarantees: nothing outside the fit window is read to fit, so changing
// data outside it cannot change the parameters.

import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import type { DayRows, FeatureSource } from './source.js';
import { FITTED, runStages, type Stage } from './processors.js';
import { dayRange } from './membership.js';
import { median, medianAbsDeviation } from './select.js';
import { runTasks, taskModule } from '../expr/pool.js';
import type { FitColumnsJob } from './fit-task.js';

export interface FitContext {
  source: FeatureSource;
  stages: Stage[];
  days: readonly string[];
  dayRows: DayRows;
  /** Optional row mask over dataset rows (1 = keep) applied before the stages. */
  baseKeep?: Uint8Array;
  budgetBytes: number;
  diagnostics: Diagnostic[];
  /** Worker threads for the order-free fast path (1 = this thread only). */
  threads: number;
}

/** Below this many gathered values a fit is not worth shipping to workers. */
const PARALLEL_MIN_VALUES = 4_000_000;

/** Fit every fitted stage in order (each on the outputs of the stages before it). */
export async function fitStages(ctx: FitContext): Promise<void> {
  for (let k = 0; k < ctx.stages.length; k++) if (FITTED.has(ctx.stages[k]!.proc.kind)) await fitStage(ctx, k);
}

/** The fit window's day range, its rows and its widest day; a diagnostic and undefined when it holds no rows. */
function fitWindow(ctx: FitContext, proc: { fitStart: string; fitEnd: string }): { a: number; b: number; total: number; widest: number } | undefined {
  const dr = ctx.dayRows;
  const [a, b] = dayRange(ctx.days, proc.fitStart, proc.fitEnd);
  let total = 0;
  let widest = 0;
  for (let t = a; t < b; t++) {
    const n = dr.offsets[t + 1]! - dr.offsets[t]!;
    total += n;
    widest = Math.max(widest, n);
  }
  if (total === 0) {
    ctx.diagnostics.push(diag('datasetEmptyFitWindow', { start: proc.fitStart, end: proc.fitEnd }));
    return undefined;
  }
  return { a, b, total, widest };
}

/** Day t's rows of `cols` through stages 0..k−1 into `block` (row-major) and `keep`; returns the row count. */
function stagedDay(ctx: FitContext, k: number, t: number, cols: Int32Array, block: Float32Array, keep: Uint8Array): number {
  const off = ctx.dayRows.offsets[t]!;
  const n = ctx.dayRows.offsets[t + 1]! - off;
  if (n === 0) return 0;
  ctx.source.fill(t, off, n, cols, block);
  for (let r = 0; r < n; r++) keep[r] = ctx.baseKeep ? ctx.baseKeep[off + r]! : 1;
  runStages(ctx.stages, 0, k, block, n, cols, keep, off);
  return n;
}

async function fitStage(ctx: FitContext, k: number): Promise<void> {
  if (ctx.stages[k]!.proc.kind === 'qcut') return fitQcut(ctx, k);
  const { source, stages, days, dayRows: dr } = ctx;
  const st = stages[k]!;
  const proc = st.proc as Extract<Stage['proc'], { fitStart: string }>;
  const nCols = source.names.length;
  const aliveIn = k > 0 ? stages[k - 1]!.alive : new Uint8Array(nCols).fill(1);
  const fitCols: number[] = [];
  for (let j = 0; j < nCols; j++) if (aliveIn[j]) fitCols.push(j);
  st.center = new Float64Array(nCols).fill(NaN);
  st.scale = new Float64Array(nCols).fill(NaN);
  const win = fitWindow(ctx, proc);
  if (!win) return;
  const { a, b, total, widest } = win;
  if (st.proc.kind !== 'zscore' && !ctx.baseKeep && stages.slice(0, k).every((s) => s.proc.kind === 'drop_col' || s.proc.kind === 'filter_col')) {
    // Fast path: the stage sees raw values and its statistics ignore order —
    // gather each column straight from the source (on worker threads when large).
    if (ctx.threads > 1 && total * fitCols.length >= PARALLEL_MIN_VALUES) {
      try {
        const groups = Math.min(fitCols.length, ctx.threads * 4);
        const jobs: FitColumnsJob[] = [];
        for (let g = 0; g < groups; g++) {
          const cols = fitCols.slice(Math.floor((g * fitCols.length) / groups), Math.floor(((g + 1) * fitCols.length) / groups));
          if (cols.length) jobs.push({ kind: st.proc.kind, source: source.shared(), cols, a, b, total });
        }
        const res = await runTasks<{ center: number[]; scale: number[] }>(taskModule('./fit-task', import.meta.url), 'fitColumns', jobs, ctx.threads);
        res.forEach((r, g) => {
          jobs[g]!.cols.forEach((j, q) => {
            st.center![j] = r.center[q]!;
            st.scale![j] = r.scale[q]!;
          });
        });
        return;
      } catch {
        // Workers unavailable: fit on this thread below.
      }
    }
    fitColumnGroups(source, st.proc.kind, fitCols, a, b, total, (j, center, scale) => {
      st.center![j] = center;
      st.scale![j] = scale;
    });
    return;
  }
  const needsWholeRows = stages.slice(0, k).some((s) => s.proc.kind === 'dropna' || s.proc.kind === 'dropna_label');
  const chunk = needsWholeRows ? fitCols.length : Math.max(1, Math.min(fitCols.length, Math.floor(ctx.budgetBytes / (4 * total))));
  const gathered = new Float32Array(chunk * total);
  const counts = new Int32Array(chunk);
  const block = new Float32Array(widest * chunk);
  const keep = new Uint8Array(widest);
  for (let c0 = 0; c0 < fitCols.length; c0 += chunk) {
    const cols = Int32Array.from(fitCols.slice(c0, c0 + chunk));
    const C = cols.length;
    counts.fill(0);
    for (let t = a; t < b; t++) {
      const n = stagedDay(ctx, k, t, cols, block, keep);
      if (n === 0) continue;
      for (let c = 0; c < C; c++) {
        const dst = c * total;
        let m = counts[c]!;
        for (let r = 0; r < n; r++) {
          if (!keep[r]) continue;
          const v = block[r * C + c]!;
          if (v === v) gathered[dst + m++] = v;
        }
        counts[c] = m;
      }
    }
    for (let c = 0; c < C; c++) {
      const vals = gathered.subarray(c * total, c * total + counts[c]!);
      const [center, scale] = columnStats(st.proc.kind, vals);
      st.center[cols[c]!] = center;
      st.scale[cols[c]!] = scale;
    }
  }
}

/**
 * qcut: gather each column's finite fit values after the stages before it,
 * day by day (one column at a time: the label's and targets' chains have one),
 * noting whether every day's values are equal; the edges come from one value
 * per day when they are, else from every value.
 */
function fitQcut(ctx: FitContext, k: number): void {
  const { source, stages, days, dayRows: dr } = ctx;
  const st = stages[k]!;
  const proc = st.proc as Extract<Stage['proc'], { kind: 'qcut' }>;
  const q = proc.q;
  const nCols = source.names.length;
  const aliveIn = k > 0 ? stages[k - 1]!.alive : new Uint8Array(nCols).fill(1);
  st.edges = new Float64Array(nCols * (q - 1)).fill(NaN);
  const win = fitWindow(ctx, proc);
  if (!win) return;
  const { a, b, total, widest } = win;
  const needsWholeRows = stages.slice(0, k).some((s) => s.proc.kind === 'dropna' || s.proc.kind === 'dropna_label');
  const groups = needsWholeRows ? [Int32Array.from(Array.from({ length: nCols }, (_, j) => j).filter((j) => aliveIn[j]))] : Array.from({ length: nCols }, (_, j) => j).filter((j) => aliveIn[j]).map((j) => Int32Array.of(j));
  const keep = new Uint8Array(widest);
  for (const cols of groups) {
    const C = cols.length;
    const block = new Float32Array(widest * C);
    const vals = Array.from({ length: C }, () => new Float32Array(total));
    const perDay = Array.from({ length: C }, () => new Float32Array(b - a));
    const counts = new Int32Array(C);
    const dayCounts = new Int32Array(C);
    const constant = new Uint8Array(C).fill(1);
    for (let t = a; t < b; t++) {
      const n = stagedDay(ctx, k, t, cols, block, keep);
      if (n === 0) continue;
      for (let c = 0; c < C; c++) {
        const m0 = counts[c]!;
        let m = m0;
        for (let r = 0; r < n; r++) {
          const v = block[r * C + c]!;
          if (keep[r] && Number.isFinite(v)) vals[c]![m++] = v;
        }
        counts[c] = m;
        if (m === m0) continue;
        const first = vals[c]![m0]!;
        for (let p = m0 + 1; p < m && constant[c]; p++) if (vals[c]![p] !== first) constant[c] = 0;
        perDay[c]![dayCounts[c]!++] = first;
      }
    }
    for (let c = 0; c < C; c++) {
      const pool = constant[c] ? perDay[c]!.subarray(0, dayCounts[c]!) : vals[c]!.subarray(0, counts[c]!);
      st.edges.set(quantileEdges(pool, q), cols[c]! * (q - 1));
    }
  }
}

/** The q-1 inner q-quantiles of some values (pandas' linear interpolation); NaN when there are none. */
export function quantileEdges(values: Float64Array | Float32Array, q: number): Float64Array {
  const out = new Float64Array(q - 1).fill(NaN);
  const n = values.length;
  if (n === 0) return out;
  const sorted = Float64Array.from(values).sort();
  for (let k = 1; k < q; k++) {
    const h = ((n - 1) * k) / q;
    const lo = Math.floor(h);
    const hi = Math.min(n - 1, lo + 1);
    out[k - 1] = sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
  }
  return out;
}

/** Columns gathered together per sweep of the source in the fast path. */
const GROUP = 16;

/** The fast path: gather groups of columns straight from the source, then their statistics. */
export function fitColumnGroups(
  source: FeatureSource,
  kind: string,
  cols: readonly number[],
  a: number,
  b: number,
  total: number,
  put: (j: number, center: number, scale: number) => void,
): void {
  const G = Math.min(GROUP, cols.length);
  const buf = new Float32Array(G * total);
  const counts = new Int32Array(G);
  for (let g0 = 0; g0 < cols.length; g0 += G) {
    const group = cols.slice(g0, g0 + G);
    source.gatherColumns(group, a, b, buf, total, counts);
    group.forEach((j, q) => {
      const [center, scale] = columnStats(kind, buf.subarray(q * total, q * total + counts[q]!));
      put(j, center, scale);
    });
  }
}

/** (centre, scale) of one column's fit values (NaN-free). */
export function columnStats(kind: string, vals: Float32Array): [number, number] {
  const n = vals.length;
  if (n === 0) return [NaN, NaN];
  if (kind === 'robust_zscore') {
    const med = median(vals, n);
    const mad = medianAbsDeviation(vals, n, med);
    return [med, (mad + 1e-12) * 1.4826];
  }
  if (kind === 'zscore') {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += vals[j]!;
    const mean = sum / n;
    let ss = 0;
    for (let j = 0; j < n; j++) ss += (vals[j]! - mean) * (vals[j]! - mean);
    return [mean, Math.sqrt(ss / n)];
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = vals[j]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi - lo];
}
