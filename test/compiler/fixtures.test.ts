// Every example of LANGUAGE.md, in the final syntax (test/fixtures/language),
// parses, checks without errors and prints IR for what it declares; the
// strategies and stdlib check too; and Alpha158/Alpha360 as written in the
// stdlib equal the data layer's own definitions column for column.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileFeatures } from '../../compiler/check/features.js';
import { newCtx } from '../../compiler/check/context.js';
import { printProgram } from '../../compiler/ir/print.js';
import { verifyProgram } from '../../compiler/ir/verify.js';
import { compileFiles } from '../../compiler/pipeline.js';
import { resolve } from '../../compiler/resolve.js';
import { alpha158, alpha360 } from '../../runtime/data/expr/alpha.js';
import { ROOT, testHost } from '../helpers/compile.js';

const EXAMPLES = ['baseline-strategy', 'hist-head', 'tra', 'hybrid', 'features', 'opd'];

describe('LANGUAGE.md examples', () => {
  for (const name of EXAMPLES) {
    it(`${name}.qv parses, checks and prints IR`, () => {
      const file = join(ROOT, 'test', 'fixtures', 'language', `${name}.qv`);
      const c = compileFiles([file], testHost(), { verify: true });
      expect(c.diagnostics.filter((d) => d.severity !== 'note').map((d) => `${d.code} ${d.message}`)).toEqual([]);
      const text = readFileSync(file, 'utf8');
      const declaresModel = /^model /m.test(text) || /^strategy /m.test(text);
      if (declaresModel && name !== 'opd') {
        expect(Object.keys(c.optimized.functions).length).toBeGreaterThan(0);
        expect(verifyProgram(c.optimized)).toEqual([]);
        expect(printProgram(c.optimized)).toMatch(/^func /m);
      }
    });
  }
});

describe('stdlib feature sets', () => {
  const r = resolve([join(ROOT, 'stdlib', 'features.qv')], testHost());
  const ctx = newCtx(r);
  const m = r.roots[0]!;

  it('alpha158 equals the data layer definition, column for column', () => {
    const fs = compileFeatures(ctx, m, m.decls.get('alpha158') as never)!;
    expect(ctx.diags).toEqual([]);
    const ref = alpha158();
    expect(fs.columns.map((c) => c.name)).toEqual(ref.columns.map((c) => c.name));
    expect(JSON.stringify(fs.columns)).toBe(JSON.stringify(ref.columns));
  });

  it('alpha360 equals the data layer definition', () => {
    const fs = compileFeatures(ctx, m, m.decls.get('alpha360') as never)!;
    const ref = alpha360();
    expect(fs.kind).toBe('window');
    expect(JSON.stringify({ ...fs, name: '', axis: undefined })).toBe(JSON.stringify({ ...ref, name: '' }));
  });
});
