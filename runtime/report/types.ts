// The report's input contract: everything `report.html` shows, as plain JSON.
//
// A run (`quiver run`) fills this from the plan, the evaluation and the
// backtest; the report renders it and reads nothing else. Every field is
// JSON-serialisable (no Dates, no typed arrays, no NaN: a missing number is
// null), so a run can store it beside its results and re-render later.
//
// Series semantics follow Qlib (specs/qlib.md §5): `backtest.return` is the
// daily portfolio return gross of cost, `cost` the day's cost over the previous
// account value, `bench` the benchmark's daily return; IC and Rank IC are the
// per-day Pearson and Spearman correlations between prediction and raw label.

/** An inclusive date range, ISO dates (YYYY-MM-DD). Same shape as the plan's segments. */
export interface DateRange {
  start: string;
  end: string;
}

/**
 * Qlib's `risk_analysis` of one daily excess-return series (mode "sum",
 * N = 238): mean and std (ddof 1), annualized_return = mean·N,
 * information_ratio = mean/std·√N, max_drawdown = min(cumsum − cummax(cumsum)).
 * null where undefined (e.g. std of a constant series makes IR undefined).
 */
export interface Risk {
  mean: number | null;
  std: number | null;
  annualized_return: number | null;
  information_ratio: number | null;
  max_drawdown: number | null;
}

/** Daily account series of the test segment, one entry per trading day. */
export interface BacktestSeries {
  /** Trading days, ISO dates, strictly ascending. */
  day: string[];
  /** Portfolio return, gross of cost: (Δ value + cost) / previous value. */
  return: number[];
  /** Benchmark daily return. */
  bench: number[];
  /** Cost of the day's trades over the previous account value. */
  cost: number[];
  /** Traded value over account value. */
  turnover: number[];
  /** Number of stocks held at the close. */
  holdings: number[];
  /** Account value at the close (cash + positions). */
  value: number[];
  /** Risk of return − bench (withoutCost) and return − bench − cost (withCost). */
  risk: { withoutCost: Risk; withCost: Risk };
}

/** Per-day signal quality on the test segment. */
export interface SignalSeries {
  /** Test days, ISO dates, strictly ascending. */
  day: string[];
  /** Pearson IC per day; null when undefined (fewer than two stocks, constant prediction). */
  ic: (number | null)[];
  /** Spearman (rank) IC per day; null when undefined. */
  rankIc: (number | null)[];
}

/**
 * Series of the strategy's `evaluate [...]` clause, present when listed:
 * IC decay (the prediction of day t against the label of day t + h; h = 0 is
 * the label itself) and quantile returns (each score group's mean label per
 * day, summed over the test days; group 1 = best scores).
 */
export interface EvaluationSeries {
  icDecay?: { horizon: number; ic: number | null; rankIc: number | null }[];
  groups?: { day: string[]; cumulative: (number | null)[][] };
}

export interface TrainingEpoch {
  /** Epoch number within its stage (numbering may restart per stage). */
  epoch: number;
  /** Stage name, e.g. 'pretrain', 'finetune'; consecutive epochs of one stage form a span. */
  stage: string;
  trainLoss: number;
  validLoss?: number;
  /** The early-stopping metric on the valid segment (named by `TrainingLog.metricName`). */
  validMetric?: number;
  /** Wall-clock seconds of the epoch. */
  seconds: number;
}

export interface TrainingLog {
  /** Epochs in the order they ran, all stages together. */
  epochs: TrainingEpoch[];
  /** Name of `validMetric` for axis titles (default 'valid metric'). */
  metricName?: string;
}

export interface ReportData {
  /** Strategy name (file or declaration). */
  strategy: string;
  /** When the run was made, ISO timestamp. */
  createdAt: string;
  /** The compute backend that ran it, e.g. 'tfjs-node', 'wasm'. */
  backend: string;
  data: {
    /** Where the market data came from (a file, 'synthetic:demo', ...). */
    source: string;
    universe: string;
    /** Named segments, e.g. train / valid / test. */
    segments: Record<string, DateRange>;
  };
  /**
   * Scalar metrics by name. The summary table reads 'IC', 'ICIR', 'Rank IC'
   * and 'Rank ICIR' (Qlib's names) and computes any of them that is absent
   * from `signal`; every other entry is listed under "Other metrics".
   */
  metrics: Record<string, number | null>;
  signal: SignalSeries;
  backtest?: BacktestSeries;
  /** IC decay and quantile returns, when the strategy's evaluate clause lists them. */
  evaluation?: EvaluationSeries;
  training?: TrainingLog;
  /** The model's IR graph in Graphviz DOT. */
  graph?: { dot: string };
  /** The resolved plan, shown as pretty JSON in a collapsible section. */
  config: unknown;
  /** Free-text remarks shown at the end (warnings from the run, caveats). */
  notes?: string[];
}

/** Every plot the report can draw, by its `data-plot` attribute. */
export const REPORT_PLOTS = [
  'cumulative-return',
  'cumulative-excess',
  'drawdown',
  'ic',
  'turnover',
  'holdings',
  'ic-decay',
  'group-returns',
  'training',
  'graph',
] as const;

export type PlotName = (typeof REPORT_PLOTS)[number];
