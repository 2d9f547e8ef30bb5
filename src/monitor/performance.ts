/**
 * Live performance on labelled predictions, with a confidence interval per metric, tested against the
 * holdout the version was chosen on (see intervals.ts for which interval and which test each metric
 * gets). Concept drift is flagged when the primary metric is significantly worse than on the holdout:
 * the one-sided test's p-value is below alpha and the drop is at least the rule's minimum.
 */
import { type Column, categorical, numeric } from "../core/frame.js";
import { greaterIsBetter, logLoss, type Prediction, score } from "../evaluate/index.js";
import type { MetricName } from "../spec/index.js";
import { decodeFloat64, encodeFloat64 } from "./encode.js";
import {
  type AucEstimate,
  bootstrapReplicates,
  bootstrapTest,
  delongAuc,
  delongInterval,
  delongTest,
  type Interval,
  percentileInterval,
  type TestResult,
  twoProportionZTest,
  wilsonInterval,
} from "./intervals.js";
import { sampleIndices } from "./sample.js";

/** Labelled predictions as columns: what the holdout and a window of the log both become. */
export interface LabelledSet {
  n: number;
  /** Class names of a classifier (the model's order); empty for a regressor. */
  classes: readonly string[];
  /** Class codes into `classes`, or true values for a regressor. */
  truth: Int32Array | Float64Array;
  /** Predicted class codes, or predicted values. */
  predicted: Int32Array | Float64Array;
  /** Row-major n x classes.length probabilities, when the model gives them. */
  proba: Float64Array | null;
}

export type IntervalMethod = "wilson" | "delong" | "bootstrap";

export interface MetricEstimate {
  metric: string;
  value: number;
  lower: number;
  upper: number;
  method: IntervalMethod;
  /** Bootstrap resamples behind the interval (fewer than configured on very large windows); null otherwise. */
  resamples: number | null;
  /** The same metric on the holdout, when it was measured there. */
  holdout: number | null;
  /** How much worse than the holdout (positive = worse, in the metric's units). */
  drop: number | null;
  test: string | null;
  statistic: number | null;
  /** One-sided: small when live performance is below the holdout's. */
  pValue: number | null;
  /** pValue < alpha (and, for the primary metric, the drop reaches minDrop). */
  significant: boolean;
}

/** What a version's profile keeps of its holdout to test live performance against. */
export interface HoldoutReference {
  rows: number;
  /** The holdout metrics `mlship train` measured. */
  metrics: Record<string, number>;
  accuracy?: { correct: number; n: number };
  auc?: AucEstimate;
  bootstrap: {
    resamples: number;
    seed: number;
    /** Holdout rows resampled (a large holdout is subsampled first; see holdoutReference). */
    rows: number;
    /** Per metric, the replicates as base64 float64. */
    replicates: Record<string, string>;
  };
}

export interface PerformanceOptions {
  metrics: readonly MetricName[];
  primary: MetricName;
  /** The primary metric's direction (the spec may override the metric's own). */
  direction: "maximize" | "minimize";
  positiveClass?: string;
  confidence: number;
  alpha: number;
  resamples: number;
  seed: number;
}

const binary = (set: LabelledSet) => set.classes.length === 2;

function positiveCode(set: LabelledSet, positiveClass: string | undefined): number {
  if (positiveClass === undefined) return Math.min(1, set.classes.length - 1);
  const k = set.classes.indexOf(positiveClass);
  return k < 0 ? 1 : k;
}

/** Which interval a metric gets on this set. */
export function methodOf(metric: MetricName, set: LabelledSet): IntervalMethod {
  if (metric === "accuracy" && set.classes.length > 0) return "wilson";
  if ((metric === "roc_auc" || metric === "roc_auc_ovr") && binary(set) && set.proba) return "delong";
  return "bootstrap";
}

/** The metric's value on the given rows (all when `rows` is null), through the evaluate layer's scorer. */
export function metricOn(
  metric: MetricName,
  set: LabelledSet,
  rows: Int32Array | null,
  positiveClass?: string,
): number {
  const take = <T extends Int32Array | Float64Array>(a: T): T => {
    if (rows === null) return a;
    const out = new (a.constructor as new (n: number) => T)(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]];
    return out;
  };
  if (set.classes.length === 0) {
    const truth: Column = numeric(take(set.truth as Float64Array));
    return score(metric, truth, { values: take(set.predicted as Float64Array) });
  }
  const k = set.classes.length;
  let proba: Float64Array | undefined;
  if (set.proba) {
    if (rows === null) proba = set.proba;
    else {
      proba = new Float64Array(rows.length * k);
      for (let i = 0; i < rows.length; i++)
        proba.set(set.proba.subarray(rows[i] * k, rows[i] * k + k), i * k);
    }
  }
  const prediction: Prediction = {
    labels: categorical(take(set.predicted as Int32Array), set.classes),
    classes: set.classes,
    ...(proba ? { proba } : {}),
  };
  return score(metric, categorical(take(set.truth as Int32Array), set.classes), prediction, {
    ...(positiveClass === undefined ? {} : { positiveClass }),
  });
}

