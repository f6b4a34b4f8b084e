// Golden parse tests: test/golden/parse/<name>.qv beside <name>.ast.txt.
//
// Each .ast.txt holds the span-free AST dump and then the diagnostics as
// `quiver check` renders them (compiler/diagnostics/render.ts: code, message,
// file:line:col, the source line with a caret, hints), so error cases (one
// fixture per Q1xxx code, plus recovery cases) show both what the user reads
// and what was recovered. A missing .ast.txt fails; UPDATE_GOLDEN=1 writes
// the expected files; reviewers read the diff.

import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll } from '../../compiler/diagnostics/render.js';
import { check, dumpAst, ROOT } from './helpers.js';

const DIR = join(ROOT, 'test/golden/parse');
const update = process.env['UPDATE_GOLDEN'] === '1';

function actual(name: string): string {
  const text = readFileSync(join(DIR, `${name}.qv`), 'utf8');
  const r = check(text, `${name}.qv`);
  const diags = r.diagnostics.length ? renderAll(r.diagnostics, { sources: new Map([[`${name}.qv`, text]]) }) + '\n' : '(no diagnostics)\n';
  return `${dumpAst(r.module)}\n-- diagnostics --\n${diags}`;
}

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.qv'))
  .map((f) => f.slice(0, -3))
  .sort();

describe('golden parse', () => {
  it('has cases', () => {
    expect(names.length).toBeGreaterThan(10);
  });
  for (const name of names) {
    it(name, () => {
      const expectedPath = join(DIR, `${name}.ast.txt`);
      const got = actual(name);
      if (update) writeFileSync(expectedPath, got);
      expect(existsSync(expectedPath), `${expectedPath} is missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(got).toBe(readFileSync(expectedPath, 'utf8'));
    });
  }

  it('covers every Q1xxx code with a golden case', () => {
    const all = names.map((n) => readFileSync(join(DIR, `${n}.ast.txt`), 'utf8')).join('\n');
    for (const code of ['Q1001', 'Q1002', 'Q1003', 'Q1004', 'Q1005', 'Q1006', 'Q1007', 'Q1008', 'Q1009', 'Q1010', 'Q1011']) {
      expect(all, code).toContain(`error[${code}]:`);
    }
  });
});
