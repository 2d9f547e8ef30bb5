/**
 * Optuna's MedianPruner (a PercentilePruner at 50): a trial is stopped at a step when its best
 * intermediate value so far is worse than the median of the completed trials' values at that step.
 * Steps here are CV folds and the intermediate value is the running mean score, so a configuration that
 * is clearly worse than the usual after its first folds does not spend the rest of the folds.
 */
import type { TrialState } from "./study.js";

export interface MedianPrunerOptions {
  /** No pruning until this many trials completed (n_startup_trials, 5). */
  startupTrials: number;
  /** No pruning before this step (n_warmup_steps, 0). */
  warmupSteps: number;
  /** Check every this many steps after the warm-up (interval_steps, 1). */
  intervalSteps: number;
  /** Completed trials with a value at the step needed to judge it (n_min_trials, 1). */
  minTrials: number;
}

export const medianPrunerDefaults: MedianPrunerOptions = {
  startupTrials: 5,
  warmupSteps: 0,
  intervalSteps: 1,
  minTrials: 1,
};

/** What the pruner reads of a trial: its state and its intermediate values by step. */
export interface PrunerTrial {
  state: TrialState;
  intermediate: ReadonlyMap<number, number>;
}

export interface Pruner {
  readonly name: string;
  /** Whether `trial`, which has just reported its latest step, should stop. */
  shouldPrune(
    trial: PrunerTrial,
    trials: readonly PrunerTrial[],
    direction: "maximize" | "minimize",
  ): boolean;
}

/** NumPy's nanpercentile with linear interpolation; NaN when no value is a number. */
export function nanPercentile(values: readonly number[], q: number): number {
  const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const pos = ((v.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

export class MedianPruner implements Pruner {
  readonly name = "median";
  readonly options: MedianPrunerOptions;

  constructor(options: Partial<MedianPrunerOptions> = {}) {
    this.options = { ...medianPrunerDefaults, ...options };
  }

  shouldPrune(
    trial: PrunerTrial,
    trials: readonly PrunerTrial[],
    direction: "maximize" | "minimize",
  ): boolean {
    const { startupTrials, warmupSteps, intervalSteps, minTrials } = this.options;
    const completed = trials.filter((t) => t.state === "complete");
    if (completed.length === 0 || completed.length < startupTrials) return false;
    const steps = [...trial.intermediate.keys()];
    if (steps.length === 0) return false;
    const step = Math.max(...steps);
    if (step < warmupSteps) return false;
    // Only the first report at or after each checkpoint (warm-up, then every intervalSteps) is judged.
    const checkpoint = Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
    const previous = steps.reduce((m, s) => (s !== step && s > m ? s : m), -1);
    if (!(previous < checkpoint)) return false;
    const own = [...trial.intermediate.values()].filter((x) => !Number.isNaN(x));
    if (own.length === 0) return true;
    const best = direction === "maximize" ? Math.max(...own) : Math.min(...own);
    const atStep = completed.flatMap((t) => (t.intermediate.has(step) ? [t.intermediate.get(step)!] : []));
    if (atStep.length < minTrials) return false;
    const median = nanPercentile(atStep, 50);
    if (Number.isNaN(median)) return false;
    return direction === "maximize" ? best < median : best > median;
  }
}
