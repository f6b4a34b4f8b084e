// `npm run bench`: every benchmark in turn, each in its own process so they
// do not share a heap or a warmed-up backend. Pass names to run a subset:
//   npm run bench -- check backtest
// Benchmarks: check (compiler speed), alpha158 (features vs pandas),
// epoch-tensors (DuckDB → one epoch of Alpha360 tensors), backtest
// (Qlib TopkDropout), gru-step (training step vs torch), epoch-memory (one
// full CSI300-size GRU training epoch through the real dataset path, peak
// RSS against the 2 GiB bar; minutes), paper-epochs (HIST, TRA, IGMTF epoch
// time next to the GRU baseline's on the csi300 preset; minutes).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const all: Record<string, string[]> = {
  check: ['bench/check.ts'],
  alpha158: ['bench/alpha158.ts'],
  'epoch-tensors': ['bench/epoch-tensors.ts'],
  backtest: ['bench/backtest.ts'],
  'gru-step': ['bench/gru-step.ts'],
  'epoch-memory': ['bench/epoch-memory.ts'],
  'paper-epochs': ['bench/paper-epochs.ts'],
};
const root = join(import.meta.dirname, '..');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : Object.keys(all);
let failed = 0;
for (const n of names) {
  const args = all[n];
  if (!args) {
    console.error(`unknown benchmark ${n} (${Object.keys(all).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== ${n} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
