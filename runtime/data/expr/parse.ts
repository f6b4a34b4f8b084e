// Parser for Qlib expression strings (`Mean($close, 5)/$close`), for tests
// and for importing Qlib configs.
//
// Qlib evaluates these strings as Python, so this parser follows Python's
// grammar for the subset Qlib uses: precedence (lowest first) comparisons
// (`< <= > >= == !=`), `|`, `&`, `+ -`, `* /`, unary `- +`, `**`; `$name` is
// a field; `Name(args)` an operator call; numbers are Python literals.
// Arithmetic on two number literals is folded (Python computes `2*3` before
// Qlib sees it), so `Ref($close, -1)` has the constant -1. Chained
// comparisons (`a < b < c`), which Python turns into `and`, are rejected.
// Extension: unary minus on an expression gives `Neg` (Qlib has no __neg__).
//
// Guarantees: never throws from `parseQlibExprResult`; every problem is a
// Q50xx diagnostic with a span into the text. `parseQlibExpr` throws a
// DiagnosticError (an API boundary) instead.

import type { FeatureExpr } from '../../../compiler/plan/data.js';
import type { Diagnostic, Span } from '../../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { checkCall, checkField } from './ops.js';

export interface ParseOptions {
  /** Known fields; other `$names` are reported (Q5002). */
  fields?: readonly string[];
  /** File name for spans (default `<qlib-expr>`). */
  file?: string;
}

export interface ParseResult {
  expr: FeatureExpr | null;
  diagnostics: Diagnostic[];
}

type TokKind = 'num' | 'ident' | 'field' | 'pitfield' | 'op' | 'end';

interface Token {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

const OPERATORS = ['**', '>=', '<=', '==', '!=', '>', '<', '+', '-', '*', '/', '&', '|', '(', ')', ','];
const NUMBER = /^(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

class ParseError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

const COMPARE: Record<string, string> = { '>': 'Gt', '>=': 'Ge', '<': 'Lt', '<=': 'Le', '==': 'Eq', '!=': 'Ne' };
const FOLD: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
  Power: (a, b) => a ** b,
};

export function parseQlibExprResult(text: string, opts: ParseOptions = {}): ParseResult {
  const file = opts.file ?? '<qlib-expr>';
  const span = (start: number, end: number): Span => ({ file, start, end });
  const fields = opts.fields ? new Set(opts.fields) : null;
  const diagnostics: Diagnostic[] = [];
  const fail = (message: string, start: number, end: number): never => {
    throw new ParseError(diag('featureSyntax', { message }, { span: span(start, end) }));
  };

  const tokens: Token[] = [];
  try {
    let k = 0;
    while (k < text.length) {
      const ch = text[k]!;
      if (/\s/.test(ch)) {
        k++;
        continue;
      }
      const rest = text.slice(k);
      if (ch === '$') {
        const pit = rest.startsWith('$$');
        const m = IDENT.exec(rest.slice(pit ? 2 : 1));
        if (!m) fail('expected a field name after $', k, k + 1);
        const len = (pit ? 2 : 1) + m![0].length;
        tokens.push({ kind: pit ? 'pitfield' : 'field', text: m![0], start: k, end: k + len });
        k += len;
        continue;
      }
      const num = NUMBER.exec(rest);
      if (num && /[\d.]/.test(ch)) {
        tokens.push({ kind: 'num', text: num[0], start: k, end: k + num[0].length });
        k += num[0].length;
        continue;
      }
      const id = IDENT.exec(rest);
      if (id) {
        tokens.push({ kind: 'ident', text: id[0], start: k, end: k + id[0].length });
        k += id[0].length;
        continue;
      }
      const op = OPERATORS.find((o) => rest.startsWith(o));
      if (!op) fail(`unexpected character ${JSON.stringify(ch)}`, k, k + 1);
      tokens.push({ kind: 'op', text: op!, start: k, end: k + op!.length });
      k += op!.length;
    }
    tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });

    let pos = 0;
    const peek = (): Token => tokens[pos]!;
    const isOp = (t: string): boolean => peek().kind === 'op' && peek().text === t;
    const expect = (t: string): Token => {
      if (!isOp(t)) {
        const p = peek();
        fail(`expected ${t}, found ${p.kind === 'end' ? 'end of expression' : p.text}`, p.start, Math.max(p.end, p.start + 1));
      }
      return tokens[pos++]!;
    };
    type Node = { e: FeatureExpr; start: number; end: number };

    const binary = (fn: string, a: Node, b: Node): Node => {
      const fold = FOLD[fn];
      if (fold && a.e.kind === 'const' && b.e.kind === 'const') {
        return { e: { kind: 'const', value: fold(a.e.value, b.e.value) }, start: a.start, end: b.end };
      }
      return { e: { kind: 'call', fn, args: [a.e, b.e] }, start: a.start, end: b.end };
    };

