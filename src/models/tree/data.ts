/**
 * Frames and targets into the arrays the tree kernel works on, with the checks that keep user mistakes
 * (text columns, missing values, bad params) from reaching the numerics.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { checkFeatureColumns, invalidParam } from "../input.js";

/**
 * The features as a column-major float32 matrix, as sklearn's trees see them (they cast X to float32, so
 * thresholds fall between float32 values). `shared` puts it in a SharedArrayBuffer for worker threads.
 */
export function featureMatrix(
  X: Frame,
  kind: string,
  names: readonly string[] = X.names,
  shared = false,
): { data: Float32Array; nRows: number; nCols: number } {
  checkFeatureColumns(X, kind, names);
  const m = X.toMatrix(names);
  const n = m.nRows;
  const size = m.data.length;
  const data = shared
    ? new Float32Array(new SharedArrayBuffer(size * Float32Array.BYTES_PER_ELEMENT))
    : new Float32Array(size);
  data.set(m.data);
  for (let k = 0; k < size; k++) {
    if (!Number.isFinite(data[k])) {
      const j = Math.floor(k / n);
      const missing = Number.isNaN(m.data[k]);
      throw new MlshipError({
        what: `${kind} cannot use ${missing ? "missing" : "infinite (or beyond float32 range)"} values, found one in column "${names[j]}" row ${k - j * n}`,
        where: `column "${names[j]}"`,
        fix: missing
          ? "add an imputer (e.g. SimpleImputer) before the model"
          : "clip or rescale the column before the model",
        code: "E_MODEL_INPUT_MISSING",
      });
    }
  }
  return { data, nRows: n, nCols: names.length };
}

function checkLength(len: number, nRows: number, kind: string): void {
  if (len !== nRows) {
    throw new MlshipError({
      what: `${kind}: target has ${len} rows but X has ${nRows}`,
      fix: "pass X and y from the same rows",
      code: "E_MODEL_TARGET_LENGTH",
    });
  }
}

export interface ClassTarget {
  /** Labels present in y, in level order: predictProba's columns. */
  classes: string[];
  /** The target column's levels; predictions are codes into these. */
  targetLevels: string[];
  /** Index into `classes` per row. */
  index: Int32Array;
}

export function classTarget(y: Column | undefined, nRows: number, kind: string, shared = false): ClassTarget {
  if (y === undefined || y.type !== "categorical") {
    throw new MlshipError({
      what: `${kind} needs a categorical target, got ${y === undefined ? "none" : y.type}`,
      fix: "pass the target as a categorical column (use a regressor for numeric targets)",
      code: "E_MODEL_TARGET_TYPE",
    });
  }
  checkLength(y.codes.length, nRows, kind);
  const present = new Uint8Array(y.levels.length);
  for (let i = 0; i < nRows; i++) {
    const c = y.codes[i];
    if (c < 0) {
      throw new MlshipError({
        what: `${kind} target has a missing value at row ${i}`,
        fix: "drop rows with a missing target before fitting",
        code: "E_MODEL_TARGET_MISSING",
      });
    }
    present[c] = 1;
  }
  const classOfLevel = new Int32Array(y.levels.length).fill(-1);
  const classes: string[] = [];
  y.levels.forEach((level, k) => {
    if (present[k]) {
      classOfLevel[k] = classes.length;
      classes.push(level);
    }
  });
  const index = shared ? new Int32Array(new SharedArrayBuffer(nRows * 4)) : new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) index[i] = classOfLevel[y.codes[i]];
  return { classes, targetLevels: [...y.levels], index };
}

