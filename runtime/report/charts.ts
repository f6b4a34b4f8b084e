// The report's plots as Vega-Lite specs, one builder per plot.
//
// Each builder is pure: it takes part of the ReportData and returns a
// self-contained spec with its data inlined (`data.values`, long format: one
// row per day and series), a title, axis titles and a legend where several
// series share a plot. Days are ISO strings parsed as UTC, so axis labels do
// not depend on the machine's time zone. render.ts turns a spec into SVG.
//
// Assumes the input passed checkReportData (validate.ts): arrays of equal
// length, finite backtest numbers, ascending ISO days.

import type { TopLevelSpec } from 'vega-lite';
import { cumulativeCurves, drawdown, rollingMean, stageSpans } from './series.js';
import type { BacktestSeries, EvaluationSeries, SignalSeries, TrainingLog } from './types.js';

/** Plot width and height of a single panel, in pixels. */
export const PLOT_WIDTH = 760;
export const PLOT_HEIGHT = 240;

/** Window of the rolling means drawn over daily IC and turnover. */
export const ROLLING_WINDOW = 20;

/** A row of a daily, long-format series. */
export interface DayRow {
  day: string;
  series: string;
  value: number;
}

const UTC_DAY = "utc:'%Y-%m-%d'";

/** The layers of a layered spec and the panels of a vertical concatenation, as vega-lite types them. */
type Layers = Extract<TopLevelSpec, { layer: unknown }>['layer'];
type Panels = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'];

/**
 * A dashed horizontal rule at y = 0, drawn once per panel: the aggregate
 * leaves one row per `groupby` value (one row in an unfaceted plot) instead of
 * one rule per data row.
 */
function zeroRule(groupby: string[] = []): Layers[number] {
  return {
    transform: [{ aggregate: [{ op: 'count', as: 'rows' }], groupby }],
    mark: { type: 'rule', color: '#888', strokeDash: [3, 3] },
    encoding: { y: { datum: 0 } },
  };
}

function dayData(values: object[]) {
  return { values, format: { parse: { day: UTC_DAY } } };
}

const X_DAY = {
  field: 'day',
  type: 'temporal',
  title: 'trading day',
  scale: { type: 'utc' },
  axis: { format: '%Y-%m', labelOverlap: true },
} as const;

/** Fixed colours so a series means the same thing in every plot. */
function colorBy(domain: string[], range: string[], title: string | null) {
  return {
    field: 'series',
    type: 'nominal',
    title,
    sort: domain,
    scale: { domain, range },
    legend: { orient: 'top', direction: 'horizontal', labelLimit: 0, symbolType: 'stroke' },
  } as const;
}

function rowsOf(days: readonly string[], series: Record<string, readonly (number | null)[]>): DayRow[] {
  const rows: DayRow[] = [];
  for (const [name, values] of Object.entries(series)) {
    values.forEach((value, i) => {
      if (value !== null && Number.isFinite(value)) rows.push({ day: days[i]!, series: name, value });
    });
  }
  return rows;
}

function lineChart(
  title: string,
  subtitle: string | undefined,
  rows: DayRow[],
  yTitle: string,
  yFormat: string,
  colors: [string[], string[]],
  extra: { zeroRule?: boolean; strokeWidth?: number; yMax?: number } = {},
): TopLevelSpec {
  const yScale = extra.yMax === undefined ? {} : { scale: { domainMax: extra.yMax, zero: true } };
  const line = {
    mark: { type: 'line', strokeWidth: extra.strokeWidth ?? 1.4, interpolate: 'linear', clip: extra.yMax !== undefined },
    encoding: {
      x: X_DAY,
      y: { field: 'value', type: 'quantitative', title: yTitle, axis: { format: yFormat }, ...yScale },
      color: colorBy(colors[0], colors[1], null),
    },
  } as const;
  const layer: Layers = extra.zeroRule ? [zeroRule(), line] : [line];
  return {
    title: subtitle ? { text: title, subtitle } : title,
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    data: dayData(rows),
    layer,
  };
}

/** Series names of the cumulative-return plot, in legend order. */
export const CUMULATIVE_RETURN_SERIES = ['portfolio (with cost)', 'portfolio (without cost)', 'benchmark'];

