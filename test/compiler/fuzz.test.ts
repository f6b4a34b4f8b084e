// Fuzz tests of the whole compile path: mutants of every strategy, stdlib
// module and language fixture (fixed seed) go through resolve, check, lower
// and the passes, with the IR verified before and after every pass, and must
// all end in diagnostics: no exception, no Q9001, no hang (see fuzz.ts).
// The parser alone gets 2,400 more in test/grammar/fuzz.test.ts; `npm run
// fuzz -- --compile N` runs more.

import { describe, expect, it } from 'vitest';
import { compileFiles } from '../../compiler/pipeline.js';
import { testHost } from '../helpers/compile.js';
import { checkCompileMutant, compileMutants, compileSeeds, pristineParseCache } from './fuzz.js';

const COUNT = 400;
const SEED = 4099;
const LIMIT_MS = 2000;

describe('compiler fuzzing', () => {
  it(`keeps its guarantees on ${COUNT} mutants of strategies, stdlib and fixtures`, () => {
    const seeds = compileSeeds();
    expect(seeds.some((s) => s.name.startsWith('strategies/'))).toBe(true);
    expect(seeds.some((s) => s.name.startsWith('stdlib/models/'))).toBe(true);
    const cache = pristineParseCache();
    const failures: string[] = [];
    let clean = 0;
    let withErrors = 0;
    let n = 0;
    for (const m of compileMutants(COUNT, SEED, seeds)) {
      n++;
      const r = checkCompileMutant(m, LIMIT_MS, cache);
      if (r.clean) clean++;
      else withErrors++;
      if (r.problems.length) failures.push(`${m.source} [${m.kinds.join(',')}]: ${r.problems.join('; ')}\n${m.text}`);
    }
    expect(n).toBe(COUNT);
    expect(failures.slice(0, 3)).toEqual([]);
    // Most mutants must break the program, and some must survive to the passes.
    expect(withErrors).toBeGreaterThan(COUNT / 2);
    expect(clean).toBeGreaterThan(0);
  });

  it('crashes the fuzzer found end in diagnostics', () => {
    const seeds = compileSeeds();
    const cases: [string, RegExp, string, RegExp][] = [
      // a `model name = ...` clause body: the checker once read its value blindly (TypeError in topCalls)
      ['strategies/alstm.qv', /model\s+ALSTM\(/, 'model m = ALSTM(', /Q3004 expected a value after `model`, found a definition `model m = \.\.\.`/],
      // the fuzzer's own mutant: a recovered clause without a value
      ['strategies/alstm.qv', /model\s+ALSTM\(/, 'model    ALSTM', /Q1003/],
      ['strategies/alstm.qv', /data\s+demo_next/, 'data { x: 1 }', /Q3004 expected the name of a data source, found a record expression/],
      // a parameter type naming one axis twice (TypeError in matchParam)
      ['stdlib/models/gats.qv', /x: Float\[N, T, F\]/, 'x: Float[N, T, N]', /Q3005 axis N \(stocks\) would appear twice/],
    ];
    for (const [name, from, to, want] of cases) {
      const seed = seeds.find((x) => x.name === name)!;
      const text = seed.text.replace(from, to);
      expect(text).not.toBe(seed.text);
      const c = compileFiles([seed.file], testHost({ [seed.file]: text }), { verify: true });
      const got = c.diagnostics.map((d) => `${d.code} ${d.message}`);
      expect(got.join('\n')).toMatch(want);
      expect(got.filter((d) => d.startsWith('Q9001'))).toEqual([]);
      expect(checkCompileMutant({ source: seed.name, file: seed.file, kinds: [], text }, LIMIT_MS).problems).toEqual([]);
    }
  });
});
