// `quiver run`, `quiver runs`, `quiver compare`.
//
// Exit codes: 0 done, 1 the strategy has errors (diagnostics printed), 2 usage,
// 3 internal error (see main.ts).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { BackendName } from '../runtime/backend.js';
import { diag } from '../compiler/diagnostics/codes.js';
import { compileFiles } from '../compiler/pipeline.js';
import { parseArgs, unknownFlags } from './args.js';
import { nodeHost, printDiagnostics, qvFiles, type Io } from './main.js';

const RUN_FLAGS = ['strategy', 'backend', 'seed', 'out', 'epochs', 'resume', 'cache', 'quiet'];

function fmt(x: unknown, digits = 4): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
}

export async function runRun(argv: string[], io: Io): Promise<number> {
  const a = parseArgs(argv, ['strategy', 'backend', 'seed', 'out', 'epochs', 'cache']);
  const bad = unknownFlags(a, RUN_FLAGS);
  if (bad.length) {
    io.err(`quiver: unknown option --${bad[0]}\n`);
    return 2;
  }
  if (a.positional.length !== 1) {
    io.err('usage: quiver run <file.qv> [--strategy S] [--backend node-gpu|node|wasm|cpu] [--seed N] [--out dir] [--epochs N] [--resume]\n');
    return 2;
  }
  const { files, missing } = qvFiles(a.positional);
  if (missing.length || files.length !== 1) {
    io.err(`quiver: no such .qv file: ${a.positional[0]}\n`);
    return 2;
  }
  const num = (k: string): number | undefined => {
    const v = a.flags.get(k);
    if (typeof v !== 'string') return undefined;
    const n = Number(v);
    return Number.isInteger(n) ? n : NaN;
  };
  for (const k of ['seed', 'epochs']) {
    if (Number.isNaN(num(k))) {
      io.err(`quiver: --${k} needs an integer\n`);
      return 2;
    }
  }
  const c = compileFiles(files, nodeHost());
  printDiagnostics(io, c.diagnostics, c.resolved.sources, false);
  if (c.diagnostics.some((d) => d.severity === 'error')) return 1;
  const want = a.flags.get('strategy');
  const plan = typeof want === 'string' ? c.plans.find((p) => p.strategy === want) : c.plans[0];
  if (!plan) {
    const root = c.resolved.roots[0];
    const rl = root?.ast.decls.find((d) => d.kind === 'StrategyDecl' && (typeof want !== 'string' || d.name.name === want) && d.clauses.some((cl) => cl.head.name === 'env'));
    if (rl && rl.kind === 'StrategyDecl') {
      printDiagnostics(io, [diag('rlNotRunnable', { strategy: rl.name.name }, { span: rl.name.span })], c.resolved.sources, false);
      return 1;
    }
    const name = typeof want === 'string' ? want : '(any)';
    printDiagnostics(io, [diag('noStrategy', { name }, { location: relative(process.cwd(), files[0]!) || files[0]!, hints: [c.plans.length ? `strategies here: ${c.plans.map((p) => p.strategy).join(', ')}` : 'declare one: strategy name { data ..., model ... }'] })], c.resolved.sources, false);
    return 1;
  }
  if (typeof want !== 'string' && c.plans.length > 1) io.err(`quiver: running ${plan.strategy} (the file has ${c.plans.length} strategies; pick one with --strategy)\n`);
  const entries = [plan.predict.fn, ...plan.stages.map((s) => s.objective.fn)];
  const program = { functions: Object.fromEntries(entries.map((e) => [e, c.optimized.functions[e]!])), entries };
  const { runPlan } = await import('../runtime/run.js');
  const backend = a.flags.get('backend');
  const seed = num('seed');
  const epochs = num('epochs');
  const r = await runPlan({
    plan,
    program,
    ...(typeof backend === 'string' ? { backend: backend as BackendName } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(epochs !== undefined ? { epochs } : {}),
    ...(typeof a.flags.get('out') === 'string' ? { out: a.flags.get('out') as string } : {}),
    ...(typeof a.flags.get('cache') === 'string' ? { cacheDir: a.flags.get('cache') as string } : {}),
    resume: a.flags.has('resume'),
    quiet: a.flags.has('quiet'),
    log: (s) => io.err(s + '\n'),
  });
  const m = r.metrics;
  io.out(`\n${plan.strategy} — test segment (${plan.data.segments['test']?.start}..${plan.data.segments['test']?.end})\n`);
  io.out(`  IC ${fmt(m['IC'])}   ICIR ${fmt(m['ICIR'])}   Rank IC ${fmt(m['Rank IC'])}   Rank ICIR ${fmt(m['Rank ICIR'])}\n`);
  // The strategy's `evaluate [...]` metrics, three to a line.
  const listed = Object.entries(r.evaluated);
  for (let i = 0; i < listed.length; i += 3) {
    io.out(`  ${listed.slice(i, i + 3).map(([k, v]) => `${k} ${fmt(v)}`).join('   ')}\n`);
  }
  if (m['excess annualized return (with cost)'] !== undefined) {
    io.out(`  backtest (excess return over ${plan.backtest?.benchmark}, with cost): annualized ${fmt(m['excess annualized return (with cost)'])}   IR ${fmt(m['excess information ratio (with cost)'], 2)}   max drawdown ${fmt(m['excess max drawdown (with cost)'])}\n`);
    io.out(`  without cost: annualized ${fmt(m['excess annualized return (without cost)'])}   IR ${fmt(m['excess information ratio (without cost)'], 2)}   mean turnover ${fmt(m['mean turnover'], 3)}\n`);
  }
  io.out(`  time: data ${r.seconds.data.toFixed(1)} s, training ${r.seconds.train.toFixed(1)} s, backtest ${r.seconds.backtest.toFixed(2)} s, total ${r.seconds.total.toFixed(1)} s (${r.backend})\n`);
  io.out(`  report: ${relative(process.cwd(), join(r.dir, 'report.html'))}\n`);
  return 0;
}

interface RunInfo {
  dir: string;
  strategy: string;
  metrics: Record<string, number | null>;
  backend: string;
}

function readRuns(root: string): RunInfo[] {
  const out: RunInfo[] = [];
  if (!existsSync(root)) return out;
  for (const s of readdirSync(root).sort()) {
    const sdir = join(root, s);
    if (!existsSync(sdir)) continue;
    let entries: string[] = [];
    try {
      entries = readdirSync(sdir).sort();
    } catch {
      continue;
    }
    for (const r of entries) {
      const f = join(sdir, r, 'metrics.json');
      if (!existsSync(f)) continue;
      try {
        const j = JSON.parse(readFileSync(f, 'utf8')) as { metrics: Record<string, number | null>; backend: string };
        out.push({ dir: join(sdir, r), strategy: s, metrics: j.metrics, backend: j.backend });
      } catch {
        continue;
      }
    }
  }
  return out;
}

export async function runRuns(argv: string[], io: Io): Promise<number> {
  const a = parseArgs(argv, ['dir']);
  const root = typeof a.flags.get('dir') === 'string' ? (a.flags.get('dir') as string) : 'runs';
  const runs = readRuns(root);
  if (!runs.length) {
    io.out(`no finished runs under ${root}/\n`);
    return 0;
  }
  io.out(`${'run'.padEnd(48)} ${'IC'.padStart(8)} ${'ICIR'.padStart(8)} ${'RankIC'.padStart(8)} ${'AR(cost)'.padStart(9)} ${'IR(cost)'.padStart(9)} ${'MDD'.padStart(8)}\n`);
  for (const r of runs) {
    const m = r.metrics;
    io.out(
      `${relative(process.cwd(), r.dir).padEnd(48)} ${fmt(m['IC']).padStart(8)} ${fmt(m['ICIR']).padStart(8)} ${fmt(m['Rank IC']).padStart(8)} ${fmt(m['excess annualized return (with cost)']).padStart(9)} ${fmt(m['excess information ratio (with cost)'], 2).padStart(9)} ${fmt(m['excess max drawdown (with cost)']).padStart(8)}\n`,
    );
  }
  return 0;
}

/** Leaf settings as `a.b.0.c` → JSON (arrays by index, so one changed stage setting is one line). */
function flatten(prefix: string, v: unknown, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
  } else out.set(prefix, JSON.stringify(v));
}

