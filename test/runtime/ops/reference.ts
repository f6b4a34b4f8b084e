// Slow, deliberately simple float64 references of every kernel, written as
// loops over named axes (no tfjs). A reference tensor (RT) carries its axis
// names, so operands are read by name: `get(t, idx)` reads t at the entries
// of `idx` for t's own axes, which is broadcasting by name. Each reference
// chooses its own output axis order; the harness compares by name.
//
// Assumes: small sizes (everything is scalar loops, some O(n³)).
// Guarantees: no dependency on the code under test except the seeded noise
// generators (dropoutMask, gumbelNoise: the kernels draw their randomness in
// JS so a reference can replay it) and rnn-reference.ts (another engineer's
// float64 GRU/LSTM cell, independent of tfjs).

import type { Attrs } from '../../../compiler/ir/types.js';
import { refForward } from '../../../runtime/ops/rnn-reference.js';
import { dropoutMasks } from '../../../runtime/ops/rnn.js';
import { dropoutMask } from '../../../runtime/ops/nn.js';
import { gumbelNoise } from '../../../runtime/ops/special.js';

export interface RT {
  axes: string[];
  shape: number[];
  data: Float64Array;
}

export type Idx = Record<string, number>;

export function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Visit every index of a layout in row-major order. */
export function forEach(axes: readonly string[], shape: readonly number[], fn: (idx: Idx, flat: number) => void): void {
  const n = count(shape);
  const idx: Idx = {};
  for (let flat = 0; flat < n; flat++) {
    let r = flat;
    for (let d = axes.length - 1; d >= 0; d--) {
      idx[axes[d]!] = r % shape[d]!;
      r = Math.floor(r / shape[d]!);
    }
    fn(idx, flat);
  }
}

export function build(axes: readonly string[], shape: readonly number[], fn: (idx: Idx) => number): RT {
  const data = new Float64Array(count(shape));
  forEach(axes, shape, (idx, flat) => (data[flat] = fn(idx)));
  return { axes: [...axes], shape: [...shape], data };
}

export function get(t: RT, idx: Idx): number {
  let off = 0;
  for (let d = 0; d < t.axes.length; d++) off = off * t.shape[d]! + idx[t.axes[d]!]!;
  return t.data[off]!;
}

export function sizeOf(t: RT, axis: string): number {
  return t.shape[t.axes.indexOf(axis)]!;
}

/** Axis sizes of several tensors by name. */
export function sizes(...ts: (RT | undefined)[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of ts) if (t) t.axes.forEach((a, i) => m.set(a, t.shape[i]!));
  return m;
}

/** The union of the axes of several tensors (first seen first). */
export function union(...ts: (RT | undefined)[]): string[] {
  const out: string[] = [];
  for (const t of ts) if (t) for (const a of t.axes) if (!out.includes(a)) out.push(a);
  return out;
}

function shapeOf(axes: string[], s: Map<string, number>): number[] {
  return axes.map((a) => s.get(a)!);
}

const truthy = (v: number): boolean => v !== 0 && !Number.isNaN(v);

/** Elementwise over the union of the operands' axes. */
export function zipWith(ts: RT[], fn: (...v: number[]) => number): RT {
  const axes = union(...ts);
  const s = sizes(...ts);
  return build(axes, shapeOf(axes, s), (idx) => fn(...ts.map((t) => get(t, idx))));
}

export function map(t: RT, fn: (v: number) => number): RT {
  return { axes: [...t.axes], shape: [...t.shape], data: t.data.map(fn) };
}

/**
 * Reduce `over` axes of x: `fn` gets the kept values (mask true) in row-major
 * order of the reduced axes.
 */
export function reduceRef(x: RT, over: string[], mask: RT | undefined, fn: (vals: number[]) => number): RT {
  const keep = x.axes.filter((a) => !over.includes(a));
  const s = sizes(x);
  const inner = over;
  return build(keep, shapeOf(keep, s), (outer) => {
    const vals: number[] = [];
    forEach(inner, shapeOf(inner, s), (ii) => {
      const idx = { ...outer, ...ii };
      if (mask && !truthy(get(mask, idx))) return;
      vals.push(get(x, idx));
    });
    return fn(vals);
  });
}