function correctCount(set: LabelledSet): number {
  let c = 0;
  for (let i = 0; i < set.n; i++) if (set.truth[i] === set.predicted[i]) c++;
  return c;
}

function aucOf(set: LabelledSet, positiveClass: string | undefined): AucEstimate {
  const pos = positiveCode(set, positiveClass);
  const k = set.classes.length;
  const positive = new Uint8Array(set.n);
  const scores = new Float64Array(set.n);
  for (let i = 0; i < set.n; i++) {
    positive[i] = set.truth[i] === pos ? 1 : 0;
    scores[i] = (set.proba as Float64Array)[i * k + pos];
  }
  return delongAuc(positive, scores);
}

/**
 * A replicate's value from the resampled rows without building columns: for metrics that are a mean
 * of per-row terms (accuracy, log loss, Brier, the regression errors) or a function of counts (binary
 * precision, recall, F1; R² from sums), each row's term is computed once and a replicate only sums
 * them, so a resample costs n additions, not a call of the general scorer. Same operations, in the same
 * order, as the evaluate layer's metric on the resampled rows, up to summation rounding.
 */
type Kernel = (rows: Int32Array) => number;

function perRow(n: number, term: (i: number) => number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = term(i);
  return out;
}

function meanKernel(terms: Float64Array, finish: (m: number) => number = (m) => m): Kernel {
  return (rows) => {
    let s = 0;
    for (let i = 0; i < rows.length; i++) s += terms[rows[i]];
    return finish(s / rows.length);
  };
}

function fastKernel(metric: MetricName, set: LabelledSet, positiveClass: string | undefined): Kernel | null {
  const n = set.n;
  const k = set.classes.length;
  if (k === 0) {
    const y = set.truth as Float64Array;
    const yhat = set.predicted as Float64Array;
    switch (metric) {
      case "mae":
        return meanKernel(perRow(n, (i) => Math.abs(yhat[i] - y[i])));
      case "mse":
        return meanKernel(perRow(n, (i) => (yhat[i] - y[i]) ** 2));
      case "rmse":
        return meanKernel(
          perRow(n, (i) => (yhat[i] - y[i]) ** 2),
          (m) => Math.sqrt(m),
        );
      case "mape":
        return meanKernel(
          perRow(n, (i) => Math.abs(yhat[i] - y[i]) / Math.max(Math.abs(y[i]), Number.EPSILON)),
        );
      case "r2":
        return (rows) => {
          let sy = 0;
          let syy = 0;
          let see = 0;
          for (let i = 0; i < rows.length; i++) {
            const r = rows[i];
            sy += y[r];
            syy += y[r] * y[r];
            see += (yhat[r] - y[r]) ** 2;
          }
          const sst = syy - (sy * sy) / rows.length;
          if (see === 0) return 1;
          if (!(sst > 1e-12 * syy)) return 0;
          return 1 - see / sst;
        };
      default:
        return null;
    }
  }
  const t = set.truth as Int32Array;
  const p = set.predicted as Int32Array;
  if (metric === "accuracy") return meanKernel(perRow(n, (i) => (t[i] === p[i] ? 1 : 0)));
  if (metric === "log_loss" && set.proba) {
    const proba = set.proba;
    return meanKernel(perRow(n, (i) => logLoss(Int32Array.of(t[i]), proba.subarray(i * k, i * k + k), {})));
  }
  if (k !== 2) return null;
  const pos = positiveCode(set, positiveClass);
  if (metric === "brier" && set.proba) {
    const proba = set.proba;
    return meanKernel(perRow(n, (i) => ((t[i] === pos ? 1 : 0) - proba[i * 2 + pos]) ** 2));
  }
  if (metric !== "precision" && metric !== "recall" && metric !== "f1") return null;
  return (rows) => {
    let tp = 0;
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const isPos = t[r] === pos;
      const saysPos = p[r] === pos;
      if (saysPos) predicted++;
      if (isPos) actual++;
      if (isPos && saysPos) tp++;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = actual === 0 ? 0 : tp / actual;
    if (metric === "precision") return precision;
    if (metric === "recall") return recall;
    const denom = precision + recall;
    return (2 * precision * recall) / (denom === 0 ? 1 : denom);
  };
}

