// Strategies: elaborates a `strategy` declaration into IR entry functions and
// a Plan — data source and dataset spec, input bindings, training stages,
// metrics and backtest.
//
// Entry functions: `model` (data → prediction) and one objective per training
// stage (data → model → loss → scalar). Data members (`market.x`), graphs and
// `label`/`mask`/`pred` become the entry functions' inputs, recorded in the
// plan's input bindings. A data block's targets (`market.mkt`) may look ahead
// like the label, so only the objectives' losses may read them: one in the
// model clause is Q4003.

import type { Decl, Expr, RecordEntry } from '../../grammar/ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { TensorType, Type } from '../ir/types.js';
import type { DatasetSpec, FeatureExpr, FeatureSet, Processor } from '../plan/data.js';
import type { EntryPlan, GraphPlan, InputBinding, InputSource, MemoryPlan, Plan, StagePlan } from '../plan/plan.js';
import { lookup, type ModuleInfo } from '../resolve.js';
import { emit, finish, input, newBuilder, type FnBuilder } from './builder.js';
import { report, type Ctx, type Hooks, type Scope } from './context.js';
import { callValue, evalExpr, moduleScope } from './expr.js';
import { compileFeatures, lookahead, toFeatureExpr } from './features.js';
import { topCalls } from './model.js';
import {
  bool,
  callee,
  number,
  readBacktest,
  readBatch,
  readClip,
  readEarlyStop,
  readLrSchedule,
  readMetric,
  readOptimizer,
  readProcessor,
  readSource,
  settingsScope,
  takeArgs,
  text,
} from './settings.js';
import { compileMemory, dependsOnInput, leakReported, MEMORY_READS } from './memory.js';
import { describe, POISON, tensorText, type Value } from './values.js';
import { lookupOp } from '../ops/registry.js';
import { emitOp } from './args.js';
import { clauseOf, clauseValue, isTrainClause, namedDecl, stagesOf } from './clauses.js';
import { checkRlStrategy } from './env.js';

type DataDecl = Extract<Decl, { kind: 'DataDecl' }>;
type StrategyDecl = Extract<Decl, { kind: 'StrategyDecl' }>;
type GraphDecl = Extract<Decl, { kind: 'GraphDecl' }>;

const STOCK: { name: string; size: string } = { name: 'N', size: 'N' };

export interface DataInfo {
  name: string;
  spec: DatasetSpec;
  source: Plan['source'];
  members: Map<string, { type: TensorType; source: InputSource }>;
  labelHorizon: number;
  /** each target's look-ahead in days */
  targetHorizons: Map<string, number>;
}

// ── data ─────────────────────────────────────────────────────────────────────

const DATA_CLAUSES = ['universe', 'features', 'label', 'field', 'target', 'process', 'segments'];
/** Clauses a data block may repeat (one per definition). */
const REPEATED_CLAUSES = new Set(['field', 'features', 'target']);

function featureType(fs: FeatureSet): TensorType {
  const F = { name: 'F', size: fs.columns.length };
  if (fs.kind === 'flat') return { kind: 'tensor', dtype: 'f32', axes: [STOCK, F] };
  return { kind: 'tensor', dtype: 'f32', axes: [STOCK, { name: fs.axis ?? 'T', size: fs.size }, F] };
}


const dataCache = new WeakMap<object, DataInfo | null>();

