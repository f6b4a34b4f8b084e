// Market databases: open a DuckDB file read-only or for writing, run small
// typed queries, and move numeric columns into typed arrays fast.
//
// Assumes: `@duckdb/node-api` 1.5.x. Extensions are never installed or
// auto-loaded (every instance is opened with autoinstall/autoload off).
// Guarantees: failures to open become a Q5201 DiagnosticError; NULL numeric
// values arrive as NaN; DATE values arrive as ISO `YYYY-MM-DD` strings.
//
// Transfer from DuckDB into Float64Arrays, measured on this project's
// 2-core machine (DuckDB 1.5.6, Node 20; bars of 400 instruments × 2,900
// days, ~870k rows × 8–9 DOUBLE columns with NULLs, scattered into
// instrument-major 1.16M-value arrays). Standalone script, best of 3 /
// inside vitest with other test runs sharing the cores
// (test/runtime/data/transfer.test.ts prints the second column again):
//   row objects (`runAndReadAll` + `getRowObjects`)             1,400–1,700 / 2,200–2,800 ms
//   whole columns as JS arrays (`getColumns`)                     750–1,000 / 1,400 ms
//   dense grid built in DuckDB (cross join + ORDER BY),
//     chunk vectors + `getItem`                                    670–830 ms
//   flat (row, col, values…) rows, 2,048-row chunks, `getItem`     230 / 950–1,550 ms
//   one row per instrument, `list({col, values…})`, read through
//     the list's flat child vectors (`childVector`, `entryVectorAt`) 185–300 / 290–420 ms
// The DuckDB side of the query alone takes ~20 ms: the cost is the move
// into JS. Row and column materialisation box every value; the flat form
// pays an async `fetchChunk` round trip per 2,048 rows (426 of them), which
// is cheap in a quiet process but slow when the event loop or thread pool
// is busy. The list form needs one chunk per 2,048 instruments, so
// `readGrid` (and through it `loadPanel`) uses it.

import { existsSync } from 'node:fs';
import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBTypeId,
  DOUBLE,
  LIST,
  VARCHAR,
  listValue,
  type DuckDBType,
  type DuckDBDataChunk,
  type DuckDBDoubleVector,
  type DuckDBIntegerVector,
  type DuckDBListVector,
  type DuckDBResult,
  type DuckDBStructVector,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';

/** An open market database: one DuckDB instance with one connection. */
export interface MarketDb {
  readonly path: string;
  readonly readOnly: boolean;
  readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
}

/** Anything holding a DuckDB connection (a MarketDb, a Sandbox). */
export interface HasConn {
  readonly conn: DuckDBConnection;
}

export interface OpenOptions {
  /** Open for writing (creates the file when missing). Default: read-only. */
  write?: boolean;
  /** DuckDB worker threads (default: DuckDB's choice, the core count). */
  threads?: number;
  /** DuckDB memory limit, e.g. '4GB'. */
  memoryLimit?: string;
}

/** First line of a DuckDB error message, without the error-class noise after it. */
export function duckMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const first = text.split('\n').find((l) => l.trim() !== '') ?? text;
  return first.trim();
}

/** Options every instance gets: extensions are never fetched or auto-loaded. */
export function baseInstanceOptions(threads?: number, memoryLimit?: string): Record<string, string> {
  const o: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (threads !== undefined) o.threads = String(threads);
  if (memoryLimit !== undefined) o.memory_limit = memoryLimit;
  return o;
}

/** Open a market database. Read-only unless `write`; a read-only open needs an existing file. */
export async function openMarket(path: string, opts: OpenOptions = {}): Promise<MarketDb> {
  const readOnly = !opts.write;
  if (readOnly && !existsSync(path)) {
    throw new DiagnosticError(diag('marketOpenFailed', { path, reason: 'no such file' }));
  }
  const options = baseInstanceOptions(opts.threads, opts.memoryLimit);
  options.access_mode = readOnly ? 'READ_ONLY' : 'READ_WRITE';
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path, options);
  } catch (e) {
    throw new DiagnosticError(diag('marketOpenFailed', { path, reason: duckMessage(e) }));
  }
  try {
    const conn = await instance.connect();
    return { path, readOnly, instance, conn };
  } catch (e) {
    instance.closeSync();
    throw new DiagnosticError(diag('marketOpenFailed', { path, reason: duckMessage(e) }));
  }
}

export function closeMarket(db: MarketDb): void {
  db.conn.closeSync();
  db.instance.closeSync();
}

/** Open, run `fn`, close (also on failure). */
export async function withMarket<T>(path: string, opts: OpenOptions, fn: (db: MarketDb) => Promise<T>): Promise<T> {
  const db = await openMarket(path, opts);
  try {
    return await fn(db);
  } finally {
    closeMarket(db);
  }
}

/** Query parameters: scalars, or lists (bound as DuckDB LISTs). */
export type SqlParam = string | number | boolean | null | readonly string[] | readonly number[];

