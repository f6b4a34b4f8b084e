// Binding call arguments to an op's signature.
//
// Arguments arrive unevaluated (an AST expression) or pre-evaluated (the left
// side of a pipeline). Axis arguments are read syntactically — `over: T` names
// the axis T whether or not T is declared — everything else is evaluated and
// converted according to its ArgSpec kind. Shape rule failures become
// diagnostics pointing at the blamed arguments.

import type { Expr } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Attrs, AttrValue, TensorType } from '../ir/types.js';
import type { ArgSpec, OpDef } from '../ops/spec.js';
import { isShapeError } from '../ops/spec.js';
import { constant, emit } from './builder.js';
import { report, type Ctx, type Scope } from './context.js';
import { describe, POISON, tensorText, type Value } from './values.js';

export interface CallArg {
  name?: string;
  span: Span;
  expr?: Expr;
  value?: Value;
}

export interface Bound {
  inputs: { [name: string]: number };
  inputTypes: { [name: string]: TensorType };
  attrs: Attrs;
  spans: { [name: string]: Span };
  /** bare identifier an int argument was written as (`dense(H)` → units: 'H') */
  hints: { [name: string]: string };
}

export type Evaluate = (e: Expr, sc: Scope) => Value;

function unwrap(e: Expr): Expr {
  return e.kind === 'Paren' ? unwrap(e.expr) : e;
}

/** Axis names written in an axis position: `T`, `(B, K)`, `"T"`. */
function syntacticAxes(e: Expr | undefined): string[] | undefined {
  if (!e) return undefined;
  const u = unwrap(e);
  if (u.kind === 'Name') return [u.name];
  if (u.kind === 'String') return [u.value];
  if (u.kind === 'Tuple' || u.kind === 'List') {
    const out: string[] = [];
    for (const it of u.items) {
      const a = syntacticAxes(it);
      if (!a || a.length !== 1) return undefined;
      out.push(a[0]!);
    }
    return out;
  }
  return undefined;
}

function valueAxes(v: Value): string[] | undefined {
  if (v.k === 'axis') return [v.name];
  if (v.k === 'str') return [v.v];
  if (v.k === 'tuple' || v.k === 'list') {
    const out: string[] = [];
    for (const it of v.items) {
      const a = valueAxes(it);
      if (!a || a.length !== 1) return undefined;
      out.push(a[0]!);
    }
    return out;
  }
  return undefined;
}

export function toAttr(v: Value): AttrValue | undefined {
  switch (v.k) {
    case 'num':
      return v.v;
    case 'bool':
      return v.v;
    case 'str':
      return v.v;
    case 'date':
      return v.v;
    case 'axis':
      return v.name;
    case 'sym':
      return v.name;
    case 'list':
    case 'tuple': {
      const items = v.items.map(toAttr);
      return items.some((x) => x === undefined) ? undefined : (items as AttrValue[]);
    }
    case 'record': {
      const o: { [k: string]: AttrValue } = {};
      for (const [k, x] of v.fields) {
        const a = toAttr(x);
        if (a === undefined) return undefined;
        o[k] = a;
      }
      return o;
    }
    default:
      return undefined;
  }
}

/** A tensor id for a value: tensors as they are, numbers and booleans as scalar constants. */
export function asTensor(ctx: Ctx, sc: Scope, v: Value, span: Span, what: string): { id: number; type: TensorType } | undefined {
  if (v.k === 'tensor') {
    if (v.fn !== sc.fn) {
      report(ctx, 'internalError', { what: `tensor from function ${v.fn.name} used in ${sc.fn.name}` }, { span });
      return undefined;
    }
    return { id: v.id, type: v.type };
  }
  // Number literals become f32 scalars: `x * 2` scales a Float tensor.
  if (v.k === 'num') return { id: constant(sc.fn, v.v, 'f32'), type: { kind: 'tensor', dtype: 'f32', axes: [] } };
  if (v.k === 'bool') return { id: constant(sc.fn, v.v, 'bool'), type: { kind: 'tensor', dtype: 'bool', axes: [] } };
  if (v.k === 'poison') return undefined;
  if (v.k === 'decl' && sc.hooks.coerce) {
    const c = sc.hooks.coerce(v, span, sc);
    if (c) return asTensor(ctx, sc, c, span, what);
  }
  if (v.k === 'sym') {
    report(ctx, 'notCompileTime', { what: `${v.name} (used as a value)` }, { span });
    return undefined;
  }
  report(ctx, 'notATensor', { what: `${what} (${describe(v)})` }, { span });
  return undefined;
}

