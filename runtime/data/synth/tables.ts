// The observable tables of the synthetic market: calendar, bars_daily (with
// the SH000300 index rows), universe, concepts, industry, relations, events,
// news, fund_holdings, style_exposures, bars_minute and orders.
//
// Assumes a connection where `stageLookups` has created temp.codes (stock
// index → code, the index last) and temp.days (day index → DATE).
// Guarantees: each table is created in one CTAS with a total ORDER BY on its
// key, so a dump in key order is a pure function of the generated arrays;
// NaN becomes NULL.

import type { DuckDBConnection } from '@duckdb/node-api';
import { materialize, stage, type StageColumn } from './duck.js';
import type { EventRows, NewsRows } from './events.js';
import type { HoldingRows } from './funds.js';
import { STYLE_NAMES } from './latent.js';
import type { MinuteRows, OrderRows } from './minute.js';
import { SPLITS } from './minute.js';
import type { Bars } from './simulate.js';
import { REL_TYPES, type Structure } from './structure.js';
import type { IndexSeries, Spans } from './universe.js';

export const INDEX_CODE = 'SH000300';
export const UNIVERSE_NAME = 'csi300';

export const conceptName = (c: number): string => `concept_${String(c + 1).padStart(2, '0')}`;
export const industryName = (k: number): string => `industry_${String(k + 1).padStart(2, '0')}`;
export const fundName = (u: number): string => `F${String(u + 1).padStart(4, '0')}`;

/** NaN → NULL for a DOUBLE column. */
export const nn = (col: string): string => `nullif(${col}, 'NaN'::DOUBLE)`;

export const JOIN_STOCK = (alias: string, col = 'stock'): string =>
  `JOIN temp.codes ${alias} ON ${alias}.idx = s.${col}`;
export const JOIN_DAY = (alias: string, col = 'day'): string => `JOIN temp.days ${alias} ON ${alias}.idx = s.${col}`;

export async function stageLookups(con: DuckDBConnection, S: Structure, epoch: Int32Array): Promise<void> {
  await stage(con, 'codes', [
    { name: 'idx', type: 'INTEGER', data: Int32Array.from({ length: S.P + 1 }, (_, i) => i) },
    { name: 'code', type: 'VARCHAR', data: [...S.codes, INDEX_CODE] },
  ]);
  await stage(con, 'days_raw', [
    { name: 'idx', type: 'INTEGER', data: Int32Array.from({ length: epoch.length }, (_, i) => i) },
    { name: 'epoch', type: 'INTEGER', data: epoch },
  ]);
  await con.run(`CREATE TEMP TABLE days AS SELECT idx, DATE '1970-01-01' + epoch AS day FROM temp.days_raw`);
  await con.run('DROP TABLE temp.days_raw');
}

/** Stage stock/day index columns plus the given columns, then CTAS with codes and dates. */
export async function stockDayTable(
  con: DuckDBConnection,
  name: string,
  stock: Int32Array,
  day: Int32Array,
  cols: StageColumn[],
  selectCols: string,
  orderBy = 'stock, day',
  dayFirst = false,
): Promise<number> {
  const st = `st_${name}`;
  const rows = await stage(con, st, [
    { name: 'stock', type: 'INTEGER', data: stock },
    { name: 'day', type: 'INTEGER', data: day },
    ...cols,
  ]);
  const keys = dayFirst ? 'd.day AS day, c.code AS stock' : 'c.code AS stock, d.day AS day';
  await materialize(
    con,
    name,
    `SELECT ${keys}, ${selectCols} FROM temp.${st} s ${JOIN_STOCK('c')} ${JOIN_DAY('d')} ORDER BY ${orderBy}`,
    st,
  );
  return rows;
}

export async function writeCalendar(con: DuckDBConnection): Promise<number> {
  await con.run('CREATE TABLE calendar AS SELECT day FROM temp.days ORDER BY day');
  const r = await con.runAndReadAll('SELECT count(*) FROM calendar');
  return Number(r.getRows()[0]![0]);
}

