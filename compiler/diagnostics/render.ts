// Renders diagnostics like rustc/tsc: the code and message, `file:line:col`,
// the source line with a caret underline, related spans with their notes, and
// hints. Also line/column lookup for --json output.

import type { Diagnostic, Span } from './diagnostic.js';

export interface Position {
  line: number;
  col: number;
}

/** 1-based line and column of an offset. */
export function position(text: string, offset: number): Position {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: end - start + 1 };
}

function lineText(text: string, line: number): string {
  return text.split('\n')[line - 1] ?? '';
}

export interface RenderOptions {
  /** file → text */
  sources: Map<string, string>;
  /** shorten file paths (e.g. relative to the working directory) */
  displayPath?: (file: string) => string;
  color?: boolean;
}

function paint(on: boolean | undefined, code: string, s: string): string {
  return on ? `\u001b[${code}m${s}\u001b[0m` : s;
}

function snippet(span: Span, text: string, label: string, opts: RenderOptions, mark: string): string[] {
  const a = position(text, span.start);
  const b = position(text, Math.max(span.start, span.end - 1));
  const src = lineText(text, a.line);
  const gutter = String(b.line).length;
  const pad = ' '.repeat(gutter);
  const width = b.line === a.line ? Math.max(1, b.col - a.col + 1) : Math.max(1, src.length - a.col + 1);
  const out = [`${pad} |`, `${String(a.line).padStart(gutter)} | ${src}`, `${pad} | ${' '.repeat(a.col - 1)}${paint(opts.color, mark === '^' ? '31' : '36', mark.repeat(width))}${label ? ` ${label}` : ''}`];
  return out;
}

export function location(span: Span, opts: RenderOptions): string {
  const text = opts.sources.get(span.file);
  const file = opts.displayPath ? opts.displayPath(span.file) : span.file;
  if (text === undefined) return file;
  const p = position(text, span.start);
  return `${file}:${p.line}:${p.col}`;
}

export function renderDiagnostic(d: Diagnostic, opts: RenderOptions): string {
  const sev = d.severity === 'error' ? paint(opts.color, '31;1', 'error') : d.severity === 'warning' ? paint(opts.color, '33;1', 'warning') : 'note';
  const lines = [`${sev}[${d.code}]: ${d.message}`];
  if (d.span) {
    const text = opts.sources.get(d.span.file);
    lines.push(`  --> ${location(d.span, opts)}`);
    if (text !== undefined) lines.push(...snippet(d.span, text, '', opts, '^').map((l) => `  ${l}`));
  } else if (d.location) {
    lines.push(`  --> ${d.location}`);
  }
  for (const r of d.related) {
    const text = opts.sources.get(r.span.file);
    lines.push(`  ::: ${location(r.span, opts)}`);
    if (text !== undefined) lines.push(...snippet(r.span, text, r.message, opts, '-').map((l) => `  ${l}`));
    else lines.push(`      ${r.message}`);
  }
  for (const h of d.hints) lines.push(`  = hint: ${h}`);
  return lines.join('\n');
}

export function renderAll(ds: readonly Diagnostic[], opts: RenderOptions): string {
  return ds.map((d) => renderDiagnostic(d, opts)).join('\n\n');
}

/** JSON form for `--json`: the diagnostic plus line/column of each span. */
export function toJson(d: Diagnostic, sources: Map<string, string>): object {
  const at = (s: Span) => {
    const text = sources.get(s.file);
    if (text === undefined) return { file: s.file, start: s.start, end: s.end };
    const a = position(text, s.start);
    const b = position(text, s.end);
    return { file: s.file, start: s.start, end: s.end, line: a.line, col: a.col, endLine: b.line, endCol: b.col };
  };
  return {
    code: d.code,
    key: d.key,
    severity: d.severity,
    message: d.message,
    ...(d.span ? { span: at(d.span) } : {}),
    ...(d.location ? { location: d.location } : {}),
    hints: d.hints,
    related: d.related.map((r) => ({ message: r.message, span: at(r.span) })),
  };
}
