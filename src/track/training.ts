/**
 * What `mlship train` records: the training as a parent run, each candidate as a child, each CV fold
 * of a candidate as a grandchild ("CV folds are children"). The parent is started before training so a
 * crash or a kill leaves a FAILED run, not nothing; candidates and folds are logged once the (synchronous)
 * model comparison has produced them.
 */
import type { TrainResult } from "../evaluate/index.js";
import type { Spec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { type ActiveRun, startRun } from "./session.js";
import type { RunSource } from "./types.js";

/** Starts the parent run of a training, in the experiment named after the spec. */
export function startTrainingRun(
  store: Store,
  spec: Spec,
  options: {
    source?: Partial<RunSource>;
    specPath?: string;
    kind?: "train" | "tune";
    /** The run this training belongs under (an automatic retraining's decision). */
    parentRunId?: string;
    tags?: Record<string, string>;
  } = {},
): Promise<ActiveRun> {
  return startRun({
    store,
    experiment: spec.name,
    name: options.kind ?? "train",
    seed: spec.split.seed,
    tags: {
      "mlship.kind": options.kind ?? "train",
      "mlship.task": spec.task,
      ...(options.specPath ? { "mlship.spec": options.specPath } : {}),
      ...options.tags,
    },
    ...(options.parentRunId ? { parent: options.parentRunId } : {}),
    ...(options.source ? { source: options.source } : {}),
  });
}

/** A metric key per CV summary: `cv_<metric>_mean` and `cv_<metric>_std`. */
function cvMetrics(cv: Record<string, { mean: number; std: number }>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [m, s] of Object.entries(cv)) {
    out[`cv_${m}_mean`] = s.mean;
    out[`cv_${m}_std`] = s.std;
  }
  return out;
}

function paramText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Logs a finished training into its parent run (and children), then ends the parent FINISHED. */
export async function recordTraining(
  run: ActiveRun,
  spec: Spec,
  result: TrainResult,
  artifact: Uint8Array,
): Promise<void> {
  const s = result.summary;
  const m = s.metric.primary;
  const best = s.candidates.find((c) => c.name === s.best);
  await run.logBatch({
    params: {
      task: s.task,
      target: s.target ?? "",
      metric: m,
      threshold: s.metric.threshold,
      direction: s.metric.direction,
      secondary_metrics: spec.metric.secondary,
      holdout: spec.split.holdout,
      folds: s.split.folds,
      seed: s.split.seed,
      stratify: spec.split.stratify,
      candidates: s.candidates.map((c) => c.name),
      best: s.best,
      best_kind: best?.kind ?? "",
    },
    // The holdout score under the metric's own name: it is what this training's model achieved.
    metrics: Object.entries({
      ...s.holdout,
      ...(best ? cvMetrics(best.cv) : {}),
      train_rows: s.split.train,
      holdout_rows: s.split.holdout,
      duration_s: s.durationSeconds,
    }).map(([key, value]) => ({ key, value })),
    tags: {
      "mlship.best": s.best,
      "mlship.meets_threshold": String(s.meetsThreshold),
      "mlship.artifact_sha256": s.artifact.sha256,
    },
  });
  await run.logInputs([
    {
      name: spec.name,
      digest: s.data.fingerprint,
      context: "training",
      rows: s.data.rows,
      columns: s.data.columns,
      schema: result.dataset.schema.columns.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
      })),
      source: s.data.sources,
    },
  ]);
  await run.logArtifact("model.mlship", artifact);
  await run.logArtifact("evaluation.json", `${JSON.stringify(s, null, 2)}\n`);

  for (const c of s.candidates) {
    const child = await run.startChild({
      name: c.name,
      tags: {
        "mlship.kind": "candidate",
        "mlship.baseline": String(c.baseline),
        "mlship.best": String(c.name === s.best),
        "mlship.violations": c.violations.join("; "),
      },
    });
    const modelParams = Object.entries((c.params ?? {}) as Record<string, unknown>).map(([k, v]) => [
      `model.${k}`,
      paramText(v),
    ]);
    await child.logBatch({
      params: { kind: c.kind, metric: m, ...Object.fromEntries(modelParams) },
      metrics: Object.entries({
        ...cvMetrics(c.cv),
        fit_s: c.fitSeconds,
        predict_ms_per_row: c.predictMsPerRow,
        latency_p95_ms: c.latencyP95Ms,
        artifact_bytes: c.artifactBytes,
      }).map(([key, value]) => ({ key, value })),
    });
    const folds = Object.values(c.cv)[0]?.folds.length ?? 0;
    for (let f = 0; f < folds; f++) {
      const fold = await child.startChild({ name: `fold ${f + 1}`, tags: { "mlship.kind": "cv-fold" } });
      await fold.logBatch({
        params: { fold: f + 1, folds, metric: m },
        metrics: Object.entries(c.cv).map(([key, v]) => ({ key, value: v.folds[f] })),
      });
      await fold.end("FINISHED");
    }
    await child.end("FINISHED");
  }
  await run.end("FINISHED");
}
