// The training loop, driven by a plan's stages.
//
// Per stage: compile its objective; optionally initialise parameters from a
// checkpoint prefix; reset the optimiser (stages default to a fresh one);
// then per epoch: batches in a seeded order → one gradient tape per step →
// gradient accumulation, clipping by value or norm → optimiser step on one
// flat parameter vector; at the end of the epoch evaluate the monitored
// metric (optionally with parameters averaged over the last k epochs), keep
// the best parameters, stop early on patience, and write a checkpoint.
// After the stage the best parameters are restored; with `average_last: k`
// and no early stopping, the stage ends on the mean of its last k epochs'
// parameters.
//
// Determinism: the batch order and every dropout/Gumbel seed derive from
// (run seed, stage, epoch, step), and checkpoints hold everything else, so a
// run killed and resumed ends with the same weights as one that was not.
// Memory: each step runs inside tf.tidy / variableGrads; the live tensor count
// is flat across epochs (test/runtime/train/loop.test.ts asserts it).

import * as tf from '@tensorflow/tfjs';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { Func, Program } from '../../compiler/ir/types.js';
import { lookupOp } from '../../compiler/ops/registry.js';
import { dceFunc } from '../../compiler/passes/dce.js';
import type { EntryPlan, InputBinding, Plan, StagePlan } from '../../compiler/plan/plan.js';
import { crossSectionsFromDays } from '../eval/cross-sections.js';
import { errorMetrics, icSeries, icSummary } from '../eval/metrics.js';
import { commitState, compileFunction, readParams, runContext, trainableKeys, writeParams, type CompiledFn, type ParamStore } from '../exec/compile.js';
import type { KernelTable } from '../ops/kernel.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { isFiniteArray, newState, step as optimizerStep, type OptimizerState } from './optimizer.js';
import { silentProgress, type ProgressSink } from './progress.js';
import type { MemoryStore, RowKeys } from './memory.js';
import { chooseWorkers, createReplicaPool, type Batch, type PoolOptimizerState, type ReplicaPool } from '../parallel/pool.js';
import { toSpec } from './optimizer.js';

/** One batch: builds its input tensors (inside the caller's tidy). */
export interface Feed {
  tensors(inputs: InputBinding[]): Record<string, tf.Tensor>;
  /** the same with the label and targets through the learn chain on every segment (a memory writer's view) */
  learnTensors?(inputs: InputBinding[]): Record<string, tf.Tensor>;
  /** rows in this batch (stocks or samples) */
  rows: number;
  /** daily batches: the day, the rows' instruments and raw labels (for metrics) */
  day?: string;
  instruments?: string[];
  rawLabel?: Float32Array | Float64Array;
  /** panel (instrument, day) of each row: memory writes and reads are keyed by them */
  keys?: () => RowKeys;
  /** the batch as plain arrays for the replica pool (sample batches of features, labels, fields) */
  arrays?: (inputs: InputBinding[]) => Batch | undefined;
}

export interface TrainData {
  /** the plan's memories (written by losses, read as histories) */
  memory?: MemoryStore;
  /** the training batches of one epoch, in a seeded order */
  trainBatches(stage: StagePlan, epoch: number, seed: number): Iterable<Feed>;
  /** number of training batches per epoch (for the progress bar) */
  trainBatchCount(stage: StagePlan): number;
  /** one daily batch per trading day of the segment, chronological */
  dayBatches(segment: string): Iterable<Feed>;
  /** free what the feeds keep between batches (memory banks' tensors) */
  release?(): void;
}

export interface EpochRecord {
  stage: string;
  epoch: number;
  trainLoss: number;
  validLoss?: number;
  validMetric?: number;
  metric?: string;
  seconds: number;
}

export interface TrainResult {
  history: EpochRecord[];
  /** seconds spent training (all stages) */
  seconds: number;
}

