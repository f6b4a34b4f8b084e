// Bad backtest input ends in diagnostics (Q6401–Q6407), never in a stack
// trace: validateBacktest lists them, runBacktest throws them as one
// DiagnosticError; warnings ride along in the result.

import { describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { QLIB_CSI300_SETTINGS, resolveSettings, runBacktest, validateBacktest, type BacktestInput } from '../../../runtime/backtest/index.js';
import { panelOf } from './helpers.js';

const days = ['2024-01-02', '2024-01-03', '2024-01-04'];
const base = (): BacktestInput => ({
  panel: panelOf(days, ['A', 'B', 'IDX'], {
    close: [[10, 10.5, 11], [20, 19, 18], [100, 101, 102]],
    factor: [[1, 1, 1], [2, 2, 2], [1, 1, 1]],
  }),
  score: panelOf(days, ['A', 'B', 'IDX'], { s: [[1, 1, 1], [0, 0, 0], [NaN, NaN, NaN]] }).fields['s']!,
  benchmark: 'IDX',
  settings: { topk: 1, nDrop: 1, account: 1e5 },
});

function codesOf(input: BacktestInput): string[] {
  return validateBacktest(input).diagnostics.map((d) => d.code);
}

describe('backtest settings', () => {
  it('defaults are Qlib’s CSI300 configuration', () => {
    const { settings, diagnostics } = resolveSettings({});
    expect(diagnostics).toEqual([]);
    expect(settings).toEqual({ ...QLIB_CSI300_SETTINGS });
    expect(settings).toMatchObject({
      topk: 50, nDrop: 5, riskDegree: 0.95, openCost: 0.0005, closeCost: 0.0015, minCost: 5,
      limitThreshold: 0.095, tradeUnit: 100, account: 1e8, riskN: 238, forbidAllTradeAtLimit: true, onlyTradable: false,
    });
  });

  it('reports each bad value and unknown key (Q6401)', () => {
    const { diagnostics } = resolveSettings({ topk: 0, riskDegree: 1.5, start: '2024/01/02', bogus: 1, minCost: -1 } as never);
    expect(diagnostics.map((d) => d.key)).toEqual(Array(5).fill('backtestBadSetting'));
    expect(diagnostics.map((d) => d.code)).toEqual(Array(5).fill('Q6401'));
    expect(diagnostics.map((d) => d.message).join('\n')).toMatch(/bogus.*\n.*topk = 0/s);
  });

  it('n_drop = 0 is refused with the reason (Q6401)', () => {
    const d = resolveSettings({ nDrop: 0 }).diagnostics;
    expect(d.map((x) => x.code)).toEqual(['Q6401']);
    expect(d[0]!.hints.join(' ')).toMatch(/\[-0:\]/);
  });

  it('n_drop above topk (Q6402)', () => {
    const d = resolveSettings({ topk: 3, nDrop: 4 }).diagnostics;
    expect(d.map((x) => [x.key, x.code])).toEqual([['backtestNDropAboveTopk', 'Q6402']]);
  });

  it('a dollar-prefixed deal price is normalised', () => {
    expect(resolveSettings({ dealPrice: '$Close' }).settings.dealPrice).toBe('close');
  });
});

describe('backtest input problems', () => {
  it('raises each problem under its table key', () => {
    const b = base();
    const { close: _c, ...noClose } = b.panel.fields;
    const keys = (input: BacktestInput): string[] => validateBacktest(input).diagnostics.map((d) => `${d.key} ${d.code}`);
    expect(keys({ ...b, benchmark: 'NOPE' })).toEqual(['backtestBenchmarkMissing Q6403']);
    expect(keys({ ...b, panel: { ...b.panel, fields: noClose } })).toEqual(['backtestFieldMissing Q6404']);
    expect(keys({ ...b, score: new Float64Array(1) })).toEqual(['evalShapeMismatch Q6405']);
    expect(keys({ ...b, settings: { start: '2030-01-01' } })).toEqual(['backtestEmptyWindow Q6406']);
    const f = base();
    f.panel.fields['factor']![0] = NaN;
    expect(runBacktest(f).diagnostics.map((d) => `${d.key} ${d.code}`)).toEqual(['backtestLotRoundingOff Q6407']);
  });

  it('missing benchmark (Q6403)', () => {
    expect(codesOf({ ...base(), benchmark: 'SH000300' })).toEqual(['Q6403']);
    expect(codesOf({ ...base(), benchmark: undefined as never })).toEqual(['Q6403']);
  });

  it('missing fields (Q6404)', () => {
    const b = base();
    const { close: _c, ...rest } = b.panel.fields;
    expect(codesOf({ ...b, panel: { ...b.panel, fields: rest } })).toEqual(['Q6404']);
    expect(codesOf({ ...b, settings: { ...b.settings, dealPrice: 'open' } })).toEqual(['Q6404']);
    expect(codesOf({ ...b, settings: { ...b.settings, impactCost: 0.1 } })).toEqual(['Q6404']);
  });

  it('shape mismatches (Q6405)', () => {
    const b = base();
    expect(codesOf({ ...b, score: new Float64Array(5) })).toEqual(['Q6405']);
    expect(codesOf({ ...b, benchmark: { close: new Float64Array(2) } })).toEqual(['Q6405']);
  });

  it('an empty window (Q6406)', () => {
    const b = base();
    expect(codesOf({ ...b, settings: { ...b.settings, start: '2025-01-01' } })).toEqual(['Q6406']);
  });

  it('runBacktest throws every error as one DiagnosticError', () => {
    const b = base();
    let caught: unknown;
    try {
      runBacktest({ ...b, score: new Float64Array(1), benchmark: 'NOPE' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(DiagnosticError);
    expect((caught as DiagnosticError).diagnostics.map((d) => d.code).sort()).toEqual(['Q6403', 'Q6405']);
  });

  it('a missing factor on a tradable day turns lot rounding off, with a warning (Q6407)', () => {
    const b = base();
    b.panel.fields['factor']![1 * 3 + 2] = NaN; // B on the last day
    const r = runBacktest(b);
    expect(r.lotRounding).toBe(false);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['Q6407', 'warning']]);
    expect(r.diagnostics[0]!.message).toContain('B on 2024-01-04');
    // day 1 buys A (score of day 0): 1e5·0.95 / 10.5 = 9047.6… shares, unrounded
    expect(r.trades).toBeNull();
    expect(r.stockValue[1]).toBeCloseTo(95_000, 6);

    const { factor: _f, ...noFactor } = base().panel.fields;
    const r2 = runBacktest({ ...base(), panel: { ...base().panel, fields: noFactor } });
    expect(r2.lotRounding).toBe(false);
    expect(r2.diagnostics.map((d) => d.code)).toEqual(['Q6407']);
  });

  it('a missing factor on a suspended day or for the benchmark leaves lots on', () => {
    const b = base();
    b.panel.fields['close']![1 * 3 + 2] = NaN;
    b.panel.fields['factor']![1 * 3 + 2] = NaN;
    b.panel.fields['factor']![2 * 3 + 1] = NaN;
    const r = runBacktest(b);
    expect(r.lotRounding).toBe(true);
    expect(r.diagnostics).toEqual([]);
    expect(r.stockValue[1]).toBe(9000 * 10.5); // 9047.6 → 90 lots
  });
});
