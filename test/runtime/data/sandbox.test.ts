// The SQL sandbox against hostile queries: each is rejected before running
// (Q5401–Q5404) or refused by DuckDB (Q5405), allowed data files stay
// readable, and nothing on disk changes (sizes, mtimes and hashes of every
// file in the market's folder, before and after the whole battery).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { checkSql, closeSandbox, leadingKeyword, openSandbox, runSql, type Sandbox } from '../../../runtime/data/sandbox.js';
import { closeMarket, exec, openMarket } from '../../../runtime/data/db.js';
import { codesOf, createSyntheticMarket, removeDir, snapshotDir, tempDir, writeText } from './data-helpers.js';

let dir: string;
let market: string;
let allowed: string;
let secret: string;
let sb: Sandbox;
let before: ReturnType<typeof snapshotDir>;

beforeAll(async () => {
  dir = tempDir('sandbox');
  market = join(dir, 'market.duckdb');
  await createSyntheticMarket(market, { instruments: 6, days: 40 });
  // Ground-truth tables as the synthetic market writes them, and a view over one.
  const w = await openMarket(market, { write: true });
  try {
    await exec(w, `CREATE TABLE truth_secret AS SELECT stock, (right(stock, 1)::INTEGER % 3) AS planted FROM (SELECT DISTINCT stock FROM bars_daily)`);
    await exec(w, `CREATE TABLE "Truth_Mixed" AS SELECT 1 AS x`);
    await exec(w, `CREATE VIEW innocent AS SELECT * FROM truth_secret`);
  } finally {
    closeMarket(w);
  }
  allowed = writeText(join(dir, 'extra.csv'), 'stock,concept\nSH600000,banks\nSH600001,steel\n');
  secret = writeText(join(dir, 'secret.csv'), 'password\nhunter2\n');
  before = snapshotDir(dir);
  sb = await openSandbox(market, { allowedPaths: [allowed] });
});

afterAll(() => {
  closeSandbox(sb);
  removeDir(dir);
});

async function codeOf(sql: string): Promise<string[]> {
  const r = await runSql(sb, { sql });
  return codesOf(r.diagnostics);
}

describe('sandbox: allowed reads', () => {
  it('runs queries over the market and the allowed data file', async () => {
    const r = await runSql(sb, { sql: 'SELECT count(DISTINCT stock) AS n, min(close) AS lo FROM bars_daily' });
    expect(r.diagnostics).toEqual([]);
    expect(r.result!.columns[0]!.kind).toBe('number');
    expect(Array.from(r.result!.columns[0]!.values as Float64Array)).toEqual([6]);
    const f = await runSql(sb, { sql: `SELECT stock, concept FROM read_csv('${allowed}') ORDER BY stock` });
    expect(f.diagnostics).toEqual([]);
    expect(f.result!.columns[1]!.values).toEqual(['banks', 'steel']);
    for (const sql of ['(SELECT 1)', 'FROM meta', 'WITH a AS (SELECT 1 AS x) SELECT x FROM a', "SELECT * FROM query('SELECT 42')", 'DESCRIBE bars_daily']) {
      expect(await codeOf(sql), sql).toEqual([]);
    }
  });

  it('reports the settings as locked and external access off', async () => {
    const r = await runSql(sb, { sql: "SELECT current_setting('enable_external_access')::VARCHAR AS ext, current_setting('lock_configuration')::VARCHAR AS locked" });
    expect(r.result!.columns.map((c) => c.values[0])).toEqual(['false', 'true']);
  });
});

