/**
 * Turning frames and target columns into the dense arrays the linear kernels work on, with the checks
 * that keep user mistakes (text columns, missing values, one-class targets) from reaching the numerics.
 */
import { MlshipError } from "../../core/errors.js";
import type { Frame } from "../../core/frame.js";
import { checkFeatureColumns } from "../input.js";

export interface DesignMatrix {
  /**
   * One array per feature. Numeric columns are the frame's own arrays (shared, never written), so a large
   * frame is not copied just to be read by the kernels.
   */
  columns: Float64Array[];
  nRows: number;
  nCols: number;
}

/** The numeric design matrix of `X` in the order of `names` (the fitted features when predicting). */
export function designMatrix(X: Frame, kind: string, names: readonly string[] = X.names): DesignMatrix {
  const m = designColumns(X, kind, names);
  assertFinite(m, kind, names);
  return m;
}

/**
 * The design matrix without the scan for missing or infinite values. Prediction uses it and checks the
 * scores instead: a non-finite input makes its row's score non-finite (the kernels skip no column), so a
 * clean batch is read once instead of twice; `assertFinite` then names the culprit.
 */
export function designColumns(X: Frame, kind: string, names: readonly string[] = X.names): DesignMatrix {
  checkFeatureColumns(X, kind, names);
  const columns = names.map((name) => {
    const c = X.column(name);
    if (c.type === "boolean") return Float64Array.from(c.values, (b) => (b === -1 ? Number.NaN : b));
    return X.numeric(name);
  });
  return { columns, nRows: X.nRows, nCols: names.length };
}

export function assertFinite(m: DesignMatrix, kind: string, names: readonly string[]): void {
  m.columns.forEach((v, j) => {
    for (let i = 0; i < m.nRows; i++) {
      if (!Number.isFinite(v[i])) {
        throw new MlshipError({
          what: `${kind} cannot use missing or infinite values, found one in column "${names[j]}" row ${i}`,
          where: `column "${names[j]}"`,
          fix: "add an imputer / one-hot encoder before the model",
          code: "E_MODEL_INPUT_MISSING",
        });
      }
    }
  });
}

/**
 * z[i] += Σ_q w[q] · columns[q][i], in column order. Four columns per sweep, so z is loaded and stored
 * once per four columns instead of once per column (the sweep is memory-bound); the four products are
 * still added one after another, so the result is bit for bit that of one column at a time.
 */
export function addWeightedColumns(
  z: Float64Array,
  columns: readonly Float64Array[],
  w: ArrayLike<number>,
): void {
  const n = z.length;
  const p = columns.length;
  let q = 0;
  for (; q + 3 < p; q += 4) {
    const x0 = columns[q];
    const x1 = columns[q + 1];
    const x2 = columns[q + 2];
    const x3 = columns[q + 3];
    const w0 = w[q];
    const w1 = w[q + 1];
    const w2 = w[q + 2];
    const w3 = w[q + 3];
    for (let i = 0; i < n; i++) z[i] = z[i] + w0 * x0[i] + w1 * x1[i] + w2 * x2[i] + w3 * x3[i];
  }
  for (; q < p; q++) {
    const x = columns[q];
    const wq = w[q];
    for (let i = 0; i < n; i++) z[i] += wq * x[i];
  }
}

/**
 * `addWeightedColumns` on columns[q] replaced by (columns[q] - center[q]) * (1 / scale[q]), bit for bit
 * what a scaler would have written (see `ColumnScaling`). A function of its own, so that the JIT compiles
 * it for this one use instead of deoptimising the fitting kernel the first time a prediction comes.
 */
export function addScaledColumns(
  z: Float64Array,
  columns: readonly Float64Array[],
  w: ArrayLike<number>,
  center: ArrayLike<number>,
  scale: ArrayLike<number>,
): void {
  const n = z.length;
  const p = columns.length;
  let q = 0;
  for (; q + 3 < p; q += 4) {
    const x0 = columns[q];
    const x1 = columns[q + 1];
    const x2 = columns[q + 2];
    const x3 = columns[q + 3];
    const w0 = w[q];
    const w1 = w[q + 1];
    const w2 = w[q + 2];
    const w3 = w[q + 3];
    const c0 = center[q];
    const c1 = center[q + 1];
    const c2 = center[q + 2];
    const c3 = center[q + 3];
    const r0 = 1 / scale[q];
    const r1 = 1 / scale[q + 1];
    const r2 = 1 / scale[q + 2];
    const r3 = 1 / scale[q + 3];
    for (let i = 0; i < n; i++) {
      z[i] =
        z[i] +
        w0 * ((x0[i] - c0) * r0) +
        w1 * ((x1[i] - c1) * r1) +
        w2 * ((x2[i] - c2) * r2) +
        w3 * ((x3[i] - c3) * r3);
    }
  }
  for (; q < p; q++) {
    const x = columns[q];
    const wq = w[q];
    const cq = center[q];
    const rq = 1 / scale[q];
    for (let i = 0; i < n; i++) z[i] += wq * ((x[i] - cq) * rq);
  }
}

export function columnMeans(m: DesignMatrix): Float64Array {
  return Float64Array.from(m.columns, mean);
}

export function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/**
 * The matrix as one column-major n x p copy, minus `shift` per column when given (centring for the
 * intercept, like sklearn).
 */
export function contiguous(m: DesignMatrix, shift?: Float64Array): Float64Array {
  const n = m.nRows;
  const out = new Float64Array(n * m.nCols);
  m.columns.forEach((v, j) => {
    const mu = shift ? shift[j] : 0;
    for (let i = 0; i < n; i++) out[j * n + i] = v[i] - mu;
  });
  return out;
}
