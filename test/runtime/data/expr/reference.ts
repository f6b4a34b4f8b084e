// A deliberately simple reference evaluator for feature expressions, written
// separately from the kernels: a recursive interpreter over one instrument's
// series at a time, recomputing every window from scratch with two-pass
// formulas. Slow (O(n·N) and worse) and obviously correct is the point.
//
// Semantics are the documented ones (docs/expressions.md), restated directly:
// windows are the slots [max(start, t-N+1), t] (N = 0: [start, t]), values
// before an instrument's start are NaN, NaN values are skipped, Qlib's quirks
// are applied where the semantics say so.

import type { FeatureExpr } from '../../../../compiler/plan/data.js';

export interface RefPanel {
  nI: number;
  nD: number;
  fields: Record<string, Float64Array>;
  starts: Int32Array;
  universe?: Uint8Array;
  strict?: boolean;
}

type Series = number[][]; // [instrument][day]

const isNum = (v: number): boolean => !Number.isNaN(v);
const isFin = (v: number): boolean => Number.isFinite(v);

function windowSlots(t: number, s: number, N: number): number[] {
  const a = N > 0 ? Math.max(s, t - N + 1) : s;
  const out: number[] = [];
  for (let u = a; u <= t; u++) out.push(u);
  return out;
}

function mean(v: number[]): number {
  return v.reduce((p, q) => p + q, 0) / v.length;
}

function allEqual(v: number[]): boolean {
  return v.every((x) => x === v[0]);
}

function sampleVar(v: number[]): number {
  const m = mean(v);
  return v.reduce((p, q) => p + (q - m) * (q - m), 0) / (v.length - 1);
}

function stdRef(v: number[]): number {
  if (v.length < 2) return NaN;
  if (!v.every(isFin)) return NaN;
  if (allEqual(v)) return 0;
  return Math.sqrt(sampleVar(v));
}

