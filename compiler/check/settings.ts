// Settings: reading `train`, `evaluate`, `backtest`, processor lists and data
// sources from evaluated values into the plan's typed records.
//
// Settings expressions are evaluated like any other (so `lr: base_lr * 2`
// works with a top-level let); names that are not declarations resolve to
// settings builtins (`adam`, `ic`, `valid.ic`), and calling one gives a
// `bcall` value. Each reader checks keys, kinds and ranges and reports
// unknown ones with the known list.

import type { Span } from '../diagnostics/diagnostic.js';
import type { Processor } from '../plan/data.js';
import type { BacktestPlan, Batching, DataSource, LrSchedule, MetricSpec, Optimizer } from '../plan/plan.js';
import { closest, report, type Ctx, type Hooks, type Scope } from './context.js';
import { newBuilder } from './builder.js';
import { moduleScope } from './expr.js';
import { lookup, type ModuleInfo } from '../resolve.js';
import { describe, type Value } from './values.js';

export type Args = { named: Map<string, { value: Value; span: Span }>; positional: { value: Value; span: Span }[] };

export function argsOf(v: Extract<Value, { k: 'bcall' }>): Args {
  const named = new Map<string, { value: Value; span: Span }>();
  const positional: { value: Value; span: Span }[] = [];
  for (const a of v.args) {
    if (a.name !== undefined) named.set(a.name, { value: a.value, span: a.span });
    else positional.push({ value: a.value, span: a.span });
  }
  return { named, positional };
}

/** Read named (or positional, in `order`) arguments, reporting unknown ones. */
export function takeArgs(ctx: Ctx, v: Extract<Value, { k: 'bcall' }>, order: string[]): Map<string, { value: Value; span: Span }> | undefined {
  const { named, positional } = argsOf(v);
  if (positional.length > order.length) {
    report(ctx, 'tooManyArguments', { op: v.name, max: order.length }, { span: positional[order.length]!.span });
    return undefined;
  }
  const out = new Map(named);
  positional.forEach((p, i) => out.set(order[i]!, p));
  for (const k of named.keys()) {
    if (!order.includes(k)) {
      report(ctx, 'unknownArgument', { name: k, op: v.name, known: order.join(', ') }, { span: named.get(k)!.span });
      return undefined;
    }
  }
  return out;
}

export function number(ctx: Ctx, a: { value: Value; span: Span } | undefined, what: string, fallback: number, opts: { min?: number; int?: boolean } = {}): number {
  if (!a) return fallback;
  const v = a.value;
  if (v.k === 'poison') return fallback;
  if (v.k !== 'num' || (opts.int && !v.int)) {
    report(ctx, 'typeMismatch', { expected: `${opts.int ? 'an Int' : 'a number'} for ${what}`, found: describe(v) }, { span: a.span });
    return fallback;
  }
  if (opts.min !== undefined && v.v < opts.min) {
    report(ctx, 'badAttribute', { name: what, value: String(v.v) }, { span: a.span, hints: [`it must be at least ${opts.min}`] });
    return fallback;
  }
  return v.v;
}

export function text(ctx: Ctx, a: { value: Value; span: Span } | undefined, what: string, fallback: string): string {
  if (!a) return fallback;
  const v = a.value;
  if (v.k === 'str') return v.v;
  if (v.k === 'builtin') return v.name;
  if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: `a String for ${what}`, found: describe(v) }, { span: a.span });
  return fallback;
}

export function bool(ctx: Ctx, a: { value: Value; span: Span } | undefined, what: string, fallback: boolean): boolean {
  if (!a) return fallback;
  if (a.value.k === 'bool') return a.value.v;
  if (a.value.k !== 'poison') report(ctx, 'typeMismatch', { expected: `a Bool for ${what}`, found: describe(a.value) }, { span: a.span });
  return fallback;
}

/** A builtin name or call: `ic` or `precision(k: 50)` → [name, call?]. */
export function callee(v: Value): { name: string; call?: Extract<Value, { k: 'bcall' }> } | undefined {
  if (v.k === 'builtin') return { name: v.name };
  if (v.k === 'bcall') return { name: v.name, call: v };
  return undefined;
}

function unknownKind(ctx: Ctx, what: string, name: string, known: string[], span: Span): undefined {
  const suggestion = closest(name, known);
  report(ctx, 'unknownName', suggestion ? { name, suggestion } : { name }, { span, hints: [`${what}: ${known.join(', ')}`] });
  return undefined;
}

