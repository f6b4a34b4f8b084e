// Expression elaboration: evaluates an AST expression in a scope to a Value,
// emitting IR nodes for tensor operations and reporting type and shape errors.
//
// Compile-time arithmetic folds here (hyper-parameters, sizes); anything that
// touches a tensor becomes IR. Names resolve: scope → context hooks → module
// declarations (and the prelude) → builtin ops → constants → step/epoch.

import type { Expr } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { TensorType } from '../ir/types.js';
import { lookupOp, opNames } from '../ops/registry.js';
import { binaryFns, unaryFns } from '../passes/const-fold.js';
import { lookup, visibleNames } from '../resolve.js';
import type { ModuleInfo } from '../resolve.js';
import { bindArgs, emitOp, type CallArg } from './args.js';
import { input, newBuilder } from './builder.js';
import { closest, lookupVar, nextPath, report, type Ctx, type Scope } from './context.js';
import { applyModel, bindModel, modelValue } from './model.js';
import { describe, num, POISON, type Value } from './values.js';

const BINARY: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '^': 'pow',
  '%': 'mod',
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
  and: 'and',
  '&': 'and',
  or: 'or',
  '|': 'or',
};

const CONSTANTS: Record<string, number> = { inf: Infinity, nan: NaN, pi: Math.PI };

export const SCALAR: TensorType = { kind: 'tensor', dtype: 'f32', axes: [] };

function unwrap(e: Expr): Expr {
  return e.kind === 'Paren' ? unwrap(e.expr) : e;
}

/** Top-level `let` values, evaluated once per declaration. */
const letCache = new WeakMap<object, Value>();

function topLevelLet(ctx: Ctx, m: ModuleInfo, d: Extract<import('../../grammar/ast.js').Decl, { kind: 'LetDecl' }>): Value {
  const have = letCache.get(d);
  if (have) return have;
  letCache.set(d, POISON);
  const sc = moduleScope(ctx, m, newBuilder(`let ${d.name.name}`));
  const v = evalExpr(ctx, sc, d.value);
  if (v.k === 'tensor') {
    report(ctx, 'notCompileTime', { what: `the top-level let ${d.name.name}` }, { span: d.value.span });
    letCache.set(d, POISON);
    return POISON;
  }
  letCache.set(d, v);
  return v;
}

/** A scope at a module's top level, building into `fn`. */
export function moduleScope(ctx: Ctx, m: ModuleInfo, fn: ReturnType<typeof newBuilder>, hooks: Scope['hooks'] = {}): Scope {
  return { vars: new Map(), module: m, fn, paths: { letName: '', counters: new Map(), top: [] }, inLoss: false, hooks };
}

export function declValue(ctx: Ctx, m: ModuleInfo, name: string, span: Span): Value | undefined {
  const found = lookup(ctx.r, m, name);
  if (!found) return undefined;
  if (found.kind === 'namespace') return { k: 'ns', module: found.module };
  const d = found.decl;
  switch (d.kind) {
    case 'ModelDecl':
    case 'LossDecl':
      return modelValue(d, found.module);
    case 'LetDecl':
      return topLevelLet(ctx, found.module, d);
    case 'DimDecl': {
      const size = ctx.dimSizes.get(name);
      return { k: 'axis', name, size: size ?? name };
    }
    case 'Import':
      return undefined;
    default:
      void span;
      return { k: 'decl', decl: d, module: found.module };
  }
}

