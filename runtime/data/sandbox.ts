// The SQL sandbox: runs untrusted SQL from strategy files against a market
// database.
//
// Setup (a fresh DuckDB instance per sandbox, never shared with trusted code):
//   open the market file READ_ONLY, extension autoinstall/autoload off;
//   SET threads / memory_limit       (when given)
//   SET temp_directory = ''          (no spill folder beside the data: a query
//                                     that outgrows memory fails instead)
//   SET allowed_paths = [data files] (the only files queries may read)
//   SET enable_external_access = false
//   SET explain_output = 'all'       (EXPLAIN also gives the unoptimised plan)
//   SET lock_configuration = true    (in this order; nothing can undo them)
// and the settings are read back to confirm they took.
//
// Each query is checked before it runs, with DuckDB's own parser where it can
// say: empty (Q5401); does not parse (Q5402, `extractStatements`); more than
// one statement (Q5403); a leading keyword other than a query's (COPY,
// ATTACH, INSTALL, LOAD, PRAGMA, SET, CREATE, …) or a prepared statement
// whose type is not SELECT (Q5404); a query whose plan scans a ground-truth
// table `truth_*` (Q5412: the synthetic market's record of what it planted,
// which no strategy may read). The tables a query reads are taken from its
// unoptimised logical plan (`EXPLAIN (FORMAT JSON)`), so aliases, CTEs,
// subqueries, `query('…')`, `query_table('…')` and SUMMARIZE all count, and a
// scan the optimiser would drop from column statistics still counts;
// `pragma_storage_info` (stored min/max of any table) is refused the same way.
// Whatever DuckDB refuses while preparing
// or running (a Permission Error for other files, a read-only write, an
// interrupt on timeout, out of memory) is Q5405 naming the query and DuckDB's
// message; more than `maxRows` rows is Q5406.
//
// Guarantees: nothing changes on disk (tested with file hashes and mtimes
// around a battery of hostile queries); errors are diagnostics, never throws
// from `runSql`.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { DiagnosticError, type Diagnostic, type Span } from '../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../compiler/diagnostics/codes.js';
import { baseInstanceOptions, duckMessage, literal, queryRows, readResultColumns, type ColumnSet } from './db.js';

export interface SandboxOptions {
  /** Data files strategy SQL may read (read_csv, read_parquet, …). */
  allowedPaths?: readonly string[];
  /** Most rows a query may return (default 20,000,000). */
  maxRows?: number;
  /** Interrupt a query after this many milliseconds (default: no limit). */
  timeoutMs?: number;
  memoryLimit?: string;
  threads?: number;
}

export interface Sandbox {
  readonly path: string;
  readonly instance: DuckDBInstance;
  readonly conn: DuckDBConnection;
  readonly allowedPaths: readonly string[];
  readonly maxRows: number;
  readonly timeoutMs: number | undefined;
}

/** A strategy query: its SQL, an optional name (for messages) and source span. */
export interface SqlQuery {
  sql: string;
  name?: string;
  span?: Span;
}

export interface SqlRun {
  result?: ColumnSet;
  diagnostics: Diagnostic[];
}

/** Leading keywords a query may start with. */
const QUERY_KEYWORDS = new Set(['SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'DESCRIBE', 'SUMMARIZE', 'SHOW', 'PIVOT', 'UNPIVOT']);

/** Open a sandbox over a market file. Throws a DiagnosticError (Q5201/Q5407) when it cannot be set up. */
export async function openSandbox(marketPath: string, opts: SandboxOptions = {}): Promise<Sandbox> {
  if (!existsSync(marketPath)) throw new DiagnosticError(diag('marketOpenFailed', { path: marketPath, reason: 'no such file' }));
  const options = baseInstanceOptions();
  options.access_mode = 'READ_ONLY';
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(marketPath, options);
  } catch (e) {
    throw new DiagnosticError(diag('marketOpenFailed', { path: marketPath, reason: duckMessage(e) }));
  }
  const allowedPaths = (opts.allowedPaths ?? []).map((p) => resolve(p));
  let conn: DuckDBConnection | undefined;
  try {
    conn = await instance.connect();
    if (opts.threads !== undefined) await conn.run(`SET threads = ${Number(opts.threads)}`);
    if (opts.memoryLimit !== undefined) await conn.run(`SET memory_limit = ${literal(opts.memoryLimit)}`);
    await conn.run(`SET temp_directory = ''`);
    await conn.run(`SET allowed_paths = [${allowedPaths.map(literal).join(', ')}]::VARCHAR[]`);
    await conn.run(`SET enable_external_access = false`);
    await conn.run(`SET explain_output = 'all'`);
    await conn.run(`SET lock_configuration = true`);
    const s = (await queryRows({ conn }, `SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked`))[0]!;
    if (s.ext !== false || s.locked !== true) throw new Error(`settings did not take (external access ${String(s.ext)}, locked ${String(s.locked)})`);
  } catch (e) {
    conn?.closeSync();
    instance.closeSync();
    throw new DiagnosticError(diag('sandboxSetup', { reason: duckMessage(e) }));
  }
  return {
    path: marketPath,
    instance,
    conn,
    allowedPaths,
    maxRows: opts.maxRows ?? 20_000_000,
    timeoutMs: opts.timeoutMs,
  };
}

export function closeSandbox(sb: Sandbox): void {
  sb.conn.closeSync();
  sb.instance.closeSync();
}

/** A short name for a query in messages: its name, or its first words. */
export function queryLabel(q: SqlQuery): string {
  if (q.name) return q.name;
  const flat = q.sql.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 60 ? `${flat.slice(0, 57)}...` : flat);
}