/**
 * Map each line of x along `axis` to a new line: `fn` gets the values and
 * whether each is kept (mask), and returns the line's new values.
 */
export function alongAxis(x: RT, axis: string, mask: RT | undefined, fn: (vals: number[], kept: boolean[]) => number[]): RT {
  const s = sizes(x);
  const others = x.axes.filter((a) => a !== axis);
  const n = s.get(axis)!;
  const out = build(x.axes, x.shape, () => 0);
  forEach(others, shapeOf(others, s), (o) => {
    const vals: number[] = [];
    const kept: boolean[] = [];
    for (let i = 0; i < n; i++) {
      const idx = { ...o, [axis]: i };
      vals.push(get(x, idx));
      kept.push(mask ? truthy(get(mask, idx)) : true);
    }
    const r = fn(vals, kept);
    for (let i = 0; i < n; i++) setAt(out, { ...o, [axis]: i }, r[i]!);
  });
  return out;
}

export function setAt(t: RT, idx: Idx, v: number): void {
  let off = 0;
  for (let d = 0; d < t.axes.length; d++) off = off * t.shape[d]! + idx[t.axes[d]!]!;
  t.data[off] = v;
}

const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
const mean = (v: number[]): number => sum(v) / v.length;
const variance = (v: number[], ddof: number): number => {
  if (v.length <= ddof) return NaN;
  const m = mean(v);
  return sum(v.map((x) => (x - m) ** 2)) / (v.length - ddof);
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Round half to even. */
function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const maxNaN = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b));
const minNaN = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b));

export const binaryRef: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
  mod: (a, b) => a - Math.floor(a / b) * b,
  maximum: maxNaN,
  minimum: minNaN,
  eq: (a, b) => +(a === b),
  ne: (a, b) => +(a !== b),
  lt: (a, b) => +(a < b),
  le: (a, b) => +(a <= b),
  gt: (a, b) => +(a > b),
  ge: (a, b) => +(a >= b),
  and: (a, b) => +(truthy(a) && truthy(b)),
  or: (a, b) => +(truthy(a) || truthy(b)),
};

