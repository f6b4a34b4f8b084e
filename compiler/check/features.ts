// Feature expressions: from the AST of `features` declarations and `data`
// clauses to the plan's FeatureExpr / FeatureSet (compiler/plan/data.ts).
//
// Checks operator names and arities against Qlib's operator table, window
// arguments being compile-time integers, and look-ahead: reading the future
// (a negative Ref) is an error outside a label (Q4001). Names refer to earlier
// definitions of the same set (their expressions are substituted; the runtime
// computes common subexpressions once).

import type { Decl, Expr, FeatureDef } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { FeatureExpr, FeatureSet } from '../plan/data.js';
import { newBuilder } from './builder.js';
import { closest, report, type Ctx } from './context.js';
import { evalExpr, moduleScope } from './expr.js';
import type { ModuleInfo } from '../resolve.js';
import { describe, intOf, type Value } from './values.js';

type FeaturesDecl = Extract<Decl, { kind: 'FeaturesDecl' }>;

/** Qlib operators: argument kinds ('e' expression, 'n' integer/number constant). */
export const QLIB_OPS: Record<string, string> = {
  Ref: 'en',
  Mean: 'en',
  Std: 'en',
  Var: 'en',
  Skew: 'en',
  Kurt: 'en',
  Max: 'en',
  Min: 'en',
  Med: 'en',
  Mad: 'en',
  Quantile: 'enn',
  Rank: 'en',
  Count: 'en',
  Sum: 'en',
  Delta: 'en',
  Slope: 'en',
  Rsquare: 'en',
  Resi: 'en',
  WMA: 'en',
  EMA: 'en',
  IdxMax: 'en',
  IdxMin: 'en',
  Corr: 'een',
  Cov: 'een',
  Abs: 'e',
  Sign: 'e',
  Log: 'e',
  Power: 'ee',
  Greater: 'ee',
  Less: 'ee',
  If: 'eee',
  Not: 'e',
  cs_rank: 'e',
  cs_zscore: 'e',
  cs_demean: 'e',
  cs_mean: 'e',
};

/** Operators taking an optional `by: $group` argument. */
const GROUPED = new Set(['cs_demean', 'cs_mean']);

const BIN: Record<string, string> = {
  '+': 'Add',
  '-': 'Sub',
  '*': 'Mul',
  '/': 'Div',
  '^': 'Power',
  '>': 'Gt',
  '>=': 'Ge',
  '<': 'Lt',
  '<=': 'Le',
  '==': 'Eq',
  '!=': 'Ne',
  '&': 'And',
  and: 'And',
  '|': 'Or',
  or: 'Or',
};

export interface FeatureEnv {
  ctx: Ctx;
  module: ModuleInfo;
  /** earlier definitions and loop variables */
  vars: Map<string, FeatureExpr>;
  /** the label may read the future */
  allowFuture: boolean;
  /** window sets: the name of the lag variable */
  lag?: string;
}

/** How many days into the future an expression reads (negative Ref). */
export function lookahead(e: FeatureExpr): number {
  if (e.kind !== 'call') return 0;
  const inner = Math.max(0, ...e.args.map(lookahead));
  if (e.fn === 'Ref') {
    const n = e.args[1];
    if (n?.kind === 'const' && n.value < 0) return inner - n.value;
  }
  return inner;
}

function fail(env: FeatureEnv, span: Span, what: string): undefined {
  report(env.ctx, 'typeMismatch', { expected: 'a feature expression', found: what }, { span });
  return undefined;
}

function constOf(env: FeatureEnv, e: Expr): number | undefined {
  if (e.kind === 'Number') return e.value;
  if (e.kind === 'Unary' && e.op === '-') {
    const v = constOf(env, e.operand);
    return v === undefined ? undefined : -v;
  }
  if (e.kind === 'Paren') return constOf(env, e.expr);
  if (e.kind === 'Name') {
    const v = env.vars.get(e.name);
    if (v?.kind === 'const') return v.value;
  }
  return undefined;
}

