// A small argument parser: positional arguments, `--flag`, `--key value` and
// `--key=value`. Unknown flags are reported by the caller (usage error, exit 2).

export interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
  /** repeated options (e.g. --effect a=1 --effect b=0) */
  multi: Map<string, string[]>;
}

export function parseArgs(argv: string[], valued: string[]): Parsed {
  const out: Parsed = { positional: [], flags: new Map(), multi: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value: string | true = true;
    if (eq > 0) value = a.slice(eq + 1);
    else if (valued.includes(key) && i + 1 < argv.length) value = argv[++i]!;
    out.flags.set(key, value);
    if (typeof value === 'string') out.multi.set(key, [...(out.multi.get(key) ?? []), value]);
  }
  return out;
}

/** The flags not in `known`, for a usage error. */
export function unknownFlags(p: Parsed, known: string[]): string[] {
  return [...p.flags.keys()].filter((k) => !known.includes(k));
}
