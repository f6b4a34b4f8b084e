// `quiver run`: one strategy from file to report.
//
// compile → backend → market (the demo market is generated on first use and
// cached under .quiver/data) → panel → dataset → parameters → train stages →
// predict the test segment → evaluate (Qlib's IC metrics) → backtest
// (TopkDropout) → write the run folder:
//   runs/<strategy>/<timestamp>/
//     plan.json          the resolved plan (data, stages, metrics, backtest) as it ran:
//                        --seed and --epochs applied, and listed under `overrides`
//     run.log            the lines the run printed to stderr (one line per epoch)
//     ir.txt             the optimised IR
//     checkpoint.qck     parameters + trainer state (atomic; --resume continues)
//     history.json       per-epoch training log
//     metrics.json       signal metrics, backtest risk, timings
//     predictions.parquet  day, stock, score, label (via DuckDB)
//     report.html        the self-contained report
// and print IC/ICIR, the backtest summary and the report's path.

import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { DiagnosticError } from '../compiler/diagnostics/diagnostic.js';
import { diag } from '../compiler/diagnostics/codes.js';
import { funcToDot } from '../compiler/ir/dot.js';
import { printProgram } from '../compiler/ir/print.js';
import type { Program } from '../compiler/ir/types.js';
import type { FeatureExpr } from '../compiler/plan/data.js';
import type { Plan } from '../compiler/plan/plan.js';
import { initBackend, type BackendName } from './backend.js';
import { runBacktest } from './backtest/index.js';
import { buildDataset, type Dataset } from './data/dataset/dataset.js';
import { closeMarket, openMarket } from './data/db.js';
import { loadMembership, loadPanel, marketVersion } from './data/load.js';
import type { Panel } from './data/panel.js';
import { generateMarket, isolateEffects, marketVersion as synthVersion, PRESETS, resolveEffects, type EffectName, type EffectOverrides } from './data/synth/index.js';
import { crossSectionsFromDays } from './eval/cross-sections.js';
import { evaluateSignal } from './eval/metrics.js';
import { evaluateListed } from './eval/listed.js';
import { createParams, disposeParams, paramSpecs } from './exec/compile.js';
import { kernels } from './ops/index.js';
import { writeReport } from './report/index.js';
import type { ReportData } from './report/types.js';
import { datasetFeeds, type GraphFeed } from './train/feeds.js';
import { createMemoryStore } from './train/memory.js';
import { compileEntry, predictDays, refreshMemories, trainStages, type DayPrediction } from './train/loop.js';
import { consoleProgress, silentProgress, type ProgressSink } from './train/progress.js';
import { checkpointParams } from './train/checkpoint.js';
import { graphSources } from './graphs.js';

export interface RunOptions {
  plan: Plan;
  program: Program;
  /** folder runs are written under (default ./runs) */
  out?: string;
  backend?: BackendName | 'auto';
  seed?: number;
  epochs?: number;
  resume?: boolean;
  /** where the demo market and the feature cache live (default ./.quiver) */
  cacheDir?: string;
  log?: (line: string) => void;
  quiet?: boolean;
  /** data-parallel workers for training (default 'auto': both cores where it pays) */
  workers?: number | 'auto';
  /** keep the test predictions, with every output field of the model, in the result (analysis, claims) */
  keepPredictions?: boolean;
}

export interface RunResult {
  dir: string;
  metrics: Record<string, number | null>;
  backend: string;
  seconds: { data: number; train: number; predict: number; backtest: number; total: number };
  warnings: Diagnostic[];
  /** the scalars of the strategy's `evaluate [...]` clause (also in `metrics`), in the clause's order */
  evaluated: Record<string, number | null>;
  /** with `keepPredictions`: the test segment's predictions and the model's other outputs, day by day */
  predictions?: DayPrediction[];
}

function fieldsOf(e: FeatureExpr, out: Set<string>): void {
  if (e.kind === 'field') {
    if (e.name !== '__lag__') out.add(e.name);
  } else if (e.kind === 'call') for (const a of e.args) fieldsOf(a, out);
}

