/**
 * The products every L-BFGS evaluation of a linear model's objective needs, over the columns of the
 * design matrix: the scores z = b + X w of each class, the binary logistic loss of those scores (which
 * turns them into weighted residuals in place), and the gradient g = Xᵀ r of the residuals.
 *
 * This is the JavaScript kernel; simdKernels.ts has the WebAssembly one, used wherever it can be, and
 * this one where it cannot (a matrix too large for a 32-bit memory, a runtime without SIMD). Mostly-zero
 * columns (one-hot indicators) visit only their non-zero rows, in both.
 */
import { addWeightedColumns, type DesignMatrix } from "./data.js";

export interface ColumnKernel {
  /** Length of one class's block of z: the row count, rounded up by the SIMD kernel (padding rows). */
  readonly stride: number;
  /** nVec blocks of `stride`: scores after `scores`; the objective overwrites them with residuals. */
  readonly z: Float64Array;
  /** z[k*stride + i] = b[k] + Σ_j w[k*p + j] X[i, j]. */
  scores(w: Float64Array, b: Float64Array): void;
  /**
   * For a binary target (`BinaryTarget`, nVec 1): the weighted logistic loss Σ sᵢ (log(1 + e^zᵢ) − yᵢ zᵢ)
   * of the scores, which are replaced by the residuals sᵢ (σ(zᵢ) − yᵢ); returns [loss, Σ residuals].
   */
  logistic(): [number, number];
  /** g[k*p + j] = Σ_i X[i, j] z[k*stride + i] over the real rows. */
  gradient(g: Float64Array): void;
}

/** The class (0 or 1) of each row and the weight of each class. */
export interface BinaryTarget {
  index: Int32Array;
  weights: Float64Array;
}

/**
 * The loss term log(1 + e^-|z|) of the rows is summed as the log of the product of the (1 + e^-|z|)
 * per class, one log every LOG_BLOCK rows: a Math.log1p per row was most of an evaluation's time, and
 * the product's rounding (a relative 2^-53 per factor) is as small as the summation's own. Each factor
 * is at most 2, so a block's product stays far below the float64 overflow.
 */
export const LOG_BLOCK = 64;

export function noTarget(): never {
  throw new Error("the logistic loss needs the binary target the kernel was made with");
}

/** Non-zero rows (and their values, unless all are 1) of a column with few of them; null for dense. */
export interface Sparse {
  rows: Array<Int32Array | null>;
  values: Array<Float64Array | null>;
}

/** Columns with fewer than n / sparseBelow non-zeros are swept by their non-zero rows only. */
export function sparseColumns(m: DesignMatrix, sparseBelow: number): Sparse {
  const n = m.nRows;
  const out: Sparse = { rows: [], values: [] };
  const at = new Int32Array(n);
  for (const x of m.columns) {
    let nnz = 0;
    let ones = true;
    for (let i = 0; i < n; i++) {
      if (x[i] !== 0) {
        at[nnz++] = i;
        if (x[i] !== 1) ones = false;
      }
    }
    const dense = nnz * sparseBelow >= n;
    const rows = dense ? null : at.slice(0, nnz);
    out.rows.push(rows);
    out.values.push(dense || ones ? null : Float64Array.from(rows as Int32Array, (i) => x[i]));
  }
  return out;
}

export function addSparse(zk: Float64Array, rows: Int32Array, values: Float64Array | null, wk: number): void {
  if (values) for (let q = 0; q < rows.length; q++) zk[rows[q]] += wk * values[q];
  else for (let q = 0; q < rows.length; q++) zk[rows[q]] += wk;
}

export function dotSparse(rk: Float64Array, rows: Int32Array, values: Float64Array | null): number {
  // Four accumulators break the add dependency chain, as in the dense loops.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const m = rows.length;
  let q = 0;
  if (values) {
    for (; q + 3 < m; q += 4) {
      s0 += values[q] * rk[rows[q]];
      s1 += values[q + 1] * rk[rows[q + 1]];
      s2 += values[q + 2] * rk[rows[q + 2]];
      s3 += values[q + 3] * rk[rows[q + 3]];
    }
    for (; q < m; q++) s0 += values[q] * rk[rows[q]];
  } else {
    for (; q + 3 < m; q += 4) {
      s0 += rk[rows[q]];
      s1 += rk[rows[q + 1]];
      s2 += rk[rows[q + 2]];
      s3 += rk[rows[q + 3]];
    }
    for (; q < m; q++) s0 += rk[rows[q]];
  }
  return s0 + s1 + (s2 + s3);
}

function dotDense(rk: Float64Array, x: Float64Array, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += x[i] * rk[i];
    s1 += x[i + 1] * rk[i + 1];
    s2 += x[i + 2] * rk[i + 2];
    s3 += x[i + 3] * rk[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * rk[i];
  return s0 + s1 + (s2 + s3);
}

/** All in JavaScript: dense runs of columns through `addWeightedColumns`, sparse ones by their rows. */
export function jsColumnKernel(m: DesignMatrix, nVec: number, target?: BinaryTarget): ColumnKernel {
  const { columns, nRows: n, nCols: p } = m;
  const sparse = sparseColumns(m, 2);
  const z = new Float64Array(nVec * n);
  const dense: Float64Array[] = [];
  const denseW: number[] = [];
  const flush = (zk: Float64Array): void => {
    addWeightedColumns(zk, dense, denseW);
    dense.length = 0;
    denseW.length = 0;
  };
  return {
    stride: n,
    z,
    scores(w, b) {
      for (let k = 0; k < nVec; k++) {
        const zk = z.subarray(k * n, (k + 1) * n);
        zk.fill(b[k]);
        for (let j = 0; j < p; j++) {
          const rows = sparse.rows[j];
          if (rows === null) {
            dense.push(columns[j]);
            denseW.push(w[k * p + j]);
            continue;
          }
          flush(zk);
          addSparse(zk, rows, sparse.values[j], w[k * p + j]);
        }
        flush(zk);
      }
    },
    logistic: target === undefined ? noTarget : () => logisticInPlace(z, n, target),
    gradient(g) {
      for (let k = 0; k < nVec; k++) {
        const rk = z.subarray(k * n, (k + 1) * n);
        for (let j = 0; j < p; j++) {
          const rows = sparse.rows[j];
          g[k * p + j] = rows === null ? dotDense(rk, columns[j], n) : dotSparse(rk, rows, sparse.values[j]);
        }
      }
    },
  };
}

function logisticInPlace(z: Float64Array, n: number, { index, weights }: BinaryTarget): [number, number] {
  let linear = 0;
  let logs = 0;
  let prod0 = 1;
  let prod1 = 1;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const zi = z[i];
    const e = Math.exp(-Math.abs(zi));
    const d = 1 + e;
    const prob = zi >= 0 ? 1 / d : e / d;
    const yi = index[i];
    const s = weights[yi];
    // log(1 + exp(z)) - y z = max(z, 0) - y z + log(1 + e^-|z|), finite for any z.
    linear += s * (Math.max(zi, 0) - yi * zi);
    prod0 *= 1 + (1 - yi) * e;
    prod1 *= 1 + yi * e;
    if ((i & (LOG_BLOCK - 1)) === LOG_BLOCK - 1) {
      logs += weights[0] * Math.log(prod0) + weights[1] * Math.log(prod1);
      prod0 = 1;
      prod1 = 1;
    }
    const r = s * (prob - yi);
    z[i] = r;
    sum += r;
  }
  logs += weights[0] * Math.log(prod0) + weights[1] * Math.log(prod1);
  return [linear + logs, sum];
}
