// Shape ops: renaming, joining, picking along an axis, adding and removing
// axes, diagonals and top-k masks. None of them has parameters.

import type { Axis, TensorType } from '../ir/types.js';
import {
  attrAxes,
  axisOf,
  dropAxes,
  err,
  names,
  needAxis,
  num,
  sizeProduct,
  sizeSum,
  str,
  t,
  unifySize,
  type OpDef,
  type ShapeResult,
} from './spec.js';

const X = { name: 'x', kind: 'tensor' } as const;
const OVER = { name: 'over', kind: 'axis' } as const;

/** The tensors of a variadic op, in order (inputs named '0', '1', ...). */
export function variadic(ins: { [k: string]: TensorType }): TensorType[] {
  const out: TensorType[] = [];
  for (let i = 0; ins[String(i)]; i++) out.push(ins[String(i)]!);
  return out;
}

function pick(doc: string, name: string, extra: OpDef['args'] = []): OpDef {
  return {
    name,
    family: 'shape',
    doc,
    kind: 'function',
    args: [X, OVER, ...extra],
    shape: ({ x }, attrs) => needAxis(x!, str(attrs['over']), 'x') ?? dropAxes(x!, [str(attrs['over'])]),
  };
}

function sameAxisSets(a: TensorType, b: TensorType, except: string): string | null {
  const an = a.axes.map((x) => x.name).filter((n) => n !== except);
  const bn = new Set(b.axes.map((x) => x.name).filter((n) => n !== except));
  for (const n of an) if (!bn.has(n)) return n;
  if (bn.size !== an.length) return [...bn].find((n) => !an.includes(n)) ?? null;
  return null;
}

function squareAxes(x: TensorType, row: string, col: string): ShapeResult | null {
  const r = axisOf(x, row);
  const c = axisOf(x, col);
  if (!r) return err('missingAxis', { axis: row, type: names(x) }, 'row', 'x');
  if (!c) return err('missingAxis', { axis: col, type: names(x) }, 'col', 'x');
  if (unifySize(r.size, c.size) === null) return err('sizeMismatch', { axis: `${row}/${col}`, a: String(r.size), b: String(c.size) }, 'x');
  return null;
}

