// The `quiver` command. Each subcommand returns an exit code:
// 0 success, 1 the input has errors (diagnostics printed), 2 usage errors.
// Bad input never ends in a stack trace: unexpected exceptions are reported as
// internal errors (Q9001) with exit code 3.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diag } from '../compiler/diagnostics/codes.js';
import type { Diagnostic } from '../compiler/diagnostics/diagnostic.js';
import { renderAll, toJson } from '../compiler/diagnostics/render.js';
import type { Host } from '../compiler/resolve.js';

function packageRoot(): string {
  // dist/cli/main.js → package root; cli/main.ts (tsx) → package root
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'stdlib'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

export const PACKAGE_ROOT = packageRoot();

export function nodeHost(): Host {
  return {
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    stdlibDir: join(PACKAGE_ROOT, 'stdlib'),
    resolvePath: (from, rel) => resolvePath(from, rel),
    listDir: (p) => {
      try {
        return statSync(p).isDirectory() ? readdirSync(p) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Expand files and folders into .qv files (sorted). */
export function qvFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        if (e.startsWith('.') || e === 'node_modules') continue;
        walk(join(p, e));
      }
    } else if (p.endsWith('.qv')) files.push(resolvePath(p));
  };
  for (const p of paths) {
    if (!existsSync(p)) missing.push(p);
    else walk(p);
  }
  return { files, missing };
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

export function printDiagnostics(io: Io, ds: Diagnostic[], sources: Map<string, string>, json: boolean): void {
  if (json) {
    io.out(JSON.stringify(ds.map((d) => toJson(d, sources)), null, 2) + '\n');
    return;
  }
  if (ds.length) io.err(renderAll(ds, { sources, displayPath: (f) => relative(process.cwd(), f) || f, color: io.color }) + '\n');
}

const USAGE = `usage: quiver <command> [options]

commands:
  check <files|dirs>... [--json]         check syntax, names, types and shapes
  fmt <files|dirs>... [--check|--stdout] format files in place
  explain <file> [--model M | --strategy S] [--out dir] [--no-passes] [--json]
                                         print the optimised IR; write DOT and HTML drawings
                                         (--json: diagnostics and IR as one JSON document, no drawings)
  run <file> [--strategy S] [--backend B] [--seed N] [--out dir] [--epochs N] [--resume]
                                         train, evaluate, backtest, report
  runs [--dir runs]                      list past runs with their key metrics
  compare <run-a> <run-b>                diff two runs' metrics and settings
  data demo [--preset small|csi300] [--seed N] [--out file]
  data import <source> --out market.duckdb [...]
  data inspect <market.duckdb>
  ops [--markdown]                       list the primitive ops
`;

export async function main(argv: string[], io: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), color: process.stderr.isTTY === true && !process.env['NO_COLOR'] }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      // Each command loads only what it needs (the compiler and parser cost
      // ~0.4 s to load, which `quiver data` does not need).
      case 'check':
        return (await import('./commands.js')).runCheck(rest, io);
      case 'fmt':
        return (await import('./commands.js')).runFmt(rest, io);
      case 'explain':
        return await (await import('./commands.js')).runExplain(rest, io);
      case 'ops':
        return (await import('./commands.js')).runOps(rest, io);
      case 'run': {
        const { runRun } = await import('./run.js');
        return await runRun(rest, io);
      }
      case 'runs': {
        const { runRuns } = await import('./run.js');
        return await runRuns(rest, io);
      }
      case 'compare': {
        const { runCompare } = await import('./run.js');
        return await runCompare(rest, io);
      }
      case 'data': {
        const { runData } = await import('./data.js');
        return await runData(rest, io);
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        io.err(`quiver: unknown command ${cmd}\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    const err = e as { diagnostics?: Diagnostic[] };
    if (Array.isArray(err.diagnostics)) {
      printDiagnostics(io, err.diagnostics, new Map(), false);
      return 1;
    }
    printDiagnostics(io, [diag('internalError', { what: (e as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(e) })], new Map(), false);
    return 3;
  }
}

