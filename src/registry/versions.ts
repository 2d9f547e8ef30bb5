/**
 * Model versions: numbered 1, 2, 3... per model, each an artifact blob (content-addressed, verified when
 * loaded) linked to the run and the data that produced it.
 */
import { MlshipError } from "../core/errors.js";
import { getBlob, putBlob, type Store } from "../store/index.js";
import { appendAudit, highestVersionEver } from "./audit.js";
import { parseFilter } from "./filter.js";
import { ensureModel } from "./models.js";
import { checkActor, checkAlias, checkModelName, checkTags, checkText, checkVersion } from "./names.js";
import { pageOf } from "./paging.js";
import { aliasNotFound, aliasTarget, type Db, readModel, readVersion, readVersions } from "./rows.js";
import type { ModelEvaluation, ModelVersion, RegistrySearchOptions } from "./types.js";

export interface NewModelVersion {
  /** The registered model; created when it does not exist yet. */
  name: string;
  /** The model artifact's bytes (an .mlship file). */
  artifact: Uint8Array;
  runId?: string | null;
  dataFingerprint?: string | null;
  description?: string;
  tags?: Record<string, string>;
  evaluation?: ModelEvaluation | null;
  actor?: string;
}

/**
 * Stores the artifact and numbers the version in one write transaction: the write lock is taken before
 * the highest number is read, so two processes registering at once get consecutive numbers, and a
 * failure (a full disk) leaves neither the blob nor the version behind.
 */
export async function createModelVersion(store: Store, input: NewModelVersion): Promise<ModelVersion> {
  const name = checkModelName(input.name);
  const tags = Object.entries(checkTags(input.tags));
  const description = input.description === undefined ? null : checkText(input.description, "description");
  const actor = checkActor(input.actor ?? "unknown");
  return store.write(async (trx) => {
    await ensureModel(trx, name, { actor });
    if (
      input.runId &&
      !(await trx.selectFrom("runs").select("run_id").where("run_id", "=", input.runId).executeTakeFirst())
    ) {
      throw new MlshipError({
        what: `there is no run ${input.runId} in this store`,
        where: `run: ${input.runId}`,
        fix: "check the run id with `mlship runs list`",
        code: "E_NOT_FOUND_RUN",
      });
    }
    const digest = await putBlob(store, input.artifact, trx);
    // Numbers are never reused, even after the newest version is deleted: "v3" names one artifact forever.
    const version = (await highestVersionEver(trx, name)) + 1;
    const now = Date.now();
    await trx
      .insertInto("model_versions")
      .values({
        name,
        version,
        run_id: input.runId ?? null,
        artifact_sha256: digest,
        data_fingerprint: input.dataFingerprint ?? null,
        description,
        status: "READY",
        created_at: now,
        updated_at: now,
        evaluation: input.evaluation ? JSON.stringify(input.evaluation) : null,
      })
      .execute();
    if (tags.length > 0) {
      await trx
        .insertInto("model_version_tags")
        .values(tags.map(([key, value]) => ({ name, version, key, value })))
        .execute();
    }
    await trx.updateTable("registered_models").set({ updated_at: now }).where("name", "=", name).execute();
    await appendAudit(trx, {
      actor,
      action: "create-version",
      model: name,
      toVersion: version,
      details: { runId: input.runId ?? null, artifactSha256: digest },
    });
    return readVersion(trx, name, version);
  });
}

export async function getModelVersion(
  store: Store,
  name: string,
  version: number | string,
): Promise<ModelVersion> {
  return readVersion(store.db, name, checkVersion(version));
}

export async function getVersionByAlias(store: Store, name: string, alias: string): Promise<ModelVersion> {
  const version = await aliasTarget(store.db, name, checkAlias(alias));
  if (version === null) {
    await readModel(store.db, name);
    throw aliasNotFound(name, alias);
  }
  return readVersion(store.db, name, version);
}

/** "3" or 3 is a version, "latest" the newest one, anything else an alias. */
export async function resolveModelVersion(
  store: Store,
  name: string,
  versionOrAlias: number | string,
): Promise<ModelVersion> {
  if (typeof versionOrAlias === "number" || /^\d+$/.test(versionOrAlias))
    return getModelVersion(store, name, versionOrAlias);
  if (versionOrAlias === "latest") {
    const model = await readModel(store.db, name);
    if (model.latestVersion === null) {
      throw new MlshipError({
        what: `model "${name}" has no versions`,
        where: `model: ${name}`,
        fix: "register one with `mlship models register RUN` or `mlship train`",
        code: "E_NOT_FOUND_VERSION",
      });
    }
    return readVersion(store.db, name, model.latestVersion);
  }
  return getVersionByAlias(store, name, versionOrAlias);
}

