// The engine around the kernels: hash-consing, the disk cache (cold and
// cached give the same bytes; the key follows the data), worker threads
// (same results as one thread), diagnostics at the API boundary, and
// permutation equivariance of cross-sectional operators.

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateExprs, evaluateExprsSync, evaluateFeatureSet } from '../../../../runtime/data/expr/evaluate.js';
import { dagBuilder } from '../../../../runtime/data/expr/graph.js';
import { neededNodes } from '../../../../runtime/data/expr/run.js';
import { shutdownExprWorkers } from '../../../../runtime/data/expr/parallel.js';
import { alpha158 } from '../../../../runtime/data/expr/alpha.js';
import { parseQlibExpr } from '../../../../runtime/data/expr/parse.js';
import { DiagnosticError } from '../../../../compiler/diagnostics/diagnostic.js';
import type { Panel } from '../../../../runtime/data/panel.js';
import { panelArb, f, k, call } from './helpers.js';

afterAll(async () => {
  await shutdownExprWorkers();
});

function marketPanel(nI: number, nD: number, seed = 3): Panel {
  let s = seed;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const fields: Record<string, Float64Array> = {};
  for (const n of ['open', 'high', 'low', 'close', 'volume', 'vwap']) fields[n] = new Float64Array(nI * nD).fill(NaN);
  for (let i = 0; i < nI; i++) {
    let p = 5 + 20 * r();
    for (let t = (i * 13) % 40; t < nD; t++) {
      if (r() < 0.02) continue;
      const k2 = i * nD + t;
      const o = p;
      p *= 1 + 0.04 * (r() - 0.5);
      fields.open![k2] = o;
      fields.close![k2] = p;
      fields.high![k2] = Math.max(o, p) * (1 + 0.01 * r());
      fields.low![k2] = Math.min(o, p) * (1 - 0.01 * r());
      fields.volume![k2] = 1e5 * (0.5 + r());
      fields.vwap![k2] = (o + p) / 2;
    }
  }
  return {
    days: Array.from({ length: nD }, (_, t) => `2015-${String(1 + Math.floor(t / 28)).padStart(2, '0')}-${String(1 + (t % 28)).padStart(2, '0')}`),
    instruments: Array.from({ length: nI }, (_, i) => `SH${600000 + i}`),
    fields,
  };
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (!Object.is(a[j], b[j]) && !(a[j] === 0 && b[j] === 0)) return false;
  return true;
};

describe('hash-consing', () => {
  it('computes each distinct subexpression of a set once', () => {
    const b = dagBuilder();
    const roots = alpha158().columns.map((c) => b.add(c.expr));
    const needed = neededNodes(b.dag, roots);
    expect(new Set(b.dag.nodes.map((n) => n.key)).size).toBe(b.dag.nodes.length);
    // Std($close, d) serves STDd, the Rsquare mask and the Corr mask.
    expect(b.dag.nodes.filter((n) => n.key === 'Std($close,20)')).toHaveLength(1);
    expect(needed.length).toBeLessThan(400);
    const again = b.add(parseQlibExpr('Mean($close, 5)/$close'));
    expect(again).toBe(roots[alpha158().columns.findIndex((c) => c.name === 'MA5')]);
  });
});