export function readOptimizer(ctx: Ctx, a: { value: Value; span: Span }): Optimizer | undefined {
  const c = callee(a.value);
  const known = ['adam', 'adamw', 'sgd'];
  if (!c || !known.includes(c.name)) return c ? unknownKind(ctx, 'optimizers', c.name, known, a.span) : (report(ctx, 'typeMismatch', { expected: 'an optimizer such as adam(lr: 1e-3)', found: describe(a.value) }, { span: a.span }), undefined);
  const args = c.call ? takeArgs(ctx, c.call, c.name === 'sgd' ? ['lr', 'momentum', 'weight_decay'] : ['lr', 'weight_decay', 'beta1', 'beta2', 'eps']) : new Map();
  if (!args) return undefined;
  const lr = number(ctx, args.get('lr'), 'lr', 1e-3, { min: 0 });
  const wd = number(ctx, args.get('weight_decay'), 'weight_decay', c.name === 'adamw' ? 0.01 : 0, { min: 0 });
  if (c.name === 'sgd') return { kind: 'sgd', lr, momentum: number(ctx, args.get('momentum'), 'momentum', 0, { min: 0 }), weightDecay: wd };
  const betas: [number, number] = [number(ctx, args.get('beta1'), 'beta1', 0.9, { min: 0 }), number(ctx, args.get('beta2'), 'beta2', 0.999, { min: 0 })];
  return { kind: c.name as 'adam' | 'adamw', lr, weightDecay: wd, betas, eps: number(ctx, args.get('eps'), 'eps', 1e-8, { min: 0 }) };
}

export function readClip(ctx: Ctx, a: { value: Value; span: Span }): { kind: 'value' | 'norm'; value: number } | undefined {
  const c = callee(a.value);
  if (a.value.k === 'num') return { kind: 'value', value: a.value.v };
  if (!c || (c.name !== 'value' && c.name !== 'norm') || !c.call) {
    report(ctx, 'typeMismatch', { expected: 'value(3) or norm(100)', found: describe(a.value) }, { span: a.span });
    return undefined;
  }
  const args = takeArgs(ctx, c.call, ['max']);
  if (!args) return undefined;
  return { kind: c.name, value: number(ctx, args.get('max'), 'clip', 3, { min: 0 }) };
}

export function readBatch(ctx: Ctx, a: { value: Value; span: Span }): Batching | undefined {
  const c = callee(a.value);
  if (c?.name === 'days') {
    const args = c.call ? takeArgs(ctx, c.call, ['shuffle']) : new Map();
    return args ? { kind: 'days', shuffle: bool(ctx, args.get('shuffle'), 'shuffle', true) } : undefined;
  }
  if (c?.name === 'samples' && c.call) {
    const args = takeArgs(ctx, c.call, ['size', 'shuffle', 'drop_last', 'replacement']);
    if (!args) return undefined;
    return {
      kind: 'samples',
      size: number(ctx, args.get('size'), 'size', 800, { min: 1, int: true }),
      shuffle: bool(ctx, args.get('shuffle'), 'shuffle', true),
      dropLast: bool(ctx, args.get('drop_last'), 'drop_last', true),
      replacement: bool(ctx, args.get('replacement'), 'replacement', false),
    };
  }
  report(ctx, 'typeMismatch', { expected: 'days, days(shuffle: false) or samples(800)', found: describe(a.value) }, { span: a.span });
  return undefined;
}

export function readLrSchedule(ctx: Ctx, a: { value: Value; span: Span }): LrSchedule | undefined {
  const c = callee(a.value);
  if (c?.name === 'constant') return { kind: 'constant' };
  if (c?.name === 'step' && c.call) {
    const args = takeArgs(ctx, c.call, ['every', 'gamma']);
    if (!args) return undefined;
    return { kind: 'step', every: number(ctx, args.get('every'), 'every', 10, { min: 1, int: true }), gamma: number(ctx, args.get('gamma'), 'gamma', 0.5, { min: 0 }) };
  }
  if (c?.name === 'plateau') {
    const args = c.call ? takeArgs(ctx, c.call, ['factor', 'patience', 'threshold', 'min_lr']) : new Map();
    if (!args) return undefined;
    return {
      kind: 'plateau',
      factor: number(ctx, args.get('factor'), 'factor', 0.5, { min: 0 }),
      patience: number(ctx, args.get('patience'), 'patience', 10, { min: 0, int: true }),
      threshold: number(ctx, args.get('threshold'), 'threshold', 1e-4, { min: 0 }),
      minLr: number(ctx, args.get('min_lr'), 'min_lr', 1e-5, { min: 0 }),
    };
  }
  report(ctx, 'typeMismatch', { expected: 'constant, step(every: 10, gamma: 0.5) or plateau(...)', found: describe(a.value) }, { span: a.span });
  return undefined;
}

