// The dataset layer: processors against the plain reference (random chains,
// random fit windows, random membership), the window path against the flat
// Alpha360-style columns reshaped [F, T] → [T, F], fit-window isolation,
// learn/infer segments, batches and day orders, and its diagnostics.

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import type { DatasetSpec, FeatureExpr, FlatFeatureSet, Processor, WindowFeatureSet } from '../../../../compiler/plan/data.js';
import { buildDataset, type Dataset } from '../../../../runtime/data/dataset/dataset.js';
import { evaluateExprsSync } from '../../../../runtime/data/expr/evaluate.js';
import { parseQlibExpr } from '../../../../runtime/data/expr/parse.js';
import { alpha360, alpha360Flat } from '../../../../runtime/data/expr/alpha.js';
import { shutdownExprWorkers } from '../../../../runtime/data/expr/parallel.js';
import { DiagnosticError } from '../../../../compiler/diagnostics/diagnostic.js';
import type { Panel } from '../../../../runtime/data/panel.js';
import { referenceProcess, type RefRow } from './reference.js';

afterAll(async () => {
  await shutdownExprWorkers();
});

const q = (t: string): FeatureExpr => parseQlibExpr(t);

function market(nI: number, nD: number, seed: number): Panel {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const fields: Record<string, Float64Array> = {};
  for (const n of ['open', 'high', 'low', 'close', 'volume', 'vwap']) fields[n] = new Float64Array(nI * nD).fill(NaN);
  for (let i = 0; i < nI; i++) {
    let p = 10 + 10 * r();
    for (let t = Math.floor(r() * 4); t < nD; t++) {
      if (r() < 0.05) continue;
      const k = i * nD + t;
      const o = p;
      p *= 1 + 0.06 * (r() - 0.5);
      fields.open![k] = o;
      fields.close![k] = p;
      fields.high![k] = Math.max(o, p) * 1.01;
      fields.low![k] = Math.min(o, p) * 0.99;
      fields.volume![k] = Math.round(1e5 * (1 + r()));
      fields.vwap![k] = (o + p) / 2;
    }
  }
  const days = Array.from({ length: nD }, (_, t) => new Date(Date.UTC(2016, 0, 4 + t)).toISOString().slice(0, 10));
  return { days, instruments: Array.from({ length: nI }, (_, i) => `SZ${300001 + i}`), fields };
}

const FLAT: FlatFeatureSet = {
  kind: 'flat',
  name: 'small',
  columns: [
    { name: 'RET', expr: q('$close/$open - 1') },
    { name: 'MA3', expr: q('Mean($close, 3)/$close') },
    { name: 'VOL', expr: q('$volume') },
    { name: 'STD3', expr: q('Std($close, 3)') },
    { name: 'INF', expr: q('$open/Greater($close - 15, 0)') },
    { name: 'RANK', expr: q('cs_rank($close)') },
  ],
};

const procArb = (start: string, end: string): fc.Arbitrary<Processor> =>
  fc.oneof(
    fc.constantFrom(0, 3).map((clip) => ({ kind: 'robust_zscore' as const, clip, fitStart: start, fitEnd: end })),
    fc.constant<Processor>({ kind: 'zscore', fitStart: start, fitEnd: end }),
    fc.constant<Processor>({ kind: 'minmax', fitStart: start, fitEnd: end }),
    fc.constantFrom(0, -1).map((value) => ({ kind: 'fillna' as const, value })),
    fc.constant<Processor>({ kind: 'cs_rank' }),
    fc.boolean().map((robust) => ({ kind: 'cs_zscore' as const, robust })),
    fc.constant<Processor>({ kind: 'csz_fillna' }),
    fc.constant<Processor>({ kind: 'process_inf' }),
    fc.constant<Processor>({ kind: 'dropna' }),
    fc.constant<Processor>({ kind: 'tanh' }),
    fc.constantFrom('MA3', 'INF').map((c) => ({ kind: 'drop_col' as const, columns: [c] })),
    fc.constant<Processor>({ kind: 'filter_col', columns: ['RET', 'MA3', 'STD3', 'INF', 'RANK'] }),
  );

