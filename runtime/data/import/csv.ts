// CSV importer: Qlib dump_bin CSV layouts (one file per symbol, or one file
// with a symbol column; `.csv` or `.csv.gz`) → a market database.
//
// Assumes and guarantees: as for tabular.ts, which does the work; this file
// fixes the format so callers and the CLI name what they import.

import type { ImportResult } from './schema.js';
import { importTabular, type TabularImportOptions } from './tabular.js';

export type CsvImportOptions = TabularImportOptions;

/** Import CSV files (a file, a folder, or a list) into `opts.out`, atomically. */
export function importCsv(opts: CsvImportOptions): Promise<ImportResult> {
  return importTabular('csv', opts);
}
