// The report's Vega-Lite specs (runtime/report/charts.ts), in Node: the data
// each plot carries is the series it claims to show, and every spec compiles
// and renders to an SVG with marks and without a single vega warning.

import { beforeAll, describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import {
  CUMULATIVE_EXCESS_SERIES,
  CUMULATIVE_RETURN_SERIES,
  cumulativeExcessSpec,
  cumulativeReturnSpec,
  drawdownSpec,
  holdingsSpec,
  icSpec,
  specValues,
  trainingSpec,
  turnoverAxisCap,
  turnoverSpec,
} from '../../../runtime/report/charts.js';
import type { DayRow, IcRow, TrainingRow } from '../../../runtime/report/charts.js';
import { prefixSvgIds, renderSpec } from '../../../runtime/report/render.js';
import type { BacktestSeries, ReportData } from '../../../runtime/report/index.js';
import { syntheticReport } from './synthetic.js';

let data: ReportData;
let bt: BacktestSeries;

beforeAll(() => {
  data = syntheticReport({ days: 850 });
  bt = data.backtest!;
});

/** The values of one series of a long-format spec, in day order. */
function series(spec: TopLevelSpec, name: string): DayRow[] {
  return specValues<DayRow>(spec).filter((r) => r.series === name);
}

function expectClose(got: number[], want: number[]) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 12));
}

describe('backtest specs carry the right series', () => {
  it('cumulative excess with cost is cumsum(return − bench − cost), without cost cumsum(return − bench)', () => {
    const spec = cumulativeExcessSpec(bt);
    const withCost = series(spec, CUMULATIVE_EXCESS_SERIES[0]!);
    const withoutCost = series(spec, CUMULATIVE_EXCESS_SERIES[1]!);
    let a = 0;
    let b = 0;
    const wantWith: number[] = [];
    const wantWithout: number[] = [];
    for (let i = 0; i < bt.day.length; i++) {
      a += bt.return[i]! - bt.bench[i]! - bt.cost[i]!;
      b += bt.return[i]! - bt.bench[i]!;
      wantWith.push(a);
      wantWithout.push(b);
    }
    expect(withCost.map((r) => r.day)).toEqual(bt.day);
    expectClose(withCost.map((r) => r.value), wantWith);
    expectClose(withoutCost.map((r) => r.value), wantWithout);
    expect(specValues(spec)).toHaveLength(2 * bt.day.length);
  });

  it('cumulative return shows portfolio net and gross of cost and the benchmark', () => {
    const spec = cumulativeReturnSpec(bt);
    const [net, gross, bench] = CUMULATIVE_RETURN_SERIES.map((s) => series(spec, s).map((r) => r.value));
    const cum = (xs: number[]) => xs.map(((acc) => (x: number) => (acc += x))(0));
    expectClose(net!, cum(bt.return.map((r, i) => r - bt.cost[i]!)));
    expectClose(gross!, cum(bt.return));
    expectClose(bench!, cum(bt.bench));
  });

  it("the drawdown's minimum is the backtest's max drawdown with cost", () => {
    const values = specValues<DayRow>(drawdownSpec(bt)).map((r) => r.value);
    expect(values).toHaveLength(bt.day.length);
    expect(Math.max(...values)).toBeLessThanOrEqual(0);
    expect(Math.min(...values)).toBeCloseTo(bt.risk.withCost.max_drawdown!, 12);
  });

  it('turnover and holdings plot the daily values', () => {
    expectClose(series(turnoverSpec(bt), 'daily').map((r) => r.value), bt.turnover);
    expectClose(specValues<DayRow>(holdingsSpec(bt)).map((r) => r.value), bt.holdings);
  });

  it('the turnover axis is cut above the day-one buy, and the subtitle says so', () => {
    expect(bt.turnover[0]).toBe(1);
    const cap = turnoverAxisCap(bt.turnover)!;
    expect(cap.max).toBeLessThan(0.5);
    expect(cap.clipped).toBeGreaterThanOrEqual(1);
    const title = (turnoverSpec(bt) as { title: { subtitle: string } }).title;
    expect(title.subtitle).toContain(`${cap.clipped} day`);
    expect(turnoverAxisCap(bt.turnover.slice(1).map(() => 0.1))).toBeNull();
  });
});

