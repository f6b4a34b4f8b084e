// `quiver data demo|import|inspect`.

import { resolve } from 'node:path';
import { generateMarket, PRESET_NAMES, type EffectOverrides } from '../runtime/data/synth/index.js';
import { runDataImport, runDataInspect } from '../runtime/data/cli.js';
import { parseArgs, unknownFlags } from './args.js';
import type { Io } from './main.js';

const USAGE = `usage:
  quiver data demo [--preset small|csi300] [--seed N] [--out market.duckdb] [--effect name=amplitude ...]
  quiver data import <csv|parquet|qlib-dir|sample> --out market.duckdb [options]
  quiver data inspect <market.duckdb> [--json]
`;

async function runDemo(argv: string[], io: Io): Promise<number> {
  const a = parseArgs(argv, ['preset', 'seed', 'out', 'effect']);
  const bad = unknownFlags(a, ['preset', 'seed', 'out', 'effect']);
  if (bad.length || a.positional.length) {
    io.err(`quiver: ${bad.length ? `unknown option --${bad[0]}` : `unexpected ${a.positional[0]}`}\n${USAGE}`);
    return 2;
  }
  const preset = String(a.flags.get('preset') ?? 'small');
  if (!PRESET_NAMES.includes(preset as 'small')) {
    io.err(`quiver: unknown preset ${preset} (${PRESET_NAMES.join(', ')})\n`);
    return 2;
  }
  const seed = Number(a.flags.get('seed') ?? 7);
  if (!Number.isInteger(seed)) {
    io.err('quiver: --seed needs an integer\n');
    return 2;
  }
  const effects: EffectOverrides = {};
  for (const e of a.multi.get('effect') ?? []) {
    const [name, amp] = e.split('=');
    const v = Number(amp);
    if (!name || !Number.isFinite(v)) {
      io.err(`quiver: --effect takes name=amplitude, got ${e}\n`);
      return 2;
    }
    (effects as Record<string, number>)[name] = v;
  }
  const out = resolve(String(a.flags.get('out') ?? `demo-${preset}-${seed}.duckdb`));
  const s = await generateMarket({ path: out, preset: preset as 'small', seed, effects });
  io.out(`wrote ${out}: ${s.stocks} stocks (${s.members} members), ${s.days} days ${s.start}..${s.end}, ${(s.bytes / 1e6).toFixed(1)} MB in ${(s.timings.totalMs / 1000).toFixed(1)} s\n`);
  return 0;
}

export async function runData(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const dio = { out: io.out, err: io.err };
  switch (sub) {
    case 'demo':
      return runDemo(rest, io);
    case 'import':
      return runDataImport(rest, dio);
    case 'inspect':
      return runDataInspect(rest, dio);
    default:
      io.err(USAGE);
      return 2;
  }
}
