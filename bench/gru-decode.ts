// Benchmark: one forward and one forward + backward of gru_decode (ADD's
// decoder, runtime/ops/rnn-decode.ts) at ADD's sizes.
//
// What: h0 [L, N, D] → [N, T, F] with random weights at PyTorch's init scale;
// the loss is mean(y²); "fwd+bwd" is tf.variableGrads over every parameter
// and h0 with the loss and one gradient read back. Prints the median of
// --reps after one warm-up, the kernels run and the peak tensor bytes of one
// forward + backward (tf.profile), and the load average.
//
// Run alone: node --import tsx bench/gru-decode.ts [--backend wasm|cpu|node]
//   [--n 1000] [--t 60] [--d 128] [--l 2] [--f 6] [--reps 5] [--gates auto|save|recompute]
// Assumes: nothing else heavy runs on the machine (compare within one run).
// Guarantees: exits 0 after printing one line per measurement.

import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../runtime/backend.js';
import { decodeParamNames, gruDecode } from '../runtime/ops/rnn-decode.js';
import { mulberry32 } from '../runtime/random.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : dflt;
};
const N = Number(opt('n', '1000'));
const T = Number(opt('t', '60'));
const D = Number(opt('d', '128'));
const L = Number(opt('l', '2'));
const F = Number(opt('f', '6'));
const REPS = Number(opt('reps', '5'));
const GATES = opt('gates', 'auto'); // save | recompute | auto
const saveGates = GATES === 'auto' ? undefined : GATES === 'save';

const backend = await initBackend({ backend: opt('backend', 'wasm') as BackendName });
console.log(`gru_decode N=${N} T=${T} D=${D} L=${L} F=${F} gates ${GATES} on ${backend.name}; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);

const rnd = mulberry32(7);
const uniform = (shape: number[], bound: number): tf.Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (2 * rnd() - 1) * bound), shape);
};
const vars: Record<string, tf.Variable> = {};
for (const name of decodeParamNames(L)) {
  const l = Number(name.slice(-1));
  const shape = name.startsWith('weight_ih')
    ? [3 * D, l === 0 ? F : D]
    : name.startsWith('weight_hh')
      ? [3 * D, D]
      : name.startsWith('bias')
        ? [3 * D]
        : name === 'out_weight'
          ? [F, D]
          : [F];
  vars[name] = tf.variable(uniform(shape, 1 / Math.sqrt(D)));
}
const h0 = tf.variable(uniform([L, N, D], 1));
const all = [...Object.values(vars), h0];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function forward(): void {
  const y = tf.tidy(() => gruDecode(h0, vars, { steps: T, out: F, ...(saveGates === undefined ? {} : { saveGates }) }));
  y.dataSync();
  y.dispose();
}

function trainStep(): void {
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(gruDecode(h0, vars, { steps: T, out: F, ...(saveGates === undefined ? {} : { saveGates }) }))) as tf.Scalar, all);
  value.dataSync();
  grads[vars['weight_hh_l0']!.name]!.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
}

function time(fn: () => void): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const before = tf.memory().numTensors;
console.log(`forward         ${time(forward).toFixed(0)} ms (median of ${REPS})`);
console.log(`forward+backward ${time(trainStep).toFixed(0)} ms (median of ${REPS})`);
const prof = await tf.profile(trainStep);
// peakBytes counts a clone's bytes again (wasm's clones are copies: the tape's saved tensors)
console.log(`forward+backward: ${prof.kernels.length} kernels, peak ${(prof.peakBytes / 2 ** 20).toFixed(0)} MiB of tensors`);
console.log(`tensors left behind: ${tf.memory().numTensors - before}`);
console.log(`load after ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
tf.dispose(all);