export function unaryRef(op: string, attrs: Attrs): (x: number) => number {
  const num = (k: string, d: number): number => (typeof attrs[k] === 'number' ? (attrs[k] as number) : d);
  switch (op) {
    case 'neg':
      return (x) => -x;
    case 'not':
      return (x) => +!truthy(x);
    case 'abs':
      return Math.abs;
    case 'sign':
      return (x) => (Number.isNaN(x) ? NaN : Math.sign(x));
    case 'exp':
      return Math.exp;
    case 'log':
      return Math.log;
    case 'log1p':
      return Math.log1p;
    case 'sqrt':
      return Math.sqrt;
    case 'square':
      return (x) => x * x;
    case 'reciprocal':
      return (x) => 1 / x;
    case 'floor':
      return Math.floor;
    case 'ceil':
      return Math.ceil;
    case 'round':
      return roundEven;
    case 'sigmoid':
      return sigmoid;
    case 'tanh':
      return Math.tanh;
    case 'relu':
      return (x) => (Number.isNaN(x) ? NaN : Math.max(x, 0));
    case 'elu':
      return (x) => (x > 0 ? x : Math.expm1(x));
    case 'gelu':
      return (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    case 'softplus':
      return (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case 'leaky_relu': {
      const s = num('slope', 0.01);
      return (x) => (x > 0 ? x : s * x);
    }
    case 'clip': {
      const lo = num('lo', -Infinity);
      const hi = num('hi', Infinity);
      return (x) => (Number.isNaN(x) ? NaN : Math.min(Math.max(x, lo), hi));
    }
    case 'isnan':
      return (x) => +Number.isNaN(x);
    case 'fillna': {
      const v = num('value', 0);
      return (x) => (Number.isNaN(x) ? v : x);
    }
  }
  throw new Error(`no unary reference for ${op}`);
}

/** cast to i32 truncates toward zero (NaN, ±inf → 0); to bool: nonzero and not NaN. */
export function castRef(dtype: string): (x: number) => number {
  if (dtype === 'i32') return (x) => (Number.isFinite(x) ? Math.trunc(x) : 0);
  if (dtype === 'bool') return (x) => +truthy(x);
  return (x) => x;
}

export function reductionRef(op: string, attrs: Attrs): (vals: number[]) => number {
  const ddof = typeof attrs['ddof'] === 'number' ? attrs['ddof'] : 1;
  switch (op) {
    case 'sum':
      return sum;
    case 'mean':
      return (v) => (v.length ? mean(v) : NaN);
    case 'max':
      return (v) => v.reduce(maxNaN, -Infinity);
    case 'min':
      return (v) => v.reduce(minNaN, Infinity);
    case 'prod':
      return (v) => v.reduce((a, b) => a * b, 1);
    case 'var':
      return (v) => variance(v, ddof);
    case 'std':
      return (v) => Math.sqrt(variance(v, ddof));
    case 'logsumexp':
      return (v) => {
        if (v.some(Number.isNaN)) return NaN;
        const m = Math.max(...v, -Infinity);
        if (!Number.isFinite(m)) return m === Infinity ? Infinity : -Infinity;
        return m + Math.log(sum(v.map((x) => Math.exp(x - m))));
      };
    case 'count':
      return (v) => v.filter((x) => !Number.isNaN(x)).length;
    case 'any':
      return (v) => +v.some(truthy);
    case 'all':
      return (v) => +v.every(truthy);
  }
  throw new Error(`no reduction reference for ${op}`);
}

/** Index of the best entry (first on ties); NaN counts as ∓inf. */
export function argRef(op: 'argmax' | 'argmin'): (vals: number[]) => number {
  return (v) => {
    const key = v.map((x) => (Number.isNaN(x) ? (op === 'argmax' ? -Infinity : Infinity) : x));
    let best = 0;
    for (let i = 1; i < key.length; i++) if (op === 'argmax' ? key[i]! > key[best]! : key[i]! < key[best]!) best = i;
    return best;
  };
}

// ── softmax family ──────────────────────────────────────────────────────────

export function softmaxLine(vals: number[], kept: boolean[], log: boolean): number[] {
  const z = vals.map((v, i) => (kept[i] ? v : -1e9));
  const m = Math.max(...z);
  const s = sum(z.map((v) => Math.exp(v - m)));
  return z.map((v, i) => {
    if (!kept[i]) return log ? -1e9 : 0;
    return log ? v - m - Math.log(s) : Math.exp(v - m) / s;
  });
}

export function minmaxLine(vals: number[]): number[] {
  const fin = vals.filter((v) => !Number.isNaN(v));
  const lo = Math.min(...fin);
  const hi = Math.max(...fin);
  return vals.map((v) => (Number.isNaN(v) ? NaN : lo === hi ? 1 : (v - lo) / (hi - lo + 1e-12)));
}

/** Percentile rank with average ties among kept, non-NaN entries. */
export function rankLine(vals: number[], kept: boolean[]): number[] {
  const ok = vals.map((v, i) => kept[i]! && !Number.isNaN(v));
  const n = ok.filter(Boolean).length;
  return vals.map((v, i) => {
    if (!ok[i]) return NaN;
    let less = 0;
    let equal = 0;
    vals.forEach((w, j) => {
      if (!ok[j]) return;
      if (w < v) less++;
      else if (w === v) equal++;
    });
    return (less + (equal + 1) / 2) / n;
  });
}

export function zscoreLine(vals: number[], kept: boolean[]): number[] {
  const ok = vals.map((v, i) => kept[i]! && !Number.isNaN(v));
  const xs = vals.filter((_, i) => ok[i]);
  const m = mean(xs);
  const sd = Math.sqrt(variance(xs, 1));
  return vals.map((v, i) => (ok[i] ? (v - m) / sd : NaN));
}

export function pearsonPairs(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

export function pearsonRef(a: RT, b: RT, over: string, mask: RT | undefined): RT {
  const all = union(a, b);
  const s = sizes(a, b);
  const keep = all.filter((x) => x !== over);
  return build(keep, shapeOf(keep, s), (o) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < s.get(over)!; i++) {
      const idx = { ...o, [over]: i };
      const x = get(a, idx);
      const y = get(b, idx);
      if (Number.isNaN(x) || Number.isNaN(y) || (mask && !truthy(get(mask, idx)))) continue;
      xs.push(x);
      ys.push(y);
    }
    return xs.length ? pearsonPairs(xs, ys) : NaN;
  });
}

export function gumbelRef(x: RT, over: string, tau: number, hard: boolean, seed: number, soft = false): RT {
  const g = gumbelNoise(count(x.shape), seed);
  const z: RT = { axes: x.axes, shape: x.shape, data: x.data.map((v, i) => (v + g[i]!) / tau) };
  return alongAxis(z, over, undefined, (v) => {
    const p = softmaxLine(v, v.map(() => true), false);
    if (!hard || soft) return p;
    let best = 0;
    p.forEach((q, i) => (q > p[best]! ? (best = i) : 0));
    return p.map((_, i) => +(i === best));
  });
}

export function sinkhornRef(cost: RT, rows: string, cols: string, eps: number, iters: number): RT {
  const s = sizes(cost);
  const batch = cost.axes.filter((a) => a !== rows && a !== cols);
  const out = build(cost.axes, cost.shape, () => 0);
  const R = s.get(rows)!;
  const C = s.get(cols)!;
  forEach(batch, shapeOf(batch, s), (b) => {
    const q: number[][] = [];
    for (let i = 0; i < R; i++) {
      const z = Array.from({ length: C }, (_, j) => -get(cost, { ...b, [rows]: i, [cols]: j }) / eps);
      const fin = z.filter(Number.isFinite);
      const m = fin.length ? Math.max(...fin) : 0;
      q.push(z.map((v) => Math.exp(v - m)));
    }
    const fin = q.flat().filter(Number.isFinite);
    const qmax = fin.length ? Math.max(...fin) : 0;
    for (const row of q) for (let j = 0; j < C; j++) if (row[j] === Infinity) row[j] = qmax;
    for (let it = 0; it < iters; it++) {
      for (let j = 0; j < C; j++) {
        let cs = 0;
        for (let i = 0; i < R; i++) cs += q[i]![j]!;
        for (let i = 0; i < R; i++) q[i]![j]! /= cs;
      }
      for (let i = 0; i < R; i++) {
        const rs = sum(q[i]!);
        for (let j = 0; j < C; j++) q[i]![j]! /= rs;
      }
    }
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) setAt(out, { ...b, [rows]: i, [cols]: j }, q[i]![j]!);
  });
  return out;
}