export function compileData(ctx: Ctx, m: ModuleInfo, d: DataDecl): DataInfo | undefined {
  const have = dataCache.get(d);
  if (have !== undefined) return have ?? undefined;
  dataCache.set(d, null);
  const ss = settingsScope(ctx, m);
  // Source constructors are builtins even where a declaration shares their name.
  const sourceScope = moduleScope(ctx, m, newBuilder('source'), {
    name: (name, span) => (name === 'demo' || name === 'duckdb' ? { k: 'builtin', name, span } : ss.hooks.name!(name, span, ss)),
  });
  const source = readSource(ctx, evalExpr(ctx, sourceScope, d.source), d.source.span);
  const spec: DatasetSpec = { features: {}, label: { kind: 'const', value: NaN }, fields: {}, process: { features: [], label: [] }, segments: {} };
  const members = new Map<string, { type: TensorType; source: InputSource }>();
  members.set('mask', { type: { kind: 'tensor', dtype: 'bool', axes: [STOCK] }, source: { kind: 'mask' } });
  let ok = source !== undefined;
  let hasLabel = false;
  let labelHorizon = 0;
  const targetHorizons = new Map<string, number>();
  /** `process <target>: [...]` entries, read once every target is known (clauses come in any order) */
  const targetProcess: RecordEntry[] = [];
  const targetSpans = new Map<string, Span>();
  const seen = new Set<string>();
  // segments first: processors refer to them
  for (const c of d.clauses) {
    if (c.head.name !== 'segments') continue;
    if (c.body.kind !== 'EntriesBody') {
      report(ctx, 'typeMismatch', { expected: 'segments train: a..b, valid: c..d, test: e..f', found: 'another form' }, { span: c.span });
      ok = false;
      continue;
    }
    for (const en of c.body.entries) {
      const v = evalExpr(ctx, ss, en.value);
      if (v.k === 'range' && v.from.k === 'date' && v.to.k === 'date') {
        if (v.from.v > v.to.v) report(ctx, 'badAttribute', { name: 'date range', value: `${v.from.v}..${v.to.v}` }, { span: en.value.span, hints: ['the start must not be after the end'] });
        spec.segments[en.key.name] = { start: v.from.v, end: v.to.v };
      } else if (v.k !== 'poison') {
        report(ctx, 'typeMismatch', { expected: 'a date range such as 2008-01-01..2014-12-31', found: describe(v) }, { span: en.value.span });
        ok = false;
      }
    }
  }
  for (const c of d.clauses) {
    const head = c.head.name;
    if (!DATA_CLAUSES.includes(head)) {
      report(ctx, 'unknownClause', { head, block: 'data', known: DATA_CLAUSES.join(', ') }, { span: c.head.span });
      ok = false;
      continue;
    }
    if (!REPEATED_CLAUSES.has(head) && seen.has(head)) {
      report(ctx, 'duplicateClause', { head, block: 'data' }, { span: c.head.span });
      continue;
    }
    seen.add(head);
    switch (head) {
      case 'universe': {
        if (c.body.kind !== 'ValueBody') break;
        const v = c.body.value;
        if (v.kind === 'Name') spec.universe = v.name;
        else if (v.kind === 'String') spec.universe = v.value;
        else report(ctx, 'typeMismatch', { expected: 'a universe name such as csi300', found: 'an expression' }, { span: v.span });
        break;
      }
      case 'features': {
        if (c.body.kind !== 'ValueBody' || c.body.value.kind !== 'Name') {
          report(ctx, 'typeMismatch', { expected: 'features <feature set> [as <name>]', found: 'another form' }, { span: c.span });
          ok = false;
          break;
        }
        const found = lookup(ctx.r, m, c.body.value.name);
        if (!found || found.kind !== 'decl' || found.decl.kind !== 'FeaturesDecl') {
          if (!found) report(ctx, 'unknownName', { name: c.body.value.name }, { span: c.body.value.span });
          else report(ctx, 'wrongKind', { name: c.body.value.name, expected: 'a feature set', found: found.kind === 'decl' ? found.decl.kind : 'a module' }, { span: c.body.value.span });
          ok = false;
          break;
        }
        const fs = compileFeatures(ctx, found.module, found.decl);
        if (!fs) {
          ok = false;
          break;
        }
        const as = c.body.alias?.name ?? 'x';
        if (spec.features[as]) report(ctx, 'duplicateClause', { head: `features as ${as}`, block: 'data' }, { span: c.span });
        spec.features[as] = fs;
        members.set(as, { type: featureType(fs), source: { kind: 'features', set: as } });
        break;
      }
      case 'label': {
        if (c.body.kind !== 'ValueBody') break;
        const x = toFeatureExpr({ ctx, module: m, vars: new Map(), allowFuture: true }, c.body.value);
        if (!x) {
          ok = false;
          break;
        }
        spec.label = x;
        hasLabel = true;
        labelHorizon = lookahead(x);
        members.set('label', { type: { kind: 'tensor', dtype: 'f32', axes: [STOCK] }, source: { kind: 'label' } });
        break;
      }
      case 'field': {
        if (c.body.kind !== 'DefBody') {
          report(ctx, 'typeMismatch', { expected: 'field name = expression', found: 'another form' }, { span: c.span });
          ok = false;
          break;
        }
        const x = toFeatureExpr({ ctx, module: m, vars: new Map(), allowFuture: false }, c.body.value);
        if (!x) {
          ok = false;
          break;
        }
        spec.fields[c.body.name.name] = x;
        members.set(c.body.name.name, { type: { kind: 'tensor', dtype: 'f32', axes: [STOCK] }, source: { kind: 'field', name: c.body.name.name } });
        break;
      }
      case 'target': {
        // target mkt = <expression>: an extra per-stock target for losses; it may read the future.
        if (c.body.kind !== 'DefBody') {
          report(ctx, 'typeMismatch', { expected: 'target name = expression', found: 'another form' }, { span: c.span });
          ok = false;
          break;
        }
        const name = c.body.name.name;
        if (targetSpans.has(name) || name === 'label' || name === 'mask' || name === 'features') {
          report(ctx, 'duplicateDeclaration', { name }, { span: c.body.name.span });
          ok = false;
          break;
        }
        targetSpans.set(name, c.body.name.span);
        const x = toFeatureExpr({ ctx, module: m, vars: new Map(), allowFuture: true }, c.body.value);
        if (!x) {
          ok = false;
          break;
        }
        (spec.targets ??= {})[name] = { expr: x, process: [] };
        targetHorizons.set(name, lookahead(x));
        members.set(name, { type: { kind: 'tensor', dtype: 'f32', axes: [STOCK] }, source: { kind: 'target', name } });
        break;
      }
      case 'process': {
        if (c.body.kind !== 'EntriesBody') {
          report(ctx, 'typeMismatch', { expected: 'process features: [...], label: [...]', found: 'another form' }, { span: c.span });
          break;
        }
        for (const en of c.body.entries) {
          const which = en.key.name;
          if (which !== 'features' && which !== 'label') {
            targetProcess.push(en);
            continue;
          }
          const list = readProcessors(ctx, ss, en, spec.segments, which === 'label');
          if (list) spec.process[which] = list;
        }
        break;
      }
    }
  }
  for (const [name, span] of targetSpans) {
    if (!spec.features[name] && !spec.fields[name]) continue;
    report(ctx, 'duplicateDeclaration', { name }, { span });
    ok = false;
  }
  for (const en of targetProcess) {
    const target = spec.targets?.[en.key.name];
    if (!target) {
      report(ctx, 'unknownSetting', { key: en.key.name, block: 'process', known: ['features', 'label', ...targetHorizons.keys()].join(', ') }, { span: en.key.span });
      continue;
    }
    const list = readProcessors(ctx, ss, en, spec.segments, true);
    if (!list) continue;
    // A target keeps every row: rows are the label's business; a loss skips rows whose target is NaN.
    const bad = list.findIndex((p) => p.kind === 'dropna' || p.kind === 'dropna_label' || p.kind === 'drop_col' || p.kind === 'filter_col');
    if (bad >= 0) {
      const at = en.value.kind === 'List' ? (en.value.items[bad]?.span ?? en.value.span) : en.value.span;
      report(ctx, 'badAttribute', { name: `processor for target ${en.key.name}`, value: list[bad]!.kind }, { span: at, hints: ['a target keeps every row of the day; a loss skips rows whose target is NaN'] });
      continue;
    }
    target.process = list;
  }
  if (!hasLabel) {
    report(ctx, 'missingClause', { head: 'label', block: 'data' }, { span: d.name.span });
    ok = false;
  }
  if (Object.keys(spec.features).length === 0) {
    report(ctx, 'missingClause', { head: 'features', block: 'data' }, { span: d.name.span });
    ok = false;
  }
  for (const need of ['train', 'test']) {
    if (!spec.segments[need]) {
      report(ctx, 'missingClause', { head: `segments ${need}`, block: 'data' }, { span: d.name.span });
      ok = false;
    }
  }
  const info: DataInfo = { name: d.name.name, spec, source: source!, members, labelHorizon, targetHorizons };
  dataCache.set(d, ok ? info : null);
  return ok ? info : undefined;
}

