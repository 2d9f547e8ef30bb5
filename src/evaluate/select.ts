/**
 * Model selection as a user weighs it: every candidate is cross-validated on the training part, then
 * fitted on all of it so that its real cost (fit time, prediction latency, artifact size) is measured
 * next to its score. Candidates that break the spec's constraints are marked and never picked; the best
 * of the rest, on the primary metric, is evaluated once on the holdout.
 */
import { MlshipError } from "../core/errors.js";
import type { Column, Frame } from "../core/frame.js";
import type { Predictor } from "../core/protocol.js";
import type { MetricName } from "../spec/schema.js";
import { type CrossValidateResult, crossValidate, scoreFitted } from "./crossValidate.js";
import type { CrossValidator } from "./kfold.js";
import { greaterIsBetter } from "./metrics/score.js";

export interface Candidate {
  /** Label for reports (the spec's model name, or its kind). */
  name: string;
  /** The model's kind and params as the spec gave them (the estimator may wrap it in a pipeline). */
  kind: string;
  params: Readonly<Record<string, unknown>>;
  /** A fresh, unfitted estimator (usually a Pipeline of preparation and model). */
  estimator: Predictor;
  /** True for the baseline, which is reported but only picked if nothing else is eligible. */
  baseline?: boolean;
  /**
   * Scores already measured on these very folds (a tuning trial scored every metric), so they are not
   * measured again; the candidate is still refitted on all the training rows and timed.
   */
  crossValidated?: CrossValidateResult<MetricName>;
}

export interface SelectOptions {
  primary: MetricName;
  secondary?: readonly MetricName[];
  cv: CrossValidator;
  positiveClass?: string | number | boolean;
  constraints?: { latencyP95Ms?: number; maxModelBytes?: number };
  /** Size in bytes of the artifact that would hold this fitted estimator. */
  sizeOf: (fitted: Predictor) => number;
  /** Rows used to time single-row predictions (p95); default 200. */
  latencySamples?: number;
  onCandidateStart?: (candidate: Candidate, index: number, total: number) => void;
  onFold?: (candidate: Candidate, fold: number, nFolds: number) => void;
}

export interface CandidateResult {
  name: string;
  kind: string;
  params: unknown;
  baseline: boolean;
  cv: Record<string, { mean: number; std: number; folds: number[] }>;
  /** Mean seconds to fit one CV fold. */
  fitSeconds: number;
  /** Batch prediction time per row, in milliseconds. */
  predictMsPerRow: number;
  /** 95th percentile of single-row prediction latency, in milliseconds. */
  latencyP95Ms: number;
  artifactBytes: number;
  /** Constraint violations in words; empty when eligible. */
  violations: string[];
}

export interface Selection {
  results: CandidateResult[];
  /** Index into results of the picked candidate. */
  best: number;
  model: Predictor;
  holdout: Record<string, number>;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function measureLatency(model: Predictor, X: Frame, samples: number): { perRowMs: number; p95Ms: number } {
  const t0 = performance.now();
  model.predict(X);
  const perRowMs = (performance.now() - t0) / Math.max(1, X.nRows);
  const n = Math.min(samples, X.nRows);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = X.slice(i, i + 1);
    const s = performance.now();
    model.predict(row);
    times[i] = performance.now() - s;
  }
  times.sort();
  return { perRowMs, p95Ms: n > 0 ? quantile(times, 0.95) : Number.NaN };
}

export function compareModels(
  candidates: readonly Candidate[],
  train: { X: Frame; y: Column | null },
  holdout: { X: Frame; y: Column | null },
  options: SelectOptions,
): Selection {
  if (candidates.length === 0) {
    throw new MlshipError({
      what: "no candidate model to train",
      where: "spec: models",
      fix: "list at least one model under `models:` in mlship.yaml",
      code: "E_SELECT_EMPTY",
    });
  }
  const metrics = [options.primary, ...(options.secondary ?? []).filter((m) => m !== options.primary)];
  const scoring = options.positiveClass === undefined ? {} : { positiveClass: options.positiveClass };
  const results: CandidateResult[] = [];
  const fitted: Predictor[] = [];
  candidates.forEach((c, i) => {
    options.onCandidateStart?.(c, i, candidates.length);
    const cv =
      c.crossValidated ??
      crossValidate(c.estimator, train.X, train.y, {
        cv: options.cv,
        scoring: metrics,
        ...scoring,
        onFold: (r, n) => options.onFold?.(c, r.fold, n),
      });
    if (c.crossValidated) for (const r of cv.folds) options.onFold?.(c, r.fold, cv.folds.length);
    const model = c.estimator;
    if (train.y === null) model.fit(train.X);
    else model.fit(train.X, train.y);
    const timing = measureLatency(model, holdout.X, options.latencySamples ?? 200);
    const artifactBytes = options.sizeOf(model);
    const violations: string[] = [];
    const limits = options.constraints ?? {};
    if (limits.latencyP95Ms !== undefined && timing.p95Ms > limits.latencyP95Ms) {
      violations.push(`p95 latency ${timing.p95Ms.toFixed(2)} ms > ${limits.latencyP95Ms} ms`);
    }
    if (limits.maxModelBytes !== undefined && artifactBytes > limits.maxModelBytes) {
      violations.push(`artifact ${artifactBytes} bytes > ${limits.maxModelBytes} bytes`);
    }
    const cvSummary: CandidateResult["cv"] = {};
    for (const m of metrics)
      cvSummary[m] = { mean: cv.mean[m], std: cv.std[m], folds: Array.from(cv.scores[m]) };
    results.push({
      name: c.name,
      kind: c.kind,
      params: c.params,
      baseline: c.baseline === true,
      cv: cvSummary,
      fitSeconds: cv.fitTime.reduce((a, b) => a + b, 0) / cv.fitTime.length,
      predictMsPerRow: timing.perRowMs,
      latencyP95Ms: timing.p95Ms,
      artifactBytes,
      violations,
    });
    fitted.push(model);
  });

  const better = greaterIsBetter(options.primary)
    ? (a: number, b: number) => a > b
    : (a: number, b: number) => a < b;
  const pick = (allowBaseline: boolean): number => {
    let best = -1;
    results.forEach((r, i) => {
      if (r.violations.length > 0 || (r.baseline && !allowBaseline)) return;
      const s = r.cv[options.primary].mean;
      if (Number.isNaN(s)) return;
      if (best < 0 || better(s, results[best].cv[options.primary].mean)) best = i;
    });
    return best;
  };
  let best = pick(false);
  if (best < 0) best = pick(true);
  if (best < 0) {
    throw new MlshipError({
      what: "every candidate model breaks the spec's constraints",
      where: "spec: constraints",
      fix: `relax the constraints or add cheaper models; violations: ${results.map((r) => `${r.name}: ${r.violations.join("; ")}`).join(" | ")}`,
      code: "E_SELECT_CONSTRAINTS",
      data: results,
    });
  }
  const holdoutScores =
    holdout.X.nRows > 0
      ? scoreFitted(fitted[best], holdout.X, holdout.y, metrics, scoring)
      : ({} as Record<string, number>);
  return { results, best, model: fitted[best], holdout: holdoutScores };
}
