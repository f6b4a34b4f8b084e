// The synthetic market's file: determinism (same preset + seed + effects ⇒
// identical table contents; another seed differs), the schema of every
// table, and the invariants of calendar, bars, index, membership, concepts,
// events, news, holdings, exposures, minute bars and orders. Small preset.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '../../../../runtime/data/synth/presets.js';
import { GENERATOR_VERSION, generateMarket, marketVersion, type MarketSummary } from '../../../../runtime/data/synth/index.js';
import { contentHash, openRead, rows, scalar, type Market } from './market-reader.js';

const SEED = 7;
let dir: string;
let summary: MarketSummary;
let m: Market;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-synth-schema-'));
  summary = await generateMarket({ path: join(dir, 'a.duckdb'), preset: 'small', seed: SEED });
  m = await openRead(summary.path);
});

afterAll(() => {
  m?.close();
  rmSync(dir, { recursive: true, force: true });
});

const count = (sql: string): Promise<number> => scalar(m.con, sql);

describe('determinism', () => {
  it('same preset, seed and effects give identical tables; another seed differs', async () => {
    const again = await generateMarket({ path: join(dir, 'b.duckdb'), preset: 'small', seed: SEED });
    const other = await generateMarket({ path: join(dir, 'c.duckdb'), preset: 'small', seed: SEED + 1 });
    const hashes = await Promise.all([summary.path, again.path, other.path].map(async (p) => {
      const mm = await openRead(p);
      try {
        return await contentHash(mm.con);
      } finally {
        mm.close();
      }
    }));
    expect(Object.keys(hashes[0]!).length).toBeGreaterThan(30);
    expect(hashes[1]).toEqual(hashes[0]);
    expect(again.version).toBe(summary.version);
    for (const t of ['bars_daily', 'events', 'news', 'bars_minute', 'fund_holdings', 'truth_regime']) {
      expect(hashes[2]![t], t).not.toBe(hashes[0]![t]);
    }
    expect(other.version).not.toBe(summary.version);
  });

  it('the version hashes generator, preset, seed and effects', async () => {
    expect(summary.version).toBe(marketVersion(PRESETS.small, SEED, summary.effects));
    expect(marketVersion(PRESETS.small, SEED, { ...summary.effects, temporal: { amp: 0 } })).not.toBe(summary.version);
    const meta = Object.fromEntries((await rows(m.con, 'SELECT key, value FROM meta')).map(([k, v]) => [k, v]));
    expect(meta.version).toBe(summary.version);
    expect(meta.generator).toBe(GENERATOR_VERSION);
    expect(meta.seed).toBe(String(SEED));
    expect(meta.preset).toBe('small');
    expect(JSON.parse(String(meta.effects))).toEqual(summary.effects);
  });
});

