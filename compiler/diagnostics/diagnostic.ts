// Diagnostics are values. Every stage (parser, checker, data loader, trainer)
// returns them instead of throwing; the CLI renders them (render.ts).
//
// Invariant: a Diagnostic is plain JSON data (no class instances), so it can be
// printed with --json, snapshotted in golden files and sent across workers.

export type Severity = 'error' | 'warning' | 'note';

/** A source range: UTF-16 offsets [start, end) into the text of `file`. */
export interface Span {
  file: string;
  start: number;
  end: number;
}

export interface Related {
  span: Span;
  message: string;
}

export interface Diagnostic {
  /** Stable identifier from the code table, e.g. 'shapeMismatch'. */
  key: string;
  /** Public code, e.g. 'Q3004'. */
  code: string;
  severity: Severity;
  message: string;
  /** Primary location; absent for diagnostics about things with no source text. */
  span?: Span;
  /** A location outside any .qv source, e.g. 'bars.csv row 17' or a .bin file path. */
  location?: string;
  hints: string[];
  related: Related[];
}

export function isError(d: Diagnostic): boolean {
  return d.severity === 'error';
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some(isError);
}

/** A span covering both a and b (same file assumed). */
export function joinSpans(a: Span, b: Span): Span {
  return { file: a.file, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/**
 * The error type for failures that cross an API boundary where returning a
 * diagnostic list is impractical (e.g. deep inside an async data import).
 * Catch it at the stage boundary and turn it back into its diagnostics;
 * never let it reach the user as a stack trace.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[] | Diagnostic) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics];
    super(list.map((d) => `${d.code}: ${d.message}`).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = list;
  }
}
