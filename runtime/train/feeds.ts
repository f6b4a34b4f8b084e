// Feeds: turn the dataset's cross-sections and sample batches into the input
// tensors an entry function's bindings ask for (features, label, mask, extra
// fields, targets, graph matrices, step/epoch). This is the only place where data
// becomes tensors.
//
// Assumes: tensors are created inside the trainer's tf.tidy / tape.
// Guarantees: shapes follow the binding's type (axis order = tensor layout);
// the row count is the batch's (stocks of a day, or samples).

import * as tf from '@tensorflow/tfjs';
import { diag } from '../../compiler/diagnostics/codes.js';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { TensorType } from '../../compiler/ir/types.js';
import type { InputBinding, StagePlan } from '../../compiler/plan/plan.js';
import type { Batch, CrossSection, Dataset } from '../data/dataset/dataset.js';
import type { Feed, TrainData } from './loop.js';
import type { Bank, MemoryStore, RowKeys } from './memory.js';

/** Per-day graph tensors for a day's stocks: name → [N, M] matrix and [M] live mask. */
export type GraphFeed = (graph: string, part: 'matrix' | 'live', instruments: string[]) => Float32Array;

interface Rows {
  rows: number;
  features: Record<string, Float32Array>;
  fields: Record<string, Float32Array>;
  label: Float32Array;
  targets: Record<string, Float32Array>;
  mask?: Uint8Array;
  instruments?: string[];
  /** daily batches: the panel day index */
  day?: number;
  keys: () => RowKeys;
}

function shapeOf(t: TensorType, rows: number, what: string): number[] {
  return t.axes.map((a, i) => {
    if (i === 0) return rows;
    if (typeof a.size !== 'number') throw new DiagnosticError(diag('internalError', { what: `input ${what} has a symbolic axis ${a.name} after the first` }));
    return a.size;
  });
}

/**
 * Memory banks as tensors, uploaded once per memory version (a bank changes
 * only when its memory does: once per refresh) and kept out of the step's
 * tidy until the memory changes or the feeds are released.
 */
interface BankCache {
  get(memory: MemoryStore, name: string, type: TensorType): { bank: Bank; tensor: tf.Tensor };
  release(): void;
}

function bankCache(): BankCache {
  const held = new Map<string, { version: number; bank: Bank; tensor: tf.Tensor }>();
  return {
    get(memory, name, type) {
      const version = memory.version(name);
      const h = held.get(name);
      if (h && h.version === version) return h;
      h?.tensor.dispose();
      const bank = memory.bank(name);
      const width = type.axes.slice(2).map((a) => (typeof a.size === 'number' ? a.size : 1));
      const tensor = tf.keep(tf.tensor(bank.values, [bank.days.length, bank.instruments, ...width], 'float32'));
      const entry = { version, bank, tensor };
      held.set(name, entry);
      return entry;
    },
    release() {
      for (const h of held.values()) h.tensor.dispose();
      held.clear();
    },
  };
}

function tensorsFor(r: Rows, bindings: InputBinding[], extra: { step: number; epoch: number; graph?: GraphFeed; memory?: MemoryStore; banks?: BankCache }): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const b of bindings) {
    const t = b.type as TensorType;
    const s = b.source;
    switch (s.kind) {
      case 'features': {
        const data = r.features[s.set];
        if (!data) throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the model' }));
        out[b.name] = tf.tensor(data, shapeOf(t, r.rows, b.name), 'float32');
        break;
      }
      case 'label':
        out[b.name] = tf.tensor1d(r.label, 'float32');
        break;
      case 'mask':
        out[b.name] = tf.tensor1d(r.mask ?? new Uint8Array(r.rows).fill(1), 'bool');
        break;
      case 'field': {
        const data = r.fields[s.name];
        if (!data) throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the model' }));
        out[b.name] = tf.tensor1d(data, 'float32');
        break;
      }
      case 'target': {
        const data = r.targets[s.name];
        if (!data) throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the loss (the dataset has no such target)' }));
        out[b.name] = tf.tensor1d(data, 'float32');
        break;
      }
      case 'graph': {
        if (!extra.graph || !r.instruments) throw new DiagnosticError(diag('graphUsage', { problem: `graph ${s.graph} needs daily batches (batch: days)` }));
        const data = extra.graph(s.graph, s.part, r.instruments);
        if (s.part === 'live') out[b.name] = tf.tensor1d(Uint8Array.from(data, (v) => (v ? 1 : 0)), 'bool');
        else out[b.name] = tf.tensor2d(data, [r.rows, data.length / Math.max(1, r.rows)], 'float32');
        break;
      }
      case 'memory': {
        if (!extra.memory) throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the model (no memory store)' }));
        out[b.name] = tf.tensor(extra.memory.history(s.memory, s.window, r.keys()), shapeOf(t, r.rows, b.name), 'float32');
        break;
      }
      case 'bank': {
        if (!extra.memory || !extra.banks) throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the model (no memory store)' }));
        // the compiler allows bank reads only in daily batches (one day per batch)
        if (r.day === undefined) throw new DiagnosticError(diag('internalError', { what: `bank input ${b.name} in a batch of samples` }));
        const { bank, tensor } = extra.banks.get(extra.memory, s.memory, t);
        out[b.name] = s.part === 'values' ? tensor : tf.tensor1d(extra.memory.visible(s.memory, bank, r.day), 'bool');
        break;
      }
      case 'step':
        out[b.name] = tf.scalar(extra.step, 'float32');
        break;
      case 'epoch':
        out[b.name] = tf.scalar(extra.epoch, 'float32');
        break;
      default:
        throw new DiagnosticError(diag('missingInput', { name: b.name, fn: 'the model' }));
    }
  }
  return out;
}

