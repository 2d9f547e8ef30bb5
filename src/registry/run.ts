/**
 * Registering a tracked run's model artifact: the version links back to its run and to the data the run
 * trained on, and carries the run's evaluation when `mlship train` logged one.
 */
import { MlshipError } from "../core/errors.js";
import type { TrainSummary } from "../evaluate/index.js";
import type { Store } from "../store/index.js";
import { getArtifact, getExperiment, getRun } from "../track/index.js";
import { evaluationFromSummary } from "./evaluation.js";
import type { ModelVersion } from "./types.js";
import { createModelVersion } from "./versions.js";

export interface RegisterRunOptions {
  /** The registered model; default: the run's experiment (one per spec, named after it). */
  name?: string;
  /** The artifact within the run; default "model.mlship". */
  artifactPath?: string;
  description?: string;
  tags?: Record<string, string>;
  actor: string;
}

/** The artifact `mlship train` logs its summary under. */
export const summaryArtifactPath = "evaluation.json";

export async function registerRun(
  store: Store,
  runId: string,
  options: RegisterRunOptions,
): Promise<ModelVersion> {
  const run = await getRun(store, runId);
  const path = options.artifactPath ?? "model.mlship";
  if (!run.artifacts.some((a) => a.path === path)) {
    throw new MlshipError({
      what: `run ${runId} has no artifact "${path}"`,
      where: `run: ${runId}`,
      fix: `its artifacts are: ${run.artifacts.map((a) => a.path).join(", ") || "none"}; pass --artifact PATH`,
      code: "E_NOT_FOUND_ARTIFACT",
    });
  }
  const artifact = await getArtifact(store, runId, path);
  const name = options.name ?? (await getExperiment(store, run.experimentId)).name;
  const training = run.inputs.find((i) => i.context === "training") ?? run.inputs[0];
  return createModelVersion(store, {
    name,
    artifact,
    runId,
    dataFingerprint: training?.digest ?? null,
    evaluation: await loggedEvaluation(store, run.runId, run.artifacts),
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
    actor: options.actor,
  });
}

async function loggedEvaluation(store: Store, runId: string, artifacts: Array<{ path: string }>) {
  if (!artifacts.some((a) => a.path === summaryArtifactPath)) return null;
  const summary = JSON.parse(
    new TextDecoder().decode(await getArtifact(store, runId, summaryArtifactPath)),
  ) as TrainSummary;
  return summary.metric && summary.holdout ? evaluationFromSummary(summary) : null;
}
