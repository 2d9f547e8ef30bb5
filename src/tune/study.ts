/**
 * A study: trials one after another, each suggested by the sampler from the trials before it, scored by
 * the objective (which reports intermediate values the pruner may stop it on), until the trial budget,
 * the time budget or the sampler (a finished grid) runs out. One seeded generator drives the sampler, so
 * the same seed suggests the same trials and finds the same best.
 */
import { MlshipError } from "../core/errors.js";
import { Random } from "../core/random.js";
import type { Pruner } from "./pruner.js";
import type { Sampler } from "./samplers.js";
import { type Assignment, assignmentKey, type SearchSpace } from "./space.js";

export type TrialState = "running" | "complete" | "pruned" | "failed";
export type Direction = "maximize" | "minimize";

export interface TrialRecord<D = unknown> {
  /** From 0, in the order trials ran. */
  number: number;
  params: Assignment;
  state: TrialState;
  /** The objective's value; null unless complete. */
  value: number | null;
  /** Values reported on the way, by step. */
  intermediate: Map<number, number>;
  /** Whatever the objective returned with its value (fold scores). */
  data?: D;
  error?: { what: string; code: string };
  /** Set when the configuration had been scored before: its result is that trial's, not recomputed. */
  duplicateOf?: number;
  seconds: number;
}

export interface TrialHandle {
  readonly number: number;
  readonly params: Assignment;
  /** Records the value at a step and says whether the pruner stops the trial there. */
  report(step: number, value: number): boolean;
}

export type Outcome<D> = { value: number; data?: D } | { pruned: true; data?: D };

export type StopReason = "trials" | "timeout" | "exhausted" | "failures";

export interface StudyOptions<D> {
  space: SearchSpace;
  sampler: Sampler;
  pruner?: Pruner | null;
  direction: Direction;
  /** Most trials to run. */
  trials: number;
  /** No trial starts after this many seconds (the running one finishes, as in Optuna). */
  timeoutSeconds?: number;
  seed: number;
  objective: (trial: TrialHandle) => Promise<Outcome<D>>;
  /**
   * A configuration suggested again is not scored again: its trial copies the earlier complete result.
   * Right when the objective is deterministic for given params (true here, default), wrong for noisy ones.
   */
  reuseDuplicates?: boolean;
  /** Stop when this many trials in a row failed before any completed (a space the model cannot fit); 10. */
  maxFailuresBeforeSuccess?: number;
  onTrialStart?: (number: number, params: Assignment) => void | Promise<void>;
  onTrialEnd?: (trial: TrialRecord<D>, best: TrialRecord<D> | null) => void | Promise<void>;
}

export interface StudyResult<D> {
  trials: TrialRecord<D>[];
  best: TrialRecord<D> | null;
  stopped: StopReason;
  seconds: number;
}

/** The better of two complete trials; ties keep the earlier one. */
export function better(direction: Direction, a: number, b: number): boolean {
  return direction === "maximize" ? a > b : a < b;
}

export function bestTrial<D>(trials: readonly TrialRecord<D>[], direction: Direction): TrialRecord<D> | null {
  let best: TrialRecord<D> | null = null;
  for (const t of trials) {
    if (t.state !== "complete" || t.value === null) continue;
    if (best === null || better(direction, t.value, best.value!)) best = t;
  }
  return best;
}

export async function optimize<D>(options: StudyOptions<D>): Promise<StudyResult<D>> {
  const started = performance.now();
  const rng = new Random(options.seed);
  const trials: TrialRecord<D>[] = [];
  const seen = new Map<string, TrialRecord<D>>();
  const reuse = options.reuseDuplicates ?? true;
  const maxFailures = options.maxFailuresBeforeSuccess ?? 10;
  let best: TrialRecord<D> | null = null;
  let failuresInARow = 0;
  let stopped: StopReason = "trials";
  const elapsed = () => (performance.now() - started) / 1000;

  for (;;) {
    if (trials.length >= options.trials) {
      stopped = "trials";
      break;
    }
    if (options.timeoutSeconds !== undefined && elapsed() >= options.timeoutSeconds) {
      stopped = "timeout";
      break;
    }
    if (best === null && failuresInARow >= maxFailures) {
      stopped = "failures";
      break;
    }
    const params = options.sampler.suggest({
      space: options.space,
      trials,
      direction: options.direction,
      rng,
    });
    if (params === null) {
      stopped = "exhausted";
      break;
    }
    const trial: TrialRecord<D> = {
      number: trials.length,
      params,
      state: "running",
      value: null,
      intermediate: new Map(),
      seconds: 0,
    };
    trials.push(trial);
    await options.onTrialStart?.(trial.number, params);
    const t0 = performance.now();
    const earlier = reuse ? seen.get(assignmentKey(params)) : undefined;
    if (earlier) {
      Object.assign(trial, {
        state: "complete",
        value: earlier.value,
        intermediate: new Map(earlier.intermediate),
        duplicateOf: earlier.duplicateOf ?? earlier.number,
        ...(earlier.data === undefined ? {} : { data: earlier.data }),
      });
    } else {
      await runTrial(trial, options, trials);
    }
    trial.seconds = (performance.now() - t0) / 1000;
    if (trial.state === "complete") {
      failuresInARow = 0;
      if (!earlier) seen.set(assignmentKey(params), trial);
      if (best === null || better(options.direction, trial.value!, best.value!)) best = trial;
    } else if (trial.state === "failed") {
      failuresInARow++;
    }
    await options.onTrialEnd?.(trial, best);
  }
  return { trials, best, stopped, seconds: elapsed() };
}

async function runTrial<D>(
  trial: TrialRecord<D>,
  options: StudyOptions<D>,
  trials: TrialRecord<D>[],
): Promise<void> {
  const pruner = options.pruner ?? null;
  const handle: TrialHandle = {
    number: trial.number,
    params: trial.params,
    report: (step, value) => {
      trial.intermediate.set(step, value);
      return pruner?.shouldPrune(trial, trials, options.direction) ?? false;
    },
  };
  try {
    const outcome = await options.objective(handle);
    if (outcome.data !== undefined) trial.data = outcome.data;
    if ("pruned" in outcome) {
      trial.state = "pruned";
    } else if (Number.isNaN(outcome.value)) {
      // Optuna fails a trial whose value is NaN: it cannot be ranked.
      trial.state = "failed";
      trial.error = { what: "the objective's value is NaN", code: "E_TUNE_NAN" };
    } else {
      trial.state = "complete";
      trial.value = outcome.value;
    }
  } catch (err) {
    trial.state = "failed";
    trial.error =
      err instanceof MlshipError
        ? { what: err.what, code: err.code }
        : { what: err instanceof Error ? err.message : String(err), code: "E_TUNE_TRIAL" };
  }
}
