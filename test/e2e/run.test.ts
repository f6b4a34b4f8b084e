// `quiver run` end to end on the small demo market (one epoch, wasm): the run
// folder holds the plan, IR, checkpoint, history, metrics, predictions and
// the report; a segment with no data is diagnosed before training; and
// `quiver runs` / `quiver compare` read the folders back.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../cli/main.js';
import { ROOT } from '../helpers/compile.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', color: false, out: (s: string) => (io.stdout += s), err: (s: string) => (io.stderr += s) };
  return io;
}

let dir: string;
const cache = join(ROOT, '.quiver');
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-e2e-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quiver run', () => {
  it('trains, evaluates, backtests and writes the run folder', async () => {
    const io = capture();
    const out = join(dir, 'runs');
    const code = await main(['run', join(ROOT, 'strategies', 'demo.qv'), '--epochs', '1', '--backend', 'wasm', '--out', out, '--cache', cache, '--quiet'], io);
    expect(io.stderr).not.toMatch(/error\[/);
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/IC -?\d\.\d{4}\s+ICIR/);
    expect(io.stdout).toMatch(/backtest \(excess return over SH000300, with cost\): annualized/);
    const runDir = join(out, 'demo', readdirSync(join(out, 'demo'))[0]!);
    for (const f of ['plan.json', 'ir.txt', 'checkpoint.qck', 'history.json', 'metrics.json', 'predictions.parquet', 'report.html']) {
      expect(existsSync(join(runDir, f)), f).toBe(true);
    }
    const metrics = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8')) as { metrics: Record<string, number> };
    expect(Number.isFinite(metrics.metrics['IC'])).toBe(true);
    expect(Number.isFinite(metrics.metrics['excess information ratio (with cost)'])).toBe(true);
    // The planted structure is strong enough that one epoch already finds signal.
    expect(metrics.metrics['IC']).toBeGreaterThan(0.02);

    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const r = await con.runAndReadAll(`SELECT count(*)::INTEGER AS n, count(DISTINCT day)::INTEGER AS d FROM read_parquet('${join(runDir, 'predictions.parquet')}')`);
    const row = r.getRowObjects()[0] as { n: number; d: number };
    expect(row.d).toBeGreaterThan(200);
    expect(row.n).toBeGreaterThan(row.d * 30);
    con.closeSync();
    db.closeSync();

    const listed = capture();
    expect(await main(['runs', '--dir', out], listed)).toBe(0);
    expect(listed.stdout).toContain('demo');
    const cmp = capture();
    expect(await main(['compare', runDir, runDir], cmp)).toBe(0);
    expect(cmp.stdout).toContain('same settings');
  });

  it('a segment without data is Q6204, before any training', async () => {
    const src = readFileSync(join(ROOT, 'strategies', 'demo.qv'), 'utf8').replace('test:  2010-01-01..2010-12-31', 'test:  2015-01-01..2015-12-31');
    const f = join(dir, 'late.qv');
    writeFileSync(f, src);
    const io = capture();
    const code = await main(['run', f, '--epochs', '1', '--backend', 'wasm', '--out', join(dir, 'runs2'), '--cache', cache, '--quiet'], io);
    expect(code).toBe(1);
    expect(io.stderr).toContain('Q6204');
    expect(io.stderr).toContain('segment test (2015-01-01..2015-12-31) has no trading days with data');
  });
});
