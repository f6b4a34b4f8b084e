// The `quiver` command in-process: check (exit codes, JSON, timing line),
// fmt (--check, in-place), explain (IR text, --json, --no-passes, DOT and
// HTML drawings, what is missing), ops,
// usage errors, and run's diagnostics when a strategy is missing.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../cli/main.js';
import { printProgram } from '../../compiler/ir/print.js';
import type { Func, Program } from '../../compiler/ir/types.js';
import { verifyProgram } from '../../compiler/ir/verify.js';
import { ROOT } from '../helpers/compile.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', color: false, out: (s: string) => (io.stdout += s), err: (s: string) => (io.stderr += s) };
  return io;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quiver-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quiver check', () => {
  it('passes the stdlib and the strategies', async () => {
    const io = capture();
    const code = await main(['check', join(ROOT, 'stdlib'), join(ROOT, 'strategies')], io);
    expect(io.stderr).toMatch(/checked \d+ files in \d+ ms: 0 errors/);
    expect(code).toBe(0);
  });

  it('exits 1 and renders diagnostics with the source line', async () => {
    const f = join(dir, 'bad.qv');
    writeFileSync(f, 'model M(x: Float[N, H]) -> Float[N] {\n  return sum(x, over: T)\n}\n');
    const io = capture();
    expect(await main(['check', f], io)).toBe(1);
    expect(io.stderr).toContain('error[Q3002]: no axis T (time steps) in [N, H]');
    expect(io.stderr).toContain('2 |   return sum(x, over: T)');
  });

  it('--json prints diagnostics with line and column', async () => {
    const f = join(dir, 'bad2.qv');
    writeFileSync(f, 'model M(x: Float[N]) -> Float[N] {\n  return tanhh(x)\n}\n');
    const io = capture();
    expect(await main(['check', '--json', f], io)).toBe(1);
    const j = JSON.parse(io.stdout) as { code: string; span: { line: number; col: number }; hints: string[] }[];
    expect(j[0]!.code).toBe('Q2001');
    expect(j[0]!.span).toMatchObject({ line: 2, col: 10 });
    expect(j[0]!.hints[0]).toMatch(/did you mean tanh/);
  });

  it('usage errors exit 2', async () => {
    const io = capture();
    expect(await main(['check'], io)).toBe(2);
    expect(await main(['check', join(dir, 'missing.qv')], io)).toBe(2);
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(await main(['check', '--nope', dir], io)).toBe(2);
  });
});

describe('quiver fmt', () => {
  it('--check reports unformatted files; fmt rewrites them; formatting is idempotent', async () => {
    const f = join(dir, 'ugly.qv');
    writeFileSync(f, 'model   M( x :Float[N,H] )->Float[N,H]{ return tanh( x ) }\n');
    let io = capture();
    expect(await main(['fmt', '--check', f], io)).toBe(1);
    expect(io.stdout).toContain('is not formatted');
    io = capture();
    expect(await main(['fmt', f], io)).toBe(0);
    const once = readFileSync(f, 'utf8');
    expect(once).toContain('model M(x: Float[N, H]) -> Float[N, H] {');
    io = capture();
    expect(await main(['fmt', '--check', f], io)).toBe(0);
  });
});

