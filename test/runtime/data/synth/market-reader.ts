// Test support: read a generated synthetic market back from its DuckDB file
// into plain arrays (the tests compute every statistic from the tables, never
// from the generator's internals).
//
// Assumes: the file follows docs/data.md and docs/synthetic-market.md.
// Guarantees: `readDaily` gives stock-major Float64Arrays (NaN where a row is
// missing or suspended) over the calendar and the non-index stocks in code
// order; connections are read-only and closed by `close()`.

import { createHash } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface Market {
  con: DuckDBConnection;
  close(): void;
}

export async function openRead(path: string): Promise<Market> {
  const instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY', threads: '1' });
  const con = await instance.connect();
  return {
    con,
    close: () => {
      con.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows of a query as JSON-friendly values (dates as ISO strings, lists as arrays). */
export async function rows(con: DuckDBConnection, sql: string): Promise<unknown[][]> {
  const r = await con.runAndReadAll(sql);
  return r.getRowsJson() as unknown[][];
}

export async function scalar(con: DuckDBConnection, sql: string): Promise<number> {
  const r = await rows(con, sql);
  return Number(r[0]![0]);
}

export interface Daily {
  days: string[];
  stocks: string[];
  D: number;
  P: number;
  dayIndex: Map<string, number>;
  stockIndex: Map<string, number>;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  vwap: Float64Array;
  volume: Float64Array;
  factor: Float64Array;
  cap: Float64Array;
  /** 1 where a row exists (listed), even if suspended. */
  present: Uint8Array;
}

export const FIELDS = ['open', 'high', 'low', 'close', 'vwap', 'volume', 'factor', 'cap'] as const;

export async function readDaily(con: DuckDBConnection): Promise<Daily> {
  const days = (await rows(con, 'SELECT strftime(day, \'%Y-%m-%d\') FROM calendar ORDER BY day')).map((r) => String(r[0]));
  const stocks = (await rows(con, "SELECT DISTINCT stock FROM bars_daily WHERE stock <> 'SH000300' ORDER BY stock")).map((r) =>
    String(r[0]),
  );
  const D = days.length;
  const P = stocks.length;
  const dayIndex = new Map(days.map((d, k) => [d, k]));
  const stockIndex = new Map(stocks.map((s, k) => [s, k]));
  const mk = (): Float64Array => new Float64Array(P * D).fill(NaN);
  const out: Daily = {
    days, stocks, D, P, dayIndex, stockIndex,
    open: mk(), high: mk(), low: mk(), close: mk(), vwap: mk(), volume: mk(), factor: mk(), cap: mk(),
    present: new Uint8Array(P * D),
  };
  const reader = await con.runAndReadAll(
    `SELECT stock, strftime(day, '%Y-%m-%d') AS d, ${FIELDS.join(', ')} FROM bars_daily WHERE stock <> 'SH000300' ORDER BY stock, day`,
  );
  const cols = reader.getColumnsJson() as unknown[][];
  const n = cols[0]!.length;
  for (let k = 0; k < n; k++) {
    const at = stockIndex.get(String(cols[0]![k]))! * D + dayIndex.get(String(cols[1]![k]))!;
    out.present[at] = 1;
    FIELDS.forEach((f, j) => {
      const v = cols[j + 2]![k];
      out[f][at] = v === null ? NaN : Number(v);
    });
  }
  return out;
}

/** Map a (stock code → value) query into an array over `d.stocks`. */
export async function perStock(con: DuckDBConnection, d: Daily, sql: string): Promise<Float64Array> {
  const out = new Float64Array(d.P).fill(NaN);
  for (const [s, v] of await rows(con, sql)) {
    const i = d.stockIndex.get(String(s));
    if (i !== undefined) out[i] = Number(v);
  }
  return out;
}

/** Map a (day → value) query into an array over the calendar. */
export async function perDay(con: DuckDBConnection, d: Daily, sql: string): Promise<Float64Array> {
  const out = new Float64Array(d.D).fill(NaN);
  for (const [day, v] of await rows(con, sql)) out[d.dayIndex.get(String(day))!] = Number(v);
  return out;
}

/** sha256 of every table dumped in a total order (ORDER BY ALL), table by table in name order. */
export async function contentHash(con: DuckDBConnection): Promise<Record<string, string>> {
  const tables = (await rows(con, 'SELECT table_name FROM duckdb_tables() ORDER BY table_name')).map((r) => String(r[0]));
  const out: Record<string, string> = {};
  for (const t of tables) {
    const h = createHash('sha256');
    const reader = await con.runAndReadAll(`SELECT * FROM ${t} ORDER BY ALL`);
    for (const row of reader.getRowsJson()) h.update(JSON.stringify(row) + '\n');
    out[t] = h.digest('hex');
  }
  return out;
}
