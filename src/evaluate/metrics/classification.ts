/**
 * Label metrics with scikit-learn 1.2 semantics: by default the classes considered are those present in
 * yTrue or yPred (`unique_labels`), and an undefined ratio (no predicted or no true samples) counts as
 * `zeroDivision` (0 by default, like sklearn's "warn").
 */
import {
  encodePair,
  type LabelInput,
  type LabelRef,
  labelName,
  metricError,
  presentLabels,
  resolveLabel,
} from "./labels.js";

export type Average = "binary" | "macro" | "weighted" | "micro";

export interface LabelsOptions {
  /** Class codes to consider, in this order; default: the classes present in yTrue or yPred. */
  labels?: readonly number[];
}

export interface PrecisionRecallOptions extends LabelsOptions {
  /** Default "binary". */
  average?: Average;
  /** The positive class for average "binary": a code or a level name. Default 1. */
  posLabel?: LabelRef;
  /** Value of an undefined ratio. Default 0 (scikit-learn's "warn"). */
  zeroDivision?: 0 | 1;
  /** Weight of recall in the F-score. Default 1. */
  beta?: number;
}

export interface PerClassScores {
  labels: number[];
  precision: Float64Array;
  recall: Float64Array;
  fScore: Float64Array;
  /** Number of true samples per class. */
  support: Float64Array;
}

export function accuracy(yTrue: LabelInput, yPred: LabelInput): number {
  const { codes: t, other: p } = encodePair(yTrue, yPred);
  if (t.length === 0) throw metricError("accuracy of zero samples is undefined");
  let hits = 0;
  for (let i = 0; i < t.length; i++) if (t[i] === p[i]) hits++;
  return hits / t.length;
}

/** Mean recall over the classes present in yTrue (predicted-only classes are ignored, as in sklearn). */
export function balancedAccuracy(yTrue: LabelInput, yPred: LabelInput): number {
  const { codes: t, other: p } = encodePair(yTrue, yPred);
  if (t.length === 0) throw metricError("balanced accuracy of zero samples is undefined");
  const k = Math.max(...presentLabels(t)) + 1;
  const hits = new Float64Array(k);
  const total = new Float64Array(k);
  for (let i = 0; i < t.length; i++) {
    total[t[i]]++;
    if (t[i] === p[i]) hits[t[i]]++;
  }
  let sum = 0;
  let m = 0;
  for (let c = 0; c < k; c++) {
    if (total[c] > 0) {
      sum += hits[c] / total[c];
      m++;
    }
  }
  return sum / m;
}

export interface ConfusionMatrix {
  /** Class codes, in row/column order. */
  labels: number[];
  /** Level names of those classes (the codes as strings when the input had no levels). */
  names: string[];
  /** counts[i][j]: samples of true class labels[i] predicted as labels[j]. */
  counts: number[][];
}

/** Samples whose true or predicted class is not in `labels` are left out, as in sklearn. */
export function confusionMatrix(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: LabelsOptions = {},
): ConfusionMatrix {
  const { codes: t, other: p, levels } = encodePair(yTrue, yPred);
  const labels = options.labels ? [...options.labels] : presentLabels(t, p);
  const index = new Map(labels.map((l, k) => [l, k]));
  const counts = labels.map(() => new Array<number>(labels.length).fill(0));
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]);
    const b = index.get(p[i]);
    if (a !== undefined && b !== undefined) counts[a][b]++;
  }
  return { labels, names: labels.map((l) => labelName(l, levels)), counts };
}

function countsFor(t: Int32Array, p: Int32Array, labels: readonly number[]) {
  const index = new Map(labels.map((l, k) => [l, k]));
  const k = labels.length;
  const tp = new Float64Array(k);
  const predSum = new Float64Array(k);
  const trueSum = new Float64Array(k);
  for (let i = 0; i < t.length; i++) {
    const a = index.get(t[i]);
    const b = index.get(p[i]);
    if (a !== undefined) trueSum[a]++;
    if (b !== undefined) predSum[b]++;
    if (a !== undefined && t[i] === p[i]) tp[a]++;
  }
  return { tp, predSum, trueSum };
}

function divide(num: Float64Array, den: Float64Array, zeroDivision: number): Float64Array {
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) out[i] = den[i] === 0 ? zeroDivision : num[i] / den[i];
  return out;
}

