// Layers (ops that own parameters) and the parameter-free neural-net helpers
// (dropout, positional encoding). Composite blocks — attention pooling,
// multi-head attention, transformer layers, GAT — are written in Quiver in
// stdlib/layers.qv on top of these.
//
// Output axis naming: a layer maps its input's feature axis (`over`, default
// the last axis) to an axis named `to`. When `to` is absent the checker passes
// the name of the identifier used for the size (`dense(H)` → axis H); with a
// literal size (`dense(64)`) the input axis keeps its name with the new size.
// gru_decode adds two axes instead: `time` (default T) and `to` (default F,
// or the identifier written for `out`).

import type { Axis, TensorType } from '../ir/types.js';
import { axisOf, err, names, num, str, t, unifySize, type Inputs, type OpDef, type ParamSpec, type ShapeResult } from './spec.js';
import type { Attrs } from '../ir/types.js';

function featureAxis(x: TensorType, attrs: Attrs): Axis | undefined {
  const over = attrs['over'];
  if (typeof over === 'string') return axisOf(x, over);
  return x.axes[x.axes.length - 1];
}

/** A size attribute: a known count, or a symbol when checking a model generically. */
function sizeAttr(v: unknown): number | string | null {
  if (typeof v === 'number') return v >= 1 && Number.isInteger(v) ? v : null;
  if (typeof v === 'string' && v.length > 0) return v;
  return null;
}

function mapFeature(x: TensorType, from: Axis, toName: string, size: number | string): TensorType {
  return t('f32', x.axes.map((a) => (a.name === from.name ? { name: toName, size } : a)));
}

function sized(n: number | string): number {
  return typeof n === 'number' ? n : -1;
}

function denseShape(ins: Inputs, attrs: Attrs): ShapeResult {
  const x = ins['x']!;
  const f = featureAxis(x, attrs);
  if (!f) return err('missingAxis', { axis: str(attrs['over'], '(last)'), type: names(x) }, 'x');
  const to = str(attrs['to'], f.name);
  if (to !== f.name && axisOf(x, to)) return err('duplicateAxis', { axis: to }, 'to');
  const units = sizeAttr(attrs['units']);
  if (units === null) return err('badAttribute', { name: 'units', value: String(attrs['units']) }, 'units');
  return mapFeature(x, f, to, units);
}

const OPT_OVER = { name: 'over', kind: 'axis', optional: true } as const;
const OPT_TO = { name: 'to', kind: 'axis', optional: true } as const;

/** The RNN's shape: seq [..., T, H]; final [L, ..., H]; last [..., H]. */
function rnnShape(ins: Inputs, attrs: Attrs): ShapeResult {
  const x = ins['x']!;
  const time = str(attrs['over'], 'T');
  const tAx = axisOf(x, time);
  if (!tAx) return err('missingAxis', { axis: time, type: names(x) }, 'x');
  const f = x.axes[x.axes.length - 1]!;
  if (f.name === time) return err('rnnNeedsFeatures', { type: names(x), time }, 'x');
  const hidden = sizeAttr(attrs['hidden']);
  const layers = sizeAttr(attrs['layers'] ?? 1);
  if (hidden === null) return err('badAttribute', { name: 'hidden', value: String(attrs['hidden']) }, 'hidden');
  if (layers === null) return err('badAttribute', { name: 'layers', value: String(attrs['layers']) }, 'layers');
  const to = str(attrs['to'], f.name);
  if (to !== f.name && axisOf(x, to)) return err('duplicateAxis', { axis: to }, 'to');
  const seq = mapFeature(x, f, to, hidden);
  const output = str(attrs['output'], 'seq');
  if (output === 'seq') return seq;
  const batch = seq.axes.filter((a) => a.name !== time);
  if (output === 'last') return t('f32', batch);
  const L = str(attrs['layer_axis'], 'L');
  if (axisOf(x, L)) return err('duplicateAxis', { axis: L }, 'layer_axis');
  return t('f32', [{ name: L, size: layers }, ...batch]);
}

function rnnParams(gates: number) {
  return (ins: Inputs, attrs: Attrs): ParamSpec[] => {
    const x = ins['x']!;
    const inSize = sized(x.axes[x.axes.length - 1]!.size);
    const H = num(attrs['hidden']);
    const out: ParamSpec[] = [];
    for (let k = 0; k < num(attrs['layers'], 1); k++) {
      const fin = k === 0 ? inSize : H;
      out.push({ name: `weight_ih_l${k}`, shape: [gates * H, fin], init: 'rnn_uniform', fanIn: H });
      out.push({ name: `weight_hh_l${k}`, shape: [gates * H, H], init: 'rnn_uniform', fanIn: H });
      out.push({ name: `bias_ih_l${k}`, shape: [gates * H], init: 'rnn_uniform', fanIn: H });
      out.push({ name: `bias_hh_l${k}`, shape: [gates * H], init: 'rnn_uniform', fanIn: H });
    }
    return out;
  };
}

