// Softmax-like ops, gradient control, optimal transport, cross-sectional
// statistics and losses.
//
// Losses reduce to a scalar and ignore entries whose target is NaN (and
// masked-out entries), as every Qlib model masks NaN labels.

import type { TensorType } from '../ir/types.js';
import { attrAxes, axisOf, broadcast, err, isShapeError, names, needAxis, num, str, t, type OpDef, type ShapeResult } from './spec.js';

const X = { name: 'x', kind: 'tensor' } as const;
const OVER = { name: 'over', kind: 'axis' } as const;
const MASK = { name: 'mask', kind: 'tensor', optional: true } as const;

function maskFits(x: TensorType, mask: TensorType | undefined): ShapeResult | null {
  if (!mask) return null;
  if (!mask.axes.every((a) => axisOf(x, a.name))) return err('maskAxes', { mask: names(mask), x: names(x) }, 'mask', 'x');
  const m = broadcast(x, mask, x.dtype, 'x', 'mask');
  if (isShapeError(m)) return m;
  if (m.axes.length !== x.axes.length) return err('maskAxes', { mask: names(mask), x: names(x) }, 'mask', 'x');
  return null;
}

function alongAxis(name: string, doc: string, extra: OpDef['args'] = [], masked = true): OpDef {
  return {
    name,
    family: 'special',
    doc,
    kind: 'function',
    args: masked ? [X, OVER, MASK, ...extra] : [X, OVER, ...extra],
    shape: ({ x, mask }, attrs) => needAxis(x!, str(attrs['over']), 'x') ?? maskFits(x!, mask) ?? t('f32', x!.axes),
  };
}

function lossOp(name: string, doc: string, targetKind: 'same' | 'class' = 'same'): OpDef {
  const args: OpDef['args'] = [
    { name: 'pred', kind: 'tensor' },
    { name: 'target', kind: 'tensor' },
  ];
  if (targetKind === 'class') args.push({ name: 'over', kind: 'axis' });
  args.push(MASK);
  return {
    name,
    family: 'loss',
    doc,
    kind: 'function',
    args,
    shape: ({ pred, target, mask }, attrs) => {
      if (targetKind === 'class') {
        const over = str(attrs['over']);
        const e = needAxis(pred!, over, 'pred');
        if (e) return e;
        const rest = t('f32', pred!.axes.filter((a) => a.name !== over));
        const b = broadcast(rest, target!, 'f32', 'pred', 'target');
        if (isShapeError(b)) return b;
        if (b.axes.length !== rest.axes.length) return err('axisMismatch', { a: names(target!), b: names(rest) }, 'target', 'pred');
      } else {
        const b = broadcast(pred!, target!, 'f32', 'pred', 'target');
        if (isShapeError(b)) return b;
      }
      const m = mask ? maskFits(target!, mask) : null;
      if (m) return m;
      return t('f32', []);
    },
  };
}

