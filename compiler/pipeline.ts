// The compiler pipeline, in one place: resolve → check (elaborate) → passes.
//
// Passes run in this order: inline · const-fold · CSE · DCE · fuse · DCE.
// Each is a pure IR → IR function (compiler/passes/); tests run them one at a
// time. With QUIVER_VERIFY=1 (or `verify: true`; tests set it) the verifier
// runs on the checker's IR before the first pass and again after every pass; a
// failure becomes Q9001. QUIVER_DUMP=after:<pass> prints the IR after that
// pass to stderr (`after:check` prints the checker's IR).

import { checkResolved, type CheckResult } from './check/index.js';
import { diag } from './diagnostics/codes.js';
import type { Diagnostic } from './diagnostics/diagnostic.js';
import { printProgram } from './ir/print.js';
import type { Program } from './ir/types.js';
import { verifyProgram } from './ir/verify.js';
import { constFold } from './passes/const-fold.js';
import { cse } from './passes/cse.js';
import { dce } from './passes/dce.js';
import { fuse } from './passes/fuse.js';
import { inline } from './passes/inline.js';
import type { Pass, PassContext } from './passes/util.js';
import { resolve, type Host, type Resolved } from './resolve.js';

export const PASSES: { name: string; run: Pass }[] = [
  { name: 'inline', run: inline },
  { name: 'const-fold', run: constFold },
  { name: 'cse', run: cse },
  { name: 'dce', run: dce },
  { name: 'fuse', run: fuse },
  { name: 'dce-2', run: dce },
];

/** The points QUIVER_DUMP can name: the checker's IR and each pass's result. */
export const DUMP_POINTS = ['after:check', ...PASSES.map((p) => `after:${p.name}`)];

export interface CompileOptions {
  /** check every loaded module (stdlib included), not only the roots */
  all?: boolean;
  /** stop after checking (no passes) */
  checkOnly?: boolean;
  passContext?: PassContext;
  verify?: boolean;
  dump?: string;
}

export interface Compiled extends CheckResult {
  resolved: Resolved;
  /** the program after the passes (equal to `program` when checkOnly) */
  optimized: Program;
}

export function runPasses(p: Program, opts: CompileOptions = {}): { program: Program; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const verify = opts.verify ?? process.env['QUIVER_VERIFY'] === '1';
  const dump = opts.dump ?? process.env['QUIVER_DUMP'];
  let cur = p;
  if (verify) {
    const problems = verifyProgram(cur);
    if (problems.length) {
      diagnostics.push(diag('internalError', { what: `IR invalid after check: ${problems.slice(0, 3).join('; ')}` }));
      return { program: p, diagnostics };
    }
  }
  if (dump && !DUMP_POINTS.includes(dump)) process.stderr.write(`QUIVER_DUMP: no pass named ${dump.replace(/^after:/, '')}; use after:<${DUMP_POINTS.map((d) => d.slice(6)).join('|')}>\n`);
  if (dump === 'after:check') process.stderr.write(printProgram(cur));
  for (const pass of PASSES) {
    try {
      cur = pass.run(cur, opts.passContext ?? {});
    } catch (e) {
      diagnostics.push(diag('internalError', { what: `pass ${pass.name} failed: ${(e as Error).message}` }));
      return { program: p, diagnostics };
    }
    if (verify) {
      const problems = verifyProgram(cur);
      if (problems.length) {
        diagnostics.push(diag('internalError', { what: `IR invalid after ${pass.name}: ${problems.slice(0, 3).join('; ')}` }));
        return { program: p, diagnostics };
      }
    }
    if (dump === `after:${pass.name}`) process.stderr.write(printProgram(cur));
  }
  return { program: cur, diagnostics };
}

export function compileFiles(files: string[], host: Host, opts: CompileOptions = {}): Compiled {
  const resolved = resolve(files, host);
  let checked: CheckResult;
  try {
    checked = checkResolved(resolved, { all: opts.all ?? false });
  } catch (e) {
    // A crash in the checker is a compiler bug; the user gets Q9001, never a stack trace.
    const d = diag('internalError', { what: (e as Error).stack?.split('\n').slice(0, 3).join(' | ') ?? String(e) });
    return { resolved, program: { functions: {}, entries: [] }, plans: [], models: new Map(), diagnostics: [...resolved.diagnostics, d], optimized: { functions: {}, entries: [] } };
  }
  const diagnostics = [...resolved.diagnostics, ...checked.diagnostics];
  if (diagnostics.some((d) => d.severity === 'error')) return { ...checked, resolved, diagnostics, optimized: checked.program };
  if (opts.checkOnly) {
    // No passes, but the checker's IR is still verified when asked.
    const verify = opts.verify ?? process.env['QUIVER_VERIFY'] === '1';
    const problems = verify ? verifyProgram(checked.program) : [];
    if (problems.length) diagnostics.push(diag('internalError', { what: `IR invalid after check: ${problems.slice(0, 3).join('; ')}` }));
    return { ...checked, resolved, diagnostics, optimized: checked.program };
  }
  const passed = runPasses(checked.program, opts);
  return { ...checked, resolved, diagnostics: [...diagnostics, ...passed.diagnostics], optimized: passed.program };
}
