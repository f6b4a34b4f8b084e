// Every example of LANGUAGE.md, in the final syntax (test/fixtures/language),
// parses, checks without errors and prints IR for what it declares; the
// strategies and stdlib check too; and Alpha158/Alpha360 as written in the
// stdlib equal the data layer's own definitions column for column.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
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
      // The checker's IR is valid before any pass runs (inline would hide a bad call).
      expect(verifyProgram(c.program)).toEqual([]);
      const text = readFileSync(file, 'utf8');
      const declaresModel = /^model /m.test(text) || /^strategy /m.test(text);
      if (declaresModel) {
        expect(Object.keys(c.optimized.functions).length).toBeGreaterThan(0);
        expect(verifyProgram(c.optimized)).toEqual([]);
        expect(printProgram(c.optimized)).toMatch(/^func /m);
      }
    });
  }

  it('opd.qv: an RL strategy has no plan, but both policies are entries with checked IR', () => {
    const c = compileFiles([join(ROOT, 'test', 'fixtures', 'language', 'opd.qv')], testHost(), { verify: true });
    expect(c.plans).toEqual([]);
    expect(c.optimized.entries).toEqual(['Teacher', 'Student']);
    for (const fn of ['Teacher', 'Student']) {
      const f = c.optimized.functions[fn]!;
      expect(f.params.map((p) => p.name)).toEqual(['obs']);
      expect(printProgram({ functions: { [fn]: f }, entries: [fn] })).toMatch(/gru\(x: %\d+\) \{[^}]*output: "last"[^}]*\} : f32\[B, H=64\]/);
      expect(f.nodes.find((n) => n.id === f.result)!.type).toEqual({ kind: 'tensor', dtype: 'f32', axes: [{ name: 'B', size: 'B' }, { name: 'A', size: 5 }] });
    }
  });
});

describe('strategies and stdlib', () => {
  const files = [
    ...readdirSync(join(ROOT, 'strategies')).map((f) => join(ROOT, 'strategies', f)),
    ...readdirSync(join(ROOT, 'stdlib', 'models')).map((f) => join(ROOT, 'stdlib', 'models', f)),
  ].filter((f) => f.endsWith('.qv'));
  it.each(files.map((f) => [relative(ROOT, f), f]))('%s: the checker IR verifies before the passes', (_, file) => {
    const c = compileFiles([file], testHost(), { verify: true, checkOnly: true });
    expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(verifyProgram(c.program)).toEqual([]);
  });

  it('a caller\'s symbolic axis meeting a callee\'s sized one is narrowed at the call (hybrid: K meets K = 3)', () => {
    const c = compileFiles([join(ROOT, 'strategies', 'hybrid.qv')], testHost(), { verify: true, checkOnly: true });
    const f = c.program.functions['Hybrid']!;
    const call = f.nodes.find((n) => n.op === 'call' && n.attrs['fn'] === 'TRAHead')!;
    const hist = f.nodes.find((n) => n.id === call.inputs['hist'])!;
    expect(hist.op).toBe('rename');
    expect(hist.attrs['sizes']).toEqual({ K: 3 });
    expect(hist.type).toEqual({ kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'W', size: 'W' }, { name: 'K', size: 3 }] });
  });
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
