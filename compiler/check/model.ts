// Models and losses: argument binding (with partial application), axis
// matching at call sites, instantiation into IR functions, and body
// elaboration.
//
// A model call is monomorphised: each distinct (model, hyper-parameters,
// input types) gets one IR function written in the model's own axis names.
// The caller renames its axes into the callee's (explicit `rename` nodes) and
// back after the `call`. Axis matching pairs axes by name first, then by
// position; a callee axis must meet one caller axis (else "axis N met axis
// M") and distinct callee axes must stay distinct.
//
// A loss is elaborated inline, in the caller's function and axis names: it
// owns no parameters, and its `write`s and schedules belong to the step.

import type { AxisSpec, Param, Stmt, TypeExpr } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { Attrs, Axis, DType, Size, TensorType, Type } from '../ir/types.js';
import { typeText } from '../ir/types.js';
import { lookupOp } from '../ops/registry.js';
import { unifySize } from '../ops/spec.js';
import type { ModuleInfo } from '../resolve.js';
import { asTensor, bindArgs, emitOp, type CallArg } from './args.js';
import { emit, finish, input, newBuilder } from './builder.js';
import { axisLabel, child, nextPath, report, type Ctx, type Scope } from './context.js';
import { evalExpr, moduleScope, SCALAR } from './expr.js';
import { describe, intOf, paramIsTensor, POISON, tensorText, type BoundArg, type ModelDeclNode, type Value } from './values.js';

type ModelValue = Extract<Value, { k: 'model' }>;

export function modelValue(decl: ModelDeclNode, module: ModuleInfo): ModelValue {
  return { k: 'model', decl, module, bound: new Map() };
}

function dtypeOf(name: string): DType {
  return name === 'Int' ? 'i32' : name === 'Bool' ? 'bool' : 'f32';
}

/**
 * Bind call arguments to a model's parameters. Positional arguments fill the
 * unbound parameters in order. Returns the (possibly partial) model value.
 * `forPipe`: a pipeline will supply the first unbound tensor input.
 */
export function bindModel(ctx: Ctx, sc: Scope, m: ModelValue, args: CallArg[], span: Span, forPipe = false): Value {
  const bound = new Map(m.bound);
  const params = m.decl.params;
  const name = m.decl.name.name;
  let ok = true;
  const positional = args.filter((a) => a.name === undefined);
  const named = args.filter((a) => a.name !== undefined);
  for (const a of named) {
    const p = params.find((q) => q.name.name === a.name);
    if (!p) {
      report(ctx, 'unknownArgument', { name: a.name!, op: name, known: params.map((q) => q.name.name).join(', ') }, { span: a.span });
      ok = false;
      continue;
    }
    if (bound.has(p.name.name)) {
      report(ctx, 'duplicateNamedArgument', { name: a.name! }, { span: a.span });
      ok = false;
      continue;
    }
    bound.set(p.name.name, evalArg(ctx, sc, a));
  }
  const free = params.filter((p) => !bound.has(p.name.name) && !(forPipe && p === firstTensor(params, bound)));
  for (let i = 0; i < positional.length; i++) {
    const p = free[i];
    if (!p) {
      report(ctx, 'tooManyArguments', { op: name, max: params.length }, { span: positional[i]!.span });
      ok = false;
      break;
    }
    bound.set(p.name.name, evalArg(ctx, sc, positional[i]!));
  }
  if (!ok) return POISON;
  const path = m.path ?? (m.decl.kind === 'ModelDecl' ? nextPath(sc, name, span) : undefined);
  const out: ModelValue = { ...m, bound };
  if (path !== undefined) out.path = path;
  void span;
  return out;
}

function firstTensor(params: Param[], bound: Map<string, BoundArg>): Param | undefined {
  return params.find((p) => !bound.has(p.name.name) && (paramIsTensor(p) || !p.type));
}

function evalArg(ctx: Ctx, sc: Scope, a: CallArg): BoundArg {
  const value = a.value ?? evalExpr(ctx, sc, a.expr!);
  const out: BoundArg = { value, span: a.span };
  const e = a.expr;
  if (e?.kind === 'Name') out.nameHint = e.name;
  return out;
}

