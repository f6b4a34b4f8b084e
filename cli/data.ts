// `quiver data demo|import|inspect`: thin wrappers over the data layer's own
// command functions (which parse their flags and report diagnostics).

import { runDataImport, runDataInspect } from '../runtime/data/cli.js';
import { runDataDemo } from '../runtime/data/synth/cli.js';
import type { Io } from './main.js';

const USAGE = `usage:
  quiver data demo [--preset small|csi300] [--seed N] [--out market.duckdb] [--effect name=amplitude|name.param=value|name=off ...]
  quiver data import <csv|parquet|qlib-dir|sample> --out market.duckdb [options]
  quiver data inspect <market.duckdb> [--json]
`;

export async function runData(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  const dio = { out: io.out, err: io.err };
  switch (sub) {
    case 'demo':
      return (await runDataDemo(rest, dio)).code;
    case 'import':
      return runDataImport(rest, dio);
    case 'inspect':
      return runDataInspect(rest, dio);
    default:
      io.err(USAGE);
      return 2;
  }
}
