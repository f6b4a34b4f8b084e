// The base of the Quiver parser: chevrotain configuration, syntax-error
// texts and error recovery. The grammar rules live in parser-expressions.ts
// and parser.ts, which extend this class.
//
// Error recovery, the part that is ours rather than chevrotain's:
// - Junk rules (parser.ts). `module` loops over `declaration | topJunk`, and
//   every block (model body, data/strategy/features/train bodies) over
//   `item | blockJunk`, so a stray token costs one diagnostic (to-ast.ts
//   reports each run of junk) and parsing goes on with the next item.
// - Item resynchronisation. Only "item" rules (declaration, statement, clause,
//   trainClause, featureDef, stage, recordEntry) have chevrotain's re-sync
//   enabled; an error anywhere inside an item unwinds to the nearest item.
//   Chevrotain's own re-sync stops at the first token of the follow set
//   (for a clause: any identifier), which cascades. We override its three
//   re-sync hooks (findReSyncTokenType, isInCurrentRuleReSyncSet, reSyncTo)
//   with a line-aware scan (planResync): the next sibling is a token that
//   starts a line at the item's own column (or, for keywords and commas, any
//   such token outside the brackets the error sits in); a dedented token
//   belongs to an outer level, so the item gives up and the error unwinds
//   further; a declaration resyncs at the next line that begins a
//   declaration. Single-token insertion and in-repetition recovery are
//   switched off so that all re-sync decisions go through that one function
//   (single-token deletion stays).
// - Unclosed blocks. When a block's `{` has no matching `}`, a line-start
//   declaration keyword at or left of the declaration's column ends it (the
//   `declBoundary` gate), so a missing `}` loses one declaration, not the file.
//
// These overrides use chevrotain internals (RULE_STACK_IDX, currIdx,
// tokVector, tokVectorLength, ruleInvocationStateUpdate,
// attemptInRepetitionRecovery); chevrotain is pinned at 11.2.0
// (shared/DEPENDENCIES.md) and the recovery tests fail if they change.

import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
import {
  Colon, Comma, DateLit, Field, Identifier, Import, Key, LBracket, LCurly, Let, LParen, NumberLit, RBracket, RCurly,
  Return, RParen, StringLit, TaggedString, Write, vocabulary, type QToken,
} from './tokens.js';

/** Soft keywords that begin a top-level declaration. */
const DECL_KEYWORDS = [
  'dim', 'model', 'loss', 'data', 'features', 'graph', 'memory', 'schedule', 'env', 'train', 'strategy',
] as const;
const DECL_SOFT = new Set<string>(DECL_KEYWORDS);

/** The readable "expected" text for a missing declaration. */
export const EXPECTED_DECLARATION =
  'a declaration (import, dim, let, model, loss, data, features, graph, memory, schedule, env, train, strategy)';

const EXPRESSION_RULES = new Set([
  'expression', 'ifExpr', 'pipeExpr', 'orExpr', 'andExpr', 'notExpr', 'cmpExpr', 'rangeExpr', 'addExpr', 'mulExpr',
  'unaryExpr', 'powExpr', 'postfixExpr', 'primary', 'expressionOnly',
]);

/** Describes a token type for "expected ..." texts. */
function describeTokenType(t: TokenType): string {
  switch (t) {
    case Identifier:
    case Key:
      return 'a name';
    case StringLit:
      return 'a string';
    case TaggedString:
      return 'a tagged string';
    case NumberLit:
      return 'a number';
    case DateLit:
      return 'a date';
    case Field:
      return 'a field';
    case EOF:
      return 'end of file';
    default:
      return typeof t.LABEL === 'string' ? t.LABEL : t.name;
  }
}

/** Where a closing token ends a comma-separated list, say what else could have come. */
const LIST_CLOSERS: Record<string, Map<TokenType, string>> = {
  callArgs: new Map([[RParen, '`,` or `)`']]),
  parenExpr: new Map([[RParen, '`,` or `)`']]),
  listExpr: new Map([[RBracket, '`,` or `]`']]),
  record: new Map([[RCurly, 'a `key: value` entry or `}`']]),
  importItems: new Map([[RCurly, '`,` or `}`']]),
  params: new Map([[RParen, '`,` or `)`']]),
  modelDecl: new Map([[RParen, 'a parameter or `)`']]),
  typeExpr: new Map([[RBracket, '`,` or `]`'], [RParen, '`,` or `)`']]),
  pattern: new Map([[RParen, '`,` or `)`']]),
  featuresDecl: new Map([[RParen, '`,` or `)`']]),
  expressionOnly: new Map([[EOF, 'the end of the expression']]),
};

