// Compile Quiver source text in tests: a virtual file beside the real stdlib.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compileFiles, type CompileOptions, type Compiled } from '../../compiler/pipeline.js';
import type { Host } from '../../compiler/resolve.js';
import type { Func } from '../../compiler/ir/types.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const STDLIB = join(ROOT, 'stdlib');

export function testHost(files: Record<string, string> = {}): Host {
  return {
    readFile: (p) => {
      if (p in files) return files[p];
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    stdlibDir: STDLIB,
    resolvePath: (a, b) => resolve(a, b),
    listDir: (p) => {
      try {
        return statSync(p).isDirectory() ? readdirSync(p) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Compile one in-memory file (named `/virtual/<name>.qv`), with the real stdlib. */
export function compileSource(text: string, opts: CompileOptions & { name?: string } = {}): Compiled {
  const file = `/virtual/${opts.name ?? 'test'}.qv`;
  return compileFiles([file], testHost({ [file]: text }), { verify: true, ...opts });
}

/** The optimised IR function of model `name` (its functions are named after the model, with a suffix). */
export function modelFunction(c: Compiled, name: string): Func {
  const f = Object.values(c.optimized.functions).find((g) => g.name.startsWith(name));
  if (!f) throw new Error(`no function for model ${name}`);
  return f;
}

export function errorsOf(c: Compiled): string[] {
  return c.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
}