/** Apply a model once every tensor input is bound; otherwise return it (partial application). */
export function applyModel(ctx: Ctx, sc: Scope, m: ModelValue, span: Span): Value {
  const missingTensor = m.decl.params.some((p) => paramIsTensor(p) && !m.bound.has(p.name.name));
  if (missingTensor) return m;
  if (m.decl.kind === 'LossDecl') return inlineLoss(ctx, sc, m, span);
  for (const p of m.decl.params) {
    if (!p.type && !m.bound.has(p.name.name)) return m;
  }
  return instantiate(ctx, sc, m, span);
}

// ── axis matching ────────────────────────────────────────────────────────────

interface Match {
  /** callee axis name → caller axis name */
  map: Map<string, string>;
  /** callee axis name → span of the argument that bound it */
  where: Map<string, Span>;
  /** callee hyper-parameter → size seen on a bound axis */
  sizes: Map<string, Size>;
}

function declaredSize(ctx: Ctx, sc: Scope, ax: Extract<AxisSpec, { kind: 'AxisName' }>, hyper: Map<string, Value>): Size | undefined {
  if (ax.size) {
    const v = evalExpr(ctx, sc, ax.size);
    const n = intOf(v);
    if (n === undefined) {
      report(ctx, 'typeMismatch', { expected: 'an Int size', found: describe(v) }, { span: ax.size.span });
      return undefined;
    }
    return n;
  }
  const h = hyper.get(ax.name.name);
  if (h) {
    const n = intOf(h);
    if (n !== undefined) return n;
  }
  return ctx.dimSizes.get(ax.name.name);
}

/**
 * Match a caller tensor against a declared parameter type. Returns the callee's
 * view of the argument (its axis names and sizes), or undefined after reporting.
 */
function matchParam(
  ctx: Ctx,
  sc: Scope,
  decl: Extract<TypeExpr, { kind: 'TensorType' }>,
  actual: TensorType,
  argSpan: Span,
  m: Match,
  hyper: Map<string, Value>,
  calleeName: string,
): TensorType | undefined {
  const rest = decl.axes.some((a) => a.kind === 'AxisRest');
  const named = decl.axes.filter((a): a is Extract<AxisSpec, { kind: 'AxisName' }> => a.kind === 'AxisName');
  const expectText = `${decl.name.name}[${decl.axes.map((a) => (a.kind === 'AxisRest' ? '...' : a.name.name)).join(', ')}]`;
  const twice = named.find((a, i) => named.findIndex((b) => b.name.name === a.name.name) !== i);
  if (twice) {
    report(ctx, 'duplicateAxis', { axis: twice.name.name }, { span: twice.name.span });
    return undefined;
  }
  if (rest ? actual.axes.length < named.length : actual.axes.length !== named.length) {
    report(ctx, 'typeMismatch', { expected: expectText, found: tensorText(actual) }, { span: argSpan });
    return undefined;
  }
  const pair = new Map<string, Axis>();
  const used = new Set<string>();
  for (const ax of named) {
    const same = actual.axes.find((a) => a.name === ax.name.name);
    if (same) {
      pair.set(ax.name.name, same);
      used.add(same.name);
    }
  }
  const leftover = actual.axes.filter((a) => !used.has(a.name));
  const unpaired = named.filter((a) => !pair.has(a.name.name));
  const tail = rest ? leftover.slice(leftover.length - unpaired.length) : leftover;
  unpaired.forEach((ax, i) => pair.set(ax.name.name, tail[i]!));
  const restAxes = rest ? leftover.slice(0, leftover.length - unpaired.length) : [];
  const calleeAxes: Axis[] = [];
  for (const ax of named) {
    const callee = ax.name.name;
    const got = pair.get(callee)!;
    const prev = m.map.get(callee);
    if (prev !== undefined && prev !== got.name) {
      report(ctx, 'axisMismatch', { a: prev, b: got.name }, {
        span: argSpan,
        related: [{ span: m.where.get(callee)!, message: `here ${calleeName}'s axis ${axisLabel(ctx, callee)} is ${axisLabel(ctx, prev)}` }],
        hints: [`${calleeName} expects one axis ${callee} for both arguments`],
      });
      return undefined;
    }
    for (const [other, target] of m.map) {
      if (other !== callee && target === got.name) {
        report(ctx, 'axisBoundTwice', { a: other, b: callee, callee: calleeName, target: got.name }, {
          span: argSpan,
          related: [{ span: m.where.get(other)!, message: `${other} is bound here` }],
        });
        return undefined;
      }
    }
    m.map.set(callee, got.name);
    if (!m.where.has(callee)) m.where.set(callee, argSpan);
    const want = declaredSize(ctx, sc, ax, hyper);
    let size: Size = got.size;
    if (want !== undefined) {
      const u = unifySize(want, got.size);
      if (u === null) {
        report(ctx, 'sizeMismatch', { axis: callee, a: String(want), b: String(got.size) }, {
          span: argSpan,
          hints: [`${calleeName} declares ${callee} = ${String(want)}`],
        });
        return undefined;
      }
      size = u;
    }
    if (!m.sizes.has(callee)) m.sizes.set(callee, got.size);
    calleeAxes.push({ name: callee, size });
  }
  for (const r of restAxes) {
    if (named.some((a) => a.name.name === r.name)) {
      report(ctx, 'duplicateAxis', { axis: r.name }, { span: argSpan });
      return undefined;
    }
  }
  const wantType = dtypeOf(decl.name.name);
  if (actual.dtype !== wantType && !(wantType === 'f32')) {
    report(ctx, 'typeMismatch', { expected: expectText, found: tensorText(actual) }, { span: argSpan });
    return undefined;
  }
  return { kind: 'tensor', dtype: wantType, axes: [...restAxes, ...calleeAxes] };
}

