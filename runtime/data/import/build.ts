// Atomic market builds: every importer fills staging tables through a
// callback; this module validates the staged rows, writes the market schema
// into a temporary file beside the output, and renames it into place.
//
// Assumes: the callback fills TEMP tables `stage`, `stage_calendar` and
// `stage_universe` (schema.ts) and reports bad input as diagnostics.
// Guarantees: on any error (bad input, a DuckDB failure, an exception from
// `onProgress`) nothing is left behind — no output, no temp file, no WAL,
// no spill folder — and an existing output file is untouched. On success the
// output holds calendar, bars_daily (sorted by stock, day), universe and
// meta, with meta.version a content hash of the three data tables.
//
// Rules applied here, for every importer:
// - duplicates (stock, day) → Q5207, naming both rows;
// - with a staged calendar: rows on non-trading days → Q5212; the calendar is
//   the staged one restricted to the data's first..last day; without one,
//   the calendar is the set of days with data (Qlib's dump_all);
// - suspended days: with `zeroVolumeSuspended`, a non-index row whose
//   volume is 0 becomes a row of NULL prices, volume, vwap and factor
//   (Qlib's NaN rows), counted in meta.suspended_rows; non-finite values
//   (NaN, ±inf) are stored as NULL;
// - membership spans that do not overlap the data's range are dropped;
//   universe 'all' (non-index stocks, first..last row) is derived unless a
//   membership file supplies it.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { DiagnosticError, type Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { closeMarket, duckMessage, exec, literal, openMarket, queryRows, queryValue, type MarketDb } from '../db.js';
import {
  INDEX_CODE_PATTERN,
  MARKET_DDL,
  MAX_REPORTED,
  MARKET_FIELDS,
  SCHEMA_VERSION,
  STAGE_DDL,
  SUSPENDED_NULL_FIELDS,
  at,
  type ImportResult,
  type ImportSummary,
  type ProgressFn,
} from './schema.js';

export interface BuildOptions {
  out: string;
  /** 'csv' | 'parquet' | 'qlib-bin' | 'sample' (recorded in meta). */
  importer: string;
  /** What was imported, for meta.source. */
  source: string;
  /** Fill the staging tables; return diagnostics (errors abort the build). */
  stage: (db: MarketDb) => Promise<Diagnostic[]>;
  /** Index series codes; default: codes matching SH000xxx / SZ399xxx. */
  indexes?: readonly string[];
  /** Volume-0 rows of non-index instruments are suspended days (default true). */
  zeroVolumeSuspended?: boolean;
  onProgress?: ProgressFn;
  threads?: number;
}

/** Run a query listing problem rows; turn the first MAX_REPORTED into diagnostics, with a count hint on the last. */
export async function reportRows(
  db: MarketDb,
  sql: string,
  make: (row: Record<string, string | number | boolean | null>) => Diagnostic,
): Promise<Diagnostic[]> {
  const total = Number(await queryValue(db, `SELECT count(*) FROM (${sql})`));
  if (total === 0) return [];
  const rows = await queryRows(db, `${sql} LIMIT ${MAX_REPORTED}`);
  const out = rows.map(make);
  if (total > rows.length) out[out.length - 1]!.hints.push(`${total - rows.length} more rows have the same problem`);
  return out;
}

function tempFile(out: string): string {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  return join(dirname(out), `.${basename(out)}.${tag}.importing`);
}

function removeQuietly(path: string): void {
  rmSync(path, { recursive: true, force: true });
}

