/** Regression metrics; sums follow NumPy's order so edge cases (a constant target) branch as in sklearn. */
import { metricError } from "./labels.js";
import { npSum } from "./sum.js";

function check(yTrue: Float64Array, yPred: Float64Array): number {
  const n = yTrue.length;
  if (yPred.length !== n) throw metricError(`yTrue has ${n} values but yPred has ${yPred.length}`);
  if (n === 0) throw metricError("a regression metric of zero samples is undefined");
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(yTrue[i]) || !Number.isFinite(yPred[i])) {
      throw metricError(
        `row ${i} has a missing or infinite value (yTrue ${yTrue[i]}, yPred ${yPred[i]})`,
        "drop rows with a missing target before scoring",
        "E_METRIC_MISSING_VALUE",
      );
    }
  }
  return n;
}

function meanOf(n: number, f: (i: number) => number): number {
  const terms = new Float64Array(n);
  for (let i = 0; i < n; i++) terms[i] = f(i);
  return npSum(terms) / n;
}

export function meanAbsoluteError(yTrue: Float64Array, yPred: Float64Array): number {
  return meanOf(check(yTrue, yPred), (i) => Math.abs(yPred[i] - yTrue[i]));
}

export function meanSquaredError(yTrue: Float64Array, yPred: Float64Array): number {
  return meanOf(check(yTrue, yPred), (i) => (yTrue[i] - yPred[i]) ** 2);
}

export function rootMeanSquaredError(yTrue: Float64Array, yPred: Float64Array): number {
  return Math.sqrt(meanSquaredError(yTrue, yPred));
}

/** |error| / max(|yTrue|, float64 eps): a zero target gives a huge but finite term, as in sklearn. */
export function meanAbsolutePercentageError(yTrue: Float64Array, yPred: Float64Array): number {
  return meanOf(
    check(yTrue, yPred),
    (i) => Math.abs(yPred[i] - yTrue[i]) / Math.max(Math.abs(yTrue[i]), Number.EPSILON),
  );
}

/**
 * Coefficient of determination. Like sklearn (force_finite): 1 for perfect predictions, 0 when the
 * target is constant but the predictions are not, NaN with fewer than two samples.
 */
export function r2Score(yTrue: Float64Array, yPred: Float64Array): number {
  const n = check(yTrue, yPred);
  if (n < 2) return Number.NaN;
  const mean = npSum(yTrue) / n;
  const res = new Float64Array(n);
  const tot = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    res[i] = (yTrue[i] - yPred[i]) ** 2;
    tot[i] = (yTrue[i] - mean) ** 2;
  }
  const numerator = npSum(res);
  const denominator = npSum(tot);
  if (numerator === 0) return 1;
  if (denominator === 0) return 0;
  return 1 - numerator / denominator;
}
