/**
 * Cross-validation: a fresh clone of the estimator is fitted on each training fold and scored on the
 * held-out fold. Folds run one after another in this process: estimators register their kinds on
 * import, so a worker thread would have to import every estimator module before it could revive one.
 */
import { performance } from "node:perf_hooks";
import { MlshipError } from "../core/errors.js";
import { type Column, type Frame, takeColumn } from "../core/frame.js";
import { isClassifier, isPredictor, type Predictor } from "../core/protocol.js";
import type { MetricName } from "../spec/schema.js";
import { clone } from "./clone.js";
import { type CrossValidator, KFold, StratifiedKFold } from "./kfold.js";
import { type Prediction, score } from "./metrics/score.js";

export interface CrossValidateOptions<M extends MetricName> {
  /**
   * Folds: a splitter, or a number of folds (default 5) meaning StratifiedKFold for a classifier with a
   * categorical or boolean target and KFold otherwise, both without shuffling (as scikit-learn).
   */
  cv?: number | CrossValidator;
  scoring: readonly M[];
  /** The positive class of a binary target (for precision, recall, f1, roc_auc, ...). */
  positiveClass?: string | number | boolean;
  /** Called after each fold, e.g. for a progress bar. */
  onFold?: (result: FoldResult<M>, nFolds: number) => void;
}

export interface FoldResult<M extends MetricName> {
  fold: number;
  trainSize: number;
  testSize: number;
  scores: Record<M, number>;
  /** Seconds. */
  fitTime: number;
  /** Seconds, predicting and scoring. */
  scoreTime: number;
}

export interface CrossValidateResult<M extends MetricName> {
  folds: FoldResult<M>[];
  /** Per metric, the score of each fold. */
  scores: Record<M, Float64Array>;
  fitTime: Float64Array;
  scoreTime: Float64Array;
  mean: Record<M, number>;
  /** Population standard deviation (NumPy's default, ddof = 0). */
  std: Record<M, number>;
}

const NEEDS_PROBA: ReadonlySet<MetricName> = new Set([
  "roc_auc",
  "roc_auc_ovr",
  "average_precision",
  "log_loss",
  "brier",
]);

function defaultCv(estimator: Predictor, y: Column | null, nSplits: number): CrossValidator {
  const stratify =
    estimator.task === "classification" && y !== null && (y.type === "categorical" || y.type === "boolean");
  return stratify ? new StratifiedKFold({ nSplits }) : new KFold({ nSplits });
}

function predictFold(model: Predictor, X: Frame, wantProba: boolean): Prediction {
  const out = model.predict(X);
  if (model.task === "regression") {
    if (out.type !== "numeric") {
      throw new MlshipError({
        what: `regressor ${model.kind} predicted a ${out.type} column`,
        code: "E_CV_PREDICTION",
      });
    }
    return { values: out.values };
  }
  if (model.task === "classification" && isClassifier(model)) {
    return {
      labels: out,
      classes: model.classes,
      ...(wantProba ? { proba: model.predictProba(X) } : {}),
    };
  }
  return { labels: out };
}

/** Score a fitted model on (X, y) with several metrics, predicting once (and probabilities only if needed). */
export function scoreFitted<M extends MetricName>(
  model: Predictor,
  X: Frame,
  y: Column | null,
  metrics: readonly M[],
  options: { positiveClass?: string | number | boolean } = {},
): Record<M, number> {
  const prediction = predictFold(
    model,
    X,
    metrics.some((m) => NEEDS_PROBA.has(m)),
  );
  const scores = {} as Record<M, number>;
  for (const m of metrics) scores[m] = score(m, y, prediction, { ...options, features: X });
  return scores;
}

export function crossValidate<M extends MetricName>(
  estimator: Predictor,
  X: Frame,
  y: Column | null,
  options: CrossValidateOptions<M>,
): CrossValidateResult<M> {
  if (!isPredictor(estimator)) {
    throw new MlshipError({
      what: `${(estimator as { kind?: string }).kind ?? "the estimator"} cannot predict`,
      fix: "cross-validate a model, not a transformer",
      code: "E_CV_ESTIMATOR",
    });
  }
  if (options.scoring.length === 0) {
    throw new MlshipError({
      what: "no metric to score",
      fix: "pass at least one metric in scoring",
      code: "E_CV",
    });
  }
  const cv = typeof options.cv === "object" ? options.cv : defaultCv(estimator, y, options.cv ?? 5);
  const scoreOptions = options.positiveClass === undefined ? {} : { positiveClass: options.positiveClass };

  const folds: FoldResult<M>[] = [];
  const splits = [...cv.split(y ?? X.nRows)];
  for (const [f, { train, test }] of splits.entries()) {
    const model = clone(estimator);
    const Xtrain = X.take(train);
    const start = performance.now();
    if (y === null) model.fit(Xtrain);
    else model.fit(Xtrain, takeColumn(y, train));
    const fitted = performance.now();
    const scores = scoreFitted(
      model,
      X.take(test),
      y === null ? null : takeColumn(y, test),
      options.scoring,
      scoreOptions,
    );
    const done = performance.now();
    const result: FoldResult<M> = {
      fold: f,
      trainSize: train.length,
      testSize: test.length,
      scores,
      fitTime: (fitted - start) / 1000,
      scoreTime: (done - fitted) / 1000,
    };
    folds.push(result);
    options.onFold?.(result, splits.length);
  }

  const perMetric = {} as Record<M, Float64Array>;
  const mean = {} as Record<M, number>;
  const std = {} as Record<M, number>;
  for (const m of options.scoring) {
    const v = Float64Array.from(folds, (r) => r.scores[m]);
    perMetric[m] = v;
    [mean[m], std[m]] = meanStd(v);
  }
  return {
    folds,
    scores: perMetric,
    fitTime: Float64Array.from(folds, (r) => r.fitTime),
    scoreTime: Float64Array.from(folds, (r) => r.scoreTime),
    mean,
    std,
  };
}

function meanStd(v: Float64Array): [number, number] {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return [mean, Math.sqrt(ss / v.length)];
}
