// fast-check arbitraries for well-formed Quiver ASTs.
//
// Every Expr, Decl, Stmt, Type, Pattern and clause kind is generated, with
// the constraints the concrete syntax imposes: identifiers that are not
// reserved words (keys and member names may be reserved), Number text and
// value that agree, tuples of two or more, positional arguments before named
// ones with distinct names, and — the one rule that needs the grammar's
// precedence table — explicit Paren nodes wherever a child binds looser than
// its position allows (`withParens`). That table is written out here again on
// purpose, independently of printer.ts, so that a slip in either shows up as
// a failed round trip.

import fc from 'fast-check';
import type {
  Arg, AxisSpec, Clause, ClauseBody, Decl, Expr, FeatureDef, Ident, ImportItem, Module, Param, Pattern, RecordEntry,
  RecordLike, Span, Stage, Stmt, TrainBody, TrainClause, TypeExpr,
} from '../../grammar/ast.js';

export const GEN_FILE = 'gen.qv';
const S: Span = { file: GEN_FILE, start: 0, end: 0 };

const RESERVED = ['import', 'as', 'let', 'return', 'write', 'if', 'then', 'else', 'for', 'in', 'and', 'or', 'not', 'true', 'false'];
const SOFT = ['dim', 'model', 'loss', 'data', 'features', 'graph', 'memory', 'schedule', 'env', 'train', 'stage', 'strategy'];

const nameArb: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/) },
    { weight: 1, arbitrary: fc.constantFrom(...SOFT, '_', 'x', 'GRU', 'valid', 'ic') },
  )
  .filter((s) => !RESERVED.includes(s));

/** Record keys, argument names and member names may also be reserved words. */
const keyNameArb: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: nameArb }, { weight: 1, arbitrary: fc.constantFrom(...RESERVED) });

const ident = (name: string): Ident => ({ kind: 'Ident', span: S, name });
const identArb = nameArb.map(ident);
const keyArb = keyNameArb.map(ident);

// ── Leaves ───────────────────────────────────────────────────────────────────

const numberTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.nat(1_000_000).map(String),
  fc.tuple(fc.nat(999), fc.nat(9999)).map(([a, b]) => `${a}.${b}`),
  fc.nat(9999).map((b) => `.${b}`),
  fc.tuple(fc.nat(99), fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.nat(20)).map(([a, e, s, n]) => `${a}${e}${s}${n}`),
  fc.constantFrom('007', '0', '1e-3', '2.5E+4', '.25'),
);

const numberArb: fc.Arbitrary<Expr> = numberTextArb.map((text) => ({
  kind: 'Number',
  span: S,
  value: Number(text),
  text,
  isInt: /^\d+$/.test(text),
}));

/** String contents: quotes, backslashes, tabs, newlines, `"""`, non-ASCII. */
const stringValueArb: fc.Arbitrary<string> = fc
  .array(fc.constantFrom('a', 'Z', ' ', '"', '\\', '\n', '\t', '"""', 'é', '→', '$close', "'", '{', '}', '//', '/*'), { maxLength: 8 })
  .map((parts) => parts.join(''));