// ── linear algebra ──────────────────────────────────────────────────────────

export function dotRef(a: RT, b: RT, over: string[]): RT {
  const s = sizes(a, b);
  const keep = union(a, b).filter((x) => !over.includes(x));
  return build(keep, shapeOf(keep, s), (o) => {
    let acc = 0;
    forEach(over, shapeOf(over, s), (ii) => {
      const idx = { ...o, ...ii };
      acc += get(a, idx) * get(b, idx);
    });
    return acc;
  });
}

export function normRef(x: RT, over: string[]): RT {
  return reduceRef(x, over, undefined, (v) => Math.sqrt(sum(v.map((q) => q * q))));
}

export function cosineRef(a: RT, b: RT, over: string, eps: number): RT {
  const d = dotRef(a, b, [over]);
  const na = normRef(a, [over]);
  const nb = normRef(b, [over]);
  return build(d.axes, d.shape, (idx) => get(d, idx) / (get(na, idx) * get(nb, idx) + eps));
}

/** Gaussian elimination with partial pivoting: X = A⁻¹B for a general n×n A (B n×m); reads all of A. */
export function gaussSolve(A: number[][], B: number[][]): number[][] {
  const n = A.length;
  const m = B[0]?.length ?? 0;
  const a = A.map((r, i) => [...r, ...B[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < n + m; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((r, i) => r.slice(n).map((v) => v / a[i]![i]!));
}

function matrixOf(A: RT, b: Idx, row: string, col: string, n: number): number[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => get(A, { ...b, [row]: i, [col]: j })));
}

export function solveRef(A: RT, B: RT, row: string, col: string): RT {
  const s = sizes(A, B);
  const n = s.get(row)!;
  const batch = A.axes.filter((x) => x !== row && x !== col);
  const extra = B.axes.filter((x) => x !== row && !batch.includes(x));
  const outAxes = [...batch, col, ...extra];
  const out = build(outAxes, shapeOf(outAxes, s), () => 0);
  forEach(batch, shapeOf(batch, s), (bi) => {
    const M = matrixOf(A, bi, row, col, n);
    const cols: Idx[] = [];
    forEach(extra, shapeOf(extra, s), (e) => cols.push({ ...e }));
    const rhs = Array.from({ length: n }, (_, i) => cols.map((e) => get(B, { ...bi, ...e, [row]: i })));
    const X = gaussSolve(M, rhs);
    for (let i = 0; i < n; i++) cols.forEach((e, c) => setAt(out, { ...bi, ...e, [col]: i }, X[i]![c]!));
  });
  return out;
}

export function invRef(A: RT, row: string, col: string, trace: boolean): RT {
  const s = sizes(A);
  const n = s.get(row)!;
  const batch = A.axes.filter((x) => x !== row && x !== col);
  const outAxes = trace ? batch : [...batch, row, col];
  const out = build(outAxes, shapeOf(outAxes, s), () => 0);
  forEach(batch, shapeOf(batch, s), (bi) => {
    const eye = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j)));
    const Y = gaussSolve(matrixOf(A, bi, row, col, n), eye);
    if (trace) setAt(out, bi, Y.reduce((acc, r, i) => acc + r[i]!, 0));
    else for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) setAt(out, { ...bi, [row]: i, [col]: j }, Y[i]![j]!);
  });
  return out;
}

