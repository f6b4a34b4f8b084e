// `quiver check`, `quiver fmt`, `quiver explain`, `quiver ops`.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { format } from '../grammar/index.js';
import { funcToDot } from '../compiler/ir/dot.js';
import { printFunc, printProgram } from '../compiler/ir/print.js';
import type { Func, Program } from '../compiler/ir/types.js';
import { opsMarkdown, allOps } from '../compiler/ops/registry.js';
import { toJson } from '../compiler/diagnostics/render.js';
import { compileFiles } from '../compiler/pipeline.js';
import { parseArgs, unknownFlags } from './args.js';
import { nodeHost, printDiagnostics, qvFiles, type Io } from './main.js';

function usage(io: Io, msg: string): number {
  io.err(`quiver: ${msg}\n`);
  return 2;
}

export function runCheck(argv: string[], io: Io): number {
  const a = parseArgs(argv, []);
  const bad = unknownFlags(a, ['json', 'all']);
  if (bad.length) return usage(io, `unknown option --${bad[0]}`);
  if (a.positional.length === 0) return usage(io, 'check needs files or folders');
  const { files, missing } = qvFiles(a.positional);
  if (missing.length) return usage(io, `no such file or folder: ${missing.join(', ')}`);
  const t0 = performance.now();
  const c = compileFiles(files, nodeHost(), { checkOnly: true, all: a.flags.has('all') });
  const ms = performance.now() - t0;
  const json = a.flags.has('json');
  printDiagnostics(io, c.diagnostics, c.resolved.sources, json);
  const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = c.diagnostics.filter((d) => d.severity === 'warning').length;
  if (!json) {
    io.err(`checked ${files.length} file${files.length === 1 ? '' : 's'} in ${ms.toFixed(0)} ms: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  }
  return errors ? 1 : 0;
}

export function runFmt(argv: string[], io: Io): number {
  const a = parseArgs(argv, []);
  const bad = unknownFlags(a, ['check', 'stdout']);
  if (bad.length) return usage(io, `unknown option --${bad[0]}`);
  if (a.positional.length === 0) return usage(io, 'fmt needs files or folders');
  const { files, missing } = qvFiles(a.positional);
  if (missing.length) return usage(io, `no such file or folder: ${missing.join(', ')}`);
  let failed = false;
  let changed = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    const r = format(text, f);
    if (r.diagnostics.some((d) => d.severity === 'error')) {
      printDiagnostics(io, r.diagnostics, new Map([[f, text]]), false);
      failed = true;
      continue;
    }
    if (a.flags.has('stdout')) {
      io.out(r.text);
      continue;
    }
    if (r.text === text) continue;
    changed++;
    if (a.flags.has('check')) io.out(`${relative(process.cwd(), f)} is not formatted\n`);
    else {
      writeFileSync(f, r.text);
      io.out(`formatted ${relative(process.cwd(), f)}\n`);
    }
  }
  if (failed) return 1;
  return a.flags.has('check') && changed > 0 ? 1 : 0;
}

function pickFunction(p: Program, models: Map<string, string>, model?: string, strategy?: string): Func | undefined {
  if (model) {
    const fn = models.get(model) ?? model;
    return p.functions[fn];
  }
  if (strategy) return p.functions[`${strategy}.model`];
  const first = p.entries[0];
  return first ? p.functions[first] : undefined;
}

export async function runExplain(argv: string[], io: Io): Promise<number> {
  const a = parseArgs(argv, ['model', 'strategy', 'out']);
  const bad = unknownFlags(a, ['model', 'strategy', 'out', 'no-passes', 'json']);
  if (bad.length) return usage(io, `unknown option --${bad[0]}`);
  if (a.positional.length !== 1) return usage(io, 'explain needs one file');
  const { files, missing } = qvFiles(a.positional);
  if (missing.length || files.length !== 1) return usage(io, `no such .qv file: ${a.positional[0]}`);
  const noPasses = a.flags.has('no-passes');
  const json = a.flags.has('json');
  const c = compileFiles(files, nodeHost(), { checkOnly: noPasses });
  const failed = c.diagnostics.some((d) => d.severity === 'error');
  const program = noPasses ? c.program : c.optimized;
  const model = typeof a.flags.get('model') === 'string' ? (a.flags.get('model') as string) : undefined;
  const strategy = typeof a.flags.get('strategy') === 'string' ? (a.flags.get('strategy') as string) : undefined;
  const f = failed ? undefined : pickFunction(program, c.models, model, strategy);
  const absent = model !== undefined || strategy !== undefined ? `no ${model !== undefined ? `model ${model}` : `strategy ${strategy}`} in ${a.positional[0]}` : `${a.positional[0]} declares no model or strategy`;
  if (json) {
    // One JSON document on stdout: the diagnostics and the IR (the whole
    // program, or the chosen function), in the IR's own JSON form (compiler/ir/types.ts).
    const out: { diagnostics: object[]; program?: Program; function?: Func; error?: string } = { diagnostics: c.diagnostics.map((d) => toJson(d, c.resolved.sources)) };
    if (!failed && !f) out.error = absent;
    else if (f && (model || strategy)) out.function = f;
    else if (!failed) out.program = program;
    io.out(JSON.stringify(out, null, 2) + '\n');
    return failed || !f ? 1 : 0;
  }
  printDiagnostics(io, c.diagnostics, c.resolved.sources, false);
  if (failed) return 1;
  if (!model && !strategy) {
    io.out(printProgram(program));
  }
  if (!f) {
    io.err(`quiver: ${absent}\n`);
    return 1;
  }
  if (model || strategy) io.out(printFunc(f) + '\n');
  const out = typeof a.flags.get('out') === 'string' ? (a.flags.get('out') as string) : '.quiver/explain';
  mkdirSync(out, { recursive: true });
  const base = join(out, `${basename(files[0]!, '.qv')}.${f.name.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  const dot = funcToDot(f);
  writeFileSync(`${base}.dot`, dot);
  const { renderDot } = await import('../runtime/report/graph.js');
  const svg = await renderDot(dot, 'g');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${f.name}</title><style>body{font-family:sans-serif;margin:1em}pre{background:#f5f5f5;padding:1em;overflow:auto}</style></head><body><h1>${f.name}</h1>${svg.ok ? svg.svg : `<p>the graph could not be drawn: ${svg.reason}</p>`}<h2>IR</h2><pre>${printFunc(f).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre></body></html>\n`;
  writeFileSync(`${base}.html`, html);
  io.err(`wrote ${relative(process.cwd(), base)}.dot and .html\n`);
  return 0;
}

export function runOps(argv: string[], io: Io): number {
  const a = parseArgs(argv, []);
  if (a.flags.has('markdown')) {
    io.out(opsMarkdown() + '\n');
    return 0;
  }
  for (const op of allOps) io.out(`${op.name.padEnd(20)} ${op.family.padEnd(13)} ${op.doc}\n`);
  return 0;
}
