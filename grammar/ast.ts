// The AST: what the parser produces and the compiler consumes.
//
// Invariants:
// - Plain JSON data: no classes, no cycles, no functions. `JSON.parse(JSON.stringify(ast))`
//   is the same AST.
// - Every node has `kind` and `span`. Spans are offsets into the file's text.
// - The AST keeps what the user wrote (sugar included: pipelines, comprehensions,
//   trailing records); the compiler desugars. Comments are not kept.
// - `printer.ts` prints any AST back to source that re-parses to an equal AST
//   (equality ignores spans: see `stripSpans`).

import type { Span } from '../compiler/diagnostics/diagnostic.js';

export type { Span };

// ── Names ────────────────────────────────────────────────────────────────────

export interface Ident {
  kind: 'Ident';
  span: Span;
  name: string;
}

// ── Types ────────────────────────────────────────────────────────────────────

/** One axis in a tensor type: `N`, or a sized axis `T = 60`, or the rest marker `...`. */
export type AxisSpec =
  | { kind: 'AxisName'; span: Span; name: Ident; size?: Expr }
  | { kind: 'AxisRest'; span: Span };

export type TypeExpr =
  /** `Float`, `Int`, `Bool`, `String`, `Axis`, `Date`, or any other named type (`Policy`). */
  | { kind: 'NamedType'; span: Span; name: Ident }
  /** `Float[N, T, F]`, `Bool[M]`; the element type is `name`. */
  | { kind: 'TensorType'; span: Span; name: Ident; axes: AxisSpec[] }
  /** `(pred: Float[B], all: Float[B, K])` */
  | { kind: 'RecordType'; span: Span; fields: { name: Ident; type: TypeExpr }[] };

// ── Expressions ──────────────────────────────────────────────────────────────

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^'
  | '==' | '!=' | '<' | '<=' | '>' | '>='
  | 'and' | 'or' | '&' | '|';

export type UnaryOp = '-' | '+' | 'not';

export interface Arg {
  /** Named argument `name: value`; absent for a positional argument. */
  name?: Ident;
  value: Expr;
  span: Span;
}

export interface RecordEntry {
  key: Ident;
  value: Expr;
  span: Span;
}

export type Expr =
  | { kind: 'Number'; span: Span; value: number; text: string; isInt: boolean }
  | { kind: 'String'; span: Span; value: string }
  /** `sql"..."`, `qlib"..."`: a string with a tag; its content is parsed by a later stage. */
  | { kind: 'TaggedString'; span: Span; tag: string; value: string; contentStart: number }
  | { kind: 'Bool'; span: Span; value: boolean }
  /** `2008-01-01` */
  | { kind: 'Date'; span: Span; value: string }
  | { kind: 'Name'; span: Span; name: string }
  /** `$close` (raw field), `$$roe` (point-in-time field: pit = true). */
  | { kind: 'Field'; span: Span; name: string; pit: boolean }
  | { kind: 'Member'; span: Span; object: Expr; name: Ident }
  | { kind: 'Call'; span: Span; callee: Expr; args: Arg[] }
  | { kind: 'Binary'; span: Span; op: BinaryOp; left: Expr; right: Expr }
  | { kind: 'Unary'; span: Span; op: UnaryOp; operand: Expr }
  /** `a |> f` — `right` is any expression; the compiler decides how it applies. */
  | { kind: 'Pipe'; span: Span; left: Expr; right: Expr }
  /** `a..b` — date ranges and integer ranges (inclusive at both ends). */
  | { kind: 'Range'; span: Span; from: Expr; to: Expr }
  | { kind: 'List'; span: Span; items: Expr[] }
  /** `(a, b)` — two or more items. `(a)` is just `a` (see Paren). */
  | { kind: 'Tuple'; span: Span; items: Expr[] }
  /** `(pred: a, all: b)` — a named tuple, the value form of a record type. */
  | { kind: 'NamedTuple'; span: Span; entries: RecordEntry[] }
  /** `{ key: value, ... }` — settings records. Commas between entries are optional. */
  | { kind: 'Record'; span: Span; entries: RecordEntry[] }
  /** `(e)` — kept so the printer can reproduce grouping; semantically `e`. */
  | { kind: 'Paren'; span: Span; expr: Expr }
  /** `if c then a else b` — resolved at compile time. */
  | { kind: 'If'; span: Span; cond: Expr; then: Expr; else: Expr };

// ── Statements (model and loss bodies) ───────────────────────────────────────

export type Pattern =
  | { kind: 'PatName'; span: Span; name: Ident }
  /** `(a, b)` — positional destructuring of a named tuple or tuple; `_` skips. */
  | { kind: 'PatTuple'; span: Span; items: Ident[] };

export type Stmt =
  | { kind: 'Let'; span: Span; pattern: Pattern; value: Expr }
  /** `write errors <- expr` (memory write, loss bodies) */
  | { kind: 'Write'; span: Span; target: Ident; value: Expr }
  | { kind: 'Return'; span: Span; value: Expr };

// ── Declarations ─────────────────────────────────────────────────────────────