describe('schema', () => {
  const expected: Record<string, string[]> = {
    calendar: ['day DATE'],
    bars_daily: ['stock VARCHAR', 'day DATE', 'open DOUBLE', 'high DOUBLE', 'low DOUBLE', 'close DOUBLE', 'volume DOUBLE', 'vwap DOUBLE', 'factor DOUBLE', 'cap DOUBLE'],
    universe: ['name VARCHAR', 'stock VARCHAR', 'start_day DATE', 'end_day DATE'],
    meta: ['key VARCHAR', 'value VARCHAR'],
    concepts: ['stock VARCHAR', 'concept VARCHAR'],
    industry: ['stock VARCHAR', 'industry VARCHAR'],
    relations: ['src VARCHAR', 'dst VARCHAR', 'rel_type VARCHAR'],
    events: ['day DATE', 'stock VARCHAR', 'event_id INTEGER', 'type INTEGER', 'tokens INTEGER[]'],
    news: ['day DATE', 'stock VARCHAR', 'news_id INTEGER', 'vec FLOAT[]'],
    fund_holdings: ['report_date DATE', 'fund VARCHAR', 'stock VARCHAR', 'value DOUBLE'],
    style_exposures: ['day DATE', 'stock VARCHAR', 'size DOUBLE', 'beta DOUBLE', 'momentum DOUBLE', 'resvol DOUBLE', 'nlsize DOUBLE', 'btop DOUBLE', 'liquidity DOUBLE', 'earnyield DOUBLE', 'growth DOUBLE', 'leverage DOUBLE'],
    bars_minute: ['day DATE', 'stock VARCHAR', 'minute SMALLINT', 'open DOUBLE', 'high DOUBLE', 'low DOUBLE', 'close DOUBLE', 'vwap DOUBLE', 'volume DOUBLE'],
    orders: ['day DATE', 'stock VARCHAR', 'direction VARCHAR', 'amount DOUBLE', 'split VARCHAR'],
    truth_hidden_cluster: ['stock VARCHAR', 'cluster INTEGER'],
    truth_regime: ['day DATE', 'grp INTEGER', 'regime INTEGER'],
    truth_day_type: ['day DATE', 'day_type INTEGER', 'label_day_type INTEGER'],
    truth_market_state: ['day DATE', 'state INTEGER', 'market_return DOUBLE'],
    truth_momentum_drift: ['day DATE', 'stock VARCHAR', 'drift DOUBLE'],
    truth_news: ['news_id INTEGER', 'sentiment INTEGER', 'is_rumour BOOLEAN'],
  };

  it('has every table with the documented columns and types', async () => {
    for (const [table, cols] of Object.entries(expected)) {
      const got = (await rows(m.con, `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`))
        .map(([c, t]) => `${c} ${t}`);
      expect(got, table).toEqual(cols);
    }
  });

  it('writes truth tables only under the truth_ prefix, and reports row counts', async () => {
    const tables = (await rows(m.con, 'SELECT table_name FROM duckdb_tables() ORDER BY 1')).map((r) => String(r[0]));
    const observable = Object.keys(expected).filter((t) => !t.startsWith('truth_'));
    for (const t of tables) expect(observable.includes(t) || t.startsWith('truth_'), t).toBe(true);
    for (const t of tables) expect(summary.tables[t], t).toBe(await count(`SELECT count(*) FROM ${t}`));
  });
});

