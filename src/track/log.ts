/**
 * Logging to a run. Each call is one transaction: a batch is stored whole or not at all (a full disk
 * mid-batch leaves nothing half-written). Params are write-once as in MLflow: logging the same value
 * again is fine, a different value is refused. Metrics keep their whole history; `latest_metrics`
 * holds the value with the highest step (then the latest timestamp), which is what search sees.
 */
import type { Kysely } from "kysely";
import { MlshipError } from "../core/errors.js";
import type { Store, StoreSchema } from "../store/index.js";
import { checkInteger, checkKey, checkMetricValue, valueText } from "./names.js";
import { chunks, decodeMetricValue, encodeMetricValue, getRunRow } from "./rows.js";
import { requireActiveRun } from "./runs.js";
import type { Metric, MetricInput, RunInput } from "./types.js";

export interface Batch {
  metrics?: MetricInput[];
  params?: Record<string, unknown>;
  tags?: Record<string, unknown>;
}

interface Prepared {
  metrics: Metric[];
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
}

/** Every check that needs no store happens before the transaction starts. */
function prepare(runId: string, batch: Batch): Prepared {
  const where = `run ${runId}`;
  const now = Date.now();
  const metrics = (batch.metrics ?? []).map((m) => {
    const key = checkKey(m?.key, "metric", where);
    return {
      key,
      value: checkMetricValue(key, m.value, where),
      step: checkInteger(m.step ?? 0, `the step of metric "${key}"`, where),
      timestamp: checkInteger(m.timestamp ?? now, `the timestamp of metric "${key}"`, where),
    };
  });
  const params: Prepared["params"] = [];
  const seen = new Map<string, string>();
  for (const [k, v] of Object.entries(batch.params ?? {})) {
    const key = checkKey(k, "param", where);
    const value = valueText(v, "param", key, where);
    if (seen.has(key) && seen.get(key) !== value) throw paramChanged(runId, key, seen.get(key)!, value);
    seen.set(key, value);
    params.push({ key, value });
  }
  const tags = Object.entries(batch.tags ?? {}).map(([k, v]) => {
    const key = checkKey(k, "tag", where);
    return { key, value: valueText(v, "tag", key, where) };
  });
  return { metrics, params, tags };
}

function paramChanged(runId: string, key: string, before: string, after: string): MlshipError {
  const show = (s: string) => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
  return new MlshipError({
    what: `the param "${key}" of run ${runId} is already ${show(before)}; it cannot change to ${show(after)}`,
    where: `run ${runId}: params.${key}`,
    fix: "params are fixed once logged (as in MLflow): start a new run for a new value, or log what changes over time as a metric or a tag",
    code: "E_INVALID_PARAM_CHANGE",
  });
}

async function write(trx: Kysely<StoreSchema>, runId: string, p: Prepared): Promise<void> {
  if (p.params.length > 0) {
    for (const part of chunks(p.params)) {
      const existing = await trx
        .selectFrom("params")
        .select(["key", "value"])
        .where("run_id", "=", runId)
        .where(
          "key",
          "in",
          part.map((x) => x.key),
        )
        .execute();
      const before = new Map(existing.map((e) => [e.key, e.value]));
      for (const x of part) {
        const old = before.get(x.key);
        if (old !== undefined && old !== x.value) throw paramChanged(runId, x.key, old, x.value);
      }
      await trx
        .insertInto("params")
        .values(part.map((x) => ({ run_id: runId, ...x })))
        .onConflict((oc) => oc.columns(["run_id", "key"]).doNothing())
        .execute();
    }
  }
  if (p.tags.length > 0) {
    for (const part of chunks(p.tags)) {
      await trx
        .insertInto("run_tags")
        .values(part.map((x) => ({ run_id: runId, ...x })))
        .onConflict((oc) =>
          oc.columns(["run_id", "key"]).doUpdateSet((eb) => ({ value: eb.ref("excluded.value") })),
        )
        .execute();
    }
  }
  if (p.metrics.length > 0) {
    const rows = p.metrics.map((m) => ({
      run_id: runId,
      key: m.key,
      ...encodeMetricValue(m.value),
      step: m.step,
      timestamp: m.timestamp,
    }));
    for (const part of chunks(rows)) await trx.insertInto("metrics").values(part).execute();
    // Only the newest value per key of this batch can move latest_metrics; the upsert keeps the stored
    // one when it is newer (a higher step, or the same step logged later).
    const newest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) {
      const cur = newest.get(r.key);
      if (!cur || r.step > cur.step || (r.step === cur.step && r.timestamp >= cur.timestamp))
        newest.set(r.key, r);
    }
    for (const part of chunks([...newest.values()])) {
      await trx
        .insertInto("latest_metrics")
        .values(part)
        .onConflict((oc) =>
          oc
            .columns(["run_id", "key"])
            .doUpdateSet((eb) => ({
              value: eb.ref("excluded.value"),
              is_nan: eb.ref("excluded.is_nan"),
              step: eb.ref("excluded.step"),
              timestamp: eb.ref("excluded.timestamp"),
            }))
            .where((eb) =>
              eb.or([
                eb("excluded.step", ">", eb.ref("latest_metrics.step")),
                eb.and([
                  eb("excluded.step", "=", eb.ref("latest_metrics.step")),
                  eb("excluded.timestamp", ">=", eb.ref("latest_metrics.timestamp")),
                ]),
              ]),
            ),
        )
        .execute();
    }
  }
}