export interface Param {
  span: Span;
  name: Ident;
  type?: TypeExpr;
  default?: Expr;
}

export interface ImportItem {
  span: Span;
  name: Ident;
  alias?: Ident;
}

/** `ROC{d} = Ref($close, d) / $close for d in [5, 10, 20, 30, 60]` */
export interface FeatureDef {
  span: Span;
  /** Name parts: `ROC{d}` is [{text:'ROC'}, {var:'d'}]; a plain name is one text part. */
  name: ({ text: string } | { var: Ident })[];
  nameSpan: Span;
  value: Expr;
  for?: { var: Ident; in: Expr; span: Span };
}

/**
 * A clause inside a `data` or `strategy` block: a head word followed by
 * a body. Which heads are legal, and what their bodies mean, is the checker's
 * business; the parser accepts the three shapes:
 *   `label Ref($close, -2) / Ref($close, -1) - 1`      (value)
 *   `process features: [...], label: [...]`            (entries)
 *   `field cap = $cap / 1e9`                           (def)
 * and, for `backtest`/`train`, an optional trailing settings record:
 *   `backtest topk_dropout(topk: 50) { open_cost: 0.0005 }`
 */
export type ClauseBody =
  | { kind: 'ValueBody'; value: Expr; alias?: Ident; settings?: RecordLike }
  | { kind: 'EntriesBody'; entries: RecordEntry[] }
  | { kind: 'DefBody'; name: Ident; value: Expr };

export interface Clause {
  span: Span;
  head: Ident;
  body: ClauseBody;
}

/** A `stage name { ... }` inside a train block. */
export interface Stage {
  kind: 'Stage';
  span: Span;
  name: Ident;
  settings: RecordLike;
}

/** The body of `train { ... }`: settings entries and stages, in source order. */
export interface TrainBody {
  kind: 'TrainBody';
  span: Span;
  items: (RecordEntry | Stage)[];
}

export type RecordLike = Extract<Expr, { kind: 'Record' }>;

export type Decl =
  | {
      kind: 'Import';
      span: Span;
      /** `stdlib.models` → ['stdlib', 'models']; a string path is one element with `isPath`. */
      path: string[];
      isPath: boolean;
      pathSpan: Span;
      /** `{ a, b as c }`; absent when the whole module is imported as a namespace. */
      items?: ImportItem[];
      /** `import stdlib.models as m` */
      alias?: Ident;
    }
  | { kind: 'DimDecl'; span: Span; dims: { span: Span; name: Ident; size?: Expr; doc?: string }[] }
  | { kind: 'LetDecl'; span: Span; name: Ident; value: Expr }
  | {
      kind: 'ModelDecl';
      span: Span;
      name: Ident;
      params: Param[];
      returns?: TypeExpr;
      body: Stmt[];
    }
  | {
      kind: 'LossDecl';
      span: Span;
      name: Ident;
      params: Param[];
      returns?: TypeExpr;
      body: Stmt[];
    }
  | { kind: 'DataDecl'; span: Span; name: Ident; source: Expr; clauses: Clause[] }
  | {
      kind: 'FeaturesDecl';
      span: Span;
      name: Ident;
      /** `features alpha360(window: T) { ... }` */
      args: Arg[];
      defs: FeatureDef[];
    }
  | { kind: 'GraphDecl'; span: Span; name: Ident; value: Expr }
  | { kind: 'MemoryDecl'; span: Span; name: Ident; type: TypeExpr; settings?: RecordLike }
  | { kind: 'ScheduleDecl'; span: Span; name: Ident; value: Expr }
  | { kind: 'EnvDecl'; span: Span; name: Ident; value: Expr }
  /** Named, reusable train settings: `train qlib_default { ... }`. */
  | { kind: 'TrainDecl'; span: Span; name: Ident; body: TrainBody }
  | { kind: 'StrategyDecl'; span: Span; name: Ident; clauses: (Clause | TrainClause)[] };

/** `train { ... }` inside a strategy (a train block, rather than a value). */
export interface TrainClause {
  kind: 'TrainClause';
  span: Span;
  head: Ident;
  body: TrainBody;
}

/**
 * A comment, kept beside the tree so `quiver fmt` never loses one. `text`
 * includes its delimiters (`// ...` or `/* ... *\/`). `ownLine` is true when
 * only whitespace precedes it on its line.
 */
export interface Comment {
  span: Span;
  text: string;
  ownLine: boolean;
}

export interface Module {
  kind: 'Module';
  span: Span;
  file: string;
  decls: Decl[];
  comments: Comment[];
}

export type Node = Module | Decl | Expr | Stmt | TypeExpr | AxisSpec | Pattern;

/** Deep copy without spans (and without other position-only fields), for AST equality. */
export function stripSpans<T>(x: T): T {
  return JSON.parse(
    JSON.stringify(x, (k, v) => (k === 'span' || k === 'nameSpan' || k === 'pathSpan' || k === 'contentStart' || k === 'ownLine' ? undefined : v)),
  ) as T;
}
