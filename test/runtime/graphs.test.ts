// The run path's graph sources (runtime/graphs.ts): a plan's graph
// declarations → sandboxed SQL → per-day tensors in the day's stock order,
// and the sandbox's refusals (a truth_* table: Q5412) surfacing as a
// DiagnosticError before any training starts.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../compiler/diagnostics/diagnostic.js';
import type { GraphPlan } from '../../compiler/plan/plan.js';
import { closeMarket, exec, openMarket } from '../../runtime/data/db.js';
import { graphSources } from '../../runtime/graphs.js';
import { createSyntheticMarket, removeDir, tempDir } from './data/data-helpers.js';

let dir: string;
let market: string;

beforeAll(async () => {
  dir = tempDir('run-graphs');
  market = join(dir, 'm.duckdb');
  await createSyntheticMarket(market, { instruments: 3, days: 5 });
  const db = await openMarket(market, { write: true });
  try {
    await exec(db, `CREATE TABLE concepts AS SELECT * FROM (VALUES ('SH600000', 'banks'), ('SH600001', 'banks'), ('SH600001', 'steel')) t(stock, concept)`);
    await exec(db, `CREATE TABLE relations AS SELECT * FROM (VALUES ('SH600000', 'SH600002', 2.0)) t(src, dst, w)`);
    await exec(db, `CREATE TABLE truth_hidden_cluster AS SELECT * FROM (VALUES ('SH600000', 0), ('SH600002', 0)) t(stock, cluster)`);
  } finally {
    closeMarket(db);
  }
});

afterAll(() => removeDir(dir));

const plan = (name: string, kind: GraphPlan['kind'], sql: string, weighted = false): GraphPlan =>
  ({ name, kind, sql, axes: ['N', kind === 'bipartite' ? 'M' : 'J'], weighted });

describe('graph sources on the run path', () => {
  it('gives membership, live mask and adjacency in the order of the day\'s stocks', async () => {
    const feed = await graphSources([
      plan('concepts', 'bipartite', 'SELECT stock, concept FROM concepts'),
      plan('peers', 'edges', 'SELECT src, dst, w FROM relations', true),
    ], market);
    const stocks = ['SH600002', 'SH600001', 'SH600000'];
    // Right nodes ascending: banks, steel.
    expect(Array.from(feed('concepts', 'matrix', stocks))).toEqual([0, 0, 1, 1, 1, 0]);
    expect(Array.from(feed('concepts', 'live', ['SH600002']))).toEqual([0, 0]);
    expect(Array.from(feed('peers', 'matrix', stocks))).toEqual([0, 0, 2, 0, 0, 0, 2, 0, 0]);
  });

  it('refuses a graph whose SQL reads ground truth', async () => {
    const err = await graphSources([plan('cheat', 'edges', 'SELECT a.stock, b.stock FROM truth_hidden_cluster a JOIN truth_hidden_cluster b USING (cluster) WHERE a.stock < b.stock')], market)
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DiagnosticError);
    expect((err as DiagnosticError).diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['Q5412', 'query graph cheat reads the ground-truth table(s) truth_hidden_cluster; strategy SQL may not read truth_* tables'],
    ]);
  });
});