export async function writeBars(con: DuckDBConnection, S: Structure, bars: Bars, index: IndexSeries): Promise<number> {
  const { P, D } = S;
  let n = D;
  for (let k = 0; k < P * D; k++) n += bars.present[k]!;
  const stock = new Int32Array(n);
  const day = new Int32Array(n);
  const fields = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'factor', 'cap'] as const;
  const out = fields.map(() => new Float64Array(n));
  let r = 0;
  for (let i = 0; i < P; i++) {
    for (let t = 0; t < D; t++) {
      const at = i * D + t;
      if (!bars.present[at]) continue;
      stock[r] = i;
      day[r] = t;
      fields.forEach((fname, k) => (out[k]![r] = bars[fname][at]!));
      r++;
    }
  }
  for (let t = 0; t < D; t++) {
    stock[r] = P;
    day[r] = t;
    const vals = [index.open[t]!, index.high[t]!, index.low[t]!, index.close[t]!, index.volume[t]!, index.vwap[t]!, 1, index.cap[t]!];
    vals.forEach((v, k) => (out[k]![r] = v));
    r++;
  }
  return stockDayTable(
    con,
    'bars_daily',
    stock,
    day,
    fields.map((f, k) => ({ name: f, type: 'DOUBLE', data: out[k]! })),
    fields.map((f) => `${nn(`s.${f}`)} AS ${f}`).join(', '),
  );
}

export async function writeUniverse(con: DuckDBConnection, spans: Spans): Promise<number> {
  const rows = await stage(con, 'st_universe', [
    { name: 'stock', type: 'INTEGER', data: spans.stock },
    { name: 'start_day', type: 'INTEGER', data: spans.start },
    { name: 'end_day', type: 'INTEGER', data: spans.end },
  ]);
  await materialize(
    con,
    'universe',
    `SELECT '${UNIVERSE_NAME}' AS name, c.code AS stock, d1.day AS start_day, d2.day AS end_day
     FROM temp.st_universe s ${JOIN_STOCK('c')} ${JOIN_DAY('d1', 'start_day')} ${JOIN_DAY('d2', 'end_day')}
     ORDER BY name, stock, start_day`,
    'st_universe',
  );
  return rows;
}

/** A (stock, label) table such as concepts or industry. */
async function stockLabelTable(
  con: DuckDBConnection,
  name: string,
  labelCol: string,
  stock: number[],
  label: string[],
): Promise<number> {
  const st = `st_${name}`;
  const rows = await stage(con, st, [
    { name: 'stock', type: 'INTEGER', data: Int32Array.from(stock) },
    { name: 'label', type: 'VARCHAR', data: label },
  ]);
  await materialize(
    con,
    name,
    `SELECT c.code AS stock, s.label AS ${labelCol} FROM temp.${st} s ${JOIN_STOCK('c')} ORDER BY stock, ${labelCol}`,
    st,
  );
  return rows;
}

export async function writeGroups(con: DuckDBConnection, S: Structure): Promise<{ concepts: number; industry: number; relations: number }> {
  const cs: number[] = [];
  const cl: string[] = [];
  S.listedConceptsOf.forEach((list, i) => list.forEach((c) => (cs.push(i), cl.push(conceptName(c)))));
  const concepts = await stockLabelTable(con, 'concepts', 'concept', cs, cl);
  const industry = await stockLabelTable(
    con,
    'industry',
    'industry',
    Array.from({ length: S.P }, (_, i) => i),
    Array.from(S.industry, industryName),
  );
  const relations = await stage(con, 'st_relations', [
    { name: 'src', type: 'INTEGER', data: S.rel.src },
    { name: 'dst', type: 'INTEGER', data: S.rel.dst },
    { name: 'rel_type', type: 'VARCHAR', data: Array.from(S.rel.type, (k) => REL_TYPES[k]!) },
  ]);
  await materialize(
    con,
    'relations',
    `SELECT a.code AS src, b.code AS dst, s.rel_type FROM temp.st_relations s ${JOIN_STOCK('a', 'src')} ${JOIN_STOCK('b', 'dst')}
     ORDER BY src, dst, rel_type`,
    'st_relations',
  );
  return { concepts, industry, relations };
}

export async function writeEvents(con: DuckDBConnection, ev: EventRows): Promise<number> {
  const ids = Int32Array.from({ length: ev.day.length }, (_, k) => k + 1);
  return stockDayTable(
    con,
    'events',
    ev.stock,
    ev.day,
    [
      { name: 'event_id', type: 'INTEGER', data: ids },
      { name: 'type', type: 'INTEGER', data: ev.type },
      { name: 'tokens', type: 'INTEGER_LIST', offsets: ev.offset, data: ev.tokens },
    ],
    's.event_id, s.type, s.tokens',
    'day, stock, event_id',
    true,
  );
}

