/**
 * The store's tables as Kysely sees them. Column names are snake_case as in SQL; the tracking and
 * registry layers map rows to camelCase objects at their edge. Times are epoch milliseconds (as MLflow
 * records them), JSON columns hold text so both SQLite and PostgreSQL can store them unchanged.
 */
import type { Generated } from "kysely";

export interface SchemaVersionTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  description: string | null;
  /** "active" or "deleted" (MLflow's lifecycle stages). */
  lifecycle_stage: string;
  created_at: number;
  updated_at: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  /** 32 hex characters, like MLflow's run ids. */
  run_id: string;
  experiment_id: number;
  name: string;
  /** RUNNING, SCHEDULED, FINISHED, FAILED or KILLED (MLflow's run statuses). */
  status: string;
  start_time: number;
  end_time: number | null;
  /** Refreshed while the owning process lives; a RUNNING run with a stale heartbeat is marked FAILED. */
  heartbeat_at: number;
  lifecycle_stage: string;
  deleted_at: number | null;
  parent_run_id: string | null;
  user: string;
  /** JSON: git commit and dirty flag, command line, mlship and Node versions, seed, host. */
  source: string;
}

export interface ParamsTable {
  run_id: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  run_id: string;
  key: string;
  /** NULL when is_nan is 1: SQLite turns NaN into NULL, so NaN is recorded explicitly. */
  value: number | null;
  is_nan: number;
  step: number;
  timestamp: number;
}

/** The last value of each metric per run (highest step, then latest timestamp): what search filters on. */
export type LatestMetricsTable = MetricsTable;

export interface RunTagsTable {
  run_id: string;
  key: string;
  value: string;
}

export interface RunInputsTable {
  run_id: string;
  name: string;
  /** The dataset fingerprint. */
  digest: string;
  context: string;
  rows: number | null;
  columns: number | null;
  /** JSON: column names and types. */
  schema: string | null;
  /** JSON: where the data came from. */
  source: string | null;
}

export interface RunArtifactsTable {
  run_id: string;
  /** Logical path within the run, e.g. "model.mlship" or "evaluation.json". */
  path: string;
  sha256: string;
  bytes: number;
  media_type: string;
  created_at: number;
}

export interface BlobsTable {
  sha256: string;
  bytes: number;
  data: Uint8Array;
  created_at: number;
}

export interface RegisteredModelsTable {
  name: string;
  description: string | null;
  created_at: number;
  updated_at: number;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  run_id: string | null;
  artifact_sha256: string;
  data_fingerprint: string | null;
  description: string | null;
  status: string;
  created_at: number;
  updated_at: number;
  /** JSON: holdout metrics, the spec's metric, threshold and constraints, and what the model measured. */
  evaluation: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface ModelAliasesTable {
  name: string;
  alias: string;
  version: number;
  updated_at: number;
}

/** Append-only (triggers refuse UPDATE and DELETE): who did what, when, from what, to what, and why. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  model: string | null;
  alias: string | null;
  from_version: number | null;
  to_version: number | null;
  reason: string | null;
  forced: number;
  /** JSON with anything else worth keeping. */
  details: string | null;
}

/** API keys for the server; the secret itself is never stored, only its sha256. */
export interface ApiKeysTable {
  /** The public part of the key (`mls_<key_id>_<secret>`), used to find the row. */
  key_id: string;
  name: string;
  /** "predict", "write" or "admin". */
  role: string;
  secret_sha256: string;
  created_at: number;
  /** The OS user who ran `mlship keys create`. */
  created_by: string;
  /** Updated at most once a minute per key and process, so authentication does not write per request. */
  last_used_at: number | null;
  revoked_at: number | null;
}

/**
 * One scored row, written by the server's prediction log in batches. JSON columns are text: `inputs`
 * the model's fields as the client sent them (PII columns as keyed hashes), `pii` the PII fields sent
 * beside them (hashed), `prediction` the predicted value, `probabilities` each class's probability.
 */
