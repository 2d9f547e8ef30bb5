/**
 * Input checks and conversions shared by the models: they turn user mistakes (text columns, missing values, wrong target type, too few classes) into MlshipErrors
 * before any numeric kernel sees the data.
 */
import { MlshipError } from "../core/errors.js";
import { type Column, columnLength, type Frame } from "../core/frame.js";

export interface FeatureMatrix {
  /** Column-major n x p. */
  data: Float64Array;
  nRows: number;
  nCols: number;
}

/** Every fitted feature is present and numeric (or boolean), else an error naming the column. */
export function checkFeatureColumns(X: Frame, kind: string, names: readonly string[]): void {
  for (const name of names) {
    if (!X.has(name)) {
      throw new MlshipError({
        what: `${kind} was fitted with column "${name}", which this data does not have`,
        where: `columns: ${X.names.join(", ")}`,
        fix: "pass the same feature columns (after the same preprocessing) as at fit time",
        code: "E_MODEL_MISSING_FEATURE",
      });
    }
    const type = X.column(name).type;
    if (type !== "numeric" && type !== "boolean") {
      throw new MlshipError({
        what: `${kind} needs numeric features, but column "${name}" is ${type}`,
        where: `column "${name}"`,
        fix: "add a one-hot encoder (or an ordinal encoder) for categorical columns before the model",
        code: "E_MODEL_INPUT_TYPE",
      });
    }
  }
}

/** The numeric matrix of `X` in the order of `names` (the fitted features when predicting). */
export function featureMatrix(X: Frame, kind: string, names: readonly string[] = X.names): FeatureMatrix {
  checkFeatureColumns(X, kind, names);
  const m = X.toMatrix(names);
  const n = m.nRows;
  for (let j = 0; j < m.nCols; j++) {
    for (let i = j * n, end = i + n; i < end; i++) {
      if (!Number.isFinite(m.data[i])) {
        throw new MlshipError({
          what: `${kind} cannot use missing or infinite values, found one in column "${names[j]}" row ${i - j * n}`,
          where: `column "${names[j]}"`,
          fix: "add an imputer (e.g. SimpleImputer) before the model",
          code: "E_MODEL_INPUT_MISSING",
        });
      }
    }
  }
  return m;
}

/** A row-major copy, so per-row kernels (distances) read contiguous memory. */
export function rowMajor(m: FeatureMatrix): Float64Array {
  const { data, nRows: n, nCols: p } = m;
  const out = new Float64Array(n * p);
  for (let j = 0; j < p; j++) {
    const base = j * n;
    for (let i = 0; i < n; i++) out[i * p + j] = data[base + i];
  }
  return out;
}

export function regressionTarget(y: Column | undefined, nRows: number, kind: string): Float64Array {
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
  return y.values;
}

export interface ClassTarget {
  /** Class labels that occur in y, in level order. */
  classes: string[];
  /** The target's levels; predictions are codes into these. */
  levels: string[];
  /** Index into `classes` for every row. */
  index: Int32Array;
  counts: Float64Array;
}

export function classTarget(y: Column | undefined, nRows: number, kind: string, minClasses = 2): ClassTarget {
  if (y === undefined || y.type !== "categorical") {
    throw new MlshipError({
      what: `${kind} needs a categorical target, got ${y === undefined ? "none" : y.type}`,
      fix: "declare the target as categorical (class labels) or use a regressor",
      code: "E_MODEL_TARGET_TYPE",
    });
  }
  checkLength(y.codes.length, nRows, kind);
  const levelCounts = new Float64Array(y.levels.length);
  for (let i = 0; i < nRows; i++) {
    const c = y.codes[i];
    if (c < 0) {
      throw new MlshipError({
        what: `${kind} target has a missing class at row ${i}`,
        fix: "drop rows with a missing target before fitting",
        code: "E_MODEL_TARGET_MISSING",
      });
    }
    levelCounts[c]++;
  }
  const remap = new Int32Array(y.levels.length).fill(-1);
  const classes: string[] = [];
  const counts: number[] = [];
  levelCounts.forEach((count, level) => {
    if (count > 0) {
      remap[level] = classes.length;
      classes.push(y.levels[level]);
      counts.push(count);
    }
  });
  if (classes.length < minClasses) {
    throw new MlshipError({
      what: `${kind} needs at least ${minClasses} classes in the target, found ${classes.length} (${classes.join(", ") || "none"})`,
      fix: "check the target column and the row filter; a classifier cannot learn from a single class",
      code: "E_MODEL_SINGLE_CLASS",
    });
  }
  return {
    classes,
    levels: [...y.levels],
    index: Int32Array.from(y.codes.subarray(0, nRows), (c) => remap[c]),
    counts: Float64Array.from(counts),
  };
}

function checkLength(got: number, want: number, kind: string): void {
  if (got !== want) {
    throw new MlshipError({
      what: `${kind} got ${want} feature rows but ${got} target values`,
      fix: "pass X and y with the same rows",
      code: "E_MODEL_TARGET_LENGTH",
    });
  }
}

export function invalidParam(kind: string, name: string, value: unknown, expected: string): MlshipError {
  return new MlshipError({
    what: `${kind} parameter ${name}=${JSON.stringify(value)} is invalid: expected ${expected}`,
    where: `params.${name}`,
    fix: `set ${name} to ${expected}`,
    code: "E_MODEL_PARAM",
  });
}

/** Codes of class `k` of a classifier mapped back to the target's levels, for predict(). */
export function levelCodes(classes: readonly string[], levels: readonly string[]): Int32Array {
  return Int32Array.from(classes, (c) => levels.indexOf(c));
}

/** Fraction of rows whose predicted label equals the true label (missing true labels count as misses). */
export function accuracy(pred: Column, y: Column | undefined, kind: string): number {
  if (y === undefined || y.type !== "categorical" || pred.type !== "categorical") {
    throw invalidParam(kind, "y", y?.type ?? "none", "a categorical target column to score against");
  }
  checkLength(columnLength(y), pred.codes.length, kind);
  let hits = 0;
  for (let i = 0; i < pred.codes.length; i++) {
    if (y.codes[i] >= 0 && y.levels[y.codes[i]] === pred.levels[pred.codes[i]]) hits++;
  }
  return hits / pred.codes.length;
}

/** Coefficient of determination like sklearn's r2_score (1 for a perfect fit of a constant target, else 0). */
export function r2(pred: Float64Array, y: Column | undefined, kind: string): number {
  const t = regressionTarget(y, pred.length, kind);
  let mean = 0;
  for (let i = 0; i < t.length; i++) mean += t[i];
  mean /= t.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < t.length; i++) {
    ssRes += (t[i] - pred[i]) ** 2;
    ssTot += (t[i] - mean) ** 2;
  }
  if (ssTot === 0) return ssRes === 0 ? 1 : 0;
  return 1 - ssRes / ssTot;
}
