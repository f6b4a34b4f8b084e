// Data-block targets (`target mkt = ...`, `process mkt: [...]`) in the
// checker: the plan's dataset spec and input bindings, losses reading them,
// models refused (Q4003), processor lists, name clashes, memory leaks through
// a target; the cs_mean operator and the qcut processor's arguments.

import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compiler/plan/plan.js';
import { compileSource, errorsOf } from '../helpers/compile.js';

const LABEL = 'Ref($close, -2) / Ref($close, -1) - 1';

function program(o: { data?: string; model?: string; loss?: string; extra?: string } = {}): string {
  return `
import stdlib.features { alpha360 }

data m = demo(preset: "small", only: ["market"]) {
  features alpha360
  label    ${LABEL}
  ${o.data ?? `target   mkt = cs_mean(${LABEL})
  process  label: [dropna, cs_rank], mkt: [qcut(3, fit: "train")]`}
  segments train: 2008-01-01..2009-06-30, valid: 2009-07-01..2009-12-31, test: 2010-01-01..2010-12-31
}

model Two(x: Float[N, T, F], H: Int = 8, C: Int = 3) -> (pred: Float[N], mk: Float[N, C]) {
  let h = x |> gru(H) |> last(over: T)
  return (pred: h |> dense(1) |> squeeze, mk: h |> dense(C))
}

loss two_loss(out, y, mk) {
  return mse(out.pred, y) + cross_entropy(out.mk, mk, over: C)
}
${o.extra ?? ''}
strategy s {
  data  m
  model ${o.model ?? 'Two(x: m.x)'}
  loss  ${o.loss ?? 'two_loss(pred, label, m.mkt)'}
  train { epochs: 1, batch: samples(256) }
}
`;
}

function planOf(text: string): Plan {
  const c = compileSource(text);
  expect(errorsOf(c)).toEqual([]);
  expect(c.plans).toHaveLength(1);
  return c.plans[0]!;
}

