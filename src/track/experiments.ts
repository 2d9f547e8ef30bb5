/**
 * Experiments: named groups of runs (one per spec by default). Deleting one is soft, as in MLflow: the
 * experiment and its active runs move to the "deleted" stage together and come back together.
 */
import type { Kysely } from "kysely";
import { MlshipError } from "../core/errors.js";
import type { Store, StoreSchema } from "../store/index.js";
import { checkKey, checkName, valueText } from "./names.js";
import { experimentKey, experimentNotFound, loadExperiments } from "./rows.js";
import { searchExperimentRows } from "./search.js";
import type { Experiment, SearchOptions } from "./types.js";

export async function createExperiment(
  store: Store,
  name: string,
  options: { description?: string | null; tags?: Record<string, string> } = {},
): Promise<Experiment> {
  checkName(name, "experiment", "experiment name");
  const tags = Object.entries(options.tags ?? {}).map(([k, v]) => ({
    key: checkKey(k, "tag", `experiment "${name}" tags`),
    value: valueText(v, "tag", k, `experiment "${name}" tags`),
  }));
  const id = await store.write(async (trx) => {
    const existing = await trx
      .selectFrom("experiments")
      .select(["lifecycle_stage"])
      .where("name", "=", name)
      .executeTakeFirst();
    if (existing) throw experimentExists(name, existing.lifecycle_stage);
    const now = Date.now();
    const row = await trx
      .insertInto("experiments")
      .values({
        name,
        description: options.description ?? null,
        lifecycle_stage: "active",
        created_at: now,
        updated_at: now,
      })
      .returning("experiment_id")
      .executeTakeFirstOrThrow();
    if (tags.length > 0) {
      await trx
        .insertInto("experiment_tags")
        .values(tags.map((t) => ({ experiment_id: row.experiment_id, ...t })))
        .execute();
    }
    return row.experiment_id;
  });
  return getExperiment(store, String(id));
}

function experimentExists(name: string, stage: string): MlshipError {
  return new MlshipError({
    what: `an experiment named ${JSON.stringify(name)} already exists${stage === "deleted" ? " (deleted)" : ""}`,
    where: "experiment name",
    fix:
      stage === "deleted"
        ? "restore it (`restoreExperiment`) or choose another name"
        : "use the existing experiment or choose another name",
    code: "E_EXISTS_EXPERIMENT",
  });
}

/** The active experiment called `name`, created when missing; a deleted one is refused, not revived. */
export async function getOrCreateExperiment(store: Store, name: string): Promise<Experiment> {
  checkName(name, "experiment", "experiment name");
  for (let attempt = 0; ; attempt++) {
    const found = await store.db
      .selectFrom("experiments")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    if (found) {
      if (found.lifecycle_stage === "deleted") {
        throw new MlshipError({
          what: `the experiment ${JSON.stringify(name)} is deleted`,
          where: "experiment name",
          fix: "restore it (`restoreExperiment`, or the server's experiments/restore) or log to another experiment",
          code: "E_INVALID_STATE",
        });
      }
      return (await loadExperiments(store, [found]))[0];
    }
    try {
      return await createExperiment(store, name);
    } catch (err) {
      // Another process created it between our look and our write: take theirs.
      if (attempt > 0 || !(err instanceof MlshipError) || err.code !== "E_EXISTS_EXPERIMENT") throw err;
    }
  }
}

export async function getExperiment(store: Store, experimentId: string): Promise<Experiment> {
  const key = experimentKey(experimentId);
  const row =
    key === null
      ? undefined
      : await store.db
          .selectFrom("experiments")
          .selectAll()
          .where("experiment_id", "=", key)
          .executeTakeFirst();
  if (!row) throw experimentNotFound(experimentId);
  return (await loadExperiments(store, [row]))[0];
}

export async function getExperimentByName(store: Store, name: string): Promise<Experiment> {
  const row = await store.db
    .selectFrom("experiments")
    .selectAll()
    .where("name", "=", name)
    .executeTakeFirst();
  if (!row) throw experimentNotFound(name, "experiment name");
  return (await loadExperiments(store, [row]))[0];
}

export async function searchExperiments(
  store: Store,
  options: SearchOptions = {},
): Promise<{ experiments: Experiment[]; nextPageToken?: string }> {
  const { rows, nextPageToken } = await searchExperimentRows(store, options);
  const experiments = await loadExperiments(store, rows);
  return nextPageToken ? { experiments, nextPageToken } : { experiments };
}