/** The bar fields a plan's features, label and fields read. */
export function planFields(plan: Plan): string[] {
  const out = new Set<string>(['close', 'volume', 'factor']);
  for (const fs of Object.values(plan.data.features)) {
    if (fs.kind === 'flat') fs.columns.forEach((c) => fieldsOf(c.expr, out));
    else fs.columns.forEach((c) => (fieldsOf(c.series, out), c.scale && fieldsOf(c.scale, out)));
  }
  fieldsOf(plan.data.label, out);
  for (const e of Object.values(plan.data.fields)) fieldsOf(e, out);
  return [...out];
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Where a demo source's market is cached, and the effects it is generated
 * with. The name carries the market's version (generator version, preset,
 * seed, resolved effects): a changed generator or effect default never
 * reuses an old file, and overrides that resolve alike share one.
 */
export function demoMarketPath(source: Extract<Plan['source'], { kind: 'demo' }>, cacheDir: string): { path: string; effects: EffectOverrides } {
  // `only` switches the other effects off; an override's parameters go on
  // top of the effect's (so a parameter of a switched-off effect keeps it off).
  const effects: Record<string, unknown> = source.only ? { ...isolateEffects(source.preset, source.only as EffectName[]) } : {};
  for (const [name, o] of Object.entries(source.effects)) {
    const was = effects[name];
    effects[name] = typeof o === 'object' && typeof was === 'object' ? { ...was, ...o } : o;
  }
  const version = synthVersion(PRESETS[source.preset], source.seed, resolveEffects(source.preset, effects as EffectOverrides));
  return { path: join(cacheDir, 'data', `demo-${source.preset}-${source.seed}-${version.slice(0, 12)}.duckdb`), effects: effects as EffectOverrides };
}

/** The market file for a plan's source (generating the demo market on first use). */
export async function marketFile(plan: Plan, cacheDir: string, log: (s: string) => void): Promise<string> {
  if (plan.source.kind === 'duckdb') return resolve(dirname(plan.file), plan.source.path);
  const s = plan.source;
  const { path, effects } = demoMarketPath(s, cacheDir);
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    log(`generating the demo market (${s.preset}, seed ${s.seed}) → ${path}`);
    const sum = await generateMarket({ path, preset: s.preset, seed: s.seed, effects });
    log(`  ${sum.stocks} stocks, ${sum.days} days, ${(sum.timings.totalMs / 1000).toFixed(1)} s`);
  }
  return path;
}

export interface LoadedData {
  panel: Panel;
  dataset: Dataset;
  graph?: GraphFeed;
  version: string;
  marketPath: string;
  benchmark?: { code: string; close: Float64Array };
}

export async function loadData(plan: Plan, cacheDir: string, log: (s: string) => void): Promise<LoadedData> {
  const marketPath = await marketFile(plan, cacheDir, log);
  const db = await openMarket(marketPath);
  try {
    const version = (await marketVersion(db)) ?? 'unknown';
    const universe = plan.data.universe;
    const panel = await loadPanel(db, { fields: planFields(plan), ...(universe ? { universe } : {}) });
    const membership = universe ? await loadMembership(db, universe) : undefined;
    const dataset = await buildDataset(panel, plan.data, { ...(membership ? { membership } : {}), cacheDir: join(cacheDir, 'features'), dataVersion: version });
    let benchmark: LoadedData['benchmark'];
    if (plan.backtest) {
      const b = await loadPanel(db, { fields: ['close'], instruments: [plan.backtest.benchmark] });
      if (b.instruments.length) {
        const close = new Float64Array(panel.days.length).fill(NaN);
        const at = new Map(b.days.map((d, i) => [d, i]));
        panel.days.forEach((d, i) => {
          const j = at.get(d);
          if (j !== undefined) close[i] = b.fields['close']![j]!;
        });
        benchmark = { code: plan.backtest.benchmark, close };
      }
    }
    const graph = plan.graphs.length ? await graphSources(plan.graphs, marketPath) : undefined;
    const out: LoadedData = { panel, dataset, version, marketPath };
    if (graph) out.graph = graph;
    if (benchmark) out.benchmark = benchmark;
    return out;
  } finally {
    closeMarket(db);
  }
}

async function writePredictions(path: string, rows: { day: string; instruments: string[]; pred: Float32Array; label: Float64Array }[]): Promise<void> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    await con.run('CREATE TABLE p (day DATE, stock VARCHAR, score DOUBLE, label DOUBLE)');
    const app = await con.createAppender('p');
    for (const r of rows) {
      for (let i = 0; i < r.instruments.length; i++) {
        app.appendVarchar(r.day);
        app.appendVarchar(r.instruments[i]!);
        const s = r.pred[i]!;
        const l = r.label[i]!;
        if (Number.isFinite(s)) app.appendDouble(s);
        else app.appendNull();
        if (Number.isFinite(l)) app.appendDouble(l);
        else app.appendNull();
        app.endRow();
      }
    }
    app.closeSync();
    await con.run(`COPY p TO '${path.replace(/'/g, "''")}' (FORMAT parquet)`);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

