// Shared shapes for the typed-array kernels.
//
// A series array holds nI instruments × nD days, instrument-major (the Panel
// layout): instrument i's day t sits at i * nD + t. `starts[i]` is the first
// day on which instrument i has data; Qlib's series begin there (its .bin
// files start at the listing day), so every window is clipped to
// [starts[i], t] and every output before starts[i] is NaN.
//
// Kernels write out[i * nD + t] for t >= starts[i] only; the evaluator fills
// the prefix with NaN. Kernels never allocate per element.

export interface Layout {
  nI: number;
  nD: number;
  starts: Int32Array;
  /**
   * Optional universe (1 = member that day), same layout as a series; the
   * cross-sectional kernels only look at members. Absent = every instrument.
   */
  universe?: Uint8Array;
}

/** A kernel: out ← f(inputs, params). Inputs are full series arrays. */
export type Kernel = (L: Layout, out: Float64Array, ins: Float64Array[], params: number[]) => void;

/** Fill every instrument's pre-start prefix with NaN. */
export function maskPrefix(L: Layout, out: Float64Array): void {
  for (let i = 0; i < L.nI; i++) {
    const s = Math.min(L.starts[i]!, L.nD);
    if (s > 0) out.fill(NaN, i * L.nD, i * L.nD + s);
  }
}

/**
 * First day with any non-NaN value across the given fields, per instrument
 * (nD when the instrument has no data at all).
 */
export function firstDataDays(nI: number, nD: number, fields: Iterable<Float64Array>): Int32Array {
  const starts = new Int32Array(nI).fill(nD);
  for (const f of fields) {
    for (let i = 0; i < nI; i++) {
      const base = i * nD;
      const lim = starts[i]!;
      for (let t = 0; t < lim; t++) {
        if (f[base + t] === f[base + t]) {
          starts[i] = t;
          break;
        }
      }
    }
  }
  return starts;
}