export interface PredictionLogTable {
  /** Unique across processes and restarts (`req-<process>-<n>`), what feedback refers to. */
  request_id: string;
  /** 0-based row within the request. */
  row_index: number;
  model: string;
  version: number;
  /** The alias the request named (or champion); null when it named a version. */
  alias: string | null;
  /** Why the fallback alias answered instead of the champion. */
  fallback: string | null;
  /** "predict", "batch" or "invocations". */
  endpoint: string;
  /** When the request arrived. */
  at: number;
  /** Validation and scoring time of the request (of the chunk, for batches). */
  latency_ms: number;
  /** The spec's key column, in clear, for joining business data. */
  row_key: string | null;
  inputs: string;
  pii: string | null;
  prediction: string;
  probabilities: string | null;
}

/** Ground truth for logged predictions; the last label sent for a row wins. */
export interface PredictionFeedbackTable {
  request_id: string;
  row_index: number;
  /** The model named by the feedback request. */
  model: string;
  /** JSON: the class (as a string) for classifiers, the number for regressors. */
  label: string;
  labelled_at: number;
}

/** The reference profile of the data an artifact was trained on (src/monitor/profile.ts), as a blob. */
export interface ReferenceProfilesTable {
  artifact_sha256: string;
  profile_sha256: string;
  bytes: number;
  /** The training run that computed it. */
  run_id: string | null;
  created_at: number;
}

/**
 * What monitoring and automation report: alert rules starting and stopping to fire (type "alert"),
 * and later retraining decisions. Rows are never deleted; only the webhook delivery columns change.
 */
export interface MonitorEventsTable {
  id: Generated<number>;
  at: number;
  model: string;
  version: number | null;
  /** "alert"; automation adds its own types (e.g. "decision"). */
  type: string;
  /** The alert rule's kind (dataDrift, latency...) or the decision's. */
  kind: string;
  /** The rule's name (default its kind). */
  name: string;
  /** Alerts: "firing" or "resolved". */
  status: string;
  /** "info", "warning" or "critical". */
  severity: string;
  /** One line for people. */
  message: string;
  /** JSON: the measurements behind it. */
  details: string | null;
  /** A tracked run behind the event (a retraining), when there is one. */
  run_id: string | null;
  /** "none" (no webhook), "pending", "delivered" or "failed". */
  delivery: string;
  attempts: number;
  delivery_error: string | null;
  delivered_at: number | null;
}

/** Requests one serving process answered in one minute for one model and endpoint. */
export interface RequestStatsTable {
  /** Epoch milliseconds of the minute's start. */
  minute: number;
  /** "*" for requests no registered model can be blamed for (unknown names). */
  model: string;
  /** "predict" or "invocations". */
  endpoint: string;
  /** Random per server instance. */
  process: string;
  requests: number;
  /** 4xx answers. */
  client_errors: number;
  /** 5xx answers. */
  server_errors: number;
  latency_sum_ms: number;
  latency_max_ms: number;
  /** JSON: counts per latency bucket (src/monitor/traffic.ts names the bounds). */
  latency_buckets: string;
}

/** What `mlship watch` keeps per model (src/automate/state.ts). */
export interface AutomationStateTable {
  model: string;
  /** The watcher retraining the model now, until lease_until (epoch ms); null when none. */
  lease_holder: string | null;
  lease_until: number | null;
  /** When the last retraining began. */
  last_retrain_at: number | null;
  /** Every scheduled time up to here has been acted on. */
  schedule_checked_at: number | null;
  /** JSON: the guard period after the last promotion, while it runs. */
  guard: string | null;
  /** The last hold-back reason recorded, so a waiting trigger is reported once, not every round. */
  last_skip: string | null;
  updated_at: number;
}

export interface StoreSchema {
  mlship_schema: SchemaVersionTable;
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: ParamsTable;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  run_tags: RunTagsTable;
  run_inputs: RunInputsTable;
  run_artifacts: RunArtifactsTable;
  blobs: BlobsTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  model_aliases: ModelAliasesTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  prediction_log: PredictionLogTable;
  prediction_feedback: PredictionFeedbackTable;
  reference_profiles: ReferenceProfilesTable;
  monitor_events: MonitorEventsTable;
  request_stats: RequestStatsTable;
  automation_state: AutomationStateTable;
}
