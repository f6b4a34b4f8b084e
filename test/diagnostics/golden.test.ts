// Diagnostic fixtures: every file in test/golden/diagnostics/ is a program
// with mistakes. Inline markers (`// ^^^^ Q3004` under the offending line)
// say which code must be reported exactly there; the rendered output (as
// `quiver check` prints it) is compared with <name>.diag.txt.
// UPDATE_GOLDEN=1 rewrites the .diag.txt files.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { position, renderAll } from '../../compiler/diagnostics/render.js';
import { compileFiles } from '../../compiler/pipeline.js';
import { ROOT, testHost } from '../helpers/compile.js';

const DIR = join(ROOT, 'test', 'golden', 'diagnostics');
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

describe('diagnostic fixtures', () => {
  for (const f of files) {
    it(f, () => {
      const path = join(DIR, f);
      const text = readFileSync(path, 'utf8');
      const c = compileFiles([path], testHost(), { checkOnly: true });
      // Markers may sit in the fixture or in files it imports from this folder.
      for (const [file, src] of c.resolved.sources) {
        if (!file.startsWith(DIR)) continue;
        checkMarkers(f, file, src, c.diagnostics);
      }
      const rendered = renderAll(c.diagnostics, { sources: c.resolved.sources, displayPath: (p) => relative(ROOT, p) }) + '\n';
      const golden = path.replace(/\.qv$/, '.diag.txt');
      if (process.env['UPDATE_GOLDEN'] === '1' || !existsSync(golden)) writeFileSync(golden, rendered);
      expect(rendered).toBe(readFileSync(golden, 'utf8'));
    });
  }
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
