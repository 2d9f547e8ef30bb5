/**
 * Helpers for the linear-model golden tests: the same standardisation the golden script applies
 * (StandardScaler, population std), sklearn's unshuffled KFold, and a rank-based ROC-AUC.
 */
import { type Column, categorical, Frame, numeric } from "../../../src/core/frame.js";
import { loadXy } from "../../support/fixtures.js";

export function standardize(X: Frame): Frame {
  const n = X.nRows;
  return new Frame(
    X.names.map((name) => {
      const v = X.numeric(name);
      let mu = 0;
      for (let i = 0; i < n; i++) mu += v[i];
      mu /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (v[i] - mu) ** 2;
      const sd = Math.sqrt(ss / n) || 1;
      return [name, numeric(Float64Array.from(v, (x) => (x - mu) / sd))] as const;
    }),
  );
}

/** A fixture with standardised features; optional column subset by position; optional 2·x₀ copy. */
export function goldenData(
  fixture: string,
  target: string,
  classification: boolean,
  columns: number[] | null = null,
  duplicateFirstColumn = false,
): { X: Frame; y: Column } {
  const { X, y } = loadXy(fixture, target, classification);
  let Z = standardize(X);
  if (columns) Z = Z.select(columns.map((j) => Z.names[j]));
  if (duplicateFirstColumn) {
    Z = Z.with({ first_twice: numeric(Z.numeric(Z.names[0]).map((v) => 2 * v)) });
  }
  return { X: Z, y };
}

/** sklearn's KFold(n_splits=k) without shuffling: contiguous folds, the first n % k one row larger. */
export function kFold(n: number, k: number): Array<{ train: number[]; test: number[] }> {
  const folds: Array<{ train: number[]; test: number[] }> = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < n; i++) (i >= start && i < start + size ? test : train).push(i);
    folds.push({ train, test });
    start += size;
  }
  return folds;
}

export function takeColumn(y: Column, idx: number[]): Column {
  if (y.type === "categorical")
    return categorical(
      Int32Array.from(idx, (i) => y.codes[i]),
      y.levels,
    );
  if (y.type === "numeric") return numeric(Float64Array.from(idx, (i) => y.values[i]));
  throw new Error(`unexpected target type ${y.type}`);
}

/** ROC-AUC by the Mann-Whitney rank formula with average ranks for ties. */
export function rocAuc(positive: boolean[], score: ArrayLike<number>): number {
  const n = positive.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[a] - score[b]);
  const rank = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && score[order[j + 1]] === score[order[i]]) j++;
    for (let t = i; t <= j; t++) rank[order[t]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let nPos = 0;
  let sumPos = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      sumPos += rank[i];
    }
  }
  const nNeg = n - nPos;
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Largest |a - b| divided by the largest |b| (relative to the vector's scale, so near-zero entries count). */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  return diff / (scale || 1);
}

export function absErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  for (let i = 0; i < b.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
  return diff;
}
