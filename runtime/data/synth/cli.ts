// `quiver data demo`: generate the embedded synthetic market from the
// command line.
//
//   quiver data demo [--preset small|csi300] [--seed N] [--out path]
//                    [--effect name=amp | name.param=value ...]
//
// Defaults: preset small, seed 0, out ./quiver-demo-<preset>.duckdb. An
// effect value `off` sets the amplitude to 0; booleans take true/false.
//
// Guarantees: never throws for bad input — every problem becomes a
// diagnostic (Q55xx) written as one line to `io.err`, with exit code 1; on
// success one summary line goes to `io.out` and the exit code is 0.

import type { Diagnostic } from '../../../compiler/diagnostics/diagnostic.js';
import { DiagnosticError } from '../../../compiler/diagnostics/diagnostic.js';
import { diag } from '../../../compiler/diagnostics/codes.js';
import { parseEffectAssignment, type EffectOverrides } from './effects.js';
import { generateMarket, type MarketSummary } from './index.js';
import { PRESET_NAMES, type PresetName } from './presets.js';

export interface DataDemoIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface DataDemoResult {
  code: number;
  summary?: MarketSummary;
  diagnostics: Diagnostic[];
}

const consoleIo: DataDemoIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export const DATA_DEMO_USAGE =
  'usage: quiver data demo [--preset small|csi300] [--seed N] [--out path] [--effect name=amp | name.param=value ...]';

interface DemoArgs {
  preset: PresetName;
  seed: number;
  out?: string;
  effects: EffectOverrides;
  help: boolean;
}

function bad(option: string, value: string, expected: string): DiagnosticError {
  return new DiagnosticError(diag('synthBadOption', { option, value, expected }));
}

export function parseDemoArgs(args: readonly string[]): DemoArgs {
  const parsed: DemoArgs = { preset: 'small', seed: 0, effects: {}, help: false };
  for (let k = 0; k < args.length; k++) {
    const raw = args[k]!;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const inline = eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[k + 1];
      if (next === undefined || next.startsWith('--')) throw bad(flag, '', 'a value after the flag');
      k++;
      return next;
    };
    switch (flag) {
      case '--help':
      case '-h':
        parsed.help = true;
        break;
      case '--preset': {
        const v = value();
        if (!(PRESET_NAMES as readonly string[]).includes(v)) {
          throw new DiagnosticError(diag('synthUnknownPreset', { preset: v, known: PRESET_NAMES.join(', ') }));
        }
        parsed.preset = v as PresetName;
        break;
      }
      case '--seed': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw bad('--seed', v, 'a non-negative integer');
        parsed.seed = n;
        break;
      }
      case '--out':
        parsed.out = value();
        break;
      case '--effect':
        parseEffectAssignment(value(), parsed.effects);
        break;
      default:
        throw bad(raw, '', 'one of --preset, --seed, --out, --effect, --help');
    }
  }
  return parsed;
}

function renderLine(d: Diagnostic): string {
  const hint = d.hints.length ? ` (${d.hints.join('; ')})` : '';
  return `${d.severity} ${d.code}: ${d.message}${hint}`;
}

export async function runDataDemo(args: readonly string[], io: DataDemoIo = consoleIo): Promise<DataDemoResult> {
  try {
    const a = parseDemoArgs(args);
    if (a.help) {
      io.out(DATA_DEMO_USAGE);
      return { code: 0, diagnostics: [] };
    }
    const out = a.out ?? `quiver-demo-${a.preset}.duckdb`;
    const summary = await generateMarket({ path: out, preset: a.preset, seed: a.seed, effects: a.effects });
    const mb = (summary.bytes / 1e6).toFixed(1);
    io.out(
      `quiver data demo: wrote ${summary.path} — preset ${summary.preset}, seed ${summary.seed}, ` +
        `${summary.start}..${summary.end} (${summary.days} days), ${summary.stocks} stocks (${summary.members} index members), ` +
        `${Object.keys(summary.tables).length} tables, ${mb} MB, version ${summary.version}, ` +
        `${(summary.timings.totalMs / 1000).toFixed(1)} s`,
    );
    return { code: 0, summary, diagnostics: [] };
  } catch (err) {
    const diagnostics =
      err instanceof DiagnosticError
        ? err.diagnostics
        : [diag('synthWriteFailed', { path: '(demo market)', reason: err instanceof Error ? err.message : String(err) })];
    for (const d of diagnostics) io.err(renderLine(d));
    return { code: 1, diagnostics };
  }
}