function fScores(precision: Float64Array, recall: Float64Array, beta: number): Float64Array {
  const beta2 = beta * beta;
  const out = new Float64Array(precision.length);
  for (let i = 0; i < out.length; i++) {
    const denom = beta2 * precision[i] + recall[i];
    // Same operation order as sklearn so that exact ties in reports round the same way.
    out[i] = ((1 + beta2) * precision[i] * recall[i]) / (denom === 0 ? 1 : denom);
  }
  return out;
}

function prf(t: Int32Array, p: Int32Array, labels: readonly number[], zeroDivision: number, beta: number) {
  const { tp, predSum, trueSum } = countsFor(t, p, labels);
  const precision = divide(tp, predSum, zeroDivision);
  const recall = divide(tp, trueSum, zeroDivision);
  return { tp, predSum, trueSum, precision, recall, fScore: fScores(precision, recall, beta) };
}

/** Per-class precision, recall, F-score and support (sklearn's `average=None`). */
export function perClassScores(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: LabelsOptions & { zeroDivision?: 0 | 1; beta?: number } = {},
): PerClassScores {
  const { codes: t, other: p } = encodePair(yTrue, yPred);
  const labels = options.labels ? [...options.labels] : presentLabels(t, p);
  const r = prf(t, p, labels, options.zeroDivision ?? 0, options.beta ?? 1);
  return { labels, precision: r.precision, recall: r.recall, fScore: r.fScore, support: r.trueSum };
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

function weightedMean(a: Float64Array, w: Float64Array): number {
  let s = 0;
  let ws = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] * w[i];
    ws += w[i];
  }
  return s / ws;
}

export interface PrecisionRecallFscore {
  precision: number;
  recall: number;
  fScore: number;
}

export function precisionRecallFscore(
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrecisionRecallOptions = {},
): PrecisionRecallFscore {
  const average = options.average ?? "binary";
  const zeroDivision = options.zeroDivision ?? 0;
  const beta = options.beta ?? 1;
  const { codes: t, other: p, levels } = encodePair(yTrue, yPred);
  const present = presentLabels(t, p);
  let labels = options.labels ? [...options.labels] : present;
  if (average === "binary") {
    if (present.length > 2) {
      throw metricError(
        `average "binary" needs at most two classes, found ${present.length}`,
        'use average "macro", "weighted" or "micro" for multiclass targets',
        "E_METRIC_NOT_BINARY",
      );
    }
    const pos = resolveLabel(options.posLabel ?? 1, levels);
    if (present.length === 2 && !present.includes(pos)) {
      throw metricError(
        `posLabel ${options.posLabel ?? 1} is not one of the classes present`,
        "pass the positive class as posLabel",
        "E_METRIC_UNKNOWN_LABEL",
      );
    }
    labels = [pos];
  }
  const r = prf(t, p, labels, zeroDivision, beta);
  if (average === "micro") {
    const sum = (a: Float64Array) => Float64Array.of(a.reduce((x, y) => x + y, 0));
    const tp = sum(r.tp);
    const precision = divide(tp, sum(r.predSum), zeroDivision);
    const recall = divide(tp, sum(r.trueSum), zeroDivision);
    return { precision: precision[0], recall: recall[0], fScore: fScores(precision, recall, beta)[0] };
  }
  if (average === "weighted") {
    const totalTrue = r.trueSum.reduce((x, y) => x + y, 0);
    if (totalTrue === 0) {
      const totalPred = r.predSum.reduce((x, y) => x + y, 0);
      return totalPred === 0
        ? { precision: zeroDivision, recall: zeroDivision, fScore: zeroDivision }
        : { precision: 0, recall: zeroDivision, fScore: 0 };
    }
    return {
      precision: weightedMean(r.precision, r.trueSum),
      recall: weightedMean(r.recall, r.trueSum),
      fScore: weightedMean(r.fScore, r.trueSum),
    };
  }
  return { precision: mean(r.precision), recall: mean(r.recall), fScore: mean(r.fScore) };
}

export const precision = (
  yTrue: LabelInput,
  yPred: LabelInput,
  options: PrecisionRecallOptions = {},
): number => precisionRecallFscore(yTrue, yPred, options).precision;

export const recall = (yTrue: LabelInput, yPred: LabelInput, options: PrecisionRecallOptions = {}): number =>
  precisionRecallFscore(yTrue, yPred, options).recall;

export const f1 = (
  yTrue: LabelInput,
  yPred: LabelInput,
  options: Omit<PrecisionRecallOptions, "beta"> = {},
): number => precisionRecallFscore(yTrue, yPred, { ...options, beta: 1 }).fScore;
