// IR invariants and passes, on generated programs: the printer round-trips,
// the verifier accepts what the generator builds (calls, records, RNN chains
// included, and the generator is checked to produce them), every pass keeps
// result types, stays valid and is idempotent, CSE+DCE never add nodes, and
// every reduction removes exactly its axis. test/compiler/passes.test.ts runs
// the same properties on the real strategy programs.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProgram } from '../../compiler/ir/parse.js';
import { printProgram } from '../../compiler/ir/print.js';
import type { Program, TensorType } from '../../compiler/ir/types.js';
import { verifyProgram } from '../../compiler/ir/verify.js';
import { lookupOp } from '../../compiler/ops/registry.js';
import { constFold } from '../../compiler/passes/const-fold.js';
import { cse } from '../../compiler/passes/cse.js';
import { dce } from '../../compiler/passes/dce.js';
import { fuse } from '../../compiler/passes/fuse.js';
import { inline } from '../../compiler/passes/inline.js';
import { runPasses } from '../../compiler/pipeline.js';
import { programArb } from './ir-gen.js';

const PASSES = { inline, constFold, cse, dce, fuse };

function resultType(p: Program): unknown {
  const f = p.functions['f']!;
  return f.nodes.find((n) => n.id === f.result)!.type;
}

function nodeCount(p: Program): number {
  return Object.values(p.functions).reduce((s, f) => s + f.nodes.length, 0);
}

describe('IR text form', () => {
  it('parse(print(p)) equals p', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        expect(parseProgram(printProgram(p))).toEqual(p);
      }),
      { numRuns: 200 },
    );
  });
});

describe('verifier', () => {
  it('accepts generated programs', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        expect(verifyProgram(p)).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a node whose type disagrees with its shape rule', () => {
    const p = parseProgram(`entries f
func f(x: f32[N, H=3]) {
  %0 = input {name: "x"} : f32[N, H=3]
  %1 = sum(x: %0) {over: "H"} : f32[N, H=3]
  return %1
}
`);
    expect(verifyProgram(p).join('\n')).toMatch(/its rule gives f32\[N\]/);
  });

  it('runs on the checker\'s IR before the first pass: a bad call is Q9001 even though inline would remove it', () => {
    const p = parseProgram(`entries f
func g(x: f32[N, K=3]) {
  %0 = input {name: "x"} : f32[N, K=3]
  return %0
}
func f(x: f32[N, K]) {
  %0 = input {name: "x"} : f32[N, K]
  %1 = call(x: %0) {fn: "g", prefix: "g"} : f32[N, K=3]
  return %1
}
`);
    const r = runPasses(p, { verify: true });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q9001']);
    expect(r.diagnostics[0]!.message).toMatch(/IR invalid after check: f: %1 passes f32\[N, K\] for x: f32\[N, K=3\]/);
    // without the check, inline hides it: the inlined program verifies
    expect(verifyProgram(inline(p, {}))).toEqual([]);
  });

  it('rejects use before definition and unknown ops', () => {
    const p = parseProgram(`entries f
func f(x: f32[N]) {
  %0 = input {name: "x"} : f32[N]
  %1 = tanh(x: %2) : f32[N]
  %2 = frobnicate(x: %0) : f32[N]
  return %1
}
`);
    const problems = verifyProgram(p).join('\n');
    expect(problems).toMatch(/before it is defined/);
    expect(problems).toMatch(/unknown op frobnicate/);
  });
});

