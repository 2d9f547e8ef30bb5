/**
 * The spec's metric names mapped onto the metric functions, for columns as models produce them.
 *
 * Decisions where the spec name alone is ambiguous:
 * - precision / recall / f1 use the positive class on a binary target and the macro average on a
 *   multiclass one (the spec has no precision_macro);
 * - roc_auc and roc_auc_ovr are the same: binary AUC of the positive class, or one-vs-rest macro AUC;
 * - average_precision on a multiclass target is the one-vs-rest macro average;
 * - the positive class defaults to the second of two classes (e.g. "Yes" of "No"/"Yes", "true").
 */
import { MlshipError } from "../../core/errors.js";
import { type Column, categorical, type Frame } from "../../core/frame.js";
import { registerMetricScorer } from "../../models/scoring.js";
import { lowerIsBetter, type MetricName, metricNames } from "../../spec/schema.js";
import { accuracy, balancedAccuracy, precisionRecallFscore } from "./classification.js";
import { daviesBouldinScore, type Matrix, silhouetteScore } from "./clustering.js";
import { encodeLabels, metricError } from "./labels.js";
import { brierScore, logLoss } from "./probabilistic.js";
import { averagePrecision, rocAuc } from "./ranking.js";
import {
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  r2Score,
  rootMeanSquaredError,
} from "./regression.js";

export interface Prediction {
  /** Predicted classes (classification) or cluster ids (clustering). */
  labels?: Column;
  /** Row-major n x classes.length probabilities, as from `predictProba`. */
  proba?: Float64Array;
  /** Class names in the column order of `proba`. */
  classes?: readonly string[];
  /** Predicted values (regression). */
  values?: Float64Array;
}

export interface ScoreOptions {
  /** The positive class of a binary target; default the second of the two classes. */
  positiveClass?: string | number | boolean;
  /** The features the clusters were computed from (silhouette, davies_bouldin). */
  features?: Frame | Matrix;
}

export function greaterIsBetter(metric: MetricName): boolean {
  return !lowerIsBetter.has(metric);
}

const PROBA_METRICS: ReadonlySet<MetricName> = new Set([
  "roc_auc",
  "roc_auc_ovr",
  "average_precision",
  "log_loss",
  "brier",
]);

function need<T>(value: T | undefined | null, metric: MetricName, what: string): T {
  if (value === undefined || value === null) {
    throw new MlshipError({
      what: `metric "${metric}" needs ${what}`,
      where: "evaluate/score",
      fix: "pass it in the prediction (or pick a metric that fits the task)",
      code: "E_METRIC_NEEDS_INPUT",
    });
  }
  return value;
}

/** Codes of a label column over `classes`, extending `classes` with levels it lacks. */
function codesOver(y: Column, classes: string[], name: string): Int32Array {
  const { codes, levels } = encodeLabels(y, name);
  if (!levels) return codes;
  const map = levels.map((l) => {
    let k = classes.indexOf(l);
    if (k < 0) {
      k = classes.length;
      classes.push(l);
    }
    return k;
  });
  return Int32Array.from(codes, (c) => map[c]);
}

function argmaxLabels(proba: Float64Array, n: number, classes: readonly string[]): Column {
  const k = classes.length;
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    codes[i] = best;
  }
  return categorical(codes, classes);
}

