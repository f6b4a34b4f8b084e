// Tokens of the Quiver language and the lexer that produces them.
//
// What it does: defines chevrotain token types (docs/language.md §1) and
// `lex(text)`, which returns the token vector for the parser, the comments
// (kept for the printer) and lexical problems as plain records. It never
// throws on any input.
//
// Assumptions and choices:
// - Reserved words (`import as let return write if then else for in and or
//   not true false`) are keyword tokens; soft keywords (`model`, `data`, ...)
//   are ordinary Identifiers and the parser recognises them by image.
// - Keywords and Identifier share the abstract category `Key`, so a rule that
//   accepts "a name or a reserved word" (record keys, named arguments, member
//   names) consumes `Key`.
// - Every token type also belongs to `AnyToken`, and all but `}` to
//   `NotRCurly`: the parser's junk rules use them to skip stray tokens between
//   declarations and between block items without losing the rest of the file.
// - Strings, tagged strings, numbers and block comments use small hand-written
//   matchers: they are precise where a regular expression would backtrack
//   (`1e5` vs `1e`), and they also match the unterminated forms so that the
//   parser sees a string and the problem becomes one diagnostic (Q1002/Q1007)
//   rather than a cascade.
//
// Guarantees: tokens come in source order, with UTF-16 offsets; each parser
// token carries `startsLine` and `column` (0-based) for the parser's
// line-aware error recovery.

import { createToken, Lexer, type CustomPatternMatcherReturn, type IToken, type TokenType } from 'chevrotain';

// ── Abstract categories ──────────────────────────────────────────────────────

/** Any token the parser can consume (used by the junk-skipping rules). */
export const AnyToken = createToken({ name: 'AnyToken', pattern: Lexer.NA });
/** Any token except `}` (junk inside a block must stop at the block's end). */
export const NotRCurly = createToken({ name: 'NotRCurly', pattern: Lexer.NA });
/** An identifier or a reserved word: record keys, named arguments, member names. */
export const Key = createToken({ name: 'Key', pattern: Lexer.NA });
export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA });
/** `(`, `[`, `{` and their closers: the junk rules skip bracketed groups whole. */
export const Opener = createToken({ name: 'Opener', pattern: Lexer.NA });
export const Closer = createToken({ name: 'Closer', pattern: Lexer.NA });

const junk = [AnyToken, NotRCurly];

// ── Trivia ───────────────────────────────────────────────────────────────────

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });

/** `/* ... *\/`; an unterminated one runs to the end of the file (payload: terminated). */
function matchBlockComment(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 47 /* / */ || text.charCodeAt(offset + 1) !== 42 /* * */) return null;
  const close = text.indexOf('*/', offset + 2);
  const end = close < 0 ? text.length : close + 2;
  const m = [text.slice(offset, end)] as CustomPatternMatcherReturn;
  m.payload = { terminated: close >= 0 } satisfies CommentPayload;
  return m;
}
export interface CommentPayload {
  terminated: boolean;
}
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: { exec: matchBlockComment },
  start_chars_hint: ['/'],
  line_breaks: true,
  group: 'comments',
});

// ── Strings ──────────────────────────────────────────────────────────────────

export interface StringPayload {
  /** The tag of a tagged string (`sql`, `qlib`); empty for a plain string. */
  tag: string;
  triple: boolean;
  terminated: boolean;
  /** Offset of the first content character (after the opening quotes). */
  contentStart: number;
  /** Offset just after the last content character (before the closing quotes). */
  contentEnd: number;
}

/**
 * Matches a string starting at `quote` (the offset of its first `"`):
 * `"""raw"""` (may span lines) or `"escaped"` (one line). Unterminated strings
 * match too: a triple-quoted one to the end of the file, a plain one to the
 * end of its line.
 */
function scanString(text: string, start: number, quote: number, tag: string): CustomPatternMatcherReturn {
  let end: number;
  let payload: StringPayload;
  if (text.startsWith('"""', quote)) {
    const close = text.indexOf('"""', quote + 3);
    end = close < 0 ? text.length : close + 3;
    payload = { tag, triple: true, terminated: close >= 0, contentStart: quote + 3, contentEnd: close < 0 ? end : close };
  } else {
    let i = quote + 1;
    let terminated = false;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34 /* " */) {
        terminated = true;
        break;
      }
      if (c === 10 || c === 13) break;
      // A backslash escapes the next character unless that is a line break
      // (a string never spans lines unless triple-quoted).
      if (c === 92 /* \ */ && i + 1 < text.length && text.charCodeAt(i + 1) !== 10 && text.charCodeAt(i + 1) !== 13) i += 2;
      else i += 1;
    }
    end = terminated ? i + 1 : i;
    payload = { tag, triple: false, terminated, contentStart: quote + 1, contentEnd: i };
  }
  const m = [text.slice(start, end)] as CustomPatternMatcherReturn;
  m.payload = payload;
  return m;
}

function matchString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (text.charCodeAt(offset) !== 34) return null;
  return scanString(text, offset, offset, '');
}