export function evalName(ctx: Ctx, sc: Scope, name: string, span: Span): Value {
  const local = lookupVar(sc, name);
  if (local) {
    sc.used?.add(name);
    return local;
  }
  const v = sc.hooks.name?.(name, span, sc) ?? declValue(ctx, sc.module, name, span);
  // A schedule is its expression, evaluated where it is used (it reads `step`).
  if (v?.k === 'decl' && v.decl.kind === 'ScheduleDecl') return evalExpr(ctx, { ...moduleScope(ctx, v.module, sc.fn, sc.hooks), inLoss: sc.inLoss }, v.decl.value);
  const op = lookupOp(name);
  // A strategy is never a value in an expression: `strategy gru { ... }` does
  // not hide the gru layer from the models beside it.
  if (op && v?.k === 'decl' && v.decl.kind === 'StrategyDecl') return { k: 'op', op };
  if (v) return v;
  if (op) return { k: 'op', op };
  if (name in CONSTANTS) return num(CONSTANTS[name]!, false);
  if (name === 'stack') return { k: 'builtin', name, span };
  if (name === 'step' || name === 'epoch') return { k: 'tensor', id: input(sc.fn, name, SCALAR), type: SCALAR, fn: sc.fn };
  const names: string[] = [...visibleNames(ctx.r, sc.module)];
  for (let s: Scope | undefined = sc; s; s = s.parent) names.push(...s.vars.keys());
  const suggestion = closest(name, [...names, ...Object.keys(CONSTANTS), ...opNames()]);
  return report(ctx, 'unknownName', suggestion ? { name, suggestion } : { name }, { span });
}

function foldBinary(op: string, a: Value, b: Value): Value | undefined {
  if (a.k === 'num' && b.k === 'num') {
    const int = a.int && b.int;
    switch (op) {
      case '+':
        return num(a.v + b.v, int);
      case '-':
        return num(a.v - b.v, int);
      case '*':
        return num(a.v * b.v, int);
      case '/':
        // Int / Int stays an Int when it divides exactly (H / 2 sizes a layer).
        return num(a.v / b.v, int && b.v !== 0 && a.v % b.v === 0);
      case '%':
        return num(a.v - b.v * Math.floor(a.v / b.v), int);
      case '^':
        return num(a.v ** b.v, int && b.v >= 0);
      case '==':
        return { k: 'bool', v: a.v === b.v };
      case '!=':
        return { k: 'bool', v: a.v !== b.v };
      case '<':
        return { k: 'bool', v: a.v < b.v };
      case '<=':
        return { k: 'bool', v: a.v <= b.v };
      case '>':
        return { k: 'bool', v: a.v > b.v };
      case '>=':
        return { k: 'bool', v: a.v >= b.v };
    }
  }
  if (a.k === 'bool' && b.k === 'bool') {
    if (op === 'and' || op === '&') return { k: 'bool', v: a.v && b.v };
    if (op === 'or' || op === '|') return { k: 'bool', v: a.v || b.v };
    if (op === '==') return { k: 'bool', v: a.v === b.v };
    if (op === '!=') return { k: 'bool', v: a.v !== b.v };
  }
  if (a.k === 'str' && b.k === 'str') {
    if (op === '+') return { k: 'str', v: a.v + b.v };
    if (op === '==') return { k: 'bool', v: a.v === b.v };
    if (op === '!=') return { k: 'bool', v: a.v !== b.v };
  }
  return undefined;
}

function isRuntime(v: Value): boolean {
  return v.k === 'tensor';
}

export function evalBinary(ctx: Ctx, sc: Scope, op: string, a0: Value, b0: Value, aSpan: Span, bSpan: Span, span: Span): Value {
  if (a0.k === 'poison' || b0.k === 'poison') return POISON;
  // An axis in arithmetic stands for its size.
  const size = (v: Value): Value => (v.k === 'axis' ? (typeof v.size === 'number' ? num(v.size, true) : { k: 'sym', name: v.size }) : v);
  const a = size(a0);
  const b = size(b0);
  const folded = foldBinary(op, a, b);
  if (folded) return folded;
  if (!isRuntime(a) && !isRuntime(b)) {
    if ((a.k === 'sym' || b.k === 'sym') && (a.k === 'sym' || a.k === 'num') && (b.k === 'sym' || b.k === 'num')) {
      return { k: 'sym', name: `${a.k === 'sym' ? a.name : a.v}${op}${b.k === 'sym' ? b.name : b.v}` };
    }
    return report(ctx, 'typeMismatch', { expected: `operands for ${op}`, found: `${describe(a)} and ${describe(b)}` }, { span });
  }
  const def = lookupOp(BINARY[op]!)!;
  const bound = bindArgs(ctx, sc, () => POISON, def.name, def.args, [
    { value: a, span: aSpan },
    { value: b, span: bSpan },
  ], span);
  return bound ? emitOp(ctx, sc, def, bound, span, {}, true) : POISON;
}

