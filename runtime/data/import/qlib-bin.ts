// Qlib binary folders → a market database (specs/qlib.md §4):
//   calendars/day.txt                one trading date per line
//   instruments/<name>.txt           SYMBOL<TAB>start<TAB>end → universe <name>
//   features/<sym>/<field>.day.bin   little-endian float32; element 0 is the
//                                    calendar index of the first value
//
// Assumes: symbol folders are lower-case symbols (stored upper-case); field
// files other than the market fields (e.g. `change`) are ignored (a note
// lists them). Suspended days are already NaN in Qlib data, so volume-0 rows
// are kept as they are unless `zeroVolumeSuspended` is set.
// Guarantees: a `.bin` shorter than a header or not a whole number of
// float32 values → Q5209; a start index that is not an integer inside the
// calendar, or data running past its end → Q5210; a file ending before the
// symbol's end in instruments/all.txt → Q5211; NaN → NULL; each symbol gets
// one row per calendar day from its first to its last stored value (fields
// stored over a shorter span are NULL outside it); factor missing → 1
// (warning Q5223).

import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBDataChunk, DOUBLE, INTEGER, type DuckDBAppender } from '@duckdb/node-api';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { exec, type MarketDb } from '../db.js';
import { buildMarket } from './build.js';
import { readCalendarFile, readMembershipFile, stageCalendar, stageMembership } from './membership.js';
import { MARKET_FIELDS, type ImportResult, type MarketField, type ProgressFn } from './schema.js';

export interface QlibBinImportOptions {
  /** The Qlib data folder (holding calendars/, instruments/, features/). */
  dir: string;
  out: string;
  /** Import only these fields (others NULL; factor 1). */
  fields?: readonly string[];
  indexes?: readonly string[];
  /** Treat volume-0 rows as suspended (default false: Qlib data is NaN there already). */
  zeroVolumeSuspended?: boolean;
  onProgress?: ProgressFn;
  threads?: number;
}

/** A decoded `.bin`: calendar index of the first value, and the values. */
export interface BinSeries {
  start: number;
  values: Float32Array;
}

/** Decode a Qlib `.bin` file's bytes; returns a diagnostic when it is malformed. */
export function decodeBin(file: string, bytes: Uint8Array, calendarLength: number): BinSeries | Diagnostic {
  if (bytes.length < 4 || bytes.length % 4 !== 0) return diag('binTruncated', { file, bytes: bytes.length }, { location: file });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = view.getFloat32(0, true);
  const n = bytes.length / 4 - 1;
  if (!Number.isInteger(start) || start < 0 || start + n > calendarLength) {
    return diag('binBadHeader', { file, start: String(start), last: calendarLength - 1 }, { location: file });
  }
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = view.getFloat32(4 * (i + 1), true);
  return { start, values };
}

const FIELD_FILE = /^(.+)\.day\.bin$/;
const CHUNK = 2048;

/** Buffers (si, di, fields…) rows and appends them to DuckDB a chunk at a time. */
function chunkWriter(appender: DuckDBAppender, fields: number): { push: (si: number, di: number, vals: (number | null)[]) => void; flush: () => void } {
  const types = [INTEGER, INTEGER, ...Array.from({ length: fields }, () => DOUBLE)];
  let cols: (number | null)[][] = types.map(() => []);
  const flush = (): void => {
    const n = cols[0]!.length;
    if (n === 0) return;
    const chunk = DuckDBDataChunk.create(types, n);
    chunk.setColumns(cols);
    appender.appendDataChunk(chunk);
    cols = types.map(() => []);
  };
  return {
    push(si, di, vals) {
      cols[0]!.push(si);
      cols[1]!.push(di);
      for (let f = 0; f < fields; f++) cols[f + 2]!.push(vals[f]!);
      if (cols[0]!.length === CHUNK) flush();
    },
    flush,
  };
}

/** Import a Qlib binary data folder into `opts.out`, atomically. */
export async function importQlibBin(opts: QlibBinImportOptions): Promise<ImportResult> {
  return buildMarket({
    out: opts.out,
    importer: 'qlib-bin',
    source: opts.dir,
    ...(opts.indexes ? { indexes: opts.indexes } : {}),
    zeroVolumeSuspended: opts.zeroVolumeSuspended ?? false,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    stage: (db) => stageQlibBin(db, opts),
  });
}

