// The feature engine's entry points: evaluate named expressions (or a flat
// feature set) over a Panel, vectorised over every instrument at once.
//
// Flow: check every expression (Q50xx diagnostics, thrown together as one
// DiagnosticError) → hash-cons all of them into one DAG → serve what the
// disk cache already holds → run the time-series part on worker threads
// (instrument slices) when the work is large enough to pay for it → run the
// cross-sectional part (needs whole days) on this thread → write new columns
// to the cache.
//
// Guarantees: columns are instrument-major like the Panel; a value at day t
// reads nothing after t unless the expression itself looks ahead (negative
// Ref); results are identical with and without threads and with and without
// the cache (same kernels, same precision).

import type { FeatureExpr, FlatFeatureSet, FeatureSet } from '../../../compiler/plan/data.js';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { panelProblem, type Panel } from '../panel.js';
import { checkFeatureExpr } from './ops.js';
import { dagBuilder, type Dag, type Semantics } from './graph.js';
import { firstDataDays, type Layout } from './kernels/layout.js';
import { neededNodes, runDag } from './run.js';
import { openColumnCache, fingerprint, columnKey, bytesFingerprint, type ColumnCache, type Precision } from './cache.js';
import { runDagParallel } from './parallel.js';
import { defaultThreads } from './pool.js';

export interface NamedExpr {
  name: string;
  expr: FeatureExpr;
}

export interface EvalOptions {
  /** 'qlib' (default) reproduces Qlib's quirks; 'strict' fixes the ones listed in docs/expressions.md. */
  semantics?: Semantics;
  /** Output precision (default 'f32', as Qlib stores features); kernels always compute in float64. */
  precision?: Precision;
  /** First data day per instrument (default: first day with any non-NaN field). */
  starts?: Int32Array;
  /** Membership (1 = member), instrument-major like the panel; cross-sectional operators look only at members. */
  universe?: Uint8Array;
  /** Directory for the column cache; absent = no cache. */
  cacheDir?: string;
  /** The data version (the market's meta.version); without it the cache hashes the field bytes. */
  dataVersion?: string;
  /** Worker threads for the time-series part; default: all cores when the work is large, else 1. */
  threads?: number;
}

export interface EvalStats {
  /** DAG nodes the requested columns need (after hash-consing). */
  nodes: number;
  /** Columns computed now / served from the cache. */
  computed: number;
  cached: number;
  threads: number;
  ms: number;
  /** Set when worker threads failed and the engine fell back to this thread. */
  workerError?: string;
}

export interface EvalResult {
  names: string[];
  columns: (Float32Array | Float64Array)[];
  starts: Int32Array;
  stats: EvalStats;
  /** Warnings (e.g. an unusable cache directory). */
  diagnostics: Diagnostic[];
}

/** Below this many node-cells (nodes × instruments × days) threads do not pay for their start-up. */
const PARALLEL_MIN_WORK = 20_000_000;

/** The named expressions a feature set needs: a flat set's columns; a window set's series and scales. */
export function featureSetExprs(set: FeatureSet): NamedExpr[] {
  if (set.kind === 'flat') return set.columns.map((c) => ({ name: c.name, expr: c.expr }));
  const out: NamedExpr[] = [];
  for (const c of set.columns) {
    out.push({ name: `${c.name}:series`, expr: c.series });
    if (c.scale) out.push({ name: `${c.name}:scale`, expr: c.scale });
  }
  return out;
}

export async function evaluateFeatureSet(panel: Panel, set: FlatFeatureSet, opts: EvalOptions = {}): Promise<EvalResult> {
  return evaluateExprs(panel, featureSetExprs(set), opts);
}

interface Prepared {
  dag: Dag;
  roots: number[];
  layout: Layout;
  precision: Precision;
  columns: (Float32Array | Float64Array | undefined)[];
  keys: (string | null)[];
  /** Roots served by the cache (not rewritten). */
  fromCache: boolean[];
  cache: ColumnCache | null;
  diagnostics: Diagnostic[];
  t0: number;
}