function evalUnary(ctx: Ctx, sc: Scope, op: string, v: Value, span: Span): Value {
  if (v.k === 'poison') return POISON;
  if (op === '+') return v;
  if (op === '-' && v.k === 'num') return num(-v.v, v.int);
  if (op === 'not' && v.k === 'bool') return { k: 'bool', v: !v.v };
  if (v.k !== 'tensor') return report(ctx, 'typeMismatch', { expected: `an operand for ${op}`, found: describe(v) }, { span });
  const def = lookupOp(op === '-' ? 'neg' : 'not')!;
  const bound = bindArgs(ctx, sc, () => POISON, def.name, def.args, [{ value: v, span }], span);
  return bound ? emitOp(ctx, sc, def, bound, span) : POISON;
}

function argsOf(e: Extract<Expr, { kind: 'Call' }>): CallArg[] {
  return e.args.map((a) => (a.name ? { name: a.name.name, span: a.span, expr: a.value } : { span: a.span, expr: a.value }));
}

/** sqrt(E), floor(H / 3): elementwise functions of compile-time numbers fold to numbers. */
function foldCall(ctx: Ctx, sc: Scope, name: string, args: CallArg[]): Value | undefined {
  if (args.some((a) => a.name !== undefined) || (args.length !== 1 && args.length !== 2)) return undefined;
  const vals: number[] = [];
  for (const a of args) {
    const v = a.value ?? (a.expr && isStatic(a.expr) ? evalExpr(ctx, sc, a.expr) : undefined);
    if (!v) return undefined;
    a.value = v; // evaluated once, even when the call does not fold
    const n = v.k === 'num' ? v.v : v.k === 'axis' && typeof v.size === 'number' ? v.size : undefined;
    if (n === undefined) return undefined;
    vals.push(n);
  }
  if (vals.length === 1 && unaryFns[name]) {
    const r = unaryFns[name]!(vals[0]!, {});
    return num(r, Number.isInteger(r) && ['floor', 'ceil', 'round', 'abs', 'sign', 'neg', 'relu', 'square'].includes(name));
  }
  if (vals.length === 2 && binaryFns[name]) return num(binaryFns[name]!(vals[0]!, vals[1]!));
  return undefined;
}

/** Expressions that cannot touch a tensor (numbers, names of numbers/axes, arithmetic of them). */
function isStatic(e: Expr): boolean {
  switch (e.kind) {
    case 'Number':
    case 'Name':
      return true;
    case 'Paren':
      return isStatic(e.expr);
    case 'Unary':
      return isStatic(e.operand);
    case 'Binary':
      return isStatic(e.left) && isStatic(e.right);
    default:
      return false;
  }
}

/** Call a value with arguments. */
export function callValue(ctx: Ctx, sc: Scope, f: Value, args: CallArg[], span: Span): Value {
  switch (f.k) {
    case 'poison':
      return POISON;
    case 'op': {
      const op = f.op;
      const folded = op.family === 'elementwise' ? foldCall(ctx, sc, op.name, args) : undefined;
      if (folded) return folded;
      if (op.kind === 'function') {
        const b = bindArgs(ctx, sc, (e, s) => evalExpr(ctx, s, e), op.name, op.args, args, span);
        return b ? emitOp(ctx, sc, op, b, span) : POISON;
      }
      const b = bindArgs(ctx, sc, (e, s) => evalExpr(ctx, s, e), op.name, op.args, args, span);
      if (!b) return POISON;
      const sizeArg = op.args[0]?.name;
      if (sizeArg && b.hints[sizeArg] && op.args.some((a) => a.name === 'to') && b.attrs['to'] === undefined) {
        b.attrs['to'] = b.hints[sizeArg]!;
      }
      return { k: 'layer', op, attrs: b.attrs, path: nextPath(sc, op.name, span), span };
    }
    case 'layer': {
      const b = bindArgs(ctx, sc, (e, s) => evalExpr(ctx, s, e), f.op.name, f.op.inputs ?? [], args, span);
      return b ? emitOp(ctx, sc, f.op, b, span, { ...f.attrs, path: f.path }) : POISON;
    }
    case 'model': {
      const m = bindModel(ctx, sc, f, args, span);
      return m.k === 'model' ? applyModel(ctx, sc, m, span) : m;
    }
    case 'builtin': {
      if (f.name === 'stack') return makeStack(ctx, sc, args, span);
      const evaluated = args.map((a) => {
        const out: { name?: string; value: Value; span: Span } = { value: a.value ?? evalExpr(ctx, sc, a.expr!), span: a.span };
        if (a.name !== undefined) out.name = a.name;
        return out;
      });
      const hooked = sc.hooks.call?.(f.name, evaluated, span, sc);
      if (hooked) return hooked;
      return { k: 'bcall', name: f.name, span, args: evaluated };
    }
    case 'stack': {
      if (args.length !== 1 || args[0]!.name !== undefined) return report(ctx, 'typeMismatch', { expected: 'one input for the stacked block', found: `${args.length} arguments` }, { span });
      let x: Value = args[0]!.value ?? evalExpr(ctx, sc, args[0]!.expr!);
      for (let i = 0; i < f.n && x.k !== 'poison'; i++) {
        const blk: Value = f.block.k === 'model' || f.block.k === 'layer' ? { ...f.block, path: `${f.path}.${i}` } : f.block;
        x = callValue(ctx, sc, blk, [{ span: args[0]!.span, value: x }], span);
      }
      return x;
    }
    default:
      return report(ctx, 'notCallable', { what: describe(f) }, { span });
  }
}

