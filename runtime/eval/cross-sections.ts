// The input layout of every evaluation metric: predictions and labels as
// day-major rows with per-day offsets (a CSR layout), the shape a daily
// batch sampler produces and the shape Qlib's `groupby("datetime")` sees.
//
// Assumes: nothing about which rows are present; a row may have a NaN
// prediction or a NaN label (missing, suspended, not in the universe); each
// metric drops incomplete rows per day as documented where it is defined.
// Guarantees: `checkCrossSections` reports every shape problem as a
// diagnostic; builders return layouts that pass it.

import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';

export interface CrossSections {
  /** Day labels (ISO dates), one per cross-section. */
  days: string[];
  /** Rows of day d are [offsets[d], offsets[d + 1]); length days.length + 1, offsets[0] = 0. */
  offsets: Int32Array;
  /** Prediction per row. */
  pred: Float64Array;
  /** Raw label per row (e.g. Qlib's Ref($close,-2)/Ref($close,-1) - 1). */
  label: Float64Array;
  /** Optional instrument index per row (into some instrument list); ties in sorts fall back to row order. */
  instrument?: Int32Array;
}

/** Every shape problem of `cs` (empty when it is well formed). */
export function checkCrossSections(cs: CrossSections, extraLabels: readonly Float64Array[] = []): Diagnostic[] {
  const out: Diagnostic[] = [];
  const D = cs.days.length;
  if (cs.offsets.length !== D + 1) {
    out.push(diag('evalShapeMismatch', { what: 'offsets', got: cs.offsets.length, expected: D + 1 }));
    return out;
  }
  if (cs.offsets[0] !== 0) out.push(diag('evalShapeMismatch', { what: 'offsets[0]', got: cs.offsets[0]!, expected: 0 }));
  for (let d = 0; d < D; d++) {
    if (cs.offsets[d + 1]! < cs.offsets[d]!) {
      out.push(diag('evalBadSetting', {
        name: `offsets[${d + 1}]`, value: String(cs.offsets[d + 1]), expected: `>= offsets[${d}] = ${cs.offsets[d]}`,
      }));
      break;
    }
  }
  const rows = cs.offsets[D]!;
  if (cs.pred.length !== rows) out.push(diag('evalShapeMismatch', { what: 'pred', got: cs.pred.length, expected: rows }));
  if (cs.label.length !== rows) out.push(diag('evalShapeMismatch', { what: 'label', got: cs.label.length, expected: rows }));
  if (cs.instrument && cs.instrument.length !== rows) {
    out.push(diag('evalShapeMismatch', { what: 'instrument', got: cs.instrument.length, expected: rows }));
  }
  extraLabels.forEach((l, h) => {
    if (l.length !== rows) out.push(diag('evalShapeMismatch', { what: `labels[${h}]`, got: l.length, expected: rows }));
  });
  return out;
}

/** Throw the shape problems of `cs` as one DiagnosticError (API-boundary form of checkCrossSections). */
export function assertCrossSections(cs: CrossSections, extraLabels: readonly Float64Array[] = []): void {
  const ds = checkCrossSections(cs, extraLabels);
  if (ds.length > 0) throw new DiagnosticError(ds);
}

/** Largest number of rows in one day. */
export function maxDayRows(cs: CrossSections): number {
  let m = 0;
  for (let d = 0; d < cs.days.length; d++) m = Math.max(m, cs.offsets[d + 1]! - cs.offsets[d]!);
  return m;
}

/**
 * Build cross-sections from instrument-major matrices laid out like a Panel
 * field (value of instrument i on day d at i * days.length + d). A row is
 * kept when its prediction or its label is present; rows keep instrument
 * order within a day. Extra label matrices (other horizons) are carried
 * along row for row.
 */
export function crossSectionsFromMatrix(
  days: string[],
  nInstruments: number,
  pred: Float64Array,
  label: Float64Array,
  extraLabels: readonly Float64Array[] = [],
): { cs: CrossSections; extra: Float64Array[] } {
  const D = days.length;
  const n = D * nInstruments;
  const ds: Diagnostic[] = [];
  if (pred.length !== n) ds.push(diag('evalShapeMismatch', { what: 'pred matrix', got: pred.length, expected: n }));
  if (label.length !== n) ds.push(diag('evalShapeMismatch', { what: 'label matrix', got: label.length, expected: n }));
  extraLabels.forEach((l, h) => {
    if (l.length !== n) ds.push(diag('evalShapeMismatch', { what: `label matrix ${h}`, got: l.length, expected: n }));
  });
  if (ds.length > 0) throw new DiagnosticError(ds);

  const offsets = new Int32Array(D + 1);
  for (let d = 0; d < D; d++) {
    let c = 0;
    for (let i = 0; i < nInstruments; i++) {
      const k = i * D + d;
      if (pred[k] === pred[k] || label[k] === label[k]) c++;
    }
    offsets[d + 1] = offsets[d]! + c;
  }
  const rows = offsets[D]!;
  const p = new Float64Array(rows);
  const l = new Float64Array(rows);
  const inst = new Int32Array(rows);
  const extra = extraLabels.map(() => new Float64Array(rows));
  for (let d = 0; d < D; d++) {
    let r = offsets[d]!;
    for (let i = 0; i < nInstruments; i++) {
      const k = i * D + d;
      if (pred[k] === pred[k] || label[k] === label[k]) {
        p[r] = pred[k]!;
        l[r] = label[k]!;
        inst[r] = i;
        for (let h = 0; h < extra.length; h++) extra[h]![r] = extraLabels[h]![k]!;
        r++;
      }
    }
  }
  return { cs: { days, offsets, pred: p, label: l, instrument: inst }, extra };
}

/** Build cross-sections from one (pred, label) pair of arrays per day. */
export function crossSectionsFromDays(
  days: string[],
  perDay: readonly { pred: ArrayLike<number>; label: ArrayLike<number> }[],
): CrossSections {
  if (perDay.length !== days.length) {
    throw new DiagnosticError(diag('evalShapeMismatch', { what: 'per-day arrays', got: perDay.length, expected: days.length }));
  }
  const offsets = new Int32Array(days.length + 1);
  const ds: Diagnostic[] = [];
  perDay.forEach((x, d) => {
    if (x.pred.length !== x.label.length) {
      ds.push(diag('evalShapeMismatch', { what: `label of ${days[d]}`, got: x.label.length, expected: x.pred.length }));
    }
    offsets[d + 1] = offsets[d]! + x.pred.length;
  });
  if (ds.length > 0) throw new DiagnosticError(ds);
  const rows = offsets[days.length]!;
  const pred = new Float64Array(rows);
  const label = new Float64Array(rows);
  perDay.forEach((x, d) => {
    const o = offsets[d]!;
    for (let i = 0; i < x.pred.length; i++) {
      pred[o + i] = x.pred[i]!;
      label[o + i] = x.label[i]!;
    }
  });
  return { days, offsets, pred, label };
}

/**
 * Copy the complete (pred, label) pairs of day d into xs, ys (row order kept);
 * returns how many there are.
 */
export function gatherPairs(
  cs: CrossSections,
  label: Float64Array,
  d: number,
  xs: Float64Array,
  ys: Float64Array,
): number {
  let n = 0;
  for (let r = cs.offsets[d]!; r < cs.offsets[d + 1]!; r++) {
    const p = cs.pred[r]!;
    const l = label[r]!;
    if (p === p && l === l) {
      xs[n] = p;
      ys[n] = l;
      n++;
    }
  }
  return n;
}
