// Dataset targets (`target mkt = ...`, `process mkt: [...]`) and the qcut
// processor: the market state of Qlib's ADD (the daily mean of the raw label,
// binned by the train segment's 1/3 and 2/3 quantiles of those daily means)
// against a plain reference; qcut over per-sample values; fitting that never
// reads past the fit window; learn/infer segments; batches; diagnostics.

import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DatasetSpec, FeatureExpr, FlatFeatureSet, Processor } from '../../../../compiler/plan/data.js';
import { buildDataset } from '../../../../runtime/data/dataset/dataset.js';
import { quantileEdges } from '../../../../runtime/data/dataset/fit.js';
import { qcutClass } from '../../../../runtime/data/dataset/processors.js';
import { evaluateExprsSync } from '../../../../runtime/data/expr/evaluate.js';
import { parseQlibExpr } from '../../../../runtime/data/expr/parse.js';
import { shutdownExprWorkers } from '../../../../runtime/data/expr/parallel.js';
import { DiagnosticError } from '../../../../compiler/diagnostics/diagnostic.js';
import type { Panel } from '../../../../runtime/data/panel.js';

afterAll(async () => {
  await shutdownExprWorkers();
});

const q = (t: string): FeatureExpr => parseQlibExpr(t);
const LABEL = 'Ref($close, -2)/Ref($close, -1) - 1';

function market(nI: number, nD: number, seed: number): Panel {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const fields: Record<string, Float64Array> = { open: new Float64Array(nI * nD).fill(NaN), close: new Float64Array(nI * nD).fill(NaN) };
  for (let i = 0; i < nI; i++) {
    let p = 10 + 10 * r();
    for (let t = Math.floor(r() * 4); t < nD; t++) {
      if (r() < 0.08) continue;
      const k = i * nD + t;
      fields.open![k] = p;
      p *= 1 + 0.08 * (r() - 0.5);
      fields.close![k] = p;
    }
  }
  const days = Array.from({ length: nD }, (_, t) => new Date(Date.UTC(2016, 0, 4 + t)).toISOString().slice(0, 10));
  return { days, instruments: Array.from({ length: nI }, (_, i) => `SZ${300001 + i}`), fields };
}

const FLAT: FlatFeatureSet = { kind: 'flat', name: 'f', columns: [{ name: 'RET', expr: q('$close/$open - 1') }] };

function spec(days: string[], targets: DatasetSpec['targets'], trainEnd = Math.floor(days.length * 0.5)): DatasetSpec {
  const n = days.length;
  return {
    features: { x: FLAT },
    label: q(LABEL),
    fields: {},
    targets,
    process: { features: [], label: [{ kind: 'dropna_label' }, { kind: 'cs_rank' }] },
    segments: {
      train: { start: days[0]!, end: days[trainEnd]! },
      valid: { start: days[trainEnd + 1]!, end: days[Math.floor(n * 0.7)]! },
      test: { start: days[Math.floor(n * 0.7) + 1]!, end: days[n - 1]! },
    },
  };
}

const qcut3 = (days: string[], end: number): Processor => ({ kind: 'qcut', q: 3, fitStart: days[0]!, fitEnd: days[end]! });

const close = (a: number, b: number, rel = 1e-6): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));

/** pandas' Series.quantile (linear interpolation), the slow way. */
function pandasQuantile(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
}

/** pd.cut(v, [-inf, e1, e2, inf], labels=False): right-closed bins. */
function pdCut(v: number, edges: number[]): number {
  if (Number.isNaN(v)) return NaN;
  for (let k = 0; k < edges.length; k++) if (v <= edges[k]!) return k;
  return edges.length;
}