export function toFeatureExpr(env: FeatureEnv, e: Expr): FeatureExpr | undefined {
  switch (e.kind) {
    case 'Number':
      return { kind: 'const', value: e.value };
    case 'Bool':
      return { kind: 'const', value: e.value ? 1 : 0 };
    case 'Field':
      return { kind: 'field', name: e.name };
    case 'Paren':
      return toFeatureExpr(env, e.expr);
    case 'Name': {
      const v = env.vars.get(e.name);
      if (v) return v;
      const suggestion = closest(e.name, env.vars.keys());
      report(env.ctx, 'unknownName', suggestion ? { name: e.name, suggestion } : { name: e.name }, {
        span: e.span,
        hints: ['data fields are written with $: $close, $volume'],
      });
      return undefined;
    }
    case 'Unary': {
      const x = toFeatureExpr(env, e.operand);
      if (!x) return undefined;
      if (e.op === '+') return x;
      if (e.op === '-' && x.kind === 'const') return { kind: 'const', value: -x.value };
      return { kind: 'call', fn: e.op === '-' ? 'Neg' : 'Not', args: [x] };
    }
    case 'Binary': {
      const fn = BIN[e.op];
      if (!fn) return fail(env, e.span, `the operator ${e.op}`);
      const a = toFeatureExpr(env, e.left);
      const b = toFeatureExpr(env, e.right);
      return a && b ? { kind: 'call', fn, args: [a, b] } : undefined;
    }
    case 'Call': {
      if (e.callee.kind !== 'Name') return fail(env, e.callee.span, 'a computed function');
      const fn = e.callee.name;
      const sig = QLIB_OPS[fn];
      if (!sig) {
        const suggestion = closest(fn, Object.keys(QLIB_OPS));
        report(env.ctx, 'unknownName', suggestion ? { name: fn, suggestion } : { name: fn }, { span: e.callee.span, hints: ['feature operators follow Qlib: Ref, Mean, Std, Corr, ... (docs/expressions.md)'] });
        return undefined;
      }
      const positional = e.args.filter((a) => !a.name);
      const by = e.args.find((a) => a.name?.name === 'by');
      const unknown = e.args.find((a) => a.name && !(a.name.name === 'by' && GROUPED.has(fn)));
      if (unknown) {
        report(env.ctx, 'unknownArgument', { name: unknown.name!.name, op: fn, known: GROUPED.has(fn) ? 'by' : '(positional only)' }, { span: unknown.span });
        return undefined;
      }
      if (positional.length < sig.length) {
        report(env.ctx, 'missingArgument', { name: `argument ${positional.length + 1}`, op: fn }, { span: e.span });
        return undefined;
      }
      if (positional.length > sig.length) {
        report(env.ctx, 'tooManyArguments', { op: fn, max: sig.length }, { span: positional[sig.length]!.span });
        return undefined;
      }
      const args: FeatureExpr[] = [];
      for (let i = 0; i < sig.length; i++) {
        const a = positional[i]!.value;
        if (sig[i] === 'n') {
          if (fn === 'Ref' && i === 1 && env.lag && a.kind === 'Name' && a.name === env.lag) {
            args.push({ kind: 'field', name: '__lag__' });
            continue;
          }
          const c = constOf(env, a);
          if (c === undefined) {
            report(env.ctx, 'notCompileTime', { what: `argument ${i + 1} of ${fn}` }, { span: a.span });
            return undefined;
          }
          args.push({ kind: 'const', value: c });
        } else {
          const x = toFeatureExpr(env, a);
          if (!x) return undefined;
          args.push(x);
        }
      }
      if (by) {
        const g = by.value;
        if (g.kind !== 'Field') return fail(env, g.span, 'a group that is not a $field');
        args.push({ kind: 'field', name: g.name });
      }
      const out: FeatureExpr = { kind: 'call', fn, args };
      if (fn === 'Ref' && !env.allowFuture && args[1]?.kind === 'const' && args[1].value < 0) {
        report(env.ctx, 'futureRead', { expr: `Ref(..., ${args[1].value})` }, { span: e.span });
        return undefined;
      }
      return out;
    }
    default:
      return fail(env, e.span, describeExpr(e));
  }
}

function describeExpr(e: Expr): string {
  switch (e.kind) {
    case 'String':
      return 'a string';
    case 'List':
      return 'a list';
    case 'Pipe':
      return 'a pipeline';
    default:
      return `a ${e.kind.toLowerCase()}`;
  }
}

function loopValues(ctx: Ctx, m: ModuleInfo, e: Expr): number[] | undefined {
  const v: Value = evalExpr(ctx, moduleScope(ctx, m, newBuilder('for')), e);
  if (v.k === 'list' || v.k === 'tuple') {
    const out: number[] = [];
    for (const it of v.items) {
      if (it.k !== 'num') return undefined;
      out.push(it.v);
    }
    return out;
  }
  if (v.k === 'range' && v.from.k === 'num' && v.to.k === 'num') {
    const out: number[] = [];
    const step = v.from.v <= v.to.v ? 1 : -1;
    for (let i = v.from.v; step > 0 ? i <= v.to.v : i >= v.to.v; i += step) out.push(i);
    return out;
  }
  if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: 'a list or range of numbers', found: describe(v) }, { span: e.span });
  return undefined;
}

