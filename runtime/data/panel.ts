// The panel: columnar market data shared by the expression engine, the
// dataset builder, the evaluator and the backtest.
//
// Layout: every field is one Float64Array of length instruments × days,
// instrument-major (value of instrument i on day d at i * days + d), so a
// time-series operator walks contiguous memory. NaN means missing
// (suspended, not yet listed, delisted).
//
// Invariant: `days` ascending and unique; `instruments` unique; every field has
// exactly instruments.length × days.length entries.

export interface Panel {
  /** Trading days, ISO `YYYY-MM-DD`, ascending. */
  days: string[];
  /** Instrument codes, e.g. `SH600000`. */
  instruments: string[];
  /** Field name (lower-case, no `$`) → values, instrument-major. */
  fields: Record<string, Float64Array>;
}

export function panelIndex(p: Panel, instrument: number, day: number): number {
  return instrument * p.days.length + day;
}

/** A panel with the given fields, all NaN. */
export function emptyPanel(days: string[], instruments: string[], fieldNames: string[]): Panel {
  const fields: Record<string, Float64Array> = {};
  for (const f of fieldNames) fields[f] = new Float64Array(days.length * instruments.length).fill(NaN);
  return { days, instruments, fields };
}

/** Check the panel's shape invariants; returns a description of the first violation, or null. */
export function panelProblem(p: Panel): string | null {
  const n = p.days.length * p.instruments.length;
  for (let i = 1; i < p.days.length; i++) {
    if (!(p.days[i - 1]! < p.days[i]!)) return `days not ascending at ${p.days[i]}`;
  }
  if (new Set(p.instruments).size !== p.instruments.length) return 'duplicate instruments';
  for (const [k, v] of Object.entries(p.fields)) {
    if (v.length !== n) return `field ${k} has ${v.length} values, expected ${n}`;
  }
  return null;
}
