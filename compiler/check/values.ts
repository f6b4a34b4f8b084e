// Compile-time values: what an expression evaluates to while the checker
// elaborates a program. Tensors are SSA values in the IR function being built;
// everything else (numbers, axes, layers, partially applied models, records of
// tensors) is known at compile time and never reaches the runtime.
//
// `poison` is the value of an expression that already produced a diagnostic:
// every operation on it yields poison silently, so one mistake is reported once.

import type { Decl, Expr, Param } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Attrs, Size, TensorType } from '../ir/types.js';
import { typeText } from '../ir/types.js';
import type { OpDef } from '../ops/spec.js';
import type { FnBuilder } from './builder.js';
import type { ModuleInfo } from '../resolve.js';

export type ModelDeclNode = Extract<Decl, { kind: 'ModelDecl' | 'LossDecl' }>;

export type Value =
  | { k: 'poison' }
  | { k: 'tensor'; id: number; type: TensorType; fn: FnBuilder }
  | { k: 'record'; fields: [string, Value][] }
  | { k: 'tuple'; items: Value[] }
  | { k: 'list'; items: Value[] }
  | { k: 'num'; v: number; int: boolean }
  /** An integer known only by name (a hyper-parameter without a value, checked generically). */
  | { k: 'sym'; name: string }
  | { k: 'bool'; v: boolean }
  | { k: 'str'; v: string }
  | { k: 'date'; v: string }
  | { k: 'range'; from: Value; to: Value }
  | { k: 'axis'; name: string; size: Size }
  | { k: 'op'; op: OpDef }
  | { k: 'layer'; op: OpDef; attrs: Attrs; path: string; span: Span }
  | { k: 'model'; decl: ModelDeclNode; module: ModuleInfo; bound: Map<string, BoundArg>; path?: string }
  /** A reference to a declaration that is not a value in expressions (data, features, graph, ...). */
  | { k: 'decl'; decl: Decl; module: ModuleInfo }
  /** `stack(n, block)`: n copies of a block applied in sequence. */
  | { k: 'stack'; n: number; block: Value; path: string }
  /** An imported module used as a namespace (`losses.ic_loss`). */
  | { k: 'ns'; module: ModuleInfo }
  | { k: 'tagged'; tag: string; text: string; span: Span; contentStart: number }
  /** A builtin known only in settings contexts, e.g. `adam`, `ic`, `valid.ic`. */
  | { k: 'builtin'; name: string; span: Span }
  /** A call of a settings builtin: `adam(lr: 1e-3)`. */
  | { k: 'bcall'; name: string; args: { name?: string; value: Value; span: Span }[]; span: Span };

export interface BoundArg {
  value: Value;
  span: Span;
  /** The identifier the argument was written as, if it was a bare name (names output axes). */
  nameHint?: string;
}

export const POISON: Value = { k: 'poison' };

export function num(v: number, int = Number.isInteger(v)): Value {
  return { k: 'num', v, int };
}

/** A short description of a value's kind, for messages ("a model", "Float[N, H]"). */
export function describe(v: Value): string {
  switch (v.k) {
    case 'poison':
      return 'an erroneous value';
    case 'tensor':
      return tensorText(v.type);
    case 'record':
      return `a record (${v.fields.map(([n]) => n).join(', ')})`;
    case 'tuple':
      return `a tuple of ${v.items.length}`;
    case 'list':
      return 'a list';
    case 'num':
      return v.int ? 'an Int' : 'a Float';
    case 'sym':
      return 'an Int';
    case 'bool':
      return 'a Bool';
    case 'str':
      return 'a String';
    case 'date':
      return 'a Date';
    case 'range':
      return 'a range';
    case 'axis':
      return `the axis ${v.name}`;
    case 'op':
      return v.op.kind === 'layer' ? `the layer ${v.op.name}` : `the function ${v.op.name}`;
    case 'layer':
      return `a ${v.op.name} layer`;
    case 'model':
      return `${v.decl.kind === 'LossDecl' ? 'the loss' : 'the model'} ${v.decl.name.name}`;
    case 'decl':
      return `${declKindText(v.decl)} ${'name' in v.decl ? (v.decl.name as { name: string }).name : ''}`.trim();
    case 'tagged':
      return `a ${v.tag} string`;
    case 'stack':
      return `a stack of ${v.n} ${describe(v.block)}`;
    case 'ns':
      return `the module ${v.module.file.split('/').pop() ?? ''}`;
    case 'builtin':
      return v.name;
    case 'bcall':
      return `${v.name}(...)`;
  }
}

export function declKindText(d: Decl): string {
  switch (d.kind) {
    case 'DataDecl':
      return 'the data source';
    case 'FeaturesDecl':
      return 'the feature set';
    case 'GraphDecl':
      return 'the graph';
    case 'MemoryDecl':
      return 'the memory';
    case 'ScheduleDecl':
      return 'the schedule';
    case 'EnvDecl':
      return 'the environment';
    case 'TrainDecl':
      return 'the train block';
    case 'StrategyDecl':
      return 'the strategy';
    case 'ModelDecl':
      return 'the model';
    case 'LossDecl':
      return 'the loss';
    default:
      return 'the declaration';
  }
}

/** Source-style tensor type: `Float[N, T=60, F=6]`. */
export function tensorText(t: TensorType): string {
  const el = t.dtype === 'f32' ? 'Float' : t.dtype === 'i32' ? 'Int' : 'Bool';
  const s = typeText(t);
  const bracket = s.indexOf('[');
  return bracket < 0 ? el : el + s.slice(bracket);
}

export function isTensor(v: Value): v is Extract<Value, { k: 'tensor' }> {
  return v.k === 'tensor';
}

/** The compile-time integer of a value, if it has one (numbers, axis sizes). */
export function intOf(v: Value): number | string | undefined {
  if (v.k === 'num' && v.int) return v.v;
  if (v.k === 'sym') return v.name;
  if (v.k === 'axis') return v.size;
  return undefined;
}

/** Parameters with a tensor type (`Float[N, T]`, `Float[]`) are inputs; the rest are hyper-parameters. */
export function paramIsTensor(p: Param): boolean {
  return p.type?.kind === 'TensorType';
}

export type { Expr };
