// The dataset layer: a Panel plus a DatasetSpec → per-day cross-sections and
// random sample batches of processed features and labels.
//
// Build: check the spec (features may not look ahead: Q4001) → evaluate flat
// feature columns, window series/scales, the label and extra fields with the
// expression engine → membership mask (rows exist only on member days, as in
// Qlib's handler) → fit each set's feature processors on their fit windows
// (fit.ts) → flat sets are processed in place once (memory neutral); window
// sets are processed day by day on demand (never 360 materialised columns) →
// label processors (Qlib's "learn" chain) are fitted and applied once; so
// is each target's chain (`target mkt = ...`: extra per-stock targets for
// losses, fitted and applied like the label's, never dropping a row).
//
// Segments: the learn segments (default train, valid) get the processed
// label (and processed targets) and the label chain's row drops; every other
// segment gets the raw label and raw targets (Qlib's DK_I). `mask` marks rows the processors keep; `rawLabel` is
// always the unprocessed label (for IC).

import type { DatasetSpec, FeatureExpr, FeatureSet, WindowFeatureSet } from '../../../compiler/plan/data.js';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError, hasErrors } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import type { Panel } from '../panel.js';
import { evaluateExprs, type EvalOptions, type NamedExpr } from '../expr/evaluate.js';
import { formatExpr, lookahead } from '../expr/ops.js';
import { firstDataDays } from '../expr/kernels/layout.js';
import { defaultThreads } from '../expr/pool.js';
import type { Semantics } from '../expr/graph.js';
import { membershipMask, dayRange, type MembershipSpan } from './membership.js';
import { compileFeatureStages, compileLabelStages, compileTargetStages, runStages, type Stage } from './processors.js';
import { batchIndices, seededRng, shuffleInPlace } from './sampler.js';
import { fitStages } from './fit.js';
import { buildRowStore, dayRows, flatSource, windowSource, type DayRows } from './source.js';
import { flatReader, windowReader, type SetReader, type SetShape } from './readers.js';

export interface DatasetOptions {
  /** Point-in-time membership spans of the universe (from the loader); absent = every instrument with data. */
  membership?: readonly MembershipSpan[];
  /** Segments that get the learn (label) chain; default ['train', 'valid']. */
  learnSegments?: readonly string[];
  semantics?: Semantics;
  cacheDir?: string;
  dataVersion?: string;
  threads?: number;
  /** Memory for gathering fit values (default 64 MiB). */
  fitBudgetBytes?: number;
}

export interface CrossSection {
  day: string;
  /** Index of the day in the panel. */
  dayIndex: number;
  instruments: string[];
  /** The main feature set (`x`, else the first): [N, T, F] for a window set, [N, F] for a flat set. */
  x: Float32Array;
  /** Every feature set by name, same layouts. */
  features: Record<string, Float32Array>;
  /** Extra per-stock inputs (spec.fields), unprocessed, [N]. */
  fields: Record<string, Float32Array>;
  /** Processed label on learn segments, raw label elsewhere. */
  label: Float32Array;
  rawLabel: Float32Array;
  /** Each target (spec.targets), processed on learn segments, raw elsewhere; NaN where the row is not kept. [N] */
  targets: Record<string, Float32Array>;
  /** 1 = row kept by the processors (members always appear; dropped rows have mask 0). */
  mask: Uint8Array;
  /**
   * The label and targets through the learn chain on every segment (NaN where
   * it drops the row): what a loss saw in training. A memory written on an
   * inference segment (TRA's errors) is written from these, so its values
   * have the scale the router learnt; Qlib's TRA dataset does the same (it
   * reads the learn data for every segment). Absent: same as label / targets.
   */
  learnLabel?: Float32Array;
  learnTargets?: Record<string, Float32Array>;
}

export interface Batch {
  size: number;
  x: Float32Array;
  features: Record<string, Float32Array>;
  fields: Record<string, Float32Array>;
  label: Float32Array;
  rawLabel: Float32Array;
  /** Each target, as in CrossSection.targets. */
  targets: Record<string, Float32Array>;
  /** Panel day and instrument index of each sample. */
  dayIndex: Int32Array;
  instrumentIndex: Int32Array;
}

export type { SetShape };

export interface FittedStage {
  kind: string;
  center?: Float64Array;
  scale?: Float64Array;
  edges?: Float64Array;
}

