// The IR: the contract between the compiler and the runtime.
//
// A Program is a set of SSA functions. Every node has an op name (from
// compiler/ops/registry.ts, or one of the structural ops below), named tensor
// inputs, JSON attributes, and an output type with named axes.
//
// Structural ops (not in the registry):
//   input   attrs {name}             a function parameter
//   const   attrs {value}            a scalar constant (dtype from its type)
//   call    attrs {fn, prefix}       calls another function; inputs named by its params;
//                                    layer parameter paths inside get `prefix.` prepended
//   get     attrs {field}            projects a field from a record-typed value
//   record  inputs named by field    builds a record (function results with several fields)
//
// Invariants (checked by verify.ts):
// - node ids are unique within a function and every input refers to an earlier node;
// - the node's type is what the op's shape rule gives for its input types and attrs;
// - axis names are unique within a tensor type;
// - the whole Program is plain JSON.

export type DType = 'f32' | 'i32' | 'bool';

/** A size: a known integer, or a symbol (e.g. 'N': the stocks of one day). */
export type Size = number | string;

export interface Axis {
  name: string;
  size: Size;
}

export interface TensorType {
  kind: 'tensor';
  dtype: DType;
  axes: Axis[];
}

export interface RecordType {
  kind: 'record';
  fields: { name: string; type: Type }[];
}

export type Type = TensorType | RecordType;

export type AttrValue = number | string | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attrs = { [k: string]: AttrValue };

export interface SourceRef {
  file: string;
  start: number;
  end: number;
}

export interface Node {
  id: number;
  op: string;
  /** Tensor inputs by name, in the op signature's order. */
  inputs: { [name: string]: number };
  attrs: Attrs;
  type: Type;
  /** Where in the source this node came from (for runtime errors); optional. */
  src?: SourceRef;
}

export interface Param {
  name: string;
  type: Type;
}

export interface Func {
  name: string;
  params: Param[];
  /** Topological order: every input id appears earlier. */
  nodes: Node[];
  /** The node whose value the function returns (a record node for several results). */
  result: number;
}

export interface Program {
  /** Functions by name; `entry` names the ones the runtime runs (e.g. 'model', 'loss'). */
  functions: { [name: string]: Func };
  entries: string[];
}

// ── Type helpers ────────────────────────────────────────────────────────────

export function tensor(dtype: DType, axes: Axis[]): TensorType {
  return { kind: 'tensor', dtype, axes };
}

export const scalarF32: TensorType = { kind: 'tensor', dtype: 'f32', axes: [] };

export function axisNames(t: TensorType): string[] {
  return t.axes.map((a) => a.name);
}

export function findAxis(t: TensorType, name: string): Axis | undefined {
  return t.axes.find((a) => a.name === name);
}

export function hasAxis(t: TensorType, name: string): boolean {
  return t.axes.some((a) => a.name === name);
}

export function sizeText(s: Size): string {
  return typeof s === 'number' ? String(s) : s;
}

/** `f32[N, T=60, F=6]`: a size is shown when known or when it differs from the axis name. */
export function typeText(t: Type): string {
  if (t.kind === 'record') return `(${t.fields.map((f) => `${f.name}: ${typeText(f.type)}`).join(', ')})`;
  const axes = t.axes.map((a) => (a.size === a.name ? a.name : `${a.name}=${sizeText(a.size)}`));
  return axes.length ? `${t.dtype}[${axes.join(', ')}]` : t.dtype;
}

export function sameSize(a: Size, b: Size): boolean {
  return a === b;
}

export function typeEquals(a: Type, b: Type): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function nodeById(f: Func): Map<number, Node> {
  const m = new Map<number, Node>();
  for (const n of f.nodes) m.set(n.id, n);
  return m;
}

export function cloneProgram(p: Program): Program {
  return JSON.parse(JSON.stringify(p)) as Program;
}
