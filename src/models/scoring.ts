/**
 * Metrics a model can score itself with during fit (early stopping on the spec's metric). The metric
 * functions live in the evaluate layer, which comes after models, so evaluate registers them here when
 * it is loaded (importing the package does); a model naming a metric before that gets a clear error.
 */
import { MlshipError } from "../core/errors.js";
import type { Column } from "../core/frame.js";

export interface ScoredPrediction {
  /** Row-major n x classes probabilities (classification). */
  proba?: Float64Array;
  classes?: readonly string[];
  /** Predicted values (regression). */
  values?: Float64Array;
}

export interface MetricScorer {
  names: readonly string[];
  score(metric: string, yTrue: Column, prediction: ScoredPrediction): number;
  greaterIsBetter(metric: string): boolean;
}

let registered: MetricScorer | null = null;

export function registerMetricScorer(scorer: MetricScorer): void {
  registered = scorer;
}

/** The names known once evaluate is loaded, or null before. */
export function knownMetrics(): readonly string[] | null {
  return registered?.names ?? null;
}

/** A score where higher is better (losses negated), as sklearn's scorers report them. */
export function metricScorer(
  metric: string,
  kind: string,
): (yTrue: Column, prediction: ScoredPrediction) => number {
  const s = registered;
  if (s === null || !s.names.includes(metric)) {
    throw new MlshipError({
      what: `${kind}: scoring "${metric}" is not a known metric${s === null ? " (the evaluate module is not loaded)" : ""}`,
      where: "params.scoring",
      fix:
        s === null
          ? 'import the package ("mlship") rather than the models module alone, or use scoring: "loss"'
          : `use "loss" or one of: ${s.names.join(", ")}`,
      code: "E_MODEL_PARAM",
    });
  }
  const sign = s.greaterIsBetter(metric) ? 1 : -1;
  return (yTrue, prediction) => sign * s.score(metric, yTrue, prediction);
}
