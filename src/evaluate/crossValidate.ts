/**
 * Cross-validation: a fresh clone of the estimator is fitted on each training fold and scored on the
 * held-out fold. With `nJobs` > 1 folds run in parallel: this thread and worker threads (cv-worker.js,
 * which imports every estimator module so it can revive the estimator from its JSON) claim fold indices
 * from a shared counter. crossValidate stays synchronous: it blocks on the shared counters and reads the
 * workers' results straight off their ports.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { MlshipError } from "../core/errors.js";
import { type Column, Frame, takeColumn } from "../core/frame.js";
import {
  type EstimatorJSON,
  isClassifier,
  isPredictor,
  type Predictor,
  reviveEstimator,
} from "../core/protocol.js";
import type { MetricName } from "../spec/schema.js";
import { type CrossValidator, KFold, StratifiedKFold } from "./kfold.js";
import { type Prediction, score } from "./metrics/score.js";
import { predictWithProba } from "./predict.js";

export interface CrossValidateOptions<M extends MetricName> {
  /**
   * Folds: a splitter, or a number of folds (default 5) meaning StratifiedKFold for a classifier with a
   * categorical or boolean target and KFold otherwise, both without shuffling (as scikit-learn).
   */
  cv?: number | CrossValidator;
  scoring: readonly M[];
  /** The positive class of a binary target (for precision, recall, f1, roc_auc, ...). */
  positiveClass?: string | number | boolean;
  /** Called as each fold finishes (in parallel runs not necessarily in fold order), e.g. for a progress bar. */
  onFold?: (result: FoldResult<M>, nFolds: number) => void;
  /**
   * Folds run at once: this thread plus nJobs - 1 worker threads; null (default) = all available cores.
   * Folds stay in this thread when the estimator runs its own threads (any nJobs other than 1 in its
   * params, e.g. a random forest), when the folds are too quick to repay starting workers (judged by the
   * first fold when no core is spare), or when the worker script is not there (running from TypeScript
   * sources). Results are the same either way.
   */
  nJobs?: number | null;
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
  /** Threads that ran folds: 1 = this thread only; more = this thread plus worker threads. */
  threads: number;
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
  if (wantProba && model.task === "classification" && isClassifier(model)) {
    const { labels, proba } = predictWithProba(model, X);
    return { labels, classes: model.classes, proba };
  }
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
  if (model.task === "classification" && isClassifier(model)) return { labels: out, classes: model.classes };
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

  const splits = [...cv.split(y ?? X.nRows)];
  const nJobs =
    options.nJobs === undefined || options.nJobs === null ? availableParallelism() : options.nJobs;
  if (!(Number.isInteger(nJobs) && nJobs >= 1)) {
    throw new MlshipError({
      what: `crossValidate: nJobs must be null or an integer >= 1, got ${String(options.nJobs)}`,
      fix: "pass nJobs: null (all cores) or a positive integer",
      code: "E_CV",
    });
  }
  const job: FoldJob = {
    estimator: { ...estimator.toJSON(), state: null },
    X: X.names.map((name) => [name, X.column(name)] as const),
    nRows: X.nRows,
    y,
    splits,
    scoring: options.scoring,
    scoreOptions,
  };
  const nThreads = Math.min(nJobs, splits.length);
  const parallel = nThreads > 1 && !usesThreads(job.estimator) && cvWorkersAvailable();
  const onFold = options.onFold as ((r: FoldResult<MetricName>, n: number) => void) | undefined;
  const { folds, threads } = parallel
    ? runParallel(job, nThreads, onFold)
    : { folds: runSequential(job, X, onFold), threads: 1 };
  return { ...summarise(folds as FoldResult<M>[], options.scoring), threads };
}

/** Everything a thread needs to run any fold; structured-cloneable so workers receive it as workerData. */
export interface FoldJob {
  estimator: EstimatorJSON;
  X: ReadonlyArray<readonly [string, Column]>;
  nRows: number;
  y: Column | null;
  splits: ReadonlyArray<{ train: Int32Array | readonly number[]; test: Int32Array | readonly number[] }>;
  scoring: readonly MetricName[];
  scoreOptions: { positiveClass?: string | number | boolean };
}

/**
 * A worker thread takes about 0.2 s of CPU to start (it loads every model), then compiles the hot code
 * again in its own isolate. Below this many seconds of folds left, that costs more than it saves.
 */
const PARALLEL_MIN_REMAINING_S = 1;
const CV_WORKER_URL = new URL("./cv-worker.js", import.meta.url);

/** The worker script exists next to this module in the compiled package (dist/), not in TypeScript sources. */
export function cvWorkersAvailable(): boolean {
  return CV_WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(CV_WORKER_URL));
}

/**
 * Whether the estimator (or any estimator nested in its params, as in a Pipeline) starts threads of its
 * own: folds in parallel on top of that would oversubscribe the cores.
 */
function usesThreads(json: unknown): boolean {
  if (Array.isArray(json)) return json.some(usesThreads);
  if (json === null || typeof json !== "object") return false;
  for (const [key, value] of Object.entries(json)) {
    if (key === "nJobs" && value !== 1) return true;
    if (typeof value === "object" && usesThreads(value)) return true;
  }
  return false;
}

