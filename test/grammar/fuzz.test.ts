// Fuzz tests: 2,400 mutants of the fixtures (fixed seed) must all keep
// parse()'s guarantees (see fuzz.ts). `npm run fuzz` runs more.

import { describe, expect, it } from 'vitest';
import { checkMutant, mutants } from './fuzz.js';

const COUNT = 2400;
const SEED = 1729;
const LIMIT_MS = 200;

describe('parser fuzzing', () => {
  it(`keeps its guarantees on ${COUNT} mutants`, () => {
    const failures: string[] = [];
    let withErrors = 0;
    let n = 0;
    for (const m of mutants(COUNT, SEED)) {
      n++;
      const r = checkMutant(m, LIMIT_MS);
      if (r.diagnostics) withErrors++;
      if (r.problems.length) failures.push(`${m.source} [${m.kinds.join(',')}]: ${r.problems.join('; ')}\n${m.text}`);
    }
    expect(n).toBe(COUNT);
    expect(failures.slice(0, 3)).toEqual([]);
    // The mutations must mostly break the input, or the test proves little.
    expect(withErrors).toBeGreaterThan(COUNT / 2);
  });
});