function prepare(panel: Panel, exprs: readonly NamedExpr[], opts: EvalOptions): Prepared {
  const t0 = performance.now();
  const problem = panelProblem(panel);
  if (problem) throw new DiagnosticError(diag('datasetBadOption', { what: `panel: ${problem}` }));
  const fieldNames = Object.keys(panel.fields);
  const errors = exprs.flatMap((e) => checkFeatureExpr(e.expr, { fields: fieldNames, location: e.name }));
  if (errors.length) throw new DiagnosticError(errors);
  const nI = panel.instruments.length;
  const nD = panel.days.length;
  const starts = opts.starts ?? firstDataDays(nI, nD, Object.values(panel.fields));
  if (starts.length !== nI) throw new DiagnosticError(diag('datasetBadOption', { what: `starts has ${starts.length} entries for ${nI} instruments` }));
  if (opts.universe && opts.universe.length !== nI * nD) {
    throw new DiagnosticError(diag('datasetBadOption', { what: `universe has ${opts.universe.length} entries, expected ${nI * nD}` }));
  }
  const b = dagBuilder(opts.semantics ?? 'qlib');
  const roots = exprs.map((e) => b.add(e.expr));
  const layout: Layout = opts.universe ? { nI, nD, starts, universe: opts.universe } : { nI, nD, starts };
  const precision = opts.precision ?? 'f32';
  const diagnostics: Diagnostic[] = [];
  const columns: (Float32Array | Float64Array | undefined)[] = roots.map(() => undefined);
  const keys: (string | null)[] = roots.map(() => null);
  let cache: ColumnCache | null = null;
  if (opts.cacheDir !== undefined) {
    try {
      cache = openColumnCache(opts.cacheDir);
    } catch (e) {
      diagnostics.push(diag('featureCacheUnavailable', { dir: opts.cacheDir, reason: e instanceof Error ? e.message : String(e) }));
    }
  }
  if (cache) {
    const used = new Set<string>();
    for (const id of neededNodes(b.dag, roots)) if (b.dag.nodes[id]!.op === 'field') used.add(b.dag.nodes[id]!.name!);
    const fp = fingerprint({
      days: panel.days,
      instruments: panel.instruments,
      starts,
      ...(opts.dataVersion !== undefined
        ? { dataVersion: opts.dataVersion }
        : { fieldBytes: [...used].sort().map((f) => [f, panel.fields[f]!] as [string, Float64Array]) }),
    });
    const up = opts.universe ? bytesFingerprint(opts.universe) : 'all';
    roots.forEach((id, k) => {
      const node = b.dag.nodes[id]!;
      keys[k] = columnKey(node.key, fp, node.cs ? up : null);
      columns[k] = cache!.read(keys[k]!, precision, nI * nD) ?? undefined;
    });
  }
  const fromCache = columns.map((c) => c !== undefined);
  return { dag: b.dag, roots, layout, precision, columns, keys, fromCache, cache, diagnostics, t0 };
}

function convert(values: Float64Array, precision: Precision, owned: boolean): Float32Array | Float64Array {
  if (precision === 'f32') return Float32Array.from(values);
  return owned ? values : values.slice();
}

function finish(p: Prepared, names: string[], threads: number, workerError?: string): EvalResult {
  const cachedCount = p.fromCache.filter((c) => c).length;
  const columns = p.columns as (Float32Array | Float64Array)[];
  if (p.cache) {
    try {
      const written = new Set<string>();
      p.roots.forEach((_, k) => {
        const key = p.keys[k];
        if (key && !p.fromCache[k] && !written.has(key)) {
          p.cache!.write(key, columns[k]!);
          written.add(key);
        }
      });
    } catch (e) {
      p.diagnostics.push(diag('featureCacheUnavailable', { dir: p.cache.dir, reason: e instanceof Error ? e.message : String(e) }));
    }
  }
  const stats: EvalStats = {
    nodes: neededNodes(p.dag, p.roots).length,
    computed: p.roots.length - cachedCount,
    cached: cachedCount,
    threads,
    ms: performance.now() - p.t0,
  };
  if (workerError !== undefined) stats.workerError = workerError;
  return { names, columns, starts: p.layout.starts, stats, diagnostics: p.diagnostics };
}

