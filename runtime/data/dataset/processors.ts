// Qlib's processors (specs/qlib.md §3.5) over day blocks.
//
// A block is one day's rows × a list of columns, row-major Float32Array (the
// precision Qlib's frames have): every stage reads float32, computes in
// float64 and stores float32, so a value gets the same rounding whichever
// path (whole day, single row, flat or window set) produced it. `keep` marks
// rows still present (members not dropped by an earlier stage);
// cross-sectional stages use kept rows only, as Qlib's per-date groupby sees
// only rows still in its frame.
//
// Fitted stages (robust_zscore, zscore, minmax, qcut) hold per-column
// parameters indexed by the set's original column number; fit.ts fills them.
// qcut gives class indices 0..q-1 against its fitted edges (a value equal to
// an edge falls in the lower class, as pd.cut's right-closed bins).

import type { Processor } from '../../../compiler/plan/data.js';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';

export interface Stage {
  proc: Processor;
  /** Fitted per-column parameters: centre (median / mean / min) and scale (1.4826·(MAD+1e-12) / std / max-min). */
  center?: Float64Array;
  scale?: Float64Array;
  /** qcut: the q-1 ascending edges of each column, column j at [j·(q-1), (j+1)·(q-1)); NaN where the fit had no values. */
  edges?: Float64Array;
  /** Columns alive after this stage (drop_col / filter_col change it). */
  alive: Uint8Array;
  /**
   * Label stages only: `dropna` in the label list drops rows whose processed
   * features hold a NaN; this mask over dataset rows (1 = no NaN) says which.
   */
  rowFilter?: Uint8Array;
}

export const FITTED = new Set(['robust_zscore', 'zscore', 'minmax', 'qcut']);
/** Stages whose result for a row depends only on that row. */
const ROW_LOCAL = new Set(['robust_zscore', 'zscore', 'minmax', 'fillna', 'tanh', 'dropna', 'drop_col', 'filter_col', 'qcut']);

export function isRowLocal(stages: readonly Stage[]): boolean {
  return stages.every((s) => ROW_LOCAL.has(s.proc.kind));
}

/**
 * A chain of per-value stages (fitted norms, fillna, tanh; column
 * selections are no-ops on values) flattened into arrays, so a reader can
 * push each raw value through every stage in one pass. Same arithmetic and
 * float32 rounding per stage as applyStage.
 */
export interface ValueChain {
  /** Per stage: 0 affine (centre/scale, optional clip), 1 fillna, 2 tanh. */
  ops: Int32Array;
  center: Float64Array[];
  scale: Float64Array[];
  /** Clip bound per stage (0 = none) or the fill value. */
  arg: Float64Array;
}

export function valueChain(stages: readonly Stage[], nCols: number): ValueChain | null {
  const ops: number[] = [];
  const center: Float64Array[] = [];
  const scale: Float64Array[] = [];
  const arg: number[] = [];
  for (const st of stages) {
    const p = st.proc;
    if (p.kind === 'drop_col' || p.kind === 'filter_col') continue;
    if (p.kind === 'robust_zscore' || p.kind === 'zscore' || p.kind === 'minmax') {
      const m = new Float64Array(nCols);
      const sc = new Float64Array(nCols);
      for (let j = 0; j < nCols; j++) {
        const ignore = p.kind !== 'robust_zscore' && st.scale![j] === 0;
        m[j] = ignore ? 0 : st.center![j]!;
        sc[j] = ignore ? 1 : st.scale![j]!;
      }
      ops.push(0);
      center.push(m);
      scale.push(sc);
      arg.push(p.kind === 'robust_zscore' ? (p.clip ?? 3) : 0);
    } else if (p.kind === 'fillna') {
      ops.push(1);
      center.push(new Float64Array(0));
      scale.push(new Float64Array(0));
      arg.push(Math.fround(p.value));
    } else if (p.kind === 'tanh') {
      ops.push(2);
      center.push(new Float64Array(0));
      scale.push(new Float64Array(0));
      arg.push(0);
    } else return null;
  }
  return { ops: Int32Array.from(ops), center, scale, arg: Float64Array.from(arg) };
}

/** Push one float32 raw value of column j through the chain. */
export function applyChain(ch: ValueChain, v: number, j: number): number {
  const { ops, center, scale, arg } = ch;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k]!;
    if (op === 0) {
      let z = (v - center[k]![j]!) / scale[k]![j]!;
      const c0 = arg[k]!;
      if (c0 > 0) z = z < -c0 ? -c0 : z > c0 ? c0 : z;
      v = Math.fround(z);
    } else if (op === 1) {
      if (v !== v) v = arg[k]!;
    } else v = Math.fround(Math.tanh(v - 1));
  }
  return v;
}

