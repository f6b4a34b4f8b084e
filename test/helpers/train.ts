// Train a strategy written inline and return its test metrics (for model
// comparisons on planted structure). Uses runPlan, so everything a user's
// `quiver run` does is exercised; the run folder goes to a temp directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { BackendName } from '../../runtime/backend.js';
import { createParams, disposeParams, paramSpecs, type CompiledFn, type ParamStore } from '../../runtime/exec/compile.js';
import { kernels } from '../../runtime/ops/index.js';
import { runPlan, type RunResult } from '../../runtime/run.js';
import { compileEntry } from '../../runtime/train/loop.js';
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

/** A strategy's predict function and first stage's objective, compiled over one set of fresh parameters (for checking a loss by hand). */
export function compiledStage(source: string, seed: number): { predict: CompiledFn; objective: CompiledFn; params: ParamStore; dispose: () => void } {
  const c = compileSource(source);
  expect(errorsOf(c)).toEqual([]);
  const plan = c.plans[0]!;
  const stage = plan.stages[0]!.objective;
  const params = createParams(paramSpecs([c.optimized.functions[plan.predict.fn]!, c.optimized.functions[stage.fn]!]), seed);
  const predict = compileEntry(c.optimized, plan.predict, kernels);
  const objective = compileEntry(c.optimized, stage, kernels);
  return {
    predict,
    objective,
    params,
    dispose: () => {
      predict.dispose();
      objective.dispose();
      disposeParams(params);
    },
  };
}

/**
 * A strategy whose model reads a memory its loss writes (each predictor's
 * squared error, read back as a 3-day history, lag 1), on a 2-day window of
 * one feature: for tests of memories in training, resume and prediction.
 */
export const MEMORY_SOURCE = `
features one(window: 2) { A = Ref($close, lag) / $close }
data d = demo(preset: "small") {
  features one
  label    Ref($close, -1) / $close - 1
  segments train: 2008-01-01..2008-12-31, valid: 2009-01-01..2009-06-30, test: 2009-07-01..2009-12-31
}
memory errs: Float[K = 2] { per: sample, lag: 1 }
model M(x: Float[N, T, F], hist: Float[N, W, K], K: Int = 2) -> (pred: Float[N], all: Float[N, K]) {
  let all = x |> flatten((T, F), to: F) |> dense(K)
  let h = mean(hist, over: W) |> dense(K)
  return (pred: mean(all + h, over: K), all: all)
}
loss l(out, y) {
  write errs <- stop_grad((out.all - y) ^ 2)
  return mse(out.pred, y)
}
strategy s {
  data d
  model M(K: 2)(x: d.x, hist: history(errs, 3))
  loss l(pred, label)
  train { optimizer: adam(lr: 0.05), epochs: 4, batch: days }
}
`;
