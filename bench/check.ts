// `quiver check` of the whole stdlib and every strategy, as the CLI runs it
// (a fresh process each time: parser construction and module loading
// included). The bar: < 1 s. Prints min / median / max over runs.
//
// Run: node --import tsx bench/check.ts [--runs 7]

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] ?? 7) || 7;
const bin = join(root, 'bin', 'quiver.js');
if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  console.error('bench/check: run `npm run build` first');
  process.exit(2);
}
const wall: number[] = [];
const inner: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, 'check', join(root, 'stdlib'), join(root, 'strategies')], { encoding: 'utf8' });
  wall.push(performance.now() - t);
  const m = /checked (\d+) files in (\d+) ms: (\d+) errors/.exec(r.stderr);
  if (!m || r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  inner.push(Number(m[2]));
  if (i === 0) console.log(`files: ${m[1]}`);
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]!.toFixed(0)} / median ${s[Math.floor(s.length / 2)]!.toFixed(0)} / max ${s[s.length - 1]!.toFixed(0)} ms`;
};
console.log(`quiver check stdlib strategies, whole process: ${stats(wall)}`);
console.log(`  of which compiling (resolve + parse + check): ${stats(inner)}`);
console.log(`bar: < 1000 ms — ${[...wall].sort((a, b) => a - b)[Math.floor(wall.length / 2)]! < 1000 ? 'met' : 'NOT met'}`);
