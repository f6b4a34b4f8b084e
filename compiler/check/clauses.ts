// Strategy clauses: finding a clause by its head, reading the value it takes,
// resolving a clause that names a declaration, and the train block's stages
// (top-level entries as defaults under each stage's own). Shared by the
// strategy elaborator (strategy.ts) and the RL strategy checks (env.ts).
//
// Guarantees: nothing is skipped silently: a clause written another way than
// expected, a missing or wrong-kind name is reported at its span.

import type { Clause, Decl, Expr, RecordEntry, Stage, TrainBody, TrainClause } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { lookup, type Found, type ModuleInfo } from '../resolve.js';
import { report, type Ctx } from './context.js';

type StrategyDecl = Extract<Decl, { kind: 'StrategyDecl' }>;

export function clauseOf(s: StrategyDecl, head: string): (Clause | TrainClause) | undefined {
  return s.clauses.find((c) => c.head.name === head);
}

export function isTrainClause(c: Clause | TrainClause): c is TrainClause {
  return (c as TrainClause).kind === 'TrainClause';
}

export function valueExpr(c: Clause | TrainClause | undefined): Expr | undefined {
  return c && !isTrainClause(c) && c.body.kind === 'ValueBody' ? c.body.value : undefined;
}

/**
 * The value of a strategy clause that takes one (`model GRU(...)`), or
 * undefined when the clause is absent; a clause written another way
 * (`model m = GRU(...)`, `data { ... }`) is reported, never skipped silently.
 */
export function clauseValue(ctx: Ctx, s: StrategyDecl, head: string): Expr | undefined {
  const c = clauseOf(s, head);
  if (!c) return undefined;
  const v = valueExpr(c);
  if (v) return v;
  const found = isTrainClause(c) ? 'a train block' : c.body.kind === 'DefBody' ? `a definition \`${head} ${c.body.name.name} = ...\`` : 'a block of entries';
  report(ctx, 'typeMismatch', { expected: `a value after \`${head}\``, found }, { span: c.span });
  return undefined;
}

/** A clause naming a declaration (`data market`, `env exec`): reports a missing name or another kind. */
export function namedDecl(ctx: Ctx, m: ModuleInfo, e: Expr, kind: Decl['kind'], what: string): Found | undefined {
  if (e.kind !== 'Name') {
    report(ctx, 'typeMismatch', { expected: `the name of ${what}`, found: `a ${e.kind.toLowerCase()} expression` }, { span: e.span });
    return undefined;
  }
  const found = lookup(ctx.r, m, e.name);
  if (!found) {
    report(ctx, 'unknownName', { name: e.name }, { span: e.span });
    return undefined;
  }
  if (found.kind !== 'decl' || found.decl.kind !== kind) {
    report(ctx, 'wrongKind', { name: e.name, expected: what, found: 'another declaration' }, { span: e.span });
    return undefined;
  }
  return found;
}

/** Stage settings: the train block's top-level entries as defaults, each stage's entries on top. */
export function stagesOf(ctx: Ctx, m: ModuleInfo, s: StrategyDecl): { name: string; entries: RecordEntry[]; span: Span }[] {
  const c = clauseOf(s, 'train');
  let body: TrainBody | undefined;
  if (c && isTrainClause(c)) body = c.body;
  else if (c) {
    const e = valueExpr(c);
    const found = e?.kind === 'Name' ? lookup(ctx.r, m, e.name) : undefined;
    if (found?.kind === 'decl' && found.decl.kind === 'TrainDecl') {
      body = found.decl.body;
      // `train qlib_rnn { epochs: 30 }`: the named block with some settings replaced.
      const over = !isTrainClause(c) && c.body.kind === 'ValueBody' ? c.body.settings : undefined;
      if (over) body = { ...body, items: [...body.items, ...over.entries] };
    } else report(ctx, found ? 'wrongKind' : 'unknownName', found ? { name: e?.kind === 'Name' ? e.name : '?', expected: 'a train declaration', found: 'another declaration' } : { name: e?.kind === 'Name' ? e.name : '?' } as never, { span: c.span });
  }
  if (!body) return [{ name: 'main', entries: [], span: s.name.span }];
  const defaults = body.items.filter((i): i is RecordEntry => !('kind' in i && (i as Stage).kind === 'Stage'));
  const stages = body.items.filter((i): i is Stage => 'kind' in i && (i as Stage).kind === 'Stage');
  if (stages.length === 0) return [{ name: 'main', entries: defaults, span: body.span }];
  return stages.map((st) => ({ name: st.name.name, entries: [...defaults, ...st.settings.entries], span: st.span }));
}