function sortedAsc(v: number[]): number[] {
  return [...v].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function quantileRef(v: number[], q: number): number {
  const s = sortedAsc(v);
  const idx = q * (s.length - 1);
  const lo = Math.floor(idx);
  if (idx === lo) return s[lo]!;
  return s[lo]! + (s[lo + 1]! - s[lo]!) * (idx - lo);
}

function medianRef(v: number[]): number {
  const s = sortedAsc(v);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** EWM mean with adjust=True, ignore_na=False, as the explicit weighted sum over observed days. */
function ewmRef(xs: number[], s: number, t: number, alpha: number): number {
  let num = 0;
  let den = 0;
  let latest = NaN;
  for (let j = s; j <= t; j++) {
    if (!isNum(xs[j]!)) continue;
    latest = xs[j]!;
    const w = Math.pow(1 - alpha, t - j);
    num += w * xs[j]!;
    den += w;
  }
  if (alpha === 1) return latest;
  return den > 0 ? num / den : NaN;
}

function regressionRef(xs: number[], slots: number[], t: number, kind: 'slope' | 'rsq' | 'resi'): number {
  const pts = slots.filter((u) => isNum(xs[u]!));
  if (pts.some((u) => !isFin(xs[u]!))) return NaN;
  if (pts.length < 2) return NaN;
  const ys = pts.map((u) => xs[u]!);
  const equal = allEqual(ys);
  if (kind === 'resi' && !isNum(xs[t]!)) return NaN;
  const kx = mean(pts);
  const ky = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  pts.forEach((u, j) => {
    sxy += (u - kx) * (ys[j]! - ky);
    sxx += (u - kx) * (u - kx);
    syy += (ys[j]! - ky) * (ys[j]! - ky);
  });
  const slope = equal ? 0 : sxy / sxx;
  if (kind === 'slope') return slope;
  if (kind === 'rsq') return equal ? NaN : (sxy * sxy) / (sxx * syy);
  if (equal) return 0;
  return xs[t]! - (ky + slope * (t - kx));
}

function pairRef(xs: number[], ys: number[], slots: number[], corr: boolean): number {
  const pts = slots.filter((u) => isNum(xs[u]!) && isNum(ys[u]!));
  if (pts.some((u) => !isFin(xs[u]!) || !isFin(ys[u]!))) return NaN;
  if (pts.length < 2) return NaN;
  const a = pts.map((u) => xs[u]!);
  const b = pts.map((u) => ys[u]!);
  const eq = allEqual(a) || allEqual(b);
  const ma = mean(a);
  const mb = mean(b);
  let c = 0;
  let va = 0;
  let vb = 0;
  a.forEach((p, j) => {
    c += (p - ma) * (b[j]! - mb);
    va += (p - ma) * (p - ma);
    vb += (b[j]! - mb) * (b[j]! - mb);
  });
  if (!corr) return eq ? 0 : c / (pts.length - 1);
  if (eq) return NaN;
  return c / Math.sqrt(va * vb);
}

/** One rolling statistic of instrument series `xs` at day t. */
function rolling(fn: string, xs: number[], s: number, t: number, N: number, q: number, strict: boolean): number {
  const slots = windowSlots(t, s, N);
  const vals = slots.map((u) => xs[u]!).filter(isNum);
  const anyFinite = vals.some(isFin);
  switch (fn) {
    case 'Count':
      return vals.length;
    case 'Sum':
    case 'Mean': {
      if (!vals.length) return NaN;
      const sum = vals.reduce((p, v) => p + v, 0);
      return fn === 'Sum' ? sum : sum / vals.length;
    }
    case 'Var':
    case 'Std': {
      const sd = stdRef(vals);
      return fn === 'Std' ? sd : sd * sd;
    }
    case 'Skew':
    case 'Kurt': {
      const n = vals.length;
      if (n < (fn === 'Skew' ? 3 : 4)) return NaN;
      if (!vals.every(isFin)) return NaN;
      if (allEqual(vals)) return fn === 'Skew' ? 0 : -3;
      const m = mean(vals);
      const m2 = vals.reduce((p, v) => p + (v - m) ** 2, 0) / n;
      if (m2 <= 1e-14) return NaN;
      if (fn === 'Skew') {
        const m3 = vals.reduce((p, v) => p + (v - m) ** 3, 0) / n;
        return ((Math.sqrt(n * (n - 1)) / (n - 2)) * m3) / m2 ** 1.5;
      }
      const m4 = vals.reduce((p, v) => p + (v - m) ** 4, 0) / n;
      return ((n * n - 1) * (m4 / (m2 * m2)) - 3 * (n - 1) ** 2) / ((n - 2) * (n - 3));
    }
    case 'Max':
      return vals.length ? Math.max(...vals) : NaN;
    case 'Min':
      return vals.length ? Math.min(...vals) : NaN;
    case 'Med':
      return vals.length ? medianRef(vals) : NaN;
    case 'Quantile':
      return vals.length ? quantileRef(vals, q) : NaN;
    case 'Rank': {
      const v = xs[t]!;
      if (!isNum(v)) return NaN;
      const less = vals.filter((w) => w < v).length;
      const eq = vals.filter((w) => w === v).length;
      return (less + 1 + (less + eq)) / 2 / vals.length;
    }
    case 'Mad': {
      if (!anyFinite) return NaN;
      const m = mean(vals);
      return vals.reduce((p, v) => p + Math.abs(v - m), 0) / vals.length;
    }
    case 'IdxMax':
    case 'IdxMin': {
      const max = fn === 'IdxMax';
      if (!strict) {
        if (!anyFinite) return NaN;
        const nanAt = slots.findIndex((u) => !isNum(xs[u]!));
        if (nanAt >= 0) return nanAt + 1;
      }
      let best = -1;
      slots.forEach((u, j) => {
        const v = xs[u]!;
        if (!isNum(v)) return;
        if (best < 0 || (max ? v > xs[slots[best]!]! : v < xs[slots[best]!]!)) best = j;
      });
      return best < 0 ? NaN : best + 1;
    }
    case 'WMA': {
      if (!anyFinite) return NaN;
      const L = slots.length;
      let acc = 0;
      let wsum = 0;
      let cnt = 0;
      slots.forEach((u, j) => {
        const v = xs[u]!;
        if (!isNum(v)) return;
        const w = j + 1;
        acc += strict ? w * v : (w / ((L * (L + 1)) / 2)) * v;
        wsum += w;
        cnt++;
      });
      return strict ? acc / wsum : acc / cnt;
    }
    case 'Slope':
      return regressionRef(xs, slots, t, 'slope');
    case 'Rsquare':
      return regressionRef(xs, slots, t, 'rsq');
    case 'Resi':
      return regressionRef(xs, slots, t, 'resi');
    default:
      throw new Error(`reference has no rolling ${fn}`);
  }
}

const GENERIC = new Set(['Mean', 'Sum', 'Std', 'Var', 'Skew', 'Kurt', 'Max', 'Min', 'Med', 'Count']);

function elementwise(fn: string, a: number, b: number, c: number): number {
  switch (fn) {
    case 'Abs':
      return Math.abs(a);
    case 'Sign':
      return Math.sign(Math.fround(a));
    case 'Log':
      return Math.log(a);
    case 'Neg':
      return -a;
    case 'Not':
      return a === 0 ? 1 : 0;
    case 'Add':
      return a + b;
    case 'Sub':
      return a - b;
    case 'Mul':
      return a * b;
    case 'Div':
      return a / b;
    case 'Power':
      if (a === 1 || (a === -1 && Math.abs(b) === Infinity)) return 1;
      return a ** b;
    case 'Greater':
      return isNum(a) && isNum(b) ? Math.max(a, b) : NaN;
    case 'Less':
      return isNum(a) && isNum(b) ? Math.min(a, b) : NaN;
    case 'Gt':
      return a > b ? 1 : 0;
    case 'Ge':
      return a >= b ? 1 : 0;
    case 'Lt':
      return a < b ? 1 : 0;
    case 'Le':
      return a <= b ? 1 : 0;
    case 'Eq':
      return a === b ? 1 : 0;
    case 'Ne':
      return a !== b ? 1 : 0;
    case 'And':
      return a !== 0 && b !== 0 ? 1 : 0;
    case 'Or':
      return a !== 0 || b !== 0 ? 1 : 0;
    case 'If':
      return a !== 0 ? b : c;
    default:
      throw new Error(`reference has no elementwise ${fn}`);
  }
}

function crossSection(fn: string, P: RefPanel, x: Series, g: Series | null): Series {
  const out: Series = x.map((row) => row.map(() => NaN));
  for (let t = 0; t < P.nD; t++) {
    const members: number[] = [];
    for (let i = 0; i < P.nI; i++) {
      if (P.universe && !P.universe[i * P.nD + t]) continue;
      if (isNum(x[i]![t]!)) members.push(i);
    }
    if (fn === 'cs_rank') {
      for (const i of members) {
        const v = x[i]![t]!;
        const less = members.filter((j) => x[j]![t]! < v).length;
        const eq = members.filter((j) => x[j]![t]! === v).length;
        out[i]![t] = (less + 1 + (less + eq)) / 2 / members.length;
      }
    } else if (fn === 'cs_zscore') {
      if (members.length < 2) continue;
      const vals = members.map((i) => x[i]![t]!);
      const m = mean(vals);
      const sd = Math.sqrt(sampleVar(vals));
      for (const i of members) out[i]![t] = (x[i]![t]! - m) / sd;
    } else if (fn === 'cs_mean') {
      // Every member gets its group's mean, also one whose own value is NaN.
      const keyed = members.filter((i) => !g || isNum(g[i]![t]!));
      for (let i = 0; i < P.nI; i++) {
        if (P.universe && !P.universe[i * P.nD + t]) continue;
        if (g && !isNum(g[i]![t]!)) continue;
        const same = keyed.filter((j) => !g || g[j]![t] === g[i]![t]);
        if (same.length) out[i]![t] = mean(same.map((j) => x[j]![t]!));
      }
    } else {
      const keyed = members.filter((i) => !g || isNum(g[i]![t]!));
      for (const i of keyed) {
        const same = keyed.filter((j) => !g || g[j]![t] === g[i]![t]);
        out[i]![t] = x[i]![t]! - mean(same.map((j) => x[j]![t]!));
      }
    }
  }
  return out;
}

/** Evaluate an expression on every instrument; returns [instrument][day]. */
export function referenceEval(e: FeatureExpr, P: RefPanel): Series {
  const strict = P.strict === true;
  const blank = (): Series => Array.from({ length: P.nI }, () => new Array<number>(P.nD).fill(NaN));
  const masked = (f: (i: number, t: number) => number): Series => {
    const out = blank();
    for (let i = 0; i < P.nI; i++) for (let t = P.starts[i]!; t < P.nD; t++) out[i]![t] = f(i, t);
    return out;
  };
  if (e.kind === 'field') {
    const f = P.fields[e.name]!;
    return masked((i, t) => f[i * P.nD + t]!);
  }
  if (e.kind === 'const') return masked(() => e.value);
  const fn = e.fn;
  const arg = (k: number): Series => referenceEval(e.args[k]!, P);
  const num = (k: number): number => (e.args[k] as { value: number }).value;
  switch (fn) {
    case 'Ref':
    case 'Delta': {
      const x = arg(0);
      const n = num(1);
      return masked((i, t) => {
        const s = P.starts[i]!;
        let past: number;
        if (n === 0) past = fn === 'Ref' && strict ? x[i]![t]! : x[i]![s]!;
        else past = t - n >= 0 && t - n < P.nD ? x[i]![t - n]! : NaN;
        return fn === 'Ref' ? past : x[i]![t]! - past;
      });
    }
    case 'EMA': {
      const x = arg(0);
      const n = num(1);
      return masked((i, t) => {
        const s = P.starts[i]!;
        if (n > 0) return ewmRef(x[i]!, s, t, n < 1 ? n : 2 / (n + 1));
        const xs = x[i]!;
        const slots = windowSlots(t, s, 0);
        if (!slots.some((u) => isFin(xs[u]!))) return NaN;
        const L = slots.length;
        const a = 1 - 2 / (1 + L);
        const w = slots.map((_, j) => Math.pow(a, L - 1 - j));
        const ws = w.reduce((p, q) => p + q, 0);
        return slots.reduce((p, u, j) => (isNum(w[j]! * xs[u]!) ? p + (w[j]! / ws) * xs[u]! : p), 0);
      });
    }
    case 'Corr':
    case 'Cov': {
      const x = arg(0);
      const y = arg(1);
      const n = num(2);
      return masked((i, t) => {
        const s = P.starts[i]!;
        const slots = windowSlots(t, s, n);
        const r = pairRef(x[i]!, y[i]!, slots, fn === 'Corr');
        if (fn === 'Corr' && !strict) {
          const sx = stdRef(slots.map((u) => x[i]![u]!).filter(isNum));
          const sy = stdRef(slots.map((u) => y[i]![u]!).filter(isNum));
          if (Math.abs(sx) <= 2e-5 || Math.abs(sy) <= 2e-5) return NaN;
        }
        return r;
      });
    }
    case 'cs_rank':
    case 'cs_zscore':
    case 'cs_demean':
    case 'cs_mean': {
      const out = crossSection(fn, P, arg(0), e.args.length > 1 ? arg(1) : null);
      return masked((i, t) => out[i]![t]!);
    }
    default:
      break;
  }
  if (['Quantile', 'Rank', 'Mad', 'Slope', 'Rsquare', 'Resi', 'WMA', 'IdxMax', 'IdxMin'].includes(fn) || GENERIC.has(fn)) {
    const x = arg(0);
    const n = num(1);
    const q = fn === 'Quantile' ? num(2) : 0.5;
    return masked((i, t) => {
      const s = P.starts[i]!;
      if (GENERIC.has(fn) && n > 0 && n < 1) return ewmRef(x[i]!, s, t, n);
      const r = rolling(fn, x[i]!, s, t, n, q, strict);
      if (fn === 'Rsquare' && !strict && n > 0) {
        const sd = stdRef(windowSlots(t, s, n).map((u) => x[i]![u]!).filter(isNum));
        if (Math.abs(sd) <= 2e-5) return NaN;
      }
      return r;
    });
  }
  const args = e.args.map((_, k) => arg(k));
  return masked((i, t) => elementwise(fn, args[0]![i]![t]!, args[1]?.[i]![t] ?? NaN, args[2]?.[i]![t] ?? NaN));
}
