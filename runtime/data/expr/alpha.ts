// Alpha158 and Alpha360, Qlib's standard feature sets (specs/qlib.md §3.3,
// §3.4), as FeatureSets.
//
// The formulas are written as Qlib expression strings — the form Qlib's
// configs use — and parsed with parseQlibExpr, so the text below can be read
// side by side with the spec. Column names and order are exactly Qlib's:
// Alpha158 = KBAR (9), PRICE (4), then 29 rolling groups × windows
// 5, 10, 20, 30, 60. Alpha360 = for CLOSE, OPEN, HIGH, LOW, VWAP, VOLUME the
// lags 59..0, prices divided by today's close, volume by today's volume + 1e-12.

import type { FeatureExpr, FlatFeatureSet, WindowFeatureSet } from '../../../compiler/plan/data.js';
import { parseQlibExpr } from './parse.js';

const WINDOWS = [5, 10, 20, 30, 60] as const;

const KBAR: [string, string][] = [
  ['KMID', '($close-$open)/$open'],
  ['KLEN', '($high-$low)/$open'],
  ['KMID2', '($close-$open)/($high-$low+1e-12)'],
  ['KUP', '($high-Greater($open, $close))/$open'],
  ['KUP2', '($high-Greater($open, $close))/($high-$low+1e-12)'],
  ['KLOW', '(Less($open, $close)-$low)/$open'],
  ['KLOW2', '(Less($open, $close)-$low)/($high-$low+1e-12)'],
  ['KSFT', '(2*$close-$high-$low)/$open'],
  ['KSFT2', '(2*$close-$high-$low)/($high-$low+1e-12)'],
];

const PRICE: [string, string][] = [
  ['OPEN0', '$open/$close'],
  ['HIGH0', '$high/$close'],
  ['LOW0', '$low/$close'],
  ['VWAP0', '$vwap/$close'],
];

/** The 29 rolling groups in Qlib's order; `d` is the window. */
const ROLLING: [string, (d: number) => string][] = [
  ['ROC', (d) => `Ref($close, ${d})/$close`],
  ['MA', (d) => `Mean($close, ${d})/$close`],
  ['STD', (d) => `Std($close, ${d})/$close`],
  ['BETA', (d) => `Slope($close, ${d})/$close`],
  ['RSQR', (d) => `Rsquare($close, ${d})`],
  ['RESI', (d) => `Resi($close, ${d})/$close`],
  ['MAX', (d) => `Max($high, ${d})/$close`],
  ['MIN', (d) => `Min($low, ${d})/$close`],
  ['QTLU', (d) => `Quantile($close, ${d}, 0.8)/$close`],
  ['QTLD', (d) => `Quantile($close, ${d}, 0.2)/$close`],
  ['RANK', (d) => `Rank($close, ${d})`],
  ['RSV', (d) => `($close-Min($low, ${d}))/(Max($high, ${d})-Min($low, ${d})+1e-12)`],
  ['IMAX', (d) => `IdxMax($high, ${d})/${d}`],
  ['IMIN', (d) => `IdxMin($low, ${d})/${d}`],
  ['IMXD', (d) => `(IdxMax($high, ${d})-IdxMin($low, ${d}))/${d}`],
  ['CORR', (d) => `Corr($close, Log($volume+1), ${d})`],
  ['CORD', (d) => `Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), ${d})`],
  ['CNTP', (d) => `Mean($close>Ref($close, 1), ${d})`],
  ['CNTN', (d) => `Mean($close<Ref($close, 1), ${d})`],
  ['CNTD', (d) => `Mean($close>Ref($close, 1), ${d})-Mean($close<Ref($close, 1), ${d})`],
  ['SUMP', (d) => `Sum(Greater($close-Ref($close, 1), 0), ${d})/(Sum(Abs($close-Ref($close, 1)), ${d})+1e-12)`],
  ['SUMN', (d) => `Sum(Greater(Ref($close, 1)-$close, 0), ${d})/(Sum(Abs($close-Ref($close, 1)), ${d})+1e-12)`],
  [
    'SUMD',
    (d) =>
      `(Sum(Greater($close-Ref($close, 1), 0), ${d})-Sum(Greater(Ref($close, 1)-$close, 0), ${d}))` +
      `/(Sum(Abs($close-Ref($close, 1)), ${d})+1e-12)`,
  ],
  ['VMA', (d) => `Mean($volume, ${d})/($volume+1e-12)`],
  ['VSTD', (d) => `Std($volume, ${d})/($volume+1e-12)`],
  [
    'WVMA',
    (d) => `Std(Abs($close/Ref($close, 1)-1)*$volume, ${d})/(Mean(Abs($close/Ref($close, 1)-1)*$volume, ${d})+1e-12)`,
  ],
  ['VSUMP', (d) => `Sum(Greater($volume-Ref($volume, 1), 0), ${d})/(Sum(Abs($volume-Ref($volume, 1)), ${d})+1e-12)`],
  ['VSUMN', (d) => `Sum(Greater(Ref($volume, 1)-$volume, 0), ${d})/(Sum(Abs($volume-Ref($volume, 1)), ${d})+1e-12)`],
  [
    'VSUMD',
    (d) =>
      `(Sum(Greater($volume-Ref($volume, 1), 0), ${d})-Sum(Greater(Ref($volume, 1)-$volume, 0), ${d}))` +
      `/(Sum(Abs($volume-Ref($volume, 1)), ${d})+1e-12)`,
  ],
];