describe('qcut building blocks', () => {
  it('quantileEdges is pandas quantile at k/q; qcutClass is pd.cut with right-closed bins', () => {
    expect(Array.from(quantileEdges(Float64Array.of(4, 1, 3, 2), 3))).toEqual([2, 3]);
    expect(Array.from(quantileEdges(Float64Array.of(1, 2, 3, 4, 5), 4))).toEqual([2, 3, 4]);
    expect(Array.from(quantileEdges(new Float64Array(0), 3)).every(Number.isNaN)).toBe(true);
    fc.assert(
      fc.property(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 2, max: 6 }), (v, k) => {
        const e = quantileEdges(Float64Array.from(v), k);
        const want = Array.from({ length: k - 1 }, (_, j) => pandasQuantile(v, (j + 1) / k));
        want.forEach((w, j) => expect(close(e[j]!, w, 1e-12)).toBe(true));
        for (const x of [...v, NaN]) expect(qcutClass(x, e, 0, k - 1)).toEqual(pdCut(x, Array.from(e)));
      }),
    );
    const e = Float64Array.of(0.1, 0.2);
    expect([0.1, 0.1000001, 0.2, 0.3, -Infinity, Infinity].map((x) => qcutClass(x, e, 0, 2))).toEqual([0, 1, 1, 2, 0, 2]);
    expect(qcutClass(1, Float64Array.of(NaN, NaN), 0, 2)).toBeNaN();
  });
});

describe('the market state: cs_mean of the raw label, qcut(3) on the train days', () => {
  it('matches the reference: per-day means, edges from one value per train day, classes constant within a day', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 4, max: 9 }), async (seed, nI) => {
        const panel = market(nI, 60, seed);
        const days = panel.days;
        const trainEnd = 30;
        const s = spec(days, { mkt: { expr: q(`cs_mean(${LABEL})`), process: [qcut3(days, trainEnd)] } }, trainEnd);
        const ds = await buildDataset(panel, s, { threads: 1 });
        // The same target unprocessed: the engine's daily means, which qcut must have cut.
        const plain = await buildDataset(panel, spec(days, { mkt: { expr: s.targets!['mkt']!.expr, process: [] } }, trainEnd), { threads: 1, learnSegments: [] });

        // Reference: the raw label per (instrument, day), its daily mean over the day's rows with a value.
        const nD = days.length;
        const raw = evaluateExprsSync(panel, [{ name: 'y', expr: q(LABEL) }]).columns[0]!;
        const dailyMean = (t: number, instruments: string[]): number => {
          const v = instruments.map((id) => raw[panel.instruments.indexOf(id) * nD + t]!).filter((x) => !Number.isNaN(x));
          return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
        };
        // The engine's daily value of a segment's day k (every row of the day holds it: check).
        const engineMean = (seg: string, k: number): number => {
          const cs = plain.crossSection(seg, k);
          const v = cs.targets['mkt']!;
          for (const x of v) expect(Object.is(x, v[0])).toBe(true);
          expect(close(v[0] ?? NaN, dailyMean(cs.dayIndex, cs.instruments)), `${seg} ${cs.day}: ${v[0]} vs ${dailyMean(cs.dayIndex, cs.instruments)}`).toBe(true);
          return v[0] ?? NaN;
        };
        // Edges: pandas quantiles of one value per train day (days weighted equally, whatever their stock count).
        const trainMeans = ds.days('train').map((_, k) => engineMean('train', k)).filter((m) => !Number.isNaN(m));
        const edges = [pandasQuantile(trainMeans, 1 / 3), pandasQuantile(trainMeans, 2 / 3)];
        const fitted = ds.targetsFitted['mkt']![0]!.edges!;
        edges.forEach((e, j) => expect(close(fitted[j]!, e, 1e-12), `edge ${j}: ${fitted[j]} vs ${e}`).toBe(true));

        const counts = [0, 0, 0];
        for (const seg of ds.segments) {
          ds.days(seg).forEach((_, k) => {
            const cs = ds.crossSection(seg, k);
            const m = engineMean(seg, k);
            const got = cs.targets['mkt']!;
            expect(got).toHaveLength(cs.instruments.length);
            for (let r = 0; r < got.length; r++) {
              if (!cs.mask[r]) {
                expect(got[r]).toBeNaN();
                continue;
              }
              // Outside the learn segments a target is raw, as the label is.
              const want = seg === 'test' ? m : pdCut(m, Array.from(fitted));
              expect(got[r], `${seg} ${cs.day} row ${r}: mean ${m}`).toBe(want);
              if (seg === 'train') counts[got[r]!]!++;
            }
          });
        }
        // Days weighted equally: about a third of the train days per class (rows vary by day, so count days).
        const trainDays = ds.days('train').map((_, k) => ds.crossSection('train', k).targets['mkt']!.find((v) => !Number.isNaN(v)));
        const perClass = [0, 1, 2].map((c) => trainDays.filter((v) => v === c).length);
        const valued = perClass.reduce((a, b) => a + b, 0);
        for (const c of perClass) expect(Math.abs(c - valued / 3)).toBeLessThanOrEqual(1.5);
        expect(counts.every((c) => c > 0)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it('a per-sample target is cut by the quantiles of every train sample; batches carry the same values', async () => {
    const panel = market(8, 60, 17);
    const days = panel.days;
    const s = spec(days, { ret: { expr: q('$close/$open - 1'), process: [qcut3(days, 30)] } }, 30);
    const ds = await buildDataset(panel, s, { threads: 1 });
    // Every train row counts once (the values are not constant within a day).
    const fitted = Array.from(ds.targetsFitted['ret']![0]!.edges!);
    const all: number[] = [];
    const raw = evaluateExprsSync(panel, [{ name: 'r', expr: q('$close/$open - 1') }]).columns[0]!;
    ds.days('train').forEach((_, k) => {
      const cs = ds.crossSection('train', k);
      for (const id of cs.instruments) {
        const v = Math.fround(raw[panel.instruments.indexOf(id) * days.length + cs.dayIndex]!);
        if (!Number.isNaN(v)) all.push(v);
      }
    });
    fitted.forEach((e, j) => expect(close(e, pandasQuantile(all, (j + 1) / 3), 1e-9)).toBe(true));
    const classes = [0, 0, 0];
    ds.days('train').forEach((_, k) => {
      const cs = ds.crossSection('train', k);
      cs.targets['ret']!.forEach((v) => Number.isNaN(v) || classes[v]!++);
    });
    const n = classes.reduce((a, b) => a + b, 0);
    for (const c of classes) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.05);
    // Sample batches: the same value as the day's cross-section for each (day, instrument).
    const byKey = new Map<string, number>();
    ds.days('train').forEach((_, k) => {
      const cs = ds.crossSection('train', k);
      cs.instruments.forEach((id, r) => byKey.set(`${cs.dayIndex}:${panel.instruments.indexOf(id)}`, cs.targets['ret']![r]!));
    });
    let seen = 0;
    for (const b of ds.batches('train', { batchSize: 50, seed: 3 })) {
      expect(b.targets['ret']).toHaveLength(b.size);
      for (let j = 0; j < b.size; j++) {
        const want = byKey.get(`${b.dayIndex[j]}:${b.instrumentIndex[j]}`)!;
        expect(b.targets['ret']![j]).toBe(want);
        seen++;
      }
    }
    expect(seen).toBe(ds.sampleCount('train'));
  });
});