describe('disk cache', () => {
  it('serves identical columns cached, and keys on the data version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiver-cache-'));
    try {
      const panel = marketPanel(20, 150);
      const set = alpha158();
      const cold = await evaluateFeatureSet(panel, set, { cacheDir: dir, dataVersion: 'v1', threads: 1 });
      expect(cold.stats).toMatchObject({ computed: 158, cached: 0 });
      const warm = await evaluateFeatureSet(panel, set, { cacheDir: dir, dataVersion: 'v1', threads: 1 });
      expect(warm.stats).toMatchObject({ computed: 0, cached: 158 });
      warm.columns.forEach((c, j) => expect(sameBits(c, cold.columns[j]!)).toBe(true));
      const other = await evaluateFeatureSet(panel, set, { cacheDir: dir, dataVersion: 'v2', threads: 1 });
      expect(other.stats.cached).toBe(0);
      // Without a version the key hashes the field bytes: changed data misses.
      const byBytes = evaluateExprsSync(panel, [{ name: 'm', expr: parseQlibExpr('Mean($close, 5)') }], { cacheDir: dir });
      expect(byBytes.stats.cached).toBe(0);
      expect(evaluateExprsSync(panel, [{ name: 'm', expr: parseQlibExpr('Mean($close, 5)') }], { cacheDir: dir }).stats.cached).toBe(1);
      panel.fields.close![10] = 123;
      expect(evaluateExprsSync(panel, [{ name: 'm', expr: parseQlibExpr('Mean($close, 5)') }], { cacheDir: dir }).stats.cached).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('warns (Q5007) and computes when the cache directory is unusable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quiver-cache-'));
    try {
      const file = join(dir, 'not-a-dir');
      writeFileSync(file, 'x');
      const r = evaluateExprsSync(marketPanel(2, 10), [{ name: 'c', expr: f('close') }], { cacheDir: join(file, 'sub') });
      expect(r.diagnostics.map((d) => d.code)).toEqual(['Q5007']);
      expect(r.columns[0]!.length).toBe(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('worker threads', () => {
  it('give bit-identical results to one thread, cross-sectional nodes included', async () => {
    const panel = marketPanel(40, 200);
    const exprs = [
      ...alpha158().columns.map((c) => ({ name: c.name, expr: c.expr })),
      { name: 'csr', expr: call('cs_rank', call('Mean', f('close'), k(5))) },
      { name: 'csz', expr: call('Sub', call('cs_zscore', f('volume')), call('Std', f('close'), k(10))) },
    ];
    const one = await evaluateExprs(panel, exprs, { threads: 1 });
    const two = await evaluateExprs(panel, exprs, { threads: 2 });
    expect(two.stats.threads).toBe(2);
    expect(two.stats.workerError).toBeUndefined();
    one.columns.forEach((c, j) => expect(sameBits(c, two.columns[j]!), exprs[j]!.name).toBe(true));
  });
});

describe('diagnostics at the API boundary', () => {
  const panel = marketPanel(2, 10);
  const codesOf = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (e) {
      if (e instanceof DiagnosticError) return e.diagnostics.map((d) => d.code);
      throw e;
    }
    return [];
  };
  it('reports every bad column together', () => {
    expect(
      codesOf(() =>
        evaluateExprsSync(panel, [
          { name: 'a', expr: f('closee') },
          { name: 'b', expr: call('Mean', f('close'), k(-3)) },
          { name: 'c', expr: call('Avg', f('close')) },
          { name: 'd', expr: call('Corr', f('close'), k(5)) },
          { name: 'e', expr: call('ChangeInstrument', f('close')) },
        ]),
      ),
    ).toEqual(['Q5002', 'Q5004', 'Q5001', 'Q5003', 'Q5006']);
    // The unknown field's diagnostic names the field, the whole expression and the column.
    let unknown: DiagnosticError | undefined;
    try {
      evaluateExprsSync(panel, [{ name: 'KMID', expr: call('Div', call('Sub', f('close'), f('opne')), f('open')) }]);
    } catch (e) {
      unknown = e as DiagnosticError;
    }
    expect(unknown).toBeInstanceOf(DiagnosticError);
    expect(unknown!.diagnostics.map((d) => [d.code, d.message, d.location, d.hints])).toEqual([
      ['Q5002', 'unknown field $opne in Div(Sub($close, $opne), $open)', 'KMID', ['did you mean $open?']],
    ]);
    const bad = { days: ['b', 'a'], instruments: ['x'], fields: { close: new Float64Array(2) } };
    expect(codesOf(() => evaluateExprsSync(bad, [{ name: 'c', expr: f('close') }]))).toEqual(['Q5014']);
  });
});

describe('cross-sectional operators', () => {
  it('commute with permutations of the instruments', () => {
    fc.assert(
      fc.property(panelArb({ maxI: 6, maxD: 20 }), fc.integer(), (tp, seed) => {
        const { panel, starts, universe } = tp;
        const nI = panel.instruments.length;
        const nD = panel.days.length;
        const perm = Array.from({ length: nI }, (_, i) => i);
        let s = seed >>> 0;
        for (let j = nI - 1; j > 0; j--) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          const r = s % (j + 1);
          [perm[j], perm[r]] = [perm[r]!, perm[j]!];
        }
        const permute = <T extends Float64Array | Uint8Array>(a: T): T => {
          const out = a.slice() as T;
          perm.forEach((src, dst) => out.set(a.subarray(src * nD, (src + 1) * nD), dst * nD));
          return out;
        };
        const moved: Panel = {
          days: panel.days,
          instruments: perm.map((i) => panel.instruments[i]!),
          fields: Object.fromEntries(Object.entries(panel.fields).map(([n, a]) => [n, permute(a)])),
        };
        const exprs = [call('cs_rank', f('a')), call('cs_zscore', f('b')), call('cs_demean', f('a'), f('g')), call('cs_demean', call('Mean', f('b'), k(3)))].map((e, j) => ({ name: `c${j}`, expr: e }));
        const r1 = evaluateExprsSync(panel, exprs, { precision: 'f64', starts, universe });
        const r2 = evaluateExprsSync(moved, exprs, { precision: 'f64', starts: Int32Array.from(perm, (i) => starts[i]!), universe: permute(universe) });
        r1.columns.forEach((c, j) => expect(sameBits(permute(c as Float64Array), r2.columns[j]!)).toBe(true));
      }),
      { numRuns: 100 },
    );
  });
});
