// Seeded pseudo-random numbers for the synthetic market.
//
// xoshiro128** (Blackman & Vigna) on 32-bit words, seeded through splitmix32
// from (seed, stream name). Every subsystem of the generator draws from its
// own named stream, so switching one effect off (its amplitude to 0) leaves the
// random draws of every other stream unchanged.
//
// Guarantees: the same (seed, stream) gives the same sequence on every
// platform (only 32-bit integer arithmetic and IEEE double operations with a
// fixed evaluation order); Math.random is never used.

export interface Rng {
  /** Uniform 32-bit unsigned integer. */
  u32(): number;
  /** Uniform in (0, 1): never exactly 0 or 1. */
  uniform(): number;
  /** Standard normal (Box–Muller; the second value is cached). */
  normal(): number;
  /** Student-t with 5 degrees of freedom scaled to unit variance. */
  t5(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
}

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/** FNV-1a hash of a string to 32 bits. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A generator for one named stream of one seed. */
export function makeRng(seed: number, stream: string): Rng {
  // Mix the (possibly > 32-bit) integer seed and the stream name into the state.
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let st = (lo ^ Math.imul(hashString(stream), 0x27d4eb2d) ^ Math.imul(hi, 0x165667b1)) | 0;
  const words: number[] = [];
  for (let k = 0; k < 4; k++) {
    const [next, out] = splitmix32(st);
    st = next;
    words.push(out);
  }
  let a = words[0]! | 0;
  let b = words[1]! | 0;
  let c = words[2]! | 0;
  let d = words[3]! | 0;
  if ((a | b | c | d) === 0) a = 1;

  const u32 = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9);
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return r >>> 0;
  };
  const uniform = (): number => (u32() + 0.5) / 4294967296;
  let spare = 0;
  let hasSpare = false;
  const normal = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const u = uniform();
    const v = uniform();
    const rad = Math.sqrt(-2 * Math.log(u));
    const ang = 2 * Math.PI * v;
    spare = rad * Math.sin(ang);
    hasSpare = true;
    return rad * Math.cos(ang);
  };
  const T5_SCALE = Math.sqrt(3 / 5);
  const t5 = (): number => {
    const z = normal();
    let chi = 0;
    for (let k = 0; k < 5; k++) {
      const x = normal();
      chi += x * x;
    }
    return (z / Math.sqrt(chi / 5)) * T5_SCALE;
  };
  const int = (n: number): number => Math.floor(uniform() * n);
  const chance = (p: number): boolean => uniform() < p;
  return { u32, uniform, normal, t5, int, chance };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** Index drawn with probability proportional to weights (all ≥ 0, sum > 0). */
export function weightedIndex(rng: Rng, weights: ArrayLike<number>, total?: number): number {
  let sum = total ?? 0;
  if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i]!;
  let x = rng.uniform() * sum;
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!;
    if (x < 0) return i;
  }
  return weights.length - 1;
}

/** A random unit vector in R^dim. */
export function unitVector(rng: Rng, dim: number): Float64Array {
  const v = new Float64Array(dim);
  let n = 0;
  for (let k = 0; k < dim; k++) {
    v[k] = rng.normal();
    n += v[k]! * v[k]!;
  }
  n = Math.sqrt(n);
  for (let k = 0; k < dim; k++) v[k] = v[k]! / n;
  return v;
}
