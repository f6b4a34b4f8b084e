// Shared helpers for the data-layer tests (db, load, sandbox, importers,
// graphs): temp folders, fixture writers (CSV, Qlib bin folders), a
// synthetic market built in SQL, and directory snapshots (hash + mtime) for
// "nothing changed on disk" checks.
//
// Assumes: tests run with a writable os.tmpdir().
// Guarantees: every fixture is created fresh under a temp folder that the
// caller removes; nothing here depends on runtime/data/synth/.

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { closeMarket, exec, openMarket } from '../../../runtime/data/db.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `quiver-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function codesOf(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => d.code);
}

/** Write a text file, creating folders. */
export function writeText(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** Write a CSV from a header and rows. */
export function writeCsv(path: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return writeText(path, [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n');
}

/** A Qlib `.bin`: float32 little-endian, element 0 = start index. */
export function binBytes(start: number, values: readonly number[]): Buffer {
  const buf = Buffer.alloc(4 * (values.length + 1));
  buf.writeFloatLE(start, 0);
  values.forEach((v, i) => buf.writeFloatLE(v, 4 * (i + 1)));
  return buf;
}

export interface QlibFixture {
  calendar: readonly string[];
  /** universe name → [symbol, start, end] lines. */
  instruments: Record<string, readonly (readonly [string, string, string])[]>;
  /** lower-case symbol → field → series. */
  features: Record<string, Record<string, { start: number; values: readonly number[] }>>;
}

/** Write a Qlib data folder; returns its path. */
export function writeQlibDir(dir: string, f: QlibFixture): string {
  writeText(join(dir, 'calendars', 'day.txt'), f.calendar.join('\n') + '\n');
  for (const [name, lines] of Object.entries(f.instruments)) {
    writeText(join(dir, 'instruments', `${name}.txt`), lines.map((l) => l.join('\t')).join('\n') + '\n');
  }
  mkdirSync(join(dir, 'features'), { recursive: true });
  for (const [sym, fields] of Object.entries(f.features)) {
    for (const [field, s] of Object.entries(fields)) {
      const path = join(dir, 'features', sym, `${field}.day.bin`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, binBytes(s.start, s.values));
    }
  }
  return dir;
}

export interface FileState {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Every file under `dir` (recursively) with its size, mtime and hash. */
export function snapshotDir(dir: string): Record<string, FileState> {
  const out: Record<string, FileState> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = { size: st.size, mtimeMs: st.mtimeMs, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') };
    }
  };
  walk(dir);
  return out;
}

export interface SynthSpec {
  instruments: number;
  days: number;
  /** Extra numeric bars_daily columns beyond the schema's eight. */
  extraFields?: readonly string[];
  /** Share of NULL closes. */
  nullShare?: number;
}

/**
 * A market database built directly in SQL: `instruments` stocks SH600000…,
 * a weekday calendar of `days` days from 2010-01-04, each stock listed from
 * a pseudo-random day (so early days are missing), deterministic values
 * (close = 10 + stock index + day index / 1000), universe 'u' holding the
 * even-numbered stocks, meta.version.
 */
export async function createSyntheticMarket(path: string, spec: SynthSpec): Promise<void> {
  const db = await openMarket(path, { write: true });
  try {
    const extra = spec.extraFields ?? [];
    const nullShare = spec.nullShare ?? 0.02;
    await exec(db, `CREATE TABLE calendar AS SELECT d::DATE AS day FROM range(DATE '2010-01-04', DATE '2100-01-01', INTERVAL 1 DAY) t(d)
      WHERE dayofweek(d) BETWEEN 1 AND 5 ORDER BY d LIMIT ${spec.days}`);
    await exec(db, `CREATE TABLE bars_daily AS
      WITH s AS (SELECT 'SH' || (600000 + i)::VARCHAR AS stock, i::INTEGER AS si, (hash(i) % ${Math.max(1, Math.floor(spec.days / 2))})::INTEGER AS first FROM range(${spec.instruments}) r(i)),
           c AS (SELECT day, (row_number() OVER (ORDER BY day) - 1)::INTEGER AS di FROM calendar)
      SELECT stock, day, 10 + si + di / 1000 - 0.5 AS open, 10 + si + di / 1000 + 1 AS high, 10 + si + di / 1000 - 1 AS low,
        CASE WHEN hash(si, di) % 10000 < ${Math.round(nullShare * 10000)} THEN NULL ELSE 10 + si + di / 1000 END AS close,
        1000.0 * (si + 1) + di AS volume, 10 + si + di / 1000 AS vwap, 1.0 + si / 100 AS factor, 1e9 * (si + 1) AS cap
        ${extra.map((f, k) => `, (si * 7 + di * ${k + 1}) / 100.0 AS ${f}`).join('')}
      FROM s JOIN c ON c.di >= s.first ORDER BY stock, day`);
    await exec(db, `CREATE TABLE universe AS SELECT 'u' AS name, stock, min(day) AS start_day, max(day) AS end_day FROM bars_daily
      WHERE (right(stock, 1)::INTEGER % 2) = 0 GROUP BY stock`);
    await exec(db, `CREATE TABLE meta AS SELECT 'version' AS key, 'synthetic-test' AS value`);
  } finally {
    closeMarket(db);
  }
}