/** Metrics, params and tags in one transaction: all stored, or (on any error) none. */
export async function logBatch(store: Store, runId: string, batch: Batch): Promise<void> {
  const prepared = prepare(runId, batch);
  await store.write(async (trx) => {
    await requireActiveRun(trx, runId);
    await write(trx, runId, prepared);
  });
}

export function logParams(store: Store, runId: string, params: Record<string, unknown>): Promise<void> {
  return logBatch(store, runId, { params });
}

export function logMetrics(store: Store, runId: string, metrics: MetricInput[]): Promise<void> {
  return logBatch(store, runId, { metrics });
}

export function setTags(store: Store, runId: string, tags: Record<string, string>): Promise<void> {
  return logBatch(store, runId, { tags });
}

export async function deleteTag(store: Store, runId: string, key: string): Promise<void> {
  await store.write(async (trx) => {
    await requireActiveRun(trx, runId);
    const { numDeletedRows } = await trx
      .deleteFrom("run_tags")
      .where("run_id", "=", runId)
      .where("key", "=", key)
      .executeTakeFirst();
    if (numDeletedRows === 0n) {
      throw new MlshipError({
        what: `the run ${runId} has no tag ${JSON.stringify(key)}`,
        where: `run ${runId}: tags`,
        fix: "check the tag's key with `mlship runs show`",
        code: "E_NOT_FOUND_TAG",
      });
    }
  });
}

/** Datasets the run used; logging the same (name, digest) twice keeps the first record. */
export async function logInputs(store: Store, runId: string, inputs: RunInput[]): Promise<void> {
  const rows = inputs.map((i) => {
    if (typeof i.name !== "string" || i.name === "" || typeof i.digest !== "string" || i.digest === "") {
      throw new MlshipError({
        what: "a run input needs a name and a digest (the dataset fingerprint)",
        where: `run ${runId}: inputs`,
        fix: "give each input a name and its dataset fingerprint",
        code: "E_INVALID_INPUT",
      });
    }
    return {
      run_id: runId,
      name: i.name,
      digest: i.digest,
      context: i.context ?? "",
      rows: i.rows ?? null,
      columns: i.columns ?? null,
      schema: i.schema === undefined || i.schema === null ? null : JSON.stringify(i.schema),
      source: i.source === undefined || i.source === null ? null : JSON.stringify(i.source),
    };
  });
  await store.write(async (trx) => {
    await requireActiveRun(trx, runId);
    for (const part of chunks(rows)) {
      await trx
        .insertInto("run_inputs")
        .values(part)
        .onConflict((oc) => oc.columns(["run_id", "name", "digest"]).doNothing())
        .execute();
    }
  });
}

/** Every value logged for `key`, by step then time. */
export async function getMetricHistory(store: Store, runId: string, key: string): Promise<Metric[]> {
  await getRunRow(store, runId);
  const rows = await store.db
    .selectFrom("metrics")
    .selectAll()
    .where("run_id", "=", runId)
    .where("key", "=", key)
    .orderBy("step")
    .orderBy("timestamp")
    .execute();
  return rows.map((r) => ({ key: r.key, value: decodeMetricValue(r), step: r.step, timestamp: r.timestamp }));
}