describe('target clauses', () => {
  it('put the target and its processors in the plan, and bind it in the objective only', () => {
    const plan = planOf(program());
    expect(plan.data.targets).toEqual({
      mkt: {
        expr: { kind: 'call', fn: 'cs_mean', args: [plan.data.label] },
        process: [{ kind: 'qcut', q: 3, fitStart: '2008-01-01', fitEnd: '2009-06-30' }],
      },
    });
    expect(plan.data.process.label.map((p) => p.kind)).toEqual(['dropna_label', 'cs_rank']);
    expect(plan.data.fields).toEqual({});
    const bound = plan.stages[0]!.objective.inputs.find((b) => b.name === 'm.mkt');
    expect(bound).toEqual({ name: 'm.mkt', type: { kind: 'tensor', dtype: 'f32', axes: [{ name: 'N', size: 'N' }] }, source: { kind: 'target', name: 'mkt' } });
    expect(plan.predict.inputs.map((b) => b.source.kind)).toEqual(['features']);
    // The target's look-ahead is its own; the label horizon stays the label's.
    expect(plan.labelHorizon).toBe(2);
  });

  it('may come after the process clause, and a data block without targets has none', () => {
    const late = planOf(program({ data: `process  mkt: [zscore(fit: "train"), qcut(5, fit: "valid")]\n  target   mkt = cs_mean(${LABEL}, by: $industry)` }));
    expect(late.data.targets!['mkt']!.process).toEqual([
      { kind: 'zscore', fitStart: '2008-01-01', fitEnd: '2009-06-30' },
      { kind: 'qcut', q: 5, fitStart: '2009-07-01', fitEnd: '2009-12-31' },
    ]);
    expect(late.data.targets!['mkt']!.expr).toMatchObject({ fn: 'cs_mean', args: [{}, { kind: 'field', name: 'industry' }] });
    const none = planOf(program({ data: '', loss: 'mse(pred.pred, label)' }));
    expect(none.data.targets).toBeUndefined();
  });

  it('refuse a target in the model (Q4003), once, at the member', () => {
    const c = compileSource(program({ extra: 'model Peek(x: Float[N, T, F], m: Float[N]) -> (pred: Float[N], mk: Float[N, C = 3]) {\n  let o = Two(x: x)\n  return (pred: o.pred + m, mk: o.mk)\n}\n', model: 'Peek(x: m.x, m: m.mkt)' }));
    expect(errorsOf(c)).toEqual(['Q4003 m.mkt is a target: only a loss may read it, never the model']);
  });

  it('report unknown process entries, row-dropping processors, bad qcut arguments and name clashes', () => {
    const codes = (data: string): string[] => errorsOf(compileSource(program({ data, loss: 'mse(pred.pred, label)' }))).map((e) => e.slice(0, 5));
    expect(errorsOf(compileSource(program({ data: `process  mkt: [qcut(3)]`, loss: 'mse(pred.pred, label)' })))).toEqual([
      'Q2010 unknown setting mkt in process',
    ]);
    expect(codes(`target mkt = cs_mean(${LABEL})\n  process mkt: [dropna]`)).toEqual(['Q3009']);
    expect(codes(`target mkt = cs_mean(${LABEL})\n  process mkt: [qcut(fit: "train")]`)).toEqual(['Q3006']);
    expect(codes(`target mkt = cs_mean(${LABEL})\n  process mkt: [qcut(1)]`)).toEqual(['Q3009']);
    expect(codes(`target mkt = cs_mean(${LABEL})\n  process mkt: [qcut(2.5)]`)).toEqual(['Q3004']);
    expect(codes(`target mkt = cs_mean(${LABEL})\n  process mkt: [qcut(3, fit: "holdout")]`)).toEqual(['Q3009']);
    expect(codes(`target mkt = $close\n  target mkt = $open`)).toEqual(['Q2002']);
    expect(codes(`target cap = $close\n  field cap = $cap`)).toEqual(['Q2002']);
    expect(codes(`target label = $close`)).toEqual(['Q2002']);
    expect(codes(`target features = $close`)).toEqual(['Q2002']);
    expect(codes(`target mkt = cs_mean($close, group: $industry)`)).toEqual(['Q3007']);
    expect(codes(`field peek = Ref($close, -1)`)).toEqual(['Q4001']);
    expect(codes(`target peek = Ref($close, -1)`)).toEqual([]);
  });

  it('a memory written from a target is held back for the target horizon (Q4002)', () => {
    const mem = (lag: number): string[] =>
      errorsOf(
        compileSource(
          program({
            data: `target   far = Ref($close, -5) / $close - 1`,
            extra: `memory seen: Float[K = 1] { per: sample, lag: ${lag} }\nloss keep(out, y, t) {\n  write seen <- expand(t, K, 1)\n  return mse(out.pred, y)\n}\n`,
            loss: 'keep(pred, label, m.far)',
          }),
        ),
      );
    expect(mem(3)).toEqual(['Q4002 memory seen is readable after 3 days, but its values are written with labels that look 5 days ahead']);
    expect(mem(5)).toEqual([]);
  });
});

describe('feature processors', () => {
  const warnings = (process: string) => {
    const text = program({ data: `process  ${process}` });
    return compileSource(text)
      .diagnostics.filter((d) => d.code === 'Q5015')
      .map((d) => `${d.severity} ${text.slice(d.span!.start, d.span!.end)}`);
  };

  it('warn (Q5015) when nothing fills the NaN that cs_zscore leaves, at that processor', () => {
    expect(warnings('features: [robust_zscore(fit: "train"), fillna(0), cs_zscore], label: [dropna, cs_rank]')).toEqual(['warning cs_zscore']);
    expect(warnings('features: [cs_zscore(robust: true)], label: [dropna]')).toEqual(['warning cs_zscore(robust: true)']);
  });

  it('stay quiet when a fill follows it, and in the label chain', () => {
    expect(warnings('features: [robust_zscore(fit: "train"), cs_zscore, fillna(0)], label: [dropna, cs_rank]')).toEqual([]);
    expect(warnings('features: [cs_zscore, csz_fillna], label: [dropna]')).toEqual([]);
    expect(warnings('features: [fillna(0)], label: [dropna, cs_zscore]')).toEqual([]);
  });
});