describe('invariants', () => {
  it('calendar: ascending weekdays, about 243 a year', async () => {
    const days = (await rows(m.con, "SELECT strftime(day, '%Y-%m-%d'), dayofweek(day) FROM calendar")).map((r) => [String(r[0]), Number(r[1])] as const);
    for (let k = 1; k < days.length; k++) expect(days[k]![0] > days[k - 1]![0]).toBe(true);
    for (const [, dow] of days) expect(dow >= 1 && dow <= 5).toBe(true);
    expect(days.length / PRESETS.small.years).toBeGreaterThan(235);
    expect(days.length / PRESETS.small.years).toBeLessThan(250);
    expect(days[0]![0]).toBe('2008-01-02');
  });

  it('bars: OHLC consistent, vwap inside, positive volume and cap, one row per stock-day', async () => {
    expect(await count('SELECT count(*) FROM bars_daily WHERE close IS NOT NULL AND (low > least(open, close) OR high < greatest(open, close) OR vwap < low OR vwap > high OR volume <= 0 OR cap <= 0 OR factor < 1)')).toBe(0);
    expect(await count('SELECT count(*) - count(DISTINCT (stock, day)) FROM bars_daily')).toBe(0);
    expect(await count("SELECT count(*) FROM bars_daily b ANTI JOIN calendar c USING (day)")).toBe(0);
  });

  it('suspensions are rows with every price, volume, factor and cap NULL', async () => {
    const suspended = await count('SELECT count(*) FROM bars_daily WHERE close IS NULL');
    expect(suspended).toBeGreaterThan(20);
    expect(await count('SELECT count(*) FROM bars_daily WHERE close IS NULL AND (open IS NOT NULL OR high IS NOT NULL OR low IS NOT NULL OR vwap IS NOT NULL OR volume IS NOT NULL OR factor IS NOT NULL OR cap IS NOT NULL)')).toBe(0);
    expect(await count('SELECT count(*) FROM bars_daily WHERE close IS NOT NULL AND (open IS NULL OR volume IS NULL OR vwap IS NULL)')).toBe(0);
  });

  it('limit days: moves of 9.5 % or more occur and stop at 10 % (to the price tick)', async () => {
    const sql = `WITH r AS (SELECT close / lag(close) OVER (PARTITION BY stock ORDER BY day) - 1 AS ret,
                 lag(close / factor) OVER (PARTITION BY stock ORDER BY day) AS prev_raw
                 FROM bars_daily WHERE stock <> 'SH000300' AND close IS NOT NULL)`;
    expect(await count(`${sql} SELECT count(*) FROM r WHERE abs(ret) >= 0.095`)).toBeGreaterThan(5);
    expect(await count(`${sql} SELECT count(*) FROM r WHERE abs(ret) > 0.1 + 0.0051 / prev_raw + 1e-9`)).toBe(0);
  });

  it('factor: mostly 1, some adjustments; close / factor is a price on the 0.01 grid', async () => {
    const total = await count("SELECT count(*) FROM bars_daily WHERE close IS NOT NULL AND stock <> 'SH000300'");
    const ones = await count("SELECT count(*) FROM bars_daily WHERE factor = 1 AND stock <> 'SH000300'");
    expect(ones / total).toBeGreaterThan(0.6);
    expect(await count('SELECT count(DISTINCT stock) FROM bars_daily WHERE factor > 1')).toBeGreaterThan(0);
    expect(await count("SELECT count(*) FROM bars_daily WHERE stock <> 'SH000300' AND close IS NOT NULL AND abs(close / factor * 100 - round(close / factor * 100)) > 1e-3")).toBe(0);
  });

  it('index SH000300: a row every day, cap-weighted over the members', async () => {
    const days = await count('SELECT count(*) FROM calendar');
    expect(await count("SELECT count(*) FROM bars_daily WHERE stock = 'SH000300' AND close IS NOT NULL")).toBe(days);
    expect(await count("SELECT count(*) FROM bars_daily WHERE stock = 'SH000300' AND (low > least(open, close) OR high < greatest(open, close))")).toBe(0);
    // The index return tracks the members' cap-weighted return.
    const c = await scalar(m.con, `WITH
      cal AS (SELECT day, lag(day) OVER (ORDER BY day) AS prev FROM calendar),
      idx AS (SELECT day, close / lag(close) OVER (ORDER BY day) - 1 AS r FROM bars_daily WHERE stock = 'SH000300'),
      mkt AS (SELECT b.day, sum((b.close / p.close - 1) * p.cap) / sum(p.cap) AS r
        FROM bars_daily b JOIN cal ON cal.day = b.day JOIN bars_daily p ON p.stock = b.stock AND p.day = cal.prev
        JOIN universe u ON u.stock = b.stock AND b.day BETWEEN u.start_day AND u.end_day
        WHERE b.close IS NOT NULL AND p.close IS NOT NULL AND b.stock <> 'SH000300' GROUP BY b.day)
      SELECT max(abs(idx.r - mkt.r)) FROM idx JOIN mkt USING (day)`);
    expect(c).toBeLessThan(1e-9);
  });

  it('universe: point-in-time spans, exactly the target size every day, with churn', async () => {
    const target = PRESETS.small.members;
    const sizes = await rows(m.con, `SELECT c.day, count(u.stock) FROM calendar c LEFT JOIN universe u
      ON c.day BETWEEN u.start_day AND u.end_day AND u.name = 'csi300' GROUP BY c.day`);
    for (const [, n] of sizes) expect(Number(n)).toBe(target);
    expect(await count(`SELECT count(*) FROM universe a JOIN universe b ON a.stock = b.stock AND a.start_day < b.start_day AND a.end_day >= b.start_day`)).toBe(0);
    expect(await count("SELECT count(DISTINCT stock) FROM universe WHERE end_day < (SELECT max(day) FROM calendar)")).toBeGreaterThan(0);
    expect(await count('SELECT count(DISTINCT stock) FROM universe')).toBeGreaterThan(target);
  });

  it('concepts, industries and relations', async () => {
    expect(await count('SELECT count(DISTINCT concept) FROM concepts')).toBe(PRESETS.small.concepts);
    expect(await count('SELECT count(*) FROM (SELECT stock, count(*) n FROM concepts GROUP BY stock) WHERE n < 1 OR n > 4')).toBe(0);
    expect(await count('SELECT count(*) FROM (SELECT concept, count(*) n FROM concepts GROUP BY concept) WHERE n < 3')).toBe(0);
    expect(await count('SELECT count(*) - count(DISTINCT stock) FROM industry')).toBe(0);
    expect(await count("SELECT count(*) FROM relations WHERE src = dst OR rel_type NOT IN ('industry', 'supply_chain', 'business', 'shareholding')")).toBe(0);
    expect(await count("SELECT count(DISTINCT cluster) FROM truth_hidden_cluster")).toBe(PRESETS.small.hiddenClusters);
  });

  it('events and news', async () => {
    expect(await count('SELECT count(*) FROM events')).toBeGreaterThan(500);
    expect(await count(`SELECT count(*) FROM events WHERE len(tokens) < 6 OR len(tokens) > 16 OR type < 0 OR type > 11
      OR list_min(tokens) < 1 OR list_max(tokens) >= ${PRESETS.small.vocab}`)).toBe(0);
    expect(await count(`SELECT count(*) FROM news WHERE len(vec) <> ${PRESETS.small.newsDim}`)).toBe(0);
    const share = await scalar(m.con, 'SELECT avg(is_rumour::INTEGER) FROM truth_news');
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.45);
    expect(await count('SELECT count(*) FROM news n ANTI JOIN truth_news t USING (news_id)')).toBe(0);
  });

  it('fund holdings at quarter ends, one row per report, fund and stock', async () => {
    expect(await count("SELECT count(*) FROM fund_holdings WHERE month(report_date) NOT IN (3, 6, 9, 12) OR value <= 0")).toBe(0);
    expect(await count('SELECT count(*) - count(DISTINCT (report_date, fund, stock)) FROM fund_holdings')).toBe(0);
    expect(await count('SELECT count(DISTINCT report_date) FROM fund_holdings')).toBe(4 * PRESETS.small.years);
    expect(await count('SELECT count(*) FROM fund_holdings h JOIN bars_daily b ON b.stock = h.stock AND b.day = h.report_date WHERE b.close IS NULL')).toBe(0);
  });

  it('style exposures are cross-sectionally standardized and clipped', async () => {
    expect(await count('SELECT count(*) FROM style_exposures WHERE abs(size) > 3 OR abs(beta) > 3 OR abs(leverage) > 3')).toBe(0);
    const worst = await scalar(m.con, 'SELECT max(abs(m)) FROM (SELECT avg(size) m FROM style_exposures GROUP BY day)');
    expect(worst).toBeLessThan(0.05);
  });

  it('minute bars: 240 a stock-day, U-shaped volume, aggregating to the daily bar', async () => {
    expect(await count('SELECT count(*) FROM (SELECT day, stock, count(*) n FROM bars_minute GROUP BY ALL) WHERE n <> 240')).toBe(0);
    expect(await count('SELECT count(DISTINCT stock) FROM bars_minute')).toBe(PRESETS.small.minuteStocks);
    expect(await count('SELECT count(*) FROM bars_minute WHERE low > least(open, close) OR high < greatest(open, close) OR vwap < low OR vwap > high OR volume < 0')).toBe(0);
    const mismatch = await count(`WITH a AS (SELECT day, stock, sum(volume) v, max(high) h, min(low) l,
        arg_min(open, minute) o, arg_max(close, minute) c FROM bars_minute GROUP BY ALL)
      SELECT count(*) FROM a JOIN bars_daily b USING (day, stock)
      WHERE abs(a.v - b.volume) > 1e-6 * b.volume OR a.h <> b.high OR a.l <> b.low OR a.o <> b.open OR a.c <> b.close`);
    expect(mismatch).toBe(0);
    const edge = await scalar(m.con, 'SELECT avg(volume) FROM bars_minute WHERE minute < 30 OR minute >= 210');
    const middle = await scalar(m.con, 'SELECT avg(volume) FROM bars_minute WHERE minute BETWEEN 75 AND 164');
    expect(edge / middle).toBeGreaterThan(1.5);
  });

  it('orders: one per minute stock-day, sized 0.1–1 % of the day volume, split by time', async () => {
    expect(await count('SELECT count(*) FROM orders o ANTI JOIN (SELECT DISTINCT day, stock FROM bars_minute) USING (day, stock)')).toBe(0);
    expect(await count(`SELECT count(*) FROM orders o JOIN bars_daily b USING (day, stock)
      WHERE o.amount < 0.001 * b.volume - 1 OR o.amount > 0.01 * b.volume + 1`)).toBe(0);
    expect(await count("SELECT count(*) FROM orders WHERE direction NOT IN ('buy', 'sell') OR split NOT IN ('train', 'valid', 'test')")).toBe(0);
    const splits = await rows(m.con, 'SELECT split, max(day) FROM orders GROUP BY split ORDER BY 2');
    expect(splits.map((r) => r[0])).toEqual(['train', 'valid', 'test']);
  });
});