/** Assign computed node values to every root slot that wants them. */
function assign(p: Prepared, id: number, values: Float32Array | Float64Array): void {
  let first = true;
  p.roots.forEach((r, k) => {
    if (r !== id || p.columns[k]) return;
    p.columns[k] = first ? values : values.slice();
    first = false;
  });
}

function runInThread(p: Prepared, panel: Panel, missing: number[], provided?: Map<number, Float64Array>): void {
  runDag({
    dag: p.dag,
    layout: p.layout,
    fields: panel.fields,
    outputs: missing,
    emit: (id, values, owned) => {
      const v = convert(values, p.precision, owned);
      assign(p, id, v);
      return v === values;
    },
    ...(provided ? { provided } : {}),
  });
}

/** Evaluate on this thread only (no workers); the cache is used when configured. */
export function evaluateExprsSync(panel: Panel, exprs: readonly NamedExpr[], opts: EvalOptions = {}): EvalResult {
  const p = prepare(panel, exprs, opts);
  const missing = [...new Set(p.roots.filter((_, k) => !p.columns[k]))];
  if (missing.length) runInThread(p, panel, missing);
  return finish(p, exprs.map((e) => e.name), 1);
}

export async function evaluateExprs(panel: Panel, exprs: readonly NamedExpr[], opts: EvalOptions = {}): Promise<EvalResult> {
  const p = prepare(panel, exprs, opts);
  const names = exprs.map((e) => e.name);
  const missing = [...new Set(p.roots.filter((_, k) => !p.columns[k]))];
  if (!missing.length) return finish(p, names, 1);
  const { nI, nD } = p.layout;
  const needed = neededNodes(p.dag, missing);
  const cores = defaultThreads();
  const threads = Math.max(1, Math.min(opts.threads ?? (needed.length * nI * nD >= PARALLEL_MIN_WORK ? cores : 1), nI));
  if (threads === 1) {
    runInThread(p, panel, missing);
    return finish(p, names, 1);
  }
  // Time-series outputs, plus the time-series inputs of cross-sectional nodes (the frontier).
  const ts = missing.filter((id) => !p.dag.nodes[id]!.cs);
  const frontier = new Set<number>();
  for (const id of needed) {
    const n = p.dag.nodes[id]!;
    if (n.cs) for (const j of n.inputs) if (!p.dag.nodes[j]!.cs && p.dag.nodes[j]!.op !== 'field') frontier.add(j);
  }
  const requests = [
    ...ts.map((id) => ({ id, precision: frontier.has(id) ? ('f64' as const) : p.precision })),
    ...[...frontier].filter((id) => !ts.includes(id)).map((id) => ({ id, precision: 'f64' as const })),
  ];
  let got: Map<number, Float32Array | Float64Array>;
  try {
    got = await runDagParallel({ dag: p.dag, outputs: requests, nI, nD, starts: p.layout.starts, fields: panel.fields, threads });
  } catch (e) {
    runInThread(p, panel, missing);
    return finish(p, names, 1, e instanceof Error ? e.message : String(e));
  }
  const provided = new Map<number, Float64Array>();
  for (const r of requests) {
    const v = got.get(r.id)!;
    if (frontier.has(r.id)) provided.set(r.id, v as Float64Array);
    if (ts.includes(r.id)) assign(p, r.id, r.precision === p.precision ? v : Float32Array.from(v));
  }
  const csRoots = missing.filter((id) => p.dag.nodes[id]!.cs);
  if (csRoots.length) runInThread(p, panel, csRoots, provided);
  return finish(p, names, threads);
}
