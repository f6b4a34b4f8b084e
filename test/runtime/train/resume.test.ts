// Resuming killed runs.
//
// 1. In process: a model that reads a memory its loss writes, stopped
//    mid-epoch and resumed with an empty memory store (as a new process has),
//    ends with the same weights as an uninterrupted run, because checkpoints
//    carry the memories; the same checkpoint without them does not.
// 2. End to end: a `quiver run` child process (cpu backend, one process) is
//    SIGKILLed after its first checkpoint appears, `quiver run --resume`
//    finishes it in the same run folder, and the final weights and test
//    metrics equal an uninterrupted run's, bit for bit.
//
// Data-parallel resume (optimiser moments from the replicas) is in loop.test.ts.

import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Program } from '../../../compiler/ir/types.js';
import type { InputBinding, Plan } from '../../../compiler/plan/plan.js';
import { initBackend } from '../../../runtime/backend.js';
import { createParams, disposeParams, paramSpecs, readParams } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { mulberry32 } from '../../../runtime/random.js';
import { readCheckpoint, writeCheckpoint } from '../../../runtime/train/checkpoint.js';
import { trainStages, type Feed, type TrainData } from '../../../runtime/train/loop.js';
import { createMemoryStore, type MemoryStore } from '../../../runtime/train/memory.js';
import { marketFile } from '../../../runtime/run.js';
import { compileSource, errorsOf, ROOT } from '../../helpers/compile.js';
import { MEMORY_SOURCE } from '../../helpers/train.js';

const I = 6;
const DAYS = 20;

let plan: Plan;
let program: Program;
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  const c = compileSource(MEMORY_SOURCE);
  expect(errorsOf(c)).toEqual([]);
  plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  dir = mkdtempSync(join(tmpdir(), 'quiver-resume-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Training days on a panel grid (instrument, day), shuffled per epoch; every feed reads and keys the memory. */
function memoryData(memory: MemoryStore): TrainData {
  const days = Array.from({ length: DAYS }, (_, d) => {
    const r = mulberry32(500 + d);
    const x = Float32Array.from({ length: I * 2 }, () => r() * 2 - 1);
    const y = Float32Array.from({ length: I }, (_, i) => x[2 * i]! - 0.5 * x[2 * i + 1]! + (r() - 0.5) * 0.3);
    return { d, x, y };
  });
  const feed = ({ d, x, y }: (typeof days)[number]): Feed => {
    const keys = () => ({ inst: Int32Array.from({ length: I }, (_, i) => i), day: new Int32Array(I).fill(d) });
    return {
      rows: I,
      day: `2008-02-${String(d + 1).padStart(2, '0')}`,
      instruments: Array.from({ length: I }, (_, i) => `S${i}`),
      rawLabel: y,
      keys,
      tensors: (bindings: InputBinding[]) => {
        const out: Record<string, tf.Tensor> = {};
        for (const b of bindings) {
          const s = b.source;
          if (s.kind === 'features') out[b.name] = tf.tensor3d(x, [I, 2, 1]);
          else if (s.kind === 'label') out[b.name] = tf.tensor1d(y);
          else if (s.kind === 'memory') out[b.name] = tf.tensor3d(memory.history(s.memory, s.window, keys()), [I, s.window, 2]);
          else throw new Error(`unexpected input ${b.name}`);
        }
        return out;
      },
    };
  };
  return {
    memory,
    trainBatchCount: () => DAYS,
    *trainBatches(_stage, _epoch, seed) {
      const order = days.map((_, i) => i);
      const r = mulberry32(seed);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      for (const i of order) yield feed(days[i]!);
    },
    *dayBatches() {},
  };
}

async function trainMemory(opts: { checkpoint: string; resume?: boolean; killAt?: { epoch: number; step: number } }): Promise<Record<string, Float32Array>> {
  const params = createParams(paramSpecs(program.entries.map((e) => program.functions[e]!)), 42);
  const memory = createMemoryStore(plan.memories, I, DAYS);
  try {
    await trainStages({
      plan,
      program,
      kernels,
      data: memoryData(memory),
      params,
      seed: 7,
      checkpoint: opts.checkpoint,
      ...(opts.resume ? { resume: true } : {}),
      ...(opts.killAt
        ? {
            afterStep: ({ epoch, step }: { epoch: number; step: number }) => {
              if (epoch === opts.killAt!.epoch && step === opts.killAt!.step) throw new Error('killed');
            },
          }
        : {}),
    });
    return readParams(params);
  } finally {
    disposeParams(params);
  }
}

function sameBits(a: Record<string, Float32Array>, b: Record<string, Float32Array>): boolean {
  return Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => b[k] !== undefined && a[k]!.every((v, i) => Object.is(v, b[k]![i])));
}

describe('resume with memories', () => {
  it('checkpoints carry the memories: a resumed run ends with the uninterrupted weights', async () => {
    const want = await trainMemory({ checkpoint: join(dir, 'whole.qck') });
    const ck = join(dir, 'killed.qck');
    await expect(trainMemory({ checkpoint: ck, killAt: { epoch: 2, step: 9 } })).rejects.toThrow('killed');
    const saved = readCheckpoint(ck);
    expect((saved.meta as { pos: { epoch: number } }).pos.epoch).toBe(2);
    expect(Object.keys(saved.arrays)).toContain('memory:errs');
    // the same checkpoint without its memories: the resumed model reads zeros where the other read errors
    const stripped = join(dir, 'stripped.qck');
    writeCheckpoint(stripped, { meta: saved.meta, arrays: Object.fromEntries(Object.entries(saved.arrays).filter(([k]) => !k.startsWith('memory:'))) });

    const got = await trainMemory({ checkpoint: ck, resume: true });
    expect(sameBits(got, want)).toBe(true);
    const without = await trainMemory({ checkpoint: stripped, resume: true });
    expect(sameBits(without, want)).toBe(false);
  });
});

// ── end to end: kill a `quiver run` child process and resume it ──────────────

const CLI_SOURCE = `
features f(window: 5) {
  A = Ref($close, lag) / $close
  B = Ref($volume, lag) / ($volume + 1)
}
data d = demo(preset: "small", seed: 7) {
  features f
  label    Ref($close, -2) / Ref($close, -1) - 1
  process  features: [robust_zscore(clip: 3, fit: "train"), fillna(0)]
           label:    [cs_rank]
  segments train: 2008-01-01..2008-06-30, valid: 2008-07-01..2008-09-30, test: 2008-10-01..2008-12-31
}
model Mlp(x: Float[N, T, F]) -> Float[N] {
  return x |> flatten((T, F), to: F) |> dense(8) |> tanh |> dropout(0.2) |> dense(1) |> squeeze
}
strategy resume_e2e {
  data  d
  model Mlp(x: d.x)
  train { optimizer: adam(lr: 0.01), epochs: 6, batch: days, early_stop: { patience: 50, on: valid.ic } }
}
`;

/** Start `quiver run` from the TypeScript sources in a child process. */
function quiver(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', "import { main } from './cli/main.ts'; process.exitCode = await main(process.argv.slice(1));", '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, QUIVER_BACKEND: 'cpu' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b));
  child.stderr.on('data', (b: Buffer) => (output += b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  return { child, done };
}

function runDirs(out: string): string[] {
  const root = join(out, 'resume_e2e');
  return existsSync(root) ? readdirSync(root).map((d) => join(root, d)) : [];
}

function finalWeights(runDir: string): Record<string, Float32Array> {
  const ck = readCheckpoint(join(runDir, 'checkpoint.qck'));
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(ck.arrays)) if (k.startsWith('param:')) out[k] = v;
  return out;
}