function convert(ctx: Ctx, sc: Scope, ev: Evaluate, spec: ArgSpec, arg: CallArg, out: Bound, opName: string): boolean {
  out.spans[spec.name] = arg.span;
  const evalArg = (): Value => arg.value ?? ev(arg.expr!, sc);
  switch (spec.kind) {
    case 'tensor': {
      const t = asTensor(ctx, sc, evalArg(), arg.span, `argument ${spec.name} of ${opName}`);
      if (!t) return false;
      out.inputs[spec.name] = t.id;
      out.inputTypes[spec.name] = t.type;
      return true;
    }
    case 'axis':
    case 'axes': {
      let names = arg.value ? valueAxes(arg.value) : syntacticAxes(arg.expr);
      if (!names && arg.expr) {
        const v = ev(arg.expr, sc);
        if (v.k === 'poison') return false;
        names = valueAxes(v);
      }
      if (!names || (spec.kind === 'axis' && names.length !== 1)) {
        report(ctx, 'typeMismatch', { expected: spec.kind === 'axis' ? 'an axis name' : 'an axis or a tuple of axes', found: 'another value' }, { span: arg.span });
        return false;
      }
      out.attrs[spec.name] = spec.kind === 'axis' ? names[0]! : names.length === 1 ? names[0]! : names;
      return true;
    }
    case 'int': {
      const v = evalArg();
      if (v.k === 'poison') return false;
      const e = arg.expr && unwrap(arg.expr);
      if (e?.kind === 'Name') out.hints[spec.name] = e.name;
      if (v.k === 'num' && v.int) out.attrs[spec.name] = v.v;
      else if (v.k === 'axis') out.attrs[spec.name] = v.size;
      else if (v.k === 'sym') out.attrs[spec.name] = v.name;
      else {
        report(ctx, 'typeMismatch', { expected: `an Int for ${spec.name}`, found: describe(v) }, { span: arg.span });
        return false;
      }
      return true;
    }
    case 'float': {
      const v = evalArg();
      if (v.k === 'poison') return false;
      if (v.k === 'num') out.attrs[spec.name] = v.v;
      else {
        report(ctx, 'typeMismatch', { expected: `a number for ${spec.name}`, found: describe(v) }, { span: arg.span });
        return false;
      }
      return true;
    }
    case 'bool': {
      const v = evalArg();
      if (v.k === 'poison') return false;
      if (v.k !== 'bool') {
        report(ctx, 'typeMismatch', { expected: `a Bool for ${spec.name}`, found: describe(v) }, { span: arg.span });
        return false;
      }
      out.attrs[spec.name] = v.v;
      return true;
    }
    case 'string': {
      const v = evalArg();
      if (v.k === 'poison') return false;
      if (v.k !== 'str') {
        report(ctx, 'typeMismatch', { expected: `a String for ${spec.name}`, found: describe(v) }, { span: arg.span });
        return false;
      }
      if (spec.choices && !spec.choices.includes(v.v)) {
        report(ctx, 'badAttribute', { name: spec.name, value: JSON.stringify(v.v) }, { span: arg.span, hints: [`one of: ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}`] });
        return false;
      }
      out.attrs[spec.name] = v.v;
      return true;
    }
    case 'ints':
    case 'any': {
      const v = evalArg();
      if (v.k === 'poison') return false;
      const a = toAttr(v);
      if (a === undefined || (spec.kind === 'ints' && !(Array.isArray(a) && a.every((x) => typeof x === 'number')))) {
        report(ctx, 'typeMismatch', { expected: spec.kind === 'ints' ? 'a list of Ints' : 'a compile-time value', found: describe(v) }, { span: arg.span });
        return false;
      }
      out.attrs[spec.name] = a;
      return true;
    }
    case 'tensors':
    case 'renames':
      return true;
  }
}

/**
 * Bind arguments to specs. Returns undefined (after reporting) on failure.
 * `specs` is the op's args (functions), constructor args or application inputs (layers).
 */
