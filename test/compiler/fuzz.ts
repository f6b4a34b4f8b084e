// Mutation fuzzing of the whole compile path (resolve, check, lower, passes),
// shared by fuzz.test.ts and `npm run fuzz -- --compile N`.
//
// Seeds: every strategy, every stdlib module and every language fixture, each
// compiled at its real path (so `import "./markets.qv"` and `stdlib.*` still
// resolve); the mutant replaces that one file. Mutations are the parser
// fuzzer's (token deletions, swaps, duplications, byte flips, truncations)
// plus, as often as all of those together, a name or number replaced by
// another of the file's own, which mostly still parses and so exercises the
// checker, the lowering and the passes.
// For each mutant `checkCompileMutant` asserts what compileFiles guarantees on
// any input: it does not throw, it finishes within a time bound, it raises no
// Q9001 (the IR verifier runs before the first pass and after each one), every
// diagnostic has a Q-code, a one-line message and a span inside its file, and
// the diagnostics render. Unchanged modules are parsed once (Host.parseCache).

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderAll } from '../../compiler/diagnostics/render.js';
import type { ParseResult } from '../../grammar/index.js';
import { compileFiles } from '../../compiler/pipeline.js';
import type { Host } from '../../compiler/resolve.js';
import { ROOT, testHost } from '../helpers/compile.js';
import { mutants, SYNTAX_MUTATIONS, type Mutant } from '../grammar/fuzz.js';

export interface Seed {
  /** the real path the mutant stands in for */
  file: string;
  name: string;
  text: string;
}

function qvIn(dir: string): string[] {
  return readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.qv'))
    .sort()
    .map((f) => join(ROOT, dir, f));
}

/** strategies/*.qv, stdlib/*.qv, stdlib/models/*.qv and the language fixtures. */
export function compileSeeds(): Seed[] {
  return [...qvIn('strategies'), ...qvIn('stdlib'), ...qvIn('stdlib/models'), ...qvIn('test/fixtures/language')].map((file) => ({
    file,
    name: relative(ROOT, file),
    text: readFileSync(file, 'utf8'),
  }));
}

export interface CompileMutant extends Mutant {
  file: string;
}

/** `count` mutants cycling over the seeds, from `seed` (reproducible). */
export function* compileMutants(count: number, seed: number, seeds: Seed[] = compileSeeds()): Generator<CompileMutant> {
  const byName = new Map(seeds.map((s) => [s.name, s.file]));
  for (const m of mutants(count, seed, seeds, [...SYNTAX_MUTATIONS, 'replace', 'replace', 'replace'])) yield { ...m, file: byName.get(m.source)! };
}

/**
 * A parse cache that keeps only the unmutated files (the real text of each
 * path), so thousands of mutants do not pile up ASTs.
 */
export function pristineParseCache(): NonNullable<Host['parseCache']> {
  const cache = new Map<string, ParseResult>();
  const real = new Map<string, string | undefined>();
  const isReal = (key: string): boolean => {
    const at = key.indexOf('\0');
    const file = key.slice(0, at);
    if (!real.has(file)) {
      try {
        real.set(file, readFileSync(file, 'utf8'));
      } catch {
        real.set(file, undefined);
      }
    }
    return real.get(file) === key.slice(at + 1);
  };
  return {
    get: (k) => cache.get(k),
    set(k, v) {
      if (isReal(k)) cache.set(k, v);
      return this as never;
    },
  };
}

export interface CompileReport {
  ms: number;
  diagnostics: number;
  /** whether the mutant compiled without errors (and so went through the passes) */
  clean: boolean;
  problems: string[];
}

function compileOnce(m: CompileMutant, cache: Host['parseCache']): ReturnType<typeof compileFiles> {
  const host = { ...testHost({ [m.file]: m.text }), parseCache: cache };
  return compileFiles([m.file], host, { verify: true });
}

/** Checks one mutant against compileFiles' guarantees; returns the problems found (none is a pass). */
export function checkCompileMutant(m: CompileMutant, timeLimitMs: number, cache?: Host['parseCache']): CompileReport {
  const problems: string[] = [];
  const t0 = performance.now();
  let c: ReturnType<typeof compileFiles>;
  try {
    c = compileOnce(m, cache);
  } catch (e) {
    return { ms: performance.now() - t0, diagnostics: 0, clean: false, problems: [`compile threw: ${(e as Error).stack ?? String(e)}`] };
  }
  let ms = performance.now() - t0;
  // As in the parser fuzzer: a slow mutant is timed twice more, keeping the fastest.
  for (let retry = 0; retry < 2 && ms > timeLimitMs; retry++) {
    const t1 = performance.now();
    compileOnce(m, cache);
    ms = Math.min(ms, performance.now() - t1);
  }
  if (ms > timeLimitMs) problems.push(`took ${ms.toFixed(0)} ms`);
  for (const d of c.diagnostics) {
    if (!/^Q\d{4}$/.test(d.code)) problems.push(`bad code ${d.code}`);
    if (d.code === 'Q9001') problems.push(`compiler bug: ${d.message}`);
    if (!d.message || /[\r\n]/.test(d.message)) problems.push(`message not one line: ${JSON.stringify(d.message)}`);
    for (const sp of [d.span, ...d.related.map((r) => r.span)]) {
      if (!sp) continue;
      const text = c.resolved.sources.get(sp.file);
      if (text === undefined || sp.start < 0 || sp.start > sp.end || sp.end > text.length) {
        problems.push(`${d.code} span out of bounds: ${JSON.stringify(sp)} (text length ${text?.length ?? 'unknown file'})`);
      }
    }
  }
  try {
    renderAll(c.diagnostics, { sources: c.resolved.sources });
  } catch (e) {
    problems.push(`render threw: ${String(e)}`);
  }
  const clean = !c.diagnostics.some((d) => d.severity === 'error');
  return { ms, diagnostics: c.diagnostics.length, clean, problems };
}