export interface TrainOptions {
  plan: Plan;
  program: Program;
  kernels: KernelTable;
  data: TrainData;
  params: ParamStore;
  seed: number;
  progress?: ProgressSink;
  /** checkpoint file; written after every epoch */
  checkpoint?: string;
  /** resume from `checkpoint` when it exists */
  resume?: boolean;
  /** override every stage's epoch count (quick runs) */
  epochs?: number;
  /** read checkpoints named by stage `init` settings */
  loadInit?: (path: string) => Record<string, Float32Array>;
  /** called after each step (tests use it to stop a run mid-way) */
  afterStep?: (info: { stage: number; epoch: number; step: number }) => void;
  /**
   * Data-parallel training over worker threads: a worker count, or 'auto'
   * (both cores when a batch's rows × time steps pay for the split). Used for
   * stages with sample batches, a constant learning rate, no accumulation and
   * an objective without layer state or memory writes; others run in process.
   */
  workers?: number | 'auto';
  /** the backend the workers run (default: the main thread's) */
  workerBackend?: 'wasm' | 'cpu' | 'node' | 'node-gpu';
}

export interface Position {
  stage: number;
  /** the next epoch to run */
  epoch: number;
  history: EpochRecord[];
  best: number | null;
  bad: number;
  seconds: number;
  /** the stage's current learning rate (lr schedules change it between epochs) */
  lr: number;
  /** plateau schedule: best monitored value and epochs without improvement */
  plateauBest: number | null;
  plateauBad: number;
}

