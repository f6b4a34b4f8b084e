// `npm run fuzz [-- --count N --seed S --limit MS --compile M --compile-limit MS]`:
// the fuzz tests at any size. N parser mutants (test/grammar/fuzz.ts), then M
// whole-compile mutants of the strategies, stdlib and fixtures
// (test/compiler/fuzz.ts; default N / 10). Prints how many mutants ran, how
// many had diagnostics, the slowest, and each failure (with the mutant's
// text); exits non-zero on a failure.

import { checkCompileMutant, compileMutants, pristineParseCache } from '../compiler/fuzz.js';
import { checkMutant, mutants } from './fuzz.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v)) throw new Error(`--${name} needs a number`);
  return v;
}

const count = arg('count', 10_000);
const seed = arg('seed', Date.now() % 1_000_000);
const limit = arg('limit', 200);
const compileCount = arg('compile', Math.round(count / 10));
const compileLimit = arg('compile-limit', 5000);

let withErrors = 0;
let failures = 0;
let slowest = 0;
let totalMs = 0;
const kinds = new Map<string, number>();
for (const m of mutants(count, seed)) {
  const r = checkMutant(m, limit);
  totalMs += r.ms;
  slowest = Math.max(slowest, r.ms);
  if (r.diagnostics) withErrors++;
  for (const k of m.kinds) kinds.set(k, (kinds.get(k) ?? 0) + 1);
  if (r.problems.length) {
    failures++;
    console.log(`FAIL ${m.source} [${m.kinds.join(',')}]: ${r.problems.join('; ')}\n---\n${m.text}\n---`);
  }
}
console.log(`seed ${seed}: ${count} mutants, ${withErrors} with diagnostics, ${count - withErrors} clean, ${failures} failures`);
console.log(`mutations: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
console.log(`parse time: total ${totalMs.toFixed(0)} ms, mean ${(totalMs / Math.max(1, count)).toFixed(2)} ms, slowest ${slowest.toFixed(1)} ms`);

let compileFailures = 0;
let compileClean = 0;
let compileSlowest = 0;
let compileMs = 0;
const cache = pristineParseCache();
for (const m of compileMutants(compileCount, seed)) {
  const r = checkCompileMutant(m, compileLimit, cache);
  compileMs += r.ms;
  compileSlowest = Math.max(compileSlowest, r.ms);
  if (r.clean) compileClean++;
  if (r.problems.length) {
    compileFailures++;
    console.log(`FAIL compile ${m.source} [${m.kinds.join(',')}]: ${r.problems.join('; ')}\n---\n${m.text}\n---`);
  }
}
console.log(`seed ${seed}: ${compileCount} compile mutants, ${compileClean} compiled cleanly (through the passes), ${compileFailures} failures`);
console.log(`compile time: total ${compileMs.toFixed(0)} ms, mean ${(compileMs / Math.max(1, compileCount)).toFixed(2)} ms, slowest ${compileSlowest.toFixed(1)} ms`);
process.exitCode = failures || compileFailures ? 1 : 0;