/** Alpha158's (name, Qlib expression text) pairs in column order. */
export function alpha158Texts(): [string, string][] {
  const out: [string, string][] = [...KBAR, ...PRICE];
  for (const [group, f] of ROLLING) for (const d of WINDOWS) out.push([`${group}${d}`, f(d)]);
  return out;
}

export function alpha158(): FlatFeatureSet {
  return {
    kind: 'flat',
    name: 'Alpha158',
    columns: alpha158Texts().map(([name, text]) => ({ name, expr: parseQlibExpr(text) })),
  };
}

const ALPHA360_FIELDS = ['close', 'open', 'high', 'low', 'vwap', 'volume'] as const;
const LAGS = 60;

function field(name: string): FeatureExpr {
  return { kind: 'field', name };
}

function alpha360Scale(f: string): FeatureExpr {
  return f === 'volume' ? parseQlibExpr('$volume+1e-12') : field('close');
}

/** Alpha360 as a window set: Float[N, 60, 6], time ascending, fields CLOSE OPEN HIGH LOW VWAP VOLUME. */
export function alpha360(): WindowFeatureSet {
  return {
    kind: 'window',
    name: 'Alpha360',
    size: LAGS,
    columns: ALPHA360_FIELDS.map((f) => ({ name: f.toUpperCase(), series: field(f), scale: alpha360Scale(f) })),
  };
}

/** Alpha360's 360 Qlib columns as a flat set (CLOSE59 … CLOSE0, OPEN59 …, VOLUME0), for parity tests. */
export function alpha360Flat(): FlatFeatureSet {
  const columns: FlatFeatureSet['columns'] = [];
  for (const f of ALPHA360_FIELDS) {
    const scale = f === 'volume' ? '($volume+1e-12)' : '$close';
    for (let l = LAGS - 1; l >= 0; l--) {
      const text = l > 0 ? `Ref($${f}, ${l})/${scale}` : `$${f}/${scale}`;
      columns.push({ name: `${f.toUpperCase()}${l}`, expr: parseQlibExpr(text) });
    }
  }
  return { kind: 'flat', name: 'Alpha360', columns };
}

/** Flat column names of a window set, Qlib's order: field-major, lag descending. */
export function windowColumnNames(set: WindowFeatureSet): string[] {
  const out: string[] = [];
  for (const c of set.columns) for (let l = set.size - 1; l >= 0; l--) out.push(`${c.name}${l}`);
  return out;
}
