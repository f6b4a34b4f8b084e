// Where `quiver fmt` puts each comment.
//
// What it does: assigns every comment of a Module to a slot next to a
// "line-level" node — a declaration, statement, clause, train clause, feature
// def, stage, record or clause entry, parameter or import item — so the
// printer can emit it there:
//   before   own lines above the item (own-line comments, and any comment that
//            sits inside an item but in none of its nested lists: a comment in
//            the middle of an expression moves above it)
//   trailing the end of the item's last line (a comment after code on its line)
//   opener   the end of a list's opening line (`{  // ...`)
//   dangling own lines after a list's last item (before its closing bracket)
// Lists are found by position only (spans), never by source text, so placing
// the comments of printed text again gives the same slots: that is what makes
// `print` idempotent with comments.
//
// Assumption: spans nest (a child's span lies inside its parent's) and lists
// are in source order, as parse() produces them.

import type { Comment, Decl, Expr, Module, RecordEntry, Span } from './ast.js';

export interface CommentSlots {
  before: Map<object, Comment[]>;
  trailing: Map<object, Comment[]>;
  opener: Map<object, Comment[]>;
  dangling: Map<object, Comment[]>;
}

type ItemKind = 'decl' | 'stmt' | 'clause' | 'featureDef' | 'trainItem' | 'entry' | 'param' | 'importItem';

interface ListRef {
  /** The list's identity: the array that holds its items. */
  key: object;
  kind: ItemKind;
  items: { span: Span }[];
  start: number;
  end: number;
}

function list(key: { span: Span }[], kind: ItemKind, start: number, end: number): ListRef {
  return { key, kind, items: key, start, end };
}

/** The records inside an expression (not those nested inside the records themselves). */
function recordsIn(e: Expr | undefined, out: ListRef[] = []): ListRef[] {
  if (!e) return out;
  switch (e.kind) {
    case 'Record':
      out.push(list(e.entries, 'entry', e.span.start, e.span.end));
      break;
    case 'Member':
      recordsIn(e.object, out);
      break;
    case 'Call':
      recordsIn(e.callee, out);
      for (const a of e.args) recordsIn(a.value, out);
      break;
    case 'Binary':
    case 'Pipe':
      recordsIn(e.left, out);
      recordsIn(e.right, out);
      break;
    case 'Unary':
      recordsIn(e.operand, out);
      break;
    case 'Range':
      recordsIn(e.from, out);
      recordsIn(e.to, out);
      break;
    case 'List':
    case 'Tuple':
      for (const x of e.items) recordsIn(x, out);
      break;
    case 'NamedTuple':
      for (const x of e.entries) recordsIn(x.value, out);
      break;
    case 'Paren':
      recordsIn(e.expr, out);
      break;
    case 'If':
      recordsIn(e.cond, out);
      recordsIn(e.then, out);
      recordsIn(e.else, out);
      break;
    default:
      break;
  }
  return out;
}

function declLists(d: Decl): ListRef[] {
  switch (d.kind) {
    case 'Import':
      return d.items ? [list(d.items, 'importItem', d.pathSpan.end, d.span.end)] : [];
    case 'DimDecl':
      return [];
    case 'LetDecl':
    case 'GraphDecl':
    case 'ScheduleDecl':
    case 'EnvDecl':
      return recordsIn(d.value);
    case 'ModelDecl':
    case 'LossDecl': {
      // A comment between the last parameter and the first statement is
      // placed in the body: the AST does not say where `{` is.
      const paramsEnd = d.params.length ? d.params[d.params.length - 1]!.span.end : d.name.span.end;
      return [list(d.params, 'param', d.name.span.end, paramsEnd), list(d.body, 'stmt', paramsEnd, d.span.end)];
    }
    case 'DataDecl':
      return [...recordsIn(d.source), list(d.clauses, 'clause', d.source.span.end, d.span.end)];
    case 'FeaturesDecl': {
      const headEnd = d.args.length ? d.args[d.args.length - 1]!.span.end : d.name.span.end;
      const out: ListRef[] = [];
      for (const a of d.args) recordsIn(a.value, out);
      out.push(list(d.defs, 'featureDef', headEnd, d.span.end));
      return out;
    }
    case 'MemoryDecl':
      return d.settings ? [list(d.settings.entries, 'entry', d.settings.span.start, d.settings.span.end)] : [];
    case 'TrainDecl':
      return [list(d.body.items, 'trainItem', d.body.span.start, d.body.span.end)];
    case 'StrategyDecl':
      return [list(d.clauses, 'clause', d.name.span.end, d.span.end)];
  }
}