/** One `process` entry's processor list (undefined after reporting). */
function readProcessors(ctx: Ctx, ss: Scope, en: RecordEntry, segments: DatasetSpec['segments'], forLabel: boolean): Processor[] | undefined {
  const v = evalExpr(ctx, ss, en.value);
  if (v.k !== 'list') {
    if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: 'a list of processors', found: describe(v) }, { span: en.value.span });
    return undefined;
  }
  const items = en.value.kind === 'List' ? en.value.items : [];
  const list: Processor[] = [];
  const spans: Span[] = [];
  v.items.forEach((it, i) => {
    const span = items[i]?.span ?? en.value.span;
    const p = readProcessor(ctx, it, span, segments, forLabel);
    if (p) {
      list.push(p);
      spans.push(span);
    }
  });
  // cs_zscore divides by the day's spread: a column constant across the day's
  // stocks becomes NaN, which only a later fill removes.
  if (!forLabel) {
    const last = list.map((p) => p.kind).lastIndexOf('cs_zscore');
    const filled = list.slice(last + 1).some((p) => p.kind === 'fillna' || p.kind === 'csz_fillna');
    if (last >= 0 && !filled) report(ctx, 'datasetNaNAfterFill', { processor: 'cs_zscore' }, { span: spans[last]! });
  }
  return list;
}

// ── graphs ───────────────────────────────────────────────────────────────────

