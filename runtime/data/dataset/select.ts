// Exact order statistics of large float32 columns (processor fitting:
// RobustZScoreNorm's median and MAD over every row of a fit window).
//
// Method: range-adaptive radix selection on order-preserving signed 32-bit
// keys (the float's bits with the magnitude bits flipped for negatives).
// Each round histograms the current candidates into ≤ 4,096 bins spanning
// their key range (an L1-resident histogram), keeps only the bin holding the
// wanted rank (compacted in place), and repeats until the candidates share
// one key; for the two middle ranks of an even count that fall in different
// bins, the answer is the last key of one bin and the first of the next.
// O(n) per round, at most three rounds; no sorting. Exact: returns elements
// of the input. Inputs hold no NaN (callers skip NaN, as numpy's nanmedian).
//
// Large inputs first try a bracket from a deterministic sample (Floyd–Rivest):
// 2,048 evenly spaced values, sorted, give an interval that holds the wanted
// ranks with overwhelming probability; one pass counts the values below it
// and collects those inside (~8%), and the exact selection runs on those
// alone. When the bracket misses, the full radix selection runs — the answer
// is exact either way; only the cost changes.

const BINS = 4096;
const hist = new Uint32Array(BINS);
let keys = new Int32Array(0);
const one = new Float32Array(1);

const oneInt = new Int32Array(one.buffer);

function valueOf(key: number): number {
  oneInt[0] = key < 0 ? key ^ 0x7fffffff : key;
  return one[0]!;
}

function scratch(n: number): Int32Array {
  if (keys.length < n) keys = new Int32Array(Math.max(n, keys.length * 2));
  return keys;
}

/**
 * Values of ranks r and r + extra (extra 0 or 1) among keys k[0..n), which
 * this may reorder and overwrite.
 */
