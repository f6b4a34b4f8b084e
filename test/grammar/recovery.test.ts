// Error recovery: one bad declaration must not hide errors in the others.
//
// For every pair of declarations (i, j) of every fixture, a stray bracket is
// put inside each of the two (two openers or two closers, so the text is
// certainly invalid); the parse must report an error inside each of them (or
// at the token right after it, where an unclosed bracket shows), and every
// other declaration must come back exactly as before.

import { describe, expect, it } from 'vitest';
import { stripSpans } from '../../grammar/ast.js';
import { parse } from '../../grammar/index.js';
import { pairCases } from './fuzz.js';

describe('recovery', () => {
  // Two seeds: two different damage points for each declaration pair.
  const cases = [...pairCases(3), ...pairCases(11)];

  it('has several hundred cases', () => {
    expect(cases.length).toBeGreaterThan(500);
  });

  it('reports the damage in both declarations and keeps all the others', () => {
    const problems: string[] = [];
    for (const c of cases) {
      const r = parse(c.text, 'f.qv');
      for (const [k, [s, e]] of c.ranges.entries()) {
        if (!r.diagnostics.some((d) => d.span!.start >= s && d.span!.start < e)) {
          problems.push(`${c.file} decls ${c.i},${c.j}: no diagnostic in declaration ${k === 0 ? c.i : c.j}`);
        }
      }
      const got = new Set(r.module.decls.map((d) => JSON.stringify(stripSpans(d))));
      const lost = c.untouched.filter((d) => !got.has(JSON.stringify(stripSpans(d))));
      if (lost.length) problems.push(`${c.file} decls ${c.i},${c.j}: lost ${lost.length} undamaged declaration(s)`);
    }
    expect(problems).toEqual([]);
  });
});