export function compileGraph(ctx: Ctx, m: ModuleInfo, d: GraphDecl): GraphPlan | undefined {
  const v = evalExpr(ctx, settingsScope(ctx, m), d.value);
  const c = callee(v);
  if (!c?.call || (c.name !== 'bipartite' && c.name !== 'edges')) {
    if (v.k !== 'poison') report(ctx, 'typeMismatch', { expected: 'bipartite(sql"...", left: N, right: M) or edges(sql"...")', found: describe(v) }, { span: d.value.span });
    return undefined;
  }
  const args = takeArgs(ctx, c.call, c.name === 'bipartite' ? ['sql', 'left', 'right', 'weighted'] : ['sql', 'left', 'right', 'weighted']);
  if (!args) return undefined;
  const q = args.get('sql');
  if (!q || q.value.k !== 'tagged' || q.value.tag !== 'sql') {
    report(ctx, 'typeMismatch', { expected: 'a sql"..." query', found: q ? describe(q.value) : 'nothing' }, { span: q?.span ?? d.value.span });
    return undefined;
  }
  const axisName = (a: { value: Value } | undefined, fallback: string) => (a?.value.k === 'axis' ? a.value.name : a?.value.k === 'builtin' ? a.value.name : fallback);
  const left = axisName(args.get('left'), 'N');
  const right = axisName(args.get('right'), c.name === 'bipartite' ? 'M' : 'J');
  return { name: d.name.name, kind: c.name, sql: q.value.text, axes: [left, right], weighted: bool(ctx, args.get('weighted'), 'weighted', false) };
}

// ── strategies ──────────────────────────────────────────────────────────────

const STRATEGY_CLAUSES = ['data', 'model', 'loss', 'train', 'evaluate', 'backtest', 'seed', 'env'];

interface EntryState {
  fn: FnBuilder;
  bindings: Map<string, InputBinding>;
}

function bindInput(st: EntryState, name: string, type: Type, source: InputSource): Value {
  if (!st.bindings.has(name)) st.bindings.set(name, { name, type, source });
  return { k: 'tensor', id: input(st.fn, name, type), type: type as TensorType, fn: st.fn };
}