describe('sandbox: ground truth', () => {
  const reads = [
    'SELECT * FROM truth_secret',
    'SELECT planted FROM TRUTH_SECRET',
    'SELECT * FROM "Truth_Mixed"',
    'SELECT b.stock, t.planted FROM bars_daily b JOIN truth_secret t USING (stock)',
    'WITH g AS (SELECT * FROM truth_secret) SELECT count(*) FROM g',
    'SELECT stock FROM meta, (SELECT stock FROM truth_secret) s',
    'SELECT 1 WHERE EXISTS (SELECT 1 FROM truth_secret WHERE planted > 100)',
    'SELECT count(*) FROM truth_secret WHERE planted > 100',
    'SELECT stock FROM bars_daily UNION SELECT stock FROM truth_secret',
    "SELECT * FROM query('SELECT * FROM truth_secret')",
    "SELECT * FROM query_table('truth_secret')",
    'SUMMARIZE truth_secret',
    'TABLE truth_secret',
    'FROM truth_secret',
    'SELECT * FROM innocent',
    "SELECT * FROM pragma_storage_info('truth_secret')",
  ];

  it('refuses every query that reads a truth_* table (Q5412), however it is reached', async () => {
    for (const sql of reads) {
      const r = await runSql(sb, { sql, name: 'peek' });
      expect(codesOf(r.diagnostics), sql).toEqual(['Q5412']);
      expect(r.result).toBeUndefined();
      expect(codesOf(await checkSql(sb, { sql })), sql).toEqual(['Q5412']);
    }
  });

  it('names the query and the table', async () => {
    const r = await runSql(sb, { sql: 'SELECT * FROM bars_daily JOIN truth_secret USING (stock)', name: 'graph peers' });
    expect(r.diagnostics[0]!.message).toBe('query graph peers reads the ground-truth table(s) truth_secret; strategy SQL may not read truth_* tables');
  });

  it('still runs queries over the observable tables and lists table names', async () => {
    for (const sql of ['SELECT count(*) FROM bars_daily', 'SELECT * FROM meta', 'DESCRIBE bars_daily', "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'truth%'"]) {
      expect(await codeOf(sql), sql).toEqual([]);
    }
  });
});