/** Metrics a strategy may list in `evaluate` (and monitor in early stopping). */
export const METRICS = ['ic', 'rank_ic', 'icir', 'rank_icir', 'mse', 'mae', 'loss', 'precision', 'recall', 'long_short', 'quantile_returns', 'ic_decay', 'pct_ic', 'pct_icir', 'pct_mse', 'pct_mae'];

export function readMetric(ctx: Ctx, v: Value, span: Span): MetricSpec | undefined {
  const c = callee(v);
  if (!c) {
    report(ctx, 'typeMismatch', { expected: 'a metric such as ic or precision(k: 50)', found: describe(v) }, { span });
    return undefined;
  }
  if (!METRICS.includes(c.name)) return unknownKind(ctx, 'metrics', c.name, METRICS, span);
  const args: MetricSpec['args'] = {};
  if (c.call) {
    for (const a of c.call.args) {
      if (a.value.k === 'num' || a.value.k === 'bool' || a.value.k === 'str') args[a.name ?? 'k'] = a.value.v;
      else report(ctx, 'typeMismatch', { expected: 'a number, Bool or String', found: describe(a.value) }, { span: a.span });
    }
  }
  return { name: c.name, args };
}

/** `early_stop: { patience: 20, on: valid.ic }` or just `early_stop: 20` (on valid loss). */
export function readEarlyStop(ctx: Ctx, a: { value: Value; span: Span }): { patience: number; metric: string; segment: string; mode: 'max' | 'min' } | undefined {
  let patience = 20;
  let on = 'valid.loss';
  let onSpan = a.span;
  if (a.value.k === 'num') patience = number(ctx, a, 'early_stop', 20, { min: 1, int: true });
  else if (a.value.k === 'record') {
    for (const [k, v] of a.value.fields) {
      if (k === 'patience') patience = number(ctx, { value: v, span: a.span }, 'patience', 20, { min: 1, int: true });
      else if (k === 'on') {
        on = v.k === 'builtin' ? v.name : v.k === 'str' ? v.v : '';
        if (v.k === 'builtin') onSpan = v.span;
      } else report(ctx, 'unknownSetting', { key: k, block: 'early_stop', known: 'patience, on' }, { span: a.span });
    }
  } else {
    report(ctx, 'typeMismatch', { expected: '{ patience: 20, on: valid.ic }', found: describe(a.value) }, { span: a.span });
    return undefined;
  }
  const [segment, metric] = on.includes('.') ? on.split('.', 2) as [string, string] : ['valid', on];
  if (!['train', 'valid', 'test'].includes(segment) || !METRICS.includes(metric)) {
    report(ctx, 'badAttribute', { name: 'early-stopping metric', value: on }, { span: onSpan, hints: [`use <segment>.<metric>, e.g. valid.ic; metrics: ${METRICS.join(', ')}`] });
    return undefined;
  }
  return { patience, metric, segment, mode: metric === 'loss' || metric.endsWith('mse') || metric.endsWith('mae') ? 'min' : 'max' };
}