export interface Dataset {
  segments: string[];
  shapes: Record<string, SetShape>;
  /** Name of the main feature set (what `x` holds). */
  main: string;
  /** Fitted parameters per feature set, and for the label under `label`. */
  fitted: Record<string, FittedStage[]>;
  /** Fitted parameters of each target's chain. */
  targetsFitted: Record<string, FittedStage[]>;
  days(segment: string): string[];
  /** Indices into days(segment): chronological, or shuffled with a seed. */
  dayOrder(segment: string, opts?: { shuffle?: boolean; seed?: number }): number[];
  crossSection(segment: string, k: number): CrossSection;
  iterDays(segment: string, opts?: { shuffle?: boolean; seed?: number }): Generator<CrossSection>;
  /** Rows with mask 1 in the segment. */
  sampleCount(segment: string): number;
  batches(segment: string, opts: { batchSize: number; shuffle?: boolean; replacement?: boolean; dropLast?: boolean; seed?: number }): Generator<Batch>;
  diagnostics: Diagnostic[];
  /** Build timings; `prefetchedDays` counts window-set days computed ahead on worker threads. */
  stats: { evalMs: number; fitMs: number; buildMs: number; prefetchedDays: number };
}

function checkSpec(spec: DatasetSpec, opts: DatasetOptions, out: Diagnostic[]): void {
  const future = (what: string, e: FeatureExpr): void => {
    if (lookahead(e) > 0) out.push(diag('futureRead', { expr: formatExpr(e) }, { location: what }));
  };
  for (const [name, set] of Object.entries(spec.features)) {
    if (set.kind === 'flat') set.columns.forEach((c) => future(`${name}.${c.name}`, c.expr));
    else {
      set.columns.forEach((c) => {
        future(`${name}.${c.name}`, c.series);
        if (c.scale) future(`${name}.${c.name} scale`, c.scale);
      });
      if (!Number.isInteger(set.size) || set.size < 1) out.push(diag('datasetBadOption', { what: `window set ${name} has size ${set.size}` }));
    }
  }
  for (const [name, e] of Object.entries(spec.fields)) future(`field ${name}`, e);
  if (!Object.keys(spec.features).length) out.push(diag('datasetBadOption', { what: 'the spec has no feature set' }));
  if (spec.universe !== undefined && !opts.membership) {
    out.push(diag('datasetBadOption', { what: `the spec's universe ${spec.universe} needs its membership spans (options.membership)` }));
  }
}

function windowFieldNames(set: WindowFeatureSet): string[] {
  return set.columns.map((c) => c.name);
}

