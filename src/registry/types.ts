/**
 * The registry's public shapes, camelCase at the edge of the store's snake_case tables. They mirror
 * MLflow's registered models, versions and aliases so the server can translate them one to one.
 */

export interface RegisteredModel {
  name: string;
  description: string | null;
  createdAt: number;
  updatedAt: number;
  tags: Record<string, string>;
  /** Alias -> version. */
  aliases: Record<string, number>;
  latestVersion: number | null;
}

/** What the spec asked of a model and what this version measured, recorded when it was registered. */
export interface ModelEvaluation {
  metric: string;
  direction: "maximize" | "minimize";
  threshold: number;
  /** Holdout scores, the primary metric among them. */
  holdout: Record<string, number>;
  meetsThreshold: boolean;
  constraints: { latencyP95Ms?: number; maxModelBytes?: number };
  measured: { latencyP95Ms: number | null; artifactBytes: number | null; predictMsPerRow: number | null };
  /** Constraints broken, in words; empty when the version is eligible. */
  violations: string[];
}

export interface ModelVersion {
  name: string;
  version: number;
  runId: string | null;
  artifactSha256: string;
  dataFingerprint: string | null;
  description: string | null;
  status: "READY";
  createdAt: number;
  updatedAt: number;
  tags: Record<string, string>;
  aliases: string[];
  evaluation: ModelEvaluation | null;
}

/** One alias move as the audit log recorded it. */
export interface AliasEvent {
  id: number;
  at: number;
  actor: string;
  /** "set-alias", "delete-alias" or "rollback". */
  action: string;
  name: string;
  alias: string;
  fromVersion: number | null;
  toVersion: number | null;
  reason: string | null;
  /** True when a failed guard was overridden with --force. */
  forced: boolean;
}

export interface RegistrySearchOptions {
  filter?: string;
  /** 1 to 1000; default 100. */
  maxResults?: number;
  pageToken?: string;
}