/** Most row draws a bootstrap spends per metric; larger windows get fewer resamples (at least 200). */
const drawBudget = 50_000_000;

/** The resamples a window of n rows gets: the configured number, fewer when n x resamples is too large. */
export function resamplesFor(n: number, resamples: number): number {
  return n * resamples <= drawBudget ? resamples : Math.max(200, Math.floor(drawBudget / Math.max(n, 1)));
}

/**
 * Seeded bootstrap replicates of several metrics at once: every metric sees the same resampled rows
 * (those bootstrapReplicates draws from the seed), so the index stream is drawn once for all.
 */
export function replicatesFor(
  metrics: readonly MetricName[],
  set: LabelledSet,
  resamples: number,
  seed: number,
  positiveClass?: string,
): Map<MetricName, Float64Array> {
  const kernels = metrics.map(
    (m) => fastKernel(m, set, positiveClass) ?? ((rows: Int32Array) => metricOn(m, set, rows, positiveClass)),
  );
  const out = metrics.map(() => new Float64Array(resamples));
  let b = 0;
  bootstrapReplicates(set.n, resamples, seed, (rows) => {
    for (let j = 0; j < kernels.length; j++) {
      let v: number;
      try {
        v = kernels[j](rows);
      } catch {
        v = Number.NaN;
      }
      out[j][b] = v;
    }
    b++;
    return 0;
  });
  return new Map(metrics.map((m, j) => [m, out[j]]));
}

/** Seeded bootstrap replicates of one metric on `set`. */
export function metricReplicates(
  metric: MetricName,
  set: LabelledSet,
  resamples: number,
  seed: number,
  positiveClass?: string,
): Float64Array {
  return replicatesFor([metric], set, resamples, seed, positiveClass).get(metric) as Float64Array;
}

/** Most holdout rows resampled at training: bootstrap cost is rows x resamples x the metric's cost. */
const holdoutBootstrapRows = 20_000;

/**
 * What a profile keeps of the holdout: the metrics as measured, the accuracy counts, DeLong's AUC
 * estimate and bootstrap replicates of every other metric. A holdout larger than 20,000 rows is
 * bootstrapped on a seeded subsample of that size: its replicates then spread a little wider than the
 * full holdout's would, which only makes the live test more conservative.
 */
export function holdoutReference(
  set: LabelledSet,
  measured: Record<string, number>,
  options: Pick<PerformanceOptions, "metrics" | "positiveClass" | "resamples" | "seed">,
): HoldoutReference {
  const ref: HoldoutReference = {
    rows: set.n,
    metrics: measured,
    bootstrap: { resamples: options.resamples, seed: options.seed, rows: 0, replicates: {} },
  };
  if (set.n === 0) return ref;
  if (set.classes.length > 0) ref.accuracy = { correct: correctCount(set), n: set.n };
  if (binary(set) && set.proba) ref.auc = aucOf(set, options.positiveClass);
  const sub = set.n > holdoutBootstrapRows ? subsample(set, holdoutBootstrapRows, options.seed) : set;
  ref.bootstrap.rows = sub.n;
  const boot = options.metrics.filter((m) => methodOf(m, set) === "bootstrap" && computable(m, set));
  for (const [metric, reps] of replicatesFor(
    boot,
    sub,
    options.resamples,
    options.seed,
    options.positiveClass,
  ))
    ref.bootstrap.replicates[metric] = encodeFloat64(reps);
  return ref;
}

/** Whether the set carries what the metric needs (probabilities for the ranking and loss metrics). */
export function computable(metric: MetricName, set: LabelledSet): boolean {
  const regression = ["mae", "mse", "rmse", "r2", "mape"].includes(metric);
  if (regression !== (set.classes.length === 0)) return false;
  if (["roc_auc", "roc_auc_ovr", "average_precision", "log_loss", "brier"].includes(metric))
    return set.proba !== null && (metric !== "brier" || binary(set));
  return !["silhouette", "davies_bouldin"].includes(metric);
}

function subsample(set: LabelledSet, rows: number, seed: number): LabelledSet {
  const take = sampleIndices(set.n, rows, seed);
  const pick = <T extends Int32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(rows);
    for (let i = 0; i < rows; i++) out[i] = a[take[i]];
    return out;
  };
  const k = set.classes.length;
  let proba: Float64Array | null = null;
  if (set.proba) {
    proba = new Float64Array(rows * k);
    for (let i = 0; i < rows; i++) proba.set(set.proba.subarray(take[i] * k, take[i] * k + k), i * k);
  }
  return { n: rows, classes: set.classes, truth: pick(set.truth), predicted: pick(set.predicted), proba };
}