export async function buildDataset(panel: Panel, spec: DatasetSpec, opts: DatasetOptions = {}): Promise<Dataset> {
  const t0 = performance.now();
  const diagnostics: Diagnostic[] = [];
  checkSpec(spec, opts, diagnostics);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);
  const nI = panel.instruments.length;
  const nD = panel.days.length;
  const setNames = Object.keys(spec.features);
  const main = spec.features.x ? 'x' : setNames[0]!;

  // Compile processors first: bad column names are reported before any work.
  const featureStages: Record<string, Stage[]> = {};
  const sourceNames: Record<string, string[]> = {};
  for (const name of setNames) {
    const set = spec.features[name]!;
    const names = set.kind === 'flat' ? set.columns.map((c) => c.name) : windowColumnNames(set);
    sourceNames[name] = names;
    const empty = dayRows(new Uint8Array(0), 0, 0);
    const member0 = new Uint8Array(0);
    const probe = set.kind === 'flat' ? flatSource(name, names, new Float32Array(0), empty) : windowSource(name, windowFieldNames(set), set.size, [], [], empty, member0);
    featureStages[name] = compileFeatureStages(spec.process.features, names.length, name, (n) => probe.matches(n), diagnostics);
  }
  const labelStages = compileLabelStages(spec.process.label, diagnostics);
  const targetNames = Object.keys(spec.targets ?? {});
  const targetStages: Record<string, Stage[]> = {};
  for (const name of targetNames) targetStages[name] = compileTargetStages(spec.targets![name]!.process, name, diagnostics);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);

  // Evaluate everything the spec reads.
  const starts = firstDataDays(nI, nD, Object.values(panel.fields));
  const member = membershipMask(panel, opts.membership, starts);
  const evalOpts: EvalOptions = { starts, universe: member };
  if (opts.semantics) evalOpts.semantics = opts.semantics;
  if (opts.cacheDir !== undefined) evalOpts.cacheDir = opts.cacheDir;
  if (opts.dataVersion !== undefined) evalOpts.dataVersion = opts.dataVersion;
  if (opts.threads !== undefined) evalOpts.threads = opts.threads;
  const f32Exprs: NamedExpr[] = [{ name: '\0label', expr: spec.label }];
  for (const [name, e] of Object.entries(spec.fields)) f32Exprs.push({ name: `\0field:${name}`, expr: e });
  for (const name of targetNames) f32Exprs.push({ name: `\0target:${name}`, expr: spec.targets![name]!.expr });
  const f64Exprs: NamedExpr[] = [];
  for (const name of setNames) {
    const set = spec.features[name]!;
    if (set.kind === 'flat') set.columns.forEach((c, j) => f32Exprs.push({ name: `${name}\0${j}`, expr: c.expr }));
    else {
      set.columns.forEach((c, f) => {
        f64Exprs.push({ name: `${name}\0s${f}`, expr: c.series });
        if (c.scale) f64Exprs.push({ name: `${name}\0c${f}`, expr: c.scale });
      });
    }
  }
  const r32 = await evaluateExprs(panel, f32Exprs, { ...evalOpts, precision: 'f32' });
  const r64 = f64Exprs.length ? await evaluateExprs(panel, f64Exprs, { ...evalOpts, precision: 'f64' }) : null;
  diagnostics.push(...r32.diagnostics, ...(r64?.diagnostics ?? []));
  const col32 = new Map(r32.names.map((n, k) => [n, r32.columns[k] as Float32Array]));
  const col64 = new Map((r64?.names ?? []).map((n, k) => [n, r64!.columns[k] as Float64Array]));
  const tEval = performance.now();

  const rows: DayRows = dayRows(member, nI, nD);
  const total = rows.offsets[nD]!;
  const budgetBytes = opts.fitBudgetBytes ?? 64 * 1024 * 1024;
  const threads = opts.threads ?? defaultThreads();
  const readers: Record<string, SetReader> = {};
  const stats = { evalMs: 0, fitMs: 0, buildMs: 0, prefetchedDays: 0 };
  for (const name of setNames) {
    const set: FeatureSet = spec.features[name]!;
    if (set.kind === 'flat') {
      const keys = set.columns.map((_, j) => `${name}\0${j}`);
      const store = buildRowStore(keys.map((k) => col32.get(k)!), rows);
      for (const k of keys) col32.delete(k); // the raw columns are not needed again
      const source = flatSource(name, sourceNames[name]!, store, rows);
      await fitStages({ source, stages: featureStages[name]!, days: panel.days, dayRows: rows, budgetBytes, diagnostics, threads });
      readers[name] = flatReader(source, store, featureStages[name]!, rows);
    } else {
      const source = windowSource(
        name,
        windowFieldNames(set),
        set.size,
        set.columns.map((_, f) => col64.get(`${name}\0s${f}`)!),
        set.columns.map((c, f) => (c.scale ? col64.get(`${name}\0c${f}`)! : null)),
        rows,
        member,
      );
      await fitStages({ source, stages: featureStages[name]!, days: panel.days, dayRows: rows, budgetBytes, diagnostics, threads });
      readers[name] = windowReader(source, featureStages[name]!, rows, diagnostics, threads, stats);
    }
  }

  // Feature pass: flat sets processed in place; row keeps and NaN flags where needed.
  const labelNeedsFeatures = labelStages.some((s) => s.proc.kind === 'dropna');
  const inferKeep = new Uint8Array(total).fill(1);
  const featOk = new Uint8Array(total).fill(1);
  for (const name of setNames) readers[name]!.prepare(inferKeep, featOk, labelNeedsFeatures);
  if (hasErrors(diagnostics)) throw new DiagnosticError(diagnostics);

  // Label chain (learn): fitted on the fit window, applied once to every day.
  const rawLabel = buildRowStore([col32.get('\0label')!], rows);
  const label = rawLabel.slice();
  const learnKeep = inferKeep.slice();
  for (const st of labelStages) if (st.proc.kind === 'dropna') st.rowFilter = featOk;
  const labelSource = flatSource('label', ['LABEL0'], label, rows);
  await fitStages({ source: labelSource, stages: labelStages, days: panel.days, dayRows: rows, baseKeep: inferKeep, budgetBytes, diagnostics, threads });
  {
    const one = Int32Array.of(0);
    const keep = new Uint8Array(nI);
    for (let t = 0; t < nD; t++) {
      const off = rows.offsets[t]!;
      const n = rows.offsets[t + 1]! - off;
      if (!n) continue;
      keep.set(inferKeep.subarray(off, off + n));
      runStages(labelStages, 0, labelStages.length, label.subarray(off, off + n), n, one, keep, off);
      learnKeep.set(keep.subarray(0, n), off);
    }
  }
  // Target chains: fitted and applied as the label's, over the rows the features keep; they drop no rows.
  const targets: { name: string; raw: Float32Array; processed: Float32Array }[] = [];
  for (const name of targetNames) {
    const raw = buildRowStore([col32.get(`\0target:${name}`)!], rows);
    const processed = raw.slice();
    const stages = targetStages[name]!;
    await fitStages({ source: flatSource(`target ${name}`, [name], processed, rows), stages, days: panel.days, dayRows: rows, baseKeep: inferKeep, budgetBytes, diagnostics, threads });
    const one = Int32Array.of(0);
    const keep = new Uint8Array(nI);
    for (let t = 0; t < nD; t++) {
      const off = rows.offsets[t]!;
      const n = rows.offsets[t + 1]! - off;
      if (!n || !stages.length) continue;
      keep.set(inferKeep.subarray(off, off + n));
      runStages(stages, 0, stages.length, processed.subarray(off, off + n), n, one, keep, off);
    }
    targets.push({ name, raw, processed });
  }
  const tFit = performance.now();

  const extra = Object.keys(spec.fields).map((name) => [name, buildRowStore([col32.get(`\0field:${name}`)!], rows)] as const);
  const learn = new Set(opts.learnSegments ?? ['train', 'valid']);
  const segRange = (segment: string): [number, number] => {
    const r = spec.segments[segment];
    if (!r) throw new DiagnosticError(diag('datasetUnknownSegment', { name: segment, known: Object.keys(spec.segments).join(', ') }));
    return dayRange(panel.days, r.start, r.end);
  };
  const keepOf = (segment: string): Uint8Array => (learn.has(segment) ? learnKeep : inferKeep);
  const labelOf = (segment: string): Float32Array => (learn.has(segment) ? label : rawLabel);

  const crossSection = (segment: string, k: number, given?: (name: string) => Float32Array): CrossSection => {
    const [a, b] = segRange(segment);
    if (!Number.isInteger(k) || k < 0 || a + k >= b) {
      throw new DiagnosticError(diag('datasetBadOption', { what: `day ${k} is outside segment ${segment} (${b - a} days)` }));
    }
    const t = a + k;
    const off = rows.offsets[t]!;
    const n = rows.offsets[t + 1]! - off;
    const features: Record<string, Float32Array> = {};
    for (const name of setNames) features[name] = given ? given(name) : readers[name]!.day(t);
    const isLearn = learn.has(segment);
    const keepAll = keepOf(segment);
    const keep = keepAll.slice(off, off + n);
    // the day's slice of a label or target column, NaN where `kept` drops the row
    const cut = (col: Float32Array, kept: Uint8Array): Float32Array => {
      const v = col.slice(off, off + n);
      for (let r = 0; r < n; r++) if (!kept[off + r]) v[r] = NaN;
      return v;
    };
    const lab = cut(labelOf(segment), keepAll);
    const fields: Record<string, Float32Array> = {};
    for (const [name, col] of extra) fields[name] = col.slice(off, off + n);
    const tgt: Record<string, Float32Array> = {};
    for (const tg of targets) tgt[tg.name] = cut(isLearn ? tg.processed : tg.raw, keepAll);
    // The learn chain's view of an inference segment (the same arrays on a learn segment).
    const learnLab = isLearn ? lab : cut(label, learnKeep);
    const learnTgt: Record<string, Float32Array> = isLearn ? tgt : {};
    if (!isLearn) for (const tg of targets) learnTgt[tg.name] = cut(tg.processed, learnKeep);
    return {
      day: panel.days[t]!,
      dayIndex: t,
      instruments: Array.from(rows.rows.subarray(off, off + n), (i) => panel.instruments[i]!),
      x: features[main]!,
      features,
      fields,
      label: lab,
      rawLabel: rawLabel.slice(off, off + n),
      targets: tgt,
      mask: keep,
      learnLabel: learnLab,
      learnTargets: learnTgt,
    };
  };

  const samplesOf = (segment: string): Int32Array => {
    const [a, b] = segRange(segment);
    const keep = keepOf(segment);
    const out: number[] = [];
    for (let p = rows.offsets[a]!; p < rows.offsets[b]!; p++) if (keep[p]) out.push(p);
    return Int32Array.from(out);
  };

  const dataset: Dataset = {
    segments: Object.keys(spec.segments),
    shapes: Object.fromEntries(setNames.map((n) => [n, readers[n]!.shape])),
    main,
    fitted: {
      ...Object.fromEntries(setNames.map((n) => [n, featureStages[n]!.map(fittedView)])),
      label: labelStages.map(fittedView),
    },
    targetsFitted: Object.fromEntries(targetNames.map((n) => [n, targetStages[n]!.map(fittedView)])),
    days: (segment) => {
      const [a, b] = segRange(segment);
      return panel.days.slice(a, b);
    },
    dayOrder: (segment, o = {}) => {
      const [a, b] = segRange(segment);
      const order = Array.from({ length: b - a }, (_, k) => k);
      if (o.shuffle) shuffleInPlace(order, seededRng(o.seed ?? 0));
      return order;
    },
    crossSection: (segment, k) => crossSection(segment, k),
    *iterDays(segment, o = {}) {
      const order = dataset.dayOrder(segment, o);
      const a = segRange(segment)[0];
      const ts = order.map((k) => a + k);
      // Window sets compute upcoming days on worker threads while the caller works.
      const streams = new Map(setNames.map((name) => [name, readers[name]!.stream(ts)]));
      for (let q = 0; q < order.length; q++) yield crossSection(segment, order[q]!, (name) => streams.get(name)!(q));
    },
    sampleCount: (segment) => samplesOf(segment).length,
    *batches(segment, o) {
      if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
        throw new DiagnosticError(diag('datasetBadOption', { what: `batch size must be a positive integer, got ${o.batchSize}` }));
      }
      const samples = samplesOf(segment);
      const lab = labelOf(segment);
      for (const idx of batchIndices(samples.length, o)) {
        const picks = Int32Array.from(idx, (k) => samples[k]!);
        const features: Record<string, Float32Array> = {};
        for (const name of setNames) features[name] = readers[name]!.rows(picks);
        const fields: Record<string, Float32Array> = {};
        for (const [name, col] of extra) fields[name] = Float32Array.from(picks, (p) => col[p]!);
        const tgt: Record<string, Float32Array> = {};
        for (const tg of targets) {
          const col = learn.has(segment) ? tg.processed : tg.raw;
          tgt[tg.name] = Float32Array.from(picks, (p) => col[p]!);
        }
        yield {
          size: picks.length,
          x: features[main]!,
          features,
          fields,
          label: Float32Array.from(picks, (p) => lab[p]!),
          rawLabel: Float32Array.from(picks, (p) => rawLabel[p]!),
          targets: tgt,
          dayIndex: Int32Array.from(picks, (p) => rows.dayOf[p]!),
          instrumentIndex: Int32Array.from(picks, (p) => rows.rows[p]!),
        };
      }
    },
    diagnostics,
    stats: Object.assign(stats, { evalMs: tEval - t0, fitMs: tFit - tEval, buildMs: performance.now() - t0 }),
  };
  return dataset;
}

function fittedView(st: Stage): FittedStage {
  const v: FittedStage = { kind: st.proc.kind };
  if (st.center) v.center = st.center;
  if (st.scale) v.scale = st.scale;
  if (st.edges) v.edges = st.edges;
  return v;
}

function windowColumnNames(set: WindowFeatureSet): string[] {
  const out: string[] = [];
  for (const c of set.columns) for (let l = set.size - 1; l >= 0; l--) out.push(`${c.name}${l}`);
  return out;
}