/**
 * Compile a feature processor list against a set's columns. `matches(name)`
 * maps a processor's column name to the original column indices it names
 * (window sets accept a field name for all its lags).
 */
export function compileFeatureStages(
  procs: readonly Processor[],
  nCols: number,
  setName: string,
  matches: (name: string) => number[] | null,
  diagnostics: Diagnostic[],
): Stage[] {
  let alive: Uint8Array = new Uint8Array(nCols).fill(1);
  const stages: Stage[] = [];
  for (const p of procs) {
    if (p.kind === 'dropna_label') {
      diagnostics.push(diag('datasetProcessorPlacement', { processor: p.kind, reason: 'it is learn-only (labels); put it in process.label' }));
      continue;
    }
    if (p.kind === 'drop_col' || p.kind === 'filter_col') {
      const named = new Uint8Array(nCols);
      for (const name of p.columns) {
        const cols = matches(name);
        if (!cols) diagnostics.push(diag('datasetUnknownColumn', { name, set: setName }));
        else for (const c of cols) named[c] = 1;
      }
      alive = alive.map((a, c) => (a && (p.kind === 'drop_col' ? !named[c] : named[c]) ? 1 : 0));
    }
    stages.push({ proc: p, alive });
  }
  return stages;
}

/**
 * Compile a target's processor list (a one-column block, like the label's).
 * A target keeps every row (rows are the label's business; a loss skips rows
 * whose target is NaN), so row drops and column selections are refused.
 */
export function compileTargetStages(procs: readonly Processor[], target: string, diagnostics: Diagnostic[]): Stage[] {
  const stages: Stage[] = [];
  for (const p of procs) {
    if (p.kind === 'dropna' || p.kind === 'dropna_label' || p.kind === 'drop_col' || p.kind === 'filter_col') {
      diagnostics.push(diag('datasetProcessorPlacement', { processor: p.kind, reason: `target ${target} keeps every row; a loss skips rows whose target is NaN` }));
      continue;
    }
    stages.push({ proc: p, alive: new Uint8Array([1]) });
  }
  return stages;
}

/** Class of v against ascending edges e[at .. at+k): the number of edges below v; NaN stays NaN, as does any v when the edges are NaN. */
export function qcutClass(v: number, e: Float64Array, at: number, k: number): number {
  if (v !== v || e[at] !== e[at]) return NaN;
  let c = 0;
  while (c < k && v > e[at + c]!) c++;
  return c;
}

