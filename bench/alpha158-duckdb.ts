// DuckDB SQL windows versus the typed-array kernels, per operator: Mean,
// Std and Corr over 20-day windows on the same bars, all stocks at once.
//
// DuckDB side: the bars go into an in-memory table (one row per stock-day of
// the panel, NULL where suspended), then each feature is one window query,
// timed (a) computed into a table inside DuckDB and (b) streamed into a JS
// Float64Array (what the runtime would need). Kernel side: the same feature
// through the expression engine on one thread, no cache. Runnable alone:
// `node --import tsx bench/alpha158-duckdb.ts`.

import { DuckDBInstance } from '@duckdb/node-api';
import type { Panel } from '../runtime/data/panel.js';
import { evaluateExprsSync } from '../runtime/data/expr/evaluate.js';
import { parseQlibExpr } from '../runtime/data/expr/parse.js';
import { loadSamplePanel } from './alpha158-data.js';

export interface DuckRow {
  op: string;
  duckdbComputeMs: number;
  duckdbToJsMs: number;
  kernelMs: number;
}

const CASES: { op: string; sql: string; expr: string }[] = [
  {
    op: 'Mean(close, 20)',
    sql: 'avg(close) OVER (PARTITION BY stock ORDER BY t ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)',
    expr: 'Mean($close, 20)',
  },
  {
    op: 'Std(close, 20)',
    sql: 'stddev_samp(close) OVER (PARTITION BY stock ORDER BY t ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)',
    expr: 'Std($close, 20)',
  },
  {
    op: 'Corr(close, log(volume+1), 20)',
    sql: 'corr(close, ln(volume + 1)) OVER (PARTITION BY stock ORDER BY t ROWS BETWEEN 19 PRECEDING AND CURRENT ROW)',
    expr: 'Corr($close, Log($volume+1), 20)',
  },
];

export async function duckdbComparison(panel: Panel, threads: number): Promise<DuckRow[]> {
  const nI = panel.instruments.length;
  const nD = panel.days.length;
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  await con.run('CREATE TABLE bars (stock INTEGER, t INTEGER, close DOUBLE, volume DOUBLE)');
  const app = await con.createAppender('bars');
  const close = panel.fields.close!;
  const volume = panel.fields.volume!;
  for (let i = 0; i < nI; i++) {
    for (let t = 0; t < nD; t++) {
      const k = i * nD + t;
      app.appendInteger(i);
      app.appendInteger(t);
      if (close[k] === close[k]) app.appendDouble(close[k]!);
      else app.appendNull();
      if (volume[k] === volume[k]) app.appendDouble(volume[k]!);
      else app.appendNull();
      app.endRow();
    }
  }
  app.closeSync();
  const rows: DuckRow[] = [];
  for (const c of CASES) {
    let t0 = performance.now();
    await con.run(`CREATE OR REPLACE TABLE out AS SELECT stock, t, ${c.sql} AS v FROM bars`);
    const duckdbComputeMs = performance.now() - t0;
    t0 = performance.now();
    const out = new Float64Array(nI * nD);
    const result = await con.stream(`SELECT stock, t, ${c.sql} AS v FROM bars`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const s = chunk.getColumnValues(0);
      const d = chunk.getColumnValues(1);
      const v = chunk.getColumnValues(2);
      for (let r = 0; r < chunk.rowCount; r++) out[(s[r] as number) * nD + (d[r] as number)] = v[r] === null ? NaN : (v[r] as number);
    }
    const duckdbToJsMs = performance.now() - t0;
    t0 = performance.now();
    evaluateExprsSync(panel, [{ name: c.op, expr: parseQlibExpr(c.expr) }], { precision: 'f64' });
    rows.push({ op: c.op, duckdbComputeMs, duckdbToJsMs, kernelMs: performance.now() - t0 });
  }
  con.closeSync();
  db.closeSync();
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await duckdbComparison(loadSamplePanel(), 2);
  for (const r of rows) {
    console.log(`${r.op.padEnd(34)} duckdb ${r.duckdbComputeMs.toFixed(0)} ms in-db, ${r.duckdbToJsMs.toFixed(0)} ms into JS; kernel ${r.kernelMs.toFixed(0)} ms`);
  }
}
