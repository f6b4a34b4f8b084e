// Test helpers for grammar/: the one entry point tests use (`check`), a
// readable AST dump for golden files, and the diagnostic renderer.
//
// The one-line form here (`file:line:col: error Qxxxx: message`) is for short
// expectations in unit tests; golden files (golden-parse.test.ts) use the
// user-facing renderer of compiler/diagnostics/render.ts.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../../compiler/diagnostics/diagnostic.js';
import { stripSpans, type Module } from '../../grammar/ast.js';
import { parse, print } from '../../grammar/index.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = join(ROOT, 'test/fixtures/language');

/** 1-based line and column of a UTF-16 offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** `file:line:col: error Qxxxx: message` */
export function renderDiagnostic(d: Diagnostic, text: string): string {
  const at = d.span ? lineCol(text, d.span.start) : { line: 0, col: 0 };
  return `${d.span?.file ?? '?'}:${at.line}:${at.col}: ${d.severity} ${d.code}: ${d.message}`;
}

/** Parse `text` and render its diagnostics: the single entry point of the grammar tests. */
export function check(text: string, file = 'test.qv'): { module: Module; diagnostics: Diagnostic[]; rendered: string[] } {
  const { module, diagnostics } = parse(text, file);
  return { module, diagnostics, rendered: diagnostics.map((d) => renderDiagnostic(d, text)) };
}

/** print, parse again: returns the reparsed module and its diagnostics. */
export function roundTrip(m: Module): { text: string; module: Module; diagnostics: Diagnostic[] } {
  const text = print(m);
  const r = parse(text, m.file);
  return { text, module: r.module, diagnostics: r.diagnostics };
}

export function fixtureFiles(): string[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.qv'))
    .sort()
    .map((f) => join(FIXTURES, f));
}

function isNode(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{kind: 'Ident', name}` prints as its name. */
function atom(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (isNode(v) && v['kind'] === 'Ident') return String(v['name']);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object' || (isNode(x) && x['kind'] === 'Ident'))) {
    return `[${v.map((x) => atom(x)).join(', ')}]`;
  }
  return undefined;
}

function dumpInto(v: unknown, indent: string, out: string[], head: string): void {
  if (Array.isArray(v)) {
    out.push(`${head}`);
    for (const x of v) dumpInto(x, `${indent}  `, out, `${indent}  -`);
    return;
  }
  const node = v as Record<string, unknown>;
  const attrs: string[] = [];
  const nested: [string, unknown][] = [];
  for (const [k, val] of Object.entries(node)) {
    if (k === 'kind') continue;
    const a = atom(val);
    if (a !== undefined) attrs.push(`${k}=${a}`);
    else nested.push([k, val]);
  }
  const kind = typeof node['kind'] === 'string' ? `${node['kind'] as string}` : '';
  out.push([head, kind, ...attrs].filter((s) => s.length).join(' '));
  for (const [k, val] of nested) {
    if (Array.isArray(val)) dumpInto(val, `${indent}  `, out, `${indent}  ${k}:`);
    else dumpInto(val, `${indent}  `, out, `${indent}  ${k}:`);
  }
}

/** A readable, span-free dump of a module for golden files. */
export function dumpAst(m: Module): string {
  const out: string[] = [];
  dumpInto(stripSpans(m), '', out, '');
  return out.join('\n') + '\n';
}
