/**
 * Parameters, validation and neighbour weighting shared by the k-nearest-neighbour classifier and
 * regressor (sklearn's KNeighborsMixin with algorithm="brute").
 */
import { MlshipError } from "../../core/errors.js";
import type { Frame } from "../../core/frame.js";
import { featureMatrix, invalidParam, rowMajor } from "../input.js";
import { kNearest, type Neighbours } from "./search.js";

export type KNeighborsParams = {
  nNeighbors: number;
  /** "distance" weighs each neighbour by 1/distance; exact matches then take all the weight. */
  weights: "uniform" | "distance";
  /** Minkowski power: 1 Manhattan, 2 Euclidean. */
  p: 1 | 2;
};

export function kNeighborsParams(kind: string, params: Partial<KNeighborsParams>): KNeighborsParams {
  const p: KNeighborsParams = {
    nNeighbors: params.nNeighbors ?? 5,
    weights: params.weights ?? "uniform",
    p: params.p ?? 2,
  };
  if (!(Number.isInteger(p.nNeighbors) && p.nNeighbors > 0))
    throw invalidParam(kind, "nNeighbors", p.nNeighbors, "a positive integer");
  if (p.weights !== "uniform" && p.weights !== "distance")
    throw invalidParam(kind, "weights", p.weights, '"uniform" or "distance"');
  if (p.p !== 1 && p.p !== 2) throw invalidParam(kind, "p", p.p, "1 (Manhattan) or 2 (Euclidean)");
  return p;
}

export function checkEnoughRows(kind: string, nNeighbors: number, nRows: number): void {
  if (nNeighbors > nRows) {
    throw new MlshipError({
      what: `${kind} needs at least nNeighbors=${nNeighbors} training rows, got ${nRows}`,
      where: "params.nNeighbors",
      fix: `lower nNeighbors to at most ${nRows} or train on more rows`,
      code: "E_MODEL_TOO_FEW_ROWS",
    });
  }
}

/** The training matrix kept row-major for the distance loops (the JSON state stores it as a number[]). */
export function trainingRows(X: Frame, kind: string): { rows: Float64Array; nRows: number; nCols: number } {
  const m = featureMatrix(X, kind);
  return { rows: rowMajor(m), nRows: m.nRows, nCols: m.nCols };
}

export function queryNeighbours(
  X: Frame,
  kind: string,
  featureNames: readonly string[],
  train: Float64Array,
  nTrain: number,
  params: KNeighborsParams,
): Neighbours & { nQuery: number } {
  const m = featureMatrix(X, kind, featureNames);
  const nb = kNearest(train, nTrain, rowMajor(m), m.nRows, m.nCols, params.nNeighbors, params.p);
  return { ...nb, nQuery: m.nRows };
}

/**
 * Neighbour weights like sklearn's _get_weights: 1 for "uniform"; 1/d for "distance", except that a query
 * with any neighbour at distance 0 gives weight 1 to those and 0 to the others.
 */
export function neighbourWeights(
  nb: Neighbours,
  nQuery: number,
  weights: KNeighborsParams["weights"],
): Float64Array {
  const { k, distances } = nb;
  const w = new Float64Array(nQuery * k);
  if (weights === "uniform") return w.fill(1);
  for (let q = 0; q < nQuery; q++) {
    const o = q * k;
    let exact = false;
    for (let m = 0; m < k; m++) if (distances[o + m] === 0) exact = true;
    for (let m = 0; m < k; m++) {
      const d = distances[o + m];
      w[o + m] = exact ? (d === 0 ? 1 : 0) : 1 / d;
    }
  }
  return w;
}
