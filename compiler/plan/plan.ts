// A strategy's plan: everything the runtime needs besides the IR — where the
// data comes from and how it is processed, what each entry function's inputs
// are bound to, the training stages, the metrics and the backtest.
//
// Plain JSON, produced by compiler/check/strategy.ts.

import type { Type } from '../ir/types.js';
import type { DatasetSpec } from './data.js';

export type DataSource =
  /**
   * The embedded synthetic market. `effects` overrides amplitudes (a number)
   * or parameters (a record, e.g. { shuffle: true }); `only` keeps just the
   * named effects on (docs/synthetic-market.md).
   */
  | { kind: 'demo'; preset: 'small' | 'csi300'; seed: number; effects: Record<string, number | Record<string, number | boolean>>; only?: string[] }
  | { kind: 'duckdb'; path: string };

export interface GraphPlan {
  name: string;
  kind: 'bipartite' | 'edges';
  sql: string;
  /** axis names of the tensor it becomes: [N, M] (bipartite) or [N, J] (edges) */
  axes: [string, string];
  weighted: boolean;
}

/** What an entry function's input is fed from. */
export type InputSource =
  | { kind: 'features'; set: string }
  | { kind: 'label' }
  | { kind: 'field'; name: string }
  /** a data block's `target` (losses only): Float[N], NaN where a row has none */
  | { kind: 'target'; name: string }
  | { kind: 'mask' }
  | { kind: 'graph'; graph: string; part: 'matrix' | 'live' }
  | { kind: 'memory'; memory: string; window: number }
  /** every day the memory holds (Float[Y, I, ...]: days × panel instruments, NaN where none), and which of them the batch's day may see (Bool[Y]) */
  | { kind: 'bank'; memory: string; part: 'values' | 'visible' }
  | { kind: 'step' }
  | { kind: 'epoch' }
  | { kind: 'pred' };

export interface InputBinding {
  name: string;
  type: Type;
  source: InputSource;
}

export interface EntryPlan {
  /** IR function name */
  fn: string;
  inputs: InputBinding[];
}

export type Optimizer =
  | { kind: 'adam'; lr: number; weightDecay: number; betas: [number, number]; eps: number }
  | { kind: 'adamw'; lr: number; weightDecay: number; betas: [number, number]; eps: number }
  | { kind: 'sgd'; lr: number; momentum: number; weightDecay: number };

export type Batching =
  | { kind: 'days'; shuffle: boolean }
  | { kind: 'samples'; size: number; shuffle: boolean; dropLast: boolean; replacement: boolean };

export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; every: number; gamma: number }
  | { kind: 'plateau'; factor: number; patience: number; threshold: number; minLr: number };

export interface StagePlan {
  name: string;
  /** entry function computing this stage's loss (scalar) */
  objective: EntryPlan;
  optimizer: Optimizer;
  /** re-create the optimizer state at the start of this stage */
  resetOptimizer: boolean;
  epochs: number;
  earlyStop?: { patience: number; metric: string; segment: string; mode: 'max' | 'min' };
  clip?: { kind: 'value' | 'norm'; value: number };
  batch: Batching;
  lrSchedule: LrSchedule;
  accumulate: number;
  averageLast: number;
  /** parameter path prefixes kept fixed in this stage */
  freeze: string[];
  init?: { checkpoint: string; prefix: string };
  /** hooks run at the start of each epoch */
  eachEpoch: { kind: 'refresh'; memory: string }[];
  maxStepsPerEpoch?: number;
}

export interface MetricSpec {
  name: string;
  args: Record<string, number | string | boolean>;
}

export interface BacktestPlan {
  strategy: 'topk_dropout';
  topk: number;
  nDrop: number;
  openCost: number;
  closeCost: number;
  minCost: number;
  limit: number;
  lot: number;
  deal: 'close';
  benchmark: string;
  riskDegree: number;
  holdThresh: number;
  account: number;
  segment: string;
}

export interface MemoryPlan {
  name: string;
  /** entries per key: the memory's value type */
  type: Type;
  per: 'sample' | 'day';
  /** trading days before a written value may be read (default: the label horizon) */
  lag: number;
  /**
   * 'always': every write is kept (training steps, refresh passes, online
   * writes while predicting); 'refresh': only the refresh passes' writes, so
   * reads see the snapshot the last refresh took (IGMTF's bank of
   * training-day encodings, fixed for an epoch). Absent: 'always'.
   */
  update?: 'always' | 'refresh';
}

export interface Plan {
  strategy: string;
  file: string;
  source: DataSource;
  data: DatasetSpec;
  /** label horizon in days (how far the label reads into the future) */
  labelHorizon: number;
  graphs: GraphPlan[];
  memories: MemoryPlan[];
  /** entry function producing predictions */
  predict: EntryPlan;
  /** which field of a record-valued model output is the prediction */
  predField?: string;
  stages: StagePlan[];
  evaluate: MetricSpec[];
  backtest?: BacktestPlan;
  seed: number;
}