export async function runCompare(argv: string[], io: Io): Promise<number> {
  const a = parseArgs(argv, []);
  if (a.positional.length !== 2) {
    io.err('usage: quiver compare <run-dir-a> <run-dir-b>\n');
    return 2;
  }
  const load = (d: string) => {
    const m = join(d, 'metrics.json');
    const p = join(d, 'plan.json');
    if (!existsSync(m) || !existsSync(p)) return undefined;
    return { metrics: JSON.parse(readFileSync(m, 'utf8')) as { metrics: Record<string, number | null> }, plan: JSON.parse(readFileSync(p, 'utf8')) as unknown };
  };
  const [A, B] = a.positional.map(load);
  if (!A || !B) {
    io.err(`quiver: ${!A ? a.positional[0] : a.positional[1]} is not a finished run folder (no metrics.json/plan.json)\n`);
    return 2;
  }
  io.out(`${'metric'.padEnd(42)} ${'a'.padStart(10)} ${'b'.padStart(10)} ${'b − a'.padStart(10)}\n`);
  const keys = [...new Set([...Object.keys(A.metrics.metrics), ...Object.keys(B.metrics.metrics)])];
  for (const k of keys) {
    const x = A.metrics.metrics[k];
    const y = B.metrics.metrics[k];
    const d = typeof x === 'number' && typeof y === 'number' ? y - x : NaN;
    io.out(`${k.padEnd(42)} ${fmt(x).padStart(10)} ${fmt(y).padStart(10)} ${fmt(d).padStart(10)}\n`);
  }
  const fa = new Map<string, string>();
  const fb = new Map<string, string>();
  flatten('', A.plan, fa);
  flatten('', B.plan, fb);
  const diffs = [...new Set([...fa.keys(), ...fb.keys()])].filter((k) => fa.get(k) !== fb.get(k));
  io.out(diffs.length ? `\nsettings that differ:\n` : '\nsame settings\n');
  for (const k of diffs.slice(0, 60)) io.out(`  ${k}: ${fa.get(k) ?? '(absent)'} → ${fb.get(k) ?? '(absent)'}\n`);
  if (diffs.length > 60) io.out(`  … ${diffs.length - 60} more\n`);
  return 0;
}
