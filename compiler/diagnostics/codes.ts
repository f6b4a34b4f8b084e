// The one table of diagnostic codes.
//
// Each entry: a stable key (the object property), a public code, a severity,
// typed parameters and formatters for the message and an optional hint.
// Keys, not message texts, identify a diagnostic, so rewording a message
// renames nothing.
//
// Bands (keep each entry in its band's section, codes ascending):
//   Q1xxx  syntax (lexer, parser)
//   Q2xxx  names and imports
//   Q3xxx  types and shapes
//   Q4xxx  time alignment and look-ahead
//   Q5xxx  data: 50xx feature expressions, 52xx importers and files,
//          54xx SQL sandbox and graph sources, 55xx synthetic market
//   Q6xxx  runtime: 60xx backends, ops and executor, 62xx training,
//          64xx evaluation and backtest, 65xx runs and reports
//   Q9xxx  compiler bugs (never the user's fault)
//
// test/diagnostics/codes.test.ts fails when a code is never raised in source
// or appears in no test expectation.

import type { Diagnostic, Related, Severity, Span } from './diagnostic.js';

export interface CodeDef<P> {
  code: string;
  severity: Severity;
  text: (p: P) => string;
  hint?: (p: P) => string;
}

function def<P = Record<string, never>>(
  code: string,
  severity: Severity,
  text: (p: P) => string,
  hint?: (p: P) => string,
): CodeDef<P> {
  return hint ? { code, severity, text, hint } : { code, severity, text };
}

type S = string;
type N = number;

export const codes = {
  // ── Q1xxx syntax ─────────────────────────────────────────────────────────
  unexpectedCharacter: def<{ char: S }>('Q1001', 'error', (p) => `unexpected character ${p.char}`),
  unterminatedString: def('Q1002', 'error', () => 'unterminated string literal',
    () => 'close the string with a matching quote on the same line, or use """ for several lines'),
  unexpectedToken: def<{ found: S; expected: S }>('Q1003', 'error',
    (p) => `unexpected ${p.found}; expected ${p.expected}`),
  unexpectedEnd: def<{ expected: S }>('Q1004', 'error', (p) => `unexpected end of file; expected ${p.expected}`),
  invalidDate: def<{ text: S }>('Q1005', 'error', (p) => `${p.text} is not a valid calendar date`),
  invalidNumber: def<{ text: S }>('Q1006', 'error', (p) => `${p.text} is not a valid number`),
  unterminatedComment: def('Q1007', 'error', () => 'unterminated block comment'),
  duplicateNamedArgument: def<{ name: S }>('Q1008', 'error', (p) => `argument ${p.name} is given twice`),
  positionalAfterNamed: def('Q1009', 'error', () => 'a positional argument follows a named one',
    () => 'put positional arguments first'),

  // ── Q2xxx names and imports ──────────────────────────────────────────────
  unknownName: def<{ name: S; suggestion?: S }>('Q2001', 'error', (p) => `unknown name ${p.name}`,
    (p) => (p.suggestion ? `did you mean ${p.suggestion}?` : 'declare it, or import it from a module')),
  duplicateDeclaration: def<{ name: S }>('Q2002', 'error', (p) => `${p.name} is declared twice in this module`),
  moduleNotFound: def<{ module: S }>('Q2003', 'error', (p) => `module ${p.module} not found`),
  importCycle: def<{ cycle: S }>('Q2004', 'error', (p) => `import cycle: ${p.cycle}`),
  notExported: def<{ name: S; module: S }>('Q2005', 'error', (p) => `${p.module} has no declaration named ${p.name}`),

  // ── Q3xxx types and shapes ───────────────────────────────────────────────
  axisMismatch: def<{ a: S; b: S }>('Q3001', 'error', (p) => `axis ${p.a} met axis ${p.b}`),

  // ── Q4xxx time alignment and look-ahead ──────────────────────────────────
  futureRead: def<{ expr: S }>('Q4001', 'error',
    (p) => `${p.expr} reads future rows outside a label`,
    () => 'a negative shift looks ahead; only a label may read the future'),

  // ── Q5xxx data ───────────────────────────────────────────────────────────
  // 50xx feature expressions

  // 52xx importers and files

  // 54xx SQL sandbox and graph sources

  // 55xx synthetic market

  // ── Q6xxx runtime ────────────────────────────────────────────────────────
  // 60xx backends, ops and executor

  // 62xx training

  // 64xx evaluation and backtest

  // 65xx runs and reports

  // ── Q9xxx compiler bugs ──────────────────────────────────────────────────
  internalError: def<{ what: S }>('Q9001', 'error', (p) => `internal compiler error: ${p.what}`,
    () => 'this is a bug in Quiver, not in your program; please report it with the file that triggers it'),
} as const;

export type CodeKey = keyof typeof codes;
export type ParamsOf<K extends CodeKey> = (typeof codes)[K] extends CodeDef<infer P> ? P : never;

export interface DiagExtra {
  span?: Span;
  location?: string;
  related?: Related[];
  hints?: string[];
}

/** Build a diagnostic from the table. */
export function diag<K extends CodeKey>(key: K, params: ParamsOf<K>, extra: DiagExtra = {}): Diagnostic {
  const entry = codes[key] as CodeDef<ParamsOf<K>>;
  const hints = [...(extra.hints ?? [])];
  if (entry.hint) hints.push(entry.hint(params));
  const d: Diagnostic = {
    key,
    code: entry.code,
    severity: entry.severity,
    message: entry.text(params),
    hints,
    related: extra.related ?? [],
  };
  if (extra.span) d.span = extra.span;
  if (extra.location) d.location = extra.location;
  return d;
}

/** All codes, for docs and the code-coverage test. */
export function codeList(): { key: CodeKey; code: string; severity: Severity }[] {
  return (Object.keys(codes) as CodeKey[]).map((key) => ({ key, code: codes[key].code, severity: codes[key].severity }));
}
