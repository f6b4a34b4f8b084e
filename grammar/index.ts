// The public API of grammar/: parse, parseExpression, print, format.
//
// Guarantees: `parse` and `parseExpression` never throw; they always return
// a result (a Module with every declaration that could be recovered) and the
// syntax diagnostics (Q1xxx) in source order. Input nested too deeply for
// the parser's recursion becomes Q1011; a failure inside the parser itself
// (a bug) becomes Q9001, never an exception. `format` refuses to reformat
// text with syntax errors and hands it back unchanged.

import type { Expr, Module } from './ast.js';
import type { Diagnostic, Span } from '../compiler/diagnostics/diagnostic.js';
import { hasErrors } from '../compiler/diagnostics/diagnostic.js';
import { diag } from '../compiler/diagnostics/codes.js';
import { EOF, type IRecognitionException } from 'chevrotain';
import { lex, type LexProblem, type LexResult } from './tokens.js';
import { parser } from './parser.js';
import { commentsOf, describeFound, expressionToAst, moduleToAst, type ToAstContext } from './to-ast.js';
import { print } from './printer.js';

export { print };
export type { Module };

export interface ParseResult {
  module: Module;
  diagnostics: Diagnostic[];
}

function lexDiagnostics(problems: LexProblem[], ctx: ToAstContext): Diagnostic[] {
  const span = (p: LexProblem): Span => ({ file: ctx.file, start: ctx.base + p.start, end: ctx.base + p.end });
  return problems.map((p) => {
    if (p.kind === 'unexpectedCharacter') {
      const ch = p.char ?? '';
      const shown = /^[\x21-\x7e]$/.test(ch) ? `\`${ch}\`` : `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
      return diag('unexpectedCharacter', { char: shown }, { span: span(p) });
    }
    return diag(p.kind, {}, { span: span(p) });
  });
}

/** chevrotain's recorded errors as Q1003/Q1004; the message provider already produced the "expected" text. */
function parseDiagnostics(errors: IRecognitionException[], ctx: ToAstContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<number>();
  for (const e of errors) {
    const t = e.token;
    const atEnd = t.tokenType === EOF || Number.isNaN(t.startOffset);
    const start = atEnd ? ctx.text.length : t.startOffset;
    if (seen.has(start)) continue;
    seen.add(start);
    if (atEnd) {
      const at = ctx.base + ctx.text.length;
      out.push(diag('unexpectedEnd', { expected: e.message }, { span: { file: ctx.file, start: at, end: at } }));
    } else {
      const span = { file: ctx.file, start: ctx.base + t.startOffset, end: ctx.base + t.startOffset + t.image.length };
      out.push(diag('unexpectedToken', { found: describeFound(t), expected: e.message }, { span }));
    }
  }
  return out;
}

function byPosition(a: Diagnostic, b: Diagnostic): number {
  return (a.span?.start ?? 0) - (b.span?.start ?? 0);
}

/**
 * Offsets of the tokens right after an unexpected character: a stray `#`
 * usually ends the expression it sits in, and "unexpected 2" for the token
 * after it would only repeat the same mistake.
 */
function echoesOfBadCharacters(lexed: LexResult, ctx: ToAstContext): Set<number> {
  const out = new Set<number>();
  let i = 0;
  for (const p of lexed.problems) {
    if (p.kind !== 'unexpectedCharacter') continue;
    while (i < lexed.tokens.length && lexed.tokens[i]!.startOffset < p.end) i++;
    const next = lexed.tokens[i];
    if (next) out.add(ctx.base + next.startOffset);
  }
  return out;
}

/**
 * Sorted by position; of several Q1003/Q1004 at one token only the first is
 * kept (the parser's own error comes before a junk report of the same
 * token), and none right after an unexpected character (see above).
 */
function finish(diagnostics: Diagnostic[], quiet: Set<number>): Diagnostic[] {
  const seen = new Set<number>();
  return diagnostics.sort(byPosition).filter((d) => {
    if (d.code !== 'Q1003' && d.code !== 'Q1004') return true;
    const at = d.span?.start ?? -1;
    if (seen.has(at) || quiet.has(at)) return false;
    seen.add(at);
    return true;
  });
}

/** The first bracket at the deepest nesting level: where a too-deep expression is. */
function deepestBracket(text: string, ctx: ToAstContext): Span {
  let depth = 0;
  let best = -1;
  let at = 0;
  for (const t of lex(text).tokens) {
    const c = t.image;
    if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (depth > best) {
        best = depth;
        at = t.startOffset;
      }
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
    }
  }
  return { file: ctx.file, start: ctx.base + at, end: ctx.base + at + (best > 0 ? 1 : 0) };
}

/**
 * A failure inside the parser. Running out of stack means the input nests
 * too deeply (the user's input, Q1011); anything else is our bug (Q9001).
 */
function failure(e: unknown, text: string, ctx: ToAstContext): Diagnostic {
  if (e instanceof RangeError) return diag('tooDeeplyNested', {}, { span: deepestBracket(text, ctx) });
  const what = e instanceof Error ? e.message.split('\n')[0]! : String(e);
  return diag('internalError', { what: `the parser failed: ${what}` }, { span: { file: ctx.file, start: ctx.base, end: ctx.base } });
}

/** Parse a whole `.qv` file. */
export function parse(text: string, file: string): ParseResult {
  const ctx: ToAstContext = { file, text, base: 0 };
  const module: Module = { kind: 'Module', span: { file, start: 0, end: text.length }, file, decls: [], comments: [] };
  try {
    const lexed = lex(text);
    const p = parser();
    const cst = p.parseModule(lexed.tokens);
    const conv = moduleToAst(cst, ctx, p.errors.length > 0);
    module.decls = conv.decls;
    module.comments = commentsOf(lexed.comments, ctx);
    const diagnostics = [...lexDiagnostics(lexed.problems, ctx), ...parseDiagnostics(p.errors, ctx), ...conv.diagnostics];
    return { module, diagnostics: finish(diagnostics, echoesOfBadCharacters(lexed, ctx)) };
  } catch (e) {
    return { module, diagnostics: [failure(e, text, ctx)] };
  }
}

/**
 * Parse one expression, e.g. the content of a `qlib"..."` string. Spans are
 * shifted by `offset`, so passing a TaggedString's `contentStart` makes them
 * point into the enclosing file (exactly, when the string has no escapes).
 * `expr` is undefined when nothing could be recovered.
 */
export function parseExpression(text: string, file: string, offset = 0): { expr: Expr | undefined; diagnostics: Diagnostic[] } {
  const ctx: ToAstContext = { file, text, base: offset };
  try {
    const lexed = lex(text);
    const p = parser();
    const cst = p.parseExpressionOnly(lexed.tokens);
    const conv = expressionToAst(cst, ctx, p.errors.length > 0);
    const diagnostics = [...lexDiagnostics(lexed.problems, ctx), ...parseDiagnostics(p.errors, ctx), ...conv.diagnostics];
    return { expr: conv.expr, diagnostics: finish(diagnostics, echoesOfBadCharacters(lexed, ctx)) };
  } catch (e) {
    return { expr: undefined, diagnostics: [failure(e, text, ctx)] };
  }
}

/** `quiver fmt`: the canonical text, or the original text when it has syntax errors. */
export function format(text: string, file: string): { text: string; diagnostics: Diagnostic[] } {
  const { module, diagnostics } = parse(text, file);
  if (hasErrors(diagnostics)) return { text, diagnostics };
  return { text: print(module), diagnostics };
}
