// Deliberately simple reference metrics, written from the definitions (pandas
// Series.corr, scipy rankdata "average", HIST's metric_fn, Qlib's
// calc_long_short_return / _group_return, TRA's evaluate) with arrays of row
// objects, O(n²) ranks and Array.prototype.sort — nothing shared with
// runtime/eval. The metric tests compare runtime/eval against these.

export interface Row {
  pred: number;
  label: number;
}

const ok = (v: number): boolean => !Number.isNaN(v);

export function complete(rows: Row[]): Row[] {
  return rows.filter((r) => ok(r.pred) && ok(r.label));
}

export function refMean(xs: number[]): number {
  const v = xs.filter(ok);
  return v.length === 0 ? NaN : v.reduce((s, x) => s + x, 0) / v.length;
}

export function refStd(xs: number[]): number {
  const v = xs.filter(ok);
  if (v.length < 2) return NaN;
  const m = refMean(v);
  return Math.sqrt(v.reduce((s, x) => s + (x - m) * (x - m), 0) / (v.length - 1));
}

export function refPearson(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return NaN;
  if (x.every((v) => v === x[0]) || y.every((v) => v === y[0])) return NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** rank_i = 1 + #{x_j < x_i} + (#{x_j = x_i} − 1) / 2 */
export function refRanks(x: number[]): number[] {
  return x.map((v) => {
    let less = 0;
    let eq = 0;
    for (const w of x) {
      if (w < v) less++;
      else if (w === v) eq++;
    }
    return 1 + less + (eq - 1) / 2;
  });
}

export function refSpearman(x: number[], y: number[]): number {
  return x.length < 2 ? NaN : refPearson(refRanks(x), refRanks(y));
}

export function refIc(day: Row[]): { ic: number; rankIc: number } {
  const c = complete(day);
  const x = c.map((r) => r.pred);
  const y = c.map((r) => r.label);
  return { ic: refPearson(x, y), rankIc: refSpearman(x, y) };
}

/** Rows sorted by pred, descending, equal preds in row order (Array.prototype.sort is stable). */
function byPredDesc(rows: Row[]): Row[] {
  return rows.slice().sort((a, b) => (b.pred === a.pred ? 0 : b.pred > a.pred ? 1 : -1));
}

export function refPrecisionRecall(day: Row[], k: number): { precision: number; recall: number } {
  const c = complete(day);
  if (c.length === 0) return { precision: NaN, recall: NaN };
  const top = byPredDesc(c).slice(0, k);
  const hit = top.filter((r) => r.label > 0).length;
  const pos = c.filter((r) => r.label > 0).length;
  return { precision: hit / k, recall: pos === 0 ? NaN : hit / pos };
}

export function refLongShort(day: Row[], q: number): { long: number; short: number; avg: number } {
  const c = complete(day);
  const N = Math.floor(c.length * q);
  const avg = c.length === 0 ? NaN : c.reduce((s, r) => s + r.label, 0) / c.length;
  if (N === 0) return { long: NaN, short: NaN, avg };
  const desc = byPredDesc(c);
  const asc = c.slice().sort((a, b) => (a.pred === b.pred ? 0 : a.pred < b.pred ? -1 : 1));
  const mean = (rs: Row[]) => rs.reduce((s, r) => s + r.label, 0) / rs.length;
  return { long: mean(desc.slice(0, N)), short: mean(asc.slice(0, N)), avg };
}

export function refGroups(day: Row[], G: number): number[] {
  const c = byPredDesc(complete(day));
  const size = Math.floor(c.length / G);
  return Array.from({ length: G }, (_, g) => {
    const part = c.slice(g * size, (g + 1) * size);
    return part.length === 0 ? NaN : part.reduce((s, r) => s + r.label, 0) / part.length;
  });
}

/** TRA: each column becomes pct ranks over its own non-NaN values; then MSE, MAE, Spearman. */
export function refTraDay(day: Row[]): { mse: number; mae: number; ic: number } {
  const pct = (vals: number[]): number[] => {
    const present = vals.filter(ok);
    const ranks = refRanks(present);
    let j = 0;
    return vals.map((v) => (ok(v) ? ranks[j++]! / present.length : NaN));
  };
  const p = pct(day.map((r) => r.pred));
  const l = pct(day.map((r) => r.label));
  const both = p.map((v, i) => [v, l[i]!] as const).filter(([a, b]) => ok(a) && ok(b));
  const d = both.map(([a, b]) => a - b);
  return {
    mse: d.length ? d.reduce((s, x) => s + x * x, 0) / d.length : NaN,
    mae: d.length ? d.reduce((s, x) => s + Math.abs(x), 0) / d.length : NaN,
    ic: refSpearman(both.map(([a]) => a), both.map(([, b]) => b)),
  };
}
