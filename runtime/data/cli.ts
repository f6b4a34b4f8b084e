// `quiver data import` and `quiver data inspect`, as functions the CLI calls
// with the words after the subcommand. They print progress and diagnostics
// and return an exit code: 0 ok (warnings allowed), 1 diagnostics, 2 usage.
//
//   quiver data import <file|folder|qlib-folder|sample> --out market.duckdb
//       [--format csv|parquet|qlib] [--symbol-col NAME] [--date-col NAME]
//       [--universe-file [NAME=]PATH]... [--calendar-file PATH]
//       [--fields f1,f2] [--index-codes C1,C2] [--keep-zero-volume]
//       [--sample-dir DIR] [--threads N]
//   quiver data inspect market.duckdb [--json]
//
// Assumes: nothing about the terminal; output goes through `io`.
// Guarantees: diagnostics are printed as `location: severity Qxxxx: message`
// with hints indented below; no stack traces.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticError, type Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import { importCsv } from './import/csv.js';
import { universeNameOf } from './import/membership.js';
import { importParquet } from './import/parquet.js';
import { importQlibBin } from './import/qlib-bin.js';
import { importSample, sampleDir } from './import/sample.js';
import type { ImportResult, UniverseFile } from './import/schema.js';
import { inspectMarket, renderInspection } from './inspect.js';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIO: CliIO = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

export const IMPORT_USAGE =
  'quiver data import <file|folder|qlib-folder|sample> --out market.duckdb [--format csv|parquet|qlib] [--symbol-col NAME] ' +
  '[--date-col NAME] [--universe-file [NAME=]PATH]... [--calendar-file PATH] [--fields f1,f2] [--index-codes C1,C2] ' +
  '[--keep-zero-volume] [--sample-dir DIR] [--threads N]';
export const INSPECT_USAGE = 'quiver data inspect market.duckdb [--json]';

/** One diagnostic as text. */
export function renderDiagnostic(d: Diagnostic): string {
  const where = d.location ?? (d.span ? `${d.span.file}` : '');
  const head = `${where ? `${where}: ` : ''}${d.severity} ${d.code}: ${d.message}`;
  return [head, ...d.hints.map((h) => `  hint: ${h}`)].join('\n') + '\n';
}

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

/** Parse `--flag value`, `--flag=value` and bare `--switch`es; unknown flags are a usage error. */
function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[]): Parsed | string {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (switches.includes(name)) {
      if (eq >= 0) return `--${name} takes no value`;
      flags.set(name, ['true']);
      continue;
    }
    if (!valued.includes(name)) return `unknown option --${name}`;
    let value: string | undefined;
    if (eq >= 0) value = a.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') return `--${name} needs a value`;
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags };
}

function one(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v ? v[v.length - 1] : undefined;
}

function list(p: Parsed, name: string): string[] | undefined {
  const v = one(p, name);
  return v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter((x) => x !== '');
}

type SourceKind = 'csv' | 'parquet' | 'qlib' | 'sample';

/** What kind of source a path is, or null. */
export function detectSource(path: string): SourceKind | null {
  if (path === 'sample') return 'sample';
  if (!existsSync(path)) return null;
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'calendars')) && existsSync(join(path, 'features'))) return 'qlib';
    const files = readdirSync(path);
    if (files.some((f) => /\.parquet$/i.test(f))) return 'parquet';
    if (files.some((f) => /\.csv(\.gz)?$/i.test(f))) return 'csv';
    return null;
  }
  if (/\.csv(\.gz)?$/i.test(path)) return 'csv';
  if (/\.parquet$/i.test(path)) return 'parquet';
  return null;
}

function usage(io: CliIO, message: string, text: string): number {
  io.err(renderDiagnostic(diag('dataUsage', { message, usage: text })));
  return 2;
}

function printDiagnostics(io: CliIO, ds: readonly Diagnostic[]): void {
  for (const d of ds) io.err(renderDiagnostic(d));
}

