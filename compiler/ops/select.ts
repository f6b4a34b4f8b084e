// Selection by computed positions: where the k largest entries along an axis
// are (`topk_index`), and the entries of a tensor at such positions
// (`gather`). IGMTF retrieves its most similar past days this way: a score
// per bank day, its top k_day positions, then the bank's rows at them, so the
// work that follows is on k_day days instead of every day of the bank.
//
// Both keep shapes static: the new axis has the size k the program states.

import {
  axisOf,
  err,
  names,
  needAxis,
  num,
  str,
  t,
  type OpDef,
} from './spec.js';

const X = { name: 'x', kind: 'tensor' } as const;
const OVER = { name: 'over', kind: 'axis' } as const;

export const selectOps: OpDef[] = [
  {
    name: 'topk_index',
    family: 'shape',
    doc: 'positions of the k largest entries along an axis, largest first (ties: the lower position; NaN last), as a new Int axis `to` of size k in its place; an axis shorter than k pads with −1 (none); no gradient',
    kind: 'function',
    args: [X, { name: 'k', kind: 'int' }, OVER, { name: 'to', kind: 'axis' }],
    shape: ({ x }, attrs) => {
      const over = str(attrs['over']);
      const to = str(attrs['to']);
      const e = needAxis(x!, over, 'x');
      if (e) return e;
      const k = num(attrs['k']);
      if (k < 1) return err('badAttribute', { name: 'k', value: String(attrs['k']) }, 'k');
      const ax = axisOf(x!, over)!;
      if (typeof ax.size === 'number' && k > ax.size) return err('badAttribute', { name: 'k', value: `${k} (axis ${over} has ${ax.size} entries)` }, 'k');
      if (to !== over && axisOf(x!, to)) return err('duplicateAxis', { axis: to }, 'to');
      return t('i32', x!.axes.map((a) => (a.name === over ? { name: to, size: k } : a)));
    },
  },
  {
    name: 'gather',
    family: 'shape',
    doc: "the entries of x at the positions `index` along an axis: that axis is replaced, in place, by index's one axis; position −1 gives an empty entry (0, false); gradient to x (several picks of one entry add up)",
    kind: 'function',
    args: [X, { name: 'index', kind: 'tensor' }, OVER],
    shape: ({ x, index }, attrs) => {
      const over = str(attrs['over']);
      const e = needAxis(x!, over, 'x');
      if (e) return e;
      if (index!.dtype !== 'i32') return err('typeMismatch', { expected: 'an Int index', found: `${index!.dtype} [${names(index!)}]` }, 'index');
      if (index!.axes.length !== 1) return err('typeMismatch', { expected: 'an index with one axis', found: `[${names(index!)}]` }, 'index');
      const ia = index!.axes[0]!;
      if (ia.name !== over && axisOf(x!, ia.name)) return err('duplicateAxis', { axis: ia.name }, 'index', 'x');
      return t(x!.dtype, x!.axes.map((a) => (a.name === over ? ia : a)));
    },
  },
];
