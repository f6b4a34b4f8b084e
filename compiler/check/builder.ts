// Builds one IR function: emits nodes in order, creates inputs lazily, and
// records which implicit inputs (step, epoch) the body used so callers can
// pass them on.

import type { Span } from '../diagnostics/diagnostic.js';
import type { Attrs, Func, Node, TensorType, Type } from '../ir/types.js';

export interface FnBuilder {
  name: string;
  nodes: Node[];
  params: Func['params'];
  next: number;
  /** input name → node id */
  inputs: Map<string, number>;
  /** scalar constants already emitted (value → node id), so `1` is one node */
  consts: Map<string, number>;
}

export function newBuilder(name: string): FnBuilder {
  return { name, nodes: [], params: [], next: 0, inputs: new Map(), consts: new Map() };
}

export function emit(b: FnBuilder, op: string, inputs: Node['inputs'], attrs: Attrs, type: Type, span?: Span): number {
  const id = b.next++;
  const n: Node = { id, op, inputs, attrs, type };
  if (span) n.src = { file: span.file, start: span.start, end: span.end };
  b.nodes.push(n);
  return id;
}

/** The input node for parameter `name` (created on first use). */
export function input(b: FnBuilder, name: string, type: Type): number {
  const have = b.inputs.get(name);
  if (have !== undefined) return have;
  b.params.push({ name, type });
  const id = emit(b, 'input', {}, { name }, type);
  b.inputs.set(name, id);
  return id;
}

export function constant(b: FnBuilder, value: number | boolean, dtype: 'f32' | 'i32' | 'bool'): number {
  const key = `${dtype}:${String(value)}`;
  const have = b.consts.get(key);
  if (have !== undefined) return have;
  const type: TensorType = { kind: 'tensor', dtype, axes: [] };
  const id = emit(b, 'const', {}, { value }, type);
  b.consts.set(key, id);
  return id;
}

export function finish(b: FnBuilder, result: number): Func {
  return { name: b.name, params: b.params, nodes: b.nodes, result };
}
