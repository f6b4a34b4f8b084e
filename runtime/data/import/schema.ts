// The market schema every importer writes (docs/data.md, "The market schema"),
// the staging tables importers fill, and small shared helpers.
//
// Assumes: one DuckDB connection that may create tables.
// Guarantees: the DDL here is the only place the importers' table shapes are
// spelled out; field names are lower-case and match docs/data.md.

import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';

/** The numeric bars_daily columns, in table order. */
export const MARKET_FIELDS = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'factor', 'cap'] as const;
export type MarketField = (typeof MARKET_FIELDS)[number];

/** Fields an importer requires unless the caller restricts the field list. */
export const REQUIRED_FIELDS: readonly MarketField[] = ['open', 'high', 'low', 'close', 'volume'];

/** Price-like fields that become NULL on a suspended day (with volume; Qlib's NaN rows). */
export const SUSPENDED_NULL_FIELDS: readonly MarketField[] = ['open', 'high', 'low', 'close', 'volume', 'vwap', 'factor'];

export const MARKET_TABLES = ['calendar', 'bars_daily', 'universe', 'meta'] as const;

export const SCHEMA_VERSION = '1';

/** How many rows of one kind of problem are reported before summarising. */
export const MAX_REPORTED = 20;

export const MARKET_DDL = [
  `CREATE TABLE calendar (day DATE NOT NULL)`,
  `CREATE TABLE bars_daily (stock VARCHAR NOT NULL, day DATE NOT NULL, ${MARKET_FIELDS.map((f) => `${f} DOUBLE`).join(', ')})`,
  `CREATE TABLE universe (name VARCHAR NOT NULL, stock VARCHAR NOT NULL, start_day DATE NOT NULL, end_day DATE NOT NULL)`,
  `CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR)`,
];

/**
 * Staging tables (TEMP: they never reach the output file). `src`/`row` say
 * where each row came from, for diagnostics.
 */
export const STAGE_DDL = [
  `CREATE TEMP TABLE stage (stock VARCHAR, day DATE, ${MARKET_FIELDS.map((f) => `${f} DOUBLE`).join(', ')}, src VARCHAR, row BIGINT)`,
  `CREATE TEMP TABLE stage_calendar (day DATE, src VARCHAR, row BIGINT)`,
  `CREATE TEMP TABLE stage_universe (name VARCHAR, stock VARCHAR, start_day DATE, end_day DATE, src VARCHAR, row BIGINT)`,
];

/** Conventional Chinese index codes: SSE SH000xxx, SZSE SZ399xxx. */
export const INDEX_CODE_PATTERN = /^(SH000\d{3}|SZ399\d{3})$/;

/** Progress stages reported to `onProgress`. */
export type ImportStage = 'read' | 'validate' | 'write' | 'finish';
export type ProgressFn = (stage: ImportStage, detail: string) => void;

/** A membership file and the universe name its rows go to. */
export interface UniverseFile {
  name: string;
  path: string;
}

export interface ImportSummary {
  out: string;
  rows: number;
  instruments: number;
  indexes: string[];
  days: number;
  firstDay: string;
  lastDay: string;
  suspendedRows: number;
  universes: { name: string; stocks: number }[];
  version: string;
  seconds: number;
}

export interface ImportResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  summary?: ImportSummary;
}

/** `file:row` for diagnostics. */
export function at(file: string, row?: number): string {
  return row === undefined ? file : `${file}:${row}`;
}

/** Strict ISO calendar date check (`YYYY-MM-DD`, optionally followed by a midnight time). */
export function parseIsoDay(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$/.exec(text.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1) return null;
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d > dim) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