function entryHooks(ctx: Ctx, data: DataInfo, graphs: Map<string, GraphPlan>, memories: Map<string, MemoryPlan>, st: EntryState, extra: Map<string, Value>, opts: { model?: boolean } = {}): Hooks {
  const memoryOf = (v: Value, span: Span): MemoryPlan | undefined => {
    if (v.k === 'poison') return undefined;
    if (v.k !== 'decl' || v.decl.kind !== 'MemoryDecl') {
      report(ctx, 'wrongKind', { name: describe(v), expected: 'a memory', found: describe(v) }, { span });
      return undefined;
    }
    const have = memories.get(v.decl.name.name);
    if (have) return have;
    const plan = compileMemory(ctx, v.module, v.decl, data.labelHorizon);
    if (plan) memories.set(plan.name, plan);
    return plan;
  };
  const member = (d: Extract<Value, { k: 'decl' }>, name: string, span: Span): Value | undefined => {
    if (d.decl.kind === 'DataDecl') {
      if (d.decl.name.name !== data.name) return report(ctx, 'wrongKind', { name: d.decl.name.name, expected: `this strategy's data (${data.name})`, found: 'another data source' }, { span });
      const mem = data.members.get(name);
      if (!mem) return report(ctx, 'noSuchField', { field: name, type: `data ${data.name} (has ${[...data.members.keys()].join(', ')})` }, { span });
      if (mem.source.kind === 'target' && opts.model) return report(ctx, 'targetInModel', { name: `${data.name}.${name}` }, { span });
      return bindInput(st, `${data.name}.${name}`, mem.type, mem.source);
    }
    if (d.decl.kind === 'GraphDecl') {
      const g = graphs.get(d.decl.name.name) ?? compileGraph(ctx, d.module, d.decl);
      if (!g) return POISON;
      graphs.set(g.name, g);
      if (name === 'matrix') return bindInput(st, g.name, graphType(g), { kind: 'graph', graph: g.name, part: 'matrix' });
      if (name === 'live') return bindInput(st, `${g.name}.live`, { kind: 'tensor', dtype: 'bool', axes: [{ name: g.axes[1], size: g.axes[1] }] }, { kind: 'graph', graph: g.name, part: 'live' });
      return report(ctx, 'noSuchField', { field: name, type: `graph ${g.name} (has matrix, live)` }, { span });
    }
    return undefined;
  };
  return {
    name: (name, span, sc) => {
      const v = extra.get(name);
      if (v) return v;
      if (name === 'label' || name === 'mask') {
        const mem = data.members.get(name)!;
        return bindInput(st, `${data.name}.${name}`, mem.type, mem.source);
      }
      if (MEMORY_READS.has(name) && !lookup(ctx.r, sc.module, name)) return { k: 'builtin', name, span };
      return undefined;
    },
    call: (name, args, span) => {
      if (name === 'bank' || name === 'bank_visible') {
        // bank(enc): every day the memory holds, Float[Y, I, ...] (days × instruments, NaN where none);
        // bank_visible(enc): Bool[Y], the bank days the batch's day may read (≤ day − lag).
        if (args.length !== 1 || args[0]!.name !== undefined) return report(ctx, 'typeMismatch', { expected: `${name}(<memory>)`, found: `${args.length} arguments` }, { span });
        const mem = memoryOf(args[0]!.value, args[0]!.span);
        if (!mem) return POISON;
        if (mem.per !== 'sample') return report(ctx, 'badAttribute', { name: `memory for ${name}`, value: `${mem.name} (per: day)` }, { span: args[0]!.span, hints: ['a bank holds one value per (stock, day): per: sample'] });
        const days = { name: 'Y', size: 'Y' };
        if (name === 'bank_visible') return bindInput(st, `${mem.name}.visible`, { kind: 'tensor', dtype: 'bool', axes: [days] }, { kind: 'bank', memory: mem.name, part: 'visible' });
        const type: TensorType = { kind: 'tensor', dtype: 'f32', axes: [days, { name: 'I', size: 'I' }, ...(mem.type as TensorType).axes] };
        return bindInput(st, `${mem.name}.bank`, type, { kind: 'bank', memory: mem.name, part: 'values' });
      }
      if (name !== 'history') return undefined;
      // history(errors, 60): the last 60 values of a memory for each row, oldest first, zeros where none.
      if (args.length !== 2 || args.some((a) => a.name !== undefined && a.name !== 'window')) {
        return report(ctx, 'typeMismatch', { expected: 'history(<memory>, <window>)', found: `${args.length} arguments` }, { span });
      }
      const mem = memoryOf(args[0]!.value, args[0]!.span);
      const w = args[1]!.value;
      if (!mem) return POISON;
      if (w.k !== 'num' || !w.int || w.v < 1) return report(ctx, 'badAttribute', { name: 'history window', value: describe(w) }, { span: args[1]!.span });
      const memAxes = (mem.type as TensorType).axes;
      const type: TensorType = { kind: 'tensor', dtype: 'f32', axes: [STOCK, { name: 'W', size: w.v }, ...memAxes] };
      return bindInput(st, `${mem.name}.history${w.v}`, type, { kind: 'memory', memory: mem.name, window: w.v });
    },
    write: (decl, value, span, sc) => {
      const mem = memoryOf(decl, span);
      if (!mem) return;
      const want: TensorType = { kind: 'tensor', dtype: 'f32', axes: [STOCK, ...(mem.type as TensorType).axes] };
      if (value.k !== 'tensor' || value.type.axes.length !== want.axes.length || !want.axes.every((a) => value.type.axes.some((b) => b.name === a.name && (typeof b.size !== 'number' || b.size === a.size)))) {
        report(ctx, 'typeMismatch', { expected: `${tensorText(want)} for memory ${mem.name}`, found: value.k === 'tensor' ? tensorText(value.type) : describe(value) }, { span });
        return;
      }
      // A memory read before the label's (or a target's) horizon may not hold anything computed from it.
      const horizonOf = (n: string): number => {
        const src = st.bindings.get(n)?.source;
        return src?.kind === 'label' ? data.labelHorizon : src?.kind === 'target' ? (data.targetHorizons.get(src.name) ?? 0) : 0;
      };
      const horizon = Math.max(data.labelHorizon, ...data.targetHorizons.values());
      let leak = 0;
      if (mem.lag < horizon && !leakReported(ctx).has(mem.name)) {
        for (const b of st.bindings.values()) {
          const h = horizonOf(b.name);
          if (h > mem.lag && h > leak && dependsOnInput(sc.fn, value.id, (n) => n === b.name)) leak = h;
        }
      }
      if (leak > 0) {
        leakReported(ctx).add(mem.name);
        const lagEntry = decl.k === 'decl' && decl.decl.kind === 'MemoryDecl' ? decl.decl.settings?.entries.find((e) => e.key.name === 'lag') : undefined;
        report(ctx, 'memoryLeak', { memory: mem.name, lag: mem.lag, horizon: leak }, {
          span: lagEntry?.value.span ?? span,
          related: lagEntry ? [{ span, message: 'this write stores a value computed from the label' }] : [],
        });
      }
      const op = lookupOp('memory_write')!;
      emitOp(ctx, sc, op, { inputs: { value: value.id }, inputTypes: { value: value.type }, attrs: { memory: mem.name }, spans: {}, hints: {} }, span);
    },
    member: (d, name, span) => member(d, name, span),
    coerce: (d, span) => (d.decl.kind === 'GraphDecl' ? member(d, 'matrix', span) : undefined),
  };
}

/** Implicit scalar inputs (step, epoch) that models and losses asked for. */
function implicitBindings(st: EntryState): InputBinding[] {
  const out = [...st.bindings.values()];
  for (const p of st.fn.params) {
    if ((p.name === 'step' || p.name === 'epoch') && !st.bindings.has(p.name)) out.push({ name: p.name, type: p.type, source: { kind: p.name } });
  }
  return out;
}