// ── hyper-parameters ─────────────────────────────────────────────────────────

function checkHyper(ctx: Ctx, p: Param, v: Value, span: Span): boolean {
  if (v.k === 'poison') return false;
  if (v.k === 'tensor') {
    report(ctx, 'notCompileTime', { what: `hyper-parameter ${p.name.name}` }, { span, hints: ['give the parameter a tensor type (e.g. Float[N]) to make it an input'] });
    return false;
  }
  const t = p.type?.kind === 'NamedType' ? p.type.name.name : undefined;
  const bad =
    (t === 'Int' && !((v.k === 'num' && v.int) || v.k === 'sym' || (v.k === 'axis' && typeof v.size === 'number'))) ||
    (t === 'Float' && v.k !== 'num' && v.k !== 'sym') ||
    (t === 'Bool' && v.k !== 'bool') ||
    (t === 'String' && v.k !== 'str') ||
    (t === 'Axis' && v.k !== 'axis');
  if (bad) {
    report(ctx, 'typeMismatch', { expected: `${t} for ${p.name.name}`, found: describe(v) }, { span });
    return false;
  }
  return true;
}

function hyperKey(v: Value): unknown {
  switch (v.k) {
    case 'num':
    case 'bool':
    case 'str':
      return v.v;
    case 'sym':
      return `sym:${v.name}`;
    case 'axis':
      return `axis:${v.name}=${String(v.size)}`;
    case 'list':
    case 'tuple':
      return v.items.map(hyperKey);
    case 'record':
      return v.fields.map(([k, x]) => [k, hyperKey(x)]);
    case 'layer':
      return `layer:${v.op.name}:${JSON.stringify(v.attrs)}:${v.path}`;
    case 'model':
      return `model:${v.decl.name.name}:${[...v.bound.entries()].map(([k, b]) => `${k}=${JSON.stringify(hyperKey(b.value))}`).join(',')}:${v.path ?? ''}`;
    default:
      return v.k;
  }
}

// ── instantiation ───────────────────────────────────────────────────────────

