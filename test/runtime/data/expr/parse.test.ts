// The Qlib expression parser: Python precedence, constant folding, every
// Alpha158 formula, and diagnostics (codes and spans) for bad input.

import { describe, it, expect } from 'vitest';
import { parseQlibExpr, parseQlibExprResult } from '../../../../runtime/data/expr/parse.js';
import { formatExpr, checkFeatureExpr } from '../../../../runtime/data/expr/ops.js';
import { alpha158Texts } from '../../../../runtime/data/expr/alpha.js';
import { DiagnosticError } from '../../../../compiler/diagnostics/diagnostic.js';
import { f, k, call } from './helpers.js';

const codes = (text: string, fields?: string[]): string[] =>
  parseQlibExprResult(text, fields ? { fields } : {}).diagnostics.map((d) => d.code);

describe('parseQlibExpr', () => {
  it('parses fields, calls and numbers', () => {
    expect(parseQlibExpr('Mean($close, 5)')).toEqual(call('Mean', f('close'), k(5)));
    expect(parseQlibExpr('Quantile($close, 20, 0.8)')).toEqual(call('Quantile', f('close'), k(20), k(0.8)));
    expect(parseQlibExpr('$high-$low+1e-12')).toEqual(call('Add', call('Sub', f('high'), f('low')), k(1e-12)));
  });

  it('follows Python precedence: * before +, + before &, & before |, | before comparisons', () => {
    expect(parseQlibExpr('2*$close-$high-$low')).toEqual(call('Sub', call('Sub', call('Mul', k(2), f('close')), f('high')), f('low')));
    expect(parseQlibExpr('$a > $b + 1')).toEqual(call('Gt', f('a'), call('Add', f('b'), k(1))));
    expect(parseQlibExpr('$a & $b | $c')).toEqual(call('Or', call('And', f('a'), f('b')), f('c')));
    expect(parseQlibExpr('$a > $b | $c')).toEqual(call('Gt', f('a'), call('Or', f('b'), f('c'))));
    expect(parseQlibExpr('-$a ** 2')).toEqual(call('Neg', call('Power', f('a'), k(2))));
  });

  it('folds arithmetic on number literals, as Python does before Qlib sees it', () => {
    expect(parseQlibExpr('Ref($close, -1)')).toEqual(call('Ref', f('close'), k(-1)));
    expect(parseQlibExpr('Mean($close, 2*3)')).toEqual(call('Mean', f('close'), k(6)));
    expect(parseQlibExpr('$close / (1 + 1)')).toEqual(call('Div', f('close'), k(2)));
  });

  it('parses every Alpha158 formula and round-trips through formatExpr', () => {
    for (const [, text] of alpha158Texts()) {
      const e = parseQlibExpr(text);
      expect(checkFeatureExpr(e)).toEqual([]);
      expect(parseQlibExpr(formatExpr(e))).toEqual(e);
    }
  });

  it('reports syntax errors with a span (Q5005)', () => {
    const r = parseQlibExprResult('Mean($close, 5');
    expect(r.expr).toBeNull();
    expect(r.diagnostics[0]!.code).toBe('Q5005');
    expect(r.diagnostics[0]!.span).toEqual({ file: '<qlib-expr>', start: 14, end: 15 });
    expect(codes('$close +')).toEqual(['Q5005']);
    expect(codes('$close # 2')).toEqual(['Q5005']);
    expect(codes('$a < $b < $c')).toEqual(['Q5005']);
    expect(codes('Mean')).toEqual(['Q5005']);
  });

  it('reports unknown operators with a suggestion (Q5001) and unsupported Qlib ones (Q5006)', () => {
    const r = parseQlibExprResult('Maen($close, 5)');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q5001']);
    expect(r.diagnostics[0]!.hints[0]).toContain('Mean');
    expect(r.diagnostics[0]!.span).toEqual({ file: '<qlib-expr>', start: 0, end: 15 });
    expect(codes('Mask($close, "SH000300")')).toContain('Q5005');
    expect(codes('TResample($close, 5)')).toEqual(['Q5006']);
    expect(codes('$$roewa_q')).toEqual(['Q5006']);
  });

  it('reports unknown fields (Q5002), arity (Q5003) and bad constants (Q5004)', () => {
    expect(codes('$clsoe / $close', ['close', 'open'])).toEqual(['Q5002']);
    const [unknown] = parseQlibExprResult('Mean($clsoe, 5) / $close', { fields: ['close', 'open'] }).diagnostics;
    expect(unknown!.message).toBe('unknown field $clsoe in Mean($clsoe, 5) / $close');
    expect(unknown!.hints).toEqual(['did you mean $close?']);
    expect(unknown!.span).toEqual({ file: '<qlib-expr>', start: 5, end: 11 });
    expect(codes('Mean($close)')).toEqual(['Q5003']);
    expect(codes('Corr($close, $open)')).toEqual(['Q5003']);
    expect(codes('Mean($close, 2.5)')).toEqual(['Q5004']);
    expect(codes('Mean($close, $open)')).toEqual(['Q5004']);
    expect(codes('Skew($close, 2)')).toEqual(['Q5004']);
    expect(codes('Kurt($close, 3)')).toEqual(['Q5004']);
    expect(codes('Quantile($close, 5, 1.5)')).toEqual(['Q5004']);
    expect(codes('Ref($close, 0.5)')).toEqual(['Q5004']);
    expect(codes('cs_demean($close, 1)')).toEqual(['Q5004']);
    expect(codes('cs_mean($close, 1)')).toEqual(['Q5004']);
    expect(codes('cs_mean($close, $ind, $ind)')).toEqual(['Q5003']);
    expect(codes('Mean($close, 0.5) + Skew($close, 0) + EMA($close, 2.5) + cs_demean($close, $ind) + cs_mean($close) + cs_mean($close, $ind)')).toEqual([]);
  });

  it('throws a DiagnosticError, never a plain error', () => {
    expect(() => parseQlibExpr('Mean($close,')).toThrow(DiagnosticError);
  });
});