describe('the generator', () => {
  it('gives every pass work: calls (nested, with records), fusable GRU/LSTM → last chains, duplicates', () => {
    const ps = fc.sample(programArb, { seed: 7, numRuns: 300 });
    const share = (f: (p: Program) => boolean) => ps.filter(f).length / ps.length;
    const nodes = (p: Program) => Object.values(p.functions).flatMap((f) => f.nodes);
    const changes = (pass: (p: Program, c: object) => Program) => (p: Program) => JSON.stringify(pass(p, {})) !== JSON.stringify(p);
    expect(share((p) => nodes(p).some((n) => n.op === 'call'))).toBeGreaterThan(0.25);
    expect(share((p) => Object.values(p.functions).some((f) => f.name !== 'f' && f.nodes.some((n) => n.op === 'call')))).toBeGreaterThan(0.1);
    expect(share((p) => nodes(p).some((n) => n.op === 'get'))).toBeGreaterThan(0.1);
    expect(share(changes(inline))).toBeGreaterThan(0.25);
    expect(share(changes(fuse))).toBeGreaterThan(0.1);
    expect(share((p) => nodes(p).some((n) => (n.op === 'gru' || n.op === 'lstm')) && !changes(fuse)(p))).toBeGreaterThan(0.05);
    expect(share(changes(cse))).toBeGreaterThan(0.2);
    expect(share(changes(dce))).toBeGreaterThan(0.2);
    // a helper called twice under two prefixes: inline must keep its weights apart
    expect(share((p) => nodes(p).filter((n) => n.op === 'call').some((n, _, calls) => calls.some((m) => m !== n && m.attrs['fn'] === n.attrs['fn'])))).toBeGreaterThan(0.03);
  });
});

describe('passes', () => {
  for (const [name, pass] of Object.entries(PASSES)) {
    it(`${name} keeps the result type, stays valid and is idempotent`, () => {
      fc.assert(
        fc.property(programArb, (p) => {
          const once = pass(p, {});
          expect(verifyProgram(once)).toEqual([]);
          expect(resultType(once)).toEqual(resultType(p));
          expect(pass(once, {})).toEqual(once);
        }),
        { numRuns: 150 },
      );
    });
  }

  it('CSE then DCE never increases the node count', () => {
    fc.assert(
      fc.property(programArb, (p) => {
        expect(nodeCount(dce(cse(p, {}), {}))).toBeLessThanOrEqual(nodeCount(p));
      }),
      { numRuns: 200 },
    );
  });

  it('CSE merges a duplicated node and DCE drops a dead one', () => {
    const p = parseProgram(`entries f
func f(x: f32[N, H=3]) {
  %0 = input {name: "x"} : f32[N, H=3]
  %1 = tanh(x: %0) : f32[N, H=3]
  %2 = tanh(x: %0) : f32[N, H=3]
  %3 = exp(x: %0) : f32[N, H=3]
  %4 = add(a: %1, b: %2) : f32[N, H=3]
  return %4
}
`);
    const out = dce(cse(p, {}), {});
    expect(printProgram(out)).toBe(`entries f

func f(x: f32[N, H=3]) -> f32[N, H=3] {
  %0 = input {name: "x"} : f32[N, H=3]
  %1 = tanh(x: %0) : f32[N, H=3]
  %4 = add(a: %1, b: %1) : f32[N, H=3]
  return %4
}
`);
  });

  it('CSE never merges dropout with p > 0', () => {
    const p = parseProgram(`entries f
func f(x: f32[N]) {
  %0 = input {name: "x"} : f32[N]
  %1 = dropout(x: %0) {p: 0.5} : f32[N]
  %2 = dropout(x: %0) {p: 0.5} : f32[N]
  %3 = add(a: %1, b: %2) : f32[N]
  return %3
}
`);
    expect(cse(p, {}).functions['f']!.nodes).toHaveLength(4);
  });

  it('const-fold evaluates scalar arithmetic and forwards x * 1', () => {
    const p = parseProgram(`entries f
func f(x: f32[N]) {
  %0 = input {name: "x"} : f32[N]
  %1 = const {value: 2} : f32
  %2 = const {value: 0.5} : f32
  %3 = mul(a: %1, b: %2) : f32
  %4 = mul(a: %0, b: %3) : f32[N]
  return %4
}
`);
    const out = dce(constFold(p, {}), {});
    expect(printProgram(out)).toContain('%0 = input {name: "x"} : f32[N]');
    expect(printProgram(out)).not.toContain('mul(a: %0');
    expect(out.functions['f']!.result).toBe(0);
  });

  it('inline replaces calls, prefixing parameter paths', () => {
    const p = parseProgram(`entries main
func main(x: f32[N, F=2]) {
  %0 = input {name: "x"} : f32[N, F=2]
  %1 = call(x: %0) {fn: "Sub", prefix: "enc"} : f32[N, F=4]
  return %1
}

func Sub(x: f32[N, F=2]) {
  %0 = input {name: "x"} : f32[N, F=2]
  %1 = dense(x: %0) {units: 4, bias: true, init: "uniform_fan_in", path: "fc"} : f32[N, F=4]
  return %1
}
`);
    const out = inline(p, {});
    expect(Object.keys(out.functions)).toEqual(['main']);
    const dense = out.functions['main']!.nodes.find((n) => n.op === 'dense')!;
    expect(dense.attrs['path']).toBe('enc.fc');
    expect(verifyProgram(out)).toEqual([]);
  });

  it('fuse turns gru + last into one gru with output last', () => {
    const p = parseProgram(`entries f
func f(x: f32[N, T=5, F=3]) {
  %0 = input {name: "x"} : f32[N, T=5, F=3]
  %1 = gru(x: %0) {hidden: 4, layers: 1, dropout: 0, over: "T", output: "seq", layer_axis: "L", to: "H", path: "rnn"} : f32[N, T=5, H=4]
  %2 = last(x: %1) {over: "T"} : f32[N, H=4]
  return %2
}
`);
    const out = fuse(p, {});
    const f = out.functions['f']!;
    expect(f.nodes.map((n) => n.op)).toEqual(['input', 'gru']);
    expect(f.nodes[1]!.attrs['output']).toBe('last');
    expect(verifyProgram(out)).toEqual([]);
  });
});