function defName(d: FeatureDef, value?: number): string {
  return d.name.map((p) => ('text' in p ? p.text : String(value))).join('');
}

/** Compile a `features` declaration to a FeatureSet (undefined after reporting). */
export function compileFeatures(ctx: Ctx, m: ModuleInfo, d: FeaturesDecl): FeatureSet | undefined {
  const windowArg = d.args.find((a) => a.name?.name === 'window');
  const bad = d.args.find((a) => a !== windowArg);
  if (bad) {
    report(ctx, 'unknownArgument', { name: bad.name?.name ?? 'positional', op: 'features', known: 'window' }, { span: bad.span });
    return undefined;
  }
  const env: FeatureEnv = { ctx, module: m, vars: new Map(), allowFuture: false };
  let ok = true;
  if (windowArg) {
    const v = evalExpr(ctx, moduleScope(ctx, m, newBuilder('window')), windowArg.value);
    const size = intOf(v);
    if (typeof size !== 'number' || size < 1) {
      report(ctx, 'notCompileTime', { what: 'the window size' }, { span: windowArg.value.span });
      return undefined;
    }
    env.lag = 'lag';
    const columns: Extract<FeatureSet, { kind: 'window' }>['columns'] = [];
    for (const def of d.defs) {
      if (def.for) {
        report(ctx, 'typeMismatch', { expected: 'one definition per field in a window set', found: 'a for comprehension' }, { span: def.for.span });
        ok = false;
        continue;
      }
      const col = windowColumn(env, def);
      if (!col) {
        ok = false;
        continue;
      }
      columns.push({ name: defName(def), ...col });
    }
    const axisName = windowArg.value.kind === 'Name' ? windowArg.value.name : 'T';
    return ok ? { kind: 'window', name: d.name.name, size, axis: axisName, columns } : undefined;
  }
  const columns: { name: string; expr: FeatureExpr }[] = [];
  for (const def of d.defs) {
    const values = def.for ? loopValues(ctx, m, def.for.in) : [undefined];
    if (!values) {
      ok = false;
      continue;
    }
    for (const val of values) {
      if (def.for && val !== undefined) env.vars.set(def.for.var.name, { kind: 'const', value: val });
      const x = toFeatureExpr(env, def.value);
      if (def.for) env.vars.delete(def.for.var.name);
      if (!x) {
        ok = false;
        break;
      }
      const name = defName(def, val);
      if (columns.some((c) => c.name === name)) {
        report(ctx, 'duplicateDeclaration', { name }, { span: def.nameSpan });
        ok = false;
      }
      columns.push({ name, expr: x });
      env.vars.set(name, x);
    }
  }
  return ok ? { kind: 'flat', name: d.name.name, columns } : undefined;
}

/** A window column must be `Ref(A, lag)` or `Ref(A, lag) / B`. */
function windowColumn(env: FeatureEnv, def: FeatureDef): { series: FeatureExpr; scale?: FeatureExpr } | undefined {
  const x = toFeatureExpr(env, def.value);
  if (!x) return undefined;
  const isLagRef = (e: FeatureExpr): e is Extract<FeatureExpr, { kind: 'call' }> =>
    e.kind === 'call' && e.fn === 'Ref' && e.args[1]?.kind === 'field' && e.args[1].name === '__lag__';
  const usesLag = (e: FeatureExpr): boolean => (e.kind === 'field' ? e.name === '__lag__' : e.kind === 'call' ? e.args.some(usesLag) : false);
  if (isLagRef(x) && !usesLag(x.args[0]!)) return { series: x.args[0]! };
  if (x.kind === 'call' && x.fn === 'Div' && isLagRef(x.args[0]!) && !usesLag(x.args[0].args[0]!) && !usesLag(x.args[1]!)) {
    return { series: x.args[0].args[0]!, scale: x.args[1]! };
  }
  report(env.ctx, 'typeMismatch', { expected: 'Ref(x, lag) or Ref(x, lag) / y in a window set', found: 'another form' }, { span: def.value.span });
  return undefined;
}

/** The flat column names of a feature set (Qlib's names for window sets). */
export function columnNames(fs: FeatureSet): string[] {
  if (fs.kind === 'flat') return fs.columns.map((c) => c.name);
  const out: string[] = [];
  for (const c of fs.columns) for (let l = fs.size - 1; l >= 0; l--) out.push(`${c.name}${l}`);
  return out;
}
