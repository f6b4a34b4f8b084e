// The feature-expression operator table: every operator's name, argument
// kinds and constant rules, in one place. The parser, the checker, the
// look-ahead analysis, the DAG builder and docs/expressions.md all read it.
//
// Assumes: FeatureExpr from compiler/plan/data.ts (Qlib names, constants as
// `const` arguments). Guarantees: `checkFeatureExpr` returns diagnostics
// (Q50xx, never throws) for unknown operators, wrong arity, bad constants and
// unknown fields; `lookahead`/`lookback` are exact for every operator here.

import type { FeatureExpr } from '../../../compiler/plan/data.js';
import type { Diagnostic, Span } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';

/**
 * Argument kinds:
 *  x  a series (any expression, constants broadcast)
 *  w  generic rolling window: integer N >= 0 (0 = expanding) or float 0 < N < 1 (ewm, Qlib)
 *  i  integer window N >= 0 (0 = expanding)
 *  s  integer shift, any sign (negative reads the future)
 *  e  EMA window: 0 (expanding quirk), 0 < N < 1 (alpha) or N >= 1 (span)
 *  q  quantile in [0, 1]
 *  g  optional group field (cs_demean, cs_mean)
 */
export type ArgKind = 'x' | 'w' | 'i' | 's' | 'e' | 'q' | 'g';

export type OpFamily = 'elementwise' | 'shift' | 'rolling' | 'pair' | 'cross-section';

export interface OpSpec {
  name: string;
  family: OpFamily;
  args: ArgKind[];
  /** Smallest integer window allowed besides 0 (Skew 3, Kurt 4). */
  minWindow?: number;
  /** One line for docs/expressions.md and error hints. */
  doc: string;
}

function op(name: string, family: OpFamily, args: ArgKind[], doc: string, minWindow?: number): OpSpec {
  return minWindow === undefined ? { name, family, args, doc } : { name, family, args, doc, minWindow };
}

const list: OpSpec[] = [
  op('Ref', 'shift', ['x', 's'], 'x shifted by N days (N<0 reads the future; N=0: first value of the series, Qlib quirk)'),
  op('Delta', 'shift', ['x', 's'], 'x - Ref(x, N) (N=0: x minus the first value)'),
  op('Mean', 'rolling', ['x', 'w'], 'rolling mean, NaN skipped'),
  op('Sum', 'rolling', ['x', 'w'], 'rolling sum, NaN skipped'),
  op('Std', 'rolling', ['x', 'w'], 'rolling standard deviation, ddof=1'),
  op('Var', 'rolling', ['x', 'w'], 'rolling variance, ddof=1'),
  op('Skew', 'rolling', ['x', 'w'], 'rolling skewness (pandas, bias-corrected)', 3),
  op('Kurt', 'rolling', ['x', 'w'], 'rolling excess kurtosis (pandas, bias-corrected)', 4),
  op('Max', 'rolling', ['x', 'w'], 'rolling maximum'),
  op('Min', 'rolling', ['x', 'w'], 'rolling minimum'),
  op('Med', 'rolling', ['x', 'w'], 'rolling median'),
  op('Count', 'rolling', ['x', 'w'], 'number of non-NaN values in the window'),
  op('Mad', 'rolling', ['x', 'i'], 'mean absolute deviation from the window mean'),
  op('Quantile', 'rolling', ['x', 'i', 'q'], 'rolling quantile, linear interpolation'),
  op('Rank', 'rolling', ['x', 'i'], 'percentile rank (0..1] of the latest value in its window, average ties'),
  op('Slope', 'rolling', ['x', 'i'], 'OLS slope of x on time in the window'),
  op('Rsquare', 'rolling', ['x', 'i'], 'R² of that regression (NaN where Std(x, N) <= 2e-5)'),
  op('Resi', 'rolling', ['x', 'i'], 'residual of the latest point from that regression'),
  op('WMA', 'rolling', ['x', 'i'], 'linearly weighted mean, newest heaviest (with Qlib\'s extra 1/count)'),
  op('EMA', 'rolling', ['x', 'e'], 'exponential moving average (pandas ewm, adjust=True)'),
  op('IdxMax', 'rolling', ['x', 'i'], '1-based position of the window maximum, counted from the oldest slot'),
  op('IdxMin', 'rolling', ['x', 'i'], '1-based position of the window minimum, counted from the oldest slot'),
  op('Corr', 'pair', ['x', 'x', 'i'], 'rolling Pearson correlation (NaN where either Std <= 2e-5)'),
  op('Cov', 'pair', ['x', 'x', 'i'], 'rolling covariance, ddof=1'),
  op('Abs', 'elementwise', ['x'], '|x|'),
  op('Sign', 'elementwise', ['x'], 'sign of x (after rounding to float32, as Qlib does)'),
  op('Log', 'elementwise', ['x'], 'natural log (0 → -inf, negative → NaN)'),
  op('Neg', 'elementwise', ['x'], '-x'),
  op('Not', 'elementwise', ['x'], '1 where x is false (== 0), else 0'),
  op('Add', 'elementwise', ['x', 'x'], 'a + b'),
  op('Sub', 'elementwise', ['x', 'x'], 'a - b'),
  op('Mul', 'elementwise', ['x', 'x'], 'a * b'),
  op('Div', 'elementwise', ['x', 'x'], 'a / b (x/0 = ±inf, 0/0 = NaN)'),
  op('Power', 'elementwise', ['x', 'x'], 'a ** b (numpy rules)'),
  op('Greater', 'elementwise', ['x', 'x'], 'elementwise maximum, NaN propagates'),
  op('Less', 'elementwise', ['x', 'x'], 'elementwise minimum, NaN propagates'),
  op('Gt', 'elementwise', ['x', 'x'], '1 if a > b else 0 (NaN → 0)'),
  op('Ge', 'elementwise', ['x', 'x'], '1 if a >= b else 0 (NaN → 0)'),
  op('Lt', 'elementwise', ['x', 'x'], '1 if a < b else 0 (NaN → 0)'),
  op('Le', 'elementwise', ['x', 'x'], '1 if a <= b else 0 (NaN → 0)'),
  op('Eq', 'elementwise', ['x', 'x'], '1 if a == b else 0 (NaN → 0)'),
  op('Ne', 'elementwise', ['x', 'x'], '1 if a != b else 0 (NaN → 1)'),
  op('And', 'elementwise', ['x', 'x'], '1 if both are true (non-zero; NaN counts as true) else 0'),
  op('Or', 'elementwise', ['x', 'x'], '1 if either is true (non-zero; NaN counts as true) else 0'),
  op('If', 'elementwise', ['x', 'x', 'x'], 'a where cond is true (non-zero or NaN) else b'),
  op('cs_rank', 'cross-section', ['x'], 'per day: percentile rank (0..1] across instruments, average ties'),
  op('cs_zscore', 'cross-section', ['x'], 'per day: (x - mean) / std (ddof=1) across instruments'),
  op('cs_demean', 'cross-section', ['x', 'g'], 'per day: x minus the mean of its group (or of all instruments)'),
  op('cs_mean', 'cross-section', ['x', 'g'], 'per day: the mean of x over its group (or over all instruments), NaN skipped, given to every member'),
];