describe('qcut in the feature and label chains', () => {
  it('cuts each feature column by its own train quantiles, and the label by its own', async () => {
    const panel = market(7, 60, 23);
    const days = panel.days;
    const two: FlatFeatureSet = { kind: 'flat', name: 'two', columns: [FLAT.columns[0]!, { name: 'UP', expr: q('$close/Ref($close, 1)') }] };
    const s: DatasetSpec = { ...spec(days, undefined, 30), features: { x: two }, process: { features: [{ kind: 'qcut', q: 4, fitStart: days[0]!, fitEnd: days[30]! }], label: [qcut3(days, 30)] } };
    const ds = await buildDataset(panel, s, { threads: 1 });
    const raw = evaluateExprsSync(panel, [...two.columns.map((c) => ({ name: c.name, expr: c.expr })), { name: 'y', expr: q(LABEL) }]).columns;
    const nD = days.length;
    const trainValues = (col: number): number[] => {
      const out: number[] = [];
      ds.days('train').forEach((_, k) => {
        const cs = ds.crossSection('train', k);
        for (const id of cs.instruments) {
          const v = Math.fround(raw[col]![panel.instruments.indexOf(id) * nD + cs.dayIndex]!);
          if (Number.isFinite(v)) out.push(v);
        }
      });
      return out;
    };
    const edges = [0, 1, 2].map((col) => {
      const v = trainValues(col);
      const k = col < 2 ? 4 : 3;
      return Array.from({ length: k - 1 }, (_, j) => pandasQuantile(v, (j + 1) / k));
    });
    const fx = ds.fitted['x']![0]!.edges!;
    expect(fx).toHaveLength(6);
    edges[0]!.concat(edges[1]!).forEach((e, j) => expect(close(fx[j]!, e, 1e-12), `feature edge ${j}`).toBe(true));
    ds.fitted['label']![0]!.edges!.forEach((e, j) => expect(close(e, edges[2]![j]!, 1e-12), `label edge ${j}`).toBe(true));
    for (const seg of ['train', 'test']) {
      const cs = ds.crossSection(seg, 3);
      cs.instruments.forEach((id, r) => {
        const at = panel.instruments.indexOf(id) * nD + cs.dayIndex;
        for (let c = 0; c < 2; c++) expect(cs.x[r * 2 + c], `${seg} ${id} col ${c}`).toBe(pdCut(Math.fround(raw[c]![at]!), Array.from(fx.subarray(c * 3, c * 3 + 3))));
      });
    }
  });
});

