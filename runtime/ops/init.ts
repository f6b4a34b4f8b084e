// Parameter initialisation: `initParam(spec, rng)` fills a parameter's values
// for every ParamSpec.init kind (compiler/ops/spec.ts), and `seededRng` is
// the seeded generator the executor passes in.
//
// Conventions (our layouts; PyTorch's formulas):
// - fan_in of a weight of rank ≥ 2 = product of all dims but the last (dense
//   [in, out] → in; conv1d [k, cin, c] → k·cin); fan_out = last dim × the
//   product of the dims before the last two (conv1d: c·k, dense: out).
//   `spec.fanIn`, when given, overrides fan_in (biases carry their weight's).
// - uniform_fan_in: U(±1/√fan_in) for weights and biases alike (nn.Linear and
//   nn.Conv1d defaults); a rank-1 spec needs spec.fanIn.
// - xavier_uniform: U(±√(6/(fan_in + fan_out))); rank 1: fan_in = fan_out = n.
// - kaiming_normal: N(0, gain²/fan_in), gain = √(2/(1 + a²)), a = 0.1
//   (leaky_relu, mode fan_in: Qlib's MLP).
// - normal: N(0, 1) (nn.Embedding). zeros, ones.
// - rnn_uniform: U(±1/√H) (nn.GRU / nn.LSTM) with H = spec.fanIn (the
//   compiler sets it on every RNN parameter); without it, a weight_hh_l*
//   spec [G·H, H] gives H = shape[1]; any other spec is a compiler bug.
//
// Assumes: shapes are known positive integers (the executor checks).
// Guarantees: deterministic given the rng's sequence; draws exactly one rng
// value per entry for uniform kinds and two per entry for normal kinds (a
// Box–Muller pair per entry, the second value discarded), none for constants.

import type { ParamSpec } from '../../compiler/ops/spec.js';
import { internal, prod } from './common.js';

/** xoshiro128** seeded through splitmix32: uniform floats in [0, 1). */
export function seededRng(seed: number): () => number {
  let x = seed >>> 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d >>> 0, 11);
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    return r / 4294967296;
  };
}

function rotl(v: number, k: number): number {
  return ((v << k) | (v >>> (32 - k))) >>> 0;
}

function fanIn(spec: ParamSpec): number {
  if (spec.fanIn !== undefined) return spec.fanIn;
  if (spec.shape.length >= 2) return prod(spec.shape.slice(0, -1));
  return internal(`parameter ${spec.name} (${spec.init}, shape [${spec.shape}]) needs fanIn`);
}

function fanOut(spec: ParamSpec): number {
  const s = spec.shape;
  if (s.length < 2) return s[0] ?? 1;
  return s[s.length - 1]! * prod(s.slice(0, -2));
}

function uniform(n: number, bound: number, rng: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * bound;
  return out;
}

function normal(n: number, std: number, rng: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = 1 - rng();
    const u2 = rng();
    out[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

function rnnHidden(spec: ParamSpec): number {
  if (spec.fanIn !== undefined) return spec.fanIn;
  if (spec.name.startsWith('weight_hh') && spec.shape.length === 2) return spec.shape[1]!;
  return internal(`RNN parameter ${spec.name} needs fanIn (the hidden size)`);
}

const KAIMING_A = 0.1;

/** The initial values of one parameter (row-major in spec.shape). */
export function initParam(spec: ParamSpec, rng: () => number): Float32Array {
  const n = prod(spec.shape);
  switch (spec.init) {
    case 'zeros':
      return new Float32Array(n);
    case 'ones':
      return new Float32Array(n).fill(1);
    case 'uniform_fan_in':
      return uniform(n, 1 / Math.sqrt(fanIn(spec)), rng);
    case 'xavier_uniform': {
      const fi = spec.shape.length >= 2 ? fanIn(spec) : (spec.shape[0] ?? 1);
      return uniform(n, Math.sqrt(6 / (fi + fanOut(spec))), rng);
    }
    case 'kaiming_normal': {
      const gain = Math.sqrt(2 / (1 + KAIMING_A * KAIMING_A));
      return normal(n, gain / Math.sqrt(fanIn(spec)), rng);
    }
    case 'normal':
      return normal(n, 1, rng);
    case 'rnn_uniform':
      return uniform(n, 1 / Math.sqrt(rnnHidden(spec)), rng);
  }
}