export const OPS: ReadonlyMap<string, OpSpec> = new Map(list.map((s) => [s.name, s]));

/** Qlib operators that Quiver deliberately does not implement. */
export const UNSUPPORTED_QLIB_OPS: ReadonlySet<string> = new Set([
  'Mask', 'ChangeInstrument', 'TResample', 'P', 'PRef', 'Feature', 'PFeature',
]);

/** Number of required arguments (the group of cs_demean and cs_mean is optional). */
export function minArity(s: OpSpec): number {
  return s.args.filter((a) => a !== 'g').length;
}

/** Edit distance with adjacent transpositions (optimal string alignment), for "did you mean" hints. */
function editDistance(a: string, b: string): number {
  const A = a.toLowerCase();
  const B = b.toLowerCase();
  const d: number[][] = Array.from({ length: A.length + 1 }, (_, i) => Array.from({ length: B.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= A.length; i++) {
    for (let j = 1; j <= B.length; j++) {
      const cost = A[i - 1] === B[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && A[i - 1] === B[j - 2] && A[i - 2] === B[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[A.length]![B.length]!;
}

export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** Render an expression in Qlib syntax (calls only, `$field`); used in messages and cache keys. */
export function formatExpr(e: FeatureExpr): string {
  switch (e.kind) {
    case 'field':
      return `$${e.name}`;
    case 'const':
      return Number.isFinite(e.value) ? String(e.value) : e.value > 0 ? 'inf' : e.value < 0 ? '-inf' : 'nan';
    case 'call':
      return `${e.fn}(${e.args.map(formatExpr).join(', ')})`;
  }
}

function constOf(e: FeatureExpr | undefined): number | undefined {
  return e?.kind === 'const' ? e.value : undefined;
}

function checkConstant(s: OpSpec, kind: ArgKind, v: number): string | null {
  const isInt = Number.isInteger(v);
  switch (kind) {
    case 'w':
      if (v > 0 && v < 1) return null;
      if (!isInt || v < 0) return 'an integer >= 0 or a number in (0, 1)';
      if (s.minWindow !== undefined && v !== 0 && v < s.minWindow) return `0 or an integer >= ${s.minWindow}`;
      return null;
    case 'i':
      return isInt && v >= 0 ? null : 'an integer >= 0';
    case 's':
      return isInt ? null : 'an integer';
    case 'e':
      return Number.isFinite(v) && v >= 0 ? null : 'a number >= 0';
    case 'q':
      return v >= 0 && v <= 1 ? null : 'a number in [0, 1]';
    default:
      return null;
  }
}

export interface CheckOptions {
  /** Known field names; when given, other fields are reported (Q5002). */
  fields?: readonly string[];
  /** Location for the diagnostics (e.g. the column name). */
  location?: string;
}

type Extra = { location?: string; span?: Span };

/** Check one field reference against the known fields; `expr` is the whole expression, for the message. */
export function checkField(name: string, fields: ReadonlySet<string>, extra: Extra = {}, expr?: string): Diagnostic[] {
  if (fields.has(name)) return [];
  const suggestion = suggestName(name, fields);
  return [diag('featureUnknownField', { name, ...(expr !== undefined ? { expr } : {}), ...(suggestion ? { suggestion } : {}) }, extra)];
}

/**
 * Check one call node (operator known, arity, constant arguments); its
 * argument subexpressions are not visited. Returns every problem found.
 */
export function checkCall(e: { fn: string; args: FeatureExpr[] }, extra: Extra = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const s = OPS.get(e.fn);
  if (!s) {
    if (UNSUPPORTED_QLIB_OPS.has(e.fn)) out.push(diag('featureUnsupported', { what: `operator ${e.fn}` }, extra));
    else {
      const suggestion = suggestName(e.fn, OPS.keys());
      out.push(diag('featureUnknownOperator', suggestion ? { name: e.fn, suggestion } : { name: e.fn }, extra));
    }
    return out;
  }
  const lo = minArity(s);
  if (e.args.length < lo || e.args.length > s.args.length) {
    const expected = lo === s.args.length ? String(lo) : `${lo} or ${s.args.length}`;
    out.push(diag('featureArity', { op: s.name, expected, got: e.args.length }, extra));
    return out;
  }
  e.args.forEach((a, k) => {
    const kind = s.args[k]!;
    if (kind === 'x') return;
    if (kind === 'g') {
      if (a.kind !== 'field') out.push(diag('featureBadConstant', { op: s.name, what: 'the group', expected: 'a field such as $industry', got: formatExpr(a) }, extra));
      return;
    }
    const v = constOf(a);
    const what = kind === 'q' ? 'the quantile' : kind === 's' ? 'the shift' : 'the window';
    if (v === undefined) {
      out.push(diag('featureBadConstant', { op: s.name, what, expected: 'a number literal', got: formatExpr(a) }, extra));
      return;
    }
    const problem = checkConstant(s, kind, v);
    if (problem) out.push(diag('featureBadConstant', { op: s.name, what, expected: problem, got: String(v) }, extra));
  });
  return out;
}

/** Check an expression against the operator table; returns every problem found. */
export function checkFeatureExpr(expr: FeatureExpr, opts: CheckOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const extra = opts.location ? { location: opts.location } : {};
  const fieldSet = opts.fields ? new Set(opts.fields) : null;
  const visit = (e: FeatureExpr): void => {
    if (e.kind === 'const') return;
    if (e.kind === 'field') {
      if (fieldSet) out.push(...checkField(e.name, fieldSet, extra, formatExpr(expr)));
      return;
    }
    out.push(...checkCall(e, extra));
    e.args.forEach(visit);
  };
  visit(expr);
  return out;
}

/**
 * How many days after t an expression reads to produce its value at t
 * (0 for a causal feature; 2 for `Ref($close,-2)/Ref($close,-1) - 1`).
 * Assumes a checked expression.
 */
export function lookahead(e: FeatureExpr): number {
  if (e.kind !== 'call') return 0;
  const s = OPS.get(e.fn);
  if (s?.family === 'shift') {
    const inner = lookahead(e.args[0]!);
    const n = constOf(e.args[1]) ?? 0;
    // Delta reads x(t) as well as x(t - N).
    if (s.name === 'Delta') return Math.max(inner, inner - n);
    return n === 0 ? inner : Math.max(0, inner - n);
  }
  let m = 0;
  e.args.forEach((a, k) => {
    const kind = s?.args[k] ?? 'x';
    if (kind === 'x') m = Math.max(m, lookahead(a));
  });
  return m;
}

/**
 * How many days before t an expression reads (window warm-up); Infinity for
 * expanding (N=0) and exponentially weighted windows, and for the
 * first-value quirks of Ref(x, 0) / Delta(x, 0).
 */
export function lookback(e: FeatureExpr): number {
  if (e.kind !== 'call') return 0;
  const s = OPS.get(e.fn);
  if (!s) return 0;
  let inner = 0;
  e.args.forEach((a, k) => {
    if (s.args[k] === 'x') inner = Math.max(inner, lookback(a));
  });
  if (s.family === 'shift') {
    const n = constOf(e.args[1]) ?? 0;
    return n === 0 ? Infinity : inner + Math.max(0, n);
  }
  if (s.family === 'rolling' || s.family === 'pair') {
    const n = constOf(e.args[s.family === 'pair' ? 2 : 1]) ?? 0;
    if (n === 0 || !Number.isInteger(n) || s.name === 'EMA') return Infinity;
    return inner + n - 1;
  }
  return inner;
}

/** Fields an expression reads. */
export function fieldsOf(e: FeatureExpr, into: Set<string> = new Set()): Set<string> {
  if (e.kind === 'field') into.add(e.name);
  else if (e.kind === 'call') e.args.forEach((a) => fieldsOf(a, into));
  return into;
}
