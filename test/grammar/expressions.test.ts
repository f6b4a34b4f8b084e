// Parser unit tests: precedence, associativity and the places where soft
// keywords and reserved words are names.

import { describe, expect, it } from 'vitest';
import { stripSpans, type Expr } from '../../grammar/ast.js';
import { parse, parseExpression } from '../../grammar/index.js';
import { check } from './helpers.js';

/** A compact, fully parenthesised rendering of an expression: the shape to compare. */
function shape(e: Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.text;
    case 'Name':
      return e.name;
    case 'Binary':
      return `(${shape(e.left)} ${e.op} ${shape(e.right)})`;
    case 'Unary':
      return `(${e.op}${e.op === 'not' ? ' ' : ''}${shape(e.operand)})`;
    case 'Pipe':
      return `(${shape(e.left)} |> ${shape(e.right)})`;
    case 'Range':
      return `(${shape(e.from)}..${shape(e.to)})`;
    case 'Call':
      return `${shape(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + shape(a.value)).join(', ')})`;
    case 'Member':
      return `${shape(e.object)}.${e.name.name}`;
    case 'If':
      return `(if ${shape(e.cond)} then ${shape(e.then)} else ${shape(e.else)})`;
    case 'Paren':
      return `[${shape(e.expr)}]`;
    case 'Date':
      return e.value;
    default:
      return e.kind;
  }
}

/** Parse one expression; fails the test on any diagnostic. */
function expr(text: string): string {
  const r = parseExpression(text, 't.qv');
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return shape(r.expr!);
}

