// The checker's entry point: checks every declaration of the given modules —
// models on their own (declared types, default hyper-parameters), feature
// sets, data blocks, graphs, train blocks — and elaborates every strategy into
// IR entry functions and a plan.

import type { Decl } from '../../grammar/ast.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { Program } from '../ir/types.js';
import type { Plan } from '../plan/plan.js';
import type { ModuleInfo, Resolved } from '../resolve.js';
import { newBuilder } from './builder.js';
import { newCtx, report, type Ctx } from './context.js';
import { evalExpr, moduleScope } from './expr.js';
import { compileFeatures } from './features.js';
import { checkModelAlone, modelValue } from './model.js';
import { checkEnv } from './env.js';
import { compileData, compileGraph, elaborateStrategy } from './strategy.js';
import { compileMemory } from './memory.js';

export interface CheckResult {
  program: Program;
  plans: Plan[];
  /** model name → its standalone IR function (for `quiver explain --model`) */
  models: Map<string, string>;
  diagnostics: Diagnostic[];
}

function checkDecl(ctx: Ctx, m: ModuleInfo, d: Decl, out: { plans: Plan[]; entries: string[]; models: Map<string, string> }): void {
  switch (d.kind) {
    case 'ModelDecl': {
      const fn = checkModelAlone(ctx, d, m);
      if (fn) out.models.set(d.name.name, fn);
      return;
    }
    case 'LossDecl':
      // Losses take their types from the strategy that uses them; check the defaults here.
      for (const p of d.params) if (p.default) evalExpr(ctx, moduleScope(ctx, m, newBuilder('loss defaults')), p.default);
      void modelValue;
      return;
    case 'FeaturesDecl':
      compileFeatures(ctx, m, d);
      return;
    case 'DataDecl':
      compileData(ctx, m, d);
      return;
    case 'GraphDecl':
      compileGraph(ctx, m, d);
      return;
    case 'MemoryDecl':
      compileMemory(ctx, m, d, 0);
      return;
    case 'EnvDecl':
      checkEnv(ctx, m, d);
      return;
    case 'LetDecl':
    case 'ScheduleDecl':
      if (d.kind === 'LetDecl') evalExpr(ctx, moduleScope(ctx, m, newBuilder('let')), d.value);
      return;
    case 'DimDecl':
      for (const dim of d.dims) {
        if (!dim.size) continue;
        const v = evalExpr(ctx, moduleScope(ctx, m, newBuilder('dim')), dim.size);
        if (v.k !== 'num' || !v.int || v.v < 1) {
          if (v.k !== 'poison') report(ctx, 'badAttribute', { name: `size of ${dim.name.name}`, value: v.k === 'num' ? String(v.v) : 'a non-number' }, { span: dim.size.span });
        }
      }
      return;
    case 'StrategyDecl': {
      const r = elaborateStrategy(ctx, m, d);
      if (r) {
        out.plans.push(r.plan);
        out.entries.push(...r.entries);
      }
      return;
    }
    default:
      return;
  }
}

/** Check the root modules (and, with `all`, every loaded module, the stdlib included). */
export function checkResolved(r: Resolved, opts: { all?: boolean } = {}): CheckResult {
  const ctx = newCtx(r);
  const out = { plans: [] as Plan[], entries: [] as string[], models: new Map<string, string>() };
  const modules = opts.all ? [...r.modules.values()] : r.roots;
  for (const m of modules) for (const d of m.ast.decls) checkDecl(ctx, m, d, out);
  const functions: Program['functions'] = {};
  for (const [k, f] of ctx.functions) functions[k] = f;
  const entries = out.entries.length ? out.entries : [...out.models.values()];
  // A model body is elaborated once per instantiation: report each problem once.
  const seen = new Set<string>();
  const diagnostics = ctx.diags.filter((d) => {
    const k = JSON.stringify([d.code, d.message, d.span]);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { program: { functions, entries }, plans: out.plans, models: out.models, diagnostics };
}