function latestRun(root: string, strategy: string): string | undefined {
  const dir = join(root, strategy);
  if (!existsSync(dir)) return undefined;
  const runs = readdirSync(dir).filter((d) => existsSync(join(dir, d, 'checkpoint.qck')) && !existsSync(join(dir, d, 'metrics.json'))).sort();
  return runs.length ? join(dir, runs[runs.length - 1]!) : undefined;
}

/** Both sinks get every event. */
function teeProgress(a: ProgressSink, b: ProgressSink): ProgressSink {
  return {
    step: (i) => (a.step(i), b.step(i)),
    epoch: (i) => (a.epoch(i), b.epoch(i)),
    done: () => (a.done(), b.done()),
  };
}

/**
 * The plan as it runs: the --seed and --epochs overrides applied (every
 * stage trains for --epochs) and recorded under `overrides`, so plan.json and
 * `quiver compare` show them.
 */
export function effectivePlan(plan: Plan, o: { seed?: number; epochs?: number }): Plan & { overrides?: { seed?: number; epochs?: number } } {
  if (o.seed === undefined && o.epochs === undefined) return plan;
  const overrides = { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.epochs !== undefined ? { epochs: o.epochs } : {}) };
  return {
    ...plan,
    seed: o.seed ?? plan.seed,
    stages: o.epochs === undefined ? plan.stages : plan.stages.map((st) => ({ ...st, epochs: o.epochs! })),
    overrides,
  };
}