/** The SQL without comments, for the keyword check. */
function stripComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?(\*\/|$)/g, ' ').replace(/--[^\n]*/g, ' ');
}

/** The first keyword of a statement (after comments and opening parentheses), upper-case. */
export function leadingKeyword(sql: string): string {
  const m = /^[\s(]*([A-Za-z_]+)/.exec(stripComments(sql));
  return m ? m[1]!.toUpperCase() : '';
}

function statementName(t: StatementType): string {
  return (StatementType as unknown as Record<number, string>)[t] ?? `type ${t}`;
}

interface Checked {
  prepared?: DuckDBPreparedStatement;
  diagnostics: Diagnostic[];
}

async function classify(sb: Sandbox, q: SqlQuery): Promise<Checked> {
  const query = queryLabel(q);
  const extra = q.span ? { span: q.span } : {};
  const fail = (d: Diagnostic): Checked => ({ diagnostics: [d] });
  if (stripComments(q.sql).replace(/;/g, ' ').trim() === '') return fail(diag('sqlEmpty', { query }, extra));
  let count: number;
  let extracted;
  try {
    extracted = await sb.conn.extractStatements(q.sql);
    count = extracted.count;
  } catch (e) {
    return fail(diag('sqlParse', { query, reason: duckMessage(e).replace(/^Failed to extract statements: /, '') }, extra));
  }
  if (count === 0) return fail(diag('sqlEmpty', { query }, extra));
  if (count > 1) return fail(diag('sqlMultipleStatements', { query, count }, extra));
  const kw = leadingKeyword(q.sql);
  if (!QUERY_KEYWORDS.has(kw)) return fail(diag('sqlForbidden', { query, kind: kw || 'unrecognised' }, extra));
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (e) {
    return fail(diag('sqlRefused', { query, reason: duckMessage(e) }, extra));
  }
  if (prepared.statementType !== StatementType.SELECT) {
    const kind = statementName(prepared.statementType);
    prepared.destroySync();
    return fail(diag('sqlForbidden', { query, kind }, extra));
  }
  let truth: string[];
  try {
    const plan = await planReads(sb, q.sql);
    truth = plan.tables.filter(isTruthTable).map((t) => identifiers(t).at(-1)!);
    // pragma_storage_info shows the stored min/max of any table's columns.
    if (plan.functions.includes('PRAGMA_STORAGE_INFO')) truth.push('pragma_storage_info (the stored statistics of every table, truth_* too)');
  } catch (e) {
    prepared.destroySync();
    return fail(diag('sqlRefused', { query, reason: `cannot plan it: ${duckMessage(e)}` }, extra));
  }
  if (truth.length) {
    prepared.destroySync();
    return fail(diag('sqlGroundTruth', { query, tables: [...new Set(truth)].sort().join(', ') }, extra));
  }
  return { prepared, diagnostics: [] };
}

/** Split a qualified name (`"db".main."t"`) into its identifiers. */
function identifiers(qualified: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"]|"")*)"|([^."]+)/g;
  for (let m = re.exec(qualified); m; m = re.exec(qualified)) out.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!);
  return out;
}

/** A ground-truth table: its own name (the last identifier) starts with `truth_`, any case. */
export function isTruthTable(qualified: string): boolean {
  return /^truth_/i.test(identifiers(qualified).at(-1) ?? '');
}

/**
 * What the query's unoptimised logical plan reads: every table it scans, as
 * DuckDB names it (`"db".schema.table`), and the operator names (table
 * functions appear as their own operators, e.g. `PRAGMA_STORAGE_INFO`).
 */
async function planReads(sb: Sandbox, sql: string): Promise<{ tables: string[]; functions: string[] }> {
  const r = await sb.conn.runAndReadAll(`EXPLAIN (FORMAT JSON) ${sql}`);
  const tables: string[] = [];
  const functions: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== 'object') return;
    const n = node as { name?: unknown; extra_info?: { Table?: unknown }; children?: unknown };
    if (typeof n.name === 'string') functions.push(n.name.toUpperCase());
    if (typeof n.extra_info?.Table === 'string') tables.push(n.extra_info.Table);
    walk(n.children);
  };
  let seen = false;
  for (const [key, value] of r.getRowsJson()) {
    if (String(key) !== 'logical_plan') continue;
    seen = true;
    walk(JSON.parse(String(value)));
  }
  if (!seen) throw new Error('EXPLAIN gave no logical plan');
  return { tables, functions };
}

/** Check a query without running it: diagnostics for anything the sandbox rejects up front. */
export async function checkSql(sb: Sandbox, q: SqlQuery): Promise<Diagnostic[]> {
  const c = await classify(sb, q);
  c.prepared?.destroySync();
  return c.diagnostics;
}

/** Check and run a query; numeric columns come back as Float64Arrays (NULL → NaN). */
export async function runSql(sb: Sandbox, q: SqlQuery): Promise<SqlRun> {
  const c = await classify(sb, q);
  if (!c.prepared) return { diagnostics: c.diagnostics };
  const query = queryLabel(q);
  const extra = q.span ? { span: q.span } : {};
  const timer = sb.timeoutMs !== undefined ? setTimeout(() => sb.conn.interrupt(), sb.timeoutMs) : undefined;
  try {
    const stream = await c.prepared.stream();
    const result = await readResultColumns(stream, sb.maxRows);
    if (result.truncated) return { diagnostics: [diag('sqlTooLarge', { query, limit: sb.maxRows }, extra)] };
    return { result, diagnostics: [] };
  } catch (e) {
    return { diagnostics: [diag('sqlRefused', { query, reason: duckMessage(e) }, extra)] };
  } finally {
    if (timer) clearTimeout(timer);
    c.prepared.destroySync();
  }
}
