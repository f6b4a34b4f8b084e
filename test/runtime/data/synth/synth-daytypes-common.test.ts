// dayTypes.common (IGMTF's claim market): the shared part of the day types
// shows in the day's market-wide move and makes the mapping alike across
// clusters; at 0 (the default) the day type is a purely cross-sectional
// pattern and the market is the one generated before the switch existed.
// Measured from the tables (truth_day_type, truth_day_type_map, bars_daily).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMarket, isolateEffects, type Effects } from '../../../../runtime/data/synth/index.js';
import { corr } from './effect-stats.js';
import { openRead, rows } from './market-reader.js';

let dir: string;

interface DayTypeStats {
  /** corr over days of the day's mean return with the cluster-average signature of its type */
  marketReveal: number;
  /** share of the mapping weights' variance across (cluster, type) that is explained by the type alone */
  typeShare: number;
  /** the map table's contents, to compare markets */
  map: string;
  /** the largest |mean over clusters| of a type's signature (0 when double-centred) */
  typeMean: number;
}

async function dayTypeStats(name: string, common: number | undefined): Promise<DayTypeStats> {
  const effects = isolateEffects('small', ['dayTypes']) as Effects;
  if (common !== undefined) effects.dayTypes.common = common;
  const s = await generateMarket({ path: join(dir, `${name}.duckdb`), preset: 'small', seed: 13, effects });
  const m = await openRead(s.path);
  try {
    const map = await rows(m.con, 'SELECT cluster, day_type, alpha, w_r, w_r5, w_u, signature FROM truth_day_type_map ORDER BY ALL');
    const K = new Set(map.map((r) => Number(r[0]))).size;
    const T = new Set(map.map((r) => Number(r[1]))).size;
    const sigOfType = new Float64Array(T);
    for (const r of map) sigOfType[Number(r[1])] += Number(r[6]) / K;
    // w's variance across (cluster, type) and the part the type's mean explains
    let total = 0;
    let between = 0;
    for (let f = 3; f <= 5; f++) {
      const all = map.map((r) => Number(r[f]));
      const mean = all.reduce((a, b) => a + b, 0) / all.length;
      for (let d = 0; d < T; d++) {
        const ofType = map.filter((r) => Number(r[1]) === d).map((r) => Number(r[f]));
        const md = ofType.reduce((a, b) => a + b, 0) / ofType.length;
        between += ofType.length * (md - mean) ** 2;
      }
      total += all.reduce((a, v) => a + (v - mean) ** 2, 0);
    }
    const days = await rows(
      m.con,
      `WITH r AS (SELECT stock, day, close * factor / lag(close * factor) OVER (PARTITION BY stock ORDER BY day) - 1 AS r FROM bars_daily)
       SELECT t.day_type, avg(r.r) FROM r JOIN truth_day_type t USING (day) WHERE r.r IS NOT NULL GROUP BY r.day, t.day_type`,
    );
    const mean = Float64Array.from(days, (r) => Number(r[1]));
    const sig = Float64Array.from(days, (r) => sigOfType[Number(r[0])]!);
    return { marketReveal: corr(mean, sig), typeShare: between / total, map: JSON.stringify(map), typeMean: Math.max(...Array.from(sigOfType, Math.abs)) };
  } finally {
    m.close();
  }
}

let none: DayTypeStats;
let zero: DayTypeStats;
let full: DayTypeStats;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-daytypes-common-'));
  none = await dayTypeStats('none', undefined);
  zero = await dayTypeStats('zero', 0);
  full = await dayTypeStats('full', 1);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dayTypes.common', () => {
  it('0 is the default and leaves the cross-sectional day types as they were', () => {
    expect(zero.map).toBe(none.map);
    // the signature is double-centred: the day's mean move says nothing of its type
    expect(zero.typeMean).toBeLessThan(1e-9);
    expect(Number.isNaN(zero.marketReveal) || Math.abs(zero.marketReveal) < 0.1).toBe(true);
    expect(full.typeMean).toBeGreaterThan(0.5);
  });

  it('1 reveals the day type in the market-wide move of the day', () => {
    expect(full.marketReveal).toBeGreaterThan(0.3);
  });

  it('1 makes the mapping the same in every cluster (the type alone decides it)', () => {
    expect(full.typeShare).toBeGreaterThan(0.99);
    expect(zero.typeShare).toBeLessThan(0.6);
  });
});
