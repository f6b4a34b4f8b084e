// `quiver run` end to end on the small demo market (one epoch, wasm): the run
// folder holds the plan (with the --seed/--epochs overrides), IR, checkpoint,
// history, metrics, predictions, run.log and the report; the strategy's
// `evaluate [...]` metrics reach metrics.json, the summary and the report; a
// segment with no data is diagnosed before training; and `quiver runs` /
// `quiver compare` read the folders back and show how two runs differ.

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
let runA: string;
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
    runA = join(out, 'demo', readdirSync(join(out, 'demo'))[0]!);
    expect(io.stderr).not.toMatch(/error\[/);
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/IC -?\d\.\d{4}\s+ICIR/);
    expect(io.stdout).toMatch(/backtest \(excess return over SH000300, with cost\): annualized/);
    const runDir = join(out, 'demo', readdirSync(join(out, 'demo'))[0]!);
    for (const f of ['plan.json', 'ir.txt', 'checkpoint.qck', 'history.json', 'metrics.json', 'predictions.parquet', 'report.html', 'run.log']) {
      expect(existsSync(join(runDir, f)), f).toBe(true);
    }
    // run.log: what went to stderr (quiet only hides the progress there), one line per epoch.
    const runLog = readFileSync(join(runDir, 'run.log'), 'utf8');
    expect(runLog).toMatch(/^backend: /);
    expect(runLog).toMatch(/\ndata: \d+ instruments × \d+ days/);
    expect(runLog).toMatch(/\nmain epoch 1\/1 loss \d\.\d{4} valid\.ic -?\d\.\d{4}/);
    for (const line of io.stderr.split('\n').filter(Boolean)) expect(runLog).toContain(line);
    // The --epochs override is in the saved plan.
    const plan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8')) as { stages: { epochs: number }[]; overrides?: Record<string, number> };
    expect(plan.stages[0]!.epochs).toBe(1);
    expect(plan.overrides).toEqual({ epochs: 1 });
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

  it('reports the evaluate clause, records --seed, and compare shows what differs', async () => {
    const src = readFileSync(join(ROOT, 'strategies', 'demo.qv'), 'utf8')
      .replace('strategy demo {', 'strategy demo_eval {')
      .replace('evaluate [ic, rank_ic, icir, rank_icir]', 'evaluate [ic, precision(k: 5), long_short, quantile_returns(groups: 5), ic_decay(horizons: 3)]');
    const f = join(dir, 'demo_eval.qv');
    writeFileSync(f, src);
    const io = capture();
    const out = join(dir, 'runs');
    expect(await main(['run', f, '--epochs', '1', '--seed', '11', '--backend', 'wasm', '--out', out, '--cache', cache, '--quiet'], io)).toBe(0);
    const runB = join(out, 'demo_eval', readdirSync(join(out, 'demo_eval'))[0]!);
    const names = ['precision@5', 'long-short annualized return', 'group 1 of 5 mean return', 'group 1 − group 5 mean return', 'IC decay h=1', 'IC decay h=3', 'Rank IC decay h=3'];
    const metrics = JSON.parse(readFileSync(join(runB, 'metrics.json'), 'utf8')) as { metrics: Record<string, number | null> };
    for (const k of names) {
      expect(Number.isFinite(metrics.metrics[k]), k).toBe(true);
      expect(io.stdout, k).toMatch(new RegExp(`${k.replace(/[()]/g, '\\$&')} -?\\d\\.\\d{4}`));
    }
    expect(metrics.metrics['precision@5']).toBeGreaterThanOrEqual(0);
    expect(metrics.metrics['precision@5']).toBeLessThanOrEqual(1);
    const html = readFileSync(join(runB, 'report.html'), 'utf8');
    expect(html).toContain('data-plot="ic-decay"');
    expect(html).toContain('data-plot="group-returns"');
    expect(html).toContain('IC decay h=3');
    const plan = JSON.parse(readFileSync(join(runB, 'plan.json'), 'utf8')) as { seed: number; overrides?: Record<string, number> };
    expect(plan.seed).toBe(11);
    expect(plan.overrides).toEqual({ seed: 11, epochs: 1 });

    const cmp = capture();
    expect(await main(['compare', runA, runB], cmp)).toBe(0);
    expect(cmp.stdout).toMatch(/\nprecision@5 +— +\d\.\d{4} +—\n/);
    expect(cmp.stdout).toMatch(/\nIC +-?\d\.\d{4} +-?\d\.\d{4} +-?\d\.\d{4}\n/);
    expect(cmp.stdout).toContain('settings that differ:');
    expect(cmp.stdout).toMatch(/\n {2}strategy: "demo" → "demo_eval"\n/);
    expect(cmp.stdout).toMatch(/\n {2}seed: \d+ → 11\n/);
    expect(cmp.stdout).toContain('  overrides.seed: (absent) → 11\n');
    expect(cmp.stdout).toMatch(/\n {2}evaluate\.1\.name: "rank_ic" → "precision"\n/);
    expect(cmp.stdout).toContain('  evaluate.1.args.k: (absent) → 5\n');
    expect(cmp.stdout).not.toMatch(/stages\.0\.epochs/); // both ran one epoch
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
