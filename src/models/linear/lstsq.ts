/**
 * Small dense least-squares and SPD solvers on column-major Float64Arrays (p is at most a few hundred,
 * so O(n p²) factorisations are fine and keep us free of a matrix dependency).
 */

interface Householder {
  /** Column-major m x k: R in the upper triangle, Householder vectors (unit leading entry implied) below. */
  a: Float64Array;
  tau: Float64Array;
  /** perm[k] = original column placed at position k. */
  perm: Int32Array;
  m: number;
  k: number;
}

/**
 * Householder QR of a column-major m x k matrix (overwritten), optionally with column pivoting by largest
 * remaining norm so that a rank-deficient matrix shows its rank on the diagonal of R.
 */
function householderQr(a: Float64Array, m: number, k: number, pivot: boolean): Householder {
  const tau = new Float64Array(k);
  const perm = Int32Array.from({ length: k }, (_, j) => j);
  const steps = Math.min(m, k);
  for (let s = 0; s < steps; s++) {
    if (pivot) {
      let best = s;
      let bestNorm = -1;
      for (let j = s; j < k; j++) {
        let norm = 0;
        for (let i = j * m + s, end = j * m + m; i < end; i++) norm += a[i] * a[i];
        if (norm > bestNorm) {
          bestNorm = norm;
          best = j;
        }
      }
      if (best !== s) {
        for (let i = 0; i < m; i++) {
          const t = a[s * m + i];
          a[s * m + i] = a[best * m + i];
          a[best * m + i] = t;
        }
        const t = perm[s];
        perm[s] = perm[best];
        perm[best] = t;
      }
    }
    const col = s * m;
    let norm = 0;
    for (let i = col + s; i < col + m; i++) norm += a[i] * a[i];
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = a[col + s] > 0 ? -norm : norm;
    const v0 = a[col + s] - alpha;
    for (let i = col + s + 1; i < col + m; i++) a[i] /= v0;
    tau[s] = (alpha - a[col + s]) / alpha;
    a[col + s] = alpha;
    for (let j = s + 1; j < k; j++) {
      const cj = j * m;
      let dot = a[cj + s];
      for (let i = s + 1; i < m; i++) dot += a[col + i] * a[cj + i];
      dot *= tau[s];
      a[cj + s] -= dot;
      for (let i = s + 1; i < m; i++) a[cj + i] -= dot * a[col + i];
    }
  }
  return { a, tau, perm, m, k };
}

/** b <- Qᵀ b. */
function applyQt(h: Householder, b: Float64Array): void {
  const { a, tau, m } = h;
  for (let s = 0; s < Math.min(m, h.k); s++) applyReflector(a, s * m, s, m, tau[s], b);
}

/** b <- Q b. */
function applyQ(h: Householder, b: Float64Array): void {
  const { a, tau, m } = h;
  for (let s = Math.min(m, h.k) - 1; s >= 0; s--) applyReflector(a, s * m, s, m, tau[s], b);
}

function applyReflector(
  a: Float64Array,
  col: number,
  s: number,
  m: number,
  tau: number,
  b: Float64Array,
): void {
  if (tau === 0) return;
  let dot = b[s];
  for (let i = s + 1; i < m; i++) dot += a[col + i] * b[i];
  dot *= tau;
  b[s] -= dot;
  for (let i = s + 1; i < m; i++) b[i] -= dot * a[col + i];
}

export interface LstsqResult {
  x: Float64Array;
  rank: number;
}

/**
 * Minimum-norm least-squares solution of A x ≈ b (A column-major n x p, left untouched), like LAPACK's
 * gelsd that sklearn uses: full rank gives the unique solution from pivoted QR; rank-deficient A uses a
 * complete orthogonal decomposition so the answer is the minimum-norm one. Rank is the number of
 * diagonal entries of R above eps * max(n, p) * |R₀₀|.
 */
export function lstsq(A: Float64Array, n: number, p: number, b: Float64Array): LstsqResult {
  const h = householderQr(Float64Array.from(A), n, p, true);
  const qtb = Float64Array.from(b);
  applyQt(h, qtb);
  const steps = Math.min(n, p);
  const r0 = Math.abs(h.a[0]);
  const cutoff = Number.EPSILON * Math.max(n, p) * r0;
  let rank = 0;
  while (rank < steps && r0 > 0 && Math.abs(h.a[rank * n + rank]) > cutoff) rank++;
  const xPerm = new Float64Array(p);
  if (rank === p) {
    backSolve(h.a, n, p, qtb, xPerm);
  } else if (rank > 0) {
    // [R11 R12] (rank x p) = Tᵀ Zᵀ via QR of its transpose; x = Z T⁻ᵀ c is the minimum-norm solution.
    const bt = new Float64Array(p * rank);
    for (let i = 0; i < rank; i++) for (let j = i; j < p; j++) bt[i * p + j] = h.a[j * n + i];
    const z = householderQr(bt, p, rank, false);
    for (let i = 0; i < rank; i++) {
      let s = qtb[i];
      for (let l = 0; l < i; l++) s -= z.a[i * p + l] * xPerm[l];
      xPerm[i] = s / z.a[i * p + i];
    }
    applyQ(z, xPerm);
  }
  const x = new Float64Array(p);
  for (let j = 0; j < p; j++) x[h.perm[j]] = xPerm[j];
  return { x, rank };
}

/** Solves R x = c for the leading k x k upper triangle of a column-major matrix with leading dimension ld. */
function backSolve(r: Float64Array, ld: number, k: number, c: Float64Array, x: Float64Array): void {
  for (let i = k - 1; i >= 0; i--) {
    let s = c[i];
    for (let j = i + 1; j < k; j++) s -= r[j * ld + i] * x[j];
    x[i] = s / r[i * ld + i];
  }
}

/** Xᵀ X for a column-major n x p matrix, as a dense p x p (symmetric) array. */
export function gram(X: Float64Array, n: number, p: number): Float64Array {
  const g = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    for (let l = 0; l <= j; l++) {
      let s = 0;
      for (let i = 0, cj = j * n, cl = l * n; i < n; i++) s += X[cj + i] * X[cl + i];
      g[j * p + l] = s;
      g[l * p + j] = s;
    }
  }
  return g;
}

/** Xᵀ y. */
export function xtv(X: Float64Array, n: number, p: number, y: Float64Array): Float64Array {
  const out = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let s = 0;
    for (let i = 0, c = j * n; i < n; i++) s += X[c + i] * y[i];
    out[j] = s;
  }
  return out;
}

/** Solves A x = b for symmetric positive definite A (p x p) by Cholesky; null when A is not SPD. */
export function choleskySolve(A: Float64Array, p: number, b: Float64Array): Float64Array | null {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = A[j * p + j];
    for (let k = 0; k < j; k++) d -= L[j * p + k] * L[j * p + k];
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      L[i * p + j] = s / ljj;
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * z[k];
    z[i] = s / L[i * p + i];
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * x[k];
    x[i] = s / L[i * p + i];
  }
  return x;
}
