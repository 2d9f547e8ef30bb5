/**
 * A version's evaluation, and the champion guard read from it: the holdout score must meet the spec's
 * threshold and the measured latency and size must fit its constraints.
 */
import type { TrainSummary } from "../evaluate/index.js";
import { metricDirection, type Spec } from "../spec/index.js";
import type { ModelEvaluation } from "./types.js";

/** What `mlship train` measured of its best candidate, in the registry's terms. */
export function evaluationFromSummary(
  summary: TrainSummary,
  constraints: ModelEvaluation["constraints"] = {},
): ModelEvaluation {
  const best = summary.candidates.find((c) => c.name === summary.best);
  return {
    metric: summary.metric.primary,
    direction: summary.metric.direction,
    threshold: summary.metric.threshold,
    holdout: summary.holdout,
    meetsThreshold: summary.meetsThreshold,
    constraints,
    measured: {
      latencyP95Ms: best?.latencyP95Ms ?? null,
      artifactBytes: summary.artifact.bytes,
      predictMsPerRow: best?.predictMsPerRow ?? null,
    },
    violations: best?.violations ?? [],
  };
}

/** The spec's criteria, to judge a version against today's spec rather than the one it was trained with. */
export interface Criteria {
  metric: string;
  direction: "maximize" | "minimize";
  threshold: number;
  constraints: { latencyP95Ms?: number; maxModelBytes?: number };
}

export function criteriaFromSpec(spec: Spec): Criteria {
  return {
    metric: spec.metric.primary,
    direction: metricDirection(spec),
    threshold: spec.metric.threshold,
    constraints: spec.constraints,
  };
}

export const better = (direction: "maximize" | "minimize", a: number, b: number): boolean =>
  direction === "maximize" ? a > b : a < b;

/** Why this evaluation is not fit to be champion, in words; empty when it is. */
export function championFailures(evaluation: ModelEvaluation | null, criteria?: Criteria): string[] {
  if (!evaluation) return ["it has no recorded evaluation (holdout score, latency, size) to check"];
  if (!criteria) {
    const out = evaluation.meetsThreshold
      ? []
      : [
          `its holdout ${evaluation.metric} ${evaluation.holdout[evaluation.metric]} misses the threshold ${evaluation.threshold}`,
        ];
    return [...out, ...evaluation.violations];
  }
  const out: string[] = [];
  const score = evaluation.holdout[criteria.metric];
  const cmp = criteria.direction === "maximize" ? ">=" : "<=";
  if (typeof score !== "number" || Number.isNaN(score)) {
    out.push(`it has no holdout ${criteria.metric} to compare with the threshold`);
  } else if (criteria.direction === "maximize" ? score < criteria.threshold : score > criteria.threshold) {
    out.push(`its holdout ${criteria.metric} ${score} misses the threshold (${cmp} ${criteria.threshold})`);
  }
  const { latencyP95Ms, artifactBytes } = evaluation.measured;
  const c = criteria.constraints;
  if (c.latencyP95Ms !== undefined && (latencyP95Ms === null || latencyP95Ms > c.latencyP95Ms)) {
    out.push(`p95 latency ${latencyP95Ms ?? "unknown"} ms exceeds ${c.latencyP95Ms} ms`);
  }
  if (c.maxModelBytes !== undefined && (artifactBytes === null || artifactBytes > c.maxModelBytes)) {
    out.push(`artifact size ${artifactBytes ?? "unknown"} bytes exceeds ${c.maxModelBytes} bytes`);
  }
  return out;
}
