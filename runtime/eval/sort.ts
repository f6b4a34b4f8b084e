// Stable index sorting by a Float64 key, without comparator callbacks
// (TypedArray.prototype.sort with a comparator is several times slower in V8,
// and the metrics sort every day's cross-section several times).
//
// Assumes: keys contain no NaN (callers sort complete pairs only).
// Guarantees: order[0..n) is a permutation of 0..n-1 sorted by key (ascending
// or descending), equal keys in increasing index order; −0 and 0 are equal.

const RUN = 16;

/**
 * Sort the indices 0..n-1 by key into order[0..n); `tmp` is a scratch of the
 * same capacity. Returns order.subarray(0, n).
 */
export function sortIndices(
  key: Float64Array,
  n: number,
  order: Int32Array,
  tmp: Int32Array,
  descending: boolean,
): Int32Array {
  for (let i = 0; i < n; i++) order[i] = i;
  // "a goes strictly before b" for the requested direction; ties never do
  // insertion sort on runs
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const x = order[i]!;
      const kx = key[x]!;
      let j = i - 1;
      while (j >= lo && (descending ? key[order[j]!]! < kx : key[order[j]!]! > kx)) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = x;
    }
  }
  // bottom-up merges, ping-ponging between order and tmp
  let src = order;
  let dst = tmp;
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        const ka = key[src[a]!]!;
        const kb = key[src[b]!]!;
        // take from the right run only when it is strictly before: keeps ties stable
        if (descending ? kb > ka : kb < ka) dst[k++] = src[b++]!;
        else dst[k++] = src[a++]!;
      }
      while (a < mid) dst[k++] = src[a++]!;
      while (b < hi) dst[k++] = src[b++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== order) order.set(src.subarray(0, n));
  return order.subarray(0, n);
}