export async function writeNews(con: DuckDBConnection, news: NewsRows): Promise<number> {
  const ids = Int32Array.from({ length: news.day.length }, (_, k) => k + 1);
  return stockDayTable(
    con,
    'news',
    news.stock,
    news.day,
    [
      { name: 'news_id', type: 'INTEGER', data: ids },
      { name: 'vec', type: 'FLOAT_ARRAY', dim: news.dim, data: news.vec },
    ],
    's.news_id, s.vec::FLOAT[] AS vec',
    'day, stock, news_id',
    true,
  );
}

export async function writeHoldings(con: DuckDBConnection, h: HoldingRows): Promise<number> {
  const rows = await stage(con, 'st_holdings', [
    { name: 'report', type: 'INTEGER', data: h.report },
    { name: 'fund', type: 'VARCHAR', data: Array.from(h.fund, fundName) },
    { name: 'stock', type: 'INTEGER', data: h.stock },
    { name: 'value', type: 'DOUBLE', data: h.value },
  ]);
  await materialize(
    con,
    'fund_holdings',
    `SELECT d.day AS report_date, s.fund, c.code AS stock, s.value
     FROM temp.st_holdings s ${JOIN_STOCK('c')} ${JOIN_DAY('d', 'report')} ORDER BY report_date, fund, stock`,
    'st_holdings',
  );
  return rows;
}

/** Rows (stock, day) where a stock-major P × D mask is set. */
export function maskRows(mask: (at: number) => boolean, P: number, D: number): { stock: Int32Array; day: Int32Array; at: Int32Array } {
  let n = 0;
  for (let at = 0; at < P * D; at++) if (mask(at)) n++;
  const stock = new Int32Array(n);
  const day = new Int32Array(n);
  const at = new Int32Array(n);
  let r = 0;
  for (let i = 0; i < P; i++) {
    for (let t = 0; t < D; t++) {
      const k = i * D + t;
      if (!mask(k)) continue;
      stock[r] = i;
      day[r] = t;
      at[r] = k;
      r++;
    }
  }
  return { stock, day, at };
}

export function gather(values: Float64Array, at: Int32Array): Float64Array {
  const out = new Float64Array(at.length);
  for (let k = 0; k < at.length; k++) out[k] = values[at[k]!]!;
  return out;
}

export async function writeStyles(con: DuckDBConnection, S: Structure, bars: Bars): Promise<number> {
  const traded = (at: number): boolean => Number.isFinite(bars.close[at]!);
  const rows = maskRows(traded, S.P, S.D);
  return stockDayTable(
    con,
    'style_exposures',
    rows.stock,
    rows.day,
    STYLE_NAMES.map((name, k) => ({ name, type: 'DOUBLE' as const, data: gather(bars.style[k]!, rows.at) })),
    STYLE_NAMES.map((name) => `${nn(`s.${name}`)} AS ${name}`).join(', '),
    'day, stock',
    true,
  );
}

export async function writeMinutes(con: DuckDBConnection, m: MinuteRows): Promise<number> {
  const f = ['open', 'high', 'low', 'close', 'vwap', 'volume'] as const;
  return stockDayTable(
    con,
    'bars_minute',
    m.stock,
    m.day,
    [{ name: 'minute', type: 'INTEGER', data: m.minute }, ...f.map((name) => ({ name, type: 'DOUBLE' as const, data: m[name] }))],
    `s.minute::SMALLINT AS minute, ${f.map((x) => `s.${x}`).join(', ')}`,
    'day, stock, minute',
    true,
  );
}

export async function writeOrders(con: DuckDBConnection, o: OrderRows): Promise<number> {
  return stockDayTable(
    con,
    'orders',
    o.stock,
    o.day,
    [
      { name: 'direction', type: 'VARCHAR', data: Array.from(o.buy, (b) => (b ? 'buy' : 'sell')) },
      { name: 'amount', type: 'DOUBLE', data: o.amount },
      { name: 'split', type: 'VARCHAR', data: Array.from(o.split, (k) => SPLITS[k]!) },
    ],
    's.direction, s.amount, s.split',
    'day, stock',
    true,
  );
}
