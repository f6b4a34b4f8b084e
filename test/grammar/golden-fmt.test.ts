// Golden formatter tests: test/golden/fmt/<name>.qv beside <name>.fmt.qv.
//
// The input is deliberately messy (spacing, layout, comments in odd places);
// the expected file is the canonical output. Each case also checks that the
// formatter is idempotent and keeps the AST. UPDATE_GOLDEN=1 rewrites.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripSpans } from '../../grammar/ast.js';
import { format, parse } from '../../grammar/index.js';
import { ROOT } from './helpers.js';

const DIR = join(ROOT, 'test/golden/fmt');
const update = process.env['UPDATE_GOLDEN'] === '1';

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.qv') && !f.endsWith('.fmt.qv'))
  .map((f) => f.slice(0, -3))
  .sort();

describe('golden fmt', () => {
  it('has cases', () => {
    expect(names.length).toBeGreaterThan(5);
  });
  for (const name of names) {
    it(name, () => {
      const input = readFileSync(join(DIR, `${name}.qv`), 'utf8');
      const file = `${name}.qv`;
      const r = format(input, file);
      expect(r.diagnostics).toEqual([]);
      const expectedPath = join(DIR, `${name}.fmt.qv`);
      if (update) writeFileSync(expectedPath, r.text);
      expect(existsSync(expectedPath), `${expectedPath} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(r.text).toBe(readFileSync(expectedPath, 'utf8'));
      // Idempotent, and the same program (comments included) before and after.
      expect(format(r.text, file).text).toBe(r.text);
      expect(stripSpans(parse(r.text, file).module)).toEqual(stripSpans(parse(input, file).module));
    });
  }
});
