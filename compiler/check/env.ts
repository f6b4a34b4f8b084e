// Reinforcement-learning declarations: an `env` (its kind and settings) and a
// strategy that trains a policy in one (`env` instead of `data`; stages name
// an algorithm, a policy model and an optional distillation teacher). The
// runtime does not run RL strategies yet; these checks keep such files honest.
//
// Guarantees: every unknown kind, algorithm, setting or metric is reported at
// its span (Q3xxx type mismatches, unknown settings, missing clauses).

import type { Decl } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { ModuleInfo } from '../resolve.js';
import { clauseValue, namedDecl, stagesOf } from './clauses.js';
import { report, type Ctx } from './context.js';
import { evalExpr } from './expr.js';
import { callee, number, settingsScope, takeArgs } from './settings.js';
import { describe, type Value } from './values.js';

type EnvDecl = Extract<Decl, { kind: 'EnvDecl' }>;
type StrategyDecl = Extract<Decl, { kind: 'StrategyDecl' }>;

const ENV_KINDS: Record<string, string[]> = { order_execution: ['bars', 'decisions', 'actions', 'reward', 'orders'] };
const RL_ALGORITHMS: Record<string, string[]> = {
  ppo: ['clip', 'kl_target', 'lr', 'gamma', 'lambda', 'entropy', 'value_clip', 'epochs'],
  dqn: ['lr', 'gamma', 'epsilon', 'target_update'],
};
const RL_METRICS = ['price_advantage', 'glr', 'reward', 'pa'];

/** An environment declaration: its kind and settings are checked; the runtime does not run RL strategies yet. */
export function checkEnv(ctx: Ctx, m: ModuleInfo, d: EnvDecl): boolean {
  const v = evalExpr(ctx, settingsScope(ctx, m), d.value);
  const c = callee(v);
  if (!c || !ENV_KINDS[c.name]) {
    if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: `an environment (${Object.keys(ENV_KINDS).join(', ')})`, found: describe(v) }, { span: d.value.span });
    return false;
  }
  if (!c.call) return true;
  const args = takeArgs(ctx, c.call, ENV_KINDS[c.name]!);
  if (!args) return false;
  if (args.has('decisions')) number(ctx, args.get('decisions'), 'decisions', 8, { min: 1, int: true });
  const actions = args.get('actions');
  if (actions && !(actions.value.k === 'list' && actions.value.items.every((x) => x.k === 'num' && x.v >= 0 && x.v <= 1))) {
    report(ctx, 'typeMismatch', { expected: 'a list of order fractions in [0, 1]', found: describe(actions.value) }, { span: actions.span });
  }
  return true;
}

/** An RL strategy (`env` instead of `data`): stages name an algorithm, a policy model and optional distillation. */
export function checkRlStrategy(ctx: Ctx, m: ModuleInfo, s: StrategyDecl): void {
  const envExpr = clauseValue(ctx, s, 'env');
  const found = envExpr && namedDecl(ctx, m, envExpr, 'EnvDecl', 'an environment');
  if (!found || found.kind !== 'decl' || found.decl.kind !== 'EnvDecl') return;
  const ss = settingsScope(ctx, m);
  const modelName = (v: Value, span: Span): void => {
    if (v.k === 'poison') return;
    if (v.k !== 'model' || v.decl.kind !== 'ModelDecl') report(ctx, 'wrongKind', { name: describe(v), expected: 'a policy model', found: describe(v) }, { span });
  };
  for (const st of stagesOf(ctx, m, s)) {
    const seen = new Set<string>();
    for (const en of st.entries) {
      const key = en.key.name;
      seen.add(key);
      const v = evalExpr(ctx, ss, en.value);
      const a = { value: v, span: en.value.span };
      if (key === 'algorithm') {
        const c = callee(v);
        if (!c || !RL_ALGORITHMS[c.name]) report(ctx, 'typeMismatch', { expected: `an RL algorithm (${Object.keys(RL_ALGORITHMS).join(', ')})`, found: describe(v) }, { span: a.span });
        else if (c.call) takeArgs(ctx, c.call, RL_ALGORITHMS[c.name]!);
      } else if (key === 'policy') modelName(v, a.span);
      else if (key === 'distill') {
        const c = callee(v);
        const args = c?.name === 'from' && c.call ? takeArgs(ctx, c.call, ['teacher', 'weight']) : undefined;
        if (!args) report(ctx, 'typeMismatch', { expected: 'from(<teacher model>, weight: 0.01)', found: describe(v) }, { span: a.span });
        else {
          const t = args.get('teacher');
          if (t) modelName(t.value, t.span);
          number(ctx, args.get('weight'), 'weight', 0.01, { min: 0 });
        }
      } else if (key === 'epochs') number(ctx, a, key, 1, { min: 1, int: true });
      else report(ctx, 'unknownSetting', { key, block: 'train (reinforcement learning)', known: 'algorithm, policy, distill, epochs' }, { span: en.key.span });
    }
    if (!seen.has('policy')) report(ctx, 'missingClause', { head: 'policy', block: `stage ${st.name}` }, { span: st.span });
  }
  const evalExprAst = clauseValue(ctx, s, 'evaluate');
  if (evalExprAst) {
    const v = evalExpr(ctx, ss, evalExprAst);
    for (const it of v.k === 'list' ? v.items : [v]) {
      const c = callee(it);
      if (!c || !RL_METRICS.includes(c.name)) report(ctx, 'typeMismatch', { expected: `an execution metric (${RL_METRICS.join(', ')})`, found: describe(it) }, { span: evalExprAst.span });
    }
  }
}