const labelProcArb = (start: string, end: string): fc.Arbitrary<Processor[]> =>
  fc.tuple(
    fc.boolean(),
    fc.constantFrom<Processor[]>([], [{ kind: 'cs_rank' }], [{ kind: 'cs_zscore' }], [{ kind: 'zscore', fitStart: start, fitEnd: end }], [{ kind: 'robust_zscore', fitStart: start, fitEnd: end }]),
    fc.boolean(),
  ).map(([dropLabel, proc, dropFeatures]) => [
    ...(dropLabel ? [{ kind: 'dropna_label' as const }] : []),
    ...(dropFeatures ? [{ kind: 'dropna' as const }] : []),
    ...proc,
  ]);

function membershipOf(panel: Panel, seed: number): { stock: string; start: string; end: string }[] {
  const nD = panel.days.length;
  return panel.instruments.flatMap((stock, i) => {
    const a = (seed + i * 7) % Math.floor(nD / 2);
    const b = Math.min(nD - 1, a + 8 + ((seed + i * 13) % nD));
    const spans = [{ stock, start: panel.days[a]!, end: panel.days[b]! }];
    if (b + 3 < nD - 1) spans.push({ stock, start: panel.days[b + 3]!, end: panel.days[nD - 1]! });
    return spans;
  });
}

function spec(features: DatasetSpec['features'], proc: Processor[], label: Processor[], days: string[]): DatasetSpec {
  const n = days.length;
  return {
    features,
    label: q('Ref($close, -2)/Ref($close, -1) - 1'),
    fields: { cap: q('$close * $volume') },
    process: { features: proc, label },
    segments: {
      train: { start: days[0]!, end: days[Math.floor(n * 0.5)]! },
      valid: { start: days[Math.floor(n * 0.5) + 1]!, end: days[Math.floor(n * 0.7)]! },
      test: { start: days[Math.floor(n * 0.7) + 1]!, end: days[n - 1]! },
    },
  };
}

const close = (a: number, b: number): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));