/** Cumulative portfolio return (with and without cost) and cumulative benchmark return. */
export function cumulativeReturnSpec(bt: BacktestSeries): TopLevelSpec {
  const c = cumulativeCurves(bt);
  const rows = rowsOf(bt.day, {
    [CUMULATIVE_RETURN_SERIES[0]!]: c.portfolioWithCost,
    [CUMULATIVE_RETURN_SERIES[1]!]: c.portfolioWithoutCost,
    [CUMULATIVE_RETURN_SERIES[2]!]: c.bench,
  });
  return lineChart(
    'Cumulative return',
    'sum of daily returns; portfolio gross and net of trading cost',
    rows,
    'cumulative return',
    '.0%',
    [CUMULATIVE_RETURN_SERIES, ['#1f77b4', '#9ecae1', '#7f7f7f']],
    { zeroRule: true },
  );
}

export const CUMULATIVE_EXCESS_SERIES = ['excess (with cost)', 'excess (without cost)'];

/** Cumulative excess return over the benchmark, with and without cost. */
export function cumulativeExcessSpec(bt: BacktestSeries): TopLevelSpec {
  const c = cumulativeCurves(bt);
  const rows = rowsOf(bt.day, {
    [CUMULATIVE_EXCESS_SERIES[0]!]: c.excessWithCost,
    [CUMULATIVE_EXCESS_SERIES[1]!]: c.excessWithoutCost,
  });
  return lineChart(
    'Cumulative excess return vs benchmark',
    'cumsum(return − bench) and cumsum(return − bench − cost)',
    rows,
    'cumulative excess return',
    '.0%',
    [CUMULATIVE_EXCESS_SERIES, ['#d62728', '#ff9896']],
    { zeroRule: true },
  );
}

/** Drawdown of the cumulative excess return with cost (its minimum is max_drawdown with cost). */
export function drawdownSpec(bt: BacktestSeries): TopLevelSpec {
  const dd = drawdown(cumulativeCurves(bt).excessWithCost);
  const rows = rowsOf(bt.day, { 'drawdown (with cost)': dd });
  return {
    title: {
      text: 'Drawdown of cumulative excess return (with cost)',
      subtitle: 'cumulative excess − its running maximum',
    },
    width: PLOT_WIDTH,
    height: 180,
    data: dayData(rows),
    mark: { type: 'area', color: '#d62728', opacity: 0.55, line: { color: '#a50f15', strokeWidth: 1 } },
    encoding: {
      x: X_DAY,
      y: { field: 'value', type: 'quantitative', title: 'drawdown', axis: { format: '.0%' } },
    },
  };
}

/** Row of the IC plot: metric is the panel ('IC' or 'Rank IC'), series the line. */
export interface IcRow extends DayRow {
  metric: 'IC' | 'Rank IC';
}

export const IC_SERIES = ['daily', `${ROLLING_WINDOW}-day mean`];

/** Daily IC and Rank IC (one panel each) with their rolling means. */
export function icSpec(signal: SignalSeries): TopLevelSpec {
  const rows: IcRow[] = [];
  const add = (metric: IcRow['metric'], xs: readonly (number | null)[]) => {
    for (const r of rowsOf(signal.day, { [IC_SERIES[0]!]: xs, [IC_SERIES[1]!]: rollingMean(xs, ROLLING_WINDOW) })) {
      rows.push({ ...r, metric });
    }
  };
  add('IC', signal.ic);
  add('Rank IC', signal.rankIc);
  const icLine = (series: string, strokeWidth: number): Layers[number] => ({
    transform: [{ filter: { field: 'series', equal: series } }],
    mark: { type: 'line', interpolate: 'linear', strokeWidth },
    encoding: {
      x: X_DAY,
      y: { field: 'value', type: 'quantitative', title: 'correlation', axis: { format: '.2f' } },
      color: colorBy(IC_SERIES, ['#9ecae1', '#08519c'], null),
    },
  });
  return {
    title: {
      text: 'Daily IC and Rank IC',
      subtitle: `Pearson and Spearman correlation of prediction and label per day, with a ${ROLLING_WINDOW}-day rolling mean`,
    },
    data: dayData(rows),
    facet: {
      row: {
        field: 'metric',
        type: 'nominal',
        sort: ['IC', 'Rank IC'],
        title: null,
        header: { labelAngle: 0, labelOrient: 'top', labelAnchor: 'start', labelFontWeight: 'bold', labelFontSize: 12 },
      },
    },
    spec: {
      width: PLOT_WIDTH,
      height: 150,
      layer: [
        zeroRule(['metric']),
        icLine(IC_SERIES[0]!, 0.8),
        icLine(IC_SERIES[1]!, 2),
      ],
    },
    resolve: { scale: { y: 'shared' } },
  };
}

export const IC_DECAY_SERIES = ['IC', 'Rank IC'];