function classificationScore(
  metric: MetricName,
  yTrue: Column,
  prediction: Prediction,
  options: ScoreOptions,
): number {
  const modelClasses =
    prediction.classes ?? (yTrue.type === "categorical" ? yTrue.levels : ["false", "true"]);
  const classes = [...modelClasses];
  const t = codesOver(yTrue, classes, "yTrue");
  const n = t.length;
  const binary = classes.length <= 2;
  const pos = binary ? positiveCode(classes, options.positiveClass) : 1;
  if (PROBA_METRICS.has(metric)) {
    const proba = need(prediction.proba, metric, "predicted probabilities (proba)");
    if (proba.length !== n * modelClasses.length) {
      throw metricError(`proba has ${proba.length} values, expected ${n} x ${modelClasses.length} classes`);
    }
    for (let i = 0; i < n; i++) {
      if (t[i] >= modelClasses.length) {
        throw metricError(
          `yTrue has class "${classes[t[i]]}" that has no predicted probability`,
          "train on data that contains every class, or drop the unseen class",
          "E_METRIC_UNKNOWN_LABEL",
        );
      }
    }
    switch (metric) {
      case "log_loss":
        return logLoss(t, proba);
      case "brier":
        if (!binary) {
          throw metricError(
            `"brier" is defined for binary targets only`,
            'use "log_loss"',
            "E_METRIC_NOT_BINARY",
          );
        }
        return brierScore(t, proba, { posLabel: pos });
      case "average_precision":
        return averagePrecision(t, proba, { posLabel: pos });
      default:
        return rocAuc(t, proba, { posLabel: pos });
    }
  }
  const labels =
    prediction.labels ?? argmaxLabels(need(prediction.proba, metric, "labels or proba"), n, modelClasses);
  const p = codesOver(labels, classes, "prediction.labels");
  switch (metric) {
    case "accuracy":
      return accuracy(t, p);
    case "balanced_accuracy":
      return balancedAccuracy(t, p);
    case "f1_macro":
      return precisionRecallFscore(t, p, { average: "macro" }).fScore;
    case "f1_weighted":
      return precisionRecallFscore(t, p, { average: "weighted" }).fScore;
    default: {
      const r = precisionRecallFscore(
        t,
        p,
        binary ? { average: "binary", posLabel: pos } : { average: "macro" },
      );
      return metric === "precision" ? r.precision : metric === "recall" ? r.recall : r.fScore;
    }
  }
}

function positiveCode(classes: readonly string[], positiveClass: ScoreOptions["positiveClass"]): number {
  if (positiveClass === undefined) return Math.min(1, classes.length - 1);
  const k = classes.indexOf(String(positiveClass));
  if (k < 0) {
    throw new MlshipError({
      what: `positive class "${String(positiveClass)}" is not one of the classes (${classes.join(", ")})`,
      where: "spec: positiveClass",
      fix: "set positiveClass to one of the target's values",
      code: "E_METRIC_UNKNOWN_LABEL",
    });
  }
  return k;
}

/** Score a prediction with a metric named as in the spec (`metric.primary` / `metric.secondary`). */
export function score(
  metric: MetricName,
  yTrue: Column | null,
  prediction: Prediction,
  options: ScoreOptions = {},
): number {
  switch (metric) {
    case "silhouette":
    case "davies_bouldin": {
      const X = need(options.features, metric, "the features (options.features)");
      const labels = need(prediction.labels, metric, "cluster labels");
      return metric === "silhouette" ? silhouetteScore(X, labels) : daviesBouldinScore(X, labels);
    }
    case "mae":
    case "mse":
    case "rmse":
    case "r2":
    case "mape": {
      const y = need(yTrue, metric, "the true target");
      if (y.type !== "numeric") {
        throw metricError(`"${metric}" needs a numeric target, got ${y.type}`, "use a classification metric");
      }
      const values = need(prediction.values, metric, "predicted values");
      const f = {
        mae: meanAbsoluteError,
        mse: meanSquaredError,
        rmse: rootMeanSquaredError,
        r2: r2Score,
        mape: meanAbsolutePercentageError,
      }[metric];
      return f(y.values, values);
    }
    default:
      return classificationScore(metric, need(yTrue, metric, "the true target"), prediction, options);
  }
}

// Models that score themselves during fit (early stopping on the spec's metric) use these.
registerMetricScorer({
  names: metricNames.filter((m) => m !== "silhouette" && m !== "davies_bouldin"),
  score: (metric, yTrue, prediction) => score(metric as MetricName, yTrue, prediction),
  greaterIsBetter: (metric) => greaterIsBetter(metric as MetricName),
});
