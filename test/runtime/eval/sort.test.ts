// The comparator-free stable index sort behind every ranking metric, against
// Array.prototype.sort (stable) on random keys with many ties, including
// lengths that need several merge passes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortIndices } from '../../../runtime/eval/sort.js';
import { averageRanks } from '../../../runtime/eval/index.js';
import { refRanks } from './reference.js';

describe('sortIndices', () => {
  it('equals a stable Array sort, ascending and descending', () => {
    const key = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -1, max: 1, noNaN: true }), fc.constant(-0));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), fc.boolean(), (xs, desc) => {
        const k = Float64Array.from(xs);
        const n = xs.length;
        const got = [...sortIndices(k, n, new Int32Array(n), new Int32Array(n), desc)];
        const want = xs.map((_, i) => i).sort((a, b) => (k[a] === k[b] ? 0 : (desc ? k[a]! > k[b]! : k[a]! < k[b]!) ? -1 : 1));
        return got.join() === want.join();
      }),
      { numRuns: 300 },
    );
  });

  it('average ranks equal the O(n²) definition on long samples', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 150 }), (xs) => {
        const x = Float64Array.from(xs);
        const out = new Float64Array(xs.length);
        averageRanks(x, xs.length, out, new Int32Array(xs.length));
        return [...out].join() === refRanks(xs).join();
      }),
      { numRuns: 200 },
    );
  });

  it('scratch capacity may exceed n; only the first n entries are written', () => {
    const order = new Int32Array(10).fill(-7);
    const v = sortIndices(Float64Array.from([3, 1, 2]), 3, order, new Int32Array(10), false);
    expect([...v]).toEqual([1, 2, 0]);
    expect(order[3]).toBe(-7);
  });
});
