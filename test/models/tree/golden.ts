/** test/golden/trees.json (scripts/golden/trees.py, scikit-learn 1.2.1) and helpers shared by the tree tests. */
import { readFileSync } from "node:fs";
import type { Column, Frame } from "../../../src/core/frame.js";

export interface GoldenTree {
  data: string;
  target: string;
  task: "classification" | "regression";
  criterion: "gini" | "entropy" | "squared_error";
  maxDepth: number | null;
  stable: boolean;
  nodeCount: number;
  depth: number;
  nLeaves: number;
  rootFeature: number;
  rootThreshold: number;
  feature: number[];
  threshold: number[];
  nNodeSamples: number[];
  impurity: number[];
  featureImportances: number[];
  predRows: number[];
  predictions: number[];
  cvScores: number[];
}

export interface GoldenForest {
  data: string;
  target: string;
  task: "classification" | "regression";
  cvAccuracy?: number[];
  cvRocAuc?: number[];
  cvR2?: number[];
  oobScore: number;
  featureImportances: number[];
}

export const golden = JSON.parse(
  readFileSync(new URL("../../golden/trees.json", import.meta.url), "utf8"),
) as {
  splitterSeed: number;
  trees: GoldenTree[];
  forests: GoldenForest[];
};

export const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

/** sklearn's KFold(5) without shuffling: contiguous folds, the first n % 5 one row larger. */
export function kFold(n: number, k = 5): Array<{ train: Int32Array; test: Int32Array }> {
  const out = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const test = Int32Array.from({ length: size }, (_, i) => start + i);
    const train = Int32Array.from({ length: n - size }, (_, i) => (i < start ? i : i + size));
    out.push({ train, test });
    start += size;
  }
  return out;
}

export function takeColumn(y: Column, rows: Int32Array): Column {
  if (y.type === "categorical") return { ...y, codes: Int32Array.from(rows, (i) => y.codes[i]) };
  if (y.type === "numeric") return { type: "numeric", values: Float64Array.from(rows, (i) => y.values[i]) };
  throw new Error("unexpected target type");
}

/** Mean 5-fold score of fresh models from `make`. */
export function cvScore(
  make: () => { fit(X: Frame, y: Column): unknown; score(X: Frame, y: Column): number },
  X: Frame,
  y: Column,
): number[] {
  return kFold(X.nRows).map(({ train, test }) => {
    const m = make();
    m.fit(X.take(train), takeColumn(y, train));
    return m.score(X.take(test), takeColumn(y, test));
  });
}