function graphType(g: GraphPlan): TensorType {
  return { kind: 'tensor', dtype: 'f32', axes: [{ name: g.axes[0], size: g.axes[0] === 'N' ? 'N' : g.axes[0] }, { name: g.axes[1], size: g.axes[1] }] };
}

/** The model clause's own call builds the root model: its parameters sit at the top of the path tree. */
function entryScope(ctx: Ctx, m: ModuleInfo, st: EntryState, hooks: Hooks, model: Expr): Scope {
  const sc = moduleScope(ctx, m, st.fn, hooks);
  sc.paths = { letName: '', counters: new Map(), top: topCalls(model) };
  return sc;
}

function checkPrediction(ctx: Ctx, v: Value, span: Span): { value: Extract<Value, { k: 'tensor' }>; field?: string } | undefined {
  let t: Value = v;
  let field: string | undefined;
  if (v.k === 'record') {
    const f = v.fields.find(([n]) => n === 'pred') ?? v.fields[0];
    if (!f) return undefined;
    [field, t] = f;
  }
  if (t.k === 'poison') return undefined;
  if (t.k !== 'tensor' || t.type.axes.length !== 1 || t.type.axes[0]!.name !== 'N') {
    report(ctx, 'typeMismatch', { expected: 'a prediction Float[N] (one score per stock)', found: t.k === 'tensor' ? tensorText(t.type) : describe(t) }, { span, hints: v.k === 'model' ? ['the model still lacks an input: apply it, e.g. GRU(H: 64)(x: market.x)'] : [] });
    return undefined;
  }
  return field === undefined ? { value: t } : { value: t, field };
}

/** The model's record as one IR `record` node when every field is a tensor; else just the prediction. */
function predictionRecord(fn: FnBuilder, v: Value, predId: number): number {
  if (v.k !== 'record' || !v.fields.every(([, x]) => x.k === 'tensor')) return predId;
  const inputs: { [k: string]: number } = {};
  const fields: { name: string; type: Type }[] = [];
  for (const [k, x] of v.fields) {
    const t = x as Extract<Value, { k: 'tensor' }>;
    inputs[k] = t.id;
    fields.push({ name: k, type: t.type });
  }
  return emit(fn, 'record', inputs, {}, { kind: 'record', fields });
}

const TRAIN_KEYS = ['optimizer', 'epochs', 'early_stop', 'clip', 'batch', 'lr_schedule', 'accumulate', 'average_last', 'freeze', 'init', 'each_epoch', 'loss', 'max_steps_per_epoch', 'reset_optimizer'];