describe('signal and training specs', () => {
  it('IC rows skip undefined days and carry the 20-day rolling mean', () => {
    const rows = specValues<IcRow>(icSpec(data.signal));
    const dailyIc = rows.filter((r) => r.metric === 'IC' && r.series === 'daily');
    const defined = data.signal.ic.filter((x) => x !== null).length;
    expect(defined).toBeLessThan(data.signal.ic.length);
    expect(dailyIc).toHaveLength(defined);
    const meanIc = rows.filter((r) => r.metric === 'IC' && r.series === '20-day mean');
    expect(meanIc[0]!.day).toBe(data.signal.day[19]);
    const window = data.signal.ic.slice(0, 20).filter((x): x is number => x !== null);
    expect(meanIc[0]!.value).toBeCloseTo(window.reduce((a, b) => a + b, 0) / window.length, 12);
    expect(rows.filter((r) => r.metric === 'Rank IC' && r.series === 'daily')).toHaveLength(
      data.signal.rankIc.filter((x) => x !== null).length,
    );
  });

  it('training rows number epochs across stages and mark each stage span', () => {
    const training = data.training!;
    const rows = specValues<TrainingRow>(trainingSpec(training));
    const train = rows.filter((r) => r.series === 'train loss');
    expect(train.map((r) => r.step)).toEqual(training.epochs.map((_, i) => i + 1));
    expect(train.map((r) => r.value)).toEqual(training.epochs.map((e) => e.trainLoss));
    expect(new Set(train.filter((r) => r.stage === 'pretrain').map((r) => r.span))).toEqual(new Set([0]));
    expect(new Set(train.filter((r) => r.stage === 'finetune').map((r) => r.span))).toEqual(new Set([1]));
    expect(rows.filter((r) => r.series === 'valid loss')).toHaveLength(15);
    expect(rows.filter((r) => r.series === 'valid IC')).toHaveLength(15);
    // The boundary rule sits between the last pretrain and the first finetune epoch.
    const json = JSON.stringify(trainingSpec(training));
    expect(json).toContain('{"at":10.5}');
  });

  it('a training log without validation has one panel and no boundary', () => {
    const spec = trainingSpec({ epochs: [1, 2, 3].map((e) => ({ epoch: e, stage: 'fit', trainLoss: 1 / e, seconds: 1 })) });
    expect((spec as { vconcat: unknown[] }).vconcat).toHaveLength(1);
    expect(JSON.stringify(spec)).not.toContain('"rule"');
  });
});

describe('every spec renders in Node', () => {
  const builders: [string, () => TopLevelSpec][] = [
    ['cumulative-excess', () => cumulativeExcessSpec(bt)],
    ['cumulative-return', () => cumulativeReturnSpec(bt)],
    ['drawdown', () => drawdownSpec(bt)],
    ['turnover', () => turnoverSpec(bt)],
    ['holdings', () => holdingsSpec(bt)],
    ['ic', () => icSpec(data.signal)],
    ['training', () => trainingSpec(data.training!)],
  ];

  it.each(builders)('%s: SVG with a title, axis titles and marks, no warnings', async (name, build) => {
    const spec = build();
    const { svg, warnings } = await renderSpec(spec, `t-${name}`);
    expect(warnings).toEqual([]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('role-title');
    expect(svg).toContain('role-axis-title');
    expect(svg.match(/<path /g)?.length ?? 0).toBeGreaterThan(2);
    // The longest path is a data mark drawn through (nearly) every point, not an axis.
    const longest = Math.max(...[...svg.matchAll(/ d="([^"]*)"/g)].map((m) => m[1]!.length));
    expect(longest).toBeGreaterThan(name === 'training' ? 100 : 5000);
  });

  it('renders the same bytes twice (ids are renumbered per plot)', async () => {
    const a = await renderSpec(drawdownSpec(bt), 'x');
    const b = await renderSpec(drawdownSpec(bt), 'x');
    expect(a.svg).toBe(b.svg);
  });

  it('prefixSvgIds renames ids and every reference to them', () => {
    const svg = '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"><use href="#clip7"/></g><g id="other"/></svg>';
    expect(prefixSvgIds(svg, 'p')).toBe(
      '<svg><clipPath id="p-1"><rect/></clipPath><g clip-path="url(#p-1)"><use href="#p-1"/></g><g id="p-2"/></svg>',
    );
  });

  it('refuses specs that would load data from outside', async () => {
    const spec = { data: { url: 'https://example.com/x.csv' }, mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } } } as TopLevelSpec;
    const { warnings } = await renderSpec(spec, 'ext');
    expect(warnings.join(' ')).toContain('refused to load');
  });
});
