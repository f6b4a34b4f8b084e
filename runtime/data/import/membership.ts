// Small side files: trading calendars and universe membership spans.
//
// Calendars: one date per line (Qlib `calendars/day.txt`), or a CSV whose
// first column is the date (a header line is skipped). Membership: Qlib
// `instruments/<name>.txt` (`SYMBOL<TAB>start<TAB>end`, no header) or a CSV
// with a header naming the symbol (`instrument`/`symbol`/`stock`/`code`),
// start (`start_date`/`start`/`start_day`) and end (`end_date`/`end`/
// `end_day`) columns. `.gz` files are read through gunzip.
//
// Assumes: these files are small (thousands of lines) and unquoted.
// Guarantees: every bad line becomes a Q52xx diagnostic naming `file:line`;
// symbols are upper-cased; staged rows carry their file and line.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename } from 'node:path';
import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { exec, type MarketDb } from '../db.js';
import { MAX_REPORTED, at, parseIsoDay } from './schema.js';

function readLines(path: string): string[] {
  const raw = readFileSync(path);
  const buf = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  return buf.toString('utf8').split(/\r?\n/);
}

function splitFields(line: string, delim: RegExp): string[] {
  return line.split(delim).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
}

function capped(ds: Diagnostic[]): Diagnostic[] {
  if (ds.length <= MAX_REPORTED) return ds;
  const kept = ds.slice(0, MAX_REPORTED);
  kept[kept.length - 1]!.hints.push(`${ds.length - MAX_REPORTED} more lines have problems`);
  return kept;
}

/** Check that a side file exists and is not empty; returns a diagnostic or null. */
export function checkFile(path: string): Diagnostic | null {
  if (!existsSync(path)) return diag('importFileNotFound', { path });
  if (statSync(path).isFile() && statSync(path).size === 0) return diag('importEmptyFile', { file: path });
  return null;
}

export interface CalendarFile {
  days: string[];
  lines: number[];
  diagnostics: Diagnostic[];
}

/** Read a calendar file: the first field of each line is a date. */
export function readCalendarFile(path: string): CalendarFile {
  const bad = checkFile(path);
  if (bad) return { days: [], lines: [], diagnostics: [bad] };
  const days: string[] = [];
  const lines: number[] = [];
  const ds: Diagnostic[] = [];
  readLines(path).forEach((line, i) => {
    if (line.trim() === '') return;
    const first = splitFields(line, /[,\t]/)[0]!;
    const day = parseIsoDay(first);
    if (day) {
      days.push(day);
      lines.push(i + 1);
    } else if (!(i === 0 && /^[A-Za-z_]/.test(first))) {
      ds.push(diag('importBadDate', { text: JSON.stringify(first) }, { location: at(path, i + 1) }));
    }
  });
  if (days.length === 0 && ds.length === 0) ds.push(diag('importEmptyFile', { file: path }));
  return { days, lines, diagnostics: capped(ds) };
}

export interface MembershipRow {
  stock: string;
  start: string;
  end: string;
  line: number;
}

export interface MembershipFile {
  rows: MembershipRow[];
  diagnostics: Diagnostic[];
}

const SYMBOL_NAMES = ['instrument', 'symbol', 'stock', 'code'];
const START_NAMES = ['start_date', 'start', 'start_day', 'start_datetime'];
const END_NAMES = ['end_date', 'end', 'end_day', 'end_datetime'];