function instanceName(ctx: Ctx, base: string): string {
  if (!ctx.functions.has(base) && !ctx.order.includes(base)) return base;
  for (let i = 2; ; i++) if (!ctx.functions.has(`${base}_${i}`) && !ctx.order.includes(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * Rename axes by `map`; with `sized` (the callee's view of an argument), also
 * narrow every symbolic size the callee knows (a caller's K meeting `K = 3`),
 * so the call's input type equals the callee's parameter type exactly.
 */
function renameNode(ctx: Ctx, sc: Scope, id: number, type: TensorType, map: Map<string, string>, span: Span, sized?: TensorType): { id: number; type: TensorType } {
  const renames: { [k: string]: string } = {};
  const sizes: { [k: string]: number } = {};
  for (const a of type.axes) {
    const to = map.get(a.name);
    if (to !== undefined && to !== a.name) renames[a.name] = to;
    const want = sized?.axes.find((b) => b.name === (to ?? a.name))?.size;
    if (typeof want === 'number' && a.size !== want) sizes[to ?? a.name] = want;
  }
  if (Object.keys(renames).length === 0 && Object.keys(sizes).length === 0) return { id, type };
  const op = lookupOp('rename')!;
  const attrs: Attrs = Object.keys(sizes).length ? { renames, sizes } : { renames };
  const v = emitOp(ctx, sc, op, { inputs: { x: id }, inputTypes: { x: type }, attrs, spans: {}, hints: {} }, span);
  return v.k === 'tensor' ? { id: v.id, type: v.type } : { id, type };
}

/** A `permute` node when `type`'s axis order differs from `want`'s (same axis names). */
function permuteTo(ctx: Ctx, sc: Scope, id: number, type: TensorType, want: TensorType, span: Span): { id: number; type: TensorType } {
  const order = want.axes.map((a) => a.name);
  if (type.axes.every((a, i) => a.name === order[i])) return { id, type };
  const v = emitOp(ctx, sc, lookupOp('permute')!, { inputs: { x: id }, inputTypes: { x: type }, attrs: { axes: order }, spans: {}, hints: {} }, span);
  return v.k === 'tensor' ? { id: v.id, type: v.type } : { id, type };
}

function castTo(sc: Scope, id: number, type: TensorType, dtype: DType, span: Span): { id: number; type: TensorType } {
  if (type.dtype === dtype) return { id, type };
  const out: TensorType = { kind: 'tensor', dtype, axes: type.axes };
  return { id: emit(sc.fn, 'cast', { x: id }, { dtype }, out, span), type: out };
}

function instantiate(ctx: Ctx, sc: Scope, m: ModelValue, span: Span): Value {
  const decl = m.decl;
  const name = decl.name.name;
  const declKey = `${m.module.file}#${name}`;
  if (ctx.stack.includes(declKey)) return report(ctx, 'recursion', { name }, { span });
  const defScope = moduleScope(ctx, m.module, newBuilder(`defaults of ${name}`));
  const hyper = new Map<string, Value>();
  const explicit = new Set<string>();
  // Hyper-parameters first: their values size the declared axes.
  for (const p of decl.params) {
    if (paramIsTensor(p)) continue;
    const b = m.bound.get(p.name.name);
    if (b) {
      if (b.value.k === 'tensor' && !p.type) continue;
      if (!checkHyper(ctx, p, b.value, b.span)) return POISON;
      hyper.set(p.name.name, b.value);
      explicit.add(p.name.name);
    }
  }
  // Tensor inputs: match axes, collect callee-side types.
  const match: Match = { map: new Map(), where: new Map(), sizes: new Map() };
  const tensorArgs: { p: Param; id: number; type: TensorType; calleeType: TensorType; span: Span }[] = [];
  for (const p of decl.params) {
    const b = m.bound.get(p.name.name);
    const isInput = paramIsTensor(p) || (!p.type && b?.value.k === 'tensor');
    if (!isInput) continue;
    if (!b) return report(ctx, 'missingArgument', { name: p.name.name, op: name }, { span });
    const t = asTensor(ctx, sc, b.value, b.span, `argument ${p.name.name} of ${name}`);
    if (!t) return POISON;
    let calleeType: TensorType | undefined = t.type;
    if (p.type?.kind === 'TensorType') {
      calleeType = matchParam(ctx, defScope, p.type, t.type, b.span, match, hyper, name);
      if (!calleeType) return POISON;
    }
    tensorArgs.push({ p, id: t.id, type: t.type, calleeType, span: b.span });
  }
  // Remaining hyper-parameters: inferred from a bound axis of the same name, else the default.
  for (const p of decl.params) {
    if (paramIsTensor(p) || hyper.has(p.name.name) || tensorArgs.some((a) => a.p === p)) continue;
    const seen = match.sizes.get(p.name.name);
    if (seen !== undefined && typeof seen === 'number' && !p.default) {
      hyper.set(p.name.name, { k: 'num', v: seen, int: true });
      continue;
    }
    if (p.default) {
      const v = evalExpr(ctx, child(defScope, new Map(hyper)), p.default);
      if (!checkHyper(ctx, p, v, p.default.span)) return POISON;
      hyper.set(p.name.name, v);
      continue;
    }
    return report(ctx, 'missingArgument', { name: p.name.name, op: name }, { span });
  }
  // An explicit hyper-parameter must agree with an axis of the same name.
  for (const [hName, v] of hyper) {
    const seen = match.sizes.get(hName);
    const n = intOf(v);
    if (seen !== undefined && typeof seen === 'number' && typeof n === 'number' && seen !== n && explicit.has(hName)) {
      return report(ctx, 'sizeMismatch', { axis: hName, a: String(n), b: String(seen) }, { span: m.bound.get(hName)?.span ?? span });
    }
  }
  const key = JSON.stringify([declKey, [...hyper.entries()].map(([k, v]) => [k, hyperKey(v)]), tensorArgs.map((a) => [a.p.name.name, a.calleeType])]);
  let fnName = ctx.instances.get(key);
  if (fnName === undefined) {
    fnName = instanceName(ctx, name);
    ctx.instances.set(key, fnName);
    ctx.order.push(fnName);
    ctx.stack.push(declKey);
    const built = elaborateModelBody(ctx, m, fnName, hyper, tensorArgs.map((a) => ({ name: a.p.name.name, type: a.calleeType })));
    ctx.stack.pop();
    if (!built) {
      ctx.instances.set(key, '');
      return POISON;
    }
  }
  if (fnName === '') return POISON;
  const callee = ctx.functions.get(fnName)!;
  // Caller side: rename into the callee's axes, call, rename back.
  const inputs: { [k: string]: number } = {};
  for (const a of tensorArgs) {
    const renamed = renameNode(ctx, sc, a.id, a.type, match.map.size ? new Map([...match.map].map(([k, v]) => [v, k])) : new Map(), a.span, a.calleeType);
    // The callee's layout is its declared order (a layer's feature axis is the last one): permute where they differ.
    const laid = permuteTo(ctx, sc, renamed.id, renamed.type, a.calleeType, a.span);
    inputs[a.p.name.name] = castTo(sc, laid.id, laid.type, a.calleeType.dtype, a.span).id;
  }
  for (const prm of callee.params) {
    if (prm.name === 'step' || prm.name === 'epoch') inputs[prm.name] = input(sc.fn, prm.name, SCALAR);
  }
  const resultNode = callee.nodes.find((n) => n.id === callee.result)!;
  const path = m.path ?? nextPath(sc, name, span);
  const callId = emit(sc.fn, 'call', inputs, { fn: fnName, prefix: path }, resultNode.type, span);
  return backToCaller(ctx, sc, callId, resultNode.type, match.map, span);
}

function backToCaller(ctx: Ctx, sc: Scope, id: number, type: Type, map: Map<string, string>, span: Span): Value {
  if (type.kind === 'tensor') {
    const r = renameNode(ctx, sc, id, type, map, span);
    return { k: 'tensor', id: r.id, type: r.type, fn: sc.fn };
  }
  const fields: [string, Value][] = type.fields.map((f) => {
    const g = emit(sc.fn, 'get', { x: id }, { field: f.name }, f.type, span);
    return [f.name, backToCaller(ctx, sc, g, f.type, map, span)];
  });
  return { k: 'record', fields };
}

/** Elaborate a model body into a new IR function; returns false if it failed. */
function elaborateModelBody(ctx: Ctx, m: ModelValue, fnName: string, hyper: Map<string, Value>, inputs: { name: string; type: TensorType }[]): boolean {
  const fn = newBuilder(fnName);
  const sc = moduleScope(ctx, m.module, fn);
  const vars = new Map<string, Value>(hyper);
  for (const a of inputs) {
    vars.set(a.name, { k: 'tensor', id: input(fn, a.name, a.type), type: a.type, fn });
    for (const ax of a.type.axes) if (!vars.has(ax.name)) vars.set(ax.name, { k: 'axis', name: ax.name, size: ax.size });
  }
  const body = child(sc, vars);
  const before = ctx.diags.length;
  const result = elaborateBody(ctx, body, m.decl.body, m.decl.name.name, m.decl.name.span);
  if (result.k === 'poison') return false;
  const resultId = resultNodeOf(ctx, body, result, m.decl.name.span);
  if (resultId === undefined) return false;
  if (m.decl.returns) checkReturn(ctx, body, m.decl.returns, result, hyper);
  ctx.functions.set(fnName, finish(fn, resultId));
  return ctx.diags.slice(before).every((d) => d.severity !== 'error');
}

function resultNodeOf(ctx: Ctx, sc: Scope, v: Value, span: Span): number | undefined {
  if (v.k === 'tensor') return v.id;
  if (v.k === 'record') {
    const inputs: { [k: string]: number } = {};
    const fields: { name: string; type: Type }[] = [];
    for (const [k, x] of v.fields) {
      if (x.k !== 'tensor') {
        report(ctx, 'notATensor', { what: `result field ${k} (${describe(x)})` }, { span });
        return undefined;
      }
      inputs[k] = x.id;
      fields.push({ name: k, type: x.type });
    }
    return emit(sc.fn, 'record', inputs, {}, { kind: 'record', fields }, span);
  }
  report(ctx, 'notATensor', { what: `the result (${describe(v)})` }, { span });
  return undefined;
}

function typeFromDecl(ctx: Ctx, sc: Scope, t: TypeExpr, hyper: Map<string, Value>): Type | undefined {
  if (t.kind === 'RecordType') {
    const fields: { name: string; type: Type }[] = [];
    for (const f of t.fields) {
      const ft = typeFromDecl(ctx, sc, f.type, hyper);
      if (!ft) return undefined;
      fields.push({ name: f.name.name, type: ft });
    }
    return { kind: 'record', fields };
  }
  if (t.kind === 'NamedType') return ['Float', 'Int', 'Bool'].includes(t.name.name) ? { kind: 'tensor', dtype: dtypeOf(t.name.name), axes: [] } : undefined;
  const axes: Axis[] = [];
  for (const a of t.axes) {
    if (a.kind === 'AxisRest') return undefined;
    axes.push({ name: a.name.name, size: declaredSize(ctx, sc, a, hyper) ?? a.name.name });
  }
  return { kind: 'tensor', dtype: dtypeOf(t.name.name), axes };
}

function checkReturn(ctx: Ctx, sc: Scope, declared: TypeExpr, v: Value, hyper: Map<string, Value>): void {
  const want = typeFromDecl(ctx, sc, declared, hyper);
  if (!want) return;
  const got = valueType(v);
  if (!got) return;
  if (!sameShape(want, got)) {
    report(ctx, 'returnMismatch', { expected: typeLabel(want), found: typeLabel(got) }, { span: declared.span });
  }
}

function valueType(v: Value): Type | undefined {
  if (v.k === 'tensor') return v.type;
  if (v.k === 'record') {
    const fields: { name: string; type: Type }[] = [];
    for (const [k, x] of v.fields) {
      const t = valueType(x);
      if (!t) return undefined;
      fields.push({ name: k, type: t });
    }
    return { kind: 'record', fields };
  }
  return undefined;
}

function sameShape(want: Type, got: Type): boolean {
  if (want.kind !== got.kind) return false;
  if (want.kind === 'record' && got.kind === 'record') {
    return want.fields.length === got.fields.length && want.fields.every((f, i) => f.name === got.fields[i]!.name && sameShape(f.type, got.fields[i]!.type));
  }
  const w = want as TensorType;
  const g = got as TensorType;
  if (w.axes.length !== g.axes.length) return false;
  return w.axes.every((a) => {
    const o = g.axes.find((b) => b.name === a.name);
    return o !== undefined && unifySize(a.size, o.size) !== null;
  });
}

function typeLabel(t: Type): string {
  return t.kind === 'tensor' ? tensorText(t) : typeText(t);
}

// ── bodies ───────────────────────────────────────────────────────────────────

/** Elaborate statements; returns the value of `return`. */
export function elaborateBody(ctx: Ctx, sc: Scope, body: Stmt[], name: string, nameSpan: Span): Value {
  const bound = new Map<string, { span: Span; used: boolean }>();
  let result: Value | undefined;
  const scope = child(sc);
  scope.used = new Set();
  const origLookup = scope.vars;
  for (const st of body) {
    if (result !== undefined) break;
    if (st.kind === 'Return') {
      scope.paths = { ...scope.paths, letName: '', top: [] };
      result = evalExpr(ctx, scope, st.value);
      continue;
    }
    if (st.kind === 'Write') {
      const v = evalExpr(ctx, scope, st.value);
      if (!scope.inLoss || !scope.hooks.write) {
        report(ctx, 'typeMismatch', { expected: 'a statement allowed here', found: '`write` outside a loss used by a strategy' }, { span: st.span });
        continue;
      }
      const target = evalExpr(ctx, scope, { kind: 'Name', name: st.target.name, span: st.target.span });
      if (target.k === 'poison' || v.k === 'poison') continue;
      if (target.k !== 'decl' || target.decl.kind !== 'MemoryDecl') {
        report(ctx, 'wrongKind', { name: st.target.name, expected: 'a memory', found: describe(target) }, { span: st.target.span });
        continue;
      }
      scope.hooks.write(target, v, st.span, scope);
      continue;
    }
    const pat = st.pattern;
    const letName = pat.kind === 'PatName' ? pat.name.name : pat.items.map((i) => i.name).join('_');
    scope.paths = { counters: scope.paths.counters, letName, top: topCalls(st.value) };
    const v = evalExpr(ctx, scope, st.value);
    scope.paths.top = [];
    if (pat.kind === 'PatName') {
      // `let bn = batch_norm` reads like a bound layer but names the op: no weights are shared.
      if (v.k === 'op' && v.op.params && !pat.name.name.startsWith('_')) report(ctx, 'layerOpAlias', { name: pat.name.name, op: v.op.name }, { span: st.value.span });
      origLookup.set(pat.name.name, v);
      bound.set(pat.name.name, { span: pat.name.span, used: false });
    } else {
      const items = v.k === 'record' ? v.fields.map(([, x]) => x) : v.k === 'tuple' ? v.items : undefined;
      if (v.k === 'poison') {
        for (const i of pat.items) origLookup.set(i.name, POISON);
        continue;
      }
      if (!items || items.length !== pat.items.length) {
        report(ctx, 'patternArity', { expected: pat.items.length, found: items?.length ?? 1 }, { span: pat.span });
        for (const i of pat.items) origLookup.set(i.name, POISON);
        continue;
      }
      pat.items.forEach((i, k) => {
        if (i.name === '_') return;
        origLookup.set(i.name, items[k]!);
        bound.set(i.name, { span: i.span, used: false });
      });
    }
  }
  if (result === undefined) return report(ctx, 'missingReturn', { name }, { span: nameSpan });
  for (const [n, b] of bound) {
    if (!scope.used.has(n) && !n.startsWith('_')) report(ctx, 'unusedBinding', { name: n }, { span: b.span });
  }
  return result;
}

/**
 * The calls that are a let's whole value (through parentheses and
 * compile-time choices): the layer or model such a call builds is named after
 * the let (`let enc = gru(64)` → `enc.*`), anything built deeper gets
 * `<let>.<op>` paths.
 */
export function topCalls(e: import('../../grammar/ast.js').Expr): Span[] {
  if (e.kind === 'If') return [...topCalls(e.then), ...topCalls(e.else)];
  if (e.kind === 'Paren') return topCalls(e.expr);
  if (e.kind === 'Call') return e.callee.kind === 'Call' ? [e.span, e.callee.span] : [e.span];
  return [];
}

function inlineLoss(ctx: Ctx, sc: Scope, m: ModelValue, span: Span): Value {
  const vars = new Map<string, Value>();
  for (const p of m.decl.params) {
    const b = m.bound.get(p.name.name);
    if (b) {
      vars.set(p.name.name, b.value);
      continue;
    }
    if (p.default) {
      vars.set(p.name.name, evalExpr(ctx, moduleScope(ctx, m.module, sc.fn, sc.hooks), p.default));
      continue;
    }
    return report(ctx, 'missingArgument', { name: p.name.name, op: m.decl.name.name }, { span });
  }
  const base: Scope = { ...moduleScope(ctx, m.module, sc.fn, sc.hooks), inLoss: true };
  const v = elaborateBody(ctx, child(base, vars), m.decl.body, m.decl.name.name, m.decl.name.span);
  if (v.k === 'poison') return POISON;
  if (v.k !== 'tensor' || v.type.axes.length !== 0) {
    return report(ctx, 'notScalar', { type: v.k === 'tensor' ? tensorText(v.type) : describe(v) }, { span: m.decl.name.span, hints: ['a loss returns one number: reduce with mean(...) or sum(...)'] });
  }
  return v;
}

/**
 * Check a model on its own (no caller): inputs take their declared types,
 * sizes come from declarations or stay symbolic, hyper-parameters take their
 * defaults or stay symbolic. Returns the function name, or undefined.
 */
export function checkModelAlone(ctx: Ctx, decl: ModelDeclNode, module: ModuleInfo): string | undefined {
  if (decl.kind !== 'ModelDecl') return undefined;
  if (decl.params.some((p) => !p.type)) return undefined;
  const fn = newBuilder(`check ${decl.name.name}`);
  const sc = moduleScope(ctx, module, fn);
  const bound = new Map<string, BoundArg>();
  const hyper = new Map<string, Value>();
  for (const p of decl.params) {
    if (paramIsTensor(p) || !p.default) continue;
    hyper.set(p.name.name, evalExpr(ctx, child(sc, new Map(hyper)), p.default));
  }
  for (const p of decl.params) {
    if (!paramIsTensor(p)) {
      if (!p.default) bound.set(p.name.name, { value: { k: 'sym', name: p.name.name }, span: p.span });
      continue;
    }
    const t = p.type as Extract<TypeExpr, { kind: 'TensorType' }>;
    if (t.axes.some((a) => a.kind === 'AxisRest')) return undefined;
    const axes: Axis[] = [];
    for (const a of t.axes) {
      if (a.kind !== 'AxisName') continue;
      axes.push({ name: a.name.name, size: declaredSize(ctx, sc, a, hyper) ?? a.name.name });
    }
    const type: TensorType = { kind: 'tensor', dtype: dtypeOf(t.name.name), axes };
    bound.set(p.name.name, { value: { k: 'tensor', id: input(fn, p.name.name, type), type, fn }, span: p.span });
  }
  const v = instantiate(ctx, sc, { ...modelValue(decl, module), bound, path: '' }, decl.name.span);
  if (v.k === 'poison') return undefined;
  const call = [...fn.nodes].reverse().find((n) => n.op === 'call');
  return call ? String(call.attrs['fn']) : undefined;
}