describe('quiver run --resume', () => {
  it('a run SIGKILLed after its first checkpoint and resumed ends with the weights of an uninterrupted run', async () => {
    const file = join(dir, 'resume-e2e.qv');
    writeFileSync(file, CLI_SOURCE);
    // the demo market first (a clean clone has none), so the two runs below do not both generate it
    const compiled = compileSource(CLI_SOURCE, { name: 'resume-e2e' });
    expect(errorsOf(compiled)).toEqual([]);
    await marketFile(compiled.plans[0]!, join(ROOT, '.quiver'), () => {});
    const common = [file, '--backend', 'cpu', '--seed', '3', '--quiet'];

    // uninterrupted, and beside it one killed as soon as its first checkpoint lands (end of epoch 1 of 6)
    const whole = join(dir, 'whole');
    const killed = join(dir, 'killed');
    const a = quiver(['run', ...common, '--out', whole]);
    const b = quiver(['run', ...common, '--out', killed]);
    const poll = setInterval(() => {
      const [d] = runDirs(killed);
      if (d && existsSync(join(d, 'checkpoint.qck'))) b.child.kill('SIGKILL');
    }, 5);
    const [aEnd, bEnd] = await Promise.all([a.done, b.done.finally(() => clearInterval(poll))]);
    expect(aEnd.code, aEnd.output).toBe(0);
    expect(bEnd.signal, bEnd.output).toBe('SIGKILL');
    const [wholeDir] = runDirs(whole);
    const [killedDir] = runDirs(killed);
    expect(existsSync(join(killedDir!, 'metrics.json'))).toBe(false);
    const pos = (readCheckpoint(join(killedDir!, 'checkpoint.qck')).meta as { pos: { stage: number; epoch: number } }).pos;
    expect(pos.stage === 0 && pos.epoch >= 1 && pos.epoch < 6, JSON.stringify(pos)).toBe(true);
    expect(readdirSync(killedDir!).filter((f) => f.includes('.tmp-'))).toEqual([]);

    // resumed in the same folder
    const c = await quiver(['run', ...common, '--out', killed, '--resume']).done;
    expect(c.code, c.output).toBe(0);
    expect(c.output).toContain(`resuming ${killedDir}`);
    expect(runDirs(killed)).toEqual([killedDir]);

    expect(sameBits(finalWeights(killedDir!), finalWeights(wholeDir!))).toBe(true);
    const metrics = (d: string) => (JSON.parse(readFileSync(join(d, 'metrics.json'), 'utf8')) as { metrics: Record<string, number | null> }).metrics;
    for (const k of ['IC', 'ICIR', 'Rank IC', 'MSE']) expect(metrics(killedDir!)[k], k).toBe(metrics(wholeDir!)[k]);
    const history = (d: string) => (JSON.parse(readFileSync(join(d, 'history.json'), 'utf8')) as { trainLoss: number; validMetric?: number }[]).map((h) => [h.trainLoss, h.validMetric]);
    expect(history(killedDir!)).toEqual(history(wholeDir!));
  }, 240_000);
});