/** Compile the label (learn) processor list; the label is column 0 of a one-column block. */
export function compileLabelStages(procs: readonly Processor[], diagnostics: Diagnostic[]): Stage[] {
  const stages: Stage[] = [];
  for (const p of procs) {
    if (p.kind === 'drop_col' || p.kind === 'filter_col') {
      diagnostics.push(diag('datasetProcessorPlacement', { processor: p.kind, reason: 'features must match in every segment; put it in process.features' }));
      continue;
    }
    stages.push({ proc: p, alive: new Uint8Array([1]) });
  }
  return stages;
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function clip(v: number, c: number): number {
  return v < -c ? -c : v > c ? c : v;
}

/** numpy-style median of a small array (sorted copy). */
function smallMedian(v: number[]): number {
  if (!v.length) return NaN;
  v.sort(cmp);
  const n = v.length;
  return n & 1 ? v[(n - 1) >> 1]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
}

/**
 * Apply one stage to a block in place.
 * block: rows × cols.length; cols[c] = original column index of block column c.
 */
export function applyStage(st: Stage, block: Float32Array, rows: number, cols: Int32Array, keep: Uint8Array): void {
  const C = cols.length;
  const p = st.proc;
  switch (p.kind) {
    case 'robust_zscore':
    case 'zscore':
    case 'minmax': {
      // Parameters per block column, then a row-major sweep (contiguous).
      const m = new Float64Array(C);
      const sc = new Float64Array(C);
      for (let c = 0; c < C; c++) {
        const j = cols[c]!;
        // zscore / minmax leave a constant column unchanged (Qlib's `ignore`).
        const ignore = p.kind !== 'robust_zscore' && st.scale![j] === 0;
        m[c] = ignore ? 0 : st.center![j]!;
        sc[c] = ignore ? 1 : st.scale![j]!;
      }
      const c0 = p.kind === 'robust_zscore' ? (p.clip ?? 3) : 0;
      for (let r = 0; r < rows; r++) {
        const o = r * C;
        for (let c = 0; c < C; c++) {
          const v = (block[o + c]! - m[c]!) / sc[c]!;
          block[o + c] = c0 > 0 ? (v < -c0 ? -c0 : v > c0 ? c0 : v) : v;
        }
      }
      return;
    }
    case 'fillna':
      for (let k = 0; k < rows * C; k++) if (block[k] !== block[k]) block[k] = p.value;
      return;
    case 'tanh':
      for (let k = 0; k < rows * C; k++) block[k] = Math.tanh(block[k]! - 1);
      return;
    case 'qcut': {
      const k = p.q - 1;
      for (let c = 0; c < C; c++) {
        const at = cols[c]! * k;
        for (let r = 0; r < rows; r++) block[r * C + c] = qcutClass(block[r * C + c]!, st.edges!, at, k);
      }
      return;
    }
    case 'dropna':
    case 'dropna_label':
      for (let r = 0; r < rows; r++) {
        if (!keep[r]) continue;
        for (let c = 0; c < C; c++) {
          const v = block[r * C + c]!;
          if (v !== v && st.alive[cols[c]!]) {
            keep[r] = 0;
            break;
          }
        }
      }
      return;
    case 'drop_col':
    case 'filter_col':
      return;
    default:
      for (let c = 0; c < C; c++) crossSection(p, block, rows, C, c, keep);
  }
}

/**
 * Run stages [from, to) over a block whose row r is dataset row p0 + r
 * (row filters are indexed by dataset row).
 */
export function runStages(
  stages: readonly Stage[],
  from: number,
  to: number,
  block: Float32Array,
  nRows: number,
  cols: Int32Array,
  keep: Uint8Array,
  p0: number,
): void {
  for (let k = from; k < to; k++) {
    const st = stages[k]!;
    if (st.rowFilter) {
      for (let r = 0; r < nRows; r++) if (!st.rowFilter[p0 + r]) keep[r] = 0;
    } else applyStage(st, block, nRows, cols, keep);
  }
}

/** The per-date, per-column processors. */
function crossSection(p: Processor, block: Float32Array, rows: number, C: number, c: number, keep: Uint8Array): void {
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    if (!keep[r]) continue;
    const v = block[r * C + c]!;
    if (p.kind === 'process_inf' ? v - v === 0 : v === v) vals.push(v);
  }
  const n = vals.length;
  switch (p.kind) {
    case 'process_inf': {
      const mean = n ? vals.reduce((a, b) => a + b, 0) / n : NaN;
      for (let r = 0; r < rows; r++) {
        const k = r * C + c;
        if (keep[r] && (block[k] === Infinity || block[k] === -Infinity)) block[k] = mean;
      }
      return;
    }
    case 'csz_fillna': {
      const mean = n ? vals.reduce((a, b) => a + b, 0) / n : NaN;
      for (let r = 0; r < rows; r++) {
        const k = r * C + c;
        if (keep[r] && block[k] !== block[k]) block[k] = mean;
      }
      return;
    }
    case 'cs_rank': {
      vals.sort(cmp);
      for (let r = 0; r < rows; r++) {
        const k = r * C + c;
        const v = block[k]!;
        if (!keep[r] || v !== v) continue;
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (vals[mid]! < v) lo = mid + 1;
          else hi = mid;
        }
        let up = lo;
        hi = n;
        while (up < hi) {
          const mid = (up + hi) >> 1;
          if (vals[mid]! <= v) up = mid + 1;
          else hi = mid;
        }
        block[k] = (((lo + up + 1) / 2 / n) - 0.5) * 3.46;
      }
      return;
    }
    case 'cs_zscore': {
      if (p.robust) {
        const med = smallMedian([...vals]);
        const mad = smallMedian(vals.map((v) => Math.abs(v - med)));
        for (let r = 0; r < rows; r++) {
          const k = r * C + c;
          if (keep[r]) block[k] = clip((block[k]! - med) / mad / 1.4826, 3);
        }
        return;
      }
      const mean = vals.reduce((a, b) => a + b, 0) / n;
      const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
      for (let r = 0; r < rows; r++) {
        const k = r * C + c;
        if (keep[r]) block[k] = (block[k]! - mean) / sd;
      }
      return;
    }
    default:
      return;
  }
}