const dateArb: fc.Arbitrary<Expr> = fc
  .tuple(fc.integer({ min: 1900, max: 2100 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
  .map(([y, m, d]) => ({ kind: 'Date', span: S, value: `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` }));

const leafArb: fc.Arbitrary<Expr> = fc.oneof(
  numberArb,
  stringValueArb.map((value): Expr => ({ kind: 'String', span: S, value })),
  fc.tuple(nameArb, stringValueArb).map(([tag, value]): Expr => ({ kind: 'TaggedString', span: S, tag, value, contentStart: 0 })),
  fc.boolean().map((value): Expr => ({ kind: 'Bool', span: S, value })),
  dateArb,
  nameArb.map((name): Expr => ({ kind: 'Name', span: S, name })),
  fc.tuple(keyNameArb, fc.boolean()).map(([name, pit]): Expr => ({ kind: 'Field', span: S, name, pit })),
);

// ── Precedence (docs/language.md §2), used to place explicit parentheses ────

const LEVEL: Record<string, number> = {
  or: 3, '|': 3, and: 4, '&': 4, '==': 6, '!=': 6, '<': 6, '<=': 6, '>': 6, '>=': 6, '+': 8, '-': 8, '*': 9, '/': 9, '%': 9, '^': 11,
};

function levelOf(e: Expr): number {
  switch (e.kind) {
    case 'If':
      return 1;
    case 'Pipe':
      return 2;
    case 'Binary':
      return LEVEL[e.op]!;
    case 'Unary':
      return e.op === 'not' ? 5 : 10;
    case 'Range':
      return 7;
    case 'Member':
    case 'Call':
      return 12;
    default:
      return 13;
  }
}

const paren = (e: Expr, min: number): Expr => (levelOf(e) < min ? { kind: 'Paren', span: S, expr: e } : e);

/** Wraps children in Paren nodes where the grammar needs parentheses. */
function withParens(e: Expr): Expr {
  switch (e.kind) {
    case 'Binary': {
      const l = LEVEL[e.op]!;
      if (e.op === '^') return { ...e, left: paren(e.left, 12), right: paren(e.right, 10) };
      if (l === 6) return { ...e, left: paren(e.left, 7), right: paren(e.right, 7) };
      return { ...e, left: paren(e.left, l), right: paren(e.right, l + 1) };
    }
    case 'Unary':
      return { ...e, operand: paren(e.operand, e.op === 'not' ? 5 : 10) };
    case 'Pipe':
      return { ...e, left: paren(e.left, 2), right: paren(e.right, 3) };
    case 'Range':
      return { ...e, from: paren(e.from, 8), to: paren(e.to, 8) };
    case 'Member':
      return { ...e, object: paren(e.object, 12) };
    case 'Call':
      return { ...e, callee: paren(e.callee, 12) };
    default:
      return e;
  }
}

/** Positional arguments first, each name once (the other orders are errors Q1008/Q1009). */
function orderArgs(args: Arg[]): Arg[] {
  const seen = new Set<string>();
  const named = args.filter((a) => a.name && !seen.has(a.name.name) && seen.add(a.name.name));
  return [...args.filter((a) => !a.name), ...named];
}

const BINARY_OPS = Object.keys(LEVEL) as Extract<Expr, { kind: 'Binary' }>['op'][];

const { expr } = fc.letrec<{ expr: Expr }>((tie) => {
  const sub = tie('expr');
  const entry: fc.Arbitrary<RecordEntry> = fc.tuple(keyArb, sub).map(([key, value]) => ({ key, value, span: S }));
  const arg: fc.Arbitrary<Arg> = fc
    .tuple(fc.option(keyArb, { nil: undefined }), sub)
    .map(([name, value]) => (name ? { name, value, span: S } : { value, span: S }));
  return {
    expr: fc
      .oneof(
        { depthSize: 'small', withCrossShrink: true },
        leafArb,
        fc.tuple(sub, keyArb).map(([object, name]): Expr => ({ kind: 'Member', span: S, object, name })),
        fc.tuple(sub, fc.array(arg, { maxLength: 3 })).map(([callee, args]): Expr => ({ kind: 'Call', span: S, callee, args: orderArgs(args) })),
        fc.tuple(fc.constantFrom(...BINARY_OPS), sub, sub).map(([op, left, right]): Expr => ({ kind: 'Binary', span: S, op, left, right })),
        fc.tuple(fc.constantFrom('-', '+', 'not') as fc.Arbitrary<'-' | '+' | 'not'>, sub).map(([op, operand]): Expr => ({ kind: 'Unary', span: S, op, operand })),
        fc.tuple(sub, sub).map(([left, right]): Expr => ({ kind: 'Pipe', span: S, left, right })),
        fc.tuple(sub, sub).map(([from, to]): Expr => ({ kind: 'Range', span: S, from, to })),
        fc.array(sub, { maxLength: 4 }).map((items): Expr => ({ kind: 'List', span: S, items })),
        fc.array(sub, { minLength: 2, maxLength: 3 }).map((items): Expr => ({ kind: 'Tuple', span: S, items })),
        fc.array(entry, { minLength: 1, maxLength: 3 }).map((entries): Expr => ({ kind: 'NamedTuple', span: S, entries })),
        fc.array(entry, { maxLength: 3 }).map((entries): Expr => ({ kind: 'Record', span: S, entries })),
        sub.map((e): Expr => ({ kind: 'Paren', span: S, expr: e })),
        fc.tuple(sub, sub, sub).map(([cond, then, els]): Expr => ({ kind: 'If', span: S, cond, then, else: els })),
      )
      .map(withParens),
  };
});

export const exprArb: fc.Arbitrary<Expr> = expr;

const entryArb: fc.Arbitrary<RecordEntry> = fc.tuple(keyArb, exprArb).map(([key, value]) => ({ key, value, span: S }));
const recordArb: fc.Arbitrary<RecordLike> = fc.array(entryArb, { maxLength: 3 }).map((entries) => ({ kind: 'Record', span: S, entries }));
const argsArb: fc.Arbitrary<Arg[]> = fc
  .array(fc.tuple(fc.option(keyArb, { nil: undefined }), exprArb), { maxLength: 3 })
  .map((xs) => orderArgs(xs.map(([name, value]) => (name ? { name, value, span: S } : { value, span: S }))));

// ── Types and patterns ───────────────────────────────────────────────────────

const axisArb: fc.Arbitrary<AxisSpec> = fc.oneof(
  fc.constant<AxisSpec>({ kind: 'AxisRest', span: S }),
  fc.tuple(identArb, fc.option(exprArb, { nil: undefined })).map(([name, size]): AxisSpec =>
    size ? { kind: 'AxisName', span: S, name, size } : { kind: 'AxisName', span: S, name },
  ),
);

const { type: typeArb } = fc.letrec<{ type: TypeExpr }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small' },
    identArb.map((name): TypeExpr => ({ kind: 'NamedType', span: S, name })),
    fc.tuple(identArb, fc.array(axisArb, { minLength: 1, maxLength: 3 })).map(([name, axes]): TypeExpr => ({ kind: 'TensorType', span: S, name, axes })),
    fc
      .array(fc.tuple(keyArb, tie('type')), { minLength: 1, maxLength: 3 })
      .map((fs): TypeExpr => ({ kind: 'RecordType', span: S, fields: fs.map(([name, type]) => ({ name, type })) })),
  ),
}));