describe('sandbox: hostile queries', () => {
  const rejected: [string, string][] = [
    ['', 'Q5401'],
    ['  -- only a comment\n', 'Q5401'],
    ['SELEC 1', 'Q5402'],
    ['SELECT 1; SELECT 2', 'Q5403'],
    ["SELECT 1; COPY bars_daily TO 'x.csv'", 'Q5403'],
    ['COPY bars_daily TO "OUT"', 'Q5404'],
    ['/* sneaky */ COPY meta TO "OUT2"', 'Q5404'],
    ['ATTACH "NEW" AS n', 'Q5404'],
    ['INSTALL httpfs', 'Q5404'],
    ['LOAD httpfs', 'Q5404'],
    ['CREATE TABLE t AS SELECT 1', 'Q5404'],
    ['CREATE TEMP TABLE t AS SELECT 1', 'Q5404'],
    ["INSERT INTO meta VALUES ('a', 'b')", 'Q5404'],
    ["UPDATE meta SET value = 'x'", 'Q5404'],
    ['DELETE FROM bars_daily', 'Q5404'],
    ['DROP TABLE bars_daily', 'Q5404'],
    ['ALTER TABLE meta ADD COLUMN z INTEGER', 'Q5404'],
    ['PRAGMA version', 'Q5404'],
    ['SET enable_external_access = true', 'Q5404'],
    ['SET lock_configuration = false', 'Q5404'],
    ['RESET lock_configuration', 'Q5404'],
    ["SET allowed_paths = ['/etc/passwd']", 'Q5404'],
    ['CHECKPOINT', 'Q5404'],
    ['CALL pragma_version()', 'Q5404'],
    ['BEGIN TRANSACTION', 'Q5404'],
    ['EXPORT DATABASE "EXP"', 'Q5404'],
    ['DETACH market', 'Q5404'],
    ["SELECT * FROM read_csv('/etc/passwd')", 'Q5405'],
    ["SELECT * FROM read_text('/etc/passwd')", 'Q5405'],
    ["SELECT * FROM read_blob('/etc/passwd')", 'Q5405'],
    ["SELECT * FROM glob('/etc/*')", 'Q5405'],
    ['SELECT * FROM read_csv("SECRET")', 'Q5405'],
    ['SELECT * FROM read_csv("TRAVERSE")', 'Q5405'],
    ["SELECT * FROM query('COPY meta TO ''/tmp/quiver-sandbox-q.csv''')", 'Q5405'],
    ["SELECT * FROM sniff_csv('/etc/passwd')", 'Q5405'],
    ["SELECT * FROM read_json('/proc/self/environ')", 'Q5405'],
    ['SELECT * FROM read_csv(["ALLOWED", \'/etc/passwd\'])', 'Q5405'],
    ['SELECT * FROM duckdb_secrets()', 'Q5405'],
  ];

  it('lets harmless side-effect-looking reads run without touching disk', async () => {
    for (const sql of ['SELECT * FROM checkpoint()', 'SELECT * FROM force_checkpoint()', `SELECT * FROM read_csv('${allowed}', store_rejects = true)`]) {
      expect(await codeOf(sql), sql).toEqual([]);
    }
  });

  it('rejects or refuses every one, with the right code', async () => {
    for (const [template, code] of rejected) {
      const sql = template
        .replace('"OUT"', `'${join(dir, 'out.csv')}'`)
        .replace('"OUT2"', `'${join(dir, 'out2.csv')}'`)
        .replace('"NEW"', `'${join(dir, 'new.duckdb')}'`)
        .replace('"EXP"', `'${join(dir, 'exported')}'`)
        .replace('"SECRET"', `'${secret}'`)
        .replace('"TRAVERSE"', `'${allowed}/../secret.csv'`)
        .replace('"ALLOWED"', `'${allowed}'`);
      const r = await runSql(sb, { sql, name: 'q' });
      expect(codesOf(r.diagnostics), sql).toEqual([code]);
      expect(r.result).toBeUndefined();
    }
  });

  it('names the query and quotes DuckDB on refusal', async () => {
    const r = await runSql(sb, { sql: "SELECT * FROM read_csv('/etc/passwd')", name: 'peers' });
    expect(r.diagnostics[0]!.message).toMatch(/^DuckDB refused query peers: Permission Error/);
    const s = await runSql(sb, { sql: 'COPY meta TO \'/tmp/x.csv\'', span: { file: 'a.qv', start: 3, end: 9 } });
    expect(s.diagnostics[0]!.message).toContain('COPY');
    expect(s.diagnostics[0]!.span).toEqual({ file: 'a.qv', start: 3, end: 9 });
  });

  it('classifies without executing (checkSql) using DuckDB statement types', async () => {
    expect(codesOf(await checkSql(sb, { sql: 'WITH x AS (SELECT 1) SELECT * FROM x' }))).toEqual([]);
    const ds = await checkSql(sb, { sql: "WITH x AS (SELECT 'k' AS a, 'v' AS b) INSERT INTO meta SELECT * FROM x" });
    expect(['Q5404', 'Q5405']).toContain(ds[0]!.code);
    expect(leadingKeyword('/* a */ -- b\n ((select 1))')).toBe('SELECT');
  });

  it('keeps the lock even when a statement bypasses the checker', async () => {
    await expect(sb.conn.run('SET enable_external_access = true')).rejects.toThrow(/locked/);
    await expect(sb.conn.run('SET lock_configuration = false')).rejects.toThrow(/locked/);
    expect(await codeOf("SELECT * FROM read_csv('/etc/passwd')")).toEqual(['Q5405']);
  });

  it('fails a query that outgrows memory instead of spilling beside the data', async () => {
    const small = await openSandbox(market, { memoryLimit: '32MB', threads: 1 });
    try {
      const r = await runSql(small, { sql: 'SELECT range AS x, random() AS r FROM range(6000000) ORDER BY r' });
      expect(codesOf(r.diagnostics)).toEqual(['Q5405']);
      expect(existsSync(`${market}.tmp`)).toBe(false);
    } finally {
      closeSandbox(small);
    }
  });

  it('interrupts a runaway query (timeout) and caps result size', async () => {
    const slow = await openSandbox(market, { timeoutMs: 150, maxRows: 10 });
    try {
      const r = await runSql(slow, { sql: 'SELECT count(*) FROM range(200000000) a, range(1000) b WHERE (a.range * b.range) % 7 = 3' });
      expect(codesOf(r.diagnostics)).toEqual(['Q5405']);
      expect(r.diagnostics[0]!.message).toMatch(/Interrupt/i);
      const big = await runSql(slow, { sql: 'SELECT * FROM range(100)' });
      expect(codesOf(big.diagnostics)).toEqual(['Q5406']);
      const ok = await runSql(slow, { sql: 'SELECT * FROM range(10)' });
      expect(ok.result!.rowCount).toBe(10);
    } finally {
      closeSandbox(slow);
    }
  });

  it('reports setup failures as diagnostics', async () => {
    await expect(openSandbox(join(dir, 'missing.duckdb'))).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostics[0]!.code === 'Q5201');
    await expect(openSandbox(market, { memoryLimit: 'lots' })).rejects.toSatisfy(
      (e: unknown) => e instanceof DiagnosticError && e.diagnostics[0]!.code === 'Q5407');
  });

  it('changed nothing on disk', () => {
    expect(snapshotDir(dir)).toEqual(before);
    expect(existsSync('/tmp/quiver-sandbox-q.csv')).toBe(false);
  });
});