export const specialOps: OpDef[] = [
  alongAxis('softmax', 'softmax along an axis; masked-out entries get probability 0'),
  alongAxis('log_softmax', 'log of softmax along an axis, computed stably; masked-out entries get -1e9'),
  alongAxis('minmax', 'rescale along an axis to [0, 1]: (x − min) / (max − min + 1e-12); a constant row becomes 1', [], false),
  {
    name: 'gumbel_softmax',
    family: 'special',
    doc: 'Gumbel-softmax sample along an axis; hard: one-hot forward, soft gradient (straight-through)',
    kind: 'function',
    args: [X, OVER, { name: 'tau', kind: 'float', optional: true, default: 1 }, { name: 'hard', kind: 'bool', optional: true, default: true }],
    shape: ({ x }, attrs) => needAxis(x!, str(attrs['over']), 'x') ?? t('f32', x!.axes),
    stochastic: true,
  },
  {
    name: 'sinkhorn',
    family: 'special',
    doc: 'Sinkhorn transport plan for a cost over (rows, cols): exp(−C/eps), then alternate column and row normalisation; no gradient',
    kind: 'function',
    args: [
      { name: 'cost', kind: 'tensor' },
      { name: 'over', kind: 'axes', doc: '(rows, cols), e.g. (B, K)' },
      { name: 'eps', kind: 'float', optional: true, default: 0.1 },
      { name: 'iters', kind: 'int', optional: true, default: 3 },
    ],
    shape: ({ cost }, attrs) => {
      const over = attrAxes(attrs['over']);
      if (over.length !== 2) return err('badAttribute', { name: 'over', value: `(${over.join(', ')})` }, 'over');
      for (const a of over) if (!axisOf(cost!, a)) return err('missingAxis', { axis: a, type: names(cost!) }, 'over', 'cost');
      if (num(attrs['eps'], 0.1) <= 0) return err('badAttribute', { name: 'eps', value: String(attrs['eps']) }, 'eps');
      return t('f32', cost!.axes);
    },
  },
  {
    name: 'stop_grad',
    family: 'special',
    doc: 'identity forward; no gradient flows back',
    kind: 'function',
    args: [X],
    shape: ({ x }) => x!,
  },
  {
    name: 'reverse_grad',
    family: 'special',
    doc: 'identity forward; the gradient is multiplied by −scale (gradient reversal)',
    kind: 'function',
    args: [X, { name: 'scale', kind: 'tensor', optional: true }],
    shape: ({ x, scale }) => (scale && scale.axes.length ? err('notScalar', { type: names(scale) }, 'scale') : x!),
  },
  alongAxis('cs_rank', 'percentile rank in (0, 1] along an axis (average ties; NaN and masked entries stay NaN)'),
  alongAxis('cs_zscore', '(x − mean) / std along an axis (ddof 1; NaN and masked entries ignored)'),
  {
    name: 'pearson',
    family: 'cross-section',
    doc: 'Pearson correlation of a and b along an axis (differentiable; NaN pairs and masked entries ignored)',
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
      OVER,
      MASK,
    ],
    shape: ({ a, b, mask }, attrs) => {
      const ab = broadcast(a!, b!, 'f32', 'a', 'b');
      if (isShapeError(ab)) return ab;
      const over = str(attrs['over']);
      const e = needAxis(ab, over, 'a');
      if (e) return e;
      const m = maskFits(ab, mask);
      if (m) return m;
      return t('f32', ab.axes.filter((x) => x.name !== over));
    },
  },
  {
    name: 'train_eval',
    family: 'special',
    doc: 'a in training, b in evaluation (e.g. TRA: the sampled route while training, the most likely one after)',
    kind: 'function',
    args: [
      { name: 'a', kind: 'tensor' },
      { name: 'b', kind: 'tensor' },
    ],
    shape: ({ a, b }) => {
      if (names(a!) !== names(b!)) return err('axisMismatch', { a: names(a!), b: names(b!) }, 'a', 'b');
      const r = broadcast(a!, b!, a!.dtype === b!.dtype ? a!.dtype : 'f32', 'a', 'b');
      return r;
    },
    modal: true,
  },
  {
    name: 'memory_write',
    family: 'state',
    doc: "store a detached value in a declared memory for this batch's samples (readable after the memory's lag)",
    kind: 'function',
    args: [
      { name: 'value', kind: 'tensor' },
      { name: 'memory', kind: 'string' },
    ],
    shape: ({ value }) => value!,
    effect: true,
  },
  lossOp('mse', 'mean squared error over every entry with a finite target (and unmasked)'),
  lossOp('mae', 'mean absolute error over every entry with a finite target (and unmasked)'),
  lossOp('bce', 'binary cross-entropy of logits against 0/1 targets, mean over finite targets'),
  lossOp('cross_entropy', 'cross-entropy of logits along the class axis against integer class targets, mean', 'class'),
];
