// Graph sources: SQL through the sandbox → graphology graphs → per-day
// adjacency and membership tensors. Checks exact tensors on small graphs,
// zero rows for stocks outside the graph, every Q54xx graph code, and the
// property that permuting the stock order permutes rows and columns.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import type { ColumnSet } from '../../../runtime/data/db.js';
import {
  adjacency,
  graphFromColumns,
  graphFromSql,
  membership,
  rightNodes,
  type GraphSourceKind,
  type MarketGraph,
} from '../../../runtime/data/graph.js';
import { closeSandbox, openSandbox, type Sandbox } from '../../../runtime/data/sandbox.js';
import { codesOf, createSyntheticMarket, removeDir, tempDir, writeText } from './data-helpers.js';

let dir: string;
let sb: Sandbox;
let conceptsCsv: string;

beforeAll(async () => {
  dir = tempDir('graph');
  const market = join(dir, 'm.duckdb');
  await createSyntheticMarket(market, { instruments: 4, days: 10 });
  conceptsCsv = writeText(join(dir, 'concepts.csv'), 'stock,concept\nA,banks\nB,banks\nB,steel\nC,steel\nD,autos\n');
  sb = await openSandbox(market, { allowedPaths: [conceptsCsv] });
});

afterAll(() => {
  closeSandbox(sb);
  removeDir(dir);
});

async function build(sql: string, kind: GraphSourceKind, directed = false): Promise<MarketGraph> {
  const r = await graphFromSql(sb, { sql, name: 'g' }, { kind, directed });
  expect(r.diagnostics).toEqual([]);
  return r.graph!;
}

async function codes(sql: string, kind: GraphSourceKind): Promise<string[]> {
  return codesOf((await graphFromSql(sb, { sql, name: 'g' }, { kind })).diagnostics);
}

function thrown(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
    throw e;
  }
  return [];
}

const EDGES = `SELECT * FROM (VALUES ('A', 'B'), ('B', 'C'), ('A', 'B'), ('C', 'C')) t(src, dst)`;

describe('graph sources', () => {
  it('edges → undirected adjacency, symmetric, zero rows for absent stocks', async () => {
    const g = await build(EDGES, 'edges');
    expect(g.order).toBe(3);
    expect(g.size).toBe(3);
    const a = adjacency(g, ['C', 'X', 'A', 'B']);
    expect(Array.from(a)).toEqual([
      1, 0, 0, 1,
      0, 0, 0, 0,
      0, 0, 0, 1,
      1, 0, 1, 0,
    ]);
    const s = adjacency(g, ['A', 'X'], { selfLoops: true });
    expect(Array.from(s)).toEqual([1, 0, 0, 0]);
  });

  it('directed edges keep direction (row = src, column = dst)', async () => {
    const g = await build(EDGES, 'edges', true);
    expect(Array.from(adjacency(g, ['A', 'B', 'C']))).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 1]);
  });

  it('weighted edges add up repeated rows; integer endpoints become text', async () => {
    const g = await build(`SELECT * FROM (VALUES (600000, 600001, 0.5), (600001, 600000, 0.25), (600001, 600002, 2.0)) t(a, b, w)`, 'weighted');
    expect(Array.from(adjacency(g, ['600000', '600001', '600002']))).toEqual([0, 0.75, 0, 0.75, 0, 2, 0, 2, 0]);
  });

  it('typed edges give one slice per relation type, or their sum', async () => {
    const g = await build(`SELECT * FROM (VALUES ('A', 'B', 'supplier'), ('B', 'A', 'supplier'), ('A', 'B', 'peer'), ('B', 'C', 'peer')) t(s, d, r)`, 'typed');
    expect(g.getAttribute('relTypes')).toEqual(['peer', 'supplier']);
    const t = adjacency(g, ['A', 'B', 'C'], { relTypes: ['supplier', 'peer'] });
    expect(t.length).toBe(2 * 9);
    expect(Array.from(t.subarray(0, 9))).toEqual([0, 2, 0, 2, 0, 0, 0, 0, 0]);
    expect(Array.from(t.subarray(9))).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0]);
    expect(Array.from(adjacency(g, ['A', 'B', 'C']))).toEqual([0, 3, 0, 3, 0, 1, 0, 1, 0]);
    const w = await build(`SELECT * FROM (VALUES ('A', 'B', 'peer', 0.5)) t(s, d, r, w)`, 'typed');
    expect(Array.from(adjacency(w, ['B', 'A'], { relTypes: ['peer'] }))).toEqual([0, 0.5, 0.5, 0]);
  });

  it('bipartite memberships from an allowed file → membership matrix and live concepts', async () => {
    const g = await build(`SELECT stock, concept FROM read_csv('${conceptsCsv}')`, 'bipartite');
    const right = rightNodes(g);
    expect(right).toEqual(['autos', 'banks', 'steel']);
    const { matrix, live } = membership(g, ['B', 'Z', 'A'], right);
    expect(Array.from(matrix)).toEqual([0, 1, 1, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(live)).toEqual([0, 1, 1]);
  });

  it('reports wrong shapes, bad values and side conflicts (Q5408, Q5409, Q5410)', async () => {
    expect(await codes(`SELECT 'A' AS src`, 'edges')).toEqual(['Q5408']);
    expect(await codes(`SELECT 'A', 'B', 'x' AS w`, 'weighted')).toEqual(['Q5408']);
    expect(await codes(`SELECT 'A', 'B', 1, 2, 3`, 'typed')).toEqual(['Q5408']);
    const nul = await graphFromSql(sb, { sql: `SELECT * FROM (VALUES ('A', 'B'), (NULL, 'C')) t(a, b)`, name: 'g' }, { kind: 'edges' });
    expect(codesOf(nul.diagnostics)).toEqual(['Q5409']);
    expect(nul.diagnostics[0]!.location).toBe('g row 2');
    expect(await codes(`SELECT 'A', 'B', 'NaN'::DOUBLE`, 'weighted')).toEqual(['Q5409']);
    expect(await codes(`SELECT 1.5, 2`, 'edges')).toEqual(['Q5409']);
    expect(await codes(`SELECT * FROM (VALUES ('A', 'x'), ('x', 'B')) t(l, r)`, 'bipartite')).toEqual(['Q5410']);
    expect(await codes('DROP TABLE meta', 'edges')).toEqual(['Q5404']);
  });

  it('refuses misuse of the tensor functions (Q5411)', async () => {
    const e = await build(EDGES, 'edges');
    const b = await build(`SELECT stock, concept FROM read_csv('${conceptsCsv}')`, 'bipartite');
    const t = await build(`SELECT 'A', 'B', 'peer'`, 'typed');
    expect(thrown(() => adjacency(e, ['A', 'A']))).toEqual(['Q5411']);
    expect(thrown(() => adjacency(e, ['A'], { relTypes: ['peer'] }))).toEqual(['Q5411']);
    expect(thrown(() => adjacency(t, ['A'], { relTypes: ['rival'] }))).toEqual(['Q5411']);
    expect(thrown(() => adjacency(b, ['A']))).toEqual(['Q5411']);
    expect(thrown(() => membership(e, ['A'], ['banks']))).toEqual(['Q5411']);
    expect(thrown(() => membership(b, ['A'], ['banks', 'banks']))).toEqual(['Q5411']);
  });
});