/** After a comma, a list wants another item or its closer. */
const AFTER_COMMA: Record<string, Map<TokenType, string>> = {
  callArgs: new Map([[RParen, 'an argument or `)`']]),
  listExpr: new Map([[RBracket, 'an expression or `]`']]),
  importItems: new Map([[RCurly, 'a name or `}`']]),
  params: new Map([[RParen, 'a parameter or `)`']]),
};

const NO_ALT: Record<string, string> = {
  declaration: EXPECTED_DECLARATION,
  typeExpr: 'a type',
  axis: 'an axis name or `...`',
  pattern: 'a name or `(a, b)`',
  clause: 'a value, `key: value` entries or `name = value`',
  importDecl: 'a module name or a string path',
  statement: 'a statement (let, write, return)',
};

/**
 * chevrotain calls these to build error texts. We return only the readable
 * "expected" part; to-ast.ts pairs it with the offending token to make a
 * Q1003/Q1004 diagnostic, so no multi-line chevrotain text reaches the user.
 */
const errorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, ruleName, previous }) {
    if (previous?.tokenType === Comma && AFTER_COMMA[ruleName]?.has(expected)) return AFTER_COMMA[ruleName]!.get(expected)!;
    return LIST_CLOSERS[ruleName]?.get(expected) ?? describeTokenType(expected);
  },
  buildNotAllInputParsedMessage() {
    return 'end of file';
  },
  buildNoViableAltMessage({ ruleName, customUserDescription }) {
    if (customUserDescription) return customUserDescription;
    if (EXPRESSION_RULES.has(ruleName)) return 'an expression';
    return NO_ALT[ruleName] ?? 'something else';
  },
  buildEarlyExitMessage({ ruleName, customUserDescription }) {
    return customUserDescription ?? NO_ALT[ruleName] ?? 'something else';
  },
};

/** The chevrotain internals the recovery overrides read (see header). */
interface Internals {
  RULE_STACK_IDX: number;
  currIdx: number;
  /** The tokens, followed during a parse by chevrotain's EOF sentinels. */
  tokVector: QToken[];
  /** The number of real tokens (without the sentinels). */
  tokVectorLength: number;
  getCurrRuleFullName(): string;
}

const base = CstParser.prototype as unknown as {
  ruleInvocationStateUpdate(this: unknown, shortName: number, fullName: string, idx: number): void;
};

/** Per item rule: which tokens may resume a sibling item after an error. */
interface ResyncPolicy {
  /** Can `t` (followed by `next`) begin an item of this rule? */
  starts(t: QToken, next: QToken | undefined): boolean;
  /** Keywords that start an item wherever they stand outside brackets (`let`, `write`, `return`). */
  anywhere?: boolean;
  /** A `,` outside brackets separates items (records, train bodies). */
  comma?: boolean;
  /** Closers that end the enclosing list when met at the item's bracket level: resume there. */
  closers: TokenType[];
}

const isIdent = (t: QToken): boolean => t.tokenType === Identifier;
const isKey = (t: QToken): boolean => t.tokenType === Identifier || (t.tokenType.CATEGORIES ?? []).includes(Key);

/**
 * Does token `t` look like the start of a declaration (`import`, `let` or a
 * declaration's soft keyword)? Used only by error recovery, so it does not
 * ask for the name after it: a broken declaration may have lost it.
 */
export function startsDeclaration(t: IToken): boolean {
  if (t.tokenType === Import || t.tokenType === Let) return true;
  return t.tokenType === Identifier && DECL_SOFT.has(t.image);
}

const POLICIES: Record<string, ResyncPolicy> = {
  statement: { starts: (t) => t.tokenType === Let || t.tokenType === Write || t.tokenType === Return, anywhere: true, closers: [RCurly] },
  clause: { starts: isIdent, closers: [RCurly] },
  trainClause: { starts: isIdent, closers: [RCurly] },
  featureDef: { starts: isIdent, closers: [RCurly] },
  stage: { starts: isKey, comma: true, closers: [RCurly] },
  recordEntry: { starts: isKey, comma: true, closers: [RCurly, RParen] },
};

function isOpener(t: IToken): boolean {
  return t.tokenType === LParen || t.tokenType === LBracket || t.tokenType === LCurly;
}
function isCloser(t: IToken): boolean {
  return t.tokenType === RParen || t.tokenType === RBracket || t.tokenType === RCurly;
}

export class RecoveringParser extends CstParser {
  /** Token index at which each active rule began, by rule-stack depth. */
  private ruleStarts: number[] = [];
  /** The decision of the last planResync call (consumed by the two hooks after it). */
  private plan: { accept: boolean; target: number } = { accept: false, target: 0 };
  /** For each bracket token index: the index of its partner, or -1 if unmatched. */
  private match: Int32Array = new Int32Array(0);
  /** For each token index: the innermost `{` that encloses it (-1 when none). */
  private enclosingCurly: Int32Array = new Int32Array(0);

