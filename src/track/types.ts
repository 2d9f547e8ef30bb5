/**
 * What tracking records, as the library, the CLI and the server see it (camelCase; the store's columns
 * are snake_case). Shapes follow MLflow's entities so its REST API maps onto them one to one.
 */

export type LifecycleStage = "active" | "deleted";
export type ViewType = "active" | "deleted" | "all";

export interface Experiment {
  experimentId: string;
  name: string;
  description: string | null;
  lifecycleStage: LifecycleStage;
  createdAt: number;
  updatedAt: number;
  tags: Record<string, string>;
}

export const runStatuses = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type RunStatus = (typeof runStatuses)[number];

export interface RunSource {
  gitCommit: string | null;
  gitDirty: boolean | null;
  command: string;
  mlshipVersion: string;
  nodeVersion: string;
  seed: number | null;
  host: string;
}

/** One logged value; `value` may be NaN or ±Infinity (MLflow allows both) and round-trips exactly. */
export interface Metric {
  key: string;
  value: number;
  step: number;
  timestamp: number;
}

export interface MetricInput {
  key: string;
  value: number;
  step?: number;
  timestamp?: number;
}

export interface RunInput {
  name: string;
  /** The dataset fingerprint. */
  digest: string;
  /** What the data was used for, e.g. "training" or "holdout". */
  context: string;
  rows: number | null;
  columns: number | null;
  schema: unknown;
  source: unknown;
}

export interface RunArtifact {
  path: string;
  sha256: string;
  bytes: number;
  mediaType: string;
  createdAt: number;
}

export interface Run {
  runId: string;
  experimentId: string;
  name: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  heartbeatAt: number;
  lifecycleStage: LifecycleStage;
  parentRunId: string | null;
  user: string;
  source: RunSource;
  params: Record<string, string>;
  /** The latest value of each metric (highest step, then latest timestamp). */
  metrics: Record<string, Metric>;
  tags: Record<string, string>;
  inputs: RunInput[];
  artifacts: RunArtifact[];
}

export interface SearchOptions {
  filter?: string;
  /** Clauses such as "metrics.roc_auc DESC" or "attributes.start_time"; earlier ones sort first. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}
