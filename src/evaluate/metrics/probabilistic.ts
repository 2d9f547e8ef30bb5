/** Metrics on predicted probabilities (row-major n x k, the layout of `predictProba`). */
import {
  encodeLabels,
  type LabelInput,
  type LabelRef,
  metricError,
  presentLabels,
  resolveLabel,
} from "./labels.js";
import { npSum } from "./sum.js";

export interface LogLossOptions {
  /**
   * Probabilities are clipped to [eps, 1 - eps] and rows renormalised. Default: the float64 machine
   * epsilon, which is what scikit-learn 1.2's `eps="auto"` resolves to for float64 input.
   */
  eps?: number;
}

/**
 * Mean negative log-likelihood of the true class. `proba` holds n x k probabilities of the classes with
 * codes 0..k-1 (sklearn with `labels=range(k)`), or n probabilities of class 1 for a binary target.
 */
export function logLoss(yTrue: LabelInput, proba: Float64Array, options: LogLossOptions = {}): number {
  const eps = options.eps ?? Number.EPSILON;
  const { codes } = encodeLabels(yTrue);
  const n = codes.length;
  const k = n === 0 ? 0 : proba.length / n;
  if (n === 0 || !Number.isInteger(k)) {
    throw metricError(`proba has ${proba.length} values for ${n} samples`, "pass predictProba output");
  }
  const width = Math.max(k, 2);
  const losses = new Float64Array(n);
  const row = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    const y = codes[i];
    if (y >= width) {
      throw metricError(
        `class code ${y} at row ${i} has no probability column (k = ${width})`,
        "pass probabilities for every class of the target",
      );
    }
    if (k === 1) {
      const p = clip(proba[i], eps);
      row[0] = 1 - p;
      row[1] = p;
    } else for (let c = 0; c < k; c++) row[c] = clip(proba[i * k + c], eps);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += row[c];
    losses[i] = -Math.log(row[y] / sum);
  }
  return npSum(losses) / n;
}

function clip(p: number, eps: number): number {
  if (Number.isNaN(p)) throw metricError("a predicted probability is NaN", "check the model's predictProba");
  return Math.min(Math.max(p, eps), 1 - eps);
}

export interface BrierOptions {
  /** The positive class: a code or a level name. Default 1. */
  posLabel?: LabelRef;
}

/**
 * Mean squared difference between the positive-class probability and the 0/1 outcome (binary only).
 * `prob` holds n probabilities of the positive class, or n x 2 class probabilities.
 */
export function brierScore(yTrue: LabelInput, prob: Float64Array, options: BrierOptions = {}): number {
  const { codes, levels } = encodeLabels(yTrue);
  const n = codes.length;
  if (presentLabels(codes).length > 2) {
    throw metricError(
      "the Brier score is defined for binary targets only",
      "use log_loss for a multiclass target",
      "E_METRIC_NOT_BINARY",
    );
  }
  const pos = resolveLabel(options.posLabel ?? 1, levels);
  const stride = prob.length === 2 * n ? 2 : 1;
  if (n === 0 || prob.length !== stride * n) {
    throw metricError(`prob has ${prob.length} values for ${n} samples`, "pass n or n x 2 probabilities");
  }
  if (stride === 2 && pos > 1) throw metricError(`posLabel ${pos} has no column among 2 class probabilities`);
  const offset = stride === 2 ? pos : 0;
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = prob[i * stride + offset];
    if (!(p >= 0 && p <= 1)) throw metricError(`probability ${p} at row ${i} is outside [0, 1]`);
    const d = (codes[i] === pos ? 1 : 0) - p;
    sq[i] = d * d;
  }
  return npSum(sq) / n;
}