const patternArb: fc.Arbitrary<Pattern> = fc.oneof(
  identArb.map((name): Pattern => ({ kind: 'PatName', span: S, name })),
  fc.array(identArb, { minLength: 2, maxLength: 3 }).map((items): Pattern => ({ kind: 'PatTuple', span: S, items })),
);

// ── Statements, clauses, train bodies ────────────────────────────────────────

const stmtArb: fc.Arbitrary<Stmt> = fc.oneof(
  fc.tuple(patternArb, exprArb).map(([pattern, value]): Stmt => ({ kind: 'Let', span: S, pattern, value })),
  fc.tuple(identArb, exprArb).map(([target, value]): Stmt => ({ kind: 'Write', span: S, target, value })),
  exprArb.map((value): Stmt => ({ kind: 'Return', span: S, value })),
);

const paramArb: fc.Arbitrary<Param> = fc
  .tuple(identArb, fc.option(typeArb, { nil: undefined }), fc.option(exprArb, { nil: undefined }))
  .map(([name, type, def]) => {
    const p: Param = { span: S, name };
    if (type) p.type = type;
    if (def) p.default = def;
    return p;
  });

const clauseBodyArb: fc.Arbitrary<ClauseBody> = fc.oneof(
  fc
    .tuple(exprArb, fc.option(identArb, { nil: undefined }), fc.option(recordArb, { nil: undefined }))
    .map(([value, alias, settings]) => {
      const b: Extract<ClauseBody, { kind: 'ValueBody' }> = { kind: 'ValueBody', value };
      if (alias) b.alias = alias;
      if (settings) b.settings = settings;
      return b;
    }),
  fc.array(entryArb, { minLength: 1, maxLength: 3 }).map((entries): ClauseBody => ({ kind: 'EntriesBody', entries })),
  fc.tuple(identArb, exprArb).map(([name, value]): ClauseBody => ({ kind: 'DefBody', name, value })),
);

const clauseArb: fc.Arbitrary<Clause> = fc.tuple(identArb, clauseBodyArb).map(([head, body]) => ({ span: S, head, body }));

/** The leftmost primary of an expression (what its text starts with). */
function leftmost(e: Expr): Expr {
  switch (e.kind) {
    case 'Member':
      return leftmost(e.object);
    case 'Call':
      return leftmost(e.callee);
    case 'Binary':
    case 'Pipe':
      return leftmost(e.left);
    case 'Range':
      return leftmost(e.from);
    default:
      return e;
  }
}

/** In a strategy, `train {` always opens a train block, so a `train` clause value must not start with `{`. */
const strategyClauseOk = (c: Clause): boolean =>
  !(c.head.name === 'train' && c.body.kind === 'ValueBody' && leftmost(c.body.value).kind === 'Record');

const stageArb: fc.Arbitrary<Stage> = fc.tuple(identArb, recordArb).map(([name, settings]) => ({ kind: 'Stage', span: S, name, settings }));
const trainBodyArb: fc.Arbitrary<TrainBody> = fc
  .array(fc.oneof(entryArb, stageArb), { maxLength: 3 })
  .map((items): TrainBody => ({ kind: 'TrainBody', span: S, items }));
const trainClauseArb: fc.Arbitrary<TrainClause> = trainBodyArb.map((body) => ({ kind: 'TrainClause', span: S, head: ident('train'), body }));

