// Train a strategy written inline and return its test metrics (for model
// comparisons on planted structure). Uses runPlan, so everything a user's
// `quiver run` does is exercised; the run folder goes to a temp directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BackendName } from '../../runtime/backend.js';
import { runPlan, type RunResult } from '../../runtime/run.js';
import { compileSource, errorsOf, ROOT } from './compile.js';

export async function trainStrategy(source: string, opts: { strategy?: string; seed?: number; epochs?: number; backend?: BackendName } = {}): Promise<RunResult> {
  const c = compileSource(source, { name: `train-${Math.random().toString(36).slice(2)}` });
  expect(errorsOf(c)).toEqual([]);
  const plan = opts.strategy ? c.plans.find((p) => p.strategy === opts.strategy)! : c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  const out = mkdtempSync(join(tmpdir(), 'quiver-train-'));
  try {
    return await runPlan({
      plan,
      program,
      out,
      cacheDir: join(ROOT, '.quiver'),
      backend: opts.backend ?? 'wasm',
      quiet: true,
      log: () => {},
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.epochs !== undefined ? { epochs: opts.epochs } : {}),
    });
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
