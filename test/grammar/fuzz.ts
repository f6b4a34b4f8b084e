// Mutation fuzzing of the parser, shared by fuzz.test.ts and fuzz-cli.ts.
//
// Mutants come from the language fixtures by token deletions, token swaps,
// token duplications, random character flips and truncations (one to three
// edits each), from a seeded generator, so every run sees the same inputs.
// (test/compiler/fuzz.ts reuses them, plus same-kind token replacements.)
// For each mutant `checkMutant` asserts what parse() guarantees on any input:
// it does not throw, it finishes within a time bound (a runaway recovery loop
// shows up here), every diagnostic has a Q-code, a span inside the text and a
// one-line message, and no internal error (Q9001) is raised; the recovered
// module prints without throwing, and a mutant that happens to be valid
// round-trips through the printer.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { stripSpans, type Decl } from '../../grammar/ast.js';
import { parse, print } from '../../grammar/index.js';
import { lex } from '../../grammar/tokens.js';
import { fixtureFiles } from './helpers.js';
import { mulberry32 } from '../../runtime/random.js';

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export const rng = mulberry32;

const FLIP_CHARS = ['{', '}', '(', ')', '[', ']', '"', '/', '*', '$', '.', ',', ':', '=', '|', '>', '<', '-', '#', '\n', ' ', 'a', '1', '\\', '@'];

export type MutationKind = 'delete' | 'swap' | 'duplicate' | 'flip' | 'truncate' | 'replace';

/** The parser fuzzer's mutations; the compile fuzzer adds 'replace'. */
export const SYNTAX_MUTATIONS: MutationKind[] = ['delete', 'swap', 'duplicate', 'flip', 'truncate'];

export interface Mutant {
  source: string;
  kinds: MutationKind[];
  text: string;
}

export function mutateOnce(text: string, rand: () => number, kinds: MutationKind[] = SYNTAX_MUTATIONS): { kind: MutationKind; text: string } {
  const tokens = lex(text).tokens;
  const pick = (n: number): number => Math.floor(rand() * n);
  const kind = tokens.length < 2 ? 'flip' : kinds[pick(kinds.length)]!;
  const span = (i: number): [number, number] => {
    const t = tokens[i]!;
    return [t.startOffset, t.startOffset + t.image.length];
  };
  switch (kind) {
    case 'delete': {
      const [s, e] = span(pick(tokens.length));
      return { kind, text: text.slice(0, s) + text.slice(e) };
    }
    case 'swap': {
      const i = pick(tokens.length - 1);
      const [s1, e1] = span(i);
      const [s2, e2] = span(i + 1);
      return { kind, text: text.slice(0, s1) + text.slice(s2, e2) + text.slice(e1, s2) + text.slice(s1, e1) + text.slice(e2) };
    }
    case 'duplicate': {
      const [s, e] = span(pick(tokens.length));
      return { kind, text: text.slice(0, e) + ' ' + text.slice(s, e) + text.slice(e) };
    }
    case 'flip': {
      const at = pick(Math.max(1, text.length));
      return { kind, text: text.slice(0, at) + FLIP_CHARS[pick(FLIP_CHARS.length)]! + text.slice(at + 1) };
    }
    case 'truncate':
      return { kind, text: text.slice(0, pick(text.length + 1)) };
    case 'replace': {
      // A name or number swapped for another of the same token kind from the
      // same text: usually still parses, so it reaches the checker and passes.
      const i = pick(tokens.length);
      const t = tokens[i]!;
      const same = tokens.filter((u) => u.tokenType === t.tokenType && u.image !== t.image);
      if (!same.length) return { kind, text };
      const [s, e] = span(i);
      return { kind, text: text.slice(0, s) + same[pick(same.length)]!.image + text.slice(e) };
    }
  }
}

export function fixtureSources(): { name: string; text: string }[] {
  return fixtureFiles().map((f) => ({ name: f.split('/').pop()!, text: readFileSync(f, 'utf8') }));
}

/** `count` mutants, cycling over `sources` (the language fixtures by default), from `seed`. */
export function* mutants(count: number, seed: number, sources: { name: string; text: string }[] = fixtureSources(), allowed: MutationKind[] = SYNTAX_MUTATIONS): Generator<Mutant> {
  const rand = rng(seed);
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    let text = src.text;
    const kinds: MutationKind[] = [];
    const edits = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < edits; k++) {
      const m = mutateOnce(text, rand, allowed);
      kinds.push(m.kind);
      text = m.text;
    }
    yield { source: src.name, kinds, text };
  }
}

export interface MutantReport {
  ms: number;
  diagnostics: number;
  problems: string[];
}

