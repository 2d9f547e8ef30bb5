/**
 * The samplers: each suggests the next trial's values from the space and the trials so far.
 *   grid    every combination once, in a seeded random order (Optuna's GridSampler), then exhausted;
 *   random  uniform over each active dimension (Optuna's RandomSampler);
 *   tpe     the tree-structured Parzen estimator with Optuna 4.9's defaults: 10 random startup trials,
 *           the best min(ceil(n/10), 25) trials as "good", 24 candidates drawn from the good density
 *           and the one maximising l(x)/g(x) kept; pruned trials rank after complete ones, by how far
 *           they got. Independent per dimension by default (define-by-run, so conditional dimensions
 *           learn from the trials that had them); multivariate on request.
 */
import { MlshipError } from "../core/errors.js";
import type { Random } from "../core/random.js";
import { optunaParzenDefaults, ParzenEstimator, type ParzenParameters } from "./parzen.js";
import {
  type Assignment,
  assign,
  type ChoiceValue,
  type Dimension,
  gridOf,
  gridValues,
  type SearchSpace,
  sampleUniform,
  toInternal,
} from "./space.js";
import type { Direction, TrialRecord } from "./study.js";

export interface SamplerContext {
  space: SearchSpace;
  /** Every trial so far in order, the one being suggested not yet among them. */
  trials: readonly TrialRecord<unknown>[];
  direction: Direction;
  rng: Random;
}

export interface Sampler {
  readonly name: "grid" | "random" | "tpe";
  /** The next trial's values, or null when there is nothing left to try. */
  suggest(ctx: SamplerContext): Assignment | null;
}

export class RandomSampler implements Sampler {
  readonly name = "random";
  suggest(ctx: SamplerContext): Assignment {
    return assign(ctx.space, (d) => sampleUniform(d.distribution, ctx.rng));
  }
}

export class GridSampler implements Sampler {
  readonly name = "grid";
  #order: Assignment[] | null = null;

  /** The dimensions that have no finite set of values (floats without a step). */
  static continuous(space: SearchSpace): Dimension[] {
    return space.dimensions.filter((d) => gridValues(d.distribution) === null);
  }

  /** Number of points in the grid of `space`. */
  static size(space: SearchSpace): number {
    return gridOf(space).length;
  }

  suggest(ctx: SamplerContext): Assignment | null {
    if (this.#order === null) {
      const continuous = GridSampler.continuous(ctx.space);
      if (continuous.length > 0) {
        throw new MlshipError({
          what: `grid search needs a finite set of values, but ${continuous.map((d) => `"${d.key}"`).join(", ")} is a continuous range`,
          fix: "give the float range a step, list its values with choice, or use sampler: tpe or random",
          code: "E_TUNE_GRID",
        });
      }
      this.#order = ctx.rng.shuffle(gridOf(ctx.space));
    }
    return this.#order[ctx.trials.length] ?? null;
  }
}

export interface TpeOptions {
  /** Random trials first (n_startup_trials, 10). */
  startupTrials: number;
  /** Candidates drawn from the good trials' density (n_ei_candidates, 24). */
  eiCandidates: number;
  multivariate: boolean;
  /** How many of n trials are "good" (Optuna's default_gamma: min(ceil(0.1 n), 25)). */
  gamma?: (n: number) => number;
  parzen?: Partial<Omit<ParzenParameters, "multivariate">>;
}

export const defaultGamma = (n: number): number => Math.min(Math.ceil(0.1 * n), 25);

/** How a pruned trial ranks: further steps first, then its last intermediate value (NaN last). */
function prunedRank(t: TrialRecord<unknown>, direction: Direction): [number, number] {
  if (t.intermediate.size === 0) return [1, 0];
  const step = Math.max(...t.intermediate.keys());
  const v = t.intermediate.get(step)!;
  if (Number.isNaN(v)) return [-step, Number.POSITIVE_INFINITY];
  return [-step, direction === "minimize" ? v : -v];
}