export async function runPlan(o: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const print = o.log ?? ((s: string) => process.stderr.write(s + '\n'));
  // Every line also goes to run.log once the run folder exists (earlier ones are held until then).
  let logFile: string | undefined;
  const early: string[] = [];
  const log = (line: string): void => {
    print(line);
    if (logFile) appendFileSync(logFile, line + '\n');
    else early.push(line);
  };
  const plan = o.plan;
  const seed = o.seed ?? plan.seed;
  const cacheDir = o.cacheDir ?? '.quiver';
  const root = o.out ?? 'runs';
  const warnings: Diagnostic[] = [];
  const backend = await initBackend(o.backend ? { backend: o.backend } : {});
  warnings.push(...backend.diagnostics);
  log(`backend: ${backend.reason}`);

  const resumeDir = o.resume ? latestRun(root, plan.strategy) : undefined;
  const dir = resumeDir ?? join(root, plan.strategy, stamp());
  mkdirSync(dir, { recursive: true });
  logFile = join(dir, 'run.log');
  if (resumeDir) appendFileSync(logFile, `\n— resumed ${new Date().toISOString()}\n`);
  appendFileSync(logFile, early.map((l) => l + '\n').join(''));
  if (resumeDir) log(`resuming ${dir}`);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(effectivePlan(plan, { ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.epochs !== undefined ? { epochs: o.epochs } : {}) }), null, 2));
  writeFileSync(join(dir, 'ir.txt'), printProgram(o.program));

  const tData = performance.now();
  const data = await loadData(plan, cacheDir, log);
  for (const seg of Object.keys(plan.data.segments)) {
    if (data.dataset.days(seg).length === 0) {
      const r = plan.data.segments[seg]!;
      throw new DiagnosticError(diag('emptySegment', { segment: seg, start: r.start, end: r.end }));
    }
  }
  const dataSeconds = (performance.now() - tData) / 1000;
  log(`data: ${data.panel.instruments.length} instruments × ${data.panel.days.length} days, train ${data.dataset.days('train').length} days (${dataSeconds.toFixed(1)} s)`);

  const entries = o.program.entries.map((e) => o.program.functions[e]!).filter(Boolean);
  const params = createParams(paramSpecs(entries), seed);
  const nParams = params.entries.filter((e) => !e.state).reduce((s, e) => s + e.shape.reduce((a, b) => a * b, 1), 0);
  log(`model: ${nParams.toLocaleString('en-US')} parameters in ${params.entries.length} tensors`);
  const memory = plan.memories.length ? createMemoryStore(plan.memories, data.panel.instruments.length, data.panel.days.length) : undefined;
  const feeds = datasetFeeds(data.dataset, { instruments: data.panel.instruments, ...(data.graph ? { graph: data.graph } : {}), ...(memory ? { memory } : {}) });
  try {
    const tTrain = performance.now();
    const trained = await trainStages({
      plan,
      program: o.program,
      kernels,
      data: feeds,
      params,
      seed,
      progress: teeProgress(
        o.quiet ? silentProgress : consoleProgress(),
        consoleProgress({ stream: { isTTY: false, write: (text: string) => (appendFileSync(logFile!, text), true) } }),
      ),
      checkpoint: join(dir, 'checkpoint.qck'),
      resume: resumeDir !== undefined,
      ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
      workers: o.workers ?? 'auto',
      workerBackend: backend.name,
      loadInit: (path) => checkpointParams(resolve(dirname(plan.file), path)),
    });
    const trainSeconds = (performance.now() - tTrain) / 1000;
    writeFileSync(join(dir, 'history.json'), JSON.stringify(trained.history, null, 2));

    // Predict and evaluate the test segment.
    const tPred = performance.now();
    const predictFn = compileEntry(o.program, plan.predict, kernels);
    const testSeg = plan.backtest?.segment ?? 'test';
    // With memories, the last stage's objective writes them day by day; the days
    // before the test segment are replayed first so its first histories are full.
    const lastStage = plan.stages[plan.stages.length - 1];
    const writerFn = memory && lastStage ? compileEntry(o.program, lastStage.objective, kernels) : undefined;
    const writer = writerFn && lastStage ? { fn: writerFn, inputs: lastStage.objective.inputs } : undefined;
    // Memories the last stage refreshes each epoch are refreshed once more with the final
    // (best or averaged) parameters: IGMTF's bank must hold what this model encodes.
    if (memory && lastStage?.eachEpoch.length) {
      const refresher = compileEntry(o.program, lastStage.objective, kernels, { writes: true });
      refreshMemories(refresher, lastStage.objective.inputs, params, feeds, 'train', lastStage.eachEpoch.map((h) => h.memory));
      refresher.dispose();
    }
    if (writer) for (const seg of ['train', 'valid']) if (seg !== testSeg && plan.data.segments[seg]) predictDays(predictFn, plan.predict.inputs, params, feeds, seg, plan.predField, writer);
    const preds = predictDays(predictFn, plan.predict.inputs, params, feeds, testSeg, plan.predField, writer, { outputs: o.keepPredictions === true });
    predictFn.dispose();
    writerFn?.dispose();
    const predictSeconds = (performance.now() - tPred) / 1000;
    const cs = crossSectionsFromDays(preds.map((p) => p.day), preds.map((p) => ({ pred: p.pred, label: p.label })));
    const signal = evaluateSignal(cs);
    const metrics: Record<string, number | null> = {
      IC: finite(signal.summary.ic),
      ICIR: finite(signal.summary.icir),
      'Rank IC': finite(signal.summary.rankIc),
      'Rank ICIR': finite(signal.summary.rankIcir),
      MSE: finite(signal.summary.mse),
      MAE: finite(signal.summary.mae),
    };
    // The strategy's `evaluate [...]` clause: precision@k, long-short, quantile returns, IC decay, TRA's metrics.
    const listed = evaluateListed(plan.evaluate, cs, preds.map((p) => p.instruments));
    Object.assign(metrics, listed.metrics);
    await writePredictions(join(dir, 'predictions.parquet'), preds);

    // Backtest.
    const tBt = performance.now();
    let backtest: ReportData['backtest'];
    if (plan.backtest) {
      const bt = plan.backtest;
      const score = new Float64Array(data.panel.instruments.length * data.panel.days.length).fill(NaN);
      const instIndex = new Map(data.panel.instruments.map((s, i) => [s, i]));
      const dayIndex = new Map(data.panel.days.map((d, i) => [d, i]));
      const D = data.panel.days.length;
      for (const p of preds) {
        const d = dayIndex.get(p.day)!;
        p.instruments.forEach((s, k) => {
          const i = instIndex.get(s);
          if (i !== undefined) score[i * D + d] = p.pred[k]!;
        });
      }
      if (!data.benchmark) throw new DiagnosticError(diag('backtestBenchmarkMissing', { name: bt.benchmark }));
      const seg = plan.data.segments[bt.segment]!;
      const r = runBacktest({
        panel: data.panel,
        score,
        benchmark: { close: data.benchmark.close },
        settings: {
          topk: bt.topk,
          nDrop: bt.nDrop,
          openCost: bt.openCost,
          closeCost: bt.closeCost,
          minCost: bt.minCost,
          limitThreshold: bt.limit,
          tradeUnit: bt.lot,
          riskDegree: bt.riskDegree,
          holdThresh: bt.holdThresh,
          account: bt.account,
          start: seg.start,
          end: seg.end,
        },
      });
      const risk = (x: { mean: number; std: number; annualizedReturn: number; informationRatio: number; maxDrawdown: number }) => ({
        mean: finite(x.mean),
        std: finite(x.std),
        annualized_return: finite(x.annualizedReturn),
        information_ratio: finite(x.informationRatio),
        max_drawdown: finite(x.maxDrawdown),
      });
      const without = risk(r.risk.excessReturnWithoutCost);
      const withCost = risk(r.risk.excessReturnWithCost);
      metrics['excess annualized return (with cost)'] = withCost.annualized_return;
      metrics['excess information ratio (with cost)'] = withCost.information_ratio;
      metrics['excess max drawdown (with cost)'] = withCost.max_drawdown;
      metrics['excess annualized return (without cost)'] = without.annualized_return;
      metrics['excess information ratio (without cost)'] = without.information_ratio;
      metrics['excess max drawdown (without cost)'] = without.max_drawdown;
      metrics['mean turnover'] = finite(r.turnover.reduce((s, x) => s + x, 0) / Math.max(1, r.turnover.length));
      backtest = {
        day: r.days,
        return: Array.from(r.return),
        bench: Array.from(r.bench),
        cost: Array.from(r.cost),
        turnover: Array.from(r.turnover),
        holdings: Array.from(r.holdings),
        value: Array.from(r.account),
        risk: { withoutCost: without, withCost },
      };
      for (const w of r.diagnostics) warnings.push(w);
    }
    const backtestSeconds = (performance.now() - tBt) / 1000;
    metrics['training seconds'] = trainSeconds;
    metrics['backtest seconds'] = backtestSeconds;

    const total = (performance.now() - t0) / 1000;
    const result: RunResult = {
      dir,
      metrics,
      backend: backend.name,
      seconds: { data: dataSeconds, train: trainSeconds, predict: predictSeconds, backtest: backtestSeconds, total },
      warnings,
      evaluated: listed.metrics,
    };
    if (o.keepPredictions) result.predictions = preds;
    writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ strategy: plan.strategy, backend: backend.name, seed, metrics, seconds: result.seconds, params: nParams }, null, 2));
    const report: ReportData = {
      strategy: plan.strategy,
      createdAt: new Date().toISOString(),
      backend: backend.name,
      data: { source: plan.source.kind === 'demo' ? `synthetic demo market (${plan.source.preset}, seed ${plan.source.seed})` : data.marketPath, universe: plan.data.universe ?? 'all', segments: plan.data.segments },
      metrics,
      signal: { day: cs.days, ic: Array.from(signal.daily.ic, finite), rankIc: Array.from(signal.daily.rankIc, finite) },
      training: { epochs: trained.history.map((h) => ({ epoch: h.epoch, stage: h.stage, trainLoss: h.trainLoss, ...(h.validLoss !== undefined ? { validLoss: h.validLoss } : {}), ...(h.validMetric !== undefined && Number.isFinite(h.validMetric) ? { validMetric: h.validMetric } : {}), seconds: h.seconds })), ...(trained.history[0]?.metric ? { metricName: trained.history[0].metric } : {}) },
      graph: { dot: funcToDot(o.program.functions[plan.predict.fn]!) },
      config: plan,
      notes: warnings.map((w) => `${w.code}: ${w.message}`),
    };
    if (backtest) report.backtest = backtest;
    if (listed.icDecay || listed.groups) report.evaluation = { ...(listed.icDecay ? { icDecay: listed.icDecay } : {}), ...(listed.groups ? { groups: listed.groups } : {}) };
    await writeReport(report, join(dir, 'report.html'));
    return result;
  } finally {
    feeds.release?.();
    disposeParams(params);
  }
}