export function regressionTarget(
  y: Column | undefined,
  nRows: number,
  kind: string,
  shared = false,
): Float64Array {
  if (y === undefined || y.type !== "numeric") {
    throw new MlshipError({
      what: `${kind} needs a numeric target, got ${y === undefined ? "none" : y.type}`,
      fix: "pass the target column as numbers (use a classifier for categorical targets)",
      code: "E_MODEL_TARGET_TYPE",
    });
  }
  checkLength(y.values.length, nRows, kind);
  for (let i = 0; i < nRows; i++) {
    if (!Number.isFinite(y.values[i])) {
      throw new MlshipError({
        what: `${kind} target has a missing or infinite value at row ${i}`,
        fix: "drop rows with a missing target before fitting",
        code: "E_MODEL_TARGET_MISSING",
      });
    }
  }
  const out = shared ? new Float64Array(new SharedArrayBuffer(nRows * 8)) : new Float64Array(nRows);
  out.set(y.values);
  return out;
}

export type MaxFeatures = "sqrt" | "log2" | number | null;

/**
 * sklearn's max_features resolution. JS has one number type, so a number in (0, 1] is a fraction of the
 * features (1 = all, like sklearn's 1.0) and an integer > 1 is a count.
 */
export function resolveMaxFeatures(mf: MaxFeatures, nFeatures: number, kind: string): number {
  if (mf === null) return nFeatures;
  if (mf === "sqrt") return Math.max(1, Math.floor(Math.sqrt(nFeatures)));
  if (mf === "log2") return Math.max(1, Math.floor(Math.log2(nFeatures)));
  if (typeof mf === "number" && mf > 0 && mf <= 1) return Math.max(1, Math.floor(mf * nFeatures));
  if (typeof mf === "number" && Number.isInteger(mf) && mf > 1) return Math.min(mf, nFeatures);
  throw invalidParam(kind, "maxFeatures", mf, '"sqrt", "log2", null, a fraction in (0, 1] or an integer > 1');
}

export function checkTreeParams(
  kind: string,
  p: { maxDepth: number | null; minSamplesSplit: number; minSamplesLeaf: number; maxFeatures: MaxFeatures },
): void {
  if (p.maxDepth !== null && !(Number.isInteger(p.maxDepth) && p.maxDepth >= 1))
    throw invalidParam(kind, "maxDepth", p.maxDepth, "null or an integer >= 1");
  if (!(Number.isInteger(p.minSamplesSplit) && p.minSamplesSplit >= 2))
    throw invalidParam(kind, "minSamplesSplit", p.minSamplesSplit, "an integer >= 2");
  if (!(Number.isInteger(p.minSamplesLeaf) && p.minSamplesLeaf >= 1))
    throw invalidParam(kind, "minSamplesLeaf", p.minSamplesLeaf, "an integer >= 1");
  resolveMaxFeatures(p.maxFeatures, 2, kind);
}

/** R² as sklearn computes it (1 - SS_res / SS_tot; 0 for a constant target predicted exactly). */
export function r2Score(y: Float64Array, pred: Float64Array): number {
  const n = y.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    ssRes += (y[i] - pred[i]) ** 2;
    ssTot += (y[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}

/** Accuracy of predicted codes (into `levels`) against a categorical column, comparing labels. */
export function accuracyScore(
  kind: string,
  y: Column | undefined,
  codes: Int32Array,
  levels: readonly string[],
): number {
  if (y === undefined || y.type !== "categorical") {
    throw new MlshipError({
      what: `${kind}: score needs a categorical target column, got ${y === undefined ? "none" : y.type}`,
      fix: "pass the true labels as a categorical column",
      code: "E_MODEL_TARGET_TYPE",
    });
  }
  checkLength(y.codes.length, codes.length, kind);
  let hits = 0;
  for (let i = 0; i < codes.length; i++) {
    if (y.codes[i] >= 0 && y.levels[y.codes[i]] === levels[codes[i]]) hits++;
  }
  return hits / codes.length;
}

export function numericScoreTarget(kind: string, y: Column | undefined, nRows: number): Float64Array {
  if (y === undefined || y.type !== "numeric") {
    throw new MlshipError({
      what: `${kind}: score needs a numeric target column, got ${y === undefined ? "none" : y.type}`,
      fix: "pass the true values as a numeric column",
      code: "E_MODEL_TARGET_TYPE",
    });
  }
  checkLength(y.values.length, nRows, kind);
  return y.values;
}