/** Read a membership file (Qlib instruments .txt, or CSV with a header). */
export function readMembershipFile(path: string): MembershipFile {
  const bad = checkFile(path);
  if (bad) return { rows: [], diagnostics: [bad] };
  const lines = readLines(path);
  const qlibTxt = /\.txt(\.gz)?$/.test(path);
  let cols = [0, 1, 2];
  let first = 0;
  const delim = qlibTxt ? /\t|\s+/ : /,|\t/;
  if (!qlibTxt) {
    const header = splitFields(lines[0] ?? '', delim).map((h) => h.toLowerCase());
    const find = (names: string[]): number => header.findIndex((h) => names.includes(h));
    const found = header.join(', ');
    const missing: Diagnostic[] = [];
    const idx = [find(SYMBOL_NAMES), find(START_NAMES), find(END_NAMES)];
    const what = ['instrument (or symbol)', 'start_date', 'end_date'];
    idx.forEach((k, j) => {
      if (k < 0) missing.push(diag('importMissingColumn', { file: path, column: what[j]!, found }, { location: at(path, 1) }));
    });
    if (missing.length > 0) return { rows: [], diagnostics: missing };
    cols = idx;
    first = 1;
  }
  const rows: MembershipRow[] = [];
  const ds: Diagnostic[] = [];
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const f = splitFields(line, delim);
    const loc = { location: at(path, i + 1) };
    const stock = (f[cols[0]!] ?? '').toUpperCase();
    const startText = f[cols[1]!] ?? '';
    const endText = f[cols[2]!] ?? '';
    if (stock === '' || startText === '' || endText === '') {
      ds.push(diag('importBadUniverseLine', { reason: `${JSON.stringify(line)} needs a symbol, a start and an end date` }, loc));
      continue;
    }
    const start = parseIsoDay(startText);
    const end = parseIsoDay(endText);
    if (!start) ds.push(diag('importBadDate', { text: JSON.stringify(startText) }, loc));
    if (!end) ds.push(diag('importBadDate', { text: JSON.stringify(endText) }, loc));
    if (!start || !end) continue;
    if (start > end) {
      ds.push(diag('importBadUniverseLine', { reason: `${stock} starts (${start}) after it ends (${end})` }, loc));
      continue;
    }
    rows.push({ stock, start, end, line: i + 1 });
  }
  if (rows.length === 0 && ds.length === 0) ds.push(diag('importEmptyFile', { file: path }));
  return { rows, diagnostics: capped(ds) };
}

/** The universe name a membership file stands for: its stem up to the first `_` (csi300_membership_intervals.csv → csi300). */
export function universeNameOf(path: string): string {
  const stem = basename(path).replace(/\.(txt|csv)(\.gz)?$/, '');
  return stem.split('_')[0]!.toLowerCase();
}

export async function stageCalendar(db: MarketDb, src: string, cal: CalendarFile): Promise<void> {
  if (cal.days.length === 0) return;
  await exec(db, `INSERT INTO stage_calendar SELECT unnest(?::VARCHAR[])::DATE, ?, unnest(?::BIGINT[])`, [cal.days, src, cal.lines]);
}

export async function stageMembership(db: MarketDb, name: string, src: string, m: MembershipFile): Promise<void> {
  if (m.rows.length === 0) return;
  await exec(
    db,
    `INSERT INTO stage_universe SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[])::DATE, unnest(?::VARCHAR[])::DATE, ?, unnest(?::BIGINT[])`,
    [name, m.rows.map((r) => r.stock), m.rows.map((r) => r.start), m.rows.map((r) => r.end), src, m.rows.map((r) => r.line)],
  );
}

/** Read and stage calendar and membership files; returns their diagnostics. */
export async function stageSideFiles(
  db: MarketDb,
  calendarFile: string | undefined,
  universeFiles: readonly { name: string; path: string }[],
): Promise<Diagnostic[]> {
  const ds: Diagnostic[] = [];
  if (calendarFile !== undefined) {
    const cal = readCalendarFile(calendarFile);
    ds.push(...cal.diagnostics);
    if (cal.diagnostics.length === 0) await stageCalendar(db, calendarFile, cal);
  }
  for (const u of universeFiles) {
    const m = readMembershipFile(u.path);
    ds.push(...m.diagnostics);
    if (m.diagnostics.length === 0) await stageMembership(db, u.name, u.path, m);
  }
  return ds;
}