function readStage(ctx: Ctx, m: ModuleInfo, name: string, entries: RecordEntry[], objective: EntryPlan, index: number): StagePlan {
  const ss = settingsScope(ctx, m);
  const plan: StagePlan = {
    name,
    objective,
    optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8 },
    resetOptimizer: true,
    epochs: 20,
    batch: { kind: 'days', shuffle: true },
    lrSchedule: { kind: 'constant' },
    accumulate: 1,
    averageLast: 0,
    freeze: [],
    eachEpoch: [],
  };
  const last = new Map<string, RecordEntry>();
  for (const en of entries) last.set(en.key.name, en);
  for (const [key, en] of last) {
    if (key === 'loss') continue;
    if (!TRAIN_KEYS.includes(key)) {
      report(ctx, 'unknownSetting', { key, block: 'train', known: TRAIN_KEYS.join(', ') }, { span: en.key.span });
      continue;
    }
    const a = { value: evalExpr(ctx, ss, en.value), span: en.value.span };
    if (a.value.k === 'poison') continue;
    switch (key) {
      case 'optimizer': {
        const o = readOptimizer(ctx, a);
        if (o) plan.optimizer = o;
        break;
      }
      case 'epochs':
        plan.epochs = number(ctx, a, 'epochs', plan.epochs, { min: 0, int: true });
        break;
      case 'early_stop': {
        const e = readEarlyStop(ctx, a);
        if (e) plan.earlyStop = e;
        break;
      }
      case 'clip': {
        const c = readClip(ctx, a);
        if (c) plan.clip = c;
        break;
      }
      case 'batch': {
        const b = readBatch(ctx, a);
        if (b) plan.batch = b;
        break;
      }
      case 'lr_schedule': {
        const l = readLrSchedule(ctx, a);
        if (l) plan.lrSchedule = l;
        break;
      }
      case 'accumulate':
        plan.accumulate = number(ctx, a, key, 1, { min: 1, int: true });
        break;
      case 'average_last':
        plan.averageLast = number(ctx, a, key, 0, { min: 0, int: true });
        break;
      case 'max_steps_per_epoch':
        plan.maxStepsPerEpoch = number(ctx, a, key, 0, { min: 1, int: true });
        break;
      case 'reset_optimizer':
        plan.resetOptimizer = bool(ctx, a, key, true);
        break;
      case 'freeze': {
        const items = a.value.k === 'list' ? a.value.items : [a.value];
        plan.freeze = items.map((x) => (x.k === 'str' ? x.v : '')).filter((x) => x);
        if (plan.freeze.length !== items.length) report(ctx, 'typeMismatch', { expected: 'parameter path prefixes as strings', found: describe(a.value) }, { span: a.span });
        break;
      }
      case 'init': {
        const c = callee(a.value);
        const args = c?.name === 'from' && c.call ? takeArgs(ctx, c.call, ['checkpoint', 'prefix']) : undefined;
        if (!args) {
          report(ctx, 'typeMismatch', { expected: 'from("run/checkpoint", prefix: "rnn")', found: describe(a.value) }, { span: a.span });
          break;
        }
        plan.init = { checkpoint: text(ctx, args.get('checkpoint'), 'checkpoint', ''), prefix: text(ctx, args.get('prefix'), 'prefix', '') };
        break;
      }
      case 'each_epoch': {
        const items = a.value.k === 'list' ? a.value.items : [a.value];
        for (const it of items) {
          const c = callee(it);
          const arg = c?.call?.args[0]?.value;
          if (c?.name === 'refresh' && arg?.k === 'decl' && arg.decl.kind === 'MemoryDecl') plan.eachEpoch.push({ kind: 'refresh', memory: arg.decl.name.name });
          else report(ctx, 'typeMismatch', { expected: 'refresh(<memory>)', found: describe(it) }, { span: a.span });
        }
        break;
      }
    }
  }
  if (index > 0 && !last.has('reset_optimizer')) plan.resetOptimizer = true;
  // Graph tensors and memory banks are built for one day's stocks: sample batches mix days.
  const perDay = objective.inputs.find((b) => b.source.kind === 'graph' || b.source.kind === 'bank');
  const batchEntry = last.get('batch');
  if (perDay && plan.batch.kind === 'samples' && batchEntry) {
    report(ctx, 'badAttribute', { name: `batch for a stage reading ${perDay.name}`, value: `samples(${plan.batch.size})` }, { span: batchEntry.value.span, hints: ['graph tensors and memory banks hold one day: use batch: days'] });
  }
  return plan;
}

export interface StrategyResult {
  plan: Plan;
  entries: string[];
}