describe('quiver explain', () => {
  it('--json prints the diagnostics and the IR as one JSON document (the same IR the text form prints)', async () => {
    const file = join(ROOT, 'strategies', 'gru.qv');
    const text = capture();
    expect(await main(['explain', file, '--out', join(dir, 'explain-json')], text)).toBe(0);
    const io = capture();
    expect(await main(['explain', file, '--json'], io)).toBe(0);
    const j = JSON.parse(io.stdout) as { diagnostics: unknown[]; program: Program };
    expect(j.diagnostics).toEqual([]);
    expect(verifyProgram(j.program)).toEqual([]);
    expect(text.stdout.startsWith(printProgram(j.program))).toBe(true);
    const one = capture();
    expect(await main(['explain', join(ROOT, 'stdlib', 'models', 'rnn.qv'), '--model', 'GRU', '--json'], one)).toBe(0);
    const f = (JSON.parse(one.stdout) as { function: Func }).function;
    expect(f.name).toBe('GRU');
    expect(f.nodes.some((n) => n.op === 'gru' && n.attrs['output'] === 'last')).toBe(true);
    // errors and a missing model come back in the same document, exit 1
    const bad = join(dir, 'bad-explain.qv');
    writeFileSync(bad, 'model M(x: Float[N]) -> Float[N] {\n  return tanhh(x)\n}\n');
    const e = capture();
    expect(await main(['explain', bad, '--json'], e)).toBe(1);
    expect((JSON.parse(e.stdout) as { diagnostics: { code: string }[] }).diagnostics.map((d) => d.code)).toEqual(['Q2001']);
    const m = capture();
    expect(await main(['explain', file, '--model', 'Nope', '--json'], m)).toBe(1);
    expect(JSON.parse(m.stdout)).toMatchObject({ error: expect.stringMatching(/^no model Nope in /) });
  });

  it('--no-passes prints the checker\'s IR: calls not yet inlined, RNNs not yet fused', async () => {
    const file = join(ROOT, 'strategies', 'gru.qv');
    const raw = capture();
    expect(await main(['explain', file, '--no-passes', '--out', join(dir, 'explain-raw')], raw)).toBe(0);
    const opt = capture();
    expect(await main(['explain', file, '--out', join(dir, 'explain-opt')], opt)).toBe(0);
    expect(raw.stdout).toMatch(/= call\(x: %\d+\) \{fn: "GRU"/);
    expect(raw.stdout).toMatch(/gru\(x: %\d+\) \{[^}]*output: "seq"/);
    expect(opt.stdout).not.toMatch(/= call\(/);
    expect(opt.stdout).toMatch(/gru\(x: %\d+\) \{[^}]*output: "last"/);
  });

  it('names what is missing: a file without models, an unknown --model or --strategy', async () => {
    const none = capture();
    expect(await main(['explain', join(ROOT, 'stdlib', 'features.qv'), '--out', join(dir, 'explain-none')], none)).toBe(1);
    expect(none.stderr).toMatch(/quiver: \S*features\.qv declares no model or strategy\n/);
    const model = capture();
    expect(await main(['explain', join(ROOT, 'stdlib', 'models', 'rnn.qv'), '--model', 'Nope', '--out', join(dir, 'explain-none')], model)).toBe(1);
    expect(model.stderr).toMatch(/quiver: no model Nope in \S*rnn\.qv\n/);
    const strategy = capture();
    expect(await main(['explain', join(ROOT, 'strategies', 'gru.qv'), '--strategy', 'nope', '--out', join(dir, 'explain-none')], strategy)).toBe(1);
    expect(strategy.stderr).toMatch(/quiver: no strategy nope in \S*gru\.qv\n/);
  });

  it('prints the optimised IR of a model and writes DOT and HTML drawings', async () => {
    const io = capture();
    const out = join(dir, 'explain');
    const code = await main(['explain', join(ROOT, 'stdlib', 'models', 'rnn.qv'), '--model', 'GRU', '--out', out], io);
    expect(code).toBe(0);
    expect(io.stdout).toContain('func GRU(x: f32[N, T, F]) -> f32[N]');
    expect(io.stdout).toMatch(/gru\(x: %0\) \{hidden: 64, layers: 2.*output: "last"/);
    const dot = readFileSync(join(out, 'rnn.GRU.dot'), 'utf8');
    expect(dot).toContain('digraph "GRU"');
    const html = readFileSync(join(out, 'rnn.GRU.html'), 'utf8');
    expect(html).toContain('<svg');
  });
});

describe('quiver ops', () => {
  it('lists every primitive', async () => {
    const io = capture();
    expect(await main(['ops'], io)).toBe(0);
    expect(io.stdout).toMatch(/^softmax\s+special/m);
  });
});

describe('quiver run', () => {
  it('names a missing strategy with Q2012', async () => {
    const io = capture();
    const code = await main(['run', join(ROOT, 'strategies', 'demo.qv'), '--strategy', 'nope'], io);
    expect(code).toBe(1);
    expect(io.stderr).toContain('error[Q2012]: no strategy named nope');
    expect(io.stderr).toContain('strategies here: demo');
  });

  it('says plainly that RL strategies are checked but not trained yet (Q6206)', async () => {
    const io = capture();
    expect(await main(['run', join(ROOT, 'test', 'fixtures', 'language', 'opd.qv')], io)).toBe(1);
    expect(io.stderr).toContain('error[Q6206]: strategy opd learns by reinforcement');
  });

  it('refuses bad numbers before doing any work', async () => {
    const io = capture();
    expect(await main(['run', join(ROOT, 'strategies', 'demo.qv'), '--epochs', 'many'], io)).toBe(2);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });
});