    const comparison = (): Node => {
      let left = bitor();
      let seen = false;
      while (peek().kind === 'op' && COMPARE[peek().text]) {
        const t = tokens[pos++]!;
        if (seen) fail('chained comparisons are not supported; use And(a < b, b < c)', t.start, t.end);
        seen = true;
        left = binary(COMPARE[t.text]!, left, bitor());
      }
      return left;
    };
    const bitor = (): Node => {
      let left = bitand();
      while (isOp('|')) {
        pos++;
        left = binary('Or', left, bitand());
      }
      return left;
    };
    const bitand = (): Node => {
      let left = arith();
      while (isOp('&')) {
        pos++;
        left = binary('And', left, arith());
      }
      return left;
    };
    const arith = (): Node => {
      let left = term();
      while (isOp('+') || isOp('-')) {
        const t = tokens[pos++]!;
        left = binary(t.text === '+' ? 'Add' : 'Sub', left, term());
      }
      return left;
    };
    const term = (): Node => {
      let left = unary();
      while (isOp('*') || isOp('/')) {
        const t = tokens[pos++]!;
        left = binary(t.text === '*' ? 'Mul' : 'Div', left, unary());
      }
      return left;
    };
    const unary = (): Node => {
      if (isOp('-') || isOp('+')) {
        const t = tokens[pos++]!;
        const inner = unary();
        if (t.text === '+') return { ...inner, start: t.start };
        if (inner.e.kind === 'const') return { e: { kind: 'const', value: -inner.e.value }, start: t.start, end: inner.end };
        return { e: { kind: 'call', fn: 'Neg', args: [inner.e] }, start: t.start, end: inner.end };
      }
      return power();
    };
    const power = (): Node => {
      const base = primary();
      if (isOp('**')) {
        pos++;
        return binary('Power', base, unary());
      }
      return base;
    };
    const primary = (): Node => {
      const t = peek();
      if (t.kind === 'num') {
        pos++;
        const value = Number(t.text.replace(/_/g, ''));
        if (!Number.isFinite(value)) fail(`${t.text} is not a valid number`, t.start, t.end);
        return { e: { kind: 'const', value }, start: t.start, end: t.end };
      }
      if (t.kind === 'field') {
        pos++;
        if (fields) diagnostics.push(...checkField(t.text, fields, { span: span(t.start, t.end) }, text));
        return { e: { kind: 'field', name: t.text }, start: t.start, end: t.end };
      }
      if (t.kind === 'pitfield') {
        pos++;
        diagnostics.push(diag('featureUnsupported', { what: `point-in-time field $$${t.text}` }, { span: span(t.start, t.end) }));
        return { e: { kind: 'field', name: t.text }, start: t.start, end: t.end };
      }
      if (t.kind === 'ident') {
        pos++;
        if (!isOp('(')) fail(`${t.text} must be called, e.g. ${t.text}($close, 5)`, t.start, t.end);
        pos++;
        const args: FeatureExpr[] = [];
        if (!isOp(')')) {
          args.push(comparison().e);
          while (isOp(',')) {
            pos++;
            args.push(comparison().e);
          }
        }
        const close = expect(')');
        const call = { kind: 'call' as const, fn: t.text, args };
        diagnostics.push(...checkCall(call, { span: span(t.start, close.end) }));
        return { e: call, start: t.start, end: close.end };
      }
      if (isOp('(')) {
        const open = tokens[pos++]!;
        const inner = comparison();
        const close = expect(')');
        return { e: inner.e, start: open.start, end: close.end };
      }
      return fail(
        t.kind === 'end' ? 'unexpected end of expression' : `unexpected ${t.text}`,
        t.start,
        Math.max(t.end, t.start + 1),
      );
    };

    const root = comparison();
    if (peek().kind !== 'end') {
      const t = peek();
      fail(`unexpected ${t.text} after the expression`, t.start, t.end);
    }
    return { expr: diagnostics.some((d) => d.severity === 'error') ? null : root.e, diagnostics };
  } catch (e) {
    if (e instanceof ParseError) return { expr: null, diagnostics: [...diagnostics, e.diagnostic] };
    throw e;
  }
}

/** Parse a Qlib expression; throws a DiagnosticError listing every problem. */
export function parseQlibExpr(text: string, opts: ParseOptions = {}): FeatureExpr {
  const r = parseQlibExprResult(text, opts);
  if (!r.expr) throw new DiagnosticError(r.diagnostics);
  return r.expr;
}