/** Optuna's split of the trials into the n good ones (complete first, then pruned) and the rest. */
export function splitTrials(
  trials: readonly TrialRecord<unknown>[],
  nBelow: number,
  direction: Direction,
): { below: TrialRecord<unknown>[]; above: TrialRecord<unknown>[] } {
  const complete = trials.filter((t) => t.state === "complete");
  const pruned = trials.filter((t) => t.state === "pruned");
  const sign = direction === "minimize" ? 1 : -1;
  // Stable sorts: ties keep trial order, as Python's sorted does.
  const byValue = [...complete].sort((a, b) => sign * (a.value! - b.value!));
  const nComplete = Math.min(nBelow, byValue.length);
  const byRank = [...pruned].sort((a, b) => {
    const [sa, va] = prunedRank(a, direction);
    const [sb, vb] = prunedRank(b, direction);
    return sa - sb || (va === vb ? 0 : va < vb ? -1 : 1);
  });
  const nPruned = Math.min(Math.max(0, nBelow - nComplete), byRank.length);
  const below = [...byValue.slice(0, nComplete), ...byRank.slice(0, nPruned)];
  const above = [...byValue.slice(nComplete), ...byRank.slice(nPruned)];
  const byNumber = (a: TrialRecord<unknown>, b: TrialRecord<unknown>) => a.number - b.number;
  return { below: below.sort(byNumber), above: above.sort(byNumber) };
}

export class TpeSampler implements Sampler {
  readonly name = "tpe";
  readonly options: Required<Omit<TpeOptions, "parzen">> & { parzen: ParzenParameters };

  constructor(options: Partial<TpeOptions> = {}) {
    const multivariate = options.multivariate ?? false;
    this.options = {
      startupTrials: options.startupTrials ?? 10,
      eiCandidates: options.eiCandidates ?? 24,
      multivariate,
      gamma: options.gamma ?? defaultGamma,
      parzen: { ...optunaParzenDefaults, ...options.parzen, multivariate },
    };
  }

  suggest(ctx: SamplerContext): Assignment {
    const history = ctx.trials.filter((t) => t.state === "complete" || t.state === "pruned");
    if (history.length < this.options.startupTrials) {
      return assign(ctx.space, (d) => sampleUniform(d.distribution, ctx.rng));
    }
    const relative = this.options.multivariate ? this.#sampleRelative(ctx, history) : {};
    return assign(ctx.space, (d) =>
      d.key in relative ? relative[d.key] : this.#sample([d], ctx, history)[d.key],
    );
  }

  /**
   * Multivariate TPE over the dimensions every scored trial has (Optuna's intersection search space),
   * leaving single-valued ones out; the rest are sampled one by one afterwards.
   */
  #sampleRelative(ctx: SamplerContext, history: TrialRecord<unknown>[]): Assignment {
    const shared = ctx.space.dimensions.filter(
      (d) => history.every((t) => d.key in t.params) && !singleValued(d),
    );
    return shared.length === 0 ? {} : this.#sample(shared, ctx, history);
  }

  #sample(dims: readonly Dimension[], ctx: SamplerContext, history: TrialRecord<unknown>[]): Assignment {
    const { below, above } = splitTrials(history, this.options.gamma(history.length), ctx.direction);
    const observe = (group: TrialRecord<unknown>[]) => {
      const having = group.filter((t) => dims.every((d) => d.key in t.params));
      return dims.map((d) => having.map((t) => toInternal(d.distribution, t.params[d.key])));
    };
    const distributions = dims.map((d) => d.distribution);
    const l = new ParzenEstimator(distributions, observe(below), this.options.parzen);
    const g = new ParzenEstimator(distributions, observe(above), this.options.parzen);
    const candidates = l.sample(ctx.rng, this.options.eiCandidates);
    const ll = l.logPdf(candidates);
    const lg = g.logPdf(candidates);
    let bestIdx = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < ll.length; i++) {
      const s = ll[i] - lg[i];
      if (s > bestScore) {
        bestScore = s;
        bestIdx = i;
      }
    }
    const out: Record<string, ChoiceValue> = {};
    dims.forEach((d, j) => {
      const v = candidates[j][bestIdx];
      out[d.key] = d.distribution.type === "categorical" ? d.distribution.choices[v] : v;
    });
    return out;
  }
}

function singleValued(d: Dimension): boolean {
  const dist = d.distribution;
  return dist.type === "categorical" ? dist.choices.length === 1 : dist.low === dist.high;
}
