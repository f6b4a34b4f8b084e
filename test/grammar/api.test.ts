// The public API of grammar/: parse never throws and always returns a module,
// format refuses text with syntax errors, the parser is built once.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { format, parse, parseExpression, print } from '../../grammar/index.js';
import { parser } from '../../grammar/parser.js';
import { check, fixtureFiles } from './helpers.js';

describe('parse', () => {
  it.each([
    ['empty', ''],
    ['only whitespace', ' \n\t\r\n'],
    ['only comments', '// a\n/* b */'],
    ['a byte-order mark', '\uFEFFlet x = 1'],
    ['stray closers', '}}}))]]'],
    ['stray openers', '{{{((([[['],
    ['a lone dollar', '$'],
    ['unicode letters', 'let é = 1'],
    ['a NUL byte', 'let x = \u0000'],
    ['a lone quote', '"'],
    ['keywords only', 'let import as return write if then else for in'],
  ])('returns a module for %s', (_name, text) => {
    const r = parse(text, 'x.qv');
    expect(r.module.kind).toBe('Module');
    expect(r.module.file).toBe('x.qv');
    for (const d of r.diagnostics) {
      expect(d.code).toMatch(/^Q1\d{3}$/);
      expect(d.span!.start).toBeGreaterThanOrEqual(0);
      expect(d.span!.end).toBeLessThanOrEqual(text.length);
    }
  });

  it('reports absurd nesting as Q1011 at the deepest bracket, not as a compiler bug', () => {
    const n = 3000;
    const text = `let x = ${'('.repeat(n)}1${')'.repeat(n)}`;
    const r = check(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q1011']);
    expect(r.diagnostics[0]!.span!.start).toBe(8 + n - 1);
  });

  it('parses modest nesting', () => {
    const text = `let x = ${'('.repeat(30)}1${')'.repeat(30)}`;
    expect(check(text).diagnostics).toEqual([]);
  });

  it('keeps the declarations around a broken one, and reports each broken one', () => {
    const r = check(['let a = 1 +', 'let b = 2', 'model M( { }', 'let c = [1,', 'let d = 4', 'data x = y { a b: }', 'let e = 5'].join('\n'));
    expect(r.module.decls.map((d) => ('name' in d ? d.name.name : d.kind))).toEqual(['b', 'd', 'x', 'e']);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q1003', 'Q1003', 'Q1003', 'Q1003']);
  });

  it('keeps the statements around a broken one', () => {
    const r = check('model M() {\n  let a = f(1 2 3)\n  let b = 2\n  let c = * 3\n  return b\n}');
    const m = r.module.decls[0]!;
    expect(m.kind === 'ModelDecl' && m.body.map((s) => s.kind)).toEqual(['Let', 'Return']);
    expect(r.diagnostics).toHaveLength(2);
  });

  it('ends an unclosed block at the next declaration that starts a line', () => {
    const r = check('strategy s {\n  data market\n\nmodel M() {\n  return 1\n}\n');
    expect(r.module.decls.map((d) => d.kind)).toEqual(['ModelDecl']);
    expect(r.rendered).toEqual(['test.qv:4:1: error Q1003: unexpected `model`; expected `}`']);
  });

  it('is fast: the fixtures parse in a few milliseconds each once the parser is built', () => {
    expect(parser()).toBe(parser());
    const texts = fixtureFiles().map((f) => readFileSync(f, 'utf8'));
    for (const t of texts) parse(t, 'warm.qv');
    const t0 = performance.now();
    const passes = 10;
    for (let i = 0; i < passes; i++) for (const t of texts) parse(t, 'f.qv');
    const perPass = (performance.now() - t0) / passes;
    // About 10 ms on an idle machine; the bound leaves room for a busy CI runner.
    expect(perPass).toBeLessThan(250);
  });
});

describe('parseExpression', () => {
  it('shifts spans by the offset', () => {
    const r = parseExpression('a + b', 'f.qv', 100);
    expect(r.expr?.span).toEqual({ file: 'f.qv', start: 100, end: 105 });
  });

  it('reports trailing input and gives no expression when nothing is usable', () => {
    expect(parseExpression('a b', 'f.qv').diagnostics.map((d) => d.message)).toEqual(['unexpected `b`; expected the end of the expression']);
    const bad = parseExpression('(', 'f.qv');
    expect(bad.expr).toBeUndefined();
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['Q1004']);
  });
});

describe('format', () => {
  it('formats valid text', () => {
    expect(format('let   x=1', 'f.qv')).toEqual({ text: 'let x = 1\n', diagnostics: [] });
  });

  it('refuses to format text with syntax errors', () => {
    const text = 'let x = (1\nlet y   =   2';
    const r = format(text, 'f.qv');
    expect(r.text).toBe(text);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['Q1003']);
  });

  it('reads CRLF line endings and writes LF', () => {
    const r = format('let x = 1 // one\r\nlet y = "a"\r\n', 'f.qv');
    expect(r).toEqual({ text: 'let x = 1  // one\nlet y = "a"\n', diagnostics: [] });
  });

  it('prints an empty module as empty text', () => {
    expect(print(parse('', 'e.qv').module)).toBe('');
    expect(format('// only a comment', 'e.qv').text).toBe('// only a comment\n');
  });
});
