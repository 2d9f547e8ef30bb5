/**
 * Walking histogram trees: on raw feature values (predict), where numeric splits compare against the bin
 * thresholds, and on binned values (the validation rows during fit), where they compare bins, exactly as
 * the split was learned. Missing values and unknown categories follow `missingLeft`.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { binCount, type FeatureBins, numericValues } from "./binning.js";
import type { HistTree } from "./grower.js";

/**
 * Per node, the raw threshold of a numeric split: the upper bound of its bin, +Infinity for the split
 * that sends every non-missing value left; NaN for leaves and categorical splits.
 */
export function nodeThresholds(tree: HistTree, bins: readonly FeatureBins[]): Float64Array {
  const out = new Float64Array(tree.nodeCount).fill(Number.NaN);
  for (let k = 0; k < tree.nodeCount; k++) {
    const f = tree.feature[k];
    if (f < 0 || tree.categorySet[k] >= 0) continue;
    const b = bins[f];
    if (b.type !== "numeric") continue;
    const bin = tree.binThreshold[k];
    out[k] = bin >= binCount(b) - 1 ? Number.POSITIVE_INFINITY : b.thresholds[bin];
  }
  return out;
}

/**
 * The features as the trees read them, row-major n x p float64: numeric values (NaN for missing),
 * categorical features as their bin (NaN for missing and unknown categories).
 */
export function predictionMatrix(
  X: Frame,
  names: readonly string[],
  bins: readonly FeatureBins[],
  kind: string,
): Float64Array {
  const n = X.nRows;
  const p = names.length;
  const out = new Float64Array(n * p);
  names.forEach((name, f) => {
    if (!X.has(name)) {
      throw new MlshipError({
        what: `${kind} was fitted with column "${name}", which this data does not have`,
        where: `columns: ${X.names.join(", ")}`,
        fix: "pass the same feature columns (after the same preprocessing) as at fit time",
        code: "E_MODEL_MISSING_FEATURE",
      });
    }
    const c = X.column(name);
    const b = bins[f];
    const categorical = b.type === "categorical" && "levels" in b;
    if (categorical !== (c.type === "categorical")) {
      throw new MlshipError({
        what: `${kind} was fitted with ${categorical ? "categorical" : "numeric"} column "${name}", got ${c.type}`,
        where: `column "${name}"`,
        fix: "pass the column with the same type as at fit time",
        code: "E_MODEL_INPUT_TYPE",
      });
    }
    const values = categoryBins(c, b);
    for (let i = 0, at = f; i < n; i++, at += p) out[at] = values[i];
  });
  return out;
}

function categoryBins(c: Column, b: FeatureBins): Float64Array {
  if (b.type === "numeric") return numericValues(c);
  if ("levels" in b) {
    if (c.type !== "categorical") throw new Error("unreachable: checked by the caller");
    const index = new Map(b.levels.map((l, k) => [l, k]));
    const binOfCode = Float64Array.from(c.levels, (l) => index.get(l) ?? Number.NaN);
    return Float64Array.from(c.codes, (code) => (code < 0 ? Number.NaN : binOfCode[code]));
  }
  const index = new Map(Array.from(b.values, (v, k) => [v, k]));
  return Float64Array.from(numericValues(c), (v) => index.get(v) ?? Number.NaN);
}

/** A tree in one Int32Array (feature, left, right, category set) and one Float64Array (threshold, value). */
export interface PackedTree {
  nodes: Int32Array;
  numbers: Float64Array;
  bitsets: Uint32Array;
}

export function packTree(tree: HistTree, thresholds: Float64Array): PackedTree {
  const c = tree.nodeCount;
  const nodes = new Int32Array(4 * c);
  const numbers = new Float64Array(2 * c);
  for (let k = 0; k < c; k++) {
    nodes[4 * k] = tree.feature[k];
    nodes[4 * k + 1] = tree.left[k];
    nodes[4 * k + 2] = tree.right[k];
    nodes[4 * k + 3] =
      tree.categorySet[k] >= 0 ? 2 * tree.categorySet[k] + 2 + tree.missingLeft[k] : tree.missingLeft[k];
    numbers[2 * k] = thresholds[k];
    numbers[2 * k + 1] = tree.value[k];
  }
  return { nodes, numbers, bitsets: tree.bitsets };
}

/**
 * Adds each row's leaf value to out[offset + i] for the row-major matrix X (n x p). The last int of a
 * node is 0/1 (numeric split, missing left) or 2 + 2 * set + missingLeft (categorical split).
 */
export function addRaw(
  t: PackedTree,
  X: Float64Array,
  n: number,
  p: number,
  out: Float64Array,
  offset: number,
): void {
  const { nodes, numbers, bitsets } = t;
  for (let i = 0, row = 0; i < n; i++, row += p) {
    let node = 0;
    let f = nodes[0];
    while (f >= 0) {
      const x = X[row + f];
      const flags = nodes[4 * node + 3];
      let goLeft: boolean;
      if (Number.isNaN(x)) goLeft = (flags & 1) === 1;
      else if (flags >= 2) {
        const set = (flags >> 1) - 1;
        goLeft = ((bitsets[8 * set + (x >>> 5)] >>> (x & 31)) & 1) === 1;
      } else goLeft = x <= numbers[2 * node];
      node = goLeft ? nodes[4 * node + 1] : nodes[4 * node + 2];
      f = nodes[4 * node];
    }
    out[offset + i] += numbers[2 * node + 1];
  }
}

/** The same walk on binned rows (column-major uint8 n x p), comparing bins as the split was learned. */
export function addBinned(
  tree: HistTree,
  bins: Uint8Array,
  n: number,
  missingBin: number,
  out: Float64Array,
  offset: number,
): void {
  const { feature, binThreshold, categorySet, bitsets, missingLeft, left, right, value } = tree;
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (feature[node] >= 0) {
      const b = bins[feature[node] * n + i];
      const set = categorySet[node];
      let goLeft: boolean;
      if (b === missingBin) goLeft = missingLeft[node] === 1;
      else if (set >= 0) goLeft = ((bitsets[8 * set + (b >>> 5)] >>> (b & 31)) & 1) === 1;
      else goLeft = b <= binThreshold[node];
      node = goLeft ? left[node] : right[node];
    }
    out[offset + i] += value[node];
  }
}