/** Build a market database atomically. Never throws: failures come back as diagnostics. */
export async function buildMarket(opts: BuildOptions): Promise<ImportResult> {
  const started = performance.now();
  const out = resolve(opts.out);
  const diagnostics: Diagnostic[] = [];
  const progress: ProgressFn = opts.onProgress ?? (() => undefined);
  try {
    mkdirSync(dirname(out), { recursive: true });
  } catch (e) {
    return { ok: false, diagnostics: [diag('importFailed', { out: opts.out, reason: duckMessage(e) })] };
  }
  const tmp = { file: tempFile(out), spill: '' };
  let db: MarketDb | null = null;
  const cleanup = (): void => {
    if (db) {
      closeMarket(db);
      db = null;
    }
    removeQuietly(tmp.file);
    removeQuietly(`${tmp.file}.wal`);
    removeQuietly(`${tmp.file}.tmp`);
    if (tmp.spill) removeQuietly(tmp.spill);
  };
  try {
    tmp.spill = mkdtempSync(join(tmpdir(), 'quiver-import-'));
    db = await openMarket(tmp.file, { write: true, ...(opts.threads !== undefined ? { threads: opts.threads } : {}) });
    await exec(db, `SET temp_directory = ${literal(tmp.spill)}`);
    for (const sql of STAGE_DDL) await exec(db, sql);

    progress('read', opts.source);
    diagnostics.push(...(await opts.stage(db)));
    if (diagnostics.some((d) => d.severity === 'error')) {
      cleanup();
      return { ok: false, diagnostics };
    }

    if (Number(await queryValue(db, `SELECT count(*) FROM stage`)) === 0) {
      cleanup();
      return { ok: false, diagnostics: [...diagnostics, diag('importEmptyFile', { file: opts.source })] };
    }

    progress('validate', 'checking staged rows');
    const problems = await validateStage(db);
    diagnostics.push(...problems);
    if (problems.some((d) => d.severity === 'error')) {
      cleanup();
      return { ok: false, diagnostics };
    }

    progress('write', 'writing the market tables');
    const summary = await writeMarket(db, opts, out);

    progress('finish', `checkpointing ${opts.out}`);
    await exec(db, 'CHECKPOINT');
    closeMarket(db);
    db = null;
    renameSync(tmp.file, out);
    removeQuietly(`${tmp.file}.wal`);
    removeQuietly(tmp.spill);
    summary.seconds = (performance.now() - started) / 1000;
    return { ok: true, diagnostics, summary };
  } catch (e) {
    cleanup();
    if (e instanceof DiagnosticError) diagnostics.push(...e.diagnostics);
    else diagnostics.push(diag('importFailed', { out: opts.out, reason: duckMessage(e) }));
    return { ok: false, diagnostics };
  }
}

async function validateStage(db: MarketDb): Promise<Diagnostic[]> {
  const ds: Diagnostic[] = [];
  ds.push(
    ...(await reportRows(
      db,
      `WITH dup AS (SELECT stock, day FROM stage GROUP BY stock, day HAVING count(*) > 1)
       SELECT stock, strftime(day, '%Y-%m-%d') AS day, list(src ORDER BY src, row)[1] AS src1, list(row ORDER BY src, row)[1] AS row1,
         list(src ORDER BY src, row)[2] AS src2, list(row ORDER BY src, row)[2] AS row2
       FROM stage SEMI JOIN dup USING (stock, day) GROUP BY stock, day ORDER BY src2, row2`,
      (r) => diag('importDuplicateRow', { stock: String(r.stock), day: String(r.day), first: at(String(r.src1), Number(r.row1)) },
        { location: at(String(r.src2), Number(r.row2)) }),
    )),
  );
  const calendarRows = Number(await queryValue(db, `SELECT count(*) FROM stage_calendar`));
  if (calendarRows > 0) {
    ds.push(
      ...(await reportRows(
        db,
        `SELECT s.stock, strftime(s.day, '%Y-%m-%d') AS day, s.src, s.row FROM stage s
         ANTI JOIN stage_calendar c ON c.day = s.day ORDER BY s.src, s.row`,
        (r) => diag('importDayNotInCalendar', { stock: String(r.stock), day: String(r.day) }, { location: at(String(r.src), Number(r.row)) }),
      )),
    );
  }
  return ds;
}

