// Golden IR of every strategy's prediction function (after the passes), one
// file per strategy in test/golden/ir/. A change to the checker, the passes or
// a stdlib model shows up here as a readable diff. A missing golden fails;
// UPDATE_GOLDEN=1 writes (and rewrites) them.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printFunc } from '../../compiler/ir/print.js';
import { compileFiles } from '../../compiler/pipeline.js';
import { ROOT, testHost } from '../helpers/compile.js';

const STRATEGIES = join(ROOT, 'strategies');
const GOLDEN = join(ROOT, 'test', 'golden', 'ir');

describe('strategy IR', () => {
  for (const f of readdirSync(STRATEGIES).filter((x) => x.endsWith('.qv') && x !== 'markets.qv').sort()) {
    it(f, () => {
      const c = compileFiles([join(STRATEGIES, f)], testHost(), { verify: true });
      expect(c.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      for (const plan of c.plans) {
        const text = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)].map((fn) => printFunc(c.optimized.functions[fn]!)).join('\n\n') + '\n';
        const golden = join(GOLDEN, `${plan.strategy}.ir.txt`);
        if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(golden, text);
        expect(existsSync(golden), `${golden} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
        expect(text).toBe(readFileSync(golden, 'utf8'));
      }
    });
  }
});