describe('precedence', () => {
  it.each([
    ['-a^2', '(-(a ^ 2))'],
    ['a^-b', '(a ^ (-b))'],
    ['a^b^c', '(a ^ (b ^ c))'],
    ['a |> f + 1', '(a |> (f + 1))'],
    ['a + b |> f', '((a + b) |> f)'],
    ['x |> f(1)', '(x |> f(1))'],
    ['x |> f |> g(k: 1)', '((x |> f) |> g(k: 1))'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b * c % d', '(((a / b) * c) % d)'],
    ['a + b * c', '(a + (b * c))'],
    ['not a == b', '(not (a == b))'],
    ['not a and b', '((not a) and b)'],
    ['a or b and c', '(a or (b and c))'],
    ['a | b & c', '(a | (b & c))'],
    ['a < b + 1', '(a < (b + 1))'],
    ['1..n - 1', '(1..(n - 1))'],
    ['a == 1..2', '(a == (1..2))'],
    ['if a then b else c |> f', '(if a then b else (c |> f))'],
    ['if a then if b then c else d else e', '(if a then (if b then c else d) else e)'],
    ['f(x)(y).z', 'f(x)(y).z'],
    ['-f(x).y', '(-f(x).y)'],
    ['(a + b) * c', '([(a + b)] * c)'],
  ])('%s', (text, want) => {
    expect(expr(text)).toBe(want);
  });

  it('does not chain comparisons', () => {
    const r = check('let x = a < b < c');
    expect(r.rendered).toHaveLength(1);
    expect(r.rendered[0]).toContain('Q1003: unexpected `<`');
    expect(r.diagnostics[0]!.hints[0]).toContain('comparisons do not chain');
  });

  it('does not chain ranges', () => {
    expect(check('let x = 1..2..3').diagnostics.map((d) => d.code)).toEqual(['Q1003']);
  });
});

describe('names', () => {
  it('accepts soft keywords as ordinary names', () => {
    expect(expr('fit(train)')).toBe('fit(train)');
    expect(expr('valid.ic')).toBe('valid.ic');
    expect(expr('market.data')).toBe('market.data');
    expect(expr('f(model: data, loss: stage)')).toBe('f(model: data, loss: stage)');
  });

  it('accepts reserved words as record keys, argument names and members', () => {
    expect(expr('x.in.if')).toBe('x.in.if');
    expect(expr('f(for: 1, not: 2)')).toBe('f(for: 1, not: 2)');
    const r = parseExpression('{ in: 1 as: 2, then: 3 }', 't.qv');
    expect(r.diagnostics).toEqual([]);
    expect(r.expr?.kind === 'Record' && r.expr.entries.map((e) => e.key.name)).toEqual(['in', 'as', 'then']);
  });

  it('rejects reserved words as plain names', () => {
    expect(check('let in = 1').diagnostics.map((d) => d.code)).toContain('Q1003');
    expect(parseExpression('f(in)', 't.qv').diagnostics.map((d) => d.code)).toEqual(['Q1003']);
  });

  it('uses a soft keyword as a declaration name and a clause head', () => {
    const r = check('let model = 1\ndata data = x { model m train t }');
    expect(r.rendered).toEqual([]);
    const d = r.module.decls[1]!;
    expect(d.kind === 'DataDecl' && d.clauses.map((c) => c.head.name)).toEqual(['model', 'train']);
  });
});

describe('literals', () => {
  it('checks calendar dates, leap years included', () => {
    expect(check('let a = 2020-02-29 let b = 2000-02-29').rendered).toEqual([]);
    const bad = check('let a = 2021-02-30 let b = 1900-02-29 let c = 2021-00-10');
    expect(bad.diagnostics.map((d) => d.message)).toEqual([
      '2021-02-30 is not a valid calendar date',
      '1900-02-29 is not a valid calendar date',
      '2021-00-10 is not a valid calendar date',
    ]);
  });

  it('keeps number text and value consistent', () => {
    const r = parseExpression('[.25, 1e-3, 2.5E+4, 007, 42]', 't.qv');
    const items = r.expr?.kind === 'List' ? r.expr.items : [];
    expect(items.map((e) => (e.kind === 'Number' ? [e.text, e.value, e.isInt] : null))).toEqual([
      ['.25', 0.25, false], ['1e-3', 0.001, false], ['2.5E+4', 25000, false], ['007', 7, true], ['42', 42, true],
    ]);
  });

  it('decodes escapes in plain strings and keeps triple-quoted ones raw', () => {
    const r = parseExpression('["a\\"b\\\\c\\nd\\te", """x\\ny"""]', 't.qv');
    const items = r.expr?.kind === 'List' ? r.expr.items : [];
    expect(items.map((e) => (e.kind === 'String' ? e.value : null))).toEqual(['a"b\\c\nd\te', 'x\\ny']);
  });

  it('gives tagged strings their tag, value and content offset', () => {
    const text = 'let q = qlib"Ref($close, 1)"\nlet s = sql"""\nSELECT 1"""';
    const { module } = parse(text, 't.qv');
    const values = module.decls.map((d) => (d.kind === 'LetDecl' ? d.value : undefined));
    const q = values[0]!;
    const s = values[1]!;
    expect(q.kind === 'TaggedString' && [q.tag, q.value, q.contentStart]).toEqual(['qlib', 'Ref($close, 1)', 13]);
    expect(s.kind === 'TaggedString' && [s.tag, s.value, text.slice(s.contentStart, s.contentStart + 6)]).toEqual([
      'sql', '\nSELECT 1', '\nSELEC',
    ]);
  });

  it('parses the content of a qlib string with spans into the file', () => {
    const text = 'let q = qlib"Ref($close, 1) / $close"';
    const { module } = parse(text, 't.qv');
    const q = module.decls[0]!.kind === 'LetDecl' ? module.decls[0]!.value : undefined;
    if (q?.kind !== 'TaggedString') throw new Error('expected a tagged string');
    const r = parseExpression(q.value, 't.qv', q.contentStart);
    expect(r.diagnostics).toEqual([]);
    const e = r.expr!;
    expect(text.slice(e.span.start, e.span.end)).toBe('Ref($close, 1) / $close');
    expect(e.kind === 'Binary' && text.slice(e.right.span.start, e.right.span.end)).toBe('$close');
  });
});

describe('arguments', () => {
  it('reports a positional argument after a named one and a name given twice', () => {
    const r = parseExpression('f(a: 1, 2, a: 3)', 't.qv');
    expect(r.diagnostics.map((d) => [d.code, d.span?.start])).toEqual([
      ['Q1009', 8],
      ['Q1008', 11],
    ]);
  });

  it('allows a trailing comma in calls and lists', () => {
    expect(expr('f(1, 2,)')).toBe('f(1, 2)');
    expect(parseExpression('[1, 2,]', 't.qv').diagnostics).toEqual([]);
  });
});

describe('spans', () => {
  it('gives every node a span inside the text, pointing at its source', () => {
    const text = 'model M(x: Float[N]) -> Float[N] {\n  let h = x |> dense(1)\n  return h\n}\n';
    const { module } = parse(text, 'm.qv');
    const d = module.decls[0]!;
    expect(text.slice(d.span.start, d.span.end)).toBe(text.trimEnd());
    if (d.kind !== 'ModelDecl') throw new Error('expected a model');
    expect(text.slice(d.body[0]!.span.start, d.body[0]!.span.end)).toBe('let h = x |> dense(1)');
    expect(d.body[0]!.span.file).toBe('m.qv');
  });

  it('keeps comments with ownLine', () => {
    const { module } = parse('// a\nlet x = 1 // b\n  /* c */ let y = 2', 't.qv');
    expect(module.comments.map((c) => [c.text, c.ownLine])).toEqual([
      ['// a', true], ['// b', false], ['/* c */', true],
    ]);
  });

  it('produces the same AST for one file whatever its layout', () => {
    const a = parse('let x = f(a, b: { c: 1 d: [2, 3] })', 't.qv').module;
    const b = parse('let\nx\n=\nf(\na\n,\nb\n:\n{\nc\n:\n1\nd\n:\n[\n2\n,\n3\n]\n}\n)', 't.qv').module;
    expect(stripSpans(b)).toEqual(stripSpans(a));
  });
});
