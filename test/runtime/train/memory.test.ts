// Memories at read time: a value written for day d is never visible to a read
// for a day before d + lag, and every visible value is the one written for
// exactly the day its window slot names (property test over grid sizes, lags,
// windows, widths, per: sample / per: day and random write patterns). Also
// snapshots for checkpoints.

import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemoryPlan } from '../../../compiler/plan/plan.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { createMemoryStore, type RowKeys } from '../../../runtime/train/memory.js';

function plan(per: 'sample' | 'day', lag: number, width: number): MemoryPlan {
  const type = width === 1
    ? { kind: 'tensor' as const, dtype: 'f32' as const, axes: [] }
    : { kind: 'tensor' as const, dtype: 'f32' as const, axes: [{ name: 'K', size: width }] };
  return { name: 'm', type, per, lag };
}

const keys = (rows: [number, number][]): RowKeys => ({ inst: Int32Array.from(rows, (r) => r[0]), day: Int32Array.from(rows, (r) => r[1]) });

/** The value written for (instrument, day, entry k): encodes the day so a read shows where it came from. */
const code = (per: 'sample' | 'day', i: number, d: number, k: number) => (per === 'day' ? 0 : i * 1000) + (d + 1) + k * 0.5;

describe('memory lag guard', () => {
  it('a read for day t sees only values written for days ≤ t − lag, each in its own window slot', () => {
    fc.assert(
      fc.property(
        fc.record({
          instruments: fc.integer({ min: 1, max: 4 }),
          days: fc.integer({ min: 1, max: 25 }),
          lag: fc.integer({ min: 0, max: 5 }),
          window: fc.integer({ min: 1, max: 6 }),
          width: fc.integer({ min: 1, max: 2 }),
          per: fc.constantFrom('sample' as const, 'day' as const),
          seed: fc.integer({ min: 0, max: 1 << 30 }),
        }),
        fc.func(fc.boolean()),
        ({ instruments, days, lag, window, width, per, seed }, writes) => {
          const store = createMemoryStore([plan(per, lag, width)], instruments, days);
          const written = new Set<string>();
          // write in batches of one day's rows, in a scrambled day order (reads must not depend on write order)
          const order = Array.from({ length: days }, (_, d) => (d * 7 + seed) % days).filter((d, i, a) => a.indexOf(d) === i);
          for (let d = 0; d < days; d++) if (!order.includes(d)) order.push(d);
          for (const d of order) {
            const rows: [number, number][] = [];
            for (let i = 0; i < instruments; i++) if (writes(i, d, seed)) rows.push([i, d]);
            if (!rows.length) continue;
            const values = new Float32Array(rows.length * width);
            rows.forEach(([i], r) => {
              for (let k = 0; k < width; k++) values[r * width + k] = code(per, i, d, k);
            });
            store.write('m', values, keys(rows));
            for (const [i] of rows) written.add(per === 'day' ? `*,${d}` : `${i},${d}`);
          }
          for (let i = 0; i < instruments; i++) {
            for (let t = 0; t < days; t++) {
              const h = store.history('m', window, keys([[i, t]]));
              expect(h.length).toBe(window * width);
              for (let j = 0; j < window; j++) {
                const e = t - lag - (window - 1 - j); // the day slot j shows
                const seen = (per === 'day' ? written.has(`*,${e}`) : written.has(`${i},${e}`)) && e >= 0;
                for (let k = 0; k < width; k++) {
                  const v = h[j * width + k]!;
                  expect(v).toBe(seen ? code(per, i, e, k) : 0);
                  if (v !== 0) {
                    const from = Math.round(v - (per === 'day' ? 0 : i * 1000) - k * 0.5) - 1;
                    expect(from).toBeLessThanOrEqual(t - lag); // the guard itself
                  }
                }
              }
            }
          }
        },
      ),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('lag 2: day 9 is first visible to a read for day 11, as the newest window entry', () => {
    const store = createMemoryStore([plan('sample', 2, 1)], 1, 20);
    store.write('m', [42], keys([[0, 9]]));
    expect(Array.from(store.history('m', 3, keys([[0, 10]])))).toEqual([0, 0, 0]);
    expect(Array.from(store.history('m', 3, keys([[0, 11]])))).toEqual([0, 0, 42]);
    expect(Array.from(store.history('m', 3, keys([[0, 13]])))).toEqual([42, 0, 0]);
    expect(Array.from(store.history('m', 3, keys([[0, 14]])))).toEqual([0, 0, 0]);
  });

  it('per: day memories keep the mean over the day’s rows', () => {
    const store = createMemoryStore([plan('day', 1, 1)], 3, 5);
    store.write('m', [1, 2, 6], keys([[0, 2], [1, 2], [2, 2]]));
    expect(Array.from(store.history('m', 1, keys([[1, 3]])))).toEqual([3]);
  });
});

describe('memory snapshots', () => {
  it('restore brings back exactly what was written; a snapshot of another grid is Q6203', () => {
    const a = createMemoryStore([plan('sample', 1, 2)], 2, 4);
    a.write('m', [1, 2, 3, 4], keys([[0, 1], [1, 2]]));
    const snap = a.snapshot();
    const b = createMemoryStore([plan('sample', 1, 2)], 2, 4);
    b.restore(snap);
    for (const t of [2, 3]) for (const i of [0, 1]) expect(Array.from(b.history('m', 2, keys([[i, t]])))).toEqual(Array.from(a.history('m', 2, keys([[i, t]]))));
    a.clear('m');
    expect(Array.from(b.history('m', 1, keys([[1, 3]])))).toEqual([3, 4]); // a copy, not a view
    const c = createMemoryStore([plan('sample', 1, 2)], 3, 4);
    try {
      c.restore(snap, 'x.qck');
      expect.unreachable();
    } catch (e) {
      expect((e as DiagnosticError).diagnostics[0]!.code).toBe('Q6203');
    }
  });
});