// ── nn ──────────────────────────────────────────────────────────────────────

/** y[..., to] = Σ_f x[..., f] W[f, to] + b[to]. */
export function denseRef(x: RT, W: RT, b: RT | undefined, f: string, to: string): RT {
  const s = sizes(x);
  const U = W.shape[1]!;
  const keep = x.axes.map((a) => (a === f ? to : a));
  const sz = new Map(s);
  sz.set(to, U);
  return build(keep, shapeOf(keep, sz), (o) => {
    let acc = b ? b.data[o[to]!]! : 0;
    for (let i = 0; i < s.get(f)!; i++) acc += get(x, { ...o, [f]: i }) * W.data[i * U + o[to]!]!;
    return acc;
  });
}

export function layerNormRef(x: RT, f: string, w: Float64Array, b: Float64Array, eps: number): RT {
  return alongAxis(x, f, undefined, (v) => {
    const m = mean(v);
    const va = variance(v, 0);
    return v.map((q, i) => ((q - m) / Math.sqrt(va + eps)) * w[i]! + b[i]!);
  });
}

/** Batch norm; returns the output and (training) the new running statistics. */
export function batchNormRef(
  x: RT,
  f: string,
  p: { weight: Float64Array; bias: Float64Array; running_mean: Float64Array; running_var: Float64Array },
  eps: number,
  momentum: number,
  training: boolean,
): { y: RT; mean?: Float64Array; var?: Float64Array } {
  const s = sizes(x);
  const F = s.get(f)!;
  const others = x.axes.filter((a) => a !== f);
  const mu = new Float64Array(F);
  const vb = new Float64Array(F);
  const vu = new Float64Array(F);
  for (let k = 0; k < F; k++) {
    const vals: number[] = [];
    forEach(others, shapeOf(others, s), (o) => vals.push(get(x, { ...o, [f]: k })));
    mu[k] = training ? mean(vals) : p.running_mean[k]!;
    vb[k] = training ? variance(vals, 0) : p.running_var[k]!;
    vu[k] = vals.length > 1 ? variance(vals, 1) : variance(vals, 0);
  }
  const y = build(x.axes, x.shape, (idx) => {
    const k = idx[f]!;
    return ((get(x, idx) - mu[k]!) / Math.sqrt(vb[k]! + eps)) * p.weight[k]! + p.bias[k]!;
  });
  if (!training) return { y };
  return {
    y,
    mean: p.running_mean.map((r, k) => (1 - momentum) * r + momentum * mu[k]!),
    var: p.running_var.map((r, k) => (1 - momentum) * r + momentum * vu[k]!),
  };
}