describe('graph tensors under permutation', () => {
  const pool = ['S0', 'S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7'];
  const columnsOf = (rows: [string, string, number][], weighted: boolean): ColumnSet => ({
    rowCount: rows.length,
    truncated: false,
    columns: [
      { name: 'src', type: 'VARCHAR', kind: 'string', values: rows.map((r) => r[0]) },
      { name: 'dst', type: 'VARCHAR', kind: 'string', values: rows.map((r) => r[1]) },
      ...(weighted ? [{ name: 'w', type: 'DOUBLE', kind: 'number' as const, values: Float64Array.from(rows.map((r) => r[2])) }] : []),
    ],
  });
  const edge = fc.tuple(fc.constantFrom(...pool.slice(0, 6)), fc.constantFrom(...pool.slice(0, 6)), fc.integer({ min: 1, max: 9 }));

  it('permuting stocks permutes adjacency rows and columns', () => {
    fc.assert(
      fc.property(
        fc.array(edge, { minLength: 1, maxLength: 20 }),
        fc.shuffledSubarray(pool, { minLength: 1 }).chain((stocks) =>
          fc.tuple(fc.constant(stocks), fc.shuffledSubarray(stocks, { minLength: stocks.length, maxLength: stocks.length }))),
        fc.boolean(),
        fc.boolean(),
        (rows, [stocks, permuted], directed, selfLoops) => {
          const g = graphFromColumns(columnsOf(rows, true), { kind: 'weighted', directed }, 'prop').graph!;
          const a = adjacency(g, stocks, { selfLoops });
          const perm = permuted.map((s) => stocks.indexOf(s));
          const b = adjacency(g, permuted, { selfLoops });
          const n = stocks.length;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) expect(b[i * n + j]).toBe(a[perm[i]! * n + perm[j]!]);
            if (!g.hasNode(stocks[i]!)) for (let j = 0; j < n; j++) expect(a[i * n + j]).toBe(0);
          }
          if (!directed) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(a[i * n + j]).toBe(a[j * n + i]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('permuting stocks permutes membership rows; live does not change', () => {
    const right = ['c0', 'c1', 'c2', 'c3'];
    const pair = fc.tuple(fc.constantFrom(...pool.slice(0, 6)), fc.constantFrom(...right), fc.constant(1));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 15 }), fc.shuffledSubarray(pool, { minLength: 1 }), (rows, stocks) => {
        const g = graphFromColumns(columnsOf(rows, false), { kind: 'bipartite' }, 'prop').graph!;
        const a = membership(g, stocks, right);
        const reversed = [...stocks].reverse();
        const b = membership(g, reversed, right);
        const n = stocks.length;
        const m = right.length;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            expect(b.matrix[i * m + j]).toBe(a.matrix[(n - 1 - i) * m + j]);
            const member = rows.some((r) => r[0] === stocks[i] && r[1] === right[j]);
            expect(a.matrix[i * m + j]).toBe(member ? 1 : 0);
          }
        }
        expect(Array.from(b.live)).toEqual(Array.from(a.live));
        for (let j = 0; j < m; j++) expect(a.live[j]).toBe(stocks.some((_, i) => a.matrix[i * m + j] === 1) ? 1 : 0);
      }),
      { numRuns: 60 },
    );
  });
});
