// Diagnostic fixtures: every file in test/golden/diagnostics/ is a program
// with mistakes. Inline markers (`// ^^^^ Q3004` under the offending line)
// say which code must be reported exactly there; the rendered output (as
// `quiver check` prints it) is compared with <name>.diag.txt. Two codes do
// not come from `quiver check` on a file: Q2012 (`quiver run --strategy` names
// a strategy the file lacks) is rendered by running the CLI, and Q9001 (a
// compiler bug) by compiling with a fusion rule that throws, as a broken pass
// would. A missing .diag.txt fails; UPDATE_GOLDEN=1 writes (and rewrites) them.
// The last test checks that every Q1xxx–Q4xxx code and Q9001 has a golden
// rendering here or in test/golden/parse/ (syntax errors).

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
import { codeList } from '../../compiler/diagnostics/codes.js';
import { position, renderAll } from '../../compiler/diagnostics/render.js';
import { compileFiles, type Compiled } from '../../compiler/pipeline.js';
import { ROOT, testHost } from '../helpers/compile.js';

const DIR = join(ROOT, 'test', 'golden', 'diagnostics');
const PARSE_DIR = join(ROOT, 'test', 'golden', 'parse');
const MARKER = /^(\s*)\/\/(\s*)(\^+)\s+(Q\d{4})\s*$/;

interface Marker {
  line: number;
  col: number;
  width: number;
  code: string;
}

function markers(text: string): Marker[] {
  const lines = text.split('\n');
  const out: Marker[] = [];
  let target = 0;
  lines.forEach((l, i) => {
    const m = MARKER.exec(l);
    if (!m) {
      target = i + 1;
      return;
    }
    const col = l.indexOf('^') + 1;
    out.push({ line: target, col, width: m[3]!.length, code: m[4]! });
  });
  return out;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.qv')).sort();
const update = process.env['UPDATE_GOLDEN'] === '1';

/** Compare with the golden file; a missing one fails unless UPDATE_GOLDEN=1 writes it. */
function expectGolden(golden: string, rendered: string): void {
  if (update) writeFileSync(golden, rendered);
  expect(existsSync(golden), `${relative(ROOT, golden)} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(rendered).toBe(readFileSync(golden, 'utf8'));
}

function rendered(c: Compiled): string {
  return renderAll(c.diagnostics, { sources: c.resolved.sources, displayPath: (p) => relative(ROOT, p) }) + '\n';
}

/** Fixtures whose diagnostics come from somewhere other than `quiver check`. */
const SPECIAL: Record<string, (path: string) => Promise<string>> = {
  // `quiver run <file> --strategy nope`, as the user sees it (the CLI prints paths relative to the working folder)
  'q2012-no-strategy.qv': async (path) => {
    let err = '';
    const cwd = process.cwd();
    process.chdir(ROOT);
    try {
      const code = await main(['run', relative(ROOT, path), '--strategy', 'nope'], { out: () => {}, err: (s) => (err += s), color: false });
      expect(code).toBe(1);
    } finally {
      process.chdir(cwd);
    }
    return err;
  },
  // a pass that throws is a compiler bug: Q9001, with no blame on the program
  'q9001-internal-error.qv': async (path) => {
    const broken = { name: 'broken', apply: () => { throw new Error('rule broke on purpose'); } };
    const c = compileFiles([path], testHost(), { passContext: { fusions: [broken] }, verify: true });
    expect(c.diagnostics.map((d) => d.code)).toEqual(['Q9001']);
    return rendered(c);
  },
};

describe('diagnostic fixtures', () => {
  for (const f of files) {
    it(f, async () => {
      const path = join(DIR, f);
      const golden = path.replace(/\.qv$/, '.diag.txt');
      const special = SPECIAL[f];
      if (special) {
        expectGolden(golden, await special(path));
        return;
      }
      const c = compileFiles([path], testHost(), { checkOnly: true });
      // Markers may sit in the fixture or in files it imports from this folder.
      for (const [file, src] of c.resolved.sources) {
        if (!file.startsWith(DIR)) continue;
        checkMarkers(f, file, src, c.diagnostics);
      }
      expectGolden(golden, rendered(c));
    });
  }

  it('every special fixture exists', () => {
    for (const f of Object.keys(SPECIAL)) expect(files).toContain(f);
  });
});

describe('golden coverage', () => {
  it('every Q1xxx–Q4xxx code and Q9001 has a golden rendering (error[Qxxxx] with its message)', () => {
    const goldens = [
      ...readdirSync(DIR).filter((f) => f.endsWith('.diag.txt')).map((f) => readFileSync(join(DIR, f), 'utf8')),
      ...readdirSync(PARSE_DIR).filter((f) => f.endsWith('.ast.txt')).map((f) => readFileSync(join(PARSE_DIR, f), 'utf8')),
    ].join('\n');
    const wanted = codeList().filter((c) => /^Q[1-4]/.test(c.code) || c.code === 'Q9001');
    const missing = wanted.filter((c) => !new RegExp(`(error|warning|note)\\[${c.code}\\]: .+\\n(  --> .+|  = hint: .+)`).test(goldens)).map((c) => `${c.code} ${c.key}`);
    expect(missing).toEqual([]);
  });
});

function checkMarkers(f: string, path: string, text: string, all: import('../../compiler/diagnostics/diagnostic.js').Diagnostic[]): void {
  const mine = all.filter((d) => d.span?.file === path);
  for (const m of markers(text)) {
    const hit = mine.find((d) => {
      if (d.code !== m.code || !d.span) return false;
      const a = position(text, d.span.start);
      const b = position(text, d.span.end);
      return a.line === m.line && a.col === m.col && b.col - a.col === m.width;
    });
    expect(hit, `${f}: expected ${m.code} at ${m.line}:${m.col} (width ${m.width}); got ${mine.map((d) => `${d.code}@${d.span ? `${position(text, d.span.start).line}:${position(text, d.span.start).col}-${position(text, d.span.end).col}` : '?'}`).join(', ')}`).toBeDefined();
  }
}
