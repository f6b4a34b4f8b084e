// Lexer unit tests: the token boundaries the language reference promises.

import { describe, expect, it } from 'vitest';
import { lex } from '../../grammar/tokens.js';

/** `name:image` for each token, comments excluded. */
function toks(text: string): string[] {
  return lex(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('lexer', () => {
  it('splits 59..0 into a range, not a float', () => {
    expect(toks('59..0')).toEqual(['NumberLit:59', 'DotDot:..', 'NumberLit:0']);
  });

  it('lexes leading-dot, exponent and signed-exponent numbers as one token', () => {
    expect(toks('.25 1e-3 2.5E+4 1.5 42')).toEqual([
      'NumberLit:.25', 'NumberLit:1e-3', 'NumberLit:2.5E+4', 'NumberLit:1.5', 'NumberLit:42',
    ]);
  });

  it('keeps ... and .. and . apart', () => {
    expect(toks('a...b..c.d')).toEqual([
      'Identifier:a', 'Ellipsis:...', 'Identifier:b', 'DotDot:..', 'Identifier:c', 'Dot:.', 'Identifier:d',
    ]);
  });

  it('lexes a date range as date .. date', () => {
    expect(toks('2008-01-01..2014-12-31')).toEqual(['DateLit:2008-01-01', 'DotDot:..', 'DateLit:2014-12-31']);
  });

  it('glues identifier characters to a number so 1e and 3x become one (invalid) number', () => {
    expect(toks('1e 3x 1e5')).toEqual(['NumberLit:1e', 'NumberLit:3x', 'NumberLit:1e5']);
  });

  it('tells reserved words from identifiers that start with them', () => {
    expect(toks('in int not note if iffy')).toEqual([
      'In:in', 'Identifier:int', 'Not:not', 'Identifier:note', 'If:if', 'Identifier:iffy',
    ]);
  });

  it('lexes soft keywords as identifiers', () => {
    expect(toks('model data train stage strategy')).toEqual([
      'Identifier:model', 'Identifier:data', 'Identifier:train', 'Identifier:stage', 'Identifier:strategy',
    ]);
  });

  it('lexes fields and point-in-time fields', () => {
    expect(toks('$close $$roe')).toEqual(['Field:$close', 'Field:$$roe']);
  });

  it('lexes tagged strings only when the tag touches the quote', () => {
    expect(toks('sql"SELECT 1" sql "x" qlib"""a\nb"""')).toEqual([
      'TaggedString:sql"SELECT 1"', 'Identifier:sql', 'StringLit:"x"', 'TaggedString:qlib"""a\nb"""',
    ]);
  });

  it('never takes a reserved word for a tag', () => {
    expect(toks('else"x"')).toEqual(['Else:else', 'StringLit:"x"']);
  });

  it('prefers the longest operator', () => {
    expect(toks('|> | -> - <- <= < >= > == = != ^ & %')).toEqual([
      'Pipe:|>', 'Bar:|', 'Arrow:->', 'Minus:-', 'LArrow:<-', 'LtEq:<=', 'Lt:<', 'GtEq:>=', 'Gt:>', 'EqEq:==',
      'Equals:=', 'NotEq:!=', 'Caret:^', 'Amp:&', 'Percent:%',
    ]);
  });

  it('keeps comments apart from the tokens', () => {
    const r = lex('a // one\n/* two */ b');
    expect(r.tokens.map((t) => t.image)).toEqual(['a', 'b']);
    expect(r.comments.map((t) => t.image)).toEqual(['// one', '/* two */']);
  });

  it('reports unexpected characters, unterminated strings and comments as problems', () => {
    expect(lex('a # b').problems).toEqual([{ kind: 'unexpectedCharacter', start: 2, end: 3, char: '#' }]);
    expect(lex('"abc\nx').problems.map((p) => p.kind)).toEqual(['unterminatedString']);
    expect(lex('"""abc').problems.map((p) => p.kind)).toEqual(['unterminatedString']);
    expect(lex('/* abc').problems.map((p) => p.kind)).toEqual(['unterminatedComment']);
  });

  it('records line starts and columns for recovery', () => {
    const r = lex('a b\n  c\n"""x\ny""" d');
    expect(r.tokens.map((t) => [t.image, t.startsLine, t.column])).toEqual([
      ['a', true, 0], ['b', false, 2], ['c', true, 2], ['"""x\ny"""', true, 0], ['d', false, 5],
    ]);
  });
});