/** PyTorch Conv1d with weight [k, cin, c] (ours), zero padding `left`/`right`. */
export function conv1dRef(x: RT, W: RT, b: Float64Array, time: string, f: string, to: string, left: number, right: number): RT {
  const s = sizes(x);
  const [k, cin, c] = W.shape as [number, number, number];
  const T = s.get(time)!;
  const tOut = T + left + right - k + 1;
  const axes = x.axes.map((a) => (a === f ? to : a));
  const sz = new Map(s);
  sz.set(time, tOut);
  sz.set(to, c);
  return build(axes, shapeOf(axes, sz), (o) => {
    let acc = b[o[to]!]!;
    for (let j = 0; j < k; j++) {
      const t = o[time]! + j - left;
      if (t < 0 || t >= T) continue;
      for (let ci = 0; ci < cin; ci++) acc += get(x, { ...o, [time]: t, [f]: ci }) * W.data[(j * cin + ci) * c + o[to]!]!;
    }
    return acc;
  });
}

export function embeddingRef(ids: RT, W: RT, to: string): RT {
  const [V, D] = W.shape as [number, number];
  const axes = [...ids.axes, to];
  const sz = sizes(ids);
  sz.set(to, D);
  return build(axes, shapeOf(axes, sz), (o) => {
    const id = get(ids, o);
    if (!(Number.isInteger(id) && id >= 0 && id < V)) return 0;
    return W.data[id * D + o[to]!]!;
  });
}

export function dropoutRef(x: RT, p: number, seed: number | null): RT {
  if (seed === null || p <= 0) return x;
  const m = dropoutMask(count(x.shape), p, seed);
  return { axes: x.axes, shape: x.shape, data: x.data.map((v, i) => v * m[i]!) };
}

export function positionalRef(x: RT, time: string, f: string): RT {
  const D = sizeOf(x, f);
  return build(x.axes, x.shape, (idx) => {
    const pos = idx[time]!;
    const j = idx[f]!;
    const angle = pos / 10000 ** ((j - (j % 2)) / D);
    return get(x, idx) + (j % 2 === 0 ? Math.sin(angle) : Math.cos(angle));
  });
}

/** GRU/LSTM through rnn-reference.ts; layout by name: batch axes = x's axes but time and the last. */
export function rnnRef(
  kind: 'gru' | 'lstm',
  x: RT,
  params: Record<string, Float64Array>,
  o: { time: string; hidden: number; layers: number; output: string; to: string; layerAxis: string; dropout: number; seed: number | null },
): RT {
  const f = x.axes[x.axes.length - 1]!;
  const batch = x.axes.filter((a) => a !== o.time && a !== f);
  const s = sizes(x);
  const bs = shapeOf(batch, s);
  const N = count(bs);
  const T = s.get(o.time)!;
  const F = s.get(f)!;
  const flat = new Float64Array(N * T * F);
  let r = 0;
  forEach(batch, bs, (bi) => {
    for (let t = 0; t < T; t++) for (let k = 0; k < F; k++) flat[(r * T + t) * F + k] = get(x, { ...bi, [o.time]: t, [f]: k });
    r++;
  });
  const masks = o.seed === null ? [] : dropoutMasks(o.dropout, o.layers, T, N, o.hidden, o.seed);
  const res = refForward({ kind, inputSize: F, hidden: o.hidden, layers: o.layers }, params, flat, N, T, masks);
  const H = o.hidden;
  const sz = new Map(s);
  sz.set(o.to, H);
  sz.set(o.layerAxis, o.layers);
  const rowOf = (bi: Idx): number => batch.reduce((acc, a, d) => acc * bs[d]! + bi[a]!, 0);
  if (o.output === 'seq') {
    const axes = [...batch, o.time, o.to];
    return build(axes, shapeOf(axes, sz), (i) => res.sequence[(rowOf(i) * T + i[o.time]!) * H + i[o.to]!]!);
  }
  if (o.output === 'final') {
    const axes = [o.layerAxis, ...batch, o.to];
    return build(axes, shapeOf(axes, sz), (i) => res.states[(i[o.layerAxis]! * N + rowOf(i)) * H + i[o.to]!]!);
  }
  const axes = [...batch, o.to];
  return build(axes, shapeOf(axes, sz), (i) => res.sequence[(rowOf(i) * T + T - 1) * H + i[o.to]!]!);
}

/**
 * gru_decode in float64, written from the spec (not from rnn-reference.ts):
 * h0 over [layerAxis, ...batch, hidden]; y₀ = 0; per step, layer 0 reads
 * y_{t−1}, layer l > 0 reads layer l−1's new state; PyTorch's GRU cell;
 * y_t = out_weight · h_top + out_bias. Result over [...batch, time, to].
 */
