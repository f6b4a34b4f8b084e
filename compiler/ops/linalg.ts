// Linear algebra by axis name: contractions (dot, cosine), norms, and small
// dense SPD solves (solve, inv, trace_inv) that tfjs lacks (the runtime builds
// them on a Cholesky factorisation with hand-written gradients).

import type { Axis, TensorType } from '../ir/types.js';
import { attrAxes, axisOf, err, names, str, t, unifySize, type OpDef, type ShapeResult } from './spec.js';

/**
 * Contract a and b over `over` (one axis or several). Axes both operands share
 * besides `over` are batch axes. Result: a's remaining axes, then b's remaining
 * axes that a lacks.
 */
export function contractShape(a: TensorType, b: TensorType, over: string[]): ShapeResult {
  if (over.length === 0) return err('missingArgument', { name: 'over', op: 'dot' }, 'a');
  for (const o of over) {
    const aa = axisOf(a, o);
    const ba = axisOf(b, o);
    if (!aa) return err('missingAxis', { axis: o, type: names(a) }, 'over', 'a');
    if (!ba) return err('missingAxis', { axis: o, type: names(b) }, 'over', 'b');
    if (unifySize(aa.size, ba.size) === null) return err('sizeMismatch', { axis: o, a: String(aa.size), b: String(ba.size) }, 'a', 'b');
  }
  const out: Axis[] = [];
  for (const ax of a.axes) {
    if (over.includes(ax.name)) continue;
    const other = axisOf(b, ax.name);
    if (other && unifySize(ax.size, other.size) === null) {
      return err('sizeMismatch', { axis: ax.name, a: String(ax.size), b: String(other.size) }, 'a', 'b');
    }
    out.push(ax);
  }
  for (const ax of b.axes) if (!over.includes(ax.name) && !axisOf(a, ax.name)) out.push(ax);
  return t('f32', out);
}

function square(A: TensorType, row: string, col: string): ShapeResult | null {
  const r = axisOf(A, row);
  const c = axisOf(A, col);
  if (!r) return err('missingAxis', { axis: row, type: names(A) }, 'row', 'A');
  if (!c) return err('missingAxis', { axis: col, type: names(A) }, 'col', 'A');
  if (row === col) return err('duplicateAxis', { axis: row }, 'col');
  if (unifySize(r.size, c.size) === null) return err('sizeMismatch', { axis: `${row}/${col}`, a: String(r.size), b: String(c.size) }, 'A');
  return null;
}

const ROWCOL = [
  { name: 'row', kind: 'axis' },
  { name: 'col', kind: 'axis' },
] as const;

export const linalgOps: OpDef[] = [
  {
    name: 'dot',
    family: 'linalg',
    doc: 'multiply and sum over the named axes (an einsum on the shared axis)',
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
      { name: 'over', kind: 'axes' },
    ],
    shape: ({ a, b }, attrs) => contractShape(a!, b!, attrAxes(attrs['over'])),
  },
  {
    name: 'cosine',
    family: 'linalg',
    doc: '⟨a, b⟩ / (‖a‖‖b‖ + eps) along the named axis; other axes as in dot',
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
      { name: 'over', kind: 'axis' },
      { name: 'eps', kind: 'float', optional: true, default: 1e-6 },
    ],
    shape: ({ a, b }, attrs) => contractShape(a!, b!, attrAxes(attrs['over'])),
  },
  {
    name: 'norm',
    family: 'linalg',
    doc: 'Euclidean norm over the named axes',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'over', kind: 'axes' },
    ],
    shape: ({ x }, attrs) => {
      const over = attrAxes(attrs['over']);
      for (const o of over) if (!axisOf(x!, o)) return err('missingAxis', { axis: o, type: names(x!) }, 'over', 'x');
      return t('f32', x!.axes.filter((a) => !over.includes(a.name)));
    },
  },
  {
    name: 'solve',
    family: 'linalg',
    doc: "A⁻¹B for a symmetric positive-definite A over axes row × col; B's row axis becomes col",
    kind: 'function',
    args: [{ name: 'A', kind: 'tensor' }, { name: 'B', kind: 'tensor' }, ...ROWCOL],
    shape: ({ A, B }, attrs) => {
      const row = str(attrs['row']);
      const col = str(attrs['col']);
      const e = square(A!, row, col);
      if (e) return e;
      if (!axisOf(B!, row)) return err('missingAxis', { axis: row, type: names(B!) }, 'row', 'B');
      if (axisOf(B!, col)) return err('duplicateAxis', { axis: col }, 'B');
      for (const ax of A!.axes) {
        if (ax.name !== row && ax.name !== col && !axisOf(B!, ax.name)) return err('axisMismatch', { a: ax.name, b: names(B!) }, 'A', 'B');
      }
      const colAx = axisOf(A!, col)!;
      return t('f32', B!.axes.map((a) => (a.name === row ? { name: col, size: colAx.size } : a)));
    },
  },
  {
    name: 'inv',
    family: 'linalg',
    doc: 'the inverse of a symmetric positive-definite matrix over axes row × col',
    kind: 'function',
    args: [{ name: 'A', kind: 'tensor' }, ...ROWCOL],
    shape: ({ A }, attrs) => square(A!, str(attrs['row']), str(attrs['col'])) ?? t('f32', A!.axes),
  },
  {
    name: 'trace_inv',
    family: 'linalg',
    doc: 'trace of the inverse of a symmetric positive-definite matrix over axes row × col',
    kind: 'function',
    args: [{ name: 'A', kind: 'tensor' }, ...ROWCOL],
    shape: ({ A }, attrs) => {
      const row = str(attrs['row']);
      const col = str(attrs['col']);
      return square(A!, row, col) ?? t('f32', A!.axes.filter((a) => a.name !== row && a.name !== col));
    },
  },
];