/** Checks one mutant against parse()'s guarantees; returns the problems found (none is a pass). */
export function checkMutant(m: Mutant, timeLimitMs: number): MutantReport {
  const problems: string[] = [];
  const t0 = performance.now();
  let result: ReturnType<typeof parse>;
  try {
    result = parse(m.text, 'fuzz.qv');
  } catch (e) {
    return { ms: performance.now() - t0, diagnostics: 0, problems: [`parse threw: ${String(e)}`] };
  }
  let ms = performance.now() - t0;
  // A busy machine can stall any one parse (GC, scheduling): time a slow
  // mutant twice more and keep the fastest; a runaway recovery loop is slow
  // every time.
  for (let retry = 0; retry < 2 && ms > timeLimitMs; retry++) {
    const t1 = performance.now();
    parse(m.text, 'fuzz.qv');
    ms = Math.min(ms, performance.now() - t1);
  }
  if (ms > timeLimitMs) problems.push(`took ${ms.toFixed(0)} ms`);
  for (const d of result.diagnostics) {
    if (!/^Q\d{4}$/.test(d.code)) problems.push(`bad code ${d.code}`);
    if (d.code === 'Q9001') problems.push(`internal error: ${d.message}`);
    if (!d.span || d.span.start < 0 || d.span.end > m.text.length || d.span.start > d.span.end) {
      problems.push(`span out of bounds: ${JSON.stringify(d.span)} (text length ${m.text.length})`);
    }
    if (!d.message || /[\r\n]/.test(d.message)) problems.push(`message not one line: ${JSON.stringify(d.message)}`);
  }
  try {
    const printed = print(result.module);
    if (result.diagnostics.length === 0) {
      const again = parse(printed, 'fuzz.qv');
      if (again.diagnostics.length) problems.push(`valid mutant printed to invalid text: ${again.diagnostics[0]!.message}`);
      else if (JSON.stringify(stripSpans(again.module)) !== JSON.stringify(stripSpans(result.module))) {
        problems.push('valid mutant did not round-trip');
      }
    }
  } catch (e) {
    problems.push(`print threw: ${String(e)}`);
  }
  return { ms, diagnostics: result.diagnostics.length, problems };
}

// ── Damaged declaration pairs ───────────────────────────────────────────────

// Two openers or two closers: the brackets can then never balance, so the
// damaged text is certainly invalid (other strays sometimes make valid code:
// `label let : x` is a clause with a `let:` entry).
const STRAY_OPEN = [' ( ', ' [ ', ' { '];
const STRAY_CLOSE = [' ) ', ' ] ', ' } '];

/** Two declarations of a fixture, each damaged by a stray token (see recovery.test.ts). */
export interface PairCase {
  file: string;
  i: number;
  j: number;
  text: string;
  /** Where each damaged declaration's diagnostic may be: its text and the token after it. */
  ranges: [number, number][];
  untouched: Decl[];
}

/** Every declaration pair of every fixture, each damaged at a token chosen by `seed`. */
export function pairCases(seed: number): PairCase[] {
  const rand = rng(seed);
  const out: PairCase[] = [];
  for (const f of fixtureFiles()) {
    const text = readFileSync(f, 'utf8');
    const decls = parse(text, 'f.qv').module.decls;
    const toks = lex(text).tokens;
    const inside = (d: Decl) => toks.filter((t) => t.startOffset > d.span.start && t.startOffset < d.span.end);
    for (let i = 0; i < decls.length; i++) {
      for (let j = i + 1; j < decls.length; j++) {
        const ti = inside(decls[i]!);
        const tj = inside(decls[j]!);
        if (!ti.length || !tj.length) continue;
        const a = ti[Math.floor(rand() * ti.length)]!.startOffset;
        const b = tj[Math.floor(rand() * tj.length)]!.startOffset;
        const strays = rand() < 0.5 ? STRAY_OPEN : STRAY_CLOSE;
        const sa = strays[Math.floor(rand() * strays.length)]!;
        const sb = strays[Math.floor(rand() * strays.length)]!;
        const damaged = text.slice(0, a) + sa + text.slice(a, b) + sb + text.slice(b);
        // An unclosed bracket is only noticed at the token after the
        // declaration, so that token still counts as inside it.
        const after = lex(damaged).tokens.map((t) => t.startOffset);
        const through = (end: number): number => (after.find((o) => o >= end) ?? damaged.length) + 1;
        out.push({
          file: basename(f),
          i,
          j,
          text: damaged,
          ranges: [
            [decls[i]!.span.start, through(decls[i]!.span.end + sa.length)],
            [decls[j]!.span.start + sa.length, through(decls[j]!.span.end + sa.length + sb.length)],
          ],
          untouched: decls.filter((_, k) => k !== i && k !== j),
        });
      }
    }
  }
  return out;
}