  constructor() {
    super(vocabulary, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
      errorMessageProvider: errorMessages,
      // chevrotain's grammar validations (ambiguities, left recursion) take
      // about 40 % of building the parser, paid on every `quiver` start. They
      // can only fail when the grammar changes, so tests and debug runs
      // (QUIVER_VERIFY=1, set by vitest.config.ts) run them and the CLI skips them.
      skipValidations: globalThis.process?.env['QUIVER_VERIFY'] !== '1',
    });
  }

  /**
   * Call once all rules are defined (the most derived constructor):
   * chevrotain's grammar analysis, then our recovery settings.
   */
  protected finishSetup(): void {
    this.performSelfAnalysis();
    // In-repetition recovery skips tokens by chevrotain's follow sets, which are
    // not line-aware; all recovery goes through planResync instead.
    (this as unknown as { attemptInRepetitionRecovery: () => void }).attemptInRepetitionRecovery = () => {};
  }

  /** Sets the input and the bracket tables the gates and planResync read. */
  protected load(tokens: QToken[]): void {
    this.input = tokens;
    this.ruleStarts = [];
    this.enclosingCurly = new Int32Array(tokens.length);
    this.match = new Int32Array(tokens.length).fill(-1);
    // One stack per bracket kind: a stray `)` must not unbalance the braces.
    const stacks = new Map<TokenType, number[]>([[LParen, []], [LBracket, []], [LCurly, []]]);
    const openerOf = new Map<TokenType, TokenType>([[RParen, LParen], [RBracket, LBracket], [RCurly, LCurly]]);
    const curly = stacks.get(LCurly)!;
    for (let i = 0; i < tokens.length; i++) {
      this.enclosingCurly[i] = curly.length ? curly[curly.length - 1]! : -1;
      const t = tokens[i]!.tokenType;
      // Parentheses and brackets do not reach across a line that begins a
      // declaration at column 0, so a stray `(` in one declaration is not
      // paired with a stray `)` in another. (This table only guides error
      // recovery; braces are matched over the whole file, since a valid
      // block may hold a column-0 clause that looks like a declaration.)
      const tok = tokens[i]!;
      if (tok.startsLine && tok.column === 0 && startsDeclaration(tok)) {
        stacks.get(LParen)!.length = 0;
        stacks.get(LBracket)!.length = 0;
      }
      const stack = stacks.get(t);
      if (stack) {
        stack.push(i);
        continue;
      }
      const opener = openerOf.get(t);
      if (opener) {
        const j = stacks.get(opener)!.pop();
        if (j !== undefined) {
          this.match[j] = i;
          this.match[i] = j;
        }
      }
    }
  }

  private get internals(): Internals {
    return this as unknown as Internals;
  }

  // ── Recovery hooks (chevrotain internals; see header) ─────────────────────

  ruleInvocationStateUpdate(shortName: number, fullName: string, idx: number): void {
    base.ruleInvocationStateUpdate.call(this, shortName, fullName, idx);
    const me = this.internals;
    this.ruleStarts[me.RULE_STACK_IDX] = me.currIdx + 1;
  }

  /**
   * Never invent a missing token: a declaration that needs one is broken
   * anyway, and resuming by the line-aware scan below loses less than
   * continuing after a guessed `)`. (Single-token deletion stays on.)
   */
  protected override canTokenTypeBeInsertedInRecovery(): boolean {
    return false;
  }

  /**
   * Single-token deletion (skip one bad token when the next is the expected
   * one) stays on, but never reaches into the next line: there the "expected"
   * token is far more likely the start of the next item than the rest of
   * this one.
   */
  protected override canTokenTypeBeDeletedInRecovery(): boolean {
    const next = this.LA(2) as Partial<QToken>;
    return next.startsLine !== true;
  }

  findReSyncTokenType(): TokenType {
    this.plan = this.planResync(this.internals.getCurrRuleFullName());
    const t = this.internals.tokVector[this.plan.target];
    return t ? t.tokenType : EOF;
  }

  isInCurrentRuleReSyncSet(): boolean {
    return this.plan.accept;
  }

  reSyncTo(): IToken[] {
    this.internals.currIdx = this.plan.target - 1;
    return [];
  }

  /**
   * Where should the rule now on top of the stack resume after an error?
   * Returns accept=false when this rule should give up and let the error
   * unwind to an enclosing item.
   */
  private planResync(rule: string): { accept: boolean; target: number } {
    const me = this.internals;
    const toks = me.tokVector;
    const n = me.tokVectorLength;
    const err = me.currIdx + 1;
    if (rule === 'module' || rule === 'expressionOnly') return { accept: true, target: n };
    const policy = rule === 'declaration' ? undefined : POLICIES[rule];
    if (rule !== 'declaration' && !policy) return { accept: false, target: err };
    const start = Math.min(this.ruleStarts[me.RULE_STACK_IDX] ?? err, err);
    // The item's column is the indentation of the line it starts on: an item
    // that begins mid-line (`) stray` leaves `stray` there) still has its
    // siblings at that indentation.
    let lineStart = start;
    while (lineStart > 0 && !toks[lineStart]!.startsLine) lineStart--;
    const itemCol = toks[lineStart]?.column ?? 0;
    // Brackets are read through the match table: a bracket without a partner
    // is a stray and ignored; a group that closes later is skipped whole.
    // `depth` counts the groups the item opened before the error that are
    // still open (the error sits inside them).
    let depth = 0;
    for (let i = start; i < err && i < n; i++) {
      const m = this.match[i]!;
      if (isOpener(toks[i]!) && m >= err) depth++;
    }
    for (let i = Math.max(err, start + 1); i < n; i++) {
      const t = toks[i]!;
      const m = this.match[i]!;
      if (isOpener(t)) {
        if (m > i) i = m;
        continue;
      }
      if (isCloser(t)) {
        if (m < 0) continue;
        if (m >= start) {
          depth--;
          continue;
        }
        // It closes the list the item sits in.
        if (policy) return { accept: policy.closers.includes(t.tokenType), target: i };
        continue;
      }
      if (!policy) {
        if (t.startsLine && (t.column <= itemCol || depth <= 0) && startsDeclaration(t)) return { accept: true, target: i };
        continue;
      }
      // A dedented token, or the start of the next declaration after an
      // unclosed block, belongs to an outer level: let the error unwind.
      if (t.startsLine && t.column < itemCol && (isKey(t) || t.tokenType === Field)) return { accept: false, target: i };
      if (this.declBoundaryAt(i)) return { accept: false, target: i };
      if (policy.comma && depth <= 0 && t.tokenType === Comma) return { accept: true, target: i };
      if (policy.starts(t, toks[i + 1])) {
        if (t.startsLine && t.column === itemCol) return { accept: true, target: i };
        if (policy.anywhere && depth <= 0) return { accept: true, target: i };
      }
    }
    return policy ? { accept: false, target: n } : { accept: true, target: n };
  }

  // ── Gates ──────────────────────────────────────────────────────────────────

  /** LA(1) opens a bracket that is closed later. */
  protected balancedAhead(): boolean {
    const idx = this.internals.currIdx + 1;
    return idx < this.match.length && (this.match[idx] ?? -1) > idx;
  }

  /** Inside a junk group: LA(1) comes before the closer of the group's opener. */
  protected insideJunkGroup(): boolean {
    const me = this.internals;
    const open = this.ruleStarts[me.RULE_STACK_IDX] ?? 0;
    return me.currIdx + 1 < (this.match[open] ?? -1);
  }

  /** Another `key: value` entry follows (after an optional comma). */
  protected entryAhead(): boolean {
    const k = this.LA(1).tokenType === Comma ? 2 : 1;
    const t = this.LA(k).tokenType;
    return (t === Identifier || (t.CATEGORIES ?? []).includes(Key)) && this.LA(k + 1).tokenType === Colon;
  }

  /** LA(1) is `import`, `let` or a soft keyword that begins a declaration. */
  protected declKeywordAhead(): boolean {
    return startsDeclaration(this.LA(1));
  }

  /** `LA(1)` is the soft keyword `word`. */
  protected soft(word: string): boolean {
    const t = this.LA(1);
    return t.tokenType === Identifier && t.image === word;
  }

  /**
   * True where an unclosed block must end: LA(1) starts a line, begins a
   * declaration, stands at or left of the enclosing declaration's column, and
   * the innermost `{` around it has no matching `}`.
   */
  protected declBoundary(): boolean {
    return this.declBoundaryAt(this.internals.currIdx + 1);
  }

  private declBoundaryAt(idx: number): boolean {
    const me = this.internals;
    if (idx >= me.tokVectorLength) return false;
    const t = me.tokVector[idx]!;
    if (!t.startsLine || !startsDeclaration(t)) return false;
    const open = this.enclosingCurly[idx] ?? -1;
    if (open < 0 || this.match[open] !== -1) return false;
    const declStart = this.ruleStarts[1] ?? 0; // depth 0 is `module`, 1 the declaration
    return t.column <= (me.tokVector[declStart]?.column ?? 0);
  }
}
