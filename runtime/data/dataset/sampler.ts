// Seeded orders for training: day orders (chronological or shuffled) and
// random sample batches (with or without replacement, drop_last).
//
// The generator is splitmix32-style: fast, 32-bit state, identical across
// platforms, so a seed reproduces an epoch exactly.

export type Rng = () => number;

/** Uniform [0, 1) from a 32-bit seed. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z = (z ^ (z >>> 16)) >>> 0;
    return z / 4294967296;
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [k: number]: number }>(a: T, rng: Rng): T {
  for (let k = a.length - 1; k > 0; k--) {
    const j = Math.floor(rng() * (k + 1));
    const tmp = a[k]!;
    a[k] = a[j]!;
    a[j] = tmp;
  }
  return a;
}

export interface BatchPlanOptions {
  batchSize: number;
  /** Shuffle sample order (default true). */
  shuffle?: boolean;
  /** Draw with replacement (default false): each batch is batchSize independent uniform draws. */
  replacement?: boolean;
  /** Drop a last, smaller batch (default false). */
  dropLast?: boolean;
  seed?: number;
}

/**
 * Batches of indices into [0, n): without replacement a permutation (or the
 * identity) cut into batches; with replacement ceil(n / B) (or floor with
 * dropLast) batches of B uniform draws.
 */
export function* batchIndices(n: number, opts: BatchPlanOptions): Generator<Int32Array> {
  const B = opts.batchSize;
  const rng = seededRng(opts.seed ?? 0);
  const count = opts.dropLast ? Math.floor(n / B) : Math.ceil(n / B);
  if (opts.replacement) {
    for (let b = 0; b < count; b++) {
      const out = new Int32Array(B);
      for (let k = 0; k < B; k++) out[k] = Math.floor(rng() * n);
      yield out;
    }
    return;
  }
  const order = Int32Array.from({ length: n }, (_, k) => k);
  if (opts.shuffle ?? true) shuffleInPlace(order, rng);
  for (let b = 0; b < count; b++) yield order.slice(b * B, Math.min(n, (b + 1) * B));
}