export function readBacktest(ctx: Ctx, head: Value, headSpan: Span, settings: Value | undefined, settingsSpan: Span): BacktestPlan | undefined {
  const c = callee(head);
  if (!c || c.name !== 'topk_dropout') {
    if (head.k !== 'poison') report(ctx, 'typeMismatch', { expected: 'topk_dropout(topk: 50, n_drop: 5)', found: describe(head) }, { span: headSpan });
    return undefined;
  }
  const args = c.call ? takeArgs(ctx, c.call, ['topk', 'n_drop']) : new Map();
  if (!args) return undefined;
  const plan: BacktestPlan = {
    strategy: 'topk_dropout',
    topk: number(ctx, args.get('topk'), 'topk', 50, { min: 1, int: true }),
    nDrop: number(ctx, args.get('n_drop'), 'n_drop', 5, { min: 0, int: true }),
    openCost: 0.0005,
    closeCost: 0.0015,
    minCost: 5,
    limit: 0.095,
    lot: 100,
    deal: 'close',
    benchmark: 'SH000300',
    riskDegree: 0.95,
    holdThresh: 1,
    account: 1e8,
    segment: 'test',
  };
  if (settings && settings.k === 'record') {
    const known = ['open_cost', 'close_cost', 'min_cost', 'limit', 'lot', 'deal', 'benchmark', 'risk_degree', 'hold_thresh', 'account', 'segment'];
    for (const [k, v] of settings.fields) {
      const a = { value: v, span: settingsSpan };
      switch (k) {
        case 'open_cost':
          plan.openCost = number(ctx, a, k, plan.openCost, { min: 0 });
          break;
        case 'close_cost':
          plan.closeCost = number(ctx, a, k, plan.closeCost, { min: 0 });
          break;
        case 'min_cost':
          plan.minCost = number(ctx, a, k, plan.minCost, { min: 0 });
          break;
        case 'limit':
          plan.limit = number(ctx, a, k, plan.limit, { min: 0 });
          break;
        case 'lot':
          plan.lot = number(ctx, a, k, plan.lot, { min: 1, int: true });
          break;
        case 'deal':
          if (text(ctx, a, k, 'close') !== 'close') report(ctx, 'badAttribute', { name: 'deal price', value: text(ctx, a, k, '') }, { span: settingsSpan, hints: ['only "close" is supported'] });
          break;
        case 'benchmark':
          plan.benchmark = text(ctx, a, k, plan.benchmark);
          break;
        case 'risk_degree':
          plan.riskDegree = number(ctx, a, k, plan.riskDegree, { min: 0 });
          break;
        case 'hold_thresh':
          plan.holdThresh = number(ctx, a, k, plan.holdThresh, { min: 0, int: true });
          break;
        case 'account':
          plan.account = number(ctx, a, k, plan.account, { min: 1 });
          break;
        case 'segment':
          plan.segment = text(ctx, a, k, plan.segment);
          break;
        default:
          report(ctx, 'unknownSetting', { key: k, block: 'backtest', known: known.join(', ') }, { span: settingsSpan });
      }
    }
  }
  if (plan.nDrop > plan.topk) report(ctx, 'badAttribute', { name: 'n_drop', value: String(plan.nDrop) }, { span: headSpan, hints: ['n_drop cannot exceed topk'] });
  return plan;
}

export const PROCESSORS = ['robust_zscore', 'zscore', 'minmax', 'fillna', 'dropna', 'dropna_label', 'cs_rank', 'cs_zscore', 'csz_fillna', 'process_inf', 'drop_col', 'filter_col', 'tanh', 'qcut'];

export function readProcessor(ctx: Ctx, v: Value, span: Span, segments: Record<string, { start: string; end: string }>, forLabel: boolean): Processor | undefined {
  const c = callee(v);
  if (!c) {
    report(ctx, 'typeMismatch', { expected: 'a processor such as fillna(0)', found: describe(v) }, { span });
    return undefined;
  }
  if (!PROCESSORS.includes(c.name)) return unknownKind(ctx, 'processors', c.name, PROCESSORS, span);
  const fit = (args: Map<string, { value: Value; span: Span }>) => {
    const seg = text(ctx, args.get('fit'), 'fit', 'train');
    const r = segments[seg];
    if (!r) {
      report(ctx, 'badAttribute', { name: 'fit segment', value: seg }, { span: args.get('fit')?.span ?? span, hints: [`segments: ${Object.keys(segments).join(', ')}`] });
      return { fitStart: '', fitEnd: '' };
    }
    return { fitStart: r.start, fitEnd: r.end };
  };
  const order = c.name === 'fillna' ? ['value'] : c.name === 'drop_col' || c.name === 'filter_col' ? ['columns'] : c.name === 'qcut' ? ['q', 'fit'] : ['clip', 'fit', 'robust'];
  const args = c.call ? takeArgs(ctx, c.call, order) : new Map();
  if (!args) return undefined;
  switch (c.name) {
    case 'robust_zscore': {
      const p: Processor = { kind: 'robust_zscore', ...fit(args) };
      if (args.has('clip')) p.clip = number(ctx, args.get('clip'), 'clip', 3, { min: 0 });
      else p.clip = 3;
      return p;
    }
    case 'zscore':
      return { kind: 'zscore', ...fit(args) };
    case 'minmax':
      return { kind: 'minmax', ...fit(args) };
    case 'fillna':
      return { kind: 'fillna', value: number(ctx, args.get('value'), 'value', 0) };
    case 'dropna':
      return forLabel ? { kind: 'dropna_label' } : { kind: 'dropna' };
    case 'dropna_label':
      return { kind: 'dropna_label' };
    case 'cs_rank':
      return { kind: 'cs_rank' };
    case 'cs_zscore':
      return { kind: 'cs_zscore', robust: bool(ctx, args.get('robust'), 'robust', false) };
    case 'csz_fillna':
      return { kind: 'csz_fillna' };
    case 'process_inf':
      return { kind: 'process_inf' };
    case 'tanh':
      return { kind: 'tanh' };
    case 'qcut': {
      // qcut(3, fit: "train"): classes 0..q-1 from the fit segment's q-quantiles.
      if (!args.has('q')) {
        report(ctx, 'missingArgument', { name: 'q', op: 'qcut' }, { span, hints: ['qcut(3, fit: "train") gives classes 0, 1, 2'] });
        return undefined;
      }
      const q = number(ctx, args.get('q'), 'q', 2, { int: true, min: 2 });
      return { kind: 'qcut', q, ...fit(args) };
    }
    case 'drop_col':
    case 'filter_col': {
      const cols = args.get('columns');
      const list: string[] = cols?.value.k === 'list' ? cols.value.items.map((x: Value) => (x.k === 'str' ? x.v : x.k === 'builtin' ? x.name : '')) : [];
      return { kind: c.name, columns: list.filter((x) => x.length > 0) };
    }
  }
  return undefined;
}

