// Property tests: for random well-formed ASTs (arbitraries.ts),
//   parse(print(ast)) has no diagnostic and equals ast up to stripSpans, and
//   print is idempotent: print(parse(print(ast))) == print(ast).
// Also for random comments inserted between the tokens of the fixtures: the
// printed text keeps every comment (same texts, same order) and the AST, and
// printing it again changes nothing.

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { stripSpans } from '../../grammar/ast.js';
import { parse, parseExpression, print } from '../../grammar/index.js';
import { lex } from '../../grammar/tokens.js';
import { exprArb, GEN_FILE, moduleArb } from './arbitraries.js';
import { fixtureFiles, renderDiagnostic } from './helpers.js';

describe('print / parse round trip', () => {
  it('parse(print(ast)) equals ast, and print is idempotent', () => {
    fc.assert(
      fc.property(moduleArb, (m) => {
        const text = print(m);
        const r = parse(text, GEN_FILE);
        if (r.diagnostics.length) {
          throw new Error(`diagnostics for:\n${text}\n${r.diagnostics.map((d) => renderDiagnostic(d, text)).join('\n')}`);
        }
        expect(stripSpans(r.module)).toEqual(stripSpans(m));
        expect(print(r.module)).toBe(text);
      }),
      { numRuns: 400, seed: 20240611 },
    );
  });

  it('parseExpression reads back printed expressions', () => {
    fc.assert(
      fc.property(exprArb, (e) => {
        const m = { kind: 'Module' as const, span: e.span, file: GEN_FILE, decls: [{ kind: 'LetDecl' as const, span: e.span, name: { kind: 'Ident' as const, span: e.span, name: 'x' }, value: e }], comments: [] };
        const text = print(m).slice('let x = '.length);
        const r = parseExpression(text, GEN_FILE);
        expect(r.diagnostics).toEqual([]);
        expect(stripSpans(r.expr)).toEqual(stripSpans(e));
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});

const fixtures = fixtureFiles().map((f) => readFileSync(f, 'utf8'));

/** Inserts comments at token boundaries chosen by `picks`. */
function withComments(text: string, picks: { at: number; kind: number }[]): string {
  const tokens = lex(text).tokens;
  const cuts = new Map<number, string>();
  picks.forEach(({ at, kind }, i) => {
    const t = tokens[at % tokens.length]!;
    const c = kind % 3 === 0 ? ` // c${i}\n` : kind % 3 === 1 ? ` /* c${i} */ ` : `\n/* c${i}\n spans lines */\n`;
    cuts.set(t.startOffset, (cuts.get(t.startOffset) ?? '') + c);
  });
  let out = '';
  let last = 0;
  for (const at of [...cuts.keys()].sort((a, b) => a - b)) {
    out += text.slice(last, at) + cuts.get(at)!;
    last = at;
  }
  return out + text.slice(last);
}

describe('comments survive formatting', () => {
  it('keeps every comment and the AST, and formats idempotently', () => {
    fc.assert(
      fc.property(
        fc.nat(fixtures.length - 1),
        fc.array(fc.record({ at: fc.nat(10_000), kind: fc.nat(2) }), { minLength: 1, maxLength: 6 }),
        (fi, picks) => {
          const text = withComments(fixtures[fi]!, picks);
          const a = parse(text, 'c.qv');
          expect(a.diagnostics).toEqual([]);
          const printed = print(a.module);
          const b = parse(printed, 'c.qv');
          expect(b.diagnostics).toEqual([]);
          expect(stripSpans(b.module.decls)).toEqual(stripSpans(a.module.decls));
          expect(b.module.comments.map((c) => c.text)).toEqual(a.module.comments.map((c) => c.text));
          expect(print(b.module)).toBe(printed);
        },
      ),
      { numRuns: 200, seed: 99 },
    );
  });
});
