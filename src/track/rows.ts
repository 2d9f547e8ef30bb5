/**
 * Rows to entities. A run is assembled from six tables; loading many runs does one query per table for
 * the whole set (chunked below SQLite's bound-parameter limit), never one per run.
 */
import { type Selectable, sql } from "kysely";
import { MlshipError } from "../core/errors.js";
import { mlshipVersion } from "../core/version.js";
import type { ExperimentsTable, RunsTable, Store } from "../store/index.js";
import type { Experiment, LifecycleStage, Metric, Run, RunSource, RunStatus } from "./types.js";

/** SQLite stores NaN as NULL, so NaN is flagged in its own column; ±Infinity are stored as they are. */
export function encodeMetricValue(value: number): { value: number | null; is_nan: number } {
  return Number.isNaN(value) ? { value: null, is_nan: 1 } : { value, is_nan: 0 };
}

export function decodeMetricValue(row: { value: number | null; is_nan: number }): number {
  return row.is_nan ? Number.NaN : (row.value as number);
}

const chunkSize = 5000;

export function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += chunkSize) out.push(items.slice(i, i + chunkSize));
  return out;
}

export function experimentNotFound(id: string, where = "experiment"): MlshipError {
  return new MlshipError({
    what: `there is no experiment ${JSON.stringify(id)} in the store`,
    where,
    fix: "list the experiments with `mlship experiments list`",
    code: "E_NOT_FOUND_EXPERIMENT",
  });
}

export function runNotFound(runId: string): MlshipError {
  return new MlshipError({
    what: `there is no run ${JSON.stringify(runId)} in the store`,
    where: "run",
    fix: "list the runs with `mlship runs list` (deleted ones with --deleted) and use a full run id",
    code: "E_NOT_FOUND_RUN",
  });
}

/** Experiment ids are integers in the store and strings in the API (as in MLflow). */
export function experimentKey(id: string | number): number | null {
  const n = typeof id === "number" ? id : /^\d{1,15}$/.test(id) ? Number(id) : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

export async function loadExperiments(
  store: Store,
  rows: Selectable<ExperimentsTable>[],
): Promise<Experiment[]> {
  const tags = new Map<number, Record<string, string>>();
  for (const ids of chunks(rows.map((r) => r.experiment_id))) {
    const found = await store.db
      .selectFrom("experiment_tags")
      .selectAll()
      .where("experiment_id", "in", ids)
      .orderBy("key")
      .execute();
    for (const t of found) {
      const m = tags.get(t.experiment_id) ?? {};
      m[t.key] = t.value;
      tags.set(t.experiment_id, m);
    }
  }
  return rows.map((r) => ({
    experimentId: String(r.experiment_id),
    name: r.name,
    description: r.description,
    lifecycleStage: r.lifecycle_stage as LifecycleStage,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    tags: tags.get(r.experiment_id) ?? {},
  }));
}

export const emptySource: RunSource = {
  gitCommit: null,
  gitDirty: null,
  command: "",
  mlshipVersion,
  nodeVersion: process.version,
  seed: null,
  host: "",
};

function parseSource(text: string): RunSource {
  try {
    return { ...emptySource, ...(JSON.parse(text) as Partial<RunSource>) };
  } catch {
    return emptySource;
  }
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The latest metrics of `ids`. They are most of what a search returns (20 metrics a run is common), so
 * SQLite aggregates them to one JSON object per run: far fewer JavaScript objects than one per row.
 * SQLite writes ±Infinity as ±9e999 in JSON, which JSON.parse reads back as ±Infinity.
 */
async function latestMetrics(store: Store, ids: string[]): Promise<Map<string, Record<string, Metric>>> {
  const out = new Map<string, Record<string, Metric>>();
  if (store.dialect !== "sqlite") {
    const rows = await store.db.selectFrom("latest_metrics").selectAll().where("run_id", "in", ids).execute();
    for (const m of rows) {
      const metrics = out.get(m.run_id) ?? {};
      metrics[m.key] = { key: m.key, value: decodeMetricValue(m), step: m.step, timestamp: m.timestamp };
      out.set(m.run_id, metrics);
    }
    return out;
  }
  const rows = await store.db
    .selectFrom("latest_metrics")
    .select([
      "run_id",
      sql<string>`json_group_object(key, json_array(value, is_nan, step, timestamp))`.as("m"),
    ])
    .where("run_id", "in", ids)
    .groupBy("run_id")
    .execute();
  for (const r of rows) {
    const metrics: Record<string, Metric> = {};
    for (const [key, [value, isNan, step, timestamp]] of Object.entries(
      JSON.parse(r.m) as Record<string, [number | null, number, number, number]>,
    )) {
      metrics[key] = { key, value: decodeMetricValue({ value, is_nan: isNan }), step, timestamp };
    }
    out.set(r.run_id, metrics);
  }
  return out;
}

/** Full runs for `rows`, in the order given. */
export async function loadRuns(store: Store, rows: Selectable<RunsTable>[]): Promise<Run[]> {
  const runs = new Map<string, Run>();
  for (const r of rows) {
    runs.set(r.run_id, {
      runId: r.run_id,
      experimentId: String(r.experiment_id),
      name: r.name,
      status: r.status as RunStatus,
      startTime: r.start_time,
      endTime: r.end_time,
      heartbeatAt: r.heartbeat_at,
      lifecycleStage: r.lifecycle_stage as LifecycleStage,
      parentRunId: r.parent_run_id,
      user: r.user,
      source: parseSource(r.source),
      params: {},
      metrics: {},
      tags: {},
      inputs: [],
      artifacts: [],
    });
  }
  const db = store.db;
  for (const ids of chunks([...runs.keys()])) {
    for (const p of await db
      .selectFrom("params")
      .selectAll()
      .where("run_id", "in", ids)
      .orderBy("key")
      .execute())
      runs.get(p.run_id)!.params[p.key] = p.value;
    for (const t of await db
      .selectFrom("run_tags")
      .selectAll()
      .where("run_id", "in", ids)
      .orderBy("key")
      .execute())
      runs.get(t.run_id)!.tags[t.key] = t.value;
    for (const [runId, metrics] of await latestMetrics(store, ids)) runs.get(runId)!.metrics = metrics;
    const inputs = await db
      .selectFrom("run_inputs")
      .selectAll()
      .where("run_id", "in", ids)
      .orderBy("name")
      .execute();
    for (const i of inputs) {
      runs.get(i.run_id)!.inputs.push({
        name: i.name,
        digest: i.digest,
        context: i.context,
        rows: i.rows,
        columns: i.columns,
        schema: parseJson(i.schema),
        source: parseJson(i.source),
      });
    }
    const artifacts = await db
      .selectFrom("run_artifacts")
      .selectAll()
      .where("run_id", "in", ids)
      .orderBy("path")
      .execute();
    for (const a of artifacts) {
      runs.get(a.run_id)!.artifacts.push({
        path: a.path,
        sha256: a.sha256,
        bytes: a.bytes,
        mediaType: a.media_type,
        createdAt: a.created_at,
      });
    }
  }
  return [...runs.values()];
}

export async function getRunRow(store: Store, runId: string): Promise<Selectable<RunsTable>> {
  const row = await store.db.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
  if (!row) throw runNotFound(runId);
  return row;
}