export interface PerformanceResult {
  /** Labelled predictions in the window. */
  rows: number;
  metrics: MetricEstimate[];
  primary: string;
  /** The primary metric fell significantly below the holdout's. */
  conceptDrift: boolean;
  /** Why nothing was judged (too few labels), when so. */
  note?: string;
}

function estimate(
  metric: MetricName,
  set: LabelledSet,
  holdout: HoldoutReference | null,
  options: PerformanceOptions,
  replicates: Float64Array | undefined,
): MetricEstimate | null {
  if (!computable(metric, set)) return null;
  const direction =
    metric === options.primary ? options.direction : greaterIsBetter(metric) ? "maximize" : "minimize";
  const method = methodOf(metric, set);
  const reference = holdout?.metrics[metric];
  const holdoutValue = typeof reference === "number" && Number.isFinite(reference) ? reference : null;
  let value: number;
  let interval: Interval;
  let test: TestResult | null = null;
  let testName: string | null = null;
  let resamples: number | null = null;
  if (method === "wilson") {
    const correct = correctCount(set);
    value = correct / set.n;
    interval = wilsonInterval(correct, set.n, options.confidence);
    if (holdout?.accuracy) {
      test = twoProportionZTest(correct, set.n, holdout.accuracy.correct, holdout.accuracy.n);
      testName = "two-proportion z-test (pooled, one-sided)";
    }
  } else if (method === "delong") {
    const auc = aucOf(set, options.positiveClass);
    value = auc.auc;
    interval = Number.isNaN(auc.auc)
      ? { lower: Number.NaN, upper: Number.NaN }
      : delongInterval(auc, options.confidence);
    if (holdout?.auc && !Number.isNaN(auc.auc)) {
      test = delongTest(auc, holdout.auc);
      testName = "DeLong z-test for two independent AUCs (one-sided)";
    }
  } else {
    try {
      value = metricOn(metric, set, null, options.positiveClass);
    } catch {
      value = Number.NaN;
    }
    const reps =
      replicates ?? metricReplicates(metric, set, options.resamples, options.seed, options.positiveClass);
    resamples = reps.length;
    interval = percentileInterval(reps, options.confidence);
    const stored = holdout?.bootstrap.replicates[metric];
    if (stored !== undefined) {
      test = bootstrapTest(reps, decodeFloat64(stored), direction);
      testName = "two-sample bootstrap test of the difference (one-sided)";
    }
  }
  const drop =
    holdoutValue === null || Number.isNaN(value)
      ? null
      : direction === "maximize"
        ? holdoutValue - value
        : value - holdoutValue;
  const pValue = test && Number.isFinite(test.pValue) ? test.pValue : null;
  return {
    metric,
    value,
    lower: interval.lower,
    upper: interval.upper,
    method,
    resamples,
    holdout: holdoutValue,
    drop,
    test: pValue === null ? null : testName,
    statistic: pValue === null ? null : (test as TestResult).statistic,
    pValue,
    significant: pValue !== null && pValue < options.alpha && (drop ?? 0) > 0,
  };
}

/**
 * Every metric with its interval and test; concept drift when the primary metric's drop is
 * significant and at least `minDrop`. Windows with fewer than `minLabels` labelled rows report their
 * estimates but judge nothing.
 */
export function windowPerformance(
  set: LabelledSet,
  holdout: HoldoutReference | null,
  options: PerformanceOptions & { minLabels: number; minDrop?: number },
): PerformanceResult {
  const names = [...new Set<MetricName>([options.primary, ...options.metrics])];
  if (set.n === 0)
    return {
      rows: 0,
      metrics: [],
      primary: options.primary,
      conceptDrift: false,
      note: "no labelled predictions",
    };
  const boot = names.filter((m) => computable(m, set) && methodOf(m, set) === "bootstrap");
  const replicates = replicatesFor(
    boot,
    set,
    resamplesFor(set.n, options.resamples),
    options.seed,
    options.positiveClass,
  );
  const metrics = names
    .map((m) => estimate(m, set, holdout, options, replicates.get(m)))
    .filter((m): m is MetricEstimate => m !== null);
  const judged = set.n >= options.minLabels;
  if (!judged) for (const m of metrics) m.significant = false;
  const primary = metrics.find((m) => m.metric === options.primary);
  const conceptDrift =
    judged && primary?.significant === true && (primary.drop ?? 0) >= (options.minDrop ?? 0);
  return {
    rows: set.n,
    metrics,
    primary: options.primary,
    conceptDrift,
    ...(judged
      ? {}
      : { note: `${set.n} labelled predictions, fewer than the ${options.minLabels} needed to judge` }),
  };
}
