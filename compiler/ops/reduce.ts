// Reductions over named axes: sum(x, over: T), mean(x, over: (B, K), mask: m).
//
// Each removes exactly the axes named in `over` (property-tested). A mask, when
// given, must align with x (its axes a subset of x's); masked-out entries are
// left out of the reduction (mean divides by the count of kept entries).

import type { DType } from '../ir/types.js';
import { attrAxes, broadcast, dropAxes, err, isShapeError, names, type OpDef, type ShapeResult } from './spec.js';
import type { Inputs } from './spec.js';
import type { Attrs } from '../ir/types.js';

function reduceShape(ins: Inputs, attrs: Attrs, dtype?: DType): ShapeResult {
  const x = ins['x']!;
  const over = attrAxes(attrs['over']);
  if (over.length === 0) return err('missingArgument', { name: 'over', op: 'reduction' }, 'x');
  for (const a of over) {
    if (!x.axes.some((ax) => ax.name === a)) return err('missingAxis', { axis: a, type: names(x) }, 'over', 'x');
  }
  if (new Set(over).size !== over.length) return err('duplicateAxis', { axis: over.find((a, i) => over.indexOf(a) !== i)! }, 'over');
  const mask = ins['mask'];
  if (mask) {
    if (!mask.axes.every((a) => x.axes.some((b) => b.name === a.name))) return err('maskAxes', { mask: names(mask), x: names(x) }, 'mask', 'x');
    const m = broadcast(x, mask, x.dtype, 'x', 'mask');
    if (isShapeError(m)) return m;
    if (m.axes.length !== x.axes.length) return err('maskAxes', { mask: names(mask), x: names(x) }, 'mask', 'x');
  }
  return dropAxes(x, over, dtype ?? x.dtype);
}

function reduction(name: string, doc: string, opts: { dtype?: DType; extra?: OpDef['args']; masked?: boolean } = {}): OpDef {
  const args: OpDef['args'] = [
    { name: 'x', kind: 'tensor' },
    { name: 'over', kind: 'axes' },
  ];
  if (opts.masked !== false) args.push({ name: 'mask', kind: 'tensor', optional: true });
  args.push(...(opts.extra ?? []));
  return { name, family: 'reduce', doc, kind: 'function', args, shape: (ins, attrs) => reduceShape(ins, attrs, opts.dtype) };
}

export const reduceOps: OpDef[] = [
  reduction('sum', 'sum over the named axes'),
  reduction('mean', 'mean over the named axes (masked: over the kept entries)', { dtype: 'f32' }),
  reduction('max', 'maximum over the named axes'),
  reduction('min', 'minimum over the named axes'),
  reduction('prod', 'product over the named axes', { masked: false }),
  reduction('var', 'variance (ddof default 1, as torch) over the named axes', {
    dtype: 'f32',
    extra: [{ name: 'ddof', kind: 'int', optional: true, default: 1 }],
  }),
  reduction('std', 'standard deviation (ddof default 1, as torch) over the named axes', {
    dtype: 'f32',
    extra: [{ name: 'ddof', kind: 'int', optional: true, default: 1 }],
  }),
  reduction('logsumexp', 'log Σ exp(x) over the named axes, computed stably', { dtype: 'f32' }),
  reduction('count', 'number of non-NaN (and unmasked) entries', { dtype: 'f32' }),
  reduction('any', 'true if any entry is true', { dtype: 'bool', masked: false }),
  reduction('all', 'true if every entry is true', { dtype: 'bool', masked: false }),
  {
    name: 'argmax',
    family: 'reduce',
    doc: 'index of the largest entry along one axis (ties: the first)',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'over', kind: 'axis' },
    ],
    shape: (ins, attrs) => reduceShape(ins, attrs, 'i32'),
  },
  {
    name: 'argmin',
    family: 'reduce',
    doc: 'index of the smallest entry along one axis (ties: the first)',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'over', kind: 'axis' },
    ],
    shape: (ins, attrs) => reduceShape(ins, attrs, 'i32'),
  },
];
