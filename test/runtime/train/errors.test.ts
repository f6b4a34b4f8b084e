// Runtime failures end in diagnostics with their codes: unreadable and
// mismatched checkpoints, parameters of unknown size, inputs the data lacks,
// a loss that becomes NaN, an init prefix with nothing under it, and a
// compiler bug inside a pass.

import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { parseProgram } from '../../../compiler/ir/parse.js';
import { runPasses } from '../../../compiler/pipeline.js';
import { initBackend } from '../../../runtime/backend.js';
import { createParams, disposeParams, paramSpecs, writeParams } from '../../../runtime/exec/compile.js';
import { kernels } from '../../../runtime/ops/index.js';
import { readCheckpoint, writeCheckpoint } from '../../../runtime/train/checkpoint.js';
import { trainStages, type Feed, type TrainData } from '../../../runtime/train/loop.js';
import { datasetFeeds } from '../../../runtime/train/feeds.js';
import { compileSource, errorsOf } from '../../helpers/compile.js';

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  dir = mkdtempSync(join(tmpdir(), 'quiver-errors-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics[0]!.code;
    throw e;
  }
  return undefined;
}

async function codeOfAsync(f: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DiagnosticError) return e.diagnostics[0]!.code;
    throw e;
  }
  return undefined;
}

const SOURCE = `
features one(window: 3) { A = Ref($close, lag) / $close }
data d = demo(preset: "small") {
  features one
  label    Ref($close, -1) / $close - 1
  segments train: 2008-01-01..2008-12-31, valid: 2009-01-01..2009-06-30, test: 2009-07-01..2009-12-31
}
model Lin(x: Float[N, T, F]) -> Float[N] {
  return x |> flatten((T, F), to: F) |> dense(1) |> squeeze
}
strategy s {
  data  d
  model Lin(x: d.x)
  train { optimizer: sgd(lr: 1e30), epochs: 3, batch: days }
}
`;

function compiled() {
  const c = compileSource(SOURCE);
  expect(errorsOf(c)).toEqual([]);
  const plan = c.plans[0]!;
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  return { plan, program };
}

function oneDayData(x: number): TrainData {
  const feed: Feed = {
    rows: 4,
    day: '2008-01-02',
    instruments: ['A', 'B', 'C', 'D'],
    rawLabel: new Float32Array([1, 2, 3, 4]),
    tensors: (bs) => Object.fromEntries(bs.map((b) => [b.name, b.source.kind === 'label' ? tf.tensor1d([1, -1, 2, -2]) : tf.fill([4, 3, 1], x)])),
  };
  return { trainBatchCount: () => 1, *trainBatches() { yield feed; }, *dayBatches() { yield feed; } };
}

