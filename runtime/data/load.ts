// Market tables → runtime values: the panel (bars_daily → days × instruments
// × fields), the calendar, universe membership spans and index series.
//
// Assumes: a market database (docs/data.md schema); any numeric bars_daily
// column is a loadable field (the synthetic market may add some).
// Guarantees: every instrument is aligned to the calendar; NaN wherever
// bars_daily has no row or a NULL (suspended, not listed, delisted); days
// ascending; bad requests (unknown field, universe or instrument, bad dates)
// throw a DiagnosticError (Q52xx), never a DuckDB error.
//
// Instrument choice: `instruments` as given (order kept); `universe`: the
// members whose spans overlap [start, end] and that have at least one
// bars_daily row in it, ascending (Qlib drops instruments without data);
// neither: every stock with a row in [start, end] except the index series
// listed in meta.indexes.

import { DiagnosticError, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import { ident, queryRows, queryValue, readGrid, tableColumns, tableNames, type MarketDb } from './db.js';
import { parseIsoDay } from './import/schema.js';
import type { Panel } from './panel.js';

export interface DayRange {
  /** First day, ISO `YYYY-MM-DD` (inclusive; default: the calendar's first). */
  start?: string;
  /** Last day (inclusive; default: the calendar's last). */
  end?: string;
}

export interface LoadPanelOptions extends DayRange {
  /** Field names (`close` or `$close`). */
  fields: readonly string[];
  instruments?: readonly string[];
  universe?: string;
}

export interface MembershipSpan {
  stock: string;
  start: string;
  end: string;
}

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/;

/** Throw Q5217 unless the database has the given tables. */
export async function requireTables(db: MarketDb, tables: readonly string[]): Promise<void> {
  const have = new Set(await tableNames(db));
  const missing = tables.filter((t) => !have.has(t));
  if (missing.length > 0) throw new DiagnosticError(diag('marketMissingTables', { path: db.path, missing: missing.join(', ') }));
}

/** The loadable (numeric) columns of bars_daily, in table order. */
export async function barFields(db: MarketDb): Promise<string[]> {
  await requireTables(db, ['bars_daily']);
  return (await tableColumns(db, 'bars_daily')).filter((c) => NUMERIC_TYPE.test(c.type)).map((c) => c.name);
}

/** meta.version, or null when the market has none. */
export async function marketVersion(db: MarketDb): Promise<string | null> {
  await requireTables(db, ['meta']);
  const v = await queryValue(db, `SELECT value FROM meta WHERE key = 'version'`);
  return v === null ? null : String(v);
}

function resolveRange(range: DayRange): { lo: string; hi: string } {
  const ds: Diagnostic[] = [];
  const check = (text: string | undefined, what: string, dflt: string): string => {
    if (text === undefined) return dflt;
    const day = parseIsoDay(text);
    if (day === null) {
      ds.push(diag('importBadDate', { text: JSON.stringify(text) }, { location: what }));
      return dflt;
    }
    return day;
  };
  const lo = check(range.start, 'start', '0001-01-01');
  const hi = check(range.end, 'end', '9999-12-31');
  if (ds.length > 0) throw new DiagnosticError(ds);
  if (lo > hi) throw new DiagnosticError(diag('badDateRange', { start: lo, end: hi }));
  return { lo, hi };
}

/** Trading days in the range, ascending. */
export async function loadCalendar(db: MarketDb, range: DayRange = {}): Promise<string[]> {
  await requireTables(db, ['calendar']);
  const { lo, hi } = resolveRange(range);
  const rows = await queryRows(db, `SELECT strftime(day, '%Y-%m-%d') AS d FROM calendar WHERE day BETWEEN ?::DATE AND ?::DATE ORDER BY day`, [lo, hi]);
  return rows.map((r) => String(r.d));
}

async function universeNames(db: MarketDb): Promise<string[]> {
  return (await queryRows(db, `SELECT DISTINCT name FROM universe ORDER BY name`)).map((r) => String(r.name));
}

async function requireUniverse(db: MarketDb, name: string): Promise<void> {
  await requireTables(db, ['universe']);
  const names = await universeNames(db);
  if (!names.includes(name)) throw new DiagnosticError(diag('unknownUniverse', { name, known: names.join(', ') || '(none)' }));
}

/** Membership spans of a universe, by stock then start. */
export async function loadMembership(db: MarketDb, universe: string): Promise<MembershipSpan[]> {
  await requireUniverse(db, universe);
  const rows = await queryRows(
    db,
    `SELECT stock, strftime(start_day, '%Y-%m-%d') AS s, strftime(end_day, '%Y-%m-%d') AS e FROM universe WHERE name = ? ORDER BY stock, start_day, end_day`,
    [universe],
  );
  return rows.map((r) => ({ stock: String(r.stock), start: String(r.s), end: String(r.e) }));
}

/** Index series codes recorded in meta.indexes (empty when absent). */
export async function indexCodes(db: MarketDb): Promise<string[]> {
  const have = new Set(await tableNames(db));
  if (!have.has('meta')) return [];
  const v = await queryValue(db, `SELECT value FROM meta WHERE key = 'indexes'`);
  return v === null || v === '' ? [] : String(v).split(',');
}

/** Requested fields → [panel key (lower-case, no `$`), bars_daily column] pairs, duplicates dropped. */
function normaliseFields(fields: readonly string[], known: readonly string[]): [string, string][] {
  const byKey = new Map(known.map((k) => [k.toLowerCase(), k]));
  const out: [string, string][] = [];
  const ds: Diagnostic[] = [];
  for (const raw of fields) {
    const f = raw.replace(/^\$/, '').toLowerCase();
    const column = byKey.get(f);
    if (column === undefined) ds.push(diag('unknownField', { field: raw, known: known.join(', ') }));
    else if (!out.some(([k]) => k === f)) out.push([f, column]);
  }
  if (ds.length > 0) throw new DiagnosticError(ds);
  return out;
}

async function chooseInstruments(db: MarketDb, opts: LoadPanelOptions, lo: string, hi: string): Promise<string[]> {
  if (opts.instruments !== undefined) {
    const seen = new Set<string>();
    const ds: Diagnostic[] = [];
    for (const s of opts.instruments) {
      if (seen.has(s)) ds.push(diag('duplicateInstrument', { code: s }));
      seen.add(s);
    }
    const present = new Set(
      (await queryRows(db, `SELECT DISTINCT stock FROM bars_daily WHERE list_contains(?::VARCHAR[], stock)`, [[...seen]])).map((r) => String(r.stock)),
    );
    for (const s of seen) if (!present.has(s)) ds.push(diag('unknownInstrument', { code: s }));
    if (ds.length > 0) throw new DiagnosticError(ds);
    return [...opts.instruments];
  }
  if (opts.universe !== undefined) {
    await requireUniverse(db, opts.universe);
    const rows = await queryRows(
      db,
      `SELECT DISTINCT u.stock FROM universe u SEMI JOIN bars_daily b ON b.stock = u.stock AND b.day BETWEEN ?::DATE AND ?::DATE
       WHERE u.name = ? AND u.start_day <= ?::DATE AND u.end_day >= ?::DATE ORDER BY u.stock`,
      [lo, hi, opts.universe, hi, lo],
    );
    return rows.map((r) => String(r.stock));
  }
  const indexes = await indexCodes(db);
  const rows = await queryRows(
    db,
    `SELECT DISTINCT stock FROM bars_daily WHERE day BETWEEN ?::DATE AND ?::DATE AND NOT list_contains(?::VARCHAR[], stock) ORDER BY stock`,
    [lo, hi, indexes],
  );
  return rows.map((r) => String(r.stock));
}

/** Read bars_daily into a Panel (see the header for which instruments). */
export async function loadPanel(db: MarketDb, opts: LoadPanelOptions): Promise<Panel> {
  await requireTables(db, ['calendar', 'bars_daily', 'universe']);
  const { lo, hi } = resolveRange(opts);
  const fields = normaliseFields(opts.fields, await barFields(db));
  const days = await loadCalendar(db, { start: lo, end: hi });
  const instruments = await chooseInstruments(db, opts, lo, hi);
  const sql = `WITH c AS (SELECT day, (row_number() OVER (ORDER BY day) - 1)::INTEGER AS di FROM calendar WHERE day BETWEEN ?::DATE AND ?::DATE),
    s AS (SELECT unnest(?::VARCHAR[]) AS stock, (generate_subscripts(?::VARCHAR[], 1) - 1)::INTEGER AS si)
    SELECT s.si, c.di, ${fields.map(([, column]) => `b.${ident(column)}`).join(', ')} FROM bars_daily b JOIN s USING (stock) JOIN c USING (day)`;
  const arrays = await readGrid(db, sql, [lo, hi, instruments, instruments], {
    rows: instruments.length,
    cols: days.length,
    fields: fields.length,
  });
  const out: Record<string, Float64Array> = {};
  fields.forEach(([key], i) => (out[key] = arrays[i]!));
  return { days, instruments, fields: out };
}

/** One instrument's field aligned to the calendar (NaN where missing), e.g. the benchmark SH000300's close. */
export async function loadIndexSeries(
  db: MarketDb,
  code: string,
  field: string,
  range: DayRange = {},
): Promise<{ days: string[]; values: Float64Array }> {
  const p = await loadPanel(db, { fields: [field], instruments: [code], ...range });
  return { days: p.days, values: Object.values(p.fields)[0]! };
}