export function gruDecodeRef(
  h0: RT,
  params: Record<string, Float64Array>,
  o: { layerAxis: string; hidden: string; time: string; to: string; steps: number; out: number },
): RT {
  const s = sizes(h0);
  const L = s.get(o.layerAxis)!;
  const D = s.get(o.hidden)!;
  const F = o.out;
  const batch = h0.axes.filter((a) => a !== o.layerAxis && a !== o.hidden);
  const bs = shapeOf(batch, s);
  const sz = new Map(s);
  sz.set(o.time, o.steps);
  sz.set(o.to, F);
  const axes = [...batch, o.time, o.to];
  const result = new Float64Array(count(shapeOf(axes, sz)));
  // W [rows, cols] row-major times v
  const affine = (W: Float64Array, b: Float64Array, rows: number, v: number[]): number[] =>
    Array.from({ length: rows }, (_, i) => b[i]! + v.reduce((acc, x, j) => acc + W[i * v.length + j]! * x, 0));
  let row = 0;
  forEach(batch, bs, (bi) => {
    const h = Array.from({ length: L }, (_, l) => Array.from({ length: D }, (_, k) => get(h0, { ...bi, [o.layerAxis]: l, [o.hidden]: k })));
    let y = new Array<number>(F).fill(0);
    for (let t = 0; t < o.steps; t++) {
      let x = y;
      for (let l = 0; l < L; l++) {
        const gi = affine(params[`weight_ih_l${l}`]!, params[`bias_ih_l${l}`]!, 3 * D, x);
        const gh = affine(params[`weight_hh_l${l}`]!, params[`bias_hh_l${l}`]!, 3 * D, h[l]!);
        h[l] = h[l]!.map((hk, k) => {
          const r = sigmoid(gi[k]! + gh[k]!);
          const z = sigmoid(gi[D + k]! + gh[D + k]!);
          const n = Math.tanh(gi[2 * D + k]! + r * gh[2 * D + k]!);
          return (1 - z) * n + z * hk;
        });
        x = h[l]!;
      }
      y = affine(params['out_weight']!, params['out_bias']!, F, x);
      for (let f = 0; f < F; f++) result[(row * o.steps + t) * F + f] = y[f]!;
    }
    row++;
  });
  return { axes, shape: shapeOf(axes, sz), data: result };
}

// ── losses ──────────────────────────────────────────────────────────────────

/** Mean of `entry` over the kept entries of the union domain (0 when none). */
export function pointLossRef(pred: RT, target: RT, mask: RT | undefined, entry: (p: number, t: number) => number): RT {
  const axes = union(pred, target);
  const s = sizes(pred, target);
  let acc = 0;
  let n = 0;
  forEach(axes, shapeOf(axes, s), (idx) => {
    const t = get(target, idx);
    if (!Number.isFinite(t) || (mask && !truthy(get(mask, idx)))) return;
    acc += entry(get(pred, idx), t);
    n++;
  });
  return { axes: [], shape: [], data: Float64Array.of(n ? acc / n : 0) };
}

export const lossEntry: Record<string, (p: number, t: number) => number> = {
  mse: (p, t) => (p - t) ** 2,
  mae: (p, t) => Math.abs(p - t),
  bce: (z, y) => -(y * Math.log(sigmoid(z)) + (1 - y) * Math.log(1 - sigmoid(z))),
};

export function crossEntropyRef(pred: RT, target: RT, over: string, mask: RT | undefined): RT {
  const rest = pred.axes.filter((a) => a !== over);
  const s = sizes(pred);
  const C = s.get(over)!;
  let acc = 0;
  let n = 0;
  forEach(rest, shapeOf(rest, s), (idx) => {
    const t = get(target, idx);
    if (!(Number.isInteger(t) && t >= 0 && t < C) || (mask && !truthy(get(mask, idx)))) return;
    const z = Array.from({ length: C }, (_, c) => get(pred, { ...idx, [over]: c }));
    const m = Math.max(...z);
    const lse = m + Math.log(sum(z.map((v) => Math.exp(v - m))));
    acc += lse - z[t]!;
    n++;
  });
  return { axes: [], shape: [], data: Float64Array.of(n ? acc / n : 0) };
}