describe('shape rules', () => {
  it('every reduction removes exactly its axis', () => {
    const axes = [
      { name: 'N', size: 'N' },
      { name: 'T', size: 4 },
      { name: 'H', size: 3 },
    ];
    fc.assert(
      fc.property(fc.subarray(axes, { minLength: 1 }), fc.nat(), fc.constantFrom('sum', 'mean', 'max', 'min', 'std', 'var', 'logsumexp'), (xs, k, op) => {
        const x: TensorType = { kind: 'tensor', dtype: 'f32', axes: xs };
        const over = xs[k % xs.length]!.name;
        const r = lookupOp(op)!.shape({ x }, { over }) as TensorType;
        expect(r.axes.map((a) => a.name)).toEqual(xs.map((a) => a.name).filter((n) => n !== over));
      }),
      { numRuns: 200 },
    );
  });

  it('elementwise ops take the larger operand and refuse non-nested axes', () => {
    const add = lookupOp('add')!;
    const NM: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'M', size: 'M' }] };
    const N: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }] };
    const NH: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'H', size: 3 }] };
    expect(add.shape({ a: NM, b: N }, {})).toEqual(NM);
    expect(add.shape({ a: N, b: NM }, {})).toEqual(NM);
    expect(add.shape({ a: NH, b: NM }, {})).toMatchObject({ error: 'axisMismatch', params: { a: 'H', b: 'M' } });
  });

  it('rename with sizes narrows a symbolic axis and refuses a different known size', () => {
    const rename = lookupOp('rename')!;
    const x: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'K', size: 'K' }, { name: 'H', size: 4 }] };
    expect(rename.shape({ x }, { renames: { K: 'R' }, sizes: { R: 3, H: 4 } })).toEqual({ kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }, { name: 'R', size: 3 }, { name: 'H', size: 4 }] });
    expect(rename.shape({ x }, { renames: {}, sizes: { H: 5 } })).toMatchObject({ error: 'sizeMismatch', params: { axis: 'H', a: '5', b: '4' } });
    expect(rename.shape({ x }, { renames: {}, sizes: { Z: 2 } })).toMatchObject({ error: 'missingAxis' });
  });

  it('dot contracts the named axis and keeps batch axes once', () => {
    const dot = lookupOp('dot')!;
    const a: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'B', size: 2 }, { name: 'T', size: 4 }, { name: 'E', size: 3 }] };
    const b: TensorType = { kind: 'tensor', dtype: 'f32', axes: [{ name: 'B', size: 2 }, { name: 'S', size: 5 }, { name: 'E', size: 3 }] };
    expect((dot.shape({ a, b }, { over: 'E' }) as TensorType).axes.map((x) => x.name)).toEqual(['B', 'T', 'S']);
  });
});
