// verify/reads.ts: HIST's concept read and IGMTF's day retrieval scored
// against a generated market's truth (the concepts table, truth_day_type), on
// hand-made outputs whose answers are known.

import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { marketFile } from '../../runtime/run.js';
import type { DayPrediction } from '../../runtime/train/loop.js';
import { igmtfStrategy, lstmDaysStrategy, paperMarket, trainSegment } from '../../verify/paper-claims.js';
import { conceptReadStats, marketRows, retrievalStats } from '../../verify/reads.js';
import { compileSource, ROOT } from '../helpers/compile.js';

const marketOf = async (src: string) => marketFile(compileSource(src, { name: 'reads' }).plans[0]!, join(ROOT, '.quiver'), () => {});
const day = (d: string, instruments: string[], outputs: Record<string, Float32Array>): DayPrediction =>
  ({ day: d, instruments, pred: new Float32Array(instruments.length), label: new Float64Array(instruments.length), outputs });

describe("HIST's concept read", () => {
  it('scores a read on the own concepts 1, a uniform one the uniform share, one off the own concepts 0', async () => {
    const path = await marketOf(paperMarket(['concepts']) + lstmDaysStrategy({ epochs: 1 }));
    const [rows] = await marketRows(path, 'SELECT stock, concept FROM concepts');
    const concepts = [...new Set(rows!.map((r) => String(r['concept'])))].sort();
    const M = concepts.length;
    const stocks = [...new Set(rows!.map((r) => String(r['stock'])))].slice(0, 10);
    const own = (s: string) => new Set(rows!.filter((r) => String(r['stock']) === s).map((r) => String(r['concept'])));
    const build = (w: (s: string, c: string) => number) => {
      const G = new Float32Array(stocks.length * M);
      stocks.forEach((s, i) => {
        const raw = concepts.map((c) => w(s, c));
        const z = raw.reduce((a, b) => a + b, 0);
        raw.forEach((x, c) => (G[i * M + c] = x / z));
      });
      return [day('2010-01-04', stocks, { read: G }), day('2010-01-05', stocks, { read: G })];
    };
    const onOwn = await conceptReadStats(build((s, c) => (own(s).has(c) ? 1 : 0)), path);
    expect(onOwn.own).toBeCloseTo(1, 5);
    const uniform = await conceptReadStats(build(() => 1), path);
    expect(uniform.own).toBeCloseTo(uniform.uniform, 5);
    expect(uniform.max).toBeCloseTo(1 / M, 5);
    expect(uniform.uniform).toBeGreaterThan(1 / M - 1e-9);
    expect(uniform.uniform).toBeLessThan(0.6);
    const off = await conceptReadStats(build((s, c) => (own(s).has(c) ? 0 : 1)), path);
    expect(off.own).toBeCloseTo(0, 6);
    await expect(conceptReadStats([day('2010-01-04', stocks, {})], path)).rejects.toThrow(/read/);
  }, 120_000);
});

describe("IGMTF's day retrieval", () => {
  it("scores days of today's type 1, days of another type 0, type-blind picks about chance; padding is skipped", async () => {
    const o = { epochs: 1 };
    const path = await marketOf(paperMarket(['dayTypes']) + igmtfStrategy(o));
    const [rows] = await marketRows(path, 'SELECT CAST(day AS VARCHAR) AS day, day_type FROM truth_day_type ORDER BY day');
    const [start, end] = trainSegment(o);
    const bank = rows!.filter((r) => String(r['day']) >= start && String(r['day']) <= end).map((r) => Number(r['day_type']));
    const test = rows!.filter((r) => String(r['day']) >= '2010-01-01').slice(0, 60);
    const picks = (choose: (t: number, k: number) => number) =>
      test.map((r, k) => day(String(r['day']), ['a'], { days: Float32Array.from({ length: 10 }, (_, j) => choose(Number(r['day_type']), k * 10 + j)) }));
    const ofType = (t: number, k: number, same: boolean) => {
      const ys = bank.flatMap((b, y) => ((b === t) === same ? [y] : []));
      return ys[k % ys.length]!;
    };
    expect((await retrievalStats(picks((t, k) => ofType(t, k, true)), path, start, end)).same).toBe(1);
    expect((await retrievalStats(picks((t, k) => ofType(t, k, false)), path, start, end)).same).toBe(0);
    const blind = await retrievalStats(picks((_t, k) => (k * 7) % bank.length), path, start, end);
    expect(blind.chance).toBeGreaterThan(0.15);
    expect(blind.chance).toBeLessThan(0.35);
    expect(Math.abs(blind.same - blind.chance)).toBeLessThan(0.12);
    // −1 pads a retrieval with fewer readable days: not counted
    const padded = await retrievalStats(picks((t, k) => (k % 2 ? -1 : ofType(t, k, true))), path, start, end);
    expect(padded.same).toBe(1);
    expect(trainSegment({ epochs: 1, segments: 'train: 2008-01-01..2008-06-30, valid: 2008-07-01..2008-09-30, test: 2008-10-01..2008-12-31' })).toEqual(['2008-01-01', '2008-06-30']);
  }, 120_000);
});
