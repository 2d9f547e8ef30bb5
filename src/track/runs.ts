/**
 * Runs: creation, their lifecycle (status, end, soft delete and restore, deletion taking the run's
 * children along) and stale-run detection for processes that died without ending their run.
 */
import { randomBytes } from "node:crypto";
import { userInfo } from "node:os";
import type { Kysely } from "kysely";
import { MlshipError } from "../core/errors.js";
import type { Store, StoreSchema } from "../store/index.js";
import { checkKey, checkName, valueText } from "./names.js";
import { emptySource, experimentKey, experimentNotFound, getRunRow, loadRuns, runNotFound } from "./rows.js";
import { type SearchRunsOptions, searchRunRows } from "./search.js";
import { type Run, type RunSource, type RunStatus, runStatuses } from "./types.js";

export interface CreateRunOptions {
  experimentId: string;
  name?: string;
  parentRunId?: string | null;
  tags?: Record<string, string>;
  startTime?: number;
  user?: string;
  source?: Partial<RunSource>;
  status?: RunStatus;
}

/** The OS user, as MLflow records it; "unknown" where the OS cannot say (some containers). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

const terminal = new Set<RunStatus>(["FINISHED", "FAILED", "KILLED"]);

function checkStatus(status: unknown): RunStatus {
  if (!(runStatuses as readonly unknown[]).includes(status)) {
    throw new MlshipError({
      what: `${JSON.stringify(status)} is not a run status`,
      where: "run status",
      fix: `use one of ${runStatuses.join(", ")}`,
      code: "E_INVALID_STATUS",
    });
  }
  return status as RunStatus;
}

export async function createRun(store: Store, options: CreateRunOptions): Promise<Run> {
  const runId = randomBytes(16).toString("hex");
  const name = options.name ?? `run-${runId.slice(0, 8)}`;
  checkName(name, "run", "run name");
  const status = checkStatus(options.status ?? "RUNNING");
  const tags = Object.entries(options.tags ?? {}).map(([k, v]) => ({
    run_id: runId,
    key: checkKey(k, "tag", `run "${name}" tags`),
    value: valueText(v, "tag", k, `run "${name}" tags`),
  }));
  const start = options.startTime ?? Date.now();
  await store.write(async (trx) => {
    const key = experimentKey(options.experimentId);
    const experiment =
      key === null
        ? undefined
        : await trx
            .selectFrom("experiments")
            .select(["experiment_id", "lifecycle_stage", "name"])
            .where("experiment_id", "=", key)
            .executeTakeFirst();
    if (!experiment) throw experimentNotFound(options.experimentId);
    if (experiment.lifecycle_stage !== "active") {
      throw new MlshipError({
        what: `the experiment ${JSON.stringify(experiment.name)} is deleted; runs cannot be added to it`,
        where: "run: experimentId",
        fix: "restore the experiment first, or log to another one",
        code: "E_INVALID_STATE",
      });
    }
    if (options.parentRunId) await requireActiveRun(trx, options.parentRunId);
    await trx
      .insertInto("runs")
      .values({
        run_id: runId,
        experiment_id: experiment.experiment_id,
        name,
        status,
        start_time: start,
        end_time: terminal.has(status) ? start : null,
        heartbeat_at: start,
        lifecycle_stage: "active",
        deleted_at: null,
        parent_run_id: options.parentRunId ?? null,
        user: options.user ?? currentUser(),
        source: JSON.stringify({ ...emptySource, ...options.source }),
      })
      .execute();
    if (tags.length > 0) await trx.insertInto("run_tags").values(tags).execute();
  });
  return getRun(store, runId);
}

export async function getRun(store: Store, runId: string): Promise<Run> {
  return (await loadRuns(store, [await getRunRow(store, runId)]))[0];
}

/** The run's row inside a write, refused when missing or deleted (MLflow logs only to active runs). */
export async function requireActiveRun(trx: Kysely<StoreSchema>, runId: string) {
  const row = await trx.selectFrom("runs").selectAll().where("run_id", "=", runId).executeTakeFirst();
  if (!row) throw runNotFound(runId);
  if (row.lifecycle_stage !== "active") {
    throw new MlshipError({
      what: `the run ${runId} is deleted`,
      where: "run",
      fix: `restore it first (\`mlship runs restore ${runId}\`)`,
      code: "E_INVALID_STATE",
    });
  }
  return row;
}

export async function updateRun(
  store: Store,
  runId: string,
  changes: { status?: RunStatus; endTime?: number | null; name?: string },
): Promise<Run> {
  if (changes.name !== undefined) checkName(changes.name, "run", "run name");
  const status = changes.status === undefined ? undefined : checkStatus(changes.status);
  await store.write(async (trx) => {
    await requireActiveRun(trx, runId);
    const now = Date.now();
    const endTime =
      changes.endTime !== undefined
        ? changes.endTime
        : status && terminal.has(status)
          ? now
          : status
            ? null
            : undefined;
    await trx
      .updateTable("runs")
      .set({
        ...(status === undefined ? {} : { status }),
        ...(endTime === undefined ? {} : { end_time: endTime }),
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(status === "RUNNING" ? { heartbeat_at: now } : {}),
      })
      .where("run_id", "=", runId)
      .execute();
  });
  return getRun(store, runId);
}