describe('runtime diagnostics', () => {
  it('Q6201: the loss becoming NaN or infinite stops training with its position', async () => {
    const { plan, program } = compiled();
    const params = createParams(paramSpecs(program.entries.map((e) => program.functions[e]!)), 1);
    expect(await codeOfAsync(() => trainStages({ plan, program, kernels, data: oneDayData(1e20), params, seed: 1 }))).toBe('Q6201');
    disposeParams(params);
  });

  it('Q6201 names the inputs that hold NaN when the batch brought them', async () => {
    const { plan, program } = compiled();
    const hintOf = async (x: number): Promise<string> => {
      const params = createParams(paramSpecs(program.entries.map((e) => program.functions[e]!)), 1);
      try {
        await trainStages({ plan, program, kernels, data: oneDayData(x), params, seed: 1 });
      } catch (e) {
        if (!(e instanceof DiagnosticError)) throw e;
        expect(e.diagnostics[0]!.code).toBe('Q6201');
        return e.diagnostics[0]!.hints?.join(' ') ?? '';
      } finally {
        disposeParams(params);
      }
      return 'no error';
    };
    const input = plan.stages[0]!.objective.inputs.find((b) => b.source.kind === 'features')!.name;
    expect(await hintOf(NaN)).toContain(`inputs hold NaN or infinite values: ${input} (12 of 12)`);
    // finite inputs that overflow: the learning-rate hint
    expect(await hintOf(1e20)).toContain('lower the learning rate');
  });

  it('Q6205: an init prefix with no parameters under it', async () => {
    const { plan, program } = compiled();
    const params = createParams(paramSpecs(program.entries.map((e) => program.functions[e]!)), 1);
    const stage = { ...plan.stages[0]!, init: { checkpoint: 'x', prefix: 'nothing' }, optimizer: { kind: 'sgd' as const, lr: 0.01, momentum: 0, weightDecay: 0 } };
    expect(await codeOfAsync(() => trainStages({ plan: { ...plan, stages: [stage] }, program, kernels, data: oneDayData(1), params, seed: 1, loadInit: () => ({ 'other.weight': new Float32Array(3) }) }))).toBe('Q6205');
    disposeParams(params);
  });

  it('Q6202: unreadable checkpoints (missing, damaged, truncated)', () => {
    expect(codeOf(() => readCheckpoint(join(dir, 'none.qck')))).toBe('Q6202');
    writeFileSync(join(dir, 'junk.qck'), 'not a checkpoint\n');
    expect(codeOf(() => readCheckpoint(join(dir, 'junk.qck')))).toBe('Q6202');
    writeCheckpoint(join(dir, 'ok.qck'), { meta: {}, arrays: { a: new Float32Array([1, 2, 3]) } });
    expect(readCheckpoint(join(dir, 'ok.qck')).arrays['a']).toEqual(new Float32Array([1, 2, 3]));
    const whole = readFileSync(join(dir, 'ok.qck'));
    writeFileSync(join(dir, 'cut.qck'), whole.subarray(0, whole.length - 4));
    expect(codeOf(() => readCheckpoint(join(dir, 'cut.qck')))).toBe('Q6202');
  });

  it('Q6203: a checkpoint whose parameter has another size', () => {
    const { program } = compiled();
    const params = createParams(paramSpecs(program.entries.map((e) => program.functions[e]!)), 1);
    const key = params.entries[0]!.key;
    expect(codeOf(() => writeParams(params, { [key]: new Float32Array(99) }))).toBe('Q6203');
    disposeParams(params);
  });

  it('Q6050: a layer whose parameter size is unknown when the model is built', () => {
    const p = parseProgram(`entries f
func f(x: f32[N, F]) {
  %0 = input {name: "x"} : f32[N, F]
  %1 = dense(x: %0) {units: 2, bias: true, init: "uniform_fan_in", path: "fc"} : f32[N, F=2]
  return %1
}
`);
    expect(codeOf(() => paramSpecs([p.functions['f']!]))).toBe('Q6050');
  });

  it('Q6051: an input the data does not provide', () => {
    const bindings = [{ name: 'd.cap', type: { kind: 'tensor' as const, dtype: 'f32' as const, axes: [{ name: 'N', size: 'N' }] }, source: { kind: 'field' as const, name: 'cap' } }];
    const cs = { day: '2008-01-02', dayIndex: 0, instruments: ['A'], x: new Float32Array(3), features: {}, fields: {}, label: new Float32Array(1), rawLabel: new Float32Array(1), mask: new Uint8Array([1]) };
    const data = datasetFeeds({ iterDays: function* () { yield cs; }, days: () => ['2008-01-02'], sampleCount: () => 1, batches: function* () {} } as never);
    const feed = [...data.dayBatches('test')][0]!;
    expect(codeOf(() => tf.tidy(() => feed.tensors(bindings)))).toBe('Q6051');
  });

  it('Q9001: a pass that breaks the IR is a compiler bug, never a crash', () => {
    const p = parseProgram(`entries f
func f(x: f32[N]) {
  %0 = input {name: "x"} : f32[N]
  %1 = call(x: %0) {fn: "missing", prefix: ""} : f32[N]
  return %1
}
`);
    const r = runPasses(p, { verify: true });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q9001']);
    expect(r.diagnostics[0]!.hints.join(' ')).toMatch(/bug in Quiver/);
  });
});
