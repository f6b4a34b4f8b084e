// How a primitive op is declared: its arguments, its shape rule, its
// parameters (for layers) and its flags. The registry (registry.ts) lists every
// op once; the checker calls the shape rules, the IR verifier re-runs them, and
// the runtime attaches a kernel to each name.
//
// Shape rules are pure functions of the input tensor types and attributes.
// They return a type, or a ShapeError naming the arguments to blame; the
// checker turns that into a diagnostic with the blamed arguments' spans.

import type { CodeKey } from '../diagnostics/codes.js';
import type { Attrs, AttrValue, Axis, DType, Size, TensorType } from '../ir/types.js';

/**
 * Argument kinds:
 * - tensor / tensors (variadic positional tensors, e.g. concat(a, b, c, over: H))
 * - axis: a dim name (`over: T`); axes: one name or a tuple of names (`over: (B, K)`)
 * - renames: named arguments mapping axis → new axis name (`rename(x, N: J)`)
 * - int, float (any number), bool, string, ints (list of ints), any (JSON value)
 */
export type ArgKind =
  | 'tensor'
  | 'tensors'
  | 'axis'
  | 'axes'
  | 'renames'
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'ints'
  | 'any';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  optional?: boolean;
  default?: AttrValue;
  /** For strings: the values allowed. */
  choices?: string[];
  doc?: string;
}

export interface ShapeError {
  error: CodeKey;
  params: Record<string, string | number>;
  /** Argument names whose spans the diagnostic points at (first = primary). */
  blame: string[];
}

export type Inputs = { [name: string]: TensorType };
export type ShapeResult = TensorType | ShapeError;

export interface ParamSpec {
  /** Local name, e.g. 'weight' or 'weight_ih_l0'; the full path is `${path}.${name}`. */
  name: string;
  shape: number[];
  init: 'zeros' | 'ones' | 'xavier_uniform' | 'kaiming_normal' | 'normal' | 'rnn_uniform' | 'uniform_fan_in';
  /** Non-trainable state (batch-norm running statistics). */
  state?: boolean;
  /**
   * The fan-in that sets a uniform init's bound 1/√fanIn when the shape alone
   * does not tell it: a bias takes its weight's fan-in (uniform_fan_in), and
   * every RNN parameter the hidden size H (rnn_uniform). See runtime/ops/init.ts.
   */
  fanIn?: number;
}

export type OpFamily =
  | 'elementwise'
  | 'reduce'
  | 'shape'
  | 'linalg'
  | 'nn'
  | 'cross-section'
  | 'special'
  | 'loss'
  | 'state';

export interface OpDef {
  name: string;
  family: OpFamily;
  doc: string;
  /** A function takes all its arguments in one call; a layer is constructed, then applied. */
  kind: 'function' | 'layer';
  /** Functions: every argument. Layers: the constructor's (non-tensor) arguments. */
  args: ArgSpec[];
  /** Layers only: the tensor arguments of the application. */
  inputs?: ArgSpec[];
  shape: (ins: Inputs, attrs: Attrs) => ShapeResult;
  /** Layers: their parameters, given the (concrete) input types and attributes. */
  params?: (ins: Inputs, attrs: Attrs) => ParamSpec[];
  /** Draws random numbers (dropout, gumbel): never merged by CSE. */
  stochastic?: boolean;
  /** Has an effect besides its value (memory writes): never removed by DCE. */
  effect?: boolean;
  /** Behaves differently in training and evaluation (dropout, batch norm). */
  modal?: boolean;
}

// ── Helpers for shape rules ─────────────────────────────────────────────────

export function isShapeError(r: ShapeResult | unknown): r is ShapeError {
  return typeof r === 'object' && r !== null && 'error' in r;
}

export function err(error: CodeKey, params: Record<string, string | number>, ...blame: string[]): ShapeError {
  return { error, params, blame };
}

export function t(dtype: DType, axes: Axis[]): TensorType {
  return { kind: 'tensor', dtype, axes };
}

export function axisOf(x: TensorType, name: string): Axis | undefined {
  return x.axes.find((a) => a.name === name);
}

export function names(x: TensorType): string {
  return x.axes.length ? x.axes.map((a) => a.name).join(', ') : '(scalar)';
}

export function attrAxes(v: AttrValue | undefined): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String);
  return [String(v)];
}

export function num(v: AttrValue | undefined, fallback = 0): number {
  return typeof v === 'number' ? v : fallback;
}

export function str(v: AttrValue | undefined, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

/** Sizes agree unless both are known numbers that differ. The result prefers a known size. */
export function unifySize(a: Size, b: Size): Size | null {
  if (typeof a === 'number' && typeof b === 'number') return a === b ? a : null;
  if (typeof a === 'number') return a;
  return b;
}

export function numericResult(a: DType, b: DType): DType {
  return a === 'f32' || b === 'f32' ? 'f32' : a === 'bool' && b === 'bool' ? 'bool' : 'i32';
}

/**
 * Align two operands by axis name: one operand's axes must be a subset of the
 * other's; the result takes the larger operand's axis order. Equal sets take
 * the left operand's order.
 */
export function broadcast(
  a: TensorType,
  b: TensorType,
  dtype: DType,
  aName = 'left',
  bName = 'right',
): ShapeResult {
  const aHas = new Set(a.axes.map((x) => x.name));
  const bHas = new Set(b.axes.map((x) => x.name));
  const aOnly = a.axes.filter((x) => !bHas.has(x.name));
  const bOnly = b.axes.filter((x) => !aHas.has(x.name));
  if (aOnly.length && bOnly.length) {
    return err('axisMismatch', { a: aOnly[0]!.name, b: bOnly[0]!.name }, aName, bName);
  }
  const base = bOnly.length ? b : a;
  const other = base === a ? b : a;
  const axes: Axis[] = [];
  for (const ax of base.axes) {
    const o = axisOf(other, ax.name);
    if (!o) {
      axes.push(ax);
      continue;
    }
    const size = unifySize(ax.size, o.size);
    if (size === null) {
      return err('sizeMismatch', { axis: ax.name, a: String(ax.size), b: String(o.size) }, aName, bName);
    }
    axes.push({ name: ax.name, size });
  }
  return t(dtype, axes);
}

/** The axis must exist on x; returns an error blaming `argName` otherwise. */
export function needAxis(x: TensorType, axis: string, argName: string, axisArg = 'over'): ShapeError | null {
  if (axisOf(x, axis)) return null;
  return err('missingAxis', { axis, type: names(x) }, axisArg, argName);
}

export function dropAxes(x: TensorType, drop: string[], dtype: DType = x.dtype): TensorType {
  return t(dtype, x.axes.filter((a) => !drop.includes(a.name)));
}

export function withDType(x: TensorType, dtype: DType): TensorType {
  return { kind: 'tensor', dtype, axes: x.axes };
}

export function sizeProduct(sizes: Size[]): Size {
  if (sizes.every((s) => typeof s === 'number')) return (sizes as number[]).reduce((p, s) => p * s, 1);
  return sizes.map(String).join('*');
}

export function sizeSum(sizes: Size[]): Size {
  if (sizes.every((s) => typeof s === 'number')) return (sizes as number[]).reduce((p, s) => p + s, 0);
  return sizes.map(String).join('+');
}

/** A known size for a parameter shape; symbolic sizes cannot size parameters. */
export function concreteSize(s: Size | undefined): number {
  return typeof s === 'number' ? s : -1;
}

export function lastAxis(x: TensorType): Axis | undefined {
  return x.axes[x.axes.length - 1];
}