function rnn(name: string, gates: number, doc: string): OpDef {
  return {
    name,
    family: 'nn',
    doc,
    kind: 'layer',
    args: [
      { name: 'hidden', kind: 'int' },
      { name: 'layers', kind: 'int', optional: true, default: 1 },
      { name: 'dropout', kind: 'float', optional: true, default: 0 },
      { name: 'over', kind: 'axis', optional: true, default: 'T', doc: 'the time axis' },
      { name: 'output', kind: 'string', optional: true, default: 'seq', choices: ['seq', 'final', 'last'] },
      { name: 'layer_axis', kind: 'axis', optional: true, default: 'L' },
      OPT_TO,
    ],
    inputs: [{ name: 'x', kind: 'tensor' }],
    shape: rnnShape,
    params: rnnParams(gates),
    modal: true,
    stochastic: true,
  };
}

/**
 * gru_decode's shape: h0 [..., L, ..., D] (L the layer axis, D the hidden axis,
 * default last) → [...batch, time, to], batch = h0's other axes in order. The
 * layer count is L's size, which must be known (or equal a `layers` argument,
 * which may be a symbol in a generic check).
 */
function gruDecodeShape(ins: Inputs, attrs: Attrs): ShapeResult {
  const h = ins['h0']!;
  const L = str(attrs['layer_axis'], 'L');
  const lAx = axisOf(h, L);
  if (!lAx) return err('missingAxis', { axis: L, type: names(h) }, 'h0');
  const d = featureAxis(h, attrs);
  if (!d) return err('missingAxis', { axis: str(attrs['over']), type: names(h) }, 'h0');
  if (d.name === L) return err('rnnNeedsFeatures', { type: names(h), time: L }, 'h0');
  const layersAttr = attrs['layers'];
  if (layersAttr !== undefined && layersAttr !== null) {
    const layers = sizeAttr(layersAttr);
    if (layers === null) return err('badAttribute', { name: 'layers', value: String(layersAttr) }, 'layers');
    if (unifySize(lAx.size, layers) === null) return err('sizeMismatch', { axis: L, a: String(lAx.size), b: `${layers} (the layers argument)` }, 'h0', 'layers');
  } else if (typeof lAx.size !== 'number') {
    return err('notCompileTime', { what: `the size of axis ${L} (the decoder's layer count)` }, 'h0');
  }
  const out = sizeAttr(attrs['out']);
  if (out === null) return err('badAttribute', { name: 'out', value: String(attrs['out']) }, 'out');
  const steps = sizeAttr(attrs['steps']);
  if (steps === null) return err('badAttribute', { name: 'steps', value: String(attrs['steps']) }, 'steps');
  const time = str(attrs['time'], 'T');
  const to = str(attrs['to'], 'F');
  const batch = h.axes.filter((a) => a.name !== L && a.name !== d.name);
  for (const [name, arg] of [[time, 'time'], [to, 'to']] as const) {
    if (batch.some((a) => a.name === name)) return err('duplicateAxis', { axis: name }, 'h0', arg);
  }
  if (time === to) return err('duplicateAxis', { axis: to }, 'to');
  return t('f32', [...batch, { name: time, size: steps }, { name: to, size: out }]);
}

/** gru_decode's parameters: nn.GRU's per layer (input size `out` for layer 0, D above) and a readout [out, D]. */
function gruDecodeParams(ins: Inputs, attrs: Attrs): ParamSpec[] {
  const h = ins['h0']!;
  const D = sized(featureAxis(h, attrs)!.size);
  const lAx = axisOf(h, str(attrs['layer_axis'], 'L'))!;
  const layers = typeof lAx.size === 'number' ? lAx.size : num(attrs['layers'], -1);
  const F = num(attrs['out'], -1);
  // an unknown layer count (a generic check run as is) leaves one unsized parameter: the executor reports it
  if (!(layers >= 1)) return [{ name: 'weight_ih_l0', shape: [-1], init: 'rnn_uniform', fanIn: D }];
  const ps: ParamSpec[] = [];
  for (let k = 0; k < layers; k++) {
    ps.push({ name: `weight_ih_l${k}`, shape: [3 * D, k === 0 ? F : D], init: 'rnn_uniform', fanIn: D });
    ps.push({ name: `weight_hh_l${k}`, shape: [3 * D, D], init: 'rnn_uniform', fanIn: D });
    ps.push({ name: `bias_ih_l${k}`, shape: [3 * D], init: 'rnn_uniform', fanIn: D });
    ps.push({ name: `bias_hh_l${k}`, shape: [3 * D], init: 'rnn_uniform', fanIn: D });
  }
  ps.push({ name: 'out_weight', shape: [F, D], init: 'uniform_fan_in', fanIn: D });
  ps.push({ name: 'out_bias', shape: [F], init: 'uniform_fan_in', fanIn: D });
  return ps;
}

