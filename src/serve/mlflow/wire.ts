/**
 * MLflow's wire format, written the way MLflow's server writes it: protobuf messages rendered by
 * `message_to_json` (mlflow/utils/proto_json_utils.py) with snake_case field names, ids as strings,
 * int64 fields as JSON numbers, unset fields and empty repeated fields left out, enums by name, and
 * non-finite doubles as "NaN" / "Infinity" / "-Infinity" (the last done by the server's serializer).
 * Message shapes: mlflow/protos/service.proto and model_registry.proto.
 */
import type { ModelVersion, RegisteredModel } from "../../registry/index.js";
import type { Experiment, Metric, Run } from "../../track/index.js";

type Json = Record<string, unknown>;

/** Repeated fields: protobuf JSON leaves an empty list out entirely. */
function repeated<T>(key: string, items: T[]): Json {
  return items.length === 0 ? {} : { [key]: items };
}

function keyValues(record: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** MLflow keeps an experiment's description in this tag; mlship has a description field. */
export const noteTag = "mlflow.note.content";
export const runNameTag = "mlflow.runName";
export const parentRunTag = "mlflow.parentRunId";
export const userTag = "mlflow.user";

/**
 * Where a run's artifacts live in MLflow terms: the proxied-artifact scheme an `mlflow server
 * --serve-artifacts` uses, so a model version's `source` can be traced back to a run and a path.
 */
export function runArtifactUri(run: Pick<Run, "experimentId" | "runId">): string {
  return `mlflow-artifacts:/${run.experimentId}/${run.runId}/artifacts`;
}

export function experimentJson(e: Experiment): Json {
  const tags = { ...e.tags, ...(e.description ? { [noteTag]: e.description } : {}) };
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: `mlflow-artifacts:/${e.experimentId}`,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.updatedAt,
    creation_time: e.createdAt,
    ...repeated("tags", keyValues(tags)),
  };
}

export function metricJson(m: Metric): Json {
  return { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step };
}

export function runInfoJson(run: Run): Json {
  return {
    run_uuid: run.runId,
    experiment_id: run.experimentId,
    run_name: run.name,
    user_id: run.user,
    status: run.status,
    start_time: run.startTime,
    ...(run.endTime === null ? {} : { end_time: run.endTime }),
    artifact_uri: runArtifactUri(run),
    lifecycle_stage: run.lifecycleStage,
    run_id: run.runId,
  };
}

export function runJson(run: Run): Json {
  // MLflow's server keeps the run name and parent in tags as well; clients read them from there.
  const tags: Record<string, string> = { ...run.tags, [runNameTag]: run.name };
  if (run.parentRunId !== null) tags[parentRunTag] = run.parentRunId;
  const datasetInputs = run.inputs.map((input) => ({
    tags: [{ key: "mlflow.data.context", value: input.context }],
    dataset: {
      name: input.name,
      digest: input.digest,
      source_type: "mlship",
      source: JSON.stringify(input.source ?? null),
      ...(input.schema === null || input.schema === undefined
        ? {}
        : { schema: JSON.stringify(input.schema) }),
      profile: JSON.stringify({ num_rows: input.rows, num_columns: input.columns }),
    },
  }));
  return {
    info: runInfoJson(run),
    data: {
      ...repeated("metrics", Object.values(run.metrics).map(metricJson)),
      ...repeated("params", keyValues(run.params)),
      ...repeated("tags", keyValues(tags)),
    },
    inputs: repeated("dataset_inputs", datasetInputs),
  };
}

/**
 * A model version's `source`: the run artifact it was registered from when there is one, else the
 * content address of its artifact in the store.
 */
export function versionSource(v: Pick<ModelVersion, "runId" | "artifactSha256">, run?: Run): string {
  if (v.runId !== null && run) {
    const artifact = run.artifacts.find((a) => a.sha256 === v.artifactSha256);
    if (artifact) return `${runArtifactUri(run)}/${artifact.path}`;
  }
  return `mlship-blob:sha256:${v.artifactSha256}`;
}

export function modelVersionJson(v: ModelVersion, source: string): Json {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.createdAt,
    last_updated_timestamp: v.updatedAt,
    // Stages are deprecated in MLflow in favour of aliases; mlship has only aliases.
    current_stage: "None",
    ...(v.description ? { description: v.description } : {}),
    source,
    ...(v.runId === null ? {} : { run_id: v.runId }),
    status: v.status,
    ...repeated("tags", keyValues(v.tags)),
    ...repeated("aliases", v.aliases),
  };
}

export function registeredModelJson(m: RegisteredModel, latest: Json[]): Json {
  return {
    name: m.name,
    creation_timestamp: m.createdAt,
    last_updated_timestamp: m.updatedAt,
    ...(m.description ? { description: m.description } : {}),
    ...repeated("latest_versions", latest),
    ...repeated("tags", keyValues(m.tags)),
    ...repeated(
      "aliases",
      Object.entries(m.aliases).map(([alias, version]) => ({ alias, version: String(version) })),
    ),
  };
}