/** IC and Rank IC of the prediction against the label h days later, h = 0 … H (evaluate: ic_decay). */
export function icDecaySpec(points: NonNullable<EvaluationSeries['icDecay']>): TopLevelSpec {
  const rows: { horizon: number; series: string; value: number }[] = [];
  for (const p of points) {
    if (p.ic !== null && Number.isFinite(p.ic)) rows.push({ horizon: p.horizon, series: IC_DECAY_SERIES[0]!, value: p.ic });
    if (p.rankIc !== null && Number.isFinite(p.rankIc)) rows.push({ horizon: p.horizon, series: IC_DECAY_SERIES[1]!, value: p.rankIc });
  }
  return {
    title: { text: 'IC decay', subtitle: 'correlation of the prediction of day t with the label of day t + h (h = 0: the label itself)' },
    width: PLOT_WIDTH,
    height: 200,
    data: { values: rows },
    layer: [
      zeroRule(),
      {
        mark: { type: 'line', point: { size: 30 }, strokeWidth: 1.6 },
        encoding: {
          x: { field: 'horizon', type: 'quantitative', title: 'horizon h (trading days)', axis: { format: 'd', tickMinStep: 1 } },
          y: { field: 'value', type: 'quantitative', title: 'correlation', axis: { format: '.3f' } },
          color: colorBy(IC_DECAY_SERIES, ['#08519c', '#e6550d'], null),
        },
      },
    ],
  };
}

/** Cumulative mean label of each score group over the test days (evaluate: quantile_returns). */
export function groupReturnsSpec(groups: NonNullable<EvaluationSeries['groups']>): TopLevelSpec {
  const G = groups.cumulative.length;
  const names = groups.cumulative.map((_, k) => `group ${k + 1}${k === 0 ? ' (best)' : k === G - 1 ? ' (worst)' : ''}`);
  const series: Record<string, readonly (number | null)[]> = {};
  names.forEach((n, k) => (series[n] = groups.cumulative[k]!));
  const palette = ['#1a9850', '#91cf60', '#d9ef8b', '#fee08b', '#fc8d59', '#d73027', '#a50026', '#7f3b08', '#542788', '#2d004b'];
  const colors = G === 1 ? ['#1a9850'] : names.map((_, k) => palette[Math.round((k * (palette.length - 1)) / (G - 1))]!);
  return lineChart(
    'Quantile returns',
    `the test days' stocks in ${G} groups by score; each group's mean label, summed over the days`,
    rowsOf(groups.day, series),
    'cumulative mean label',
    '.1%',
    [names, colors],
    { zeroRule: true },
  );
}

export const TURNOVER_SERIES = ['daily', `${ROLLING_WINDOW}-day mean`];

/**
 * Top of the turnover axis: 1.25 × the 99th percentile, so that the day-one
 * buy (turnover near 100 %) does not flatten every other day. null when no
 * day would be cut off; otherwise `clipped` days lie above the axis.
 */
export function turnoverAxisCap(turnover: readonly number[]): { max: number; clipped: number } | null {
  if (turnover.length === 0) return null;
  const sorted = [...turnover].sort((a, b) => a - b);
  const max = 1.25 * sorted[Math.floor(0.99 * (sorted.length - 1))]!;
  const clipped = turnover.filter((x) => x > max).length;
  return max > 0 && clipped > 0 ? { max, clipped } : null;
}

/** Daily turnover with its rolling mean. */
export function turnoverSpec(bt: BacktestSeries): TopLevelSpec {
  const rows = rowsOf(bt.day, {
    [TURNOVER_SERIES[0]!]: bt.turnover,
    [TURNOVER_SERIES[1]!]: rollingMean(bt.turnover, ROLLING_WINDOW),
  });
  const cap = turnoverAxisCap(bt.turnover);
  const subtitle = cap
    ? `traded value over account value, per day; axis cut at ${(cap.max * 100).toFixed(0)}%: ${cap.clipped} day${cap.clipped === 1 ? '' : 's'} above it (e.g. the initial buy)`
    : 'traded value over account value, per day';
  return lineChart('Turnover', subtitle, rows, 'turnover', '.0%', [TURNOVER_SERIES, ['#c5b0d5', '#6a3d9a']], cap ? { yMax: cap.max } : {});
}

/** Number of stocks held at each close. */
export function holdingsSpec(bt: BacktestSeries): TopLevelSpec {
  const rows = rowsOf(bt.day, { holdings: bt.holdings });
  return {
    title: { text: 'Holdings', subtitle: 'number of stocks held at the close' },
    width: PLOT_WIDTH,
    height: 160,
    data: dayData(rows),
    mark: { type: 'line', interpolate: 'step-after', color: '#2ca02c', strokeWidth: 1.4 },
    encoding: {
      x: X_DAY,
      y: { field: 'value', type: 'quantitative', title: 'stocks held', scale: { zero: false }, axis: { format: 'd', tickMinStep: 1 } },
    },
  };
}

