// The language fixtures (test/fixtures/language/*.qv): every example of the
// language in its final syntax must parse without a diagnostic, print back to
// the same AST (comments included) and print idempotently.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripSpans } from '../../grammar/ast.js';
import { print } from '../../grammar/index.js';
import { check, fixtureFiles, roundTrip } from './helpers.js';

const files = fixtureFiles();

describe('language fixtures', () => {
  it('include the LANGUAGE.md examples', () => {
    const names = files.map((f) => basename(f));
    for (const n of ['baseline-strategy.qv', 'hist-head.qv', 'tra.qv', 'hybrid.qv', 'features.qv', 'opd.qv']) {
      expect(names).toContain(n);
    }
  });

  for (const file of files) {
    it(basename(file), () => {
      const text = readFileSync(file, 'utf8');
      const r = check(text, basename(file));
      expect(r.rendered).toEqual([]);
      expect(r.module.decls.length).toBeGreaterThan(0);
      const again = roundTrip(r.module);
      expect(again.diagnostics).toEqual([]);
      expect(stripSpans(again.module)).toEqual(stripSpans(r.module));
      expect(print(again.module)).toBe(again.text);
    });
  }

  it('cover every declaration, statement and clause kind', () => {
    const kinds = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const k = (v as { kind?: unknown }).kind;
        if (typeof k === 'string') kinds.add(k);
        Object.values(v).forEach(walk);
      }
    };
    for (const f of files) walk(check(readFileSync(f, 'utf8')).module);
    const expected = [
      'Import', 'DimDecl', 'LetDecl', 'ModelDecl', 'LossDecl', 'DataDecl', 'FeaturesDecl', 'GraphDecl', 'MemoryDecl',
      'ScheduleDecl', 'EnvDecl', 'TrainDecl', 'StrategyDecl', 'TrainClause', 'TrainBody', 'Stage',
      'Let', 'Write', 'Return', 'PatName', 'PatTuple', 'ValueBody', 'EntriesBody', 'DefBody',
      'NamedType', 'TensorType', 'RecordType', 'AxisName', 'AxisRest',
      'Number', 'String', 'TaggedString', 'Bool', 'Date', 'Name', 'Field', 'Member', 'Call', 'Binary', 'Unary',
      'Pipe', 'Range', 'List', 'Tuple', 'NamedTuple', 'Record', 'Paren', 'If',
    ];
    for (const k of expected) expect(kinds, k).toContain(k);
  });
});
