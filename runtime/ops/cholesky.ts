// Dense symmetric positive-definite algebra in float64 on plain arrays: the
// Cholesky factorisation and the solves behind linalg.ts's solve, inv and
// trace_inv (tfjs has no inverse, solve or Cholesky; specs §0.5).
//
// Layout: a batch of P matrices, each n×n row-major at offset p·n·n (entry
// (i, j) = row i, column j). Right-hand sides are n×m row-major.
//
// Assumes: small matrices (n up to ~64; the cost is P·n³/3 multiply-adds in
// JS); A symmetric: only its lower triangle (i ≥ j) is read.
// Guarantees: `cholesky` returns null (never throws) when a pivot is not
// positive or is NaN, i.e. A is not numerically positive definite; the
// callers then give NaN for that matrix.

/** L with A = L·Lᵀ (row-major n×n, zeros above the diagonal), or null. */
export function cholesky(a: ArrayLike<number>, off: number, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[off + j * n + j]!;
    for (let k = 0; k < j; k++) s -= L[j * n + k]! * L[j * n + k]!;
    if (!(s > 0)) return null;
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[off + i * n + j]!;
      for (let k = 0; k < j; k++) t -= L[i * n + k]! * L[j * n + k]!;
      L[i * n + j] = t / d;
    }
  }
  return L;
}

/**
 * Solve (L·Lᵀ)·X = B for one n×m right-hand side read from `b` at `boff`;
 * X is written to `out` at `ooff` (same layout).
 */
export function cholSolve(L: Float64Array, n: number, b: ArrayLike<number>, boff: number, m: number, out: Float64Array, ooff: number): void {
  const y = new Float64Array(n);
  for (let c = 0; c < m; c++) {
    for (let i = 0; i < n; i++) {
      let s = b[boff + i * m + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
      y[i] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * out[ooff + k * m + c]!;
      out[ooff + i * m + c] = s / L[i * n + i]!;
    }
  }
}

/** A⁻¹ of one factored matrix, written to `out` at `ooff` (n×n). */
export function cholInverse(L: Float64Array, n: number, out: Float64Array, ooff: number): void {
  const eye = new Float64Array(n * n);
  for (let i = 0; i < n; i++) eye[i * n + i] = 1;
  cholSolve(L, n, eye, 0, n, out, ooff);
}

/** Fill `len` entries of `out` from `off` with NaN (a matrix that is not positive definite). */
export function fillNaN(out: Float64Array, off: number, len: number): void {
  out.fill(NaN, off, off + len);
}
