// The printer behind `quiver fmt`: AST → canonical source text.
//
// Layout: 2-space indent; declarations separated by a blank line (runs of
// imports, dims and top-level lets stay together); one statement, clause,
// feature definition or stage per line; clause heads (and feature names)
// padded so that values line up within a block; records, argument lists and
// parameter lists on one line when they fit in 90 columns, otherwise one entry
// per line (records then drop their commas, argument-like lists keep a
// trailing comma). Parentheses: explicit Paren nodes are always printed, and
// the printer adds the ones precedence requires (docs/language.md §2) when a
// tree built by hand lacks them.
//
// Comments: comments.ts decides each comment's slot; the printer emits them
// there (own lines, or `lineSuffix` at the end of a line) and breaks any list
// that holds one, so printing the output again puts every comment back in the
// same slot.
//
// Guarantees: for an AST from parse(), parse(print(ast)) equals ast up to
// stripSpans, and print is idempotent on its own output (both property-tested
// in test/grammar/).

import type {
  AxisSpec, Clause, ClauseBody, Comment, Decl, Expr, FeatureDef, Ident, Module, Param, Pattern, RecordEntry, Stage,
  Stmt, TrainBody, TrainClause, TypeExpr,
} from './ast.js';
import { placeComments, type CommentSlots } from './comments.js';
import { align, breakParent, group, hardline, ifBreak, indent, join, line, lineSuffix, render, softline, type Doc } from './doc.js';

const WIDTH = 90;

// ── Precedence (docs/language.md §2: 1 = if ... 13 = primary) ────────────────

const BINARY_LEVEL: Record<string, number> = {
  or: 3, '|': 3, and: 4, '&': 4,
  '==': 6, '!=': 6, '<': 6, '<=': 6, '>': 6, '>=': 6,
  '+': 8, '-': 8, '*': 9, '/': 9, '%': 9, '^': 11,
};