async function writeMarket(db: MarketDb, opts: BuildOptions, out: string): Promise<ImportSummary> {
  for (const sql of MARKET_DDL) await exec(db, sql);
  const stocks = (await queryRows(db, `SELECT DISTINCT stock FROM stage ORDER BY 1`)).map((r) => String(r.stock));
  const indexes = opts.indexes ? stocks.filter((s) => opts.indexes!.includes(s)) : stocks.filter((s) => INDEX_CODE_PATTERN.test(s));
  const indexList = `[${indexes.map(literal).join(', ')}]::VARCHAR[]`;
  const suspendedExpr = opts.zeroVolumeSuspended === false
    ? 'false'
    : `(volume = 0 AND NOT list_contains(${indexList}, stock))`;
  const fieldExprs = MARKET_FIELDS.map((f) => {
    const finite = `CASE WHEN isfinite(${f}) THEN ${f} END`;
    return SUSPENDED_NULL_FIELDS.includes(f) ? `CASE WHEN suspended THEN NULL ELSE ${finite} END AS ${f}` : `${finite} AS ${f}`;
  });
  const staged = `(SELECT *, coalesce(${suspendedExpr}, false) AS suspended FROM stage)`;
  const suspendedRows = Number(await queryValue(db, `SELECT count(*) FROM ${staged} WHERE suspended`));
  await exec(db, `INSERT INTO bars_daily SELECT stock, day, ${fieldExprs.join(', ')} FROM ${staged} ORDER BY stock, day`);

  const range = (await queryRows(db, `SELECT strftime(min(day), '%Y-%m-%d') AS lo, strftime(max(day), '%Y-%m-%d') AS hi, count(*) AS n FROM bars_daily`))[0]!;
  const lo = String(range.lo);
  const hi = String(range.hi);
  const calendarRows = Number(await queryValue(db, `SELECT count(*) FROM stage_calendar`));
  if (calendarRows > 0) {
    await exec(db, `INSERT INTO calendar SELECT DISTINCT day FROM stage_calendar WHERE day BETWEEN ?::DATE AND ?::DATE ORDER BY day`, [lo, hi]);
  } else {
    await exec(db, `INSERT INTO calendar SELECT DISTINCT day FROM bars_daily ORDER BY day`);
  }

  await exec(
    db,
    `INSERT INTO universe SELECT DISTINCT name, stock, start_day, end_day FROM stage_universe
     WHERE start_day <= ?::DATE AND end_day >= ?::DATE ORDER BY name, stock, start_day`,
    [hi, lo],
  );
  const hasAll = Number(await queryValue(db, `SELECT count(*) FROM stage_universe WHERE name = 'all'`)) > 0;
  if (!hasAll) {
    await exec(
      db,
      `INSERT INTO universe SELECT 'all', stock, min(day), max(day) FROM bars_daily
       WHERE NOT list_contains(${indexList}, stock) GROUP BY stock ORDER BY stock`,
    );
  }

  const version = await contentVersion(db);
  const meta: [string, string][] = [
    ['version', version],
    ['schema_version', SCHEMA_VERSION],
    ['source', opts.source],
    ['importer', opts.importer],
    ['imported_at', new Date().toISOString()],
    ['rows', String(range.n)],
    ['instruments', String(stocks.length)],
    ['indexes', indexes.join(',')],
    ['first_day', lo],
    ['last_day', hi],
    ['suspended_rows', String(suspendedRows)],
    ['suspended_rule', opts.zeroVolumeSuspended === false ? 'none' : 'volume = 0 (non-index) → NULL prices, volume, vwap, factor'],
  ];
  await exec(db, `INSERT INTO meta SELECT unnest(?::VARCHAR[]), unnest(?::VARCHAR[])`, [meta.map((m) => m[0]), meta.map((m) => m[1])]);

  const universes = (await queryRows(db, `SELECT name, count(DISTINCT stock) AS n FROM universe GROUP BY name ORDER BY name`))
    .map((r) => ({ name: String(r.name), stocks: Number(r.n) }));
  const days = Number(await queryValue(db, `SELECT count(*) FROM calendar`));
  return {
    out,
    rows: Number(range.n),
    instruments: stocks.length,
    indexes,
    days,
    firstDay: lo,
    lastDay: hi,
    suspendedRows,
    universes,
    version,
    seconds: 0,
  };
}

/**
 * A content hash of calendar, bars_daily and universe: order-independent
 * sums of DuckDB row hashes, folded with sha256. Same data → same version.
 */
export async function contentVersion(db: MarketDb): Promise<string> {
  const cols = ['stock', 'day', ...MARKET_FIELDS].join(', ');
  const r = (await queryRows(
    db,
    `SELECT (SELECT count(*) || ':' || coalesce(sum(hash(${cols})), 0) FROM bars_daily) AS bars,
            (SELECT count(*) || ':' || coalesce(sum(hash(day)), 0) FROM calendar) AS cal,
            (SELECT count(*) || ':' || coalesce(sum(hash(name, stock, start_day, end_day)), 0) FROM universe) AS uni`,
  ))[0]!;
  return createHash('sha256').update(`quiver-market-v${SCHEMA_VERSION}|${r.bars}|${r.cal}|${r.uni}`).digest('hex').slice(0, 16);
}