export function elaborateStrategy(ctx: Ctx, m: ModuleInfo, s: StrategyDecl): StrategyResult | undefined {
  const before = ctx.diags.filter((d) => d.severity === 'error').length;
  const seen = new Set<string>();
  for (const c of s.clauses) {
    const head = c.head.name;
    if (!STRATEGY_CLAUSES.includes(head)) report(ctx, 'unknownClause', { head, block: 'strategy', known: STRATEGY_CLAUSES.join(', ') }, { span: c.head.span });
    else if (seen.has(head)) report(ctx, 'duplicateClause', { head, block: 'strategy' }, { span: c.head.span });
    seen.add(head);
  }
  if (seen.has('env') && !seen.has('data')) {
    checkRlStrategy(ctx, m, s);
    return undefined;
  }
  for (const need of ['data', 'model']) if (!seen.has(need)) report(ctx, 'missingClause', { head: need, block: 'strategy' }, { span: s.name.span });
  const dataExpr = clauseValue(ctx, s, 'data');
  const modelExpr = clauseValue(ctx, s, 'model');
  if (!dataExpr || !modelExpr) return undefined;
  const found = namedDecl(ctx, m, dataExpr, 'DataDecl', 'a data source');
  if (!found || found.kind !== 'decl' || found.decl.kind !== 'DataDecl') return undefined;
  const data = compileData(ctx, found.module, found.decl);
  if (!data) return undefined;
  const graphs = new Map<string, GraphPlan>();
  const memories = new Map<string, MemoryPlan>();
  const prefix = s.name.name;

  // predict entry
  const predSt: EntryState = { fn: newBuilder(`${prefix}.model`), bindings: new Map() };
  const predScope = entryScope(ctx, m, predSt, entryHooks(ctx, data, graphs, memories, predSt, new Map(), { model: true }), modelExpr);
  const predValue = evalExpr(ctx, predScope, modelExpr);
  const pred = checkPrediction(ctx, predValue, modelExpr.span);
  if (!pred) return undefined;
  // A record-valued model returns every field (analysis reads TRA's router, IGMTF's encodings); `predField` names the score.
  ctx.functions.set(predSt.fn.name, finish(predSt.fn, pred.field !== undefined ? predictionRecord(predSt.fn, predValue, pred.value.id) : pred.value.id));
  const predict: EntryPlan = { fn: predSt.fn.name, inputs: implicitBindings(predSt) };

  // one objective per stage
  const stageSpecs = stagesOf(ctx, m, s);
  const stages: StagePlan[] = [];
  const entries = [predSt.fn.name];
  const lossClause = clauseValue(ctx, s, 'loss');
  stageSpecs.forEach((spec, i) => {
    const st: EntryState = { fn: newBuilder(stageSpecs.length === 1 ? `${prefix}.objective` : `${prefix}.objective_${spec.name}`), bindings: new Map() };
    const extra = new Map<string, Value>();
    const hooks = entryHooks(ctx, data, graphs, memories, st, extra);
    const sc = entryScope(ctx, m, st, hooks, modelExpr);
    const out = evalExpr(ctx, sc, modelExpr);
    if (out.k === 'poison') return;
    extra.set('pred', out);
    sc.paths = { letName: 'loss', counters: new Map(), top: [] };
    const stageLoss = [...spec.entries].reverse().find((en) => en.key.name === 'loss')?.value;
    const lossExpr = stageLoss ?? lossClause;
    let loss: Value;
    if (!lossExpr) {
      const mse = evalExpr(ctx, sc, { kind: 'Name', name: 'mse', span: s.name.span });
      loss = callValue(ctx, sc, mse, [
        { span: s.name.span, value: out.k === 'record' ? (out.fields.find(([n]) => n === 'pred')?.[1] ?? POISON) : out },
        { span: s.name.span, value: hooks.name!('label', s.name.span, sc)! },
      ], s.name.span);
    } else {
      loss = evalExpr(ctx, sc, lossExpr);
      if (loss.k === 'model' && loss.decl.kind === 'LossDecl') {
        loss = callValue(ctx, sc, loss, [
          { span: lossExpr.span, value: out },
          { span: lossExpr.span, value: hooks.name!('label', lossExpr.span, sc)! },
        ], lossExpr.span);
      }
    }
    if (loss.k === 'poison') return;
    if (loss.k !== 'tensor' || loss.type.axes.length !== 0) {
      report(ctx, 'notScalar', { type: loss.k === 'tensor' ? tensorText(loss.type) : describe(loss) }, { span: lossExpr?.span ?? s.name.span, hints: ['a loss returns one number'] });
      return;
    }
    ctx.functions.set(st.fn.name, finish(st.fn, loss.id));
    entries.push(st.fn.name);
    stages.push(readStage(ctx, m, spec.name, spec.entries, { fn: st.fn.name, inputs: implicitBindings(st) }, i));
  });

  // evaluate, backtest, seed
  const ss = settingsScope(ctx, m);
  const evalExprAst = clauseValue(ctx, s, 'evaluate');
  const evaluate = [];
  if (evalExprAst) {
    const v = evalExpr(ctx, ss, evalExprAst);
    const items = v.k === 'list' ? v.items : [v];
    const spans = evalExprAst.kind === 'List' ? evalExprAst.items.map((x) => x.span) : [evalExprAst.span];
    items.forEach((it, i) => {
      const mt = readMetric(ctx, it, spans[i] ?? evalExprAst.span);
      if (mt) evaluate.push(mt);
    });
  } else evaluate.push({ name: 'ic', args: {} }, { name: 'rank_ic', args: {} }, { name: 'icir', args: {} }, { name: 'rank_icir', args: {} });
  const bt = clauseOf(s, 'backtest');
  let backtest: Plan['backtest'];
  if (bt && !isTrainClause(bt) && bt.body.kind === 'ValueBody') {
    const settings = bt.body.settings;
    backtest = readBacktest(ctx, evalExpr(ctx, ss, bt.body.value), bt.body.value.span, settings ? evalExpr(ctx, ss, settings) : undefined, settings?.span ?? bt.span);
    if (backtest && !data.spec.segments[backtest.segment]) report(ctx, 'badAttribute', { name: 'backtest segment', value: backtest.segment }, { span: bt.span });
  }
  const seedExpr = clauseValue(ctx, s, 'seed');
  const seed = seedExpr ? number(ctx, { value: evalExpr(ctx, ss, seedExpr), span: seedExpr.span }, 'seed', 0, { int: true }) : 0;
  if (ctx.diags.filter((d) => d.severity === 'error').length > before) return undefined;
  const plan: Plan = {
    strategy: s.name.name,
    file: m.file,
    source: data.source,
    data: data.spec,
    labelHorizon: data.labelHorizon,
    graphs: [...graphs.values()],
    memories: [...memories.values()],
    predict,
    stages,
    evaluate,
    seed,
  };
  if (pred.field) plan.predField = pred.field;
  if (backtest) plan.backtest = backtest;
  return { plan, entries };
}