/** `stack(n, block)`: block applied n times in sequence, each copy with its own parameters (`stack.0.*`, ...). */
function makeStack(ctx: Ctx, sc: Scope, args: CallArg[], span: Span): Value {
  if (args.length !== 2 || args.some((a) => a.name !== undefined)) return report(ctx, 'typeMismatch', { expected: 'stack(n, block)', found: `${args.length} arguments` }, { span });
  const n = args[0]!.value ?? evalExpr(ctx, sc, args[0]!.expr!);
  const path = nextPath(sc, 'stack', span);
  const block = args[1]!.value ?? evalExpr(ctx, sc, args[1]!.expr!);
  if (n.k === 'poison' || block.k === 'poison') return POISON;
  if (n.k !== 'num' || !n.int || n.v < 1) return report(ctx, 'typeMismatch', { expected: 'a positive Int count', found: describe(n) }, { span: args[0]!.span });
  if (block.k !== 'model' && block.k !== 'layer') return report(ctx, 'typeMismatch', { expected: 'a layer or a partly applied model', found: describe(block) }, { span: args[1]!.span });
  return { k: 'stack', n: n.v, block, path };
}

function evalPipe(ctx: Ctx, sc: Scope, e: Extract<Expr, { kind: 'Pipe' }>): Value {
  const left = evalExpr(ctx, sc, e.left);
  if (left.k === 'poison') return POISON;
  const leftArg: CallArg = { span: e.left.span, value: left };
  const r = unwrap(e.right);
  if (r.kind === 'Call') {
    const callee = evalExpr(ctx, sc, r.callee);
    if (callee.k === 'op' && callee.op.kind === 'function') return callValue(ctx, sc, callee, [leftArg, ...argsOf(r)], e.span);
    if (callee.k === 'model') {
      const partial = bindModel(ctx, sc, callee, argsOf(r), r.span, true);
      if (partial.k !== 'model') return partial;
      return callValue(ctx, sc, partial, [leftArg], e.span);
    }
    const built = callValue(ctx, sc, callee, argsOf(r), r.span);
    return applyPiped(ctx, sc, built, leftArg, e.span);
  }
  return applyPiped(ctx, sc, evalExpr(ctx, sc, e.right), leftArg, e.span);
}

function applyPiped(ctx: Ctx, sc: Scope, f: Value, arg: CallArg, span: Span): Value {
  if (f.k === 'poison') return POISON;
  if (f.k === 'op' && f.op.kind === 'layer') return applyPiped(ctx, sc, callValue(ctx, sc, f, [], span), arg, span);
  if (f.k === 'op' || f.k === 'layer' || f.k === 'model' || f.k === 'stack') return callValue(ctx, sc, f, [arg], span);
  return report(ctx, 'notPipeable', { what: describe(f) }, { span });
}