/** Row of the training plot: step is the epoch's 1-based position across all stages. */
export interface TrainingRow {
  step: number;
  /** Index of the row's stage span (stageSpans), so lines break between stages. */
  span: number;
  epoch: number;
  stage: string;
  series: string;
  value: number;
}

export const LOSS_SERIES = ['train loss', 'valid loss'];

/**
 * Training curves: train and valid loss per epoch (top panel), the valid
 * metric (bottom panel, when logged), stage boundaries as dashed rules with
 * the stage's name at its first epoch. Lines break between stages (a new
 * stage may optimise another objective).
 */
export function trainingSpec(training: TrainingLog): TopLevelSpec {
  const metricName = training.metricName ?? 'valid metric';
  const spans = stageSpans(training.epochs);
  const spanOf = spans.flatMap((s, k) => new Array<number>(s.last - s.first + 1).fill(k));
  const rows: TrainingRow[] = [];
  training.epochs.forEach((e, i) => {
    const base = { step: i + 1, span: spanOf[i]!, epoch: e.epoch, stage: e.stage };
    rows.push({ ...base, series: LOSS_SERIES[0]!, value: e.trainLoss });
    if (e.validLoss !== undefined && Number.isFinite(e.validLoss)) rows.push({ ...base, series: LOSS_SERIES[1]!, value: e.validLoss });
    if (e.validMetric !== undefined && Number.isFinite(e.validMetric)) rows.push({ ...base, series: metricName, value: e.validMetric });
  });
  const n = training.epochs.length;
  const x = {
    field: 'step',
    type: 'quantitative' as const,
    title: 'epoch (counted across stages)',
    scale: { domain: [0.5, n + 0.5], nice: false, zero: false },
    axis: { format: 'd', tickMinStep: 1 },
  };
  const stageLayers: Layers = [];
  if (spans.length > 1) {
    stageLayers.push({
      data: { values: spans.slice(1).map((s) => ({ at: s.first - 0.5 })) },
      mark: { type: 'rule', color: '#555', strokeDash: [4, 3] },
      encoding: { x: { field: 'at', type: 'quantitative' } },
    });
  }
  stageLayers.push({
    data: { values: spans.map((s) => ({ at: s.first - 0.5, stage: s.stage })) },
    mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, dy: 2, fontSize: 10, color: '#555' },
    encoding: { x: { field: 'at', type: 'quantitative' }, y: { value: 0 }, text: { field: 'stage', type: 'nominal' } },
  });
  const panel = (series: string[], colors: string[], yTitle: string, height: number): Panels[number] => ({
    width: PLOT_WIDTH,
    height,
    layer: [
      ...stageLayers,
      {
        transform: [{ filter: { field: 'series', oneOf: series } }],
        mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
        encoding: {
          x,
          y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
          detail: { field: 'span', type: 'nominal' },
          color: {
            field: 'series',
            type: 'nominal',
            title: null,
            sort: series,
            scale: { domain: series, range: colors },
            legend: { orient: 'top', direction: 'horizontal', labelLimit: 0 },
          },
        },
      },
    ],
  });
  const hasValidLoss = rows.some((r) => r.series === LOSS_SERIES[1]);
  const hasMetric = rows.some((r) => r.series === metricName);
  const lossSeries = hasValidLoss ? LOSS_SERIES : [LOSS_SERIES[0]!];
  const panels: Panels = [panel(lossSeries, ['#1f77b4', '#ff7f0e'].slice(0, lossSeries.length), 'loss', 200)];
  if (hasMetric) panels.push(panel([metricName], ['#2ca02c'], metricName, 140));
  return {
    title: {
      text: 'Training curves',
      subtitle: spans.length > 1 ? `stages: ${spans.map((s) => s.stage).join(' → ')}` : `stage: ${spans[0]?.stage ?? ''}`,
    },
    data: { values: rows },
    vconcat: panels,
    resolve: { scale: { color: 'independent' } },
  };
}

/** The inline rows of a spec built here (tests read them). */
export function specValues<Row>(spec: TopLevelSpec): Row[] {
  const data = (spec as { data?: { values?: unknown } }).data;
  if (!data || !Array.isArray(data.values)) throw new Error('spec has no inline data');
  return data.values as Row[];
}