/** The lists directly inside an item of kind `kind`. */
function subLists(kind: ItemKind, item: unknown): ListRef[] {
  switch (kind) {
    case 'decl':
      return declLists(item as Decl);
    case 'stmt':
      return recordsIn((item as { value: Expr }).value);
    case 'clause': {
      const c = item as Extract<Decl, { kind: 'StrategyDecl' }>['clauses'][number];
      if ('kind' in c) return [list(c.body.items, 'trainItem', c.body.span.start, c.body.span.end)];
      const b = c.body;
      if (b.kind === 'EntriesBody') return [list(b.entries, 'entry', c.head.span.end, c.span.end)];
      if (b.kind === 'DefBody') return recordsIn(b.value);
      const out = recordsIn(b.value);
      if (b.settings) out.push(list(b.settings.entries, 'entry', b.settings.span.start, b.settings.span.end));
      return out;
    }
    case 'featureDef': {
      const f = item as { value: Expr; for?: { in: Expr } };
      return [...recordsIn(f.value), ...recordsIn(f.for?.in)];
    }
    case 'trainItem': {
      const t = item as { kind?: 'Stage'; settings?: { entries: RecordEntry[]; span: Span }; value?: Expr };
      if (t.kind === 'Stage') return [list(t.settings!.entries, 'entry', t.settings!.span.start, t.settings!.span.end)];
      return recordsIn(t.value);
    }
    case 'entry':
      return recordsIn((item as RecordEntry).value);
    case 'param':
      return recordsIn((item as { default?: Expr }).default);
    case 'importItem':
      return [];
  }
}

function push(map: Map<object, Comment[]>, key: object, c: Comment): void {
  const l = map.get(key);
  if (l) l.push(c);
  else map.set(key, [c]);
}

/** Assign every comment of `m` to a slot (see header). */
export function placeComments(m: Module): CommentSlots {
  const slots: CommentSlots = { before: new Map(), trailing: new Map(), opener: new Map(), dangling: new Map() };
  const top = list(m.decls, 'decl', 0, Number.POSITIVE_INFINITY);
  const comments = [...m.comments].sort((a, b) => a.span.start - b.span.start);
  for (const c of comments) {
    const p = c.span.start;
    let cur = top;
    for (;;) {
      const items = cur.items;
      let k = 0;
      while (k < items.length && items[k]!.span.start <= p) k++;
      const prev = items[k - 1];
      if (prev && p < prev.span.end) {
        const sub = subLists(cur.kind, prev).find((s) => s.start <= p && p < s.end);
        if (sub) {
          cur = sub;
          continue;
        }
        push(slots.before, prev, c);
        break;
      }
      const next = items[k];
      // After a `//` comment nothing more fits on its line: a later comment
      // there is printed on a line of its own, so it is placed as one.
      const lineTaken = (map: Map<object, Comment[]>, key: object): boolean =>
        (map.get(key) ?? []).some((x) => x.text.startsWith('//'));
      // A comment that follows an own-line comment (`x,\n/* a */\n, // b`)
      // cannot go back up to the end of an earlier line: keep their order.
      const afterOwnLine = (next ? slots.before.get(next) : slots.dangling.get(cur.key))?.some(
        (x) => !prev || x.span.start >= prev.span.end,
      );
      const ownLine =
        c.ownLine || afterOwnLine === true || (prev ? lineTaken(slots.trailing, prev) : lineTaken(slots.opener, cur.key));
      if (ownLine) {
        if (next) push(slots.before, next, c);
        else push(slots.dangling, cur.key, c);
      } else if (prev) {
        push(slots.trailing, prev, c);
      } else {
        push(slots.opener, cur.key, c);
      }
      break;
    }
  }
  return slots;
}