/** Bind values plus their types (lists need one: an empty list has no item type to infer). */
function bind(params: readonly SqlParam[]): [DuckDBValue[], DuckDBType[]] {
  const values: DuckDBValue[] = [];
  const types: (DuckDBType | undefined)[] = [];
  for (const p of params) {
    if (Array.isArray(p)) {
      const items = [...(p as readonly (string | number)[])];
      values.push(listValue(items));
      types.push(LIST(items.length > 0 && typeof items[0] === 'number' ? DOUBLE : VARCHAR));
    } else {
      values.push(p as DuckDBValue);
      types.push(undefined);
    }
  }
  return [values, types as DuckDBType[]];
}

/** A cell of a small result: numbers (BIGINT/DECIMAL converted), strings, ISO dates, booleans, null. */
export type Cell = string | number | boolean | null;

/** Convert one DuckDB value to a Cell. */
export function toCell(v: DuckDBValue): Cell {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  const maybeDecimal = v as { toDouble?: () => number };
  if (typeof maybeDecimal.toDouble === 'function') return maybeDecimal.toDouble();
  return String(v);
}

/**
 * Run a query and return its rows as objects of Cells (for small results).
 * `T` names the row shape the caller expects (e.g. `{ stock: string; n: number }`);
 * the values are converted with `toCell`, not checked against it.
 */
export async function queryRows<T extends Record<string, Cell> = Record<string, Cell>>(
  db: HasConn,
  sql: string,
  params: readonly SqlParam[] = [],
): Promise<T[]> {
  const reader = await db.conn.runAndReadAll(sql, ...bind(params));
  const names = reader.deduplicatedColumnNames();
  return reader.getRows().map((row) => {
    const o: Record<string, Cell> = {};
    for (let i = 0; i < names.length; i++) o[names[i]!] = toCell(row[i]!);
    return o as T;
  });
}

/** Run a statement for its effect. */
export async function exec(db: HasConn, sql: string, params: readonly SqlParam[] = []): Promise<void> {
  await db.conn.run(sql, ...bind(params));
}

/** The first column of the first row (null when there is no row). */
export async function queryValue(db: HasConn, sql: string, params: readonly SqlParam[] = []): Promise<Cell> {
  const reader = await db.conn.runAndReadAll(sql, ...bind(params));
  const rows = reader.getRows();
  return rows.length === 0 ? null : toCell(rows[0]![0]!);
}

/** The names of the tables in the main schema. */
export async function tableNames(db: HasConn): Promise<string[]> {
  const rows = await queryRows(db, `SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT temporary ORDER BY 1`);
  return rows.map((r) => String(r.table_name));
}

/** Columns of a table with their DuckDB type names, in table order. */
export async function tableColumns(db: HasConn, table: string): Promise<{ name: string; type: string }[]> {
  const rows = await queryRows(
    db,
    `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index`,
    [table],
  );
  return rows.map((r) => ({ name: String(r.column_name), type: String(r.data_type) }));
}

/** Quote an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quote a string literal for SQL. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

// ── bulk reads ─────────────────────────────────────────────────────────────

const NUMERIC_TYPES = new Set<DuckDBTypeId>([
  DuckDBTypeId.BOOLEAN, DuckDBTypeId.TINYINT, DuckDBTypeId.SMALLINT, DuckDBTypeId.INTEGER, DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT, DuckDBTypeId.USMALLINT, DuckDBTypeId.UINTEGER, DuckDBTypeId.UBIGINT,
  DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.DECIMAL,
]);

/** A result column: numeric types as Float64Array (NULL → NaN), everything else as strings (NULL → null). */
export type Column =
  | { name: string; type: string; kind: 'number'; values: Float64Array }
  | { name: string; type: string; kind: 'string'; values: (string | null)[] };

export interface ColumnSet {
  columns: Column[];
  rowCount: number;
  /** True when reading stopped at `maxRows` with rows left over. */
  truncated: boolean;
}

function numberOf(v: DuckDBValue): number {
  if (v === null) return NaN;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  const maybeDecimal = v as { toDouble?: () => number };
  return typeof maybeDecimal.toDouble === 'function' ? maybeDecimal.toDouble() : NaN;
}