async function requireExperiment(trx: Kysely<StoreSchema>, experimentId: string) {
  const key = experimentKey(experimentId);
  const row =
    key === null
      ? undefined
      : await trx.selectFrom("experiments").selectAll().where("experiment_id", "=", key).executeTakeFirst();
  if (!row) throw experimentNotFound(experimentId);
  return row;
}

export async function updateExperiment(
  store: Store,
  experimentId: string,
  changes: { name?: string; description?: string | null },
): Promise<Experiment> {
  if (changes.name !== undefined) checkName(changes.name, "experiment", "experiment name");
  await store.write(async (trx) => {
    const row = await requireExperiment(trx, experimentId);
    // A deleted experiment's updated_at is its deletion time, which restoring relies on.
    if (row.lifecycle_stage === "deleted") {
      throw new MlshipError({
        what: `the experiment ${JSON.stringify(row.name)} is deleted and cannot be changed`,
        where: "experiment",
        fix: "restore it first",
        code: "E_INVALID_STATE",
      });
    }
    if (changes.name !== undefined && changes.name !== row.name) {
      const clash = await trx
        .selectFrom("experiments")
        .select("lifecycle_stage")
        .where("name", "=", changes.name)
        .executeTakeFirst();
      if (clash) throw experimentExists(changes.name, clash.lifecycle_stage);
    }
    await trx
      .updateTable("experiments")
      .set({
        ...(changes.name === undefined ? {} : { name: changes.name }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        updated_at: Date.now(),
      })
      .where("experiment_id", "=", row.experiment_id)
      .execute();
  });
  return getExperiment(store, experimentId);
}

/** Soft delete: the experiment's active runs are deleted with it, stamped with the same time. */
export async function deleteExperiment(store: Store, experimentId: string): Promise<void> {
  await store.write(async (trx) => {
    const row = await requireExperiment(trx, experimentId);
    if (row.lifecycle_stage === "deleted") return;
    const now = Date.now();
    await trx
      .updateTable("experiments")
      .set({ lifecycle_stage: "deleted", updated_at: now })
      .where("experiment_id", "=", row.experiment_id)
      .execute();
    await trx
      .updateTable("runs")
      .set({ lifecycle_stage: "deleted", deleted_at: now })
      .where("experiment_id", "=", row.experiment_id)
      .where("lifecycle_stage", "=", "active")
      .execute();
  });
}

/** Brings back the experiment and the runs deleted with it (not runs deleted on their own before). */
export async function restoreExperiment(store: Store, experimentId: string): Promise<void> {
  await store.write(async (trx) => {
    const row = await requireExperiment(trx, experimentId);
    if (row.lifecycle_stage === "active") return;
    await trx
      .updateTable("runs")
      .set({ lifecycle_stage: "active", deleted_at: null })
      .where("experiment_id", "=", row.experiment_id)
      .where("deleted_at", "=", row.updated_at)
      .execute();
    await trx
      .updateTable("experiments")
      .set({ lifecycle_stage: "active", updated_at: Date.now() })
      .where("experiment_id", "=", row.experiment_id)
      .execute();
  });
}

export async function setExperimentTag(
  store: Store,
  experimentId: string,
  key: string,
  value: string,
): Promise<void> {
  checkKey(key, "tag", "experiment tag");
  const text = valueText(value, "tag", key, "experiment tag");
  await store.write(async (trx) => {
    const row = await requireExperiment(trx, experimentId);
    await trx
      .insertInto("experiment_tags")
      .values({ experiment_id: row.experiment_id, key, value: text })
      .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value: text }))
      .execute();
  });
}

/** Per experiment: its active top-level runs (trainings, scripts) and when the latest one started. */
export async function experimentRunCounts(
  store: Store,
): Promise<Map<string, { runs: number; lastStartTime: number | null }>> {
  const rows = await store.db
    .selectFrom("runs")
    .select((eb) => ["experiment_id", eb.fn.countAll<number>().as("n"), eb.fn.max("start_time").as("last")])
    .where("lifecycle_stage", "=", "active")
    .where("parent_run_id", "is", null)
    .groupBy("experiment_id")
    .execute();
  return new Map(
    rows.map((r) => [String(r.experiment_id), { runs: Number(r.n), lastStartTime: r.last ?? null }]),
  );
}