describe('processors against the reference', () => {
  it('random chains, fit windows and memberships give the reference frame', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 5, max: 25 }),
        async (seed, fitA, fitLen) => {
          const panel = market(6, 40, seed);
          const days = panel.days;
          const fitStart = days[fitA]!;
          const fitEnd = days[Math.min(days.length - 1, fitA + fitLen)]!;
          const [features, labels] = fc.sample(fc.tuple(fc.array(procArb(fitStart, fitEnd), { maxLength: 4 }), labelProcArb(fitStart, fitEnd)), { numRuns: 1, seed })[0]!;
          const membership = membershipOf(panel, seed);
          const ds = await buildDataset(panel, { ...spec({ x: FLAT }, features, labels, days), universe: 'test' }, { membership, threads: 1 });

          // The reference frame from the engine's raw columns (the engine is tested on its own).
          const raw = evaluateExprsSync(panel, [...FLAT.columns.map((c) => ({ name: c.name, expr: c.expr })), { name: 'label', expr: q('Ref($close, -2)/Ref($close, -1) - 1') }], {
            universe: memberMask(panel, membership),
          });
          const nD = days.length;
          const rows: RefRow[] = [];
          const mask = memberMask(panel, membership);
          for (let t = 0; t < nD; t++) {
            for (let i = 0; i < panel.instruments.length; i++) {
              if (!mask[i * nD + t]) continue;
              rows.push({ day: days[t]!, t, i, x: FLAT.columns.map((_, c) => raw.columns[c]![i * nD + t]!), label: raw.columns[FLAT.columns.length]![i * nD + t]!, keep: true, learnKeep: true, processedLabel: NaN });
            }
          }
          const kept = referenceProcess(rows, FLAT.columns.map((c) => c.name), features, labels);
          expect(ds.shapes.x!.columns).toEqual(kept);
          for (const seg of ds.segments) {
            ds.days(seg).forEach((_, k) => {
              const cs = ds.crossSection(seg, k);
              const want = rows.filter((r) => r.t === cs.dayIndex).sort((a, b) => a.i - b.i);
              expect(cs.instruments).toEqual(want.map((r) => panel.instruments[r.i]));
              const learn = seg !== 'test';
              want.forEach((r, j) => {
                const keep = learn ? r.learnKeep : r.keep;
                expect(cs.mask[j], `${seg} ${cs.day} ${cs.instruments[j]} mask`).toBe(keep ? 1 : 0);
                expect(close(cs.rawLabel[j]!, Math.fround(r.label))).toBe(true);
                if (!keep) return;
                const lab = learn ? r.processedLabel : Math.fround(r.label);
                expect(close(cs.label[j]!, lab), `${seg} ${cs.day} label ${cs.label[j]} vs ${lab}`).toBe(true);
                const xs = kept.map((n) => r.x[FLAT.columns.findIndex((c) => c.name === n)]!);
                xs.forEach((v, c) => expect(close(cs.x[j * kept.length + c]!, v), `${seg} ${cs.day} ${kept[c]}: ${cs.x[j * kept.length + c]} vs ${v} (${JSON.stringify(features)})`).toBe(true));
              });
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

function memberMask(panel: Panel, spans: { stock: string; start: string; end: string }[]): Uint8Array {
  const nD = panel.days.length;
  const m = new Uint8Array(panel.instruments.length * nD);
  for (const s of spans) {
    const i = panel.instruments.indexOf(s.stock);
    panel.days.forEach((d, t) => {
      if (d >= s.start && d <= s.end) m[i * nD + t] = 1;
    });
  }
  return m;
}

describe('window sets', () => {
  const T = 5;
  const win: WindowFeatureSet = {
    kind: 'window',
    name: 'win',
    size: T,
    columns: [
      { name: 'CLOSE', series: q('$close'), scale: q('$close') },
      { name: 'VOLUME', series: q('$volume'), scale: q('$volume+1e-12') },
      { name: 'RET', series: q('$close/Ref($close, 1)') },
    ],
  };
  const flatOf = (w: WindowFeatureSet): FlatFeatureSet => ({
    kind: 'flat',
    name: 'flat',
    columns: w.columns.flatMap((c) =>
      Array.from({ length: w.size }, (_, s) => {
        const lag = w.size - 1 - s;
        const series: FeatureExpr = lag ? { kind: 'call', fn: 'Ref', args: [c.series, { kind: 'const', value: lag }] } : c.series;
        return { name: `${c.name}${lag}`, expr: c.scale ? { kind: 'call', fn: 'Div', args: [series, c.scale] } : series };
      }),
    ),
  });

  it('equal the flat columns reshaped [F, T] → [T, F] after the same processing, bit for bit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), async (seed) => {
        const panel = market(5, 30, seed);
        const days = panel.days;
        const procs = fc.sample(fc.array(procArb(days[2]!, days[17]!).filter((p) => p.kind !== 'drop_col' && p.kind !== 'filter_col'), { maxLength: 4 }), { numRuns: 1, seed })[0]!;
        const membership = membershipOf(panel, seed);
        const labels: Processor[] = [{ kind: 'dropna_label' }, { kind: 'cs_rank' }];
        const w = await buildDataset(panel, spec({ x: win }, procs, labels, days), { membership, threads: 1 });
        const f = await buildDataset(panel, spec({ x: flatOf(win) }, procs, labels, days), { membership, threads: 1 });
        expect(w.shapes.x).toMatchObject({ kind: 'window', T, F: 3 });
        for (const seg of w.segments) {
          w.days(seg).forEach((_, k) => {
            const a = w.crossSection(seg, k);
            const b = f.crossSection(seg, k);
            expect(a.mask).toEqual(b.mask);
            const N = a.instruments.length;
            for (let r = 0; r < N; r++) {
              for (let s = 0; s < T; s++) {
                for (let c = 0; c < 3; c++) {
                  const u = a.x[r * T * 3 + s * 3 + c]!;
                  const v = b.x[r * 3 * T + c * T + s]!;
                  if (!Object.is(u, v)) expect.fail(`${seg} ${a.day} row ${r} step ${s} field ${c}: window ${u}, flat ${v} (${JSON.stringify(procs)})`);
                }
              }
            }
          });
          // Sample batches read the same processed rows as the day blocks.
          for (const batch of w.batches(seg, { batchSize: 7, seed })) {
            for (let b = 0; b < batch.size; b++) {
              const t = batch.dayIndex[b]!;
              const day = w.crossSection(seg, w.days(seg).indexOf(days[t]!));
              const r = day.instruments.indexOf(panel.instruments[batch.instrumentIndex[b]!]!);
              expect(Array.from(batch.x.subarray(b * T * 3, (b + 1) * T * 3))).toEqual(Array.from(day.x.subarray(r * T * 3, (r + 1) * T * 3)));
              expect(batch.label[b]).toBe(day.label[r]);
              expect(batch.fields.cap![b]).toBe(day.fields.cap![r]);
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('Alpha360 as [N, 60, 6] equals the 360 flat Qlib columns reshaped [6, 60] → [60, 6] (RobustZScoreNorm + Fillna)', async () => {
    const panel = market(6, 100, 21);
    const days = panel.days;
    const procs: Processor[] = [{ kind: 'robust_zscore', clip: 3, fitStart: days[0]!, fitEnd: days[60]! }, { kind: 'fillna', value: 0 }];
    const labels: Processor[] = [{ kind: 'dropna_label' }, { kind: 'cs_rank' }];
    const membership = membershipOf(panel, 4);
    const w = await buildDataset(panel, spec({ x: alpha360() }, procs, labels, days), { membership, threads: 1 });
    const f = await buildDataset(panel, spec({ x: alpha360Flat() }, procs, labels, days), { membership, threads: 1 });
    expect(w.shapes.x).toMatchObject({ kind: 'window', T: 60, F: 6 });
    expect(w.shapes.x!.columns).toEqual(f.shapes.x!.columns);
    expect(w.fitted.x![0]!.center).toEqual(f.fitted.x![0]!.center);
    expect(w.fitted.x![0]!.scale).toEqual(f.fitted.x![0]!.scale);
    let compared = 0;
    for (const seg of w.segments) {
      w.days(seg).forEach((_, k) => {
        const a = w.crossSection(seg, k);
        const b = f.crossSection(seg, k);
        for (let r = 0; r < a.instruments.length; r++) {
          for (let s = 0; s < 60; s++) {
            for (let c = 0; c < 6; c++) {
              if (!Object.is(a.x[r * 360 + s * 6 + c], b.x[r * 360 + c * 60 + s])) expect.fail(`${a.day} ${a.instruments[r]} step ${s} field ${c}`);
              compared++;
            }
          }
        }
      });
    }
    expect(compared).toBeGreaterThan(100_000);
    // Iterating with worker threads (days computed ahead on the pool) gives the same days.
    const w2 = await buildDataset(panel, spec({ x: alpha360() }, procs, labels, days), { membership, threads: 2 });
    for (const seg of w2.segments) {
      const order = w2.dayOrder(seg, { shuffle: true, seed: 3 });
      let q = 0;
      for (const cs of w2.iterDays(seg, { shuffle: true, seed: 3 })) {
        const want = w.crossSection(seg, order[q++]!);
        expect(cs.day).toBe(want.day);
        expect(Array.from(cs.x)).toEqual(Array.from(want.x));
        expect(Array.from(cs.mask)).toEqual(Array.from(want.mask));
      }
      expect(q).toBe(order.length);
    }
    expect(w2.stats.prefetchedDays).toBe(w2.segments.reduce((n, seg) => n + w2.days(seg).length, 0));
  });

  it('drop whole fields, and refuse to drop single lags (Q5014)', async () => {
    const panel = market(4, 20, 3);
    const ds = await buildDataset(panel, spec({ x: win }, [{ kind: 'drop_col', columns: ['VOLUME'] }], [], panel.days), { threads: 1 });
    expect(ds.shapes.x).toMatchObject({ T, F: 2 });
    expect(ds.crossSection('train', 3).x.length).toBe(ds.crossSection('train', 3).instruments.length * T * 2);
    await expect(buildDataset(panel, spec({ x: win }, [{ kind: 'drop_col', columns: ['VOLUME0'] }], [], panel.days), { threads: 1 })).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostics[0]!.code === 'Q5014',
    );
  });
});

describe('fit-window isolation', () => {
  it('data after the fit window does not change the fitted parameters', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), async (seed, other) => {
        const panel = market(6, 40, seed);
        const changed = market(6, 40, seed);
        const noise = market(6, 40, seed + other);
        const end = 20;
        for (const [n, arr] of Object.entries(changed.fields)) for (let i = 0; i < 6; i++) for (let t = end + 1; t < 40; t++) arr[i * 40 + t] = noise.fields[n]![i * 40 + t]!;
        const procs: Processor[] = [
          { kind: 'robust_zscore', fitStart: panel.days[5]!, fitEnd: panel.days[end]! },
          { kind: 'cs_rank' },
          { kind: 'zscore', fitStart: panel.days[5]!, fitEnd: panel.days[end]! },
          { kind: 'minmax', fitStart: panel.days[5]!, fitEnd: panel.days[end]! },
        ];
        const a = await buildDataset(panel, spec({ x: FLAT }, procs, [], panel.days), { threads: 1 });
        const b = await buildDataset(changed, spec({ x: FLAT }, procs, [], panel.days), { threads: 1 });
        a.fitted.x!.forEach((st, k) => {
          expect(st.center).toEqual(b.fitted.x![k]!.center);
          expect(st.scale).toEqual(b.fitted.x![k]!.scale);
        });
        // And the data did matter outside the window.
        expect(a.crossSection('test', 0).rawLabel).not.toEqual(b.crossSection('test', 0).rawLabel);
      }),
      { numRuns: 100 },
    );
  });
});

describe('segments, orders and batches', () => {
  let ds: Dataset;
  const panel = market(8, 60, 11);
  const proc: Processor[] = [{ kind: 'robust_zscore', fitStart: panel.days[0]!, fitEnd: panel.days[30]! }, { kind: 'fillna', value: 0 }];

  it('learn segments get the processed label, others the raw label', async () => {
    ds = await buildDataset(panel, spec({ x: FLAT }, proc, [{ kind: 'dropna_label' }, { kind: 'cs_rank' }], panel.days), { threads: 1 });
    const tr = ds.crossSection('train', 5);
    for (let r = 0; r < tr.label.length; r++) {
      if (tr.mask[r]) expect(Math.abs(tr.label[r]!)).toBeLessThanOrEqual(1.73 + 1e-6);
      else expect(tr.label[r]).toBeNaN();
    }
    const te = ds.crossSection('test', 3);
    expect(Array.from(te.label)).toEqual(Array.from(te.rawLabel));
    // A memory writer's view of a test day: the learn chain's label (cs_rank of the raw one), so
    // errors written on inference days have the scale of training's.
    const learnTe = Array.from(te.learnLabel!);
    expect(learnTe).not.toEqual(Array.from(te.rawLabel));
    const raw = Array.from(te.rawLabel);
    for (let a = 0; a < raw.length; a++) {
      if (!Number.isFinite(raw[a]!)) continue;
      expect(Math.abs(learnTe[a]!)).toBeLessThanOrEqual(1.73 + 1e-6);
      for (let b = 0; b < raw.length; b++) if (Number.isFinite(raw[b]!) && raw[a]! < raw[b]!) expect(learnTe[a]!).toBeLessThan(learnTe[b]!);
    }
    expect(Array.from(tr.learnLabel!)).toEqual(Array.from(tr.label));
    // The last two test days read beyond the panel: raw labels are NaN there but the rows stay.
    const last = ds.crossSection('test', ds.days('test').length - 1);
    expect(Array.from(last.rawLabel).every(Number.isNaN)).toBe(true);
    expect(Array.from(last.mask).every((m) => m === 1)).toBe(true);
  });

  it('day orders are chronological or a seeded permutation', () => {
    const n = ds.days('train').length;
    expect(ds.dayOrder('train')).toEqual(Array.from({ length: n }, (_, k) => k));
    const a = ds.dayOrder('train', { shuffle: true, seed: 5 });
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, k) => k));
    expect(ds.dayOrder('train', { shuffle: true, seed: 5 })).toEqual(a);
    expect(ds.dayOrder('train', { shuffle: true, seed: 6 })).not.toEqual(a);
    const days = [...ds.iterDays('train')].map((c) => c.day);
    expect(days).toEqual(ds.days('train'));
  });

  it('batches cover every kept row once without replacement, and respect drop_last', () => {
    const count = ds.sampleCount('train');
    const seen = new Set<string>();
    let total = 0;
    for (const b of ds.batches('train', { batchSize: 16, seed: 2 })) {
      total += b.size;
      expect(b.x.length).toBe(b.size * ds.shapes.x!.F);
      for (let j = 0; j < b.size; j++) seen.add(`${b.dayIndex[j]}:${b.instrumentIndex[j]}`);
    }
    expect(total).toBe(count);
    expect(seen.size).toBe(count);
    const dropped = [...ds.batches('train', { batchSize: 16, dropLast: true, seed: 2 })];
    expect(dropped.every((b) => b.size === 16)).toBe(true);
    expect(dropped).toHaveLength(Math.floor(count / 16));
    const withRep = [...ds.batches('train', { batchSize: 10, replacement: true, seed: 4 })];
    expect(withRep).toHaveLength(Math.ceil(count / 10));
    expect(withRep.every((b) => b.size === 10)).toBe(true);
    const again = [...ds.batches('train', { batchSize: 10, replacement: true, seed: 4 })];
    expect(Array.from(again[0]!.dayIndex)).toEqual(Array.from(withRep[0]!.dayIndex));
    const ordered = [...ds.batches('train', { batchSize: 1000, shuffle: false })][0]!;
    expect(Array.from(ordered.dayIndex)).toEqual([...ordered.dayIndex].sort((x, y) => x - y));
  });
});

describe('dataset diagnostics', () => {
  const panel = market(4, 30, 5);
  const codes = async (s: DatasetSpec, opts = {}): Promise<string[]> => {
    try {
      await buildDataset(panel, s, { threads: 1, ...opts });
    } catch (e) {
      if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
      throw e;
    }
    return [];
  };

  it('rejects look-ahead in features (Q4001), bad processor placement (Q5012) and unknown columns (Q5010)', async () => {
    const ahead: FlatFeatureSet = { kind: 'flat', name: 'bad', columns: [{ name: 'FUT', expr: q('Ref($close, -1)/$close') }] };
    expect(await codes(spec({ x: ahead }, [], [], panel.days))).toEqual(['Q4001']);
    expect(await codes({ ...spec({ x: FLAT }, [], [], panel.days), fields: { peek: q('Ref($close, -3)') } })).toEqual(['Q4001']);
    expect(await codes(spec({ x: FLAT }, [{ kind: 'dropna_label' }], [], panel.days))).toEqual(['Q5012']);
    expect(await codes(spec({ x: FLAT }, [], [{ kind: 'drop_col', columns: ['RET'] }], panel.days))).toEqual(['Q5012']);
    expect(await codes(spec({ x: FLAT }, [{ kind: 'filter_col', columns: ['RET', 'NOPE'] }], [], panel.days))).toEqual(['Q5010']);
    expect(await codes({ ...spec({ x: FLAT }, [], [], panel.days), universe: 'csi300' })).toEqual(['Q5014']);
  });

  it('warns about an empty fit window (Q5011) and rejects unknown segments (Q5013) and bad batch sizes (Q5014)', async () => {
    const ds = await buildDataset(panel, spec({ x: FLAT }, [{ kind: 'zscore', fitStart: '1990-01-01', fitEnd: '1990-12-31' }], [], panel.days), { threads: 1 });
    expect(ds.diagnostics.map((d) => d.code)).toEqual(['Q5011']);
    const codeOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return e instanceof DiagnosticError ? e.diagnostics[0]!.code : 'not a diagnostic';
      }
      return undefined;
    };
    expect(codeOf(() => ds.crossSection('holdout', 0))).toBe('Q5013');
    expect(codeOf(() => ds.days('holdout'))).toBe('Q5013');
    expect(codeOf(() => [...ds.batches('train', { batchSize: 0 })])).toBe('Q5014');
    expect(codeOf(() => ds.crossSection('train', 10_000))).toBe('Q5014');
  });
});