export function bindArgs(ctx: Ctx, sc: Scope, ev: Evaluate, opName: string, specs: ArgSpec[], args: CallArg[], callSpan: Span): Bound | undefined {
  const out: Bound = { inputs: {}, inputTypes: {}, attrs: {}, spans: {}, hints: {} };
  const positional = args.filter((a) => a.name === undefined);
  const named = args.filter((a) => a.name !== undefined);
  const variadic = specs.find((s) => s.kind === 'tensors');
  const renames = specs.find((s) => s.kind === 'renames');
  const slots = specs.filter((s) => s.kind !== 'renames' && s.kind !== 'tensors');
  const given = new Map<string, CallArg>();
  let ok = true;
  if (variadic) {
    const xs = positional.slice(0);
    xs.forEach((a, i) => {
      const t = asTensor(ctx, sc, a.value ?? ev(a.expr!, sc), a.span, `argument ${i + 1} of ${opName}`);
      if (!t) {
        ok = false;
        return;
      }
      out.inputs[String(i)] = t.id;
      out.inputTypes[String(i)] = t.type;
      out.spans[String(i)] = a.span;
    });
  } else {
    const posSlots = slots;
    if (positional.length > posSlots.length) {
      report(ctx, 'tooManyArguments', { op: opName, max: posSlots.length }, { span: positional[posSlots.length]!.span });
      return undefined;
    }
    positional.forEach((a, i) => given.set(posSlots[i]!.name, a));
  }
  const renameMap: { [k: string]: AttrValue } = {};
  for (const a of named) {
    const spec = specs.find((s) => s.name === a.name && s.kind !== 'renames');
    if (!spec) {
      if (renames) {
        const to = syntacticAxes(a.expr) ?? (a.value ? valueAxes(a.value) : undefined);
        if (!to || to.length !== 1) {
          report(ctx, 'typeMismatch', { expected: 'an axis name', found: 'another value' }, { span: a.span });
          ok = false;
        } else renameMap[a.name!] = to[0]!;
        out.spans[a.name!] = a.span;
        continue;
      }
      report(ctx, 'unknownArgument', { name: a.name!, op: opName, known: specs.map((s) => s.name).join(', ') }, { span: a.span });
      ok = false;
      continue;
    }
    if (given.has(spec.name)) {
      report(ctx, 'duplicateNamedArgument', { name: spec.name }, { span: a.span });
      ok = false;
      continue;
    }
    given.set(spec.name, a);
  }
  if (renames) out.attrs[renames.name] = renameMap;
  for (const spec of slots) {
    const a = given.get(spec.name);
    if (!a) {
      if (spec.optional) {
        if (spec.default !== undefined) out.attrs[spec.name] = spec.default;
        continue;
      }
      report(ctx, 'missingArgument', { name: spec.name, op: opName }, { span: callSpan });
      ok = false;
      continue;
    }
    if (!convert(ctx, sc, ev, spec, a, out, opName)) ok = false;
  }
  return ok ? out : undefined;
}

/**
 * Run the op's shape rule and emit the node; shape errors become diagnostics
 * on the blamed arguments. `whole`: point at the whole expression (binary
 * operators) and show each blamed operand, with its type, as related.
 */
export function emitOp(ctx: Ctx, sc: Scope, op: OpDef, b: Bound, callSpan: Span, extraAttrs: Attrs = {}, whole = false): Value {
  const attrs = { ...b.attrs, ...extraAttrs };
  const r = op.shape(b.inputTypes, attrs);
  if (isShapeError(r)) {
    const blamed = r.blame.map((n) => ({ name: n, span: b.spans[n] })).filter((x): x is { name: string; span: Span } => x.span !== undefined);
    const label = (n: string) => {
      const t = b.inputTypes[n];
      return t ? `this is ${tensorText(t)}` : `argument ${n} of ${op.name}`;
    };
    const primary = whole ? callSpan : (blamed[0]?.span ?? callSpan);
    const related = (whole ? blamed : blamed.slice(1)).map((x) => ({ span: x.span, message: label(x.name) }));
    report(ctx, r.error, r.params as never, { span: primary, related });
    return POISON;
  }
  const id = emit(sc.fn, op.name, b.inputs, attrs, r, callSpan);
  return { k: 'tensor', id, type: r, fn: sc.fn };
}