/** The precedence level of an expression's outermost form. */
function level(e: Expr): number {
  switch (e.kind) {
    case 'If':
      return 1;
    case 'Pipe':
      return 2;
    case 'Binary':
      return BINARY_LEVEL[e.op]!;
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

/** The least level each operand position accepts without parentheses. */
function operandLevels(e: Expr): number[] {
  switch (e.kind) {
    case 'Pipe':
      return [2, 3];
    case 'Binary': {
      const l = BINARY_LEVEL[e.op]!;
      if (e.op === '^') return [12, 10];
      if (l === 6) return [7, 7];
      return [l, l + 1];
    }
    case 'Unary':
      return [e.op === 'not' ? 5 : 10];
    case 'Range':
      return [8, 8];
    case 'Member':
    case 'Call':
      return [12];
    default:
      return [];
  }
}

const RESERVED_KEYS_CONTINUING = new Set(['and', 'or']);

// ── Strings ──────────────────────────────────────────────────────────────────

/** A string literal for `value`: raw `"""` when it spans lines and can, escaped otherwise. */
function quote(value: string): string {
  if ((value.includes('\n') || value.includes('\r')) && !value.includes('"""') && !value.endsWith('"')) {
    return `"""${value}"""`;
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

// ── The printer ──────────────────────────────────────────────────────────────

interface Ctx {
  slots: CommentSlots;
}

function commentsFor(map: Map<object, Comment[]>, key: object): Comment[] {
  return map.get(key) ?? [];
}

/** Own-line comments above `node`, then `doc`, then its trailing comments at the line's end. */
function withComments(ctx: Ctx, node: object, doc: Doc): Doc {
  const before = commentsFor(ctx.slots.before, node);
  const trailing = commentsFor(ctx.slots.trailing, node);
  if (!before.length && !trailing.length) return doc;
  const out: Doc[] = [];
  for (const c of before) out.push(c.text, hardline);
  out.push(doc);
  for (const c of trailing) out.push(lineSuffix(`  ${c.text}`), breakParent);
  return out;
}

function hasListComments(ctx: Ctx, key: object, items: object[]): boolean {
  if (ctx.slots.opener.has(key) || ctx.slots.dangling.has(key)) return true;
  return items.some((it) => ctx.slots.before.has(it) || ctx.slots.trailing.has(it));
}

function openerSuffix(ctx: Ctx, key: object): Doc[] {
  return commentsFor(ctx.slots.opener, key).flatMap((c) => [lineSuffix(`  ${c.text}`), breakParent]);
}

function danglingLines(ctx: Ctx, key: object): Doc[] {
  return commentsFor(ctx.slots.dangling, key).flatMap((c) => [hardline, c.text]);
}

interface ListStyle {
  open: string;
  close: string;
  /** `{ a }` rather than `{a}` when flat. */
  spaced: boolean;
  /** A trailing comma in the broken layout (where the grammar allows one). */
  trailingComma: boolean;
  /** The separator after item i in the broken layout (default `,`). */
  brokenSep?: (i: number) => string;
}

/** A bracketed list: one line if it fits (and holds no comment), else one item per line. */
function bracketList(ctx: Ctx, key: object, nodes: object[], docs: Doc[], style: ListStyle): Doc {
  const commented = hasListComments(ctx, key, nodes);
  if (!docs.length && !commented) return style.open + style.close;
  const gap = style.spaced ? line : softline;
  const body: Doc[] = [];
  docs.forEach((d, i) => {
    const last = i === docs.length - 1;
    body.push(withComments(ctx, nodes[i]!, [d, last ? '' : style.brokenSep ? ifBreak(style.brokenSep(i), ',') : ',']));
    if (!last) body.push(line);
  });
  const tail = style.trailingComma && docs.length ? ifBreak(',') : '';
  return group([
    style.open,
    ...openerSuffix(ctx, key),
    indent([gap, ...body, tail, ...danglingLines(ctx, key)]),
    gap,
    style.close,
    commented ? breakParent : '',
  ]);
}

/** A block: `{`, one item per line, `}` (always broken; `{}` when empty). */
function block(ctx: Ctx, key: object, nodes: object[], docs: Doc[]): Doc {
  const commented = hasListComments(ctx, key, nodes);
  if (!docs.length && !commented) return '{}';
  const body: Doc[] = [];
  docs.forEach((d, i) => body.push(hardline, withComments(ctx, nodes[i]!, d)));
  return ['{', ...openerSuffix(ctx, key), indent([...body, ...danglingLines(ctx, key)]), hardline, '}'];
}

function ident(i: Ident): string {
  return i.name;
}

// ── Expressions ──────────────────────────────────────────────────────────────

/** The number text an expression starts with, when it starts with one. */
function leadingNumber(e: Expr): string | undefined {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'Member':
      return leadingNumber(e.object);
    case 'Call':
      return leadingNumber(e.callee);
    case 'Binary':
    case 'Pipe':
      return leadingNumber(e.left);
    case 'Range':
      return leadingNumber(e.from);
    default:
      return undefined;
  }
}

function operand(ctx: Ctx, e: Expr, min: number): Doc {
  const d = expr(ctx, e);
  return level(e) < min ? ['(', d, ')'] : d;
}

function args(ctx: Ctx, list: { name?: Ident; value: Expr }[]): Doc {
  const docs = list.map((a) => (a.name ? [a.name.name, ': ', expr(ctx, a.value)] : expr(ctx, a.value)));
  return bracketList(ctx, list, list, docs, { open: '(', close: ')', spaced: false, trailingComma: true });
}

function entry(ctx: Ctx, e: RecordEntry): Doc {
  return [e.key.name, ': ', expr(ctx, e.value)];
}

/** In a broken record, entries need no commas, except before a key that would continue the expression. */
function recordSep(entries: RecordEntry[]): (i: number) => string {
  return (i) => (RESERVED_KEYS_CONTINUING.has(entries[i + 1]?.key.name ?? '') ? ',' : '');
}

function record(ctx: Ctx, r: { entries: RecordEntry[] }): Doc {
  return bracketList(ctx, r.entries, r.entries, r.entries.map((e) => entry(ctx, e)), {
    open: '{',
    close: '}',
    spaced: true,
    trailingComma: false,
    brokenSep: recordSep(r.entries),
  });
}

/** Flattens a left-associative chain of one precedence level: a + b - c → [a, +, b, -, c]. */
function chain(e: Expr, lvl: number, out: { ops: string[]; operands: Expr[] }): void {
  if (e.kind === 'Binary' && e.op !== '^' && BINARY_LEVEL[e.op] === lvl && lvl !== 6) {
    chain(e.left, lvl, out);
    out.ops.push(e.op);
    out.operands.push(e.right);
  } else {
    out.operands.push(e);
  }
}

function expr(ctx: Ctx, e: Expr): Doc {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'String':
      return quote(e.value);
    case 'TaggedString':
      return e.tag + quote(e.value);
    case 'Bool':
      return e.value ? 'true' : 'false';
    case 'Date':
      return e.value;
    case 'Name':
      return e.name;
    case 'Field':
      return (e.pit ? '$$' : '$') + e.name;
    case 'Member':
      return [operand(ctx, e.object, 12), '.', e.name.name];
    case 'Call':
      return [operand(ctx, e.callee, 12), args(ctx, e.args)];
    case 'Binary': {
      const lvl = BINARY_LEVEL[e.op]!;
      if (e.op === '^' || lvl === 6) {
        const [l, r] = operandLevels(e);
        return [operand(ctx, e.left, l!), ` ${e.op} `, operand(ctx, e.right, r!)];
      }
      const parts = { ops: [] as string[], operands: [] as Expr[] };
      chain(e, lvl, parts);
      const first = operand(ctx, parts.operands[0]!, lvl);
      const rest = parts.ops.map((op, i) => [` ${op}`, line, operand(ctx, parts.operands[i + 1]!, lvl + 1)]);
      return group([first, indent(rest)]);
    }
    case 'Unary':
      return [e.op === 'not' ? 'not ' : e.op, operand(ctx, e.operand, e.op === 'not' ? 5 : 10)];
    case 'Pipe': {
      const stages: Expr[] = [];
      let cur: Expr = e;
      while (cur.kind === 'Pipe') {
        stages.unshift(cur.right);
        cur = cur.left;
      }
      return group([operand(ctx, cur, 2), indent(stages.map((s) => [line, '|> ', operand(ctx, s, 3)]))]);
    }
    case 'Range': {
      // `1 .. .5`: glued, the dots would lex as `...`.
      const sep = leadingNumber(e.to)?.startsWith('.') ? ' .. ' : '..';
      return [operand(ctx, e.from, 8), sep, operand(ctx, e.to, 8)];
    }
    case 'List':
      return bracketList(ctx, e.items, e.items, e.items.map((x) => expr(ctx, x)), { open: '[', close: ']', spaced: false, trailingComma: true });
    case 'Tuple':
      return bracketList(ctx, e.items, e.items, e.items.map((x) => expr(ctx, x)), { open: '(', close: ')', spaced: false, trailingComma: false });
    case 'NamedTuple':
      return bracketList(ctx, e.entries, e.entries, e.entries.map((x) => entry(ctx, x)), {
        open: '(',
        close: ')',
        spaced: false,
        trailingComma: false,
      });
    case 'Record':
      return record(ctx, e);
    case 'Paren':
      return ['(', expr(ctx, e.expr), ')'];
    case 'If':
      return group(['if ', expr(ctx, e.cond), indent([line, 'then ', expr(ctx, e.then), line, 'else ', expr(ctx, e.else)])]);
  }
}

// ── Types and patterns ───────────────────────────────────────────────────────

function axis(ctx: Ctx, a: AxisSpec): Doc {
  if (a.kind === 'AxisRest') return '...';
  return a.size ? [a.name.name, ' = ', expr(ctx, a.size)] : a.name.name;
}

function type(ctx: Ctx, t: TypeExpr): Doc {
  switch (t.kind) {
    case 'NamedType':
      return t.name.name;
    case 'TensorType':
      return [t.name.name, '[', join(', ', t.axes.map((a) => axis(ctx, a))), ']'];
    case 'RecordType':
      return ['(', join(', ', t.fields.map((f) => [f.name.name, ': ', type(ctx, f.type)])), ')'];
  }
}

function pattern(p: Pattern): string {
  return p.kind === 'PatName' ? p.name.name : `(${p.items.map(ident).join(', ')})`;
}

// ── Statements, clauses, train bodies ────────────────────────────────────────

function stmt(ctx: Ctx, s: Stmt): Doc {
  switch (s.kind) {
    case 'Let':
      return ['let ', pattern(s.pattern), ' = ', expr(ctx, s.value)];
    case 'Write':
      return ['write ', s.target.name, ' <- ', expr(ctx, s.value)];
    case 'Return':
      return ['return ', expr(ctx, s.value)];
  }
}

function clauseBody(ctx: Ctx, b: ClauseBody, col: number): Doc {
  switch (b.kind) {
    case 'ValueBody':
      // Continuation lines of the value line up with it; a settings record
      // indents from the block like any other record.
      return [align(col, [expr(ctx, b.value), b.alias ? [' as ', b.alias.name] : '']), b.settings ? [' ', record(ctx, b.settings)] : ''];
    case 'DefBody':
      return align(col, [b.name.name, ' = ', expr(ctx, b.value)]);
    case 'EntriesBody': {
      const docs = b.entries.map((e) => entry(ctx, e));
      const body: Doc[] = [];
      const sep = recordSep(b.entries);
      docs.forEach((d, i) => {
        const last = i === docs.length - 1;
        body.push(withComments(ctx, b.entries[i]!, [d, last ? '' : ifBreak(sep(i), ',')]));
        if (!last) body.push(line);
      });
      const commented = hasListComments(ctx, b.entries, b.entries);
      // A comment before the first entry needs a line of its own.
      const first = commented && (ctx.slots.opener.has(b.entries) || ctx.slots.before.has(b.entries[0]!)) ? hardline : '';
      return group(align(col, [...openerSuffix(ctx, b.entries), first, ...body, ...danglingLines(ctx, b.entries), commented ? breakParent : '']));
    }
  }
}

/** Clauses of a data or strategy block, with their values aligned. */
function clauses(ctx: Ctx, key: object, list: (Clause | TrainClause)[]): Doc {
  const width = Math.max(0, ...list.map((c) => c.head.name.length)) + 1;
  const docs = list.map((c) => {
    const head = c.head.name.padEnd(width);
    if ('kind' in c) return [head, trainBody(ctx, c.body)];
    return [head, clauseBody(ctx, c.body, width)];
  });
  return block(ctx, key, list, docs);
}

function stage(ctx: Ctx, s: Stage): Doc {
  return ['stage ', s.name.name, ' ', record(ctx, s.settings)];
}

/** A train body prints like a record, but always one item per line when it holds stages. */
function trainBody(ctx: Ctx, b: TrainBody): Doc {
  const hasStage = b.items.some((it) => 'kind' in it);
  // One item per line needs no commas, except before a key that would continue the expression.
  const continues = (i: number): boolean => {
    const next = b.items[i + 1];
    return next !== undefined && !('kind' in next) && RESERVED_KEYS_CONTINUING.has(next.key.name);
  };
  if (hasStage) {
    const docs = b.items.map((it, i) => ('kind' in it ? stage(ctx, it) : [entry(ctx, it), continues(i) ? ',' : '']));
    return block(ctx, b.items, b.items, docs);
  }
  const docs = b.items.map((it) => entry(ctx, it as RecordEntry));
  return bracketList(ctx, b.items, b.items, docs, {
    open: '{',
    close: '}',
    spaced: true,
    trailingComma: false,
    brokenSep: (i) => (continues(i) ? ',' : ''),
  });
}

function featureName(f: FeatureDef): string {
  return f.name.map((p) => ('text' in p ? p.text : `{${p.var.name}}`)).join('');
}

function featureDefs(ctx: Ctx, key: object, defs: FeatureDef[]): Doc {
  const width = Math.max(0, ...defs.map((f) => featureName(f).length));
  const docs = defs.map((f) => [
    featureName(f).padEnd(width),
    ' = ',
    expr(ctx, f.value),
    f.for ? [' for ', f.for.var.name, ' in ', expr(ctx, f.for.in)] : '',
  ]);
  return block(ctx, key, defs, docs);
}

function params(ctx: Ctx, list: Param[]): Doc {
  const docs = list.map((p) => [p.name.name, p.type ? [': ', type(ctx, p.type)] : '', p.default ? [' = ', expr(ctx, p.default)] : '']);
  return bracketList(ctx, list, list, docs, { open: '(', close: ')', spaced: false, trailingComma: true });
}

// ── Declarations ─────────────────────────────────────────────────────────────

function decl(ctx: Ctx, d: Decl): Doc {
  switch (d.kind) {
    case 'Import': {
      const path = d.isPath ? quote(d.path[0] ?? '') : d.path.join('.');
      let tail: Doc = '';
      if (d.items) {
        const docs = d.items.map((it) => (it.alias ? `${it.name.name} as ${it.alias.name}` : it.name.name));
        tail = [' ', bracketList(ctx, d.items, d.items, docs, { open: '{', close: '}', spaced: true, trailingComma: true })];
      } else if (d.alias) {
        tail = [' as ', d.alias.name];
      }
      return ['import ', path, tail];
    }
    case 'DimDecl':
      return group([
        'dim ',
        align(
          4,
          join(
            [',', line],
            d.dims.map((x) => [x.name.name, x.size ? [' = ', expr(ctx, x.size)] : '', x.doc !== undefined ? [' ', quote(x.doc)] : '']),
          ),
        ),
      ]);
    case 'LetDecl':
      return ['let ', d.name.name, ' = ', expr(ctx, d.value)];
    case 'ModelDecl':
    case 'LossDecl':
      return [
        d.kind === 'ModelDecl' ? 'model ' : 'loss ',
        d.name.name,
        params(ctx, d.params),
        d.returns ? [' -> ', type(ctx, d.returns)] : '',
        ' ',
        block(ctx, d.body, d.body, d.body.map((s) => stmt(ctx, s))),
      ];
    case 'DataDecl':
      return ['data ', d.name.name, ' = ', expr(ctx, d.source), ' ', clauses(ctx, d.clauses, d.clauses)];
    case 'FeaturesDecl':
      return ['features ', d.name.name, d.args.length ? args(ctx, d.args) : '', ' ', featureDefs(ctx, d.defs, d.defs)];
    case 'GraphDecl':
      return ['graph ', d.name.name, ' = ', expr(ctx, d.value)];
    case 'ScheduleDecl':
      return ['schedule ', d.name.name, ' = ', expr(ctx, d.value)];
    case 'EnvDecl':
      return ['env ', d.name.name, ' = ', expr(ctx, d.value)];
    case 'MemoryDecl':
      return ['memory ', d.name.name, ': ', type(ctx, d.type), d.settings ? [' ', record(ctx, d.settings)] : ''];
    case 'TrainDecl':
      return ['train ', d.name.name, ' ', trainBody(ctx, d.body)];
    case 'StrategyDecl':
      return ['strategy ', d.name.name, ' ', clauses(ctx, d.clauses, d.clauses)];
  }
}

/** Runs of these declarations are not separated by blank lines. */
const GROUPED = new Set(['Import', 'DimDecl', 'LetDecl']);

/** Print a module in canonical form (ends with a newline unless empty). */
export function print(m: Module): string {
  const ctx: Ctx = { slots: placeComments(m) };
  const parts: Doc[] = [];
  for (const c of [...commentsFor(ctx.slots.opener, m.decls)]) parts.push(c.text, hardline);
  m.decls.forEach((d, i) => {
    if (i > 0) {
      const prev = m.decls[i - 1]!;
      parts.push(hardline);
      if (!(prev.kind === d.kind && GROUPED.has(d.kind))) parts.push(hardline);
    }
    parts.push(withComments(ctx, d, decl(ctx, d)));
  });
  for (const c of commentsFor(ctx.slots.dangling, m.decls)) {
    if (parts.length) parts.push(hardline);
    parts.push(c.text);
  }
  const text = render(parts, WIDTH);
  return text.length ? `${text}\n` : '';
}