const featureDefArb: fc.Arbitrary<FeatureDef> = fc
  .tuple(
    nameArb,
    fc.array(fc.tuple(identArb, fc.option(nameArb, { nil: undefined })), { maxLength: 2 }),
    exprArb,
    fc.option(fc.tuple(identArb, exprArb), { nil: undefined }),
  )
  .map(([first, rest, value, loop]) => {
    const name: FeatureDef['name'] = [{ text: first }];
    for (const [v, text] of rest) {
      name.push({ var: v });
      if (text) name.push({ text });
    }
    const f: FeatureDef = { span: S, name, nameSpan: S, value };
    if (loop) f.for = { var: loop[0], in: loop[1], span: S };
    return f;
  });

// ── Declarations ─────────────────────────────────────────────────────────────

const importArb: fc.Arbitrary<Decl> = fc
  .tuple(
    fc.oneof(fc.array(nameArb, { minLength: 1, maxLength: 3 }).map((p) => ({ path: p, isPath: false })), stringValueArb.map((s) => ({ path: [s], isPath: true }))),
    fc.oneof(
      fc.constant(undefined),
      identArb.map((alias) => ({ alias })),
      fc
        .array(fc.tuple(identArb, fc.option(identArb, { nil: undefined })), { minLength: 1, maxLength: 3 })
        .map((its) => ({ items: its.map(([name, alias]): ImportItem => (alias ? { span: S, name, alias } : { span: S, name })) })),
    ),
  )
  .map(([p, tail]): Decl => ({ kind: 'Import', span: S, path: p.path, isPath: p.isPath, pathSpan: S, ...(tail ?? {}) }));

const dimArb = fc
  .tuple(identArb, fc.option(exprArb, { nil: undefined }), fc.option(stringValueArb, { nil: undefined }))
  .map(([name, size, doc]) => {
    const d: { span: Span; name: Ident; size?: Expr; doc?: string } = { span: S, name };
    if (size) d.size = size;
    if (doc !== undefined) d.doc = doc;
    return d;
  });

const modelArb: fc.Arbitrary<Decl> = fc
  .tuple(fc.boolean(), identArb, fc.array(paramArb, { maxLength: 3 }), fc.option(typeArb, { nil: undefined }), fc.array(stmtArb, { maxLength: 3 }))
  .map(([isLoss, name, params, returns, body]) => {
    const d: Extract<Decl, { kind: 'ModelDecl' | 'LossDecl' }> = { kind: isLoss ? 'LossDecl' : 'ModelDecl', span: S, name, params, body };
    if (returns) d.returns = returns;
    return d;
  });

const declArb: fc.Arbitrary<Decl> = fc.oneof(
  importArb,
  fc.array(dimArb, { minLength: 1, maxLength: 3 }).map((dims): Decl => ({ kind: 'DimDecl', span: S, dims })),
  fc.tuple(identArb, exprArb).map(([name, value]): Decl => ({ kind: 'LetDecl', span: S, name, value })),
  modelArb,
  fc
    .tuple(identArb, exprArb, fc.array(clauseArb, { maxLength: 3 }))
    .map(([name, source, clauses]): Decl => ({ kind: 'DataDecl', span: S, name, source, clauses })),
  fc
    .tuple(identArb, argsArb, fc.array(featureDefArb, { maxLength: 3 }))
    .map(([name, args, defs]): Decl => ({ kind: 'FeaturesDecl', span: S, name, args, defs })),
  fc
    .tuple(fc.constantFrom('GraphDecl', 'ScheduleDecl', 'EnvDecl') as fc.Arbitrary<'GraphDecl' | 'ScheduleDecl' | 'EnvDecl'>, identArb, exprArb)
    .map(([kind, name, value]): Decl => ({ kind, span: S, name, value })),
  fc.tuple(identArb, typeArb, fc.option(recordArb, { nil: undefined })).map(([name, type, settings]): Decl => {
    const d: Extract<Decl, { kind: 'MemoryDecl' }> = { kind: 'MemoryDecl', span: S, name, type };
    if (settings) d.settings = settings;
    return d;
  }),
  fc.tuple(identArb, trainBodyArb).map(([name, body]): Decl => ({ kind: 'TrainDecl', span: S, name, body })),
  fc
    .tuple(identArb, fc.array(fc.oneof(clauseArb.filter(strategyClauseOk), trainClauseArb), { maxLength: 3 }))
    .map(([name, clauses]): Decl => ({ kind: 'StrategyDecl', span: S, name, clauses })),
);

export const moduleArb: fc.Arbitrary<Module> = fc
  .array(declArb, { minLength: 1, maxLength: 4 })
  .map((decls) => ({ kind: 'Module', span: S, file: GEN_FILE, decls, comments: [] }));
