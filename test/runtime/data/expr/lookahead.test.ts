// Look-ahead: `lookahead`/`lookback` analysis, and the no-look-ahead
// property of every Alpha158 and Alpha360 column: perturbing all data after a
// random day t leaves every value at days <= t unchanged (bit for bit).

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fieldsOf, lookahead, lookback } from '../../../../runtime/data/expr/ops.js';
import { parseQlibExpr } from '../../../../runtime/data/expr/parse.js';
import { alpha158, alpha360Flat } from '../../../../runtime/data/expr/alpha.js';
import { evaluateExprsSync } from '../../../../runtime/data/expr/evaluate.js';
import type { Panel } from '../../../../runtime/data/panel.js';

const q = (text: string) => parseQlibExpr(text);

describe('lookahead / lookback', () => {
  it('counts future days read', () => {
    expect(lookahead(q('Ref($close, -2)/Ref($close, -1) - 1'))).toBe(2);
    expect(lookahead(q('Mean($close, 20)'))).toBe(0);
    expect(lookahead(q('Ref(Ref($close, -3), 1)'))).toBe(2);
    expect(lookahead(q('Ref(Ref($close, -3), 5)'))).toBe(0);
    expect(lookahead(q('Mean(Ref($close, -1), 5)'))).toBe(1);
    expect(lookahead(q('Delta($close, -4)'))).toBe(4);
    expect(lookahead(q('Delta(Ref($close, -1), 3)'))).toBe(1);
    expect(lookahead(q('cs_rank(Ref($close, -1))'))).toBe(1);
    expect(lookahead(q('Ref($close, 0)'))).toBe(0);
  });

  it('counts past days read', () => {
    expect(lookback(q('Mean($close, 20)'))).toBe(19);
    expect(lookback(q('Mean(Ref($close, 5), 20)'))).toBe(24);
    expect(lookback(q('Corr($close, Log($volume+1), 60)'))).toBe(59);
    expect(lookback(q('Mean($close, 0)'))).toBe(Infinity);
    expect(lookback(q('EMA($close, 10)'))).toBe(Infinity);
    expect(lookback(q('Mean($close, 0.5)'))).toBe(Infinity);
    expect(lookback(q('Ref($close, 0)'))).toBe(Infinity);
    expect(Math.max(...alpha158().columns.map((c) => lookback(c.expr)))).toBe(60);
  });

  it('lists the fields an expression reads', () => {
    expect([...fieldsOf(q('Corr($close/Ref($close,1), Log($volume/Ref($volume, 1)+1), 5)'))].sort()).toEqual(['close', 'volume']);
    const all = new Set<string>();
    for (const c of alpha158().columns) fieldsOf(c.expr, all);
    expect([...all].sort()).toEqual(['close', 'high', 'low', 'open', 'volume', 'vwap']);
  });

  it('every Alpha158 and Alpha360 column reads no future', () => {
    for (const c of [...alpha158().columns, ...alpha360Flat().columns]) expect(lookahead(c.expr)).toBe(0);
  });
});

function randomPanel(seed: number, nI: number, nD: number): Panel {
  let s = seed >>> 0;
  const r = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const names = ['open', 'high', 'low', 'close', 'volume', 'vwap'];
  const fields: Record<string, Float64Array> = {};
  for (const n of names) fields[n] = new Float64Array(nI * nD);
  for (let i = 0; i < nI; i++) {
    let p = 10 + 10 * r();
    for (let t = 0; t < nD; t++) {
      const k = i * nD + t;
      p *= 1 + 0.03 * (r() - 0.5);
      const suspended = r() < 0.05 || t < i * 7;
      const o = p * (1 + 0.01 * (r() - 0.5));
      fields.open![k] = suspended ? NaN : o;
      fields.close![k] = suspended ? NaN : p;
      fields.high![k] = suspended ? NaN : Math.max(o, p) * (1 + 0.01 * r());
      fields.low![k] = suspended ? NaN : Math.min(o, p) * (1 - 0.01 * r());
      fields.volume![k] = suspended ? NaN : 1e5 * (1 + r());
      fields.vwap![k] = suspended ? NaN : (o + p) / 2;
    }
  }
  return {
    days: Array.from({ length: nD }, (_, t) => `D${String(t).padStart(4, '0')}`),
    instruments: Array.from({ length: nI }, (_, i) => `S${i}`),
    fields,
  };
}

describe('no look-ahead in Alpha158 / Alpha360', () => {
  const exprs = [...alpha158().columns, ...alpha360Flat().columns].map((c) => ({ name: c.name, expr: c.expr }));
  it('perturbing every field after day t leaves all values at days <= t unchanged', () => {
    const nI = 3;
    const nD = 90;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: nD - 2 }), fc.integer(), fc.double({ min: 0.5, max: 2, noNaN: true }), (t, seed, scale) => {
        const base = randomPanel(7, nI, nD);
        const moved = randomPanel(7, nI, nD);
        const r = randomPanel(seed, nI, nD);
        for (const [name, arr] of Object.entries(moved.fields)) {
          for (let i = 0; i < nI; i++) {
            for (let u = t + 1; u < nD; u++) {
              const v = r.fields[name]![i * nD + u]!;
              // Change values, turn some into NaN and some NaN back into values.
              arr[i * nD + u] = (seed + u) % 7 === 0 ? NaN : v * scale;
            }
          }
        }
        const a = evaluateExprsSync(base, exprs, { precision: 'f64' });
        const b = evaluateExprsSync(moved, exprs, { precision: 'f64' });
        a.columns.forEach((col, c) => {
          for (let i = 0; i < nI; i++) {
            for (let u = 0; u <= t; u++) {
              const x = col[i * nD + u]!;
              const y = b.columns[c]![i * nD + u]!;
              if (!(Object.is(x, y) || (x === 0 && y === 0))) {
                expect.fail(`${a.names[c]} at instrument ${i} day ${u} changed (${x} → ${y}) when data after day ${t} moved`);
              }
            }
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});