export const shapeOps: OpDef[] = [
  {
    name: 'rename',
    family: 'shape',
    doc: 'rename axes: rename(R, N: J) turns Float[N, H] into Float[J, H]',
    kind: 'function',
    args: [X, { name: 'renames', kind: 'renames' }],
    // attrs.sizes (set by the checker, not written by users): known sizes for
    // axes (named after renaming) at a call boundary, e.g. {K: 3} when a
    // caller's symbolic K meets a callee's `K = 3`. A symbolic size narrows to
    // the number; a known size must already equal it. The runtime checks it.
    shape: ({ x }, attrs) => {
      const renames = (attrs['renames'] ?? {}) as Record<string, string>;
      const sizes = (attrs['sizes'] ?? {}) as Record<string, number>;
      for (const [from, to] of Object.entries(renames)) {
        if (!axisOf(x!, from)) return err('missingAxis', { axis: from, type: names(x!) }, from, 'x');
        if (axisOf(x!, to) && !(to in renames)) return err('duplicateAxis', { axis: to }, from);
      }
      const axes = x!.axes.map((a) => ({ name: renames[a.name] ?? a.name, size: a.size }));
      for (const [name, n] of Object.entries(sizes)) {
        const ax = axes.find((a) => a.name === name);
        if (!ax) return err('missingAxis', { axis: name, type: names(t(x!.dtype, axes)) }, 'x');
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) return err('badAttribute', { name: `sizes.${name}`, value: String(n) }, 'x');
        const u = unifySize(n, ax.size);
        if (u === null) return err('sizeMismatch', { axis: name, a: String(n), b: String(ax.size) }, 'x');
        ax.size = u;
      }
      return t(x!.dtype, axes);
    },
  },
  {
    name: 'concat',
    family: 'shape',
    doc: 'join tensors along an axis they all have; the other axes must match by name',
    kind: 'function',
    args: [{ name: 'xs', kind: 'tensors' }, OVER],
    shape: (ins, attrs) => {
      const xs = variadic(ins);
      const over = str(attrs['over']);
      if (xs.length === 0) return err('missingArgument', { name: 'tensors', op: 'concat' }, 'over');
      const first = xs[0]!;
      const sizes: (number | string)[] = [];
      for (let i = 0; i < xs.length; i++) {
        const x = xs[i]!;
        const ax = axisOf(x, over);
        if (!ax) return err('missingAxis', { axis: over, type: names(x) }, String(i));
        sizes.push(ax.size);
        const bad = sameAxisSets(first, x, over);
        if (bad) return err('axisMismatch', { a: bad, b: names(x) }, String(i), '0');
      }
      return t(first.dtype, first.axes.map((a) => (a.name === over ? { name: over, size: sizeSum(sizes) } : a)));
    },
  },
  {
    name: 'pack',
    family: 'shape',
    doc: 'pack tensors of one type along a new leading axis `as` (numpy\'s stack; `stack(n, block)` is the layer combinator)',
    kind: 'function',
    args: [{ name: 'xs', kind: 'tensors' }, { name: 'as', kind: 'axis' }],
    shape: (ins, attrs) => {
      const xs = variadic(ins);
      const as = str(attrs['as']);
      const first = xs[0];
      if (!first) return err('missingArgument', { name: 'tensors', op: 'pack' }, 'as');
      if (axisOf(first, as)) return err('duplicateAxis', { axis: as }, 'as');
      for (let i = 1; i < xs.length; i++) {
        const bad = sameAxisSets(first, xs[i]!, '');
        if (bad) return err('axisMismatch', { a: bad, b: names(xs[i]!) }, String(i), '0');
      }
      return t(first.dtype, [{ name: as, size: xs.length }, ...first.axes]);
    },
  },
  pick('the last entry along an axis (removes the axis)', 'last'),
  pick('the first entry along an axis (removes the axis)', 'first'),
  {
    name: 'permute',
    family: 'shape',
    doc: 'the same tensor with its axes laid out in the order `axes` (a permutation of its axis names); the checker inserts it where a model call expects another order',
    kind: 'function',
    args: [X, { name: 'axes', kind: 'axes' }],
    shape: ({ x }, attrs) => {
      const order = attrAxes(attrs['axes']);
      if (order.length !== x!.axes.length || new Set(order).size !== order.length) return err('badAttribute', { name: 'axis order', value: `(${order.join(', ')}) for [${names(x!)}]` }, 'axes');
      for (const a of order) if (!axisOf(x!, a)) return err('missingAxis', { axis: a, type: names(x!) }, 'axes', 'x');
      return t(x!.dtype, order.map((a) => axisOf(x!, a)!));
    },
  },
  pick('the entry at `index` along an axis (removes the axis; negative counts from the end)', 'take', [
    { name: 'index', kind: 'int' },
  ]),
  {
    name: 'slice',
    family: 'shape',
    doc: 'entries start..end-1 along an axis (negative indices count from the end)',
    kind: 'function',
    args: [X, OVER, { name: 'start', kind: 'int' }, { name: 'end', kind: 'int', optional: true }],
    shape: ({ x }, attrs) => {
      const over = str(attrs['over']);
      const e = needAxis(x!, over, 'x');
      if (e) return e;
      const ax = axisOf(x!, over)!;
      let size: number | string = `${over}'`;
      if (typeof ax.size === 'number') {
        const n = ax.size;
        const norm = (i: number) => (i < 0 ? n + i : i);
        const s = norm(num(attrs['start']));
        const end = attrs['end'] === undefined || attrs['end'] === null ? n : norm(num(attrs['end']));
        if (s < 0 || end > n || s >= end) return err('badSlice', { start: s, end, size: n }, 'start');
        size = end - s;
      }
      return t(x!.dtype, x!.axes.map((a) => (a.name === over ? { name: over, size } : a)));
    },
  },
  {
    name: 'reverse',
    family: 'shape',
    doc: 'reverse the order of entries along an axis',
    kind: 'function',
    args: [X, OVER],
    shape: ({ x }, attrs) => needAxis(x!, str(attrs['over']), 'x') ?? x!,
  },
  {
    name: 'squeeze',
    family: 'shape',
    doc: 'remove a size-1 axis (the last axis when `over` is absent)',
    kind: 'function',
    args: [X, { name: 'over', kind: 'axis', optional: true }],
    shape: ({ x }, attrs) => {
      const over = attrs['over'] === undefined || attrs['over'] === null ? x!.axes[x!.axes.length - 1]?.name : str(attrs['over']);
      if (!over) return err('missingAxis', { axis: '(last)', type: names(x!) }, 'x');
      const ax = axisOf(x!, over);
      if (!ax) return err('missingAxis', { axis: over, type: names(x!) }, 'over', 'x');
      if (ax.size !== 1) return err('notSizeOne', { axis: over, size: String(ax.size) }, 'x');
      return dropAxes(x!, [over]);
    },
  },
  {
    name: 'expand',
    family: 'shape',
    doc: 'add an axis `name` of `size` (entries repeated), placed last',
    kind: 'function',
    args: [X, { name: 'name', kind: 'axis' }, { name: 'size', kind: 'int', optional: true, default: 1 }],
    shape: ({ x }, attrs) => {
      const name = str(attrs['name']);
      if (axisOf(x!, name)) return err('duplicateAxis', { axis: name }, 'name');
      return t(x!.dtype, [...x!.axes, { name, size: num(attrs['size'], 1) }]);
    },
  },
  {
    name: 'broadcast_like',
    family: 'shape',
    doc: "repeat x along the axes of `like` it lacks; x's axes must be a subset of like's",
    kind: 'function',
    args: [X, { name: 'like', kind: 'tensor' }],
    shape: ({ x, like }) => {
      for (const a of x!.axes) if (!axisOf(like!, a.name)) return err('axisMismatch', { a: a.name, b: names(like!) }, 'x', 'like');
      return t(x!.dtype, like!.axes);
    },
  },
  {
    name: 'flatten',
    family: 'shape',
    doc: 'merge axes into one axis `to` (row-major: the first axis listed varies slowest)',
    kind: 'function',
    args: [X, { name: 'axes', kind: 'axes' }, { name: 'to', kind: 'axis' }],
    shape: ({ x }, attrs) => {
      const axes = attrAxes(attrs['axes']);
      const to = str(attrs['to']);
      const found: Axis[] = [];
      for (const a of axes) {
        const ax = axisOf(x!, a);
        if (!ax) return err('missingAxis', { axis: a, type: names(x!) }, 'axes', 'x');
        found.push(ax);
      }
      if (axisOf(x!, to) && !axes.includes(to)) return err('duplicateAxis', { axis: to }, 'to');
      const firstPos = Math.min(...axes.map((a) => x!.axes.findIndex((ax) => ax.name === a)));
      const out: Axis[] = [];
      x!.axes.forEach((ax, i) => {
        if (i === firstPos) out.push({ name: to, size: sizeProduct(found.map((f) => f.size)) });
        if (!axes.includes(ax.name)) out.push(ax);
      });
      return t(x!.dtype, out);
    },
  },
  {
    name: 'unflatten',
    family: 'shape',
    doc: 'split axis `over` into two axes `into` = (outer, inner) of sizes `sizes` (one may be -1: inferred)',
    kind: 'function',
    args: [X, OVER, { name: 'into', kind: 'axes' }, { name: 'sizes', kind: 'ints' }],
    shape: ({ x }, attrs) => {
      const over = str(attrs['over']);
      const into = attrAxes(attrs['into']);
      const sizes = (Array.isArray(attrs['sizes']) ? attrs['sizes'] : []).map((v) => num(v));
      const ax = axisOf(x!, over);
      if (!ax) return err('missingAxis', { axis: over, type: names(x!) }, 'over', 'x');
      if (into.length !== 2 || sizes.length !== 2) return err('badAttribute', { name: 'into', value: into.join(', ') }, 'into');
      for (const n of into) if (n !== over && axisOf(x!, n)) return err('duplicateAxis', { axis: n }, 'into');
      let [a, b] = sizes as [number, number];
      if (typeof ax.size === 'number') {
        if (a === -1) a = ax.size / b;
        if (b === -1) b = ax.size / a;
        if (!Number.isInteger(a) || !Number.isInteger(b) || a * b !== ax.size) {
          return err('sizeMismatch', { axis: over, a: String(ax.size), b: `${sizes[0]}×${sizes[1]}` }, 'sizes');
        }
      }
      const out: Axis[] = [];
      for (const a0 of x!.axes) {
        if (a0.name === over) out.push({ name: into[0]!, size: a }, { name: into[1]!, size: b });
        else out.push(a0);
      }
      return t(x!.dtype, out);
    },
  },
  {
    name: 'one_hot',
    family: 'shape',
    doc: 'one-hot encode integer indices along a new last axis `name` of `size`',
    kind: 'function',
    args: [X, { name: 'name', kind: 'axis' }, { name: 'size', kind: 'int' }],
    shape: ({ x }, attrs) => {
      const name = str(attrs['name']);
      if (axisOf(x!, name)) return err('duplicateAxis', { axis: name }, 'name');
      return t('f32', [...x!.axes, { name, size: num(attrs['size']) }]);
    },
  },
  {
    name: 'outer',
    family: 'shape',
    doc: "all pairs of a and b's entries: axes must be disjoint; op is mul, add or sub",
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
      { name: 'op', kind: 'string', optional: true, default: 'mul', choices: ['mul', 'add', 'sub'] },
    ],
    shape: ({ a, b }) => {
      for (const ax of b!.axes) if (axisOf(a!, ax.name)) return err('duplicateAxis', { axis: ax.name }, 'b', 'a');
      return t('f32', [...a!.axes, ...b!.axes]);
    },
  },
  {
    name: 'diag',
    family: 'shape',
    doc: 'the diagonal of two equal-sized axes row and col; keeps row, removes col',
    kind: 'function',
    args: [X, { name: 'row', kind: 'axis' }, { name: 'col', kind: 'axis' }],
    shape: ({ x }, attrs) => squareAxes(x!, str(attrs['row']), str(attrs['col'])) ?? dropAxes(x!, [str(attrs['col'])]),
  },
  {
    name: 'zero_diag',
    family: 'shape',
    doc: 'set the diagonal of axes row and col to zero',
    kind: 'function',
    args: [X, { name: 'row', kind: 'axis' }, { name: 'col', kind: 'axis' }],
    shape: ({ x }, attrs) => squareAxes(x!, str(attrs['row']), str(attrs['col'])) ?? x!,
  },
  {
    name: 'set_diag',
    family: 'shape',
    doc: "replace the diagonal of axes row and col by d (d has x's axes without col)",
    kind: 'function',
    args: [X, { name: 'd', kind: 'tensor' }, { name: 'row', kind: 'axis' }, { name: 'col', kind: 'axis' }],
    shape: ({ x, d }, attrs) => {
      const e = squareAxes(x!, str(attrs['row']), str(attrs['col']));
      if (e) return e;
      const want = dropAxes(x!, [str(attrs['col'])]);
      const bad = sameAxisSets(want, d!, '');
      if (bad) return err('axisMismatch', { a: bad, b: names(d!) }, 'd', 'x');
      return x!;
    },
  },
  {
    name: 'topk_mask',
    family: 'shape',
    doc: '1 at the k largest entries along an axis, 0 elsewhere (no gradient; multiply to select)',
    kind: 'function',
    args: [X, { name: 'k', kind: 'int' }, OVER],
    shape: ({ x }, attrs) => {
      const e = needAxis(x!, str(attrs['over']), 'x');
      if (e) return e;
      if (num(attrs['k']) < 1) return err('badAttribute', { name: 'k', value: String(attrs['k']) }, 'k');
      return t('f32', x!.axes);
    },
  },
  {
    name: 'zeros_like',
    family: 'shape',
    doc: 'zeros of the same type',
    kind: 'function',
    args: [X],
    shape: ({ x }) => x!,
  },
  {
    name: 'ones_like',
    family: 'shape',
    doc: 'ones of the same type',
    kind: 'function',
    args: [X],
    shape: ({ x }) => x!,
  },
];
