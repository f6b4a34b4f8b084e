// Float64 references of the shape kernels (rename, concat, pack, picks,
// slices, axes added and merged, one_hot, outer, diagonals, top-k masks),
// written as loops over named axes like reference.ts, whose helpers they use.
//
// Assumes: small sizes. Guarantees: no tfjs; each reference picks its own
// output axis order (the harness compares by name).

import { build, get, sizeOf, sizes, type RT } from './reference.js';

function shapeOf(axes: string[], s: Map<string, number>): number[] {
  return axes.map((a) => s.get(a)!);
}

export function renameRef(x: RT, renames: Record<string, string>): RT {
  return { axes: x.axes.map((a) => renames[a] ?? a), shape: x.shape, data: x.data };
}

export function concatRef(xs: RT[], over: string): RT {
  const s = sizes(...xs);
  const total = xs.reduce((acc, x) => acc + sizeOf(x, over), 0);
  s.set(over, total);
  const axes = xs[0]!.axes;
  return build(axes, shapeOf(axes, s), (idx) => {
    let i = idx[over]!;
    for (const x of xs) {
      const n = sizeOf(x, over);
      if (i < n) return get(x, { ...idx, [over]: i });
      i -= n;
    }
    throw new Error('concat index');
  });
}

export function packRef(xs: RT[], as: string): RT {
  const s = sizes(...xs);
  s.set(as, xs.length);
  const axes = [as, ...xs[0]!.axes];
  return build(axes, shapeOf(axes, s), (idx) => get(xs[idx[as]!]!, idx));
}

export function pickRef(x: RT, over: string, index: number): RT {
  const n = sizeOf(x, over);
  const i = index < 0 ? n + index : index;
  const axes = x.axes.filter((a) => a !== over);
  return build(axes, shapeOf(axes, sizes(x)), (idx) => get(x, { ...idx, [over]: i }));
}

export function sliceRef(x: RT, over: string, start: number, end: number | undefined): RT {
  const n = sizeOf(x, over);
  const st = start < 0 ? n + start : start;
  const en = end === undefined ? n : end < 0 ? n + end : end;
  const s = sizes(x);
  s.set(over, en - st);
  return build(x.axes, shapeOf(x.axes, s), (idx) => get(x, { ...idx, [over]: idx[over]! + st }));
}

export function reverseRef(x: RT, over: string): RT {
  const n = sizeOf(x, over);
  return build(x.axes, x.shape, (idx) => get(x, { ...idx, [over]: n - 1 - idx[over]! }));
}

export function squeezeRef(x: RT, over: string): RT {
  return pickRef(x, over, 0);
}

export function expandRef(x: RT, name: string, size: number): RT {
  return build([...x.axes, name], [...x.shape, size], (idx) => get(x, idx));
}

export function broadcastLikeRef(x: RT, like: RT): RT {
  return build(like.axes, like.shape, (idx) => get(x, idx));
}

export function flattenRef(x: RT, listed: string[], to: string): RT {
  const s = sizes(x);
  const firstPos = Math.min(...listed.map((a) => x.axes.indexOf(a)));
  const axes: string[] = [];
  x.axes.forEach((a, i) => {
    if (i === firstPos) axes.push(to);
    if (!listed.includes(a)) axes.push(a);
  });
  s.set(
    to,
    listed.reduce((acc, a) => acc * s.get(a)!, 1),
  );
  return build(axes, shapeOf(axes, s), (idx) => {
    let r = idx[to]!;
    const full = { ...idx };
    for (let k = listed.length - 1; k >= 0; k--) {
      const n = s.get(listed[k]!)!;
      full[listed[k]!] = r % n;
      r = Math.floor(r / n);
    }
    return get(x, full);
  });
}

export function unflattenRef(x: RT, over: string, into: [string, string], sizesAttr: [number, number]): RT {
  const n = sizeOf(x, over);
  let [a, b] = sizesAttr;
  if (a === -1) a = n / b;
  if (b === -1) b = n / a;
  const s = sizes(x);
  s.set(into[0], a);
  s.set(into[1], b);
  const axes = x.axes.flatMap((ax) => (ax === over ? [...into] : [ax]));
  return build(axes, shapeOf(axes, s), (idx) => get(x, { ...idx, [over]: idx[into[0]]! * b + idx[into[1]]! }));
}

export function oneHotRef(x: RT, name: string, size: number): RT {
  return build([...x.axes, name], [...x.shape, size], (idx) => {
    const v = get(x, idx);
    return +(Number.isInteger(v) && v === idx[name]);
  });
}

export function outerRef(a: RT, b: RT, op: string): RT {
  const f = op === 'add' ? (p: number, q: number) => p + q : op === 'sub' ? (p: number, q: number) => p - q : (p: number, q: number) => p * q;
  const axes = [...a.axes, ...b.axes];
  return build(axes, [...a.shape, ...b.shape], (idx) => f(get(a, idx), get(b, idx)));
}

export function diagRef(x: RT, row: string, col: string): RT {
  const axes = x.axes.filter((a) => a !== col);
  return build(axes, shapeOf(axes, sizes(x)), (idx) => get(x, { ...idx, [col]: idx[row]! }));
}

export function setDiagRef(x: RT, d: RT | number, row: string, col: string): RT {
  return build(x.axes, x.shape, (idx) => (idx[row] === idx[col] ? (typeof d === 'number' ? d : get(d, idx)) : get(x, idx)));
}

export function topkLine(vals: number[], k: number): number[] {
  const key = vals.map((v) => (Number.isNaN(v) ? -Infinity : v));
  const order = key.map((_, i) => i).sort((i, j) => key[j]! - key[i]! || i - j);
  const out = vals.map(() => 0);
  for (const i of order.slice(0, Math.min(k, vals.length))) out[i] = Number.isNaN(vals[i]!) ? 0 : 1;
  return out;
}
