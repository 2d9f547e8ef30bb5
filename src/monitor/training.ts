/**
 * The reference profile of a training: computed from what `trainFromSpec` returns (the collected data,
 * the holdout rows and the chosen model), stored in the store keyed by the artifact's sha256 so every
 * version registered from that artifact finds it.
 */
import { MlshipError } from "../core/errors.js";
import { asCategorical, type Column, type Frame, takeColumn } from "../core/frame.js";
import { isClassifier, type Predictor } from "../core/protocol.js";
import { predictWithProba, type TrainResult, targetColumn } from "../evaluate/index.js";
import { resolveModelVersion } from "../registry/index.js";
import { featureColumns, type MetricName, metricDirection, type Spec } from "../spec/index.js";
import { getBlob, putBlob, type Store } from "../store/index.js";
import { holdoutReference, type LabelledSet } from "./performance.js";
import {
  decodeProfile,
  encodeProfile,
  predictionFrame,
  profileFormat,
  profileFrame,
  type ReferenceProfile,
} from "./profile.js";

/** Codes of a label column over `classes` by name; -1 where the label is missing or not a class. */
export function codesOver(column: Column, classes: readonly string[]): Int32Array {
  const cat = asCategorical(column);
  const map = cat.levels.map((l) => classes.indexOf(l));
  return Int32Array.from(cat.codes, (c) => (c < 0 ? -1 : map[c]));
}

/** The metrics a window is scored with: the spec's primary and secondary, and accuracy for classifiers. */
export function monitoredMetrics(profile: Pick<ReferenceProfile, "metric" | "classes">): MetricName[] {
  const names = [profile.metric.primary, ...profile.metric.secondary] as MetricName[];
  if (profile.classes.length > 0 && !names.includes("accuracy")) names.push("accuracy");
  return names;
}

/** The model's answers on the holdout rows, beside the true labels, as a LabelledSet. */
export function holdoutSet(model: Predictor, X: Frame, y: Column): LabelledSet {
  if (!isClassifier(model)) {
    const truth = (y.type === "numeric" ? y.values : new Float64Array(X.nRows)) as Float64Array;
    const predicted = model.predict(X);
    return {
      n: X.nRows,
      classes: [],
      truth,
      predicted: predicted.type === "numeric" ? predicted.values : new Float64Array(X.nRows),
      proba: null,
    };
  }
  const classes = model.classes;
  const { labels, proba } = predictWithProba(model, X);
  const truth = codesOver(y, classes);
  const predicted = codesOver(labels, classes);
  // A holdout class the model never saw in training cannot be scored against its probabilities.
  const keep: number[] = [];
  for (let i = 0; i < X.nRows; i++) if (truth[i] >= 0 && predicted[i] >= 0) keep.push(i);
  if (keep.length === X.nRows) return { n: X.nRows, classes, truth, predicted, proba };
  const k = classes.length;
  const p = new Float64Array(keep.length * k);
  keep.forEach((row, i) => {
    p.set(proba.subarray(row * k, row * k + k), i * k);
  });
  return {
    n: keep.length,
    classes,
    truth: Int32Array.from(keep, (i) => truth[i]),
    predicted: Int32Array.from(keep, (i) => predicted[i]),
    proba: p,
  };
}

/** The profile of a finished training (every training row's features, the holdout's predictions). */
export function profileFromTraining(
  spec: Spec,
  result: TrainResult,
  options: { runId?: string | null; now?: number } = {},
): ReferenceProfile {
  if (spec.task === "clustering" || !spec.target) {
    throw new MlshipError({
      what: "clustering models have no reference profile: there is no target to monitor",
      where: "spec: task",
      fix: "monitoring applies to binary, multiclass and regression tasks",
      code: "E_PROFILE_TASK",
    });
  }
  const { frame } = result.dataset;
  const m = spec.monitoring;
  const X = frame.select(featureColumns(spec, frame.names));
  const y = targetColumn(spec, frame) as Column;
  const holdout = holdoutSet(result.model, X.take(result.holdoutRows), takeColumn(y, result.holdoutRows));
  const positiveClass = spec.positiveClass === undefined ? null : String(spec.positiveClass);
  const positive =
    positiveClass === null ? Math.min(1, holdout.classes.length - 1) : holdout.classes.indexOf(positiveClass);
  const seed = spec.split.seed;
  const shape = { sampleRows: m.reference.sampleRows, bins: m.reference.bins, seed };
  const metric = {
    primary: spec.metric.primary,
    secondary: spec.metric.secondary,
    direction: metricDirection(spec),
    threshold: spec.metric.threshold,
  };
  const classes = [...holdout.classes];
  return {
    format: profileFormat,
    createdAt: options.now ?? Date.now(),
    task: spec.task,
    target: spec.target,
    classes,
    positiveClass: classes.length === 2 ? (classes[positive] ?? null) : null,
    metric,
    dataFingerprint: result.summary.data.fingerprint,
    runId: options.runId ?? null,
    seed,
    monitoring: m,
    constraints: spec.constraints,
    data: profileFrame(X, { ...shape, pii: spec.pii }),
    predictions: profileFrame(
      predictionFrame(holdout.predicted, holdout.classes, holdout.proba, Math.max(positive, 0)),
      shape,
    ),
    holdout: holdoutReference(holdout, result.summary.holdout, {
      metrics: monitoredMetrics({ metric, classes }),
      ...(classes.length === 2 && positive >= 0 ? { positiveClass: classes[positive] } : {}),
      resamples: m.performance.bootstrap,
      seed,
    }),
  };
}

/** Stores the profile of the artifact `artifactSha256` (replacing an earlier one for it). */
export async function saveReferenceProfile(
  store: Store,
  artifactSha256: string,
  profile: ReferenceProfile,
): Promise<{ sha256: string; bytes: number }> {
  const bytes = encodeProfile(profile);
  return store.write(async (trx) => {
    const sha256 = await putBlob(store, bytes, trx);
    const row = {
      artifact_sha256: artifactSha256,
      profile_sha256: sha256,
      bytes: bytes.byteLength,
      run_id: profile.runId,
      created_at: profile.createdAt,
    };
    await trx
      .insertInto("reference_profiles")
      .values(row)
      .onConflict((oc) =>
        oc.column("artifact_sha256").doUpdateSet({
          profile_sha256: row.profile_sha256,
          bytes: row.bytes,
          run_id: row.run_id,
          created_at: row.created_at,
        }),
      )
      .execute();
    return { sha256, bytes: bytes.byteLength };
  });
}

export interface VersionProfile {
  name: string;
  version: number;
  artifactSha256: string;
  /** Null when the version's artifact has no profile (registered without `mlship train`). */
  profile: ReferenceProfile | null;
}

/** The profile of a model version given by number, alias or "latest" (default: the champion). */
export async function loadVersionProfile(
  store: Store,
  name: string,
  versionOrAlias: number | string = "champion",
): Promise<VersionProfile> {
  const v = await resolveModelVersion(store, name, versionOrAlias);
  const row = await store.db
    .selectFrom("reference_profiles")
    .select(["profile_sha256"])
    .where("artifact_sha256", "=", v.artifactSha256)
    .executeTakeFirst();
  const profile = row
    ? decodeProfile(await getBlob(store, row.profile_sha256), `reference profile of ${name} v${v.version}`)
    : null;
  return { name, version: v.version, artifactSha256: v.artifactSha256, profile };
}
