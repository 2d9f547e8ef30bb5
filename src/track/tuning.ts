/**
 * What tuning records: every trial as a child run of the tune (or train) run, written as the trial ends so
 * a long study can be watched with `mlship runs list` and a crash keeps the trials done so far. A trial's
 * params are the searched values (`model.<param>`); its metrics are the mean CV score of each metric and
 * every fold's score as a history (`fold_<metric>`, step = fold index from 0). Pruned trials end FINISHED
 * with `mlship.trial_state = PRUNED` (MLflow has no pruned status), failed ones FAILED with the reason.
 */
import type { TrialSummary, TuningSummary } from "../tune/index.js";
import { setTags } from "./log.js";
import type { ActiveRun } from "./session.js";

function paramText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export interface TrialRecorder {
  /** Starts the trial's run (RUNNING while its folds run). */
  start(number: number): Promise<void>;
  record(trial: TrialSummary): Promise<void>;
  /** Run id of each recorded trial, by trial number. */
  readonly runIds: ReadonlyMap<number, string>;
}

export function trialRecorder(parent: ActiveRun, metric: string): TrialRecorder {
  const runIds = new Map<number, string>();
  const running = new Map<number, ActiveRun>();
  const start = async (number: number) => {
    const child = await parent.startChild({
      name: `trial ${number}`,
      tags: { "mlship.kind": "trial", "mlship.trial": String(number) },
    });
    running.set(number, child);
    runIds.set(number, child.runId);
    return child;
  };
  return {
    runIds,
    async start(number) {
      await start(number);
    },
    async record(trial) {
      const child = running.get(trial.number) ?? (await start(trial.number));
      running.delete(trial.number);
      await child.setTags({
        "mlship.trial_state": trial.state.toUpperCase(),
        ...(trial.prunedAfterFold === undefined
          ? {}
          : { "mlship.pruned_after_fold": String(trial.prunedAfterFold) }),
        ...(trial.duplicateOf === undefined ? {} : { "mlship.duplicate_of": String(trial.duplicateOf) }),
      });
      const params = Object.fromEntries(
        Object.entries(trial.params).map(([k, v]) => [`model.${k}`, paramText(v)]),
      );
      const metrics: Array<{ key: string; value: number; step: number }> = [];
      for (const [m, scores] of Object.entries(trial.folds)) {
        scores.forEach((value, step) => {
          metrics.push({ key: `fold_${m}`, value, step });
        });
        if (trial.state === "complete" && scores.length > 0) {
          metrics.push({
            key: `cv_${m}_mean`,
            value: scores.reduce((a, b) => a + b, 0) / scores.length,
            step: 0,
          });
        }
      }
      metrics.push({ key: "trial_s", value: trial.seconds, step: 0 });
      await child.logBatch({
        params: { trial: trial.number, model: trial.model, kind: trial.kind, metric, ...params },
        metrics,
      });
      if (trial.state === "failed") await child.fail(new Error(trial.error?.what ?? "the trial failed"));
      else await child.end("FINISHED");
    },
  };
}

/** The study's settings and outcome on the parent run, and the best trial's child run marked as such. */
export async function recordTuning(
  parent: ActiveRun,
  tuning: TuningSummary,
  recorder: TrialRecorder,
): Promise<void> {
  await parent.logBatch({
    params: {
      "tune.sampler": tuning.sampler,
      "tune.pruner": tuning.pruner === null ? "none" : JSON.stringify(tuning.pruner),
      "tune.seed": tuning.seed,
      "tune.trials": tuning.budget.trials,
      "tune.timeout_s": tuning.budget.timeoutSeconds ?? "",
      "tune.models": tuning.models,
      "tune.best_trial": tuning.best.number,
    },
    metrics: Object.entries({
      tune_trials: tuning.trials.length,
      tune_complete: tuning.counts.complete,
      tune_pruned: tuning.counts.pruned,
      tune_failed: tuning.counts.failed,
      tune_best_cv: tuning.best.value ?? Number.NaN,
      tune_s: tuning.seconds,
    }).map(([key, value]) => ({ key, value })),
    tags: { "mlship.tune.stopped": tuning.stopped, "mlship.tune.best_trial": String(tuning.best.number) },
  });
  await parent.logArtifact("tuning.json", `${JSON.stringify(tuning, null, 2)}\n`);
  const bestRun = recorder.runIds.get(tuning.best.number);
  if (bestRun !== undefined) await setTags(parent.store, bestRun, { "mlship.best": "true" });
}
