/** Registered models: a name that versions, aliases, tags and a description hang off. */
import { MlshipError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { appendAudit } from "./audit.js";
import { parseFilter } from "./filter.js";
import { checkActor, checkModelName, checkTags, checkText } from "./names.js";
import { pageOf } from "./paging.js";
import { type Db, readModel, readModels } from "./rows.js";
import type { RegisteredModel, RegistrySearchOptions } from "./types.js";

export interface ModelOptions {
  description?: string;
  tags?: Record<string, string>;
  /** Who did it, for the audit log; default "unknown". */
  actor?: string;
}

/** Inside a write transaction: the model, created (and audited) when missing. */
export async function ensureModel(trx: Db, name: string, options: ModelOptions = {}): Promise<boolean> {
  const exists = await trx
    .selectFrom("registered_models")
    .select("name")
    .where("name", "=", name)
    .executeTakeFirst();
  if (exists) return false;
  const now = Date.now();
  const description =
    options.description === undefined ? null : checkText(options.description, "description");
  await trx
    .insertInto("registered_models")
    .values({ name, description, created_at: now, updated_at: now })
    .execute();
  const tags = Object.entries(checkTags(options.tags));
  if (tags.length > 0) {
    await trx
      .insertInto("registered_model_tags")
      .values(tags.map(([key, value]) => ({ name, key, value })))
      .execute();
  }
  await appendAudit(trx, {
    actor: checkActor(options.actor ?? "unknown"),
    action: "create-model",
    model: name,
  });
  return true;
}

export async function createRegisteredModel(
  store: Store,
  name: string,
  options: ModelOptions = {},
): Promise<RegisteredModel> {
  checkModelName(name);
  return store.write(async (trx) => {
    if (!(await ensureModel(trx, name, options))) {
      throw new MlshipError({
        what: `a registered model "${name}" already exists`,
        where: `model: ${name}`,
        fix: "pick another name, or register a new version of the existing model",
        code: "E_EXISTS_MODEL",
      });
    }
    return readModel(trx, name);
  });
}

export async function getRegisteredModel(store: Store, name: string): Promise<RegisteredModel> {
  return readModel(store.db, name);
}

/** Models matching `filter` (name, tags.<key>), by name; see filter.ts for the language. */
export async function searchRegisteredModels(
  store: Store,
  options: RegistrySearchOptions = {},
): Promise<{ models: RegisteredModel[]; nextPageToken?: string }> {
  const matches = parseFilter(options.filter, ["name"]);
  const rows = await store.db.selectFrom("registered_models").selectAll().orderBy("name").execute();
  const all = (await readModels(store.db, rows)).filter(matches);
  const { page, nextPageToken } = pageOf(all, options);
  return nextPageToken ? { models: page, nextPageToken } : { models: page };
}

export async function updateRegisteredModel(
  store: Store,
  name: string,
  changes: { description?: string | null },
): Promise<RegisteredModel> {
  const description =
    changes.description === undefined || changes.description === null
      ? changes.description
      : checkText(changes.description, "description");
  return store.write(async (trx) => {
    await readModel(trx, name);
    await trx
      .updateTable("registered_models")
      .set({ updated_at: Date.now(), ...(description === undefined ? {} : { description }) })
      .where("name", "=", name)
      .execute();
    return readModel(trx, name);
  });
}

export async function setRegisteredModelTag(
  store: Store,
  name: string,
  key: string,
  value: string,
): Promise<void> {
  const tag = checkTags({ [key]: value });
  await store.write(async (trx) => {
    await readModel(trx, name);
    await trx
      .insertInto("registered_model_tags")
      .values({ name, key, value: tag[key] })
      .onConflict((oc) => oc.columns(["name", "key"]).doUpdateSet({ value: tag[key] }))
      .execute();
    await trx
      .updateTable("registered_models")
      .set({ updated_at: Date.now() })
      .where("name", "=", name)
      .execute();
  });
}

export async function deleteRegisteredModelTag(store: Store, name: string, key: string): Promise<void> {
  await store.write(async (trx) => {
    await readModel(trx, name);
    await trx.deleteFrom("registered_model_tags").where("name", "=", name).where("key", "=", key).execute();
  });
}

/**
 * The model with all its versions, tags and aliases, in one transaction (so no alias is ever left
 * pointing at a removed version). Artifact blobs stay: runs may share them.
 */
export async function deleteRegisteredModel(
  store: Store,
  name: string,
  options: { actor?: string; reason?: string } = {},
): Promise<void> {
  await store.write(async (trx) => {
    const model = await readModel(trx, name);
    await trx.deleteFrom("model_aliases").where("name", "=", name).execute();
    await trx.deleteFrom("model_version_tags").where("name", "=", name).execute();
    await trx.deleteFrom("model_versions").where("name", "=", name).execute();
    await trx.deleteFrom("registered_model_tags").where("name", "=", name).execute();
    await trx.deleteFrom("registered_models").where("name", "=", name).execute();
    await appendAudit(trx, {
      actor: checkActor(options.actor ?? "unknown"),
      action: "delete-model",
      model: name,
      reason: options.reason ?? null,
      details: { aliases: model.aliases, latestVersion: model.latestVersion },
    });
  });
}

/**
 * Renames the model and everything hanging off it. Rows are copied under the new name before the old
 * ones go, so foreign keys hold at every statement on both dialects; the audit log keeps the old name
 * and a rename row links the two, so alias history (and rollback) carries over.
 */
export async function renameRegisteredModel(
  store: Store,
  name: string,
  newName: string,
  options: { actor?: string } = {},
): Promise<RegisteredModel> {
  checkModelName(newName, "new model name");
  return store.write(async (trx) => {
    await readModel(trx, name);
    if (
      await trx.selectFrom("registered_models").select("name").where("name", "=", newName).executeTakeFirst()
    ) {
      throw new MlshipError({
        what: `a registered model "${newName}" already exists`,
        where: `model: ${newName}`,
        fix: "pick another new name, or delete that model first",
        code: "E_EXISTS_MODEL",
      });
    }
    const model = await trx
      .selectFrom("registered_models")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto("registered_models")
      .values({ ...model, name: newName, updated_at: Date.now() })
      .execute();
    const versions = await trx.selectFrom("model_versions").selectAll().where("name", "=", name).execute();
    if (versions.length > 0) {
      await trx
        .insertInto("model_versions")
        .values(versions.map((v) => ({ ...v, name: newName })))
        .execute();
    }
    for (const table of ["registered_model_tags", "model_version_tags", "model_aliases"] as const) {
      await trx.updateTable(table).set({ name: newName }).where("name", "=", name).execute();
    }
    await trx.deleteFrom("model_versions").where("name", "=", name).execute();
    await trx.deleteFrom("registered_models").where("name", "=", name).execute();
    await appendAudit(trx, {
      actor: checkActor(options.actor ?? "unknown"),
      action: "rename-model",
      model: newName,
      details: { from: name },
    });
    return readModel(trx, newName);
  });
}
