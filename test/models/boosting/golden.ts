/** test/golden/hist_gradient_boosting.json (scripts/golden/hist_gradient_boosting.py, scikit-learn 1.2.1). */
import { readFileSync } from "node:fs";

export type Num = number | "inf" | "-inf";

export interface GoldenTree {
  value: number[];
  count: number[];
  feature: number[];
  numThreshold: Num[];
  binThreshold: number[];
  missingLeft: number[];
  left: number[];
  right: number[];
  gain: number[];
  depth: number[];
  isCategorical: number[];
  bitsetIdx: number[];
  binnedBitsets: number[][];
}

export interface GoldenModel {
  data: string;
  target: string;
  task: "classification" | "regression";
  params: Record<string, number | string | null>;
  nIter: number;
  /** Rows the predictions are given for. */
  rows: number[];
  baseline: number[];
  firstTrees: GoldenTree[];
  lastTrees: GoldenTree[];
  raw: number[][];
  classes?: string[];
  proba?: number[][];
  predictions?: number[];
  stages: Record<string, number[][]>;
}

export const golden = JSON.parse(
  readFileSync(new URL("../../golden/hist_gradient_boosting.json", import.meta.url), "utf8"),
) as {
  sklearn: string;
  binning: Array<{
    column: string;
    values: Array<Num | null> | null;
    maxBins: number;
    thresholds: Num[];
    bins: number[];
  }>;
  models: GoldenModel[];
  cv: Array<{ data: string; target: string; task: "classification" | "regression"; scores: number[] }>;
  earlyStopping: Array<{
    data: string;
    target: string;
    task: "classification" | "regression";
    params: Record<string, number | string>;
    nIter: number;
    trainScore: number[];
  }>;
};

export const num = (v: Num | null): number =>
  v === null
    ? Number.NaN
    : v === "inf"
      ? Number.POSITIVE_INFINITY
      : v === "-inf"
        ? Number.NEGATIVE_INFINITY
        : v;

/** sklearn parameter names to ours. */
export function ourParams(p: Record<string, number | string | null>): Record<string, unknown> {
  const name: Record<string, string> = {
    max_iter: "maxIter",
    max_depth: "maxDepth",
    max_leaf_nodes: "maxLeafNodes",
    min_samples_leaf: "minSamplesLeaf",
    l2_regularization: "l2Regularization",
    learning_rate: "learningRate",
    max_bins: "maxBins",
    loss: "loss",
    scoring: "scoring",
    n_iter_no_change: "nIterNoChange",
    tol: "tol",
  };
  const loss: Record<string, string> = {
    absolute_error: "absoluteError",
    poisson: "poisson",
    squared_error: "squaredError",
  };
  return Object.fromEntries(
    Object.entries(p).map(([k, v]) => [name[k] ?? k, k === "loss" ? loss[v as string] : v]),
  );
}
