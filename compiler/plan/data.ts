// The data part of a plan: what the compiler hands the runtime's data layer.
//
// Plain JSON. The compiler builds these from `features`, `data` and `graph`
// declarations; runtime/data/ evaluates them. Nothing here depends on how the
// runtime computes (DuckDB windows, typed-array kernels, workers).

/**
 * A Qlib-style feature expression. Operators keep Qlib's names and argument
 * order (`Ref`, `Mean`, `Corr`, `Greater`, ...); infix operators use
 * `Add Sub Mul Div Power Gt Ge Lt Le Eq Ne And Or`, prefix ones `Neg Not`.
 * Window lengths and quantiles are `const` arguments. Cross-sectional
 * operators are `cs_rank`, `cs_zscore`, `cs_demean`, `cs_mean` (the optional
 * group of the last two is a `field` argument, e.g. `{ kind: 'field', name:
 * 'industry' }`).
 */
export type FeatureExpr =
  | { kind: 'field'; name: string }
  | { kind: 'const'; value: number }
  | { kind: 'call'; fn: string; args: FeatureExpr[] };

/** A flat feature set: one output column per entry, in order (Alpha158: 158 columns). */
export interface FlatFeatureSet {
  kind: 'flat';
  name: string;
  columns: { name: string; expr: FeatureExpr }[];
}

/**
 * A window feature set (Alpha360): for day t and lag l in T-1..0, column f is
 * series_f(t - l) / scale_f(t) (or series_f(t - l) when scale is absent).
 * Output `Float[N, T, F]` with time ascending (lag T-1 first). The flat names
 * (Qlib's) are `${name}${l}` in the order: field-major, lag descending.
 */
export interface WindowFeatureSet {
  kind: 'window';
  name: string;
  size: number;
  /** the time axis's name in model types (default 'T') */
  axis?: string;
  columns: { name: string; series: FeatureExpr; scale?: FeatureExpr }[];
}

export type FeatureSet = FlatFeatureSet | WindowFeatureSet;

/** A Qlib processor, with Qlib's semantics (specs/qlib.md §3.5). */
export type Processor =
  | { kind: 'robust_zscore'; clip?: number; fitStart: string; fitEnd: string }
  | { kind: 'zscore'; fitStart: string; fitEnd: string }
  | { kind: 'minmax'; fitStart: string; fitEnd: string }
  | { kind: 'fillna'; value: number }
  | { kind: 'dropna_label' }
  | { kind: 'dropna' }
  | { kind: 'cs_rank' }
  | { kind: 'cs_zscore'; robust?: boolean }
  | { kind: 'csz_fillna' }
  | { kind: 'process_inf' }
  | { kind: 'drop_col'; columns: string[] }
  | { kind: 'filter_col'; columns: string[] }
  | { kind: 'tanh' }
  /**
   * Class index 0..q-1 from the q-quantiles of the fit window's finite values
   * (pandas' linear interpolation; a value equal to an edge falls in the lower
   * class, as pd.cut's right-closed bins). Where every day's values are
   * constant across its stocks (a daily aggregate such as cs_mean), each day
   * counts once (Qlib ADD's quantiles of the daily means); otherwise each
   * sample counts once. NaN stays NaN.
   */
  | { kind: 'qcut'; q: number; fitStart: string; fitEnd: string };

export interface DateRange {
  start: string;
  end: string;
}

/**
 * An extra per-stock daily target (`target mkt = ...`): like the label it may
 * read the future and its processors run as the label's do (fitted on their
 * fit window; the processed values on the learn segments, the raw ones
 * elsewhere); only losses read it.
 */
export interface TargetSpec {
  expr: FeatureExpr;
  process: Processor[];
}

export interface DatasetSpec {
  /** Feature sets bound to names (`x` for the main one). */
  features: Record<string, FeatureSet>;
  /** The label expression (may read the future). */
  label: FeatureExpr;
  /** Extra per-stock daily inputs (`field cap = $cap / 1e9`). */
  fields: Record<string, FeatureExpr>;
  /** Extra training targets for losses (`target mkt = ...`, `process mkt: [...]`); absent = none. */
  targets?: Record<string, TargetSpec>;
  /** Universe name in the `universe` table (e.g. 'csi300'); absent = every stock with data. */
  universe?: string;
  /** Processors for features ("infer": applied to every segment) and for labels ("learn": train/valid only). */
  process: { features: Processor[]; label: Processor[] };
  segments: Record<string, DateRange>;
}