export const nnOps: OpDef[] = [
  {
    name: 'dense',
    family: 'nn',
    doc: 'an affine map of the feature axis (`over`, default last) to `units` entries',
    kind: 'layer',
    args: [
      { name: 'units', kind: 'int' },
      OPT_OVER,
      OPT_TO,
      { name: 'bias', kind: 'bool', optional: true, default: true },
      {
        name: 'init',
        kind: 'string',
        optional: true,
        default: 'uniform_fan_in',
        choices: ['uniform_fan_in', 'xavier_uniform', 'kaiming_normal', 'normal', 'zeros'],
      },
    ],
    inputs: [{ name: 'x', kind: 'tensor' }],
    shape: denseShape,
    params: (ins, attrs) => {
      const x = ins['x']!;
      const f = featureAxis(x, attrs)!;
      const units = num(attrs['units']);
      const init = str(attrs['init'], 'uniform_fan_in') as ParamSpec['init'];
      const ps: ParamSpec[] = [{ name: 'weight', shape: [sized(f.size), units], init }];
      if (attrs['bias'] !== false) {
        ps.push(init === 'uniform_fan_in' ? { name: 'bias', shape: [units], init, fanIn: sized(f.size) } : { name: 'bias', shape: [units], init: 'zeros' });
      }
      return ps;
    },
  },
  rnn('gru', 3, 'a multi-layer GRU over the time axis (PyTorch gate formulas); output seq, final (every layer) or last'),
  rnn('lstm', 4, 'a multi-layer LSTM over the time axis (PyTorch gate formulas); output seq, final (every layer) or last'),
  {
    name: 'gru_decode',
    family: 'nn',
    doc:
      'an autoregressive multi-layer GRU decoder with output feedback: h0 gives each layer\'s initial state; y₀ = 0, and for t = 1..steps layer 0 reads y_{t−1}, layer l > 0 reads layer l−1\'s new state, y_t = out_weight·h_top + out_bias; output [..., time, to] (no teacher forcing)',
    kind: 'layer',
    args: [
      { name: 'out', kind: 'int', doc: 'the size of each step\'s output (and of the fed-back input)' },
      { name: 'steps', kind: 'int', doc: 'the number of steps decoded' },
      { name: 'time', kind: 'axis', optional: true, default: 'T', doc: 'the new time axis' },
      { name: 'to', kind: 'axis', optional: true, doc: 'the output feature axis (default F, or the name written for `out`)' },
      { name: 'layers', kind: 'int', optional: true, doc: 'the layer count, when stated: must equal the size of the layer axis' },
      { name: 'layer_axis', kind: 'axis', optional: true, default: 'L' },
      { name: 'over', kind: 'axis', optional: true, doc: 'the hidden axis of h0 (default last)' },
    ],
    inputs: [{ name: 'h0', kind: 'tensor' }],
    shape: gruDecodeShape,
    params: gruDecodeParams,
  },
  {
    name: 'layer_norm',
    family: 'nn',
    doc: 'normalise over the named axis, then scale and shift (learned)',
    kind: 'layer',
    args: [
      { name: 'over', kind: 'axis', optional: true },
      { name: 'eps', kind: 'float', optional: true, default: 1e-5 },
    ],
    inputs: [{ name: 'x', kind: 'tensor' }],
    shape: ({ x }, attrs) => (featureAxis(x!, attrs) ? t('f32', x!.axes) : err('missingAxis', { axis: str(attrs['over']), type: names(x!) }, 'x')),
    params: ({ x }, attrs) => {
      const n = sized(featureAxis(x!, attrs)!.size);
      return [
        { name: 'weight', shape: [n], init: 'ones' },
        { name: 'bias', shape: [n], init: 'zeros' },
      ];
    },
  },
  {
    name: 'batch_norm',
    family: 'nn',
    doc: 'normalise each feature over the batch axis with batch statistics (training) or running statistics (evaluation)',
    kind: 'layer',
    args: [
      { name: 'batch', kind: 'axis', optional: true, default: 'N' },
      { name: 'over', kind: 'axis', optional: true, doc: 'the feature axis (default last)' },
      { name: 'eps', kind: 'float', optional: true, default: 1e-5 },
      { name: 'momentum', kind: 'float', optional: true, default: 0.1 },
    ],
    inputs: [{ name: 'x', kind: 'tensor' }],
    shape: ({ x }, attrs) => {
      const b = str(attrs['batch'], 'N');
      if (!axisOf(x!, b)) return err('missingAxis', { axis: b, type: names(x!) }, 'x');
      return t('f32', x!.axes);
    },
    params: ({ x }, attrs) => {
      const n = sized(featureAxis(x!, attrs)!.size);
      return [
        { name: 'weight', shape: [n], init: 'ones' },
        { name: 'bias', shape: [n], init: 'zeros' },
        { name: 'running_mean', shape: [n], init: 'zeros', state: true },
        { name: 'running_var', shape: [n], init: 'ones', state: true },
      ];
    },
    modal: true,
  },
  {
    name: 'conv1d',
    family: 'nn',
    doc: 'a 1-D convolution along the time axis; channels map the feature axis',
    kind: 'layer',
    args: [
      { name: 'channels', kind: 'int' },
      { name: 'kernel', kind: 'int' },
      { name: 'over', kind: 'axis', optional: true, default: 'T' },
      { name: 'padding', kind: 'string', optional: true, default: 'same', choices: ['same', 'valid', 'causal'] },
      OPT_TO,
    ],
    inputs: [{ name: 'x', kind: 'tensor' }],
    shape: ({ x }, attrs) => {
      const time = str(attrs['over'], 'T');
      const tAx = axisOf(x!, time);
      if (!tAx) return err('missingAxis', { axis: time, type: names(x!) }, 'x');
      const f = x!.axes[x!.axes.length - 1]!;
      if (f.name === time) return err('rnnNeedsFeatures', { type: names(x!), time }, 'x');
      const k = num(attrs['kernel']);
      const tSize =
        str(attrs['padding'], 'same') === 'valid' ? (typeof tAx.size === 'number' ? tAx.size - k + 1 : `${time}-${k - 1}`) : tAx.size;
      const to = str(attrs['to'], f.name);
      return t(
        'f32',
        x!.axes.map((a) => (a.name === time ? { name: time, size: tSize } : a.name === f.name ? { name: to, size: sizeAttr(attrs['channels']) ?? 1 } : a)),
      );
    },
    params: ({ x }, attrs) => {
      const cin = sized(x!.axes[x!.axes.length - 1]!.size);
      const c = num(attrs['channels']);
      return [
        { name: 'weight', shape: [num(attrs['kernel']), cin, c], init: 'uniform_fan_in' },
        { name: 'bias', shape: [c], init: 'uniform_fan_in', fanIn: num(attrs['kernel']) * cin },
      ];
    },
  },
  {
    name: 'embedding',
    family: 'nn',
    doc: 'look up integer ids in a learned table; adds a last axis `to` of `dim` entries',
    kind: 'layer',
    args: [
      { name: 'vocab', kind: 'int' },
      { name: 'dim', kind: 'int' },
      { name: 'to', kind: 'axis', optional: true, default: 'E' },
    ],
    inputs: [{ name: 'ids', kind: 'tensor' }],
    shape: ({ ids }, attrs) => {
      const to = str(attrs['to'], 'E');
      if (axisOf(ids!, to)) return err('duplicateAxis', { axis: to }, 'to');
      return t('f32', [...ids!.axes, { name: to, size: sizeAttr(attrs['dim']) ?? 1 }]);
    },
    params: (_ins, attrs) => [{ name: 'weight', shape: [num(attrs['vocab']), num(attrs['dim'])], init: 'normal' }],
  },
  {
    name: 'dropout',
    family: 'nn',
    doc: 'zero each entry with probability p in training (scaling the rest by 1/(1-p)); identity in evaluation',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'p', kind: 'float' },
    ],
    shape: ({ x }, attrs) => (num(attrs['p']) < 0 || num(attrs['p']) >= 1 ? err('badAttribute', { name: 'p', value: String(attrs['p']) }, 'p') : x!),
    stochastic: true,
    modal: true,
  },
  {
    name: 'positional_encoding',
    family: 'nn',
    doc: 'add the sinusoidal position encoding along the time axis to the feature axis (last)',
    kind: 'function',
    args: [
      { name: 'x', kind: 'tensor' },
      { name: 'over', kind: 'axis', optional: true, default: 'T' },
    ],
    shape: ({ x }, attrs) => {
      const time = str(attrs['over'], 'T');
      if (!axisOf(x!, time)) return err('missingAxis', { axis: time, type: names(x!) }, 'x');
      return t('f32', x!.axes);
    },
  },
];