describe('qcut fit-window isolation', () => {
  it('data after the train segment does not change the edges', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), async (seed, other) => {
        const nD = 50;
        const end = 24;
        const panel = market(6, nD, seed);
        const changed = market(6, nD, seed);
        const noise = market(6, nD, seed + other);
        // The label at day t reads t+1 and t+2: the fit (days ≤ end) reads bars up to end + 2.
        for (const [n, arr] of Object.entries(changed.fields)) for (let i = 0; i < 6; i++) for (let t = end + 3; t < nD; t++) arr[i * nD + t] = noise.fields[n]![i * nD + t]!;
        const targets = (days: string[]): DatasetSpec['targets'] => ({
          mkt: { expr: q(`cs_mean(${LABEL})`), process: [qcut3(days, end)] },
          ret: { expr: q('$close/$open - 1'), process: [{ kind: 'zscore', fitStart: days[0]!, fitEnd: days[end]! }, { kind: 'qcut', q: 4, fitStart: days[0]!, fitEnd: days[end]! }] },
        });
        const a = await buildDataset(panel, spec(panel.days, targets(panel.days), end), { threads: 1 });
        const b = await buildDataset(changed, spec(panel.days, targets(panel.days), end), { threads: 1 });
        for (const name of ['mkt', 'ret']) {
          a.targetsFitted[name]!.forEach((st, k) => {
            const other = b.targetsFitted[name]![k]!;
            expect(st.edges).toEqual(other.edges);
            expect(st.center).toEqual(other.center);
            expect(st.scale).toEqual(other.scale);
          });
        }
        expect(a.targetsFitted['ret']![1]!.edges).toHaveLength(3);
        // And the data did matter outside the window.
        expect(a.crossSection('test', 0).targets['mkt']).not.toEqual(b.crossSection('test', 0).targets['mkt']);
      }),
      { numRuns: 30 },
    );
  });
});

describe('target diagnostics', () => {
  it('a target chain may not drop rows or columns (Q5012)', async () => {
    const panel = market(4, 30, 5);
    const codes = async (p: Processor): Promise<string[]> => {
      try {
        await buildDataset(panel, spec(panel.days, { t: { expr: q('$close'), process: [p] } }), { threads: 1 });
      } catch (e) {
        if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
        throw e;
      }
      return [];
    };
    expect(await codes({ kind: 'dropna' })).toEqual(['Q5012']);
    expect(await codes({ kind: 'dropna_label' })).toEqual(['Q5012']);
    expect(await codes({ kind: 'drop_col', columns: ['t'] })).toEqual(['Q5012']);
    expect(await codes({ kind: 'cs_rank' })).toEqual([]);
  });

  it('a target may read the future (no Q4001), unlike a field', async () => {
    const panel = market(4, 30, 5);
    const ds = await buildDataset(panel, spec(panel.days, { ahead: { expr: q('Ref($close, -1)'), process: [] } }), { threads: 1 });
    const cs = ds.crossSection('test', 0);
    const got = cs.instruments.map((id, r) => [cs.targets['ahead']![r], Math.fround(panel.fields['close']![panel.instruments.indexOf(id) * 30 + cs.dayIndex + 1]!)]);
    for (const [a, b] of got) expect(a).toBe(b);
    expect(got.some(([a]) => !Number.isNaN(a))).toBe(true);
  });
});
