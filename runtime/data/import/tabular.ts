// CSV and Parquet importers (Qlib dump_bin input layouts): one file per
// symbol (the file stem is the symbol) or files with a symbol column; a date
// column; every market field that is present (docs/data.md).
//
// Assumes: CSV files have a header line and one delimiter (`,`, tab, `;` or
// `|`, taken from the first file's header); `.csv.gz` is read as is. Column
// names match case-insensitively. Symbol column: `symbolCol`, else the first
// of symbol/instrument/stock/code present, else the file stem. Date column:
// `dateCol`, else the first of date/datetime/day/trade_date.
// Guarantees: every bad cell is a Q52xx diagnostic naming `file:line` (CSV:
// the file's line, header = line 1, when the file has no blank lines or
// multi-line quoted fields; Parquet: 1-based row). DuckDB reads the files
// (all columns as text for CSV, so nothing is silently coerced), keeping
// file order: the staged row order is the file order, which gives the lines.

import { existsSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { constants as zc, gunzipSync } from 'node:zlib';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { exec, ident, literal, queryRows, type MarketDb } from '../db.js';
import { buildMarket, reportRows } from './build.js';
import { stageSideFiles } from './membership.js';
import {
  MARKET_FIELDS,
  REQUIRED_FIELDS,
  at,
  type ImportResult,
  type MarketField,
  type ProgressFn,
  type UniverseFile,
} from './schema.js';

export type TabularFormat = 'csv' | 'parquet';

export interface TabularImportOptions {
  /** A file, a folder of files, or a list of files. */
  source: string | readonly string[];
  /** The market database to write. */
  out: string;
  symbolCol?: string;
  dateCol?: string;
  /** Import only these market fields (others NULL; factor 1). Default: all present, open/high/low/close/volume required. */
  fields?: readonly string[];
  universeFiles?: readonly UniverseFile[];
  calendarFile?: string;
  /** Index series codes (default: SH000xxx / SZ399xxx). */
  indexes?: readonly string[];
  /** Volume-0 rows are suspended days (default true). */
  zeroVolumeSuspended?: boolean;
  onProgress?: ProgressFn;
  threads?: number;
  /** meta.importer / meta.source overrides (the sample importer uses them). */
  importer?: string;
  sourceLabel?: string;
}

const SYMBOL_CANDIDATES = ['symbol', 'instrument', 'stock', 'code'];
const DATE_CANDIDATES = ['date', 'datetime', 'day', 'trade_date'];

function suffixes(format: TabularFormat): RegExp {
  return format === 'csv' ? /\.csv(\.gz)?$/i : /\.parquet$/i;
}

/** The symbol a per-symbol file stands for: its stem, upper-cased. */
export function stemSymbol(file: string): string {
  return basename(file).replace(/\.(csv(\.gz)?|parquet)$/i, '').toUpperCase();
}

/** Resolve the source into a sorted file list. */
export function sourceFiles(format: TabularFormat, source: string | readonly string[]): { files: string[]; diagnostics: Diagnostic[] } {
  const entries = typeof source === 'string' ? [source] : [...source];
  const files: string[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const e of entries) {
    if (!existsSync(e)) {
      diagnostics.push(diag('importFileNotFound', { path: e }));
    } else if (statSync(e).isDirectory()) {
      const inDir = readdirSync(e).filter((f) => suffixes(format).test(f)).sort().map((f) => join(e, f));
      if (inDir.length === 0) diagnostics.push(diag('importUnknownSource', { path: e }));
      files.push(...inDir);
    } else {
      files.push(e);
    }
  }
  for (const f of files) {
    if (statSync(f).size === 0) diagnostics.push(diag('importEmptyFile', { file: f }));
  }
  return { files, diagnostics };
}

/** The first line of a (possibly gzipped) text file. */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    const n = readSync(fd, buf, 0, buf.length, 0);
    let head = buf.subarray(0, n);
    if (/\.gz$/i.test(file)) head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    return head.toString('utf8').split(/\r?\n/)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

function detectDelimiter(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = header.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

interface FilePlan {
  file: string;
  idx: number;
  stem: string;
  /** Lower-case column names. */
  columns: string[];
  hasSymbol: boolean;
  hasFactor: boolean;
}

async function fileColumns(db: MarketDb, format: TabularFormat, file: string, delim: string): Promise<string[]> {
  if (format === 'csv') {
    return firstLine(file).split(delim).map((h) => h.trim().replace(/^"(.*)"$/, '$1').toLowerCase());
  }
  const rows = await queryRows(db, `DESCRIBE SELECT * FROM read_parquet(${literal(file)})`);
  return rows.map((r) => String(r.column_name).toLowerCase());
}

/** Import CSV or Parquet files into a new market database (atomically). */
export async function importTabular(format: TabularFormat, opts: TabularImportOptions): Promise<ImportResult> {
  const label = opts.sourceLabel ?? (typeof opts.source === 'string' ? opts.source : opts.source.join(', '));
  return buildMarket({
    out: opts.out,
    importer: opts.importer ?? format,
    source: label,
    ...(opts.indexes ? { indexes: opts.indexes } : {}),
    zeroVolumeSuspended: opts.zeroVolumeSuspended ?? true,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    stage: (db) => stageTabular(db, format, opts),
  });
}

async function stageTabular(db: MarketDb, format: TabularFormat, opts: TabularImportOptions): Promise<Diagnostic[]> {
  const ds: Diagnostic[] = [];
  const requested = opts.fields?.map((f) => f.replace(/^\$/, '').toLowerCase());
  for (const f of requested ?? []) {
    if (!(MARKET_FIELDS as readonly string[]).includes(f)) ds.push(diag('unknownField', { field: f, known: MARKET_FIELDS.join(', ') }));
  }
  const { files, diagnostics } = sourceFiles(format, opts.source);
  ds.push(...diagnostics);
  ds.push(...(await stageSideFiles(db, opts.calendarFile, opts.universeFiles ?? [])));
  if (ds.some((d) => d.severity === 'error') || files.length === 0) return ds;

  const wanted = (requested ?? [...MARKET_FIELDS]) as MarketField[];
  const required = (requested ?? [...REQUIRED_FIELDS]) as MarketField[];
  const symbolWanted = opts.symbolCol?.toLowerCase();
  const dateWanted = opts.dateCol?.toLowerCase();
  const delim = format === 'csv' ? detectDelimiter(firstLine(files[0]!)) : ',';

  // Per-file column plans and the checks that need only headers.
  const plans: FilePlan[] = [];
  let symbolCol: string | undefined;
  let dateCol: string | undefined;
  const extras = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    const columns = await fileColumns(db, format, file, delim);
    const found = columns.join(', ');
    const loc = format === 'csv' ? { location: at(file, 1) } : { location: file };
    const sym = symbolWanted ?? SYMBOL_CANDIDATES.find((c) => columns.includes(c));
    const hasSymbol = sym !== undefined && columns.includes(sym);
    if (symbolWanted !== undefined && !hasSymbol && files.length === 1) {
      ds.push(diag('importMissingColumn', { file, column: symbolWanted, found }, loc));
    }
    if (hasSymbol) symbolCol ??= sym;
    const date = dateWanted ?? DATE_CANDIDATES.find((c) => columns.includes(c));
    if (date === undefined || !columns.includes(date)) {
      ds.push(diag('importMissingColumn', { file, column: dateWanted ?? 'date', found }, loc));
    } else {
      dateCol ??= date;
    }
    for (const f of required) {
      if (!columns.includes(f)) ds.push(diag('importMissingColumn', { file, column: f, found }, loc));
    }
    const hasFactor = columns.includes('factor') && wanted.includes('factor');
    if (!columns.includes('factor') && wanted.includes('factor')) ds.push(diag('importMissingFactor', { file }, loc));
    for (const c of columns) {
      if (c !== sym && c !== date && !(MARKET_FIELDS as readonly string[]).includes(c)) extras.add(c);
    }
    plans.push({ file, idx: i, stem: stemSymbol(file), columns, hasSymbol, hasFactor });
  }
  if (ds.some((d) => d.severity === 'error') || dateCol === undefined) return ds;
  if (extras.size > 0) ds.push(diag('importIgnoredColumns', { columns: [...extras].sort().join(', ') }));

  await exec(db, `CREATE TEMP TABLE stage_files (__file VARCHAR, __idx INTEGER, __stem VARCHAR, __has_sym BOOLEAN, __has_factor BOOLEAN)`);
  await exec(db, `INSERT INTO stage_files SELECT unnest(?::VARCHAR[]), unnest(?::INTEGER[]), unnest(?::VARCHAR[]), unnest(?::BOOLEAN[]), unnest(?::BOOLEAN[])`, [
    plans.map((p) => p.file), plans.map((p) => p.idx), plans.map((p) => p.stem),
    plans.map((p) => (p.hasSymbol ? 'true' : 'false')), plans.map((p) => (p.hasFactor ? 'true' : 'false')),
  ]);

  const fileList = `[${files.map(literal).join(', ')}]`;
  if (format === 'csv') {
    await exec(db, `CREATE TEMP TABLE raw AS SELECT * FROM read_csv(${fileList}, all_varchar = true, header = true, delim = ${literal(delim)}, quote = '"', filename = '__file', union_by_name = true)`);
    await exec(db, `CREATE TEMP TABLE numbered AS SELECT r.*, r.rowid - m.first + 2 AS __row FROM raw r JOIN (SELECT __file, min(rowid) AS first FROM raw GROUP BY __file) m USING (__file)`);
  } else {
    await exec(db, `CREATE TEMP TABLE raw AS SELECT * FROM read_parquet(${fileList}, filename = '__file', file_row_number = true, union_by_name = true)`);
    await exec(db, `CREATE TEMP TABLE numbered AS SELECT *, file_row_number + 1 AS __row FROM raw`);
  }
  await exec(db, `DROP TABLE raw`);

  // Header-only files.
  ds.push(...(await reportRows(db, `SELECT __file FROM stage_files ANTI JOIN numbered USING (__file) ORDER BY __idx`,
    (r) => diag('importEmptyFile', { file: String(r.__file) }))));

  const present = new Set((await queryRows(db, `DESCRIBE numbered`)).map((r) => String(r.column_name).toLowerCase()));
  const src = `numbered JOIN stage_files USING (__file)`;
  const d = ident(dateCol);
  const dayExpr = `TRY_CAST(trim(${d}::VARCHAR) AS DATE)`;
  const symCell = symbolCol !== undefined && present.has(symbolCol) ? `NULLIF(trim(${ident(symbolCol)}::VARCHAR), '')` : 'NULL';
  const where = (cond: string, select = '1 AS one'): string =>
    `SELECT ${select}, __file AS src, __row AS row FROM ${src} WHERE ${cond} ORDER BY __idx, __row`;

  if (symbolCol !== undefined) {
    ds.push(...(await reportRows(db, where(`__has_sym AND ${symCell} IS NULL`),
      (r) => diag('importEmptyKey', { column: symbolCol! }, { location: at(String(r.src), Number(r.row)) }))));
  }
  ds.push(...(await reportRows(db, where(`NULLIF(trim(${d}::VARCHAR), '') IS NULL`),
    (r) => diag('importEmptyKey', { column: dateCol! }, { location: at(String(r.src), Number(r.row)) }))));
  ds.push(...(await reportRows(db, where(`NULLIF(trim(${d}::VARCHAR), '') IS NOT NULL AND ${dayExpr} IS NULL`, `${d}::VARCHAR AS text`),
    (r) => diag('importBadDate', { text: JSON.stringify(String(r.text)) }, { location: at(String(r.src), Number(r.row)) }))));
  for (const f of wanted) {
    if (!present.has(f)) continue;
    const c = ident(f);
    ds.push(...(await reportRows(db, where(`${c} IS NOT NULL AND TRY_CAST(${c} AS DOUBLE) IS NULL`, `${c}::VARCHAR AS text`),
      (r) => diag('importBadNumber', { column: f, text: JSON.stringify(String(r.text)) }, { location: at(String(r.src), Number(r.row)) }))));
  }
  if (ds.some((x) => x.severity === 'error')) return ds;

  const fieldExprs = MARKET_FIELDS.map((f) => {
    if (f === 'factor') return present.has(f) && wanted.includes(f) ? `CASE WHEN __has_factor THEN TRY_CAST(${ident('factor')} AS DOUBLE) ELSE 1.0 END` : '1.0';
    return present.has(f) && wanted.includes(f) ? `TRY_CAST(${ident(f)} AS DOUBLE)` : 'NULL';
  });
  await exec(db, `INSERT INTO stage SELECT upper(coalesce(${symCell}, __stem)), ${dayExpr}, ${fieldExprs.join(', ')}, __file, __row FROM ${src}`);
  await exec(db, `DROP TABLE numbered`);
  return ds;
}