interface Extra {
  step: () => number;
  epoch: number;
  graph?: GraphFeed;
  memory?: MemoryStore;
  banks: BankCache;
  instIndex: Map<string, number>;
}

function dayFeed(cs: CrossSection, extra: Extra): Feed {
  let keys: RowKeys | undefined;
  const getKeys = (): RowKeys =>
    (keys ??= { inst: Int32Array.from(cs.instruments, (s) => extra.instIndex.get(s) ?? 0), day: new Int32Array(cs.instruments.length).fill(cs.dayIndex) });
  const rows: Rows = { rows: cs.instruments.length, features: cs.features, fields: cs.fields, label: cs.label, targets: cs.targets, mask: cs.mask, instruments: cs.instruments, day: cs.dayIndex, keys: getKeys };
  const feedExtra = () => ({ step: extra.step(), epoch: extra.epoch, banks: extra.banks, ...(extra.graph ? { graph: extra.graph } : {}), ...(extra.memory ? { memory: extra.memory } : {}) });
  return {
    rows: cs.instruments.length,
    day: cs.day,
    instruments: cs.instruments,
    rawLabel: cs.rawLabel,
    keys: getKeys,
    tensors: (bindings) => tensorsFor(rows, bindings, feedExtra()),
    learnTensors: (bindings) => tensorsFor({ ...rows, label: cs.learnLabel ?? cs.label, targets: cs.learnTargets ?? cs.targets }, bindings, feedExtra()),
  };
}

/** Plain arrays of a sample batch for the replica pool (features, label, fields and targets only). */
function batchArrays(b: Batch, bindings: InputBinding[]): Record<string, { data: Float32Array; shape: number[] }> | undefined {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const bd of bindings) {
    const s = bd.source;
    const t = bd.type as TensorType;
    if (s.kind === 'features' && b.features[s.set]) out[bd.name] = { data: b.features[s.set]!, shape: shapeOf(t, b.size, bd.name) };
    else if (s.kind === 'label') out[bd.name] = { data: b.label, shape: [b.size] };
    else if (s.kind === 'field' && b.fields[s.name]) out[bd.name] = { data: b.fields[s.name]!, shape: [b.size] };
    else if (s.kind === 'target' && b.targets[s.name]) out[bd.name] = { data: b.targets[s.name]!, shape: [b.size] };
    else return undefined;
  }
  return out;
}

function batchFeed(b: Batch, extra: Extra): Feed {
  const keys = (): RowKeys => ({ inst: b.instrumentIndex, day: b.dayIndex });
  const rows: Rows = { rows: b.size, features: b.features, fields: b.fields, label: b.label, targets: b.targets, keys };
  return {
    rows: b.size,
    keys,
    arrays: (bindings) => batchArrays(b, bindings),
    tensors: (bindings) => tensorsFor(rows, bindings, { step: extra.step(), epoch: extra.epoch, ...(extra.memory ? { memory: extra.memory } : {}) }),
  };
}

/**
 * The trainer's view of a dataset. `graph` supplies per-day graph tensors when
 * the plan uses graphs; `memory` holds the plan's memories; `instruments` is
 * the panel's instrument order (memory rows are keyed by panel indices).
 */
export function datasetFeeds(ds: Dataset, opts: { graph?: GraphFeed; memory?: MemoryStore; instruments?: string[] } = {}): TrainData {
  const instIndex = new Map((opts.instruments ?? []).map((s, i) => [s, i]));
  const banks = bankCache();
  const count = (stage: StagePlan): number => {
    if (stage.batch.kind === 'days') return ds.days('train').length;
    const n = ds.sampleCount('train');
    return stage.batch.dropLast ? Math.floor(n / stage.batch.size) : Math.ceil(n / stage.batch.size);
  };
  return {
    ...(opts.memory ? { memory: opts.memory } : {}),
    release: () => banks.release(),
    trainBatchCount: count,
    *trainBatches(stage, epoch, seed) {
      // The step is derived from the position, so a resumed run sees the same schedule values.
      let i = 0;
      const base = epoch * count(stage);
      const extra: Extra = { step: () => base + i++, epoch, instIndex, banks, ...(opts.graph ? { graph: opts.graph } : {}), ...(opts.memory ? { memory: opts.memory } : {}) };
      if (stage.batch.kind === 'days') {
        for (const cs of ds.iterDays('train', { shuffle: stage.batch.shuffle, seed })) yield dayFeed(cs, extra);
      } else {
        const b = stage.batch;
        for (const batch of ds.batches('train', { batchSize: b.size, shuffle: b.shuffle, replacement: b.replacement, dropLast: b.dropLast, seed })) yield batchFeed(batch, extra);
      }
    },
    *dayBatches(segment) {
      const extra: Extra = { step: () => 0, epoch: 0, instIndex, banks, ...(opts.graph ? { graph: opts.graph } : {}), ...(opts.memory ? { memory: opts.memory } : {}) };
      for (const cs of ds.iterDays(segment)) yield dayFeed(cs, extra);
    },
  };
}
