// Parquet importer: Qlib dump_bin Parquet layouts (one file per symbol, or
// one file with a symbol column) → a market database.
//
// Assumes and guarantees: as for tabular.ts, which does the work; Parquet
// rows are numbered from 1 in diagnostics (`file:row`).

import type { ImportResult } from './schema.js';
import { importTabular, type TabularImportOptions } from './tabular.js';

export type ParquetImportOptions = TabularImportOptions;

/** Import Parquet files (a file, a folder, or a list) into `opts.out`, atomically. */
export function importParquet(opts: ParquetImportOptions): Promise<ImportResult> {
  return importTabular('parquet', opts);
}