function concatF64(parts: Float64Array[], total: number): Float64Array {
  const out = new Float64Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/**
 * Read a result chunk by chunk into typed columns. Stops after `maxRows`
 * rows (and reports `truncated` if more were available).
 */
export async function readResultColumns(result: DuckDBResult, maxRows = Infinity): Promise<ColumnSet> {
  const n = result.columnCount;
  const names = result.deduplicatedColumnNames();
  const typeIds: DuckDBTypeId[] = [];
  const typeNames: string[] = [];
  for (let c = 0; c < n; c++) {
    typeIds.push(result.columnTypeId(c));
    typeNames.push(result.columnType(c).toString());
  }
  const numParts: Float64Array[][] = names.map(() => []);
  const strCols: (string | null)[][] = names.map(() => []);
  let rowCount = 0;
  let truncated = false;
  for (;;) {
    const chunk: DuckDBDataChunk | null = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    let rows = chunk.rowCount;
    if (rowCount + rows > maxRows) {
      rows = maxRows - rowCount;
      truncated = true;
    }
    for (let c = 0; c < n; c++) {
      const vec: DuckDBVector = chunk.getColumnVector(c);
      const id = typeIds[c]!;
      if (NUMERIC_TYPES.has(id)) {
        const part = new Float64Array(rows);
        if (id === DuckDBTypeId.DOUBLE || id === DuckDBTypeId.FLOAT || id === DuckDBTypeId.INTEGER ||
            id === DuckDBTypeId.SMALLINT || id === DuckDBTypeId.TINYINT || id === DuckDBTypeId.UINTEGER ||
            id === DuckDBTypeId.USMALLINT || id === DuckDBTypeId.UTINYINT) {
          const v = vec as DuckDBVector<number>;
          for (let r = 0; r < rows; r++) {
            const x = v.getItem(r);
            part[r] = x === null ? NaN : x;
          }
        } else {
          for (let r = 0; r < rows; r++) part[r] = numberOf(vec.getItem(r));
        }
        numParts[c]!.push(part);
      } else {
        const out = strCols[c]!;
        for (let r = 0; r < rows; r++) {
          const x = vec.getItem(r);
          out.push(x === null ? null : typeof x === 'string' ? x : String(x));
        }
      }
    }
    rowCount += rows;
    if (truncated) break;
  }
  const columns: Column[] = names.map((name, c) =>
    NUMERIC_TYPES.has(typeIds[c]!)
      ? { name, type: typeNames[c]!, kind: 'number', values: concatF64(numParts[c]!, rowCount) }
      : { name, type: typeNames[c]!, kind: 'string', values: strCols[c]! },
  );
  return { columns, rowCount, truncated };
}

/** Run a query and read every column (numeric → Float64Array). */
export async function readColumns(db: HasConn, sql: string, params: readonly SqlParam[] = []): Promise<ColumnSet> {
  const result = await db.conn.stream(sql, ...bind(params));
  return readResultColumns(result);
}

/**
 * Fill dense row-major grids from a sparse query.
 *
 * `sql` must return an integer row index, an integer column index, then
 * `fields` numeric columns (in that order; names do not matter). The result
 * is one Float64Array of rows × cols per field, value (r, c) at r * cols + c,
 * NaN where the query has no row or a NULL/NaN value. Rows and columns
 * outside the grid are a caller bug (Q9001).
 */
export async function readGrid(
  db: HasConn,
  sql: string,
  params: readonly SqlParam[],
  shape: { rows: number; cols: number; fields: number },
): Promise<Float64Array[]> {
  const { rows, cols, fields } = shape;
  const out: Float64Array[] = [];
  for (let f = 0; f < fields; f++) out.push(new Float64Array(rows * cols).fill(NaN));
  if (rows === 0 || cols === 0 || fields === 0) return out;
  const alias = ['__r', '__c', ...Array.from({ length: fields }, (_, f) => `__f${f}`)];
  const packed = [`'c': __c::INTEGER`, ...Array.from({ length: fields }, (_, f) => `'v${f}': __f${f}::DOUBLE`)].join(', ');
  const wrapped = `SELECT __r::INTEGER AS r, list({${packed}}) AS xs FROM (${sql}) AS __t(${alias.join(', ')}) GROUP BY __r`;
  const result = await db.conn.run(wrapped, ...bind(params));
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rVec = chunk.getColumnVector(0) as DuckDBIntegerVector;
    const lists = chunk.getColumnVector(1) as DuckDBListVector;
    const structs = lists.childVector as DuckDBStructVector;
    const cVec = structs.entryVectorAt(0) as DuckDBIntegerVector;
    const vVecs: DuckDBDoubleVector[] = [];
    for (let f = 0; f < fields; f++) vVecs.push(structs.entryVectorAt(f + 1) as DuckDBDoubleVector);
    const n = chunk.rowCount;
    for (let i = 0; i < n; i++) {
      const r = rVec.getItem(i);
      if (r === null || r < 0 || r >= rows) {
        throw new DiagnosticError(diag('internalError', { what: `readGrid: row index ${String(r)} outside 0..${rows - 1}` }));
      }
      const start = lists.getEntryOffset(i);
      const len = lists.getEntryLength(i);
      const pos = new Int32Array(len);
      const base = r * cols;
      for (let k = 0; k < len; k++) {
        const c = cVec.getItem(start + k);
        if (c === null || c < 0 || c >= cols) {
          throw new DiagnosticError(diag('internalError', { what: `readGrid: column index ${String(c)} outside 0..${cols - 1}` }));
        }
        pos[k] = base + c;
      }
      for (let f = 0; f < fields; f++) {
        const v = vVecs[f]!;
        const o = out[f]!;
        for (let k = 0; k < len; k++) {
          const x = v.getItem(start + k);
          o[pos[k]!] = x === null ? NaN : x;
        }
      }
    }
  }
  return out;
}