export function readSource(ctx: Ctx, v: Value, span: Span): DataSource | undefined {
  const c = callee(v);
  if (c?.name === 'demo') {
    const args = c.call ? takeArgs(ctx, c.call, ['preset', 'seed', 'effects', 'only']) : new Map();
    if (!args) return undefined;
    const preset = text(ctx, args.get('preset'), 'preset', 'small');
    if (preset !== 'small' && preset !== 'csi300') {
      report(ctx, 'badAttribute', { name: 'demo preset', value: JSON.stringify(preset) }, { span: args.get('preset')!.span, hints: ['"small" or "csi300"'] });
      return undefined;
    }
    const effects: Record<string, number | Record<string, number | boolean>> = {};
    const eff = args.get('effects');
    if (eff?.value.k === 'record') {
      for (const [k, x] of eff.value.fields) {
        if (x.k === 'record') {
          const sub: Record<string, number | boolean> = {};
          for (const [pk, pv] of x.fields) {
            if (pv.k === 'num' || pv.k === 'bool') sub[pk] = pv.v;
            else report(ctx, 'typeMismatch', { expected: `a number or Bool for ${k}.${pk}`, found: describe(pv) }, { span: eff.span });
          }
          effects[k] = sub;
        } else effects[k] = number(ctx, { value: x, span: eff.span }, `effect ${k}`, 0);
      }
    } else if (eff) report(ctx, 'typeMismatch', { expected: 'a record of effect amplitudes', found: describe(eff.value) }, { span: eff.span });
    const out: DataSource = { kind: 'demo', preset, seed: number(ctx, args.get('seed'), 'seed', 7, { int: true }), effects };
    const only = args.get('only');
    if (only) {
      if (only.value.k === 'list' && only.value.items.every((x: Value) => x.k === 'str' || x.k === 'builtin')) {
        out.only = only.value.items.map((x: Value) => (x.k === 'str' ? x.v : x.k === 'builtin' ? x.name : ''));
      } else report(ctx, 'typeMismatch', { expected: 'a list of effect names, e.g. ["temporal"]', found: describe(only.value) }, { span: only.span });
    }
    return out;
  }
  if (c?.name === 'duckdb' && c.call) {
    const args = takeArgs(ctx, c.call, ['path']);
    if (!args) return undefined;
    return { kind: 'duckdb', path: text(ctx, args.get('path'), 'path', '') };
  }
  if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: 'demo(preset: "small", seed: 7) or duckdb("market.duckdb")', found: describe(v) }, { span });
  return undefined;
}

/** A scope for evaluating settings: names the module does not declare are builtin words (`per: sample`, `fit: "train"`). */
export function settingsScope(ctx: Ctx, m: ModuleInfo): Scope {
  const hooks: Hooks = {
    name: (name, span) => (lookup(ctx.r, m, name) ? undefined : { k: 'builtin', name, span }),
  };
  return moduleScope(ctx, m, newBuilder('settings'), hooks);
}