/** The artifact's bytes, verified against the checksum it was registered with; for serving. */
export async function loadModelVersionArtifact(
  store: Store,
  name: string,
  versionOrAlias: number | string,
): Promise<Uint8Array> {
  const v = await resolveModelVersion(store, name, versionOrAlias);
  return getBlob(store, v.artifactSha256);
}

/**
 * Versions matching `filter` (name, run_id, version, tags.<key>), by name then newest first; `name`
 * lists one model's versions.
 */
export async function searchModelVersions(
  store: Store,
  options: RegistrySearchOptions & { name?: string } = {},
): Promise<{ versions: ModelVersion[]; nextPageToken?: string }> {
  const matches = parseFilter(options.filter, ["name", "run_id", "version"]);
  let query = store.db.selectFrom("model_versions").selectAll();
  if (options.name !== undefined) query = query.where("name", "=", options.name);
  const rows = await query.orderBy("name").orderBy("version", "desc").execute();
  const all = (await readVersions(store.db, rows)).filter(matches);
  const { page, nextPageToken } = pageOf(all, options);
  return nextPageToken ? { versions: page, nextPageToken } : { versions: page };
}

async function touch(trx: Db, name: string, version: number): Promise<void> {
  await trx
    .updateTable("model_versions")
    .set({ updated_at: Date.now() })
    .where("name", "=", name)
    .where("version", "=", version)
    .execute();
}

export async function updateModelVersion(
  store: Store,
  name: string,
  version: number | string,
  changes: { description?: string | null },
): Promise<ModelVersion> {
  const v = checkVersion(version);
  const description =
    changes.description === undefined || changes.description === null
      ? changes.description
      : checkText(changes.description, "description");
  return store.write(async (trx) => {
    await readVersion(trx, name, v);
    if (description !== undefined) {
      await trx
        .updateTable("model_versions")
        .set({ description })
        .where("name", "=", name)
        .where("version", "=", v)
        .execute();
    }
    await touch(trx, name, v);
    return readVersion(trx, name, v);
  });
}

export async function setModelVersionTag(
  store: Store,
  name: string,
  version: number | string,
  key: string,
  value: string,
): Promise<void> {
  const v = checkVersion(version);
  const tag = checkTags({ [key]: value });
  await store.write(async (trx) => {
    await readVersion(trx, name, v);
    await trx
      .insertInto("model_version_tags")
      .values({ name, version: v, key, value: tag[key] })
      .onConflict((oc) => oc.columns(["name", "version", "key"]).doUpdateSet({ value: tag[key] }))
      .execute();
    await touch(trx, name, v);
  });
}

export async function deleteModelVersionTag(
  store: Store,
  name: string,
  version: number | string,
  key: string,
): Promise<void> {
  const v = checkVersion(version);
  await store.write(async (trx) => {
    await readVersion(trx, name, v);
    await trx
      .deleteFrom("model_version_tags")
      .where("name", "=", name)
      .where("version", "=", v)
      .where("key", "=", key)
      .execute();
    await touch(trx, name, v);
  });
}

/**
 * Deletes a version that no alias points to. A version holding an alias is refused rather than silently
 * unaliased: deleting the champion must be a deliberate alias move first, recorded with its reason.
 */
export async function deleteModelVersion(
  store: Store,
  name: string,
  version: number | string,
  options: { actor?: string; reason?: string } = {},
): Promise<void> {
  const v = checkVersion(version);
  await store.write(async (trx) => {
    const found = await readVersion(trx, name, v);
    if (found.aliases.length > 0) {
      throw new MlshipError({
        what: `version ${v} of "${name}" is still ${found.aliases.map((a) => `@${a}`).join(", ")}`,
        where: `model: ${name} v${v}`,
        fix: `move those aliases to another version (mlship models promote / rollback) or delete them first`,
        code: "E_GUARD_VERSION_ALIASED",
      });
    }
    await trx.deleteFrom("model_version_tags").where("name", "=", name).where("version", "=", v).execute();
    await trx.deleteFrom("model_versions").where("name", "=", name).where("version", "=", v).execute();
    await trx
      .updateTable("registered_models")
      .set({ updated_at: Date.now() })
      .where("name", "=", name)
      .execute();
    await appendAudit(trx, {
      actor: checkActor(options.actor ?? "unknown"),
      action: "delete-version",
      model: name,
      fromVersion: v,
      reason: options.reason ?? null,
    });
  });
}