function mix(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) {
    h ^= Math.imul((x | 0) + 0x7f4a7c15, 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return (h >>> 0) % 2_147_483_647;
}

/** Flatten the listed variables into one vector (a fresh array). */
function flatten(p: ParamStore, keys: string[]): Float32Array {
  let n = 0;
  for (const k of keys) n += p.vars.get(k)!.size;
  const out = new Float32Array(n);
  let off = 0;
  for (const k of keys) {
    const d = p.vars.get(k)!.dataSync() as Float32Array;
    out.set(d, off);
    off += d.length;
  }
  return out;
}

function assignFlat(p: ParamStore, keys: string[], flat: Float32Array): void {
  let off = 0;
  for (const k of keys) {
    const v = p.vars.get(k)!;
    const t = tf.tensor(flat.subarray(off, off + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    off += v.size;
  }
}

function flatSize(p: ParamStore, keys: string[]): number {
  return keys.reduce((n, k) => n + p.vars.get(k)!.size, 0);
}

/** The trainer's flat optimiser state as the pool's records by parameter key. */
function byKey(opt: OptimizerState, p: ParamStore, keys: string[]): PoolOptimizerState {
  const m: Record<string, Float32Array> = {};
  const v: Record<string, Float32Array> = {};
  let off = 0;
  for (const k of keys) {
    const n = p.vars.get(k)!.size;
    m[k] = opt.m.slice(off, off + n);
    v[k] = opt.v.slice(off, off + n);
    off += n;
  }
  return { step: opt.step, m, v };
}

/** The pool's optimiser state in the trainer's flat layout (keys the replicas lack stay zero). */
function fromKeyed(st: PoolOptimizerState, p: ParamStore, keys: string[]): OptimizerState {
  const out = newState(flatSize(p, keys));
  out.step = st.step;
  let off = 0;
  for (const k of keys) {
    if (st.m[k]) out.m.set(st.m[k]!, off);
    if (st.v[k]) out.v.set(st.v[k]!, off);
    off += p.vars.get(k)!.size;
  }
  return out;
}

/** The element-wise mean of equally long vectors (parameter averaging). */
function meanOf(vs: Float32Array[]): Float32Array {
  const out = new Float32Array(vs[0]!.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (const v of vs) s += v[i]!;
    out[i] = s / vs.length;
  }
  return out;
}

/**
 * The model-side inputs of a batch that hold NaN or infinite values (features,
 * fields, memory histories; labels and targets may be NaN by design: losses
 * skip those rows), as `{ inputs: "x (360 of 21600)" }` for Q6201's hint, or
 * nothing when all are finite.
 */
function nonFiniteInputs(feed: Feed, inputs: InputBinding[]): { inputs?: string } {
  const checked = inputs.filter((b) => b.source.kind !== 'label' && b.source.kind !== 'target');
  const found: string[] = [];
  tf.tidy(() => {
    const ts = feed.tensors(checked);
    for (const b of checked) {
      const t = ts[b.name];
      if (!t || (t.dtype !== 'float32' && t.dtype !== 'int32')) continue;
      const v = t.dataSync();
      let bad = 0;
      for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) bad++;
      if (bad) found.push(`${b.name} (${bad} of ${v.length})`);
    }
  });
  return found.length ? { inputs: found.join(', ') } : {};
}

/** Store a call's memory writes (detached copies) for the batch's rows, then free them. */
export function flushWrites(writes: Map<string, tf.Tensor>, feed: Feed, memory: MemoryStore | undefined, opts: { refresh?: boolean } = {}): void {
  for (const [name, t] of writes) {
    if (memory && feed.keys) memory.write(name, t.dataSync(), feed.keys(), opts);
    t.dispose();
  }
  writes.clear();
}

/**
 * The part of an objective a refresh pass needs: its memory writes and what
 * they read (dead-code elimination from the writes), so IGMTF's bank refresh
 * runs only the encoder, not the retrieval and the loss.
 */
export function writesOnly(f: Func): Func {
  const first = f.nodes.find((n) => lookupOp(n.op)?.effect === true);
  return first ? dceFunc({ ...f, result: first.id }) : f;
}

/** Inputs that stay one tensor object while unchanged (memory banks: the feeds upload them once per refresh). */
function staticInputs(bindings: InputBinding[]): Set<string> {
  return new Set(bindings.filter((b) => b.source.kind === 'bank' && b.source.part === 'values').map((b) => b.name));
}

/**
 * An entry function of the plan (the predict entry or a stage's objective),
 * compiled with its memory banks as static inputs; `writes: true` compiles
 * only what its memory writes need (a refresh pass, see writesOnly).
 */
export function compileEntry(program: Program, entry: EntryPlan, kernels: KernelTable, opts: { writes?: boolean } = {}): CompiledFn {
  const f = program.functions[entry.fn]!;
  return compileFunction(opts.writes ? writesOnly(f) : f, kernels, program, { staticInputs: staticInputs(entry.inputs) });
}

/**
 * A refresh pass (`each_epoch: refresh(m)`): `writer` (an objective's writes,
 * see writesOnly) runs in evaluation mode over a segment's days, and the
 * listed memories take what it wrote (TRA's error memory, IGMTF's bank).
 */
export function refreshMemories(writer: CompiledFn, binding: InputBinding[], params: ParamStore, data: TrainData, segment: string, names: string[]): void {
  if (!data.memory || names.length === 0) return;
  data.memory.beginRefresh(names);
  const ctx = runContext(params, { training: false, seed: 1 });
  for (const feed of data.dayBatches(segment)) {
    tf.tidy(() => {
      writer.run(feed.tensors(binding), ctx);
    });
    flushWrites(ctx.writes, feed, data.memory, { refresh: true });
  }
  data.memory.endRefresh(names);
}

/** One day's predictions; `outputs` holds the model's other record fields (row-major, rows first) when asked for. */
export interface DayPrediction {
  day: string;
  instruments: string[];
  pred: Float32Array;
  label: Float64Array;
  outputs?: Record<string, Float32Array>;
}

/**
 * Predictions of `fn` over every day of a segment (daily batches). With
 * `outputs`, a model returning a record also gives every other field per day
 * (TRA's router probabilities, IGMTF's encodings) for analysis.
 */
export function predictDays(
  fn: CompiledFn,
  binding: InputBinding[],
  params: ParamStore,
  data: TrainData,
  segment: string,
  predField?: string,
  writer?: { fn: CompiledFn; inputs: InputBinding[] },
  opts: { outputs?: boolean } = {},
): DayPrediction[] {
  const out: DayPrediction[] = [];
  const ctx = runContext(params, { training: false, seed: 1 });
  for (const feed of data.dayBatches(segment)) {
    const { pred, outputs } = tf.tidy(() => {
      const r = fn.run(feed.tensors(binding), ctx);
      if (r instanceof tf.Tensor) return { pred: r.dataSync() as Float32Array, outputs: undefined };
      const field = predField ?? Object.keys(r)[0]!;
      const rest = opts.outputs ? Object.fromEntries(Object.entries(r).filter(([k]) => k !== field).map(([k, t]) => [k, Float32Array.from(t.dataSync())])) : undefined;
      return { pred: r[field]!.dataSync() as Float32Array, outputs: rest };
    });
    flushWrites(ctx.writes, feed, data.memory);
    // Memories are written as the days go by (after the day's prediction), as in online use.
    if (writer) {
      tf.tidy(() => {
        // the learn chain's label, as in training: the memory keeps one scale
        writer.fn.run((feed.learnTensors ?? feed.tensors)(writer.inputs), ctx);
      });
      flushWrites(ctx.writes, feed, data.memory);
    }
    const row: DayPrediction = { day: feed.day ?? '', instruments: feed.instruments ?? [], pred: Float32Array.from(pred), label: Float64Array.from(feed.rawLabel ?? []) };
    if (outputs) row.outputs = outputs;
    out.push(row);
  }
  return out;
}

/** Mean objective over a segment's days (no gradients). */
function segmentLoss(fn: CompiledFn, binding: InputBinding[], params: ParamStore, data: TrainData, segment: string): number {
  const ctx = runContext(params, { training: false, seed: 1 });
  let sum = 0;
  let n = 0;
  for (const feed of data.dayBatches(segment)) {
    const v = tf.tidy(() => (fn.run(feed.tensors(binding), ctx) as tf.Tensor).dataSync()[0]!);
    flushWrites(ctx.writes, feed, data.memory);
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  return n ? sum / n : NaN;
}

export function scoreOf(metric: string, days: ReturnType<typeof predictDays>): number {
  const cs = crossSectionsFromDays(days.map((d) => d.day), days.map((d) => ({ pred: d.pred, label: d.label })));
  if (metric === 'mse' || metric === 'mae') {
    const e = errorMetrics(cs);
    return metric === 'mse' ? e.mse : e.mae;
  }
  const s = icSummary(icSeries(cs));
  switch (metric) {
    case 'rank_ic':
      return s.rankIc;
    case 'icir':
      return s.icir;
    case 'rank_icir':
      return s.rankIcir;
    default:
      return s.ic;
  }
}

export async function trainStages(o: TrainOptions): Promise<TrainResult> {
  const { plan, program, kernels, data, params } = o;
  const progress = o.progress ?? silentProgress;
  const predictFn = compileEntry(program, plan.predict, kernels);
  let pos: Position = { stage: 0, epoch: 0, history: [], best: null, bad: 0, seconds: 0, lr: NaN, plateauBest: null, plateauBad: 0 };
  let opt: OptimizerState | undefined;
  let bestFlat: Float32Array | undefined;
  let ring: Float32Array[] = [];
  if (o.resume && o.checkpoint) {
    try {
      const ck = readCheckpoint(o.checkpoint);
      pos = (ck.meta as { pos: Position }).pos;
      const values: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(ck.arrays)) if (k.startsWith('param:')) values[k.slice(6)] = v;
      writeParams(params, values);
      if (ck.arrays['opt:m']) opt = { step: (ck.meta as { optStep: number }).optStep, m: ck.arrays['opt:m'], v: ck.arrays['opt:v']! };
      if (ck.arrays['best']) bestFlat = ck.arrays['best'];
      ring = Object.keys(ck.arrays).filter((k) => k.startsWith('ring:')).sort().map((k) => ck.arrays[k]!);
      const memories: Record<string, Float32Array> = {};
      for (const [k, v] of Object.entries(ck.arrays)) if (k.startsWith('memory:')) memories[k.slice(7)] = v;
      data.memory?.restore(memories, o.checkpoint);
    } catch (e) {
      if (!(e instanceof DiagnosticError && e.diagnostics[0]?.key === 'checkpointUnreadable' && e.diagnostics[0].message.includes('no such file'))) throw e;
    }
  }
  try {
    for (let si = pos.stage; si < plan.stages.length; si++) {
      const stage = plan.stages[si]!;
      const objective = compileEntry(program, stage.objective, kernels);
      const keys = trainableKeys(params, stage.freeze);
      const epochs = o.epochs ?? stage.epochs;
      const resumingHere = si === pos.stage && pos.epoch > 0;
      if (!resumingHere) {
        if (stage.init && o.loadInit) {
          const loaded = o.loadInit(stage.init.checkpoint);
          const done = writeParams(params, loaded, { from: stage.init.prefix, to: stage.init.prefix });
          if (done.length === 0) throw new DiagnosticError(diag('initPrefixEmpty', { prefix: stage.init.prefix, path: stage.init.checkpoint }));
        }
        if (stage.resetOptimizer || !opt) opt = undefined;
        pos.best = null;
        pos.bad = 0;
        pos.lr = stage.optimizer.lr;
        pos.plateauBest = null;
        pos.plateauBad = 0;
        bestFlat = undefined;
        ring = [];
      }
      const nBatches = data.trainBatchCount(stage);
      const pool = await stagePool(o, stage, keys);
      const writer = data.memory && stage.eachEpoch.length ? { fn: objective, inputs: stage.objective.inputs } : undefined;
      const refresher = data.memory && stage.eachEpoch.length ? compileEntry(program, stage.objective, kernels, { writes: true }) : undefined;
      try {
        // The replicas start from the trainer's optimiser state (a resumed run's, or the previous stage's when it is kept).
        if (pool && opt && opt.step > 0 && opt.m.length === flatSize(params, keys)) await pool.setOptimizerState(byKey(opt, params, keys));
        for (let epoch = resumingHere ? pos.epoch : 0; epoch < epochs; epoch++) {
          const t0 = performance.now();
          if (refresher) refreshMemories(refresher, stage.objective.inputs, params, data, 'train', stage.eachEpoch.map((h) => h.memory));
          let flat = flatten(params, keys);
          if (!opt || opt.m.length !== flat.length) opt = newState(flat.length);
          let lossSum = 0;
          let lossN = 0;
          let stepNo = 0;
          let acc: Float32Array | null = null;
          let accN = 0;
          const varList = keys.map((k) => params.vars.get(k)!);
          for (const feed of data.trainBatches(stage, epoch, mix(o.seed, si, epoch))) {
            if (stage.maxStepsPerEpoch && stepNo >= stage.maxStepsPerEpoch) break;
            stepNo++;
            if (pool) {
              const batch = feed.arrays?.(stage.objective.inputs);
              if (!batch) throw new DiagnosticError(diag('internalError', { what: 'a parallel stage got a batch without plain arrays' }));
              const loss = await pool.step(batch, mix(o.seed, si, epoch, stepNo));
              if (!Number.isFinite(loss)) throw new DiagnosticError(diag('lossNotFinite', { stage: stage.name, epoch: epoch + 1, step: stepNo, ...nonFiniteInputs(feed, stage.objective.inputs) }));
              lossSum += loss;
              lossN++;
              progress.step({ stage: stage.name, epoch, epochs, step: stepNo, steps: stage.maxStepsPerEpoch ? Math.min(stage.maxStepsPerEpoch, nBatches) : nBatches, loss });
              o.afterStep?.({ stage: si, epoch, step: stepNo });
              continue;
            }
            const ctx = runContext(params, { training: true, seed: mix(o.seed, si, epoch, stepNo) });
            const { loss, grads } = tf.tidy(() => {
              const inputs = feed.tensors(stage.objective.inputs);
              const r = tf.variableGrads(() => objective.run(inputs, ctx) as tf.Scalar, varList);
              const lossValue = r.value.dataSync()[0]!;
              const g = new Float32Array(flat.length);
              let off = 0;
              for (const k of keys) {
                const gt = r.grads[params.vars.get(k)!.name];
                const size = params.vars.get(k)!.size;
                if (gt) g.set(gt.dataSync() as Float32Array, off);
                off += size;
              }
              return { loss: lossValue, grads: g };
            });
            commitState(params, ctx.pendingState);
            flushWrites(ctx.writes, feed, data.memory);
            if (!Number.isFinite(loss) || !isFiniteArray(grads)) {
              throw new DiagnosticError(diag('lossNotFinite', { stage: stage.name, epoch: epoch + 1, step: stepNo, ...nonFiniteInputs(feed, stage.objective.inputs) }));
            }
            lossSum += loss;
            lossN++;
            if (!acc) acc = grads;
            else for (let i = 0; i < acc.length; i++) acc[i]! += grads[i]!;
            accN++;
            if (accN >= stage.accumulate) {
              if (accN > 1) for (let i = 0; i < acc.length; i++) acc[i]! /= accN;
              optimizerStep(stage.optimizer, pos.lr, opt, flat, acc, stage.clip);
              assignFlat(params, keys, flat);
              acc = null;
              accN = 0;
            }
            progress.step({ stage: stage.name, epoch, epochs, step: stepNo, steps: stage.maxStepsPerEpoch ? Math.min(stage.maxStepsPerEpoch, nBatches) : nBatches, loss });
            o.afterStep?.({ stage: si, epoch, step: stepNo });
          }
          if (pool) {
            // The replicas hold the trained weights: bring them back for evaluation and checkpoints.
            const values = await pool.params();
            writeParams(params, values);
            flat = flatten(params, keys);
            // and the optimiser's moments, so checkpoints hold them and a resumed run continues exactly
            opt = fromKeyed(await pool.optimizerState(), params, keys);
          }
          if (acc && accN > 0) {
            for (let i = 0; i < acc.length; i++) acc[i]! /= accN;
            optimizerStep(stage.optimizer, pos.lr, opt, flat, acc, stage.clip);
            assignFlat(params, keys, flat);
          }
          // Parameter averaging: the epoch-end parameters of the last k epochs. With
          // early stopping the average is what is evaluated and kept as the best;
          // without, the stage ends on the average (below).
          const rec: EpochRecord = { stage: stage.name, epoch, trainLoss: lossN ? lossSum / lossN : NaN, seconds: 0 };
          let improved = false;
          const es = stage.earlyStop;
          const current = stage.averageLast > 0 ? flatten(params, keys) : undefined;
          if (stage.averageLast > 0) {
            ring.push(current!);
            if (ring.length > stage.averageLast) ring.shift();
          }
          if (es) {
            if (stage.averageLast > 0) assignFlat(params, keys, meanOf(ring));
            const score = es.metric === 'loss' ? segmentLoss(objective, stage.objective.inputs, params, data, es.segment) : scoreOf(es.metric, predictDays(predictFn, plan.predict.inputs, params, data, es.segment, plan.predField, writer));
            rec.metric = `${es.segment}.${es.metric}`;
            if (es.metric === 'loss') rec.validLoss = score;
            rec.validMetric = score;
            const better = Number.isFinite(score) && (pos.best === null || (es.mode === 'max' ? score > pos.best : score < pos.best));
            if (better) {
              pos.best = score;
              pos.bad = 0;
              bestFlat = flatten(params, keys);
              improved = true;
            } else pos.bad++;
            if (stage.averageLast > 0) assignFlat(params, keys, current!);
          }
          adjustLr(stage, pos, rec, es?.mode ?? 'min');
          rec.seconds = (performance.now() - t0) / 1000;
          pos.seconds += rec.seconds;
          pos.history.push(rec);
          progress.epoch({ stage: stage.name, epoch, epochs, trainLoss: rec.trainLoss, ...(rec.validMetric !== undefined ? { valid: rec.validMetric, metric: rec.metric! } : {}), seconds: rec.seconds, best: improved });
          pos.epoch = epoch + 1;
          pos.stage = si;
          // On an early stop the stage's end (best parameters restored) is checkpointed below instead.
          if (es !== undefined && pos.bad >= es.patience) break;
          if (o.checkpoint && epoch + 1 < epochs) saveCheckpoint(o.checkpoint, params, pos, opt, bestFlat, ring, si, epoch + 1, data.memory);
        }
      } finally {
        // also when a step throws: worker threads left running would keep the process alive
        await pool?.close();
      }
      if (bestFlat) assignFlat(params, keys, bestFlat);
      else if (stage.averageLast > 0 && ring.length) assignFlat(params, keys, meanOf(ring));
      objective.dispose();
      refresher?.dispose();
      pos = { ...pos, stage: si + 1, epoch: 0 };
      if (o.checkpoint) saveCheckpoint(o.checkpoint, params, pos, opt, undefined, [], si + 1, 0, data.memory);
    }
  } finally {
    predictFn.dispose();
  }
  progress.done();
  return { history: pos.history, seconds: pos.seconds };
}

/** Learning-rate schedules, applied between epochs: step decay, or decay on a plateau of the monitored value. */
export function adjustLr(stage: StagePlan, pos: Position, rec: EpochRecord, mode: 'max' | 'min'): void {
  const s = stage.lrSchedule;
  if (s.kind === 'step') {
    if ((rec.epoch + 1) % s.every === 0) pos.lr *= s.gamma;
  } else if (s.kind === 'plateau') {
    const v = rec.validMetric ?? rec.trainLoss;
    const m = rec.validMetric === undefined ? 'min' : mode;
    const better = pos.plateauBest === null || (m === 'max' ? v > pos.plateauBest * (1 + Math.sign(pos.plateauBest) * s.threshold) : v < pos.plateauBest * (1 - Math.sign(pos.plateauBest) * s.threshold));
    if (Number.isFinite(v) && better) {
      pos.plateauBest = v;
      pos.plateauBad = 0;
    } else if (++pos.plateauBad > s.patience) {
      pos.lr = Math.max(pos.lr * s.factor, s.minLr);
      pos.plateauBad = 0;
    }
  }
}

/** The replica pool for a stage, when it can and should run data-parallel. */
async function stagePool(o: TrainOptions, stage: StagePlan, keys: string[]): Promise<ReplicaPool | undefined> {
  if (!o.workers || o.workers === 1 || stage.batch.kind !== 'samples' || stage.accumulate !== 1 || stage.lrSchedule.kind !== 'constant') return undefined;
  const f = o.program.functions[stage.objective.fn]!;
  if (f.nodes.some((n) => n.op === 'batch_norm' || n.op === 'memory_write')) return undefined;
  if (stage.objective.inputs.some((b) => !['features', 'label', 'field', 'target'].includes(b.source.kind))) return undefined;
  const x = stage.objective.inputs.find((b) => b.source.kind === 'features');
  const steps = x && x.type.kind === 'tensor' ? x.type.axes.slice(1, -1).reduce((p, a) => p * (typeof a.size === 'number' ? a.size : 1), 1) : 1;
  const workers = o.workers === 'auto' ? chooseWorkers(stage.batch.size * steps) : o.workers;
  if (workers < 2) return undefined;
  const module = new URL(import.meta.url.endsWith('.ts') ? '../parallel/ir-replica.ts' : '../parallel/ir-replica.js', import.meta.url);
  return createReplicaPool({
    module,
    workers,
    optimizer: toSpec(stage.optimizer, stage.optimizer.lr, stage.clip),
    backend: o.workerBackend ?? 'wasm',
    options: { program: o.program, fn: stage.objective.fn, keys, values: readParams(o.params), seed: o.seed },
  });
}

function saveCheckpoint(path: string, params: ParamStore, pos: Position, opt: OptimizerState | undefined, best: Float32Array | undefined, ring: Float32Array[], stage: number, epoch: number, memory?: MemoryStore): void {
  const arrays: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(readParams(params))) arrays[`param:${k}`] = v;
  if (opt) {
    arrays['opt:m'] = opt.m;
    arrays['opt:v'] = opt.v;
  }
  if (best) arrays['best'] = best;
  ring.forEach((r, i) => (arrays[`ring:${String(i).padStart(3, '0')}`] = r));
  if (memory) for (const [k, v] of Object.entries(memory.snapshot())) arrays[`memory:${k}`] = v;
  writeCheckpoint(path, { meta: { pos: { ...pos, stage, epoch }, optStep: opt?.step ?? 0 }, arrays });
}
