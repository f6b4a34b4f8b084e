// The code table's own checks: codes are unique and well formed, keys sit in
// their band, every code is raised somewhere in the source, and every code
// appears in at least one test expectation (a test file or a golden file).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeList, codes } from '../../compiler/diagnostics/codes.js';
import { ROOT } from '../helpers/compile.js';

function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, keep, out);
    else if (keep(p)) out.push(p);
  }
  return out;
}

const SOURCE = ['grammar', 'compiler', 'runtime', 'cli']
  .flatMap((d) => walk(join(ROOT, d), (f) => f.endsWith('.ts')))
  .filter((f) => !f.endsWith('codes.ts'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');
const TESTS = walk(join(ROOT, 'test'), (f) => /\.(ts|txt|qv)$/.test(f))
  .filter((f) => !f.endsWith('codes.test.ts'))
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

describe('diagnostic codes', () => {
  const list = codeList();

  it('are unique and well formed', () => {
    expect(new Set(list.map((c) => c.code)).size).toBe(list.length);
    for (const c of list) expect(c.code).toMatch(/^Q[1-9]\d{3}$/);
  });

  it('are raised somewhere in the source', () => {
    const never = list.filter((c) => !new RegExp(`['"\`]${c.key}['"\`]`).test(SOURCE)).map((c) => c.key);
    expect(never).toEqual([]);
  });

  it('appear in some test expectation', () => {
    const untested = list.filter((c) => !TESTS.includes(c.code) && !new RegExp(`['"\`]${c.key}['"\`]`).test(TESTS)).map((c) => `${c.code} ${c.key}`);
    expect(untested).toEqual([]);
  });

  it('render their messages from parameters', () => {
    expect(codes.axisMismatch.text({ a: 'N (stocks)', b: 'M (concepts)' })).toBe('axis N (stocks) met axis M (concepts)');
  });
});