/** Ends a run: FINISHED unless told otherwise, with the end time now. */
export function endRun(store: Store, runId: string, status: RunStatus = "FINISHED"): Promise<Run> {
  return updateRun(store, runId, { status });
}

async function descendants(trx: Kysely<StoreSchema>, runId: string): Promise<string[]> {
  const out = [runId];
  for (let i = 0; i < out.length; i++) {
    const children = await trx
      .selectFrom("runs")
      .select("run_id")
      .where("parent_run_id", "=", out[i])
      .execute();
    out.push(...children.map((c) => c.run_id));
  }
  return out;
}

/** Soft delete of the run and its descendants (CV folds and trials belong to their parent). */
export async function deleteRun(store: Store, runId: string): Promise<void> {
  await store.write(async (trx) => {
    const row = await trx
      .selectFrom("runs")
      .select("lifecycle_stage")
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!row) throw runNotFound(runId);
    if (row.lifecycle_stage === "deleted") return;
    const ids = await descendants(trx, runId);
    await trx
      .updateTable("runs")
      .set({ lifecycle_stage: "deleted", deleted_at: Date.now() })
      .where("run_id", "in", ids)
      .where("lifecycle_stage", "=", "active")
      .execute();
  });
}

/** Restores the run and the descendants deleted with it. */
export async function restoreRun(store: Store, runId: string): Promise<void> {
  await store.write(async (trx) => {
    const row = await trx
      .selectFrom("runs")
      .select(["lifecycle_stage", "deleted_at", "experiment_id"])
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (!row) throw runNotFound(runId);
    if (row.lifecycle_stage === "active") return;
    const experiment = await trx
      .selectFrom("experiments")
      .select(["name", "lifecycle_stage"])
      .where("experiment_id", "=", row.experiment_id)
      .executeTakeFirstOrThrow();
    if (experiment.lifecycle_stage !== "active") {
      throw new MlshipError({
        what: `the run's experiment ${JSON.stringify(experiment.name)} is deleted`,
        where: "run",
        fix: "restore the experiment (which restores the runs deleted with it)",
        code: "E_INVALID_STATE",
      });
    }
    const ids = await descendants(trx, runId);
    await trx
      .updateTable("runs")
      .set({ lifecycle_stage: "active", deleted_at: null })
      .where("run_id", "in", ids)
      .where("deleted_at", "=", row.deleted_at)
      .execute();
  });
}

export async function searchRuns(
  store: Store,
  options: SearchRunsOptions = {},
): Promise<{ runs: Run[]; nextPageToken?: string }> {
  const { rows, nextPageToken } = await searchRunRows(store, options);
  const runs = await loadRuns(store, rows);
  return nextPageToken ? { runs, nextPageToken } : { runs };
}

/** How long a RUNNING run may go without a heartbeat before it counts as dead (heartbeats come every 10 s). */
export const defaultStaleAfterMs = 60_000;

/**
 * Marks RUNNING runs whose heartbeat is older than `staleAfterMs` as FAILED, ended at their last heartbeat,
 * with a tag saying why. Returns how many were marked. Cheap when there is nothing to do (one indexed read).
 */
export async function markStaleRuns(
  store: Store,
  options: { staleAfterMs?: number; now?: number } = {},
): Promise<number> {
  const cutoff = (options.now ?? Date.now()) - (options.staleAfterMs ?? defaultStaleAfterMs);
  const stale = (db: Kysely<StoreSchema>) =>
    db
      .selectFrom("runs")
      .select(["run_id", "heartbeat_at"])
      .where("status", "=", "RUNNING")
      .where("heartbeat_at", "<", cutoff)
      .execute();
  if ((await stale(store.db)).length === 0) return 0;
  return store.write(async (trx) => {
    const rows = await stale(trx);
    for (const r of rows) {
      await trx
        .updateTable("runs")
        .set({ status: "FAILED", end_time: r.heartbeat_at })
        .where("run_id", "=", r.run_id)
        .execute();
      const value = `no heartbeat since ${new Date(r.heartbeat_at).toISOString()}: the process running it died or was killed`;
      await trx
        .insertInto("run_tags")
        .values({ run_id: r.run_id, key: "mlship.failure", value })
        .onConflict((oc) => oc.columns(["run_id", "key"]).doUpdateSet({ value }))
        .execute();
    }
    return rows.length;
  });
}

/** A full run id from itself or an unambiguous prefix of at least 6 characters (as `git` takes commits). */
export async function resolveRunId(store: Store, idOrPrefix: string): Promise<string> {
  const id = idOrPrefix.trim().toLowerCase();
  if (/^[0-9a-f]{6,32}$/.test(id)) {
    // A range on the primary key rather than LIKE, so the lookup uses the index.
    const found = await store.db
      .selectFrom("runs")
      .select("run_id")
      .where("run_id", ">=", id)
      .where("run_id", "<", `${id}g`)
      .limit(2)
      .execute();
    if (found.length === 1) return found[0].run_id;
    if (found.length > 1) {
      throw new MlshipError({
        what: `the run id prefix "${idOrPrefix}" matches more than one run`,
        where: "run",
        fix: "give more characters of the run id",
        code: "E_INVALID_RUN_ID",
      });
    }
  }
  throw runNotFound(idOrPrefix);
}
