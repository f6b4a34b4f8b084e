// Every pass alone on every real program: the checker's IR of each strategy,
// each language fixture and each stdlib model file (before any pass), run
// through one pass. It must verify, keep every entry's result type, be
// idempotent, and CSE then DCE must never add nodes. test/compiler/ir.test.ts
// checks the same on generated programs.

import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { printProgram } from '../../compiler/ir/print.js';
import type { Program, Type } from '../../compiler/ir/types.js';
import { verifyProgram } from '../../compiler/ir/verify.js';
import { compileFiles, PASSES, runPasses } from '../../compiler/pipeline.js';
import { cse } from '../../compiler/passes/cse.js';
import { dce } from '../../compiler/passes/dce.js';
import { ROOT, testHost } from '../helpers/compile.js';

const qv = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.qv'))
    .sort()
    .map((f) => join(ROOT, dir, f));

// Programs that check without errors (syntax-tour and friends show error cases on purpose).
const FILES = [...qv('strategies'), ...qv('test/fixtures/language'), ...qv('stdlib/models')];

function entryTypes(p: Program): Record<string, Type> {
  const out: Record<string, Type> = {};
  for (const e of p.entries) {
    const f = p.functions[e]!;
    out[e] = f.nodes.find((n) => n.id === f.result)!.type;
  }
  return out;
}

function nodeCount(p: Program): number {
  return Object.values(p.functions).reduce((s, f) => s + f.nodes.length, 0);
}

const programs = FILES.map((file) => {
  const c = compileFiles([file], testHost(), { checkOnly: true, verify: true });
  return { name: relative(ROOT, file), c };
}).filter(({ c }) => !c.diagnostics.some((d) => d.severity === 'error') && c.program.entries.length > 0);

describe('each pass alone on the real programs', () => {
  it('covers the strategies, the fixtures and the stdlib models, with calls and RNN → last chains among them', () => {
    const names = programs.map((p) => p.name);
    for (const f of qv('strategies').filter((x) => !x.endsWith('markets.qv'))) expect(names).toContain(relative(ROOT, f));
    expect(names).toContain('test/fixtures/language/hybrid.qv');
    expect(names).toContain('stdlib/models/rnn.qv');
    const all = programs.flatMap(({ c }) => Object.values(c.program.functions).flatMap((f) => f.nodes));
    expect(all.some((n) => n.op === 'call')).toBe(true);
    expect(all.some((n) => n.op === 'gru' || n.op === 'lstm')).toBe(true);
    for (const pass of PASSES) {
      const changed = programs.filter(({ c }) => JSON.stringify(pass.run(c.program, {})) !== JSON.stringify(c.program));
      expect(changed.length, `${pass.name} has work on some real program`).toBeGreaterThan(0);
    }
  });

  for (const { name, c } of programs) {
    it(name, () => {
      const p = c.program;
      expect(verifyProgram(p)).toEqual([]);
      const want = entryTypes(p);
      for (const pass of PASSES) {
        const once = pass.run(p, {});
        expect(verifyProgram(once), `${pass.name}`).toEqual([]);
        expect(entryTypes(once), `${pass.name} keeps the result types`).toEqual(want);
        expect(pass.run(once, {}), `${pass.name} is idempotent`).toEqual(once);
      }
      expect(nodeCount(dce(cse(p, {}), {}))).toBeLessThanOrEqual(nodeCount(p));
    });
  }
});

describe('QUIVER_DUMP=after:<pass>', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env['QUIVER_DUMP'];
  });

  function dumped(point: string, p: Program): string {
    let err = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
      err += String(s);
      return true;
    });
    process.env['QUIVER_DUMP'] = point;
    runPasses(p, { verify: true });
    vi.restoreAllMocks();
    delete process.env['QUIVER_DUMP'];
    return err;
  }

  const p = programs.find((x) => x.name === 'strategies/gru.qv')!.c.program;

  it('prints the IR right after the named pass, and only then', () => {
    let want = p;
    for (const pass of PASSES) {
      want = pass.run(want, {});
      expect(dumped(`after:${pass.name}`, p), pass.name).toBe(printProgram(want));
    }
    // after inline no call is left; after fuse the GRU emits its last step
    expect(dumped('after:inline', p)).not.toMatch(/= call\(/);
    expect(dumped('after:cse', p)).toMatch(/output: "seq"/);
    expect(dumped('after:fuse', p)).toMatch(/output: "last"/);
  });

  it('after:check prints the checker\'s IR; an unknown point says which exist', () => {
    expect(dumped('after:check', p)).toBe(printProgram(p));
    expect(dumped('after:nonsense', p)).toBe('QUIVER_DUMP: no pass named nonsense; use after:<check|inline|const-fold|cse|dce|fuse|dce-2>\n');
  });
});