/** Reserved words: never identifiers, so never a tag (docs/language.md §1). */
const RESERVED = new Set([
  'import', 'as', 'let', 'return', 'write', 'if', 'then', 'else', 'for', 'in', 'and', 'or', 'not', 'true', 'false',
]);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

/** `sql"..."`, `qlib"""..."""`: an identifier (not a reserved word) immediately followed by a string. */
function matchTaggedString(text: string, offset: number): CustomPatternMatcherReturn | null {
  if (!isIdentStart(text.charCodeAt(offset))) return null;
  let i = offset + 1;
  while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 34) return null;
  const tag = text.slice(offset, i);
  if (RESERVED.has(tag)) return null;
  return scanString(text, offset, i, tag);
}

const IDENT_START_CHARS = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'];

export const TaggedString = createToken({
  name: 'TaggedString',
  pattern: { exec: matchTaggedString },
  start_chars_hint: IDENT_START_CHARS,
  line_breaks: true,
  categories: junk,
});
export const StringLit = createToken({
  name: 'StringLit',
  pattern: { exec: matchString },
  start_chars_hint: ['"'],
  line_breaks: true,
  categories: junk,
});

// ── Names, keywords, fields ──────────────────────────────────────────────────

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Key, ...junk] });

function keyword(word: string, name: string): TokenType {
  return createToken({ name, pattern: new RegExp(word), longer_alt: Identifier, categories: [Key, ...junk], label: `\`${word}\`` });
}
export const Import = keyword('import', 'Import');
export const As = keyword('as', 'As');
export const Let = keyword('let', 'Let');
export const Return = keyword('return', 'Return');
export const Write = keyword('write', 'Write');
export const If = keyword('if', 'If');
export const Then = keyword('then', 'Then');
export const Else = keyword('else', 'Else');
export const For = keyword('for', 'For');
export const In = keyword('in', 'In');
export const And = keyword('and', 'And');
export const Or = keyword('or', 'Or');
export const Not = keyword('not', 'Not');
export const True = keyword('true', 'True');
export const False = keyword('false', 'False');

/** `$close` or `$$roe` (point-in-time). */
export const Field = createToken({ name: 'Field', pattern: /\$\$?[A-Za-z_][A-Za-z0-9_]*/, categories: junk });

// ── Numbers and dates ────────────────────────────────────────────────────────

/** `2008-01-01`; listed before numbers so it stays one token. */
export const DateLit = createToken({ name: 'DateLit', pattern: /\d{4}-\d{2}-\d{2}/, categories: junk });

/**
 * `42`, `1.5`, `.25`, `1e-3`, `2.5E+4`. A fraction needs a digit after the dot
 * so `59..0` is `59 .. 0`. Identifier characters glued to a number (`1e`,
 * `3x`) are swallowed into the token, which to-ast then reports as one
 * invalid number (Q1006) instead of two confusing tokens.
 */
function matchNumber(text: string, offset: number): CustomPatternMatcherReturn | null {
  const isDigit = (k: number): boolean => {
    const c = text.charCodeAt(k);
    return c >= 48 && c <= 57;
  };
  let i = offset;
  if (isDigit(i)) {
    while (isDigit(i)) i++;
    if (text.charCodeAt(i) === 46 && isDigit(i + 1)) {
      i++;
      while (isDigit(i)) i++;
    }
  } else if (text.charCodeAt(i) === 46 && isDigit(i + 1)) {
    i++;
    while (isDigit(i)) i++;
  } else {
    return null;
  }
  const e = text.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const s = text.charCodeAt(j);
    if (s === 43 || s === 45) j++;
    if (isDigit(j)) {
      while (isDigit(j)) j++;
      i = j;
    }
  }
  while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
  return [text.slice(offset, i)] as CustomPatternMatcherReturn;
}
export const NumberLit = createToken({
  name: 'NumberLit',
  pattern: { exec: matchNumber },
  start_chars_hint: [...'0123456789.'],
  categories: junk,
});

// ── Operators and punctuation ────────────────────────────────────────────────

function punct(name: string, image: string, extra: TokenType[] = []): TokenType {
  const pattern = new RegExp(image.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
  return createToken({ name, pattern, categories: [...extra, ...junk], label: `\`${image}\`` });
}
export const Pipe = punct('Pipe', '|>');
export const Bar = punct('Bar', '|');
export const Arrow = punct('Arrow', '->');
export const LArrow = punct('LArrow', '<-');
export const EqEq = punct('EqEq', '==', [CmpOp]);
export const NotEq = punct('NotEq', '!=', [CmpOp]);
export const LtEq = punct('LtEq', '<=', [CmpOp]);
export const GtEq = punct('GtEq', '>=', [CmpOp]);
export const Lt = punct('Lt', '<', [CmpOp]);
export const Gt = punct('Gt', '>', [CmpOp]);
export const Equals = punct('Equals', '=');
export const Plus = punct('Plus', '+', [AddOp]);
export const Minus = punct('Minus', '-', [AddOp]);
export const Star = punct('Star', '*', [MulOp]);
export const Slash = punct('Slash', '/', [MulOp]);
export const Percent = punct('Percent', '%', [MulOp]);
export const Caret = punct('Caret', '^');
export const Amp = punct('Amp', '&');
export const Ellipsis = punct('Ellipsis', '...');
export const DotDot = punct('DotDot', '..');
export const Dot = punct('Dot', '.');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const LParen = punct('LParen', '(', [Opener]);
export const RParen = punct('RParen', ')', [Closer]);
export const LBracket = punct('LBracket', '[', [Opener]);
export const RBracket = punct('RBracket', ']', [Closer]);
export const LCurly = punct('LCurly', '{', [Opener]);
export const RCurly = createToken({ name: 'RCurly', pattern: /}/, categories: [Closer, AnyToken], label: '`}`' });

