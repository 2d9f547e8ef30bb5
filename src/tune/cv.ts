/**
 * A study whose objective is cross-validation: each trial's estimator is fitted and scored fold by fold,
 * the running mean of the primary metric is reported after every fold (so the pruner can stop a poor
 * configuration early), and the trial's value is the mean over all folds. This is what tuning from a
 * spec runs, and what a library user calls to tune any estimator on their own folds.
 */
import { availableParallelism } from "node:os";
import type { Column, Frame } from "../core/frame.js";
import type { EstimatorJSON, Predictor } from "../core/protocol.js";
import { type CrossValidator, type FoldResult, greaterIsBetter } from "../evaluate/index.js";
import type { MetricName } from "../spec/index.js";
import { type FoldData, type FoldRunner, foldWorkersAvailable, inThread, workerPool } from "./folds.js";
import type { Pruner } from "./pruner.js";
import type { Sampler } from "./samplers.js";
import type { Assignment, SearchSpace } from "./space.js";
import { type Direction, optimize, type StudyResult, type TrialRecord } from "./study.js";

export type CvTrial = TrialRecord<FoldResult<MetricName>[]>;

export interface CvStudyOptions {
  space: SearchSpace;
  /** A fresh, unfitted estimator for a trial's values. */
  estimator: (params: Assignment, context: { parallelFolds: boolean }) => Predictor;
  X: Frame;
  y: Column | null;
  /** The folds every trial is scored on. */
  cv: CrossValidator;
  primary: MetricName;
  /** Also scored on every fold (one prediction serves all); default: the primary only. */
  metrics?: readonly MetricName[];
  positiveClass?: string | number | boolean;
  direction?: Direction;
  sampler: Sampler;
  pruner?: Pruner | null;
  trials: number;
  timeoutSeconds?: number;
  seed: number;
  /** Threads for folds; default all cores. */
  jobs?: number;
  /** Start fold workers once the first trial's time x the trials left reaches this (seconds; default 2). */
  poolAfterSeconds?: number;
  onTrialStart?: (number: number) => void | Promise<void>;
  onTrialEnd?: (trial: CvTrial, best: CvTrial | null) => void | Promise<void>;
}

export interface CvStudyResult extends StudyResult<FoldResult<MetricName>[]> {
  /** Threads that ran folds at the end: 1 = this thread only. */
  threads: number;
  metrics: MetricName[];
}

/** Whether folds may run on worker threads (compiled code, more than one thread and one fold). */
export function foldPoolPossible(jobs: number | undefined, nFolds: number): boolean {
  return (jobs ?? availableParallelism()) > 1 && nFolds > 1 && foldWorkersAvailable();
}

export async function tuneCrossValidated(options: CvStudyOptions): Promise<CvStudyResult> {
  const { X, y, primary } = options;
  const metrics = [primary, ...(options.metrics ?? []).filter((m) => m !== primary)];
  const splits = [...options.cv.split(y ?? X.nRows)];
  const data: FoldData = {
    X: X.names.map((n) => [n, X.column(n)] as const),
    nRows: X.nRows,
    y,
    splits,
    scoring: metrics,
    scoreOptions: options.positiveClass === undefined ? {} : { positiveClass: options.positiveClass },
  };
  const jobs = options.jobs ?? availableParallelism();
  const parallelFolds = foldPoolPossible(jobs, splits.length);
  const direction = options.direction ?? (greaterIsBetter(primary) ? "maximize" : "minimize");
  let runner: FoldRunner = inThread(data);
  try {
    const study = await optimize<FoldResult<MetricName>[]>({
      space: options.space,
      sampler: options.sampler,
      pruner: options.pruner ?? null,
      direction,
      trials: options.trials,
      ...(options.timeoutSeconds === undefined ? {} : { timeoutSeconds: options.timeoutSeconds }),
      seed: options.seed,
      objective: async (trial) => {
        const estimator: EstimatorJSON = {
          ...options.estimator(trial.params, { parallelFolds }).toJSON(),
          state: null,
        };
        const pending = splits.map((_, f) => runner.run(estimator, f));
        for (const p of pending) p.catch(() => {});
        const folds: FoldResult<MetricName>[] = [];
        let sum = 0;
        try {
          for (let f = 0; f < pending.length; f++) {
            const r = await pending[f];
            folds.push(r);
            sum += r.scores[primary];
            // The pruner sees the running mean: after fold k, the mean of folds 0..k.
            if (trial.report(f, sum / (f + 1))) return { pruned: true, data: folds };
          }
        } finally {
          runner.cancel(estimator);
        }
        return { value: sum / folds.length, data: folds };
      },
      onTrialStart: async (n) => {
        await options.onTrialStart?.(n);
      },
      onTrialEnd: async (t, best) => {
        await options.onTrialEnd?.(t, best);
        // The first trial tells whether the rest is long enough to repay starting the fold workers.
        if (t.number === 0 && parallelFolds && runner.threads === 1) {
          const left = t.seconds * (options.trials - 1);
          if (left >= (options.poolAfterSeconds ?? 2))
            runner = workerPool(data, Math.min(jobs, splits.length));
        }
      },
    });
    return { ...study, threads: runner.threads, metrics };
  } finally {
    await runner.close();
  }
}