/** `quiver data import …` (argv: the words after `import`). */
export async function runDataImport(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const parsed = parseArgs(
    argv,
    ['out', 'format', 'symbol-col', 'date-col', 'universe-file', 'calendar-file', 'fields', 'index-codes', 'sample-dir', 'threads'],
    ['keep-zero-volume'],
  );
  if (typeof parsed === 'string') return usage(io, parsed, IMPORT_USAGE);
  if (parsed.positional.length !== 1) return usage(io, 'give exactly one source to import', IMPORT_USAGE);
  const out = one(parsed, 'out');
  if (out === undefined) return usage(io, 'missing --out', IMPORT_USAGE);
  const source = parsed.positional[0]!;
  const format = one(parsed, 'format');
  if (format !== undefined && !['csv', 'parquet', 'qlib'].includes(format)) {
    return usage(io, `--format must be csv, parquet or qlib, not ${format}`, IMPORT_USAGE);
  }
  const threadsText = one(parsed, 'threads');
  const threads = threadsText === undefined ? undefined : Number(threadsText);
  if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) return usage(io, '--threads must be a positive integer', IMPORT_USAGE);

  const kind: SourceKind | null = source === 'sample' ? 'sample' : (format as SourceKind | undefined) ?? detectSource(source);
  if (source !== 'sample' && !existsSync(source)) {
    printDiagnostics(io, [diag('importFileNotFound', { path: source })]);
    return 1;
  }
  if (kind === null) {
    printDiagnostics(io, [diag('importUnknownSource', { path: source })]);
    return 1;
  }
  const universeFiles: UniverseFile[] = (parsed.flags.get('universe-file') ?? []).map((spec) => {
    const eq = spec.indexOf('=');
    return eq > 0 ? { name: spec.slice(0, eq), path: spec.slice(eq + 1) } : { name: universeNameOf(spec), path: spec };
  });
  const onProgress = (stage: string, detail: string): void => io.out(`[${stage}] ${detail}\n`);
  const common = {
    out,
    onProgress,
    ...(threads !== undefined ? { threads } : {}),
  };
  const fields = list(parsed, 'fields');
  const indexes = list(parsed, 'index-codes');
  const calendarFile = one(parsed, 'calendar-file');
  let result: ImportResult;
  if (kind === 'sample') {
    const dir = one(parsed, 'sample-dir') ?? sampleDir();
    if (dir === null) {
      printDiagnostics(io, [diag('importFileNotFound', { path: 'shared/data/sample_csi300_2018-2020.csv.gz (set --sample-dir or QUIVER_SAMPLE_DIR)' })]);
      return 1;
    }
    result = await importSample({ ...common, dir });
  } else if (kind === 'qlib') {
    result = await importQlibBin({
      ...common,
      dir: source,
      ...(fields ? { fields } : {}),
      ...(indexes ? { indexes } : {}),
      ...(parsed.flags.has('keep-zero-volume') ? { zeroVolumeSuspended: false } : {}),
    });
  } else {
    const opts = {
      ...common,
      source,
      ...(one(parsed, 'symbol-col') !== undefined ? { symbolCol: one(parsed, 'symbol-col')! } : {}),
      ...(one(parsed, 'date-col') !== undefined ? { dateCol: one(parsed, 'date-col')! } : {}),
      ...(fields ? { fields } : {}),
      ...(indexes ? { indexes } : {}),
      ...(calendarFile !== undefined ? { calendarFile } : {}),
      universeFiles,
      zeroVolumeSuspended: !parsed.flags.has('keep-zero-volume'),
    };
    result = kind === 'csv' ? await importCsv(opts) : await importParquet(opts);
  }
  printDiagnostics(io, result.diagnostics);
  if (!result.ok || !result.summary) {
    io.err(`import failed; ${out} was not written\n`);
    return 1;
  }
  const s = result.summary;
  io.out(
    `wrote ${out}: ${s.rows} rows, ${s.instruments} instruments` +
      `${s.indexes.length > 0 ? ` (index series ${s.indexes.join(', ')})` : ''}, ${s.days} days ${s.firstDay} .. ${s.lastDay}, ` +
      `${s.suspendedRows} suspended rows, universes ${s.universes.map((u) => `${u.name} (${u.stocks})`).join(', ') || 'none'}, ` +
      `version ${s.version}, ${s.seconds.toFixed(1)} s\n`,
  );
  return 0;
}

/** `quiver data inspect …` (argv: the words after `inspect`). */
export async function runDataInspect(argv: readonly string[], io: CliIO = defaultIO): Promise<number> {
  const parsed = parseArgs(argv, [], ['json']);
  if (typeof parsed === 'string') return usage(io, parsed, INSPECT_USAGE);
  if (parsed.positional.length !== 1) return usage(io, 'give exactly one market database', INSPECT_USAGE);
  try {
    const m = await inspectMarket(parsed.positional[0]!);
    io.out(parsed.flags.has('json') ? `${JSON.stringify(m, null, 2)}\n` : renderInspection(m));
    return 0;
  } catch (e) {
    if (e instanceof DiagnosticError) {
      printDiagnostics(io, e.diagnostics);
      return 1;
    }
    printDiagnostics(io, [diag('marketOpenFailed', { path: parsed.positional[0]!, reason: e instanceof Error ? e.message : String(e) })]);
    return 1;
  }
}