/** Fits a fresh estimator on one fold's training rows and scores it on its test rows. */
export function runFold(job: FoldJob, X: Frame, f: number): FoldResult<MetricName> {
  const { train, test } = job.splits[f];
  const model = reviveEstimator(job.estimator) as Predictor;
  const Xtrain = X.take(train);
  const start = performance.now();
  if (job.y === null) model.fit(Xtrain);
  else model.fit(Xtrain, takeColumn(job.y, train));
  const fitted = performance.now();
  const scores = scoreFitted(
    model,
    X.take(test),
    job.y === null ? null : takeColumn(job.y, test),
    job.scoring,
    job.scoreOptions,
  );
  const done = performance.now();
  return {
    fold: f,
    trainSize: train.length,
    testSize: test.length,
    scores,
    fitTime: (fitted - start) / 1000,
    scoreTime: (done - fitted) / 1000,
  };
}

function runSequential(
  job: FoldJob,
  X: Frame,
  onFold: ((r: FoldResult<MetricName>, n: number) => void) | undefined,
): FoldResult<MetricName>[] {
  return job.splits.map((_, f) => {
    const result = runFold(job, X, f);
    onFold?.(result, job.splits.length);
    return result;
  });
}

/** What a worker posts per fold. */
export type FoldMessage =
  | { fold: number; result: FoldResult<MetricName> }
  | { fold: number; error: { what: string; fix?: string; code: string } };

/** Shared counters of a parallel run (Int32Array views on SharedArrayBuffers). */
export interface FoldCounters {
  /** Next unclaimed fold. */
  next: Int32Array;
  /** Folds finished by workers (posted), waited on by this thread. */
  finished: Int32Array;
}

export interface FoldWorkerInput {
  job: FoldJob;
  counters: FoldCounters;
  port: MessagePort;
}

function runParallel(
  job: FoldJob,
  nThreads: number,
  onFold: ((r: FoldResult<MetricName>, n: number) => void) | undefined,
): { folds: FoldResult<MetricName>[]; threads: number } {
  const nFolds = job.splits.length;
  const counters: FoldCounters = {
    next: new Int32Array(new SharedArrayBuffer(4)),
    finished: new Int32Array(new SharedArrayBuffer(4)),
  };
  const results: FoldResult<MetricName>[] = new Array(nFolds);
  const started: Array<{ worker: Worker; port: MessagePort }> = [];
  let fromWorkers = 0;
  const failures: Array<Extract<FoldMessage, { error: unknown }>> = [];
  const ran = new Set<number>();
  const drain = (): void => {
    for (const [w, { port }] of started.entries()) {
      for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
        const msg = m.message as FoldMessage;
        fromWorkers++;
        ran.add(w);
        if ("error" in msg) failures.push(msg);
        else {
          results[msg.fold] = msg.result;
          onFold?.(msg.result, nFolds);
        }
      }
    }
  };
  const startWorkers = (): void => {
    for (let w = 1; w < nThreads; w++) {
      const { port1, port2 } = new MessageChannel();
      const workerData: FoldWorkerInput = { job, counters, port: port2 };
      started.push({
        worker: new Worker(CV_WORKER_URL, { workerData, transferList: [port2] }),
        port: port1,
      });
    }
  };
  try {
    // Workers on otherwise idle cores cost this thread nothing, so they start at once. When every core
    // is needed, the first fold runs alone and tells whether the rest is worth the workers' start.
    const spareCores = availableParallelism() > nThreads;
    if (spareCores) startWorkers();
    const X = new Frame(job.X, job.nRows);
    let mine = 0;
    for (let f = Atomics.add(counters.next, 0, 1); f < nFolds; f = Atomics.add(counters.next, 0, 1)) {
      const start = performance.now();
      results[f] = runFold(job, X, f);
      mine++;
      onFold?.(results[f], nFolds);
      if (!spareCores && f === 0) {
        const left = ((performance.now() - start) / 1000) * (nFolds - 1);
        if (left >= PARALLEL_MIN_REMAINING_S) startWorkers();
      }
      drain();
    }
    // Every fold not run here was claimed by a worker, which posts it (or its error). A worker that has not
    // started (or could not load) claims nothing, so it is never waited for.
    for (;;) {
      const c = Atomics.load(counters.finished, 0);
      drain();
      if (fromWorkers >= nFolds - mine) break;
      Atomics.wait(counters.finished, 0, c);
    }
    const failure = failures[0];
    if (failure !== undefined) {
      throw new MlshipError({
        what: `cross-validation fold ${failure.fold + 1}: ${failure.error.what}`,
        ...(failure.error.fix === undefined ? {} : { fix: failure.error.fix }),
        code: failure.error.code,
      });
    }
    return { folds: results, threads: 1 + ran.size };
  } finally {
    for (const { worker, port } of started) {
      port.close();
      void worker.terminate();
    }
  }
}
function summarise<M extends MetricName>(
  folds: FoldResult<M>[],
  scoring: readonly M[],
): Omit<CrossValidateResult<M>, "threads"> {
  const perMetric = {} as Record<M, Float64Array>;
  const mean = {} as Record<M, number>;
  const std = {} as Record<M, number>;
  for (const m of scoring) {
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