function evalMember(ctx: Ctx, sc: Scope, e: Extract<Expr, { kind: 'Member' }>): Value {
  const obj = evalExpr(ctx, sc, e.object);
  const name = e.name.name;
  switch (obj.k) {
    case 'poison':
      return POISON;
    case 'record': {
      const f = obj.fields.find(([n]) => n === name);
      if (f) return f[1];
      return report(ctx, 'noSuchField', { field: name, type: describe(obj) }, { span: e.name.span });
    }
    case 'ns': {
      const v = declValue(ctx, obj.module, name, e.name.span);
      return v ?? report(ctx, 'notExported', { name, module: obj.module.file.split('/').pop() ?? '' }, { span: e.name.span });
    }
    case 'builtin':
      return { k: 'builtin', name: `${obj.name}.${name}`, span: e.span };
    case 'layer': {
      // rnn.final, rnn.last, rnn.seq: the same recurrent layer (same weights) with another output.
      if ((obj.op.name === 'gru' || obj.op.name === 'lstm') && (name === 'seq' || name === 'final' || name === 'last')) {
        return { ...obj, attrs: { ...obj.attrs, output: name } };
      }
      return report(ctx, 'noSuchField', { field: name, type: describe(obj) }, { span: e.name.span, hints: obj.op.name === 'gru' || obj.op.name === 'lstm' ? ['a recurrent layer offers .seq, .final and .last'] : [] });
    }
    case 'decl': {
      const v = sc.hooks.member?.(obj, name, e.name.span, sc);
      return v ?? report(ctx, 'noSuchField', { field: name, type: describe(obj) }, { span: e.name.span });
    }
    default:
      return report(ctx, 'noSuchField', { field: name, type: describe(obj) }, { span: e.name.span });
  }
}

export function evalExpr(ctx: Ctx, sc: Scope, e: Expr): Value {
  switch (e.kind) {
    case 'Number':
      return num(e.value, e.isInt);
    case 'String':
      return { k: 'str', v: e.value };
    case 'TaggedString':
      return { k: 'tagged', tag: e.tag, text: e.value, span: e.span, contentStart: e.contentStart };
    case 'Bool':
      return { k: 'bool', v: e.value };
    case 'Date':
      return { k: 'date', v: e.value };
    case 'Name':
      return evalName(ctx, sc, e.name, e.span);
    case 'Field':
      return report(ctx, 'typeMismatch', { expected: 'a model value', found: `the data field $${e.name} (fields belong in features and data blocks)` }, { span: e.span });
    case 'Member':
      return evalMember(ctx, sc, e);
    case 'Call':
      return callValue(ctx, sc, evalExpr(ctx, sc, e.callee), argsOf(e), e.span);
    case 'Pipe':
      return evalPipe(ctx, sc, e);
    case 'Binary':
      return evalBinary(ctx, sc, e.op, evalExpr(ctx, sc, e.left), evalExpr(ctx, sc, e.right), e.left.span, e.right.span, e.span);
    case 'Unary':
      return evalUnary(ctx, sc, e.op, evalExpr(ctx, sc, e.operand), e.span);
    case 'Range':
      return { k: 'range', from: evalExpr(ctx, sc, e.from), to: evalExpr(ctx, sc, e.to) };
    case 'List':
      return { k: 'list', items: e.items.map((x) => evalExpr(ctx, sc, x)) };
    case 'Tuple':
      return { k: 'tuple', items: e.items.map((x) => evalExpr(ctx, sc, x)) };
    case 'NamedTuple':
    case 'Record':
      return { k: 'record', fields: e.entries.map((en) => [en.key.name, evalExpr(ctx, sc, en.value)] as [string, Value]) };
    case 'Paren':
      return evalExpr(ctx, sc, e.expr);
    case 'If': {
      const c = evalExpr(ctx, sc, e.cond);
      if (c.k === 'poison') return POISON;
      if (c.k !== 'bool') return report(ctx, 'notCompileTime', { what: 'the condition of if' }, { span: e.cond.span });
      return evalExpr(ctx, sc, c.v ? e.then : e.else);
    }
  }
}