function selectRanks(k: Int32Array, n: number, r: number, extra: 0 | 1, lo0: number, hi0: number): [number, number] {
  let lo = lo0;
  let hi = hi0;
  for (let round = 0; ; round++) {
    if (round > 0) {
      lo = 0x7fffffff;
      hi = -0x80000000;
      for (let j = 0; j < n; j++) {
        const v = k[j]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (lo === hi) return [valueOf(lo), valueOf(lo)];
    const span = hi - lo;
    let shift = 0;
    while (span >>> shift >= BINS) shift++;
    hist.fill(0);
    for (let j = 0; j < n; j++) hist[(k[j]! - lo) >>> shift]++;
    let b1 = 0;
    let before = 0;
    while (before + hist[b1]! <= r) before += hist[b1++]!;
    const r2 = r + extra;
    let b2 = b1;
    let before2 = before;
    while (before2 + hist[b2]! <= r2) before2 += hist[b2++]!;
    if (b1 !== b2) {
      // r is the last key of bin b1, r + 1 the first of bin b2.
      let last = -0x80000000;
      let first = 0x7fffffff;
      for (let j = 0; j < n; j++) {
        const v = k[j]!;
        const b = (v - lo) >>> shift;
        if (b === b1 && v > last) last = v;
        else if (b === b2 && v < first) first = v;
      }
      return [valueOf(last), valueOf(first)];
    }
    let m = 0;
    for (let j = 0; j < n; j++) {
      const v = k[j]!;
      if ((v - lo) >>> shift === b1) k[m++] = v;
    }
    n = m;
    r -= before;
  }
}

/** Keys of the float32 bit patterns bits[0..n) into k; returns [min, max] key. */
function toKeys(bits: Int32Array, n: number, k: Int32Array): [number, number] {
  let lo = 0x7fffffff;
  let hi = -0x80000000;
  for (let j = 0; j < n; j++) {
    const b = bits[j]!;
    const v = b < 0 ? b ^ 0x7fffffff : b;
    k[j] = v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

function medianOfKeys(k: Int32Array, n: number, lo: number, hi: number): number {
  if (n & 1) return selectRanks(k, n, (n - 1) >> 1, 0, lo, hi)[0];
  const [a, b] = selectRanks(k, n, n / 2 - 1, 1, lo, hi);
  return (a + b) / 2;
}

const SAMPLE = 2048;
const SAMPLED_MIN = 20_000;
const sample = new Float64Array(SAMPLE);
let inside = new Float32Array(0);

/**
 * Ranks r and r + extra of the values v_j = vals[j] (center NaN) or
 * fround(|vals[j] - center|), via a sampled bracket; null when the bracket
 * misses (the caller then runs the full selection).
 */
function bracketSelect(vals: Float32Array, n: number, r: number, extra: 0 | 1, center: number): [number, number] | null {
  const dev = center === center;
  for (let q = 0; q < SAMPLE; q++) {
    const v = vals[Math.floor(((q + 0.5) * n) / SAMPLE)]!;
    sample[q] = dev ? Math.fround(Math.abs(v - center)) : v;
  }
  sample.sort();
  const p = (r + 0.5) / n;
  const pos = p * SAMPLE;
  const margin = Math.ceil(3.5 * Math.sqrt(SAMPLE * p * (1 - p))) + 4;
  const iLo = Math.floor(pos) - margin;
  const iHi = Math.ceil(pos) + margin;
  const lo = iLo >= 0 ? sample[iLo]! : -Infinity;
  const hi = iHi < SAMPLE ? sample[iHi]! : Infinity;
  // Branch-free pass (random data makes a branch per value mispredict half
  // the time): every value is written at `inside[m]`, m advances only for
  // values inside the bracket; the cap is checked once per block.
  const cap = n >> 2;
  const BLOCK = 1024;
  if (inside.length < cap + BLOCK) inside = new Float32Array(cap + BLOCK);
  let less = 0;
  let m = 0;
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(n, j0 + BLOCK);
    if (dev) {
      for (let j = j0; j < j1; j++) {
        const v = Math.abs(vals[j]! - center);
        less += +(v < lo);
        inside[m] = v;
        m += +(v >= lo) & +(v <= hi);
      }
    } else {
      for (let j = j0; j < j1; j++) {
        const v = vals[j]!;
        less += +(v < lo);
        inside[m] = v;
        m += +(v >= lo) & +(v <= hi);
      }
    }
    if (m > cap) return null;
  }
  if (r < less || r + extra >= less + m) return null;
  const k = scratch(m);
  const [kLo, kHi] = toKeys(new Int32Array(inside.buffer, 0, m), m, k);
  return selectRanks(k, m, r - less, extra, kLo, kHi);
}

function middle(vals: Float32Array, n: number, center: number, full: () => number): number {
  if (n >= SAMPLED_MIN) {
    const odd = (n & 1) === 1;
    const pair = bracketSelect(vals, n, odd ? (n - 1) >> 1 : n / 2 - 1, odd ? 0 : 1, center);
    if (pair) return odd ? pair[0] : (pair[0] + pair[1]) / 2;
  }
  return full();
}

/** numpy-style median of vals[0..n) (mean of the two middle values when n is even); NaN when n = 0. */
export function median(vals: Float32Array, n: number): number {
  if (n === 0) return NaN;
  return middle(vals, n, NaN, () => {
    const k = scratch(n);
    const [lo, hi] = toKeys(new Int32Array(vals.buffer, vals.byteOffset, n), n, k);
    return medianOfKeys(k, n, lo, hi);
  });
}

let devs = new Float32Array(0);

/** median(|vals - center|) with each deviation rounded to float32; vals untouched. */
export function medianAbsDeviation(vals: Float32Array, n: number, center: number): number {
  if (n === 0) return NaN;
  const full = (): number => {
    if (devs.length < n) devs = new Float32Array(Math.max(n, devs.length * 2));
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < n; j++) {
      const d = Math.abs(vals[j]! - center);
      devs[j] = d;
      if (d < lo) lo = d;
      if (d > hi) hi = d;
    }
    if (lo !== lo || hi !== hi || lo === Infinity) return median(devs, n);
    // Deviations are >= 0, whose float32 bit patterns already sort as signed
    // integers: the bits are the keys, no conversion pass.
    one[0] = lo;
    const kLo = oneInt[0]!;
    one[0] = hi;
    const kHi = oneInt[0]!;
    const k = new Int32Array(devs.buffer, 0, n);
    return medianOfKeys(k, n, kLo, kHi);
  };
  return Number.isFinite(center) ? middle(vals, n, center, full) : full();
}

/** The k-th smallest (0-based) of vals[0..n). */
export function selectKth(vals: Float32Array, n: number, r: number): number {
  if (n >= SAMPLED_MIN) {
    const pair = bracketSelect(vals, n, r, 0, NaN);
    if (pair) return pair[0];
  }
  const k = scratch(n);
  const [lo, hi] = toKeys(new Int32Array(vals.buffer, vals.byteOffset, n), n, k);
  return selectRanks(k, n, r, 0, lo, hi)[0];
}
