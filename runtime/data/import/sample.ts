// The real CSI300 sample (shared/data/README.md) → a market database:
// sample_csi300_2018-2020.csv.gz (instrument, date, open, high, low, close,
// volume, factor; no vwap → NULL), csi300_membership_intervals.csv →
// universe 'csi300', trading_calendar_2010_2026.csv → calendar restricted to
// the data's range. SH000300 / SH000905 stay rows of bars_daily (index
// series). Volume-0 rows are suspended days: NULL prices, volume and factor,
// counted in meta.suspended_rows.
//
// Assumes: the three files sit in one folder (`dir`); `sampleDir()` finds
// the folder from QUIVER_SAMPLE_DIR or a `shared/data` folder at or above
// the working directory or this module.
// Guarantees: as for the CSV importer (atomic, diagnostics instead of throws).

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImportResult, ProgressFn } from './schema.js';
import { importTabular } from './tabular.js';

export const SAMPLE_FILES = {
  bars: 'sample_csi300_2018-2020.csv.gz',
  membership: 'csi300_membership_intervals.csv',
  calendar: 'trading_calendar_2010_2026.csv',
} as const;

/** The sample's folder (the copy in the repository's data/csi300-sample, or a shared/data folder), or null when none is found. */
export function sampleDir(): string | null {
  const env = process.env.QUIVER_SAMPLE_DIR;
  if (env && existsSync(join(env, SAMPLE_FILES.bars))) return env;
  const starts = [process.cwd(), dirname(fileURLToPath(import.meta.url))];
  for (const start of starts) {
    let dir = resolve(start);
    for (;;) {
      for (const cand of [join(dir, 'data', 'csi300-sample'), join(dir, 'shared', 'data'), join(dir, '..', 'shared', 'data')]) {
        if (existsSync(join(cand, SAMPLE_FILES.bars))) return resolve(cand);
      }
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

export interface SampleImportOptions {
  out: string;
  /** Folder holding the three sample files (default: sampleDir()). */
  dir?: string;
  onProgress?: ProgressFn;
  threads?: number;
}

/** Import the CSI300 sample into `opts.out`. */
export function importSample(opts: SampleImportOptions): Promise<ImportResult> {
  const dir = opts.dir ?? sampleDir() ?? join('shared', 'data');
  const bars = join(dir, SAMPLE_FILES.bars);
  return importTabular('csv', {
    source: bars,
    out: opts.out,
    symbolCol: 'instrument',
    dateCol: 'date',
    universeFiles: [{ name: 'csi300', path: join(dir, SAMPLE_FILES.membership) }],
    calendarFile: join(dir, SAMPLE_FILES.calendar),
    indexes: ['SH000300', 'SH000905'],
    zeroVolumeSuspended: true,
    importer: 'sample',
    sourceLabel: bars,
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  });
}