/** Order matters: chevrotain takes the first pattern that matches. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  TaggedString,
  Import, As, Let, Return, Write, If, Then, Else, For, In, And, Or, Not, True, False,
  Identifier,
  StringLit,
  Field,
  DateLit,
  NumberLit,
  Pipe, Bar, Arrow, LArrow, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Equals,
  Plus, Minus, Star, Slash, Percent, Caret, Amp,
  Ellipsis, DotDot, Dot, Comma, Colon,
  LParen, RParen, LBracket, RBracket, LCurly, RCurly,
];

/** The vocabulary the parser is built from (categories included). */
export const vocabulary: TokenType[] = [AnyToken, NotRCurly, Key, CmpOp, AddOp, MulOp, Opener, Closer, ...allTokens];

let lexerInstance: Lexer | undefined;

/** The lexer is built once per process (chevrotain analyses the patterns on construction). */
function lexer(): Lexer {
  lexerInstance ??= new Lexer(allTokens, {
    positionTracking: 'onlyOffset',
    ensureOptimizations: true,
    // As for the parser (parser-recovery.ts): tests and debug runs validate the patterns, the CLI skips it.
    skipValidations: globalThis.process?.env['QUIVER_VERIFY'] !== '1',
  });
  return lexerInstance;
}

/** A parser token with the layout facts used by error recovery. */
export interface QToken extends IToken {
  /** True when no other token precedes it on its line (comments do not count). */
  startsLine: boolean;
  /** 0-based column (UTF-16 units from the start of its line). */
  column: number;
}

export interface LexProblem {
  kind: 'unexpectedCharacter' | 'unterminatedString' | 'unterminatedComment';
  start: number;
  end: number;
  /** The offending character, for unexpectedCharacter. */
  char?: string;
}

export interface LexResult {
  tokens: QToken[];
  comments: IToken[];
  problems: LexProblem[];
}

/** Lex `text`. Never throws; every lexical problem becomes a LexProblem. */
export function lex(text: string): LexResult {
  const res = lexer().tokenize(text);
  const problems: LexProblem[] = [];
  for (const e of res.errors) {
    const cp = text.codePointAt(e.offset) ?? 0;
    problems.push({ kind: 'unexpectedCharacter', start: e.offset, end: e.offset + e.length, char: String.fromCodePoint(cp) });
  }
  const tokens = res.tokens as QToken[];
  const comments = (res.groups['comments'] ?? []) as IToken[];
  for (const c of comments) {
    c.endOffset = c.startOffset + c.image.length - 1;
    if (c.tokenType === BlockComment && !(c.payload as CommentPayload).terminated) {
      problems.push({ kind: 'unterminatedComment', start: c.startOffset, end: c.startOffset + c.image.length });
    }
  }
  // Layout facts: walk lines and tokens together (both in offset order).
  let lineStart = 0;
  let scan = 0;
  let prevLine = -1;
  let line = 0;
  for (const t of tokens) {
    while (scan < t.startOffset) {
      const c = text.charCodeAt(scan);
      if (c === 10 || (c === 13 && text.charCodeAt(scan + 1) !== 10)) {
        line++;
        lineStart = scan + 1;
      }
      scan++;
    }
    t.startsLine = line !== prevLine;
    t.column = t.startOffset - lineStart;
    // The offset-only lexer mode leaves endOffset unset; chevrotain's CST
    // node locations need it (inclusive, as in chevrotain's full mode).
    t.endOffset = t.startOffset + t.image.length - 1;
    // Multi-line tokens (triple-quoted strings) move the line counter on.
    const end = t.startOffset + t.image.length;
    while (scan < end) {
      const c = text.charCodeAt(scan);
      if (c === 10 || (c === 13 && text.charCodeAt(scan + 1) !== 10)) {
        line++;
        lineStart = scan + 1;
      }
      scan++;
    }
    prevLine = line;
    if ((t.tokenType === StringLit || t.tokenType === TaggedString) && !(t.payload as StringPayload).terminated) {
      problems.push({ kind: 'unterminatedString', start: t.startOffset, end });
    }
  }
  problems.sort((a, b) => a.start - b.start);
  return { tokens, comments, problems };
}
