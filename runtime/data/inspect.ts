// `quiver data inspect`: what a market database holds — tables with row
// counts, the date range, instruments, universes and their sizes, the share
// of missing values per bars_daily column — as data and as text.
//
// Assumes: a market database (docs/data.md); extra tables (the synthetic
// market's) are listed with their row counts.
// Guarantees: opens the file read-only and changes nothing; a file that is
// not a market (no calendar/bars_daily) is a Q5217 DiagnosticError.

import { statSync } from 'node:fs';
import { ident, queryRows, queryValue, tableNames, withMarket } from './db.js';
import { barFields, requireTables } from './load.js';

export interface MarketInspection {
  path: string;
  sizeBytes: number;
  tables: { name: string; rows: number }[];
  calendar: { days: number; first: string | null; last: string | null };
  bars: {
    rows: number;
    instruments: number;
    indexes: string[];
    first: string | null;
    last: string | null;
    /** Rows whose prices and volume are all NULL (suspended days). */
    suspendedRows: number;
  };
  universes: { name: string; stocks: number; spans: number; first: string; last: string }[];
  /** Share of rows where the column is NULL or NaN, per numeric bars_daily column. */
  missingShare: { column: string; share: number }[];
  meta: Record<string, string>;
}

const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export async function inspectMarket(path: string): Promise<MarketInspection> {
  return withMarket(path, {}, async (db) => {
    await requireTables(db, ['calendar', 'bars_daily']);
    const names = await tableNames(db);
    const tables: { name: string; rows: number }[] = [];
    for (const name of names) tables.push({ name, rows: Number(await queryValue(db, `SELECT count(*) FROM ${ident(name)}`)) });

    const cal = (await queryRows(db, `SELECT count(*) AS n, strftime(min(day), '%Y-%m-%d') AS lo, strftime(max(day), '%Y-%m-%d') AS hi FROM calendar`))[0]!;
    const fields = await barFields(db);
    const priceCols = ['open', 'high', 'low', 'close', 'volume'].filter((f) => fields.includes(f));
    const suspended = priceCols.length === 0 ? '0' : `count(*) FILTER (WHERE ${priceCols.map((f) => `${ident(f)} IS NULL`).join(' AND ')})`;
    const bars = (await queryRows(db,
      `SELECT count(*) AS n, count(DISTINCT stock) AS k, strftime(min(day), '%Y-%m-%d') AS lo, strftime(max(day), '%Y-%m-%d') AS hi, ${suspended} AS susp FROM bars_daily`))[0]!;
    const missing = fields.length === 0 ? {} : (await queryRows(db,
      `SELECT ${fields.map((f, i) => `avg(CASE WHEN ${ident(f)} IS NULL OR isnan(${ident(f)}::DOUBLE) THEN 1.0 ELSE 0.0 END) AS m${i}`).join(', ')} FROM bars_daily`))[0]!;

    const meta: Record<string, string> = {};
    if (names.includes('meta')) {
      for (const r of await queryRows(db, `SELECT key, value FROM meta ORDER BY key`)) meta[String(r.key)] = String(r.value ?? '');
    }
    const universes = names.includes('universe')
      ? (await queryRows(db,
          `SELECT name, count(DISTINCT stock) AS k, count(*) AS n, strftime(min(start_day), '%Y-%m-%d') AS lo, strftime(max(end_day), '%Y-%m-%d') AS hi
           FROM universe GROUP BY name ORDER BY name`)).map((r) => ({
          name: String(r.name), stocks: Number(r.k), spans: Number(r.n), first: String(r.lo), last: String(r.hi),
        }))
      : [];
    return {
      path,
      sizeBytes: statSync(path).size,
      tables,
      calendar: { days: Number(cal.n), first: s(cal.lo), last: s(cal.hi) },
      bars: {
        rows: Number(bars.n),
        instruments: Number(bars.k),
        indexes: meta.indexes ? meta.indexes.split(',') : [],
        first: s(bars.lo),
        last: s(bars.hi),
        suspendedRows: Number(bars.susp),
      },
      universes,
      missingShare: fields.map((f, i) => ({ column: f, share: Number((missing as Record<string, unknown>)[`m${i}`] ?? 0) })),
      meta,
    };
  });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function padLeft(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

/** Plain-text rendering for the CLI. */
export function renderInspection(m: MarketInspection): string {
  const lines: string[] = [];
  const mb = (m.sizeBytes / (1 << 20)).toFixed(1);
  lines.push(`${m.path} (${mb} MB)${m.meta.version ? `, version ${m.meta.version}` : ''}`);
  if (m.meta.source) lines.push(`source: ${m.meta.source}${m.meta.importer ? ` (${m.meta.importer})` : ''}`);
  lines.push('');
  lines.push(`calendar: ${m.calendar.days} trading days, ${m.calendar.first ?? '-'} .. ${m.calendar.last ?? '-'}`);
  lines.push(`bars_daily: ${m.bars.rows} rows, ${m.bars.instruments} instruments` +
    `${m.bars.indexes.length > 0 ? ` (index series: ${m.bars.indexes.join(', ')})` : ''}, ${m.bars.first ?? '-'} .. ${m.bars.last ?? '-'}`);
  lines.push(`suspended rows (prices and volume NULL): ${m.bars.suspendedRows}`);
  lines.push('');
  lines.push('tables:');
  const w = Math.max(...m.tables.map((t) => t.name.length), 5);
  for (const t of m.tables) lines.push(`  ${pad(t.name, w)}  ${padLeft(String(t.rows), 10)} rows`);
  lines.push('');
  lines.push('universes:');
  if (m.universes.length === 0) lines.push('  (none)');
  for (const u of m.universes) lines.push(`  ${pad(u.name, 10)} ${padLeft(String(u.stocks), 6)} stocks, ${padLeft(String(u.spans), 6)} spans, ${u.first} .. ${u.last}`);
  lines.push('');
  lines.push('missing values in bars_daily (NULL or NaN):');
  for (const c of m.missingShare) lines.push(`  ${pad(c.column, 8)} ${padLeft((100 * c.share).toFixed(2), 7)} %`);
  const extraMeta = Object.entries(m.meta).filter(([k]) => !['version', 'source', 'importer'].includes(k));
  if (extraMeta.length > 0) {
    lines.push('');
    lines.push('meta:');
    for (const [k, v] of extraMeta) lines.push(`  ${k} = ${v}`);
  }
  return lines.join('\n') + '\n';
}
