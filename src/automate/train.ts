/**
 * A training as `mlship train` does it and as automatic retraining repeats it: train (or tune) from the
 * spec inside a tracked run, record the candidates, store the reference profile monitoring judges the
 * version by, then register the version. The CLI adds progress and printing around this; the watcher
 * adds its own data and decides promotion itself, so both run one code path.
 */
import { readFileSync } from "node:fs";
import { sha256 } from "../core/hash.js";
import type { Dataset } from "../data/index.js";
import { type TrainEvent, type TrainResult, trainFromSpec } from "../evaluate/index.js";
import { profileFromTraining, saveReferenceProfile } from "../monitor/index.js";
import { registerTrainedModel, type TrainRegistration } from "../registry/index.js";
import type { Spec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import {
  type ActiveRun,
  recordTraining,
  recordTuning,
  startTrainingRun,
  trialRecorder,
} from "../track/index.js";
import {
  hasSpaces,
  type TrialSummary,
  type TuneEvent,
  type TuneOverrides,
  type TuneSummary,
  tuneFromSpec,
} from "../tune/index.js";

/** A spec and the folder its relative data paths resolve against. */
export interface TrainingProject {
  spec: Spec;
  baseDir: string;
  /** Recorded with the run when known. */
  specPath?: string;
}

export interface TrainingOptions {
  /** Data already collected (the spec's sources, or fresh data for a retraining). */
  dataset?: Dataset;
  /** Artifact path (default `.mlship/<name>.mlship` beside the spec). */
  artifactPath?: string;
  onEvent?: (e: TrainEvent | TuneEvent) => void;
  /** false: ignore the spec's spaces and train the params as written. */
  tune?: boolean;
  /** Tune the spaced models alone (mlship tune) instead of alongside the fixed ones (mlship train). */
  tuneOnly?: boolean;
  overrides?: TuneOverrides;
  jobs?: number;
  onTrialStart?: (n: number) => Promise<void>;
  onTrial?: (t: TrialSummary) => Promise<void>;
}

/** Whether this training tunes: mlship tune always; mlship train when the spec has spaces. */
export function tunes(spec: Spec, opts: Pick<TrainingOptions, "tune" | "tuneOnly">): boolean {
  return opts.tuneOnly === true || (opts.tune !== false && hasSpaces(spec));
}

/** Trains (or tunes) without recording anything. */
export function runTraining(project: TrainingProject, opts: TrainingOptions): Promise<TrainResult> {
  const common = {
    baseDir: project.baseDir,
    ...(opts.dataset ? { dataset: opts.dataset } : {}),
    ...(opts.artifactPath ? { artifactPath: opts.artifactPath } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
  };
  if (!tunes(project.spec, opts)) return trainFromSpec(project.spec, common);
  return tuneFromSpec(project.spec, {
    ...common,
    include: opts.tuneOnly ? "tuned" : "all",
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    ...(opts.jobs === undefined ? {} : { jobs: opts.jobs }),
    ...(opts.onTrial ? { onTrial: opts.onTrial } : {}),
    ...(opts.onTrialStart ? { onTrialStart: opts.onTrialStart } : {}),
  });
}

export interface TrackedTrainingOptions extends TrainingOptions {
  /** Who registers the version (the audit log's actor). */
  actor: string;
  /** The run this training belongs under (a retraining decision), if any. */
  parentRunId?: string;
  /** Extra tags of the training run. */
  tags?: Record<string, string>;
  /**
   * Overrides the spec's registry.promote: a retraining registers its challenger with "never" and
   * decides promotion on live data instead of on the challenger's own holdout.
   */
  promote?: { mode: "never" | "ifBetter"; reason?: string; source?: string };
}

export interface TrackedTraining {
  result: TrainResult;
  runId: string;
  experimentId: string;
  storePath: string;
  registration: TrainRegistration;
  /** The reference profile stored with the version (for monitoring). */
  profile: { sha256: string; bytes: number; features: number; sampleRows: number } | null;
}

/**
 * Trains inside a tracked run: FAILED (with the reason) if training or recording fails, else FINISHED;
 * then registers the model (and promotes it when the spec says so). Registering comes after the run
 * ends because a training that worked stays FINISHED even if the registry refuses its model.
 */
export async function trainTracked(
  store: Store,
  project: TrainingProject,
  opts: TrackedTrainingOptions,
): Promise<TrackedTraining> {
  const { spec } = project;
  const tuning = tunes(spec, opts);
  const run: ActiveRun = await startTrainingRun(store, spec, {
    ...(project.specPath ? { specPath: project.specPath } : {}),
    kind: opts.tuneOnly ? "tune" : "train",
    ...(opts.parentRunId ? { parentRunId: opts.parentRunId } : {}),
    ...(opts.tags ? { tags: opts.tags } : {}),
  });
  let trained: { result: TrainResult; artifact: Uint8Array };
  try {
    // Trials are recorded as they end, under the run, so a long study can be watched while it runs.
    const recorder = tuning ? trialRecorder(run, spec.metric.primary) : null;
    const result = await runTraining(project, {
      ...opts,
      ...(recorder
        ? {
            onTrialStart: (n: number) => recorder.start(n),
            onTrial: (t: TrialSummary) => recorder.record(t),
          }
        : {}),
    });
    trained = { result, artifact: readFileSync(result.summary.artifact.path) };
    const tuned = (result.summary as Partial<TuneSummary>).tuning;
    if (recorder && tuned) await recordTuning(run, tuned, recorder);
    await recordTraining(run, spec, result, trained.artifact);
  } catch (err) {
    // The training's own error is what the user must see; recording the failure is best effort.
    await run.fail(err).catch(() => {});
    throw err;
  }
  // Stored before the version is registered, so a version never goes without its profile.
  let profile: TrackedTraining["profile"] = null;
  if (spec.task !== "clustering") {
    const p = profileFromTraining(spec, trained.result, { runId: run.runId });
    const saved = await saveReferenceProfile(store, sha256(trained.artifact), p);
    profile = { ...saved, features: p.data.features.length, sampleRows: p.data.sample.rows };
  }
  const registration = await registerTrainedModel(store, {
    spec,
    runId: run.runId,
    artifact: trained.artifact,
    summary: trained.result.summary,
    actor: opts.actor,
    ...(opts.promote ? { promote: opts.promote } : {}),
  });
  return {
    result: trained.result,
    runId: run.runId,
    experimentId: run.experimentId,
    storePath: store.path,
    registration,
    profile,
  };
}