async function stageQlibBin(db: MarketDb, opts: QlibBinImportOptions): Promise<Diagnostic[]> {
  const ds: Diagnostic[] = [];
  const calPath = join(opts.dir, 'calendars', 'day.txt');
  const featDir = join(opts.dir, 'features');
  for (const p of [opts.dir, calPath, featDir]) {
    if (!existsSync(p)) {
      ds.push(diag('importFileNotFound', { path: p }));
      return ds;
    }
  }
  const requested = opts.fields?.map((f) => f.replace(/^\$/, '').toLowerCase());
  for (const f of requested ?? []) {
    if (!(MARKET_FIELDS as readonly string[]).includes(f)) ds.push(diag('unknownField', { field: f, known: MARKET_FIELDS.join(', ') }));
  }
  const cal = readCalendarFile(calPath);
  ds.push(...cal.diagnostics);
  if (ds.some((d) => d.severity === 'error')) return ds;
  await stageCalendar(db, calPath, cal);

  // Universes; instruments/all.txt also gives each symbol's last day.
  const allEnd = new Map<string, string>();
  const instDir = join(opts.dir, 'instruments');
  if (existsSync(instDir)) {
    for (const f of readdirSync(instDir).filter((x) => x.endsWith('.txt')).sort()) {
      const path = join(instDir, f);
      const m = readMembershipFile(path);
      ds.push(...m.diagnostics);
      if (m.diagnostics.length > 0) continue;
      const name = f.replace(/\.txt$/, '').toLowerCase();
      await stageMembership(db, name, path, m);
      if (name === 'all') {
        for (const r of m.rows) if (!allEnd.has(r.stock) || allEnd.get(r.stock)! < r.end) allEnd.set(r.stock, r.end);
      }
    }
  }

  const wanted = (requested ?? [...MARKET_FIELDS]) as MarketField[];
  const fieldIndex = new Map<string, number>(MARKET_FIELDS.map((f, i) => [f, i]));
  const ignored = new Set<string>();
  const seenFields = new Set<string>();
  const symbols = readdirSync(featDir).filter((d) => statSync(join(featDir, d)).isDirectory()).sort();
  const seen = new Map<string, string>();
  for (const d of symbols) {
    const code = d.toUpperCase();
    if (seen.has(code)) ds.push(diag('duplicateInstrument', { code }, { location: join(featDir, d) }));
    seen.set(code, d);
  }
  if (symbols.length === 0) ds.push(diag('importEmptyFile', { file: featDir }));
  if (ds.some((x) => x.severity === 'error')) return ds;

  await exec(db, `CREATE TEMP TABLE stage_bin (si INTEGER, di INTEGER, ${MARKET_FIELDS.map((f) => `${f} DOUBLE`).join(', ')})`);
  const appender = await db.conn.createAppender('stage_bin', 'main', 'temp');
  const writer = chunkWriter(appender, MARKET_FIELDS.length);
  const lastDay = cal.days.length - 1;
  const noFactor: string[] = [];
  for (let si = 0; si < symbols.length; si++) {
    const dir = join(featDir, symbols[si]!);
    const code = symbols[si]!.toUpperCase();
    const series = new Map<number, BinSeries>();
    for (const f of readdirSync(dir).sort()) {
      const m = FIELD_FILE.exec(f);
      if (!m) continue;
      const field = m[1]!.toLowerCase();
      seenFields.add(field);
      if (!fieldIndex.has(field)) {
        ignored.add(field);
        continue;
      }
      if (!wanted.includes(field as MarketField)) continue;
      const path = join(dir, f);
      const decoded = decodeBin(path, readFileSync(path), cal.days.length);
      if ('code' in decoded) {
        ds.push(decoded);
        continue;
      }
      const expected = allEnd.get(code);
      const end = decoded.start + decoded.values.length - 1;
      if (expected !== undefined) {
        const bound = expected < cal.days[lastDay]! ? expected : cal.days[lastDay]!;
        if (end < 0 || cal.days[end]! < bound) {
          ds.push(diag('binShort', { file: path, last: end < 0 ? '(no values)' : cal.days[end]!, expected }, { location: path }));
          continue;
        }
      }
      series.set(fieldIndex.get(field)!, decoded);
    }
    if (!series.has(fieldIndex.get('factor')!) && wanted.includes('factor')) noFactor.push(dir);
    if (series.size === 0) continue;
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of series.values()) {
      if (s.values.length === 0) continue;
      lo = Math.min(lo, s.start);
      hi = Math.max(hi, s.start + s.values.length - 1);
    }
    const vals: (number | null)[] = new Array(MARKET_FIELDS.length).fill(null);
    for (let di = lo; di <= hi; di++) {
      for (let f = 0; f < MARKET_FIELDS.length; f++) {
        const s = series.get(f);
        if (!s) {
          vals[f] = MARKET_FIELDS[f] === 'factor' ? 1 : null;
          continue;
        }
        const k = di - s.start;
        const x = k >= 0 && k < s.values.length ? s.values[k]! : NaN;
        vals[f] = Number.isNaN(x) ? null : x;
      }
      writer.push(si, di, vals);
    }
  }
  writer.flush();
  appender.closeSync();

  for (const f of requested ?? []) {
    if ((MARKET_FIELDS as readonly string[]).includes(f) && !seenFields.has(f)) {
      ds.push(diag('unknownField', { field: f, known: [...seenFields].sort().join(', ') }, { location: featDir }));
    }
  }
  if (noFactor.length > 0) {
    const w = diag('importMissingFactor', { file: join(noFactor[0]!, 'factor.day.bin') }, { location: noFactor[0]! });
    if (noFactor.length > 1) w.hints.push(`${noFactor.length - 1} more instruments have no factor.day.bin`);
    ds.push(w);
  }
  if (ignored.size > 0) ds.push(diag('importIgnoredColumns', { columns: [...ignored].sort().join(', ') }, { location: featDir }));
  if (ds.some((x) => x.severity === 'error')) return ds;

  await exec(db, `CREATE TEMP TABLE bin_stocks AS SELECT unnest(?::VARCHAR[]) AS stock, unnest(?::VARCHAR[]) AS src, generate_subscripts(?::VARCHAR[], 1) - 1 AS si`,
    [symbols.map((s) => s.toUpperCase()), symbols.map((s) => join(featDir, s)), symbols]);
  await exec(db, `CREATE TEMP TABLE bin_days AS SELECT unnest(?::VARCHAR[])::DATE AS day, generate_subscripts(?::VARCHAR[], 1) - 1 AS di`, [cal.days, cal.days]);
  await exec(db, `INSERT INTO stage SELECT s.stock, c.day, ${MARKET_FIELDS.map((f) => `b.${f}`).join(', ')}, s.src, b.di
    FROM stage_bin b JOIN bin_stocks s USING (si) JOIN bin_days c USING (di)`);
  await exec(db, `DROP TABLE stage_bin`);
  return ds;
}
