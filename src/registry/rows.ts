/**
 * Reading registry rows into the public shapes. Every reader takes a Kysely handle so it works both on
 * the store and inside a write transaction (the store has one connection: a nested read on `store.db`
 * from inside `store.write` would wait for itself).
 */
import type { Kysely } from "kysely";
import { MlshipError } from "../core/errors.js";
import type { ModelVersionsTable, RegisteredModelsTable, StoreSchema } from "../store/index.js";
import type { ModelEvaluation, ModelVersion, RegisteredModel } from "./types.js";

export type Db = Kysely<StoreSchema>;

export function modelNotFound(name: string): MlshipError {
  return new MlshipError({
    what: `there is no registered model "${name}"`,
    where: `model: ${name}`,
    fix: "check the name with `mlship models list`, or register a run first (`mlship models register RUN`)",
    code: "E_NOT_FOUND_MODEL",
  });
}

export function versionNotFound(name: string, version: number): MlshipError {
  return new MlshipError({
    what: `model "${name}" has no version ${version}`,
    where: `model: ${name} v${version}`,
    fix: `list its versions with \`mlship models show ${name}\``,
    code: "E_NOT_FOUND_VERSION",
  });
}

export function aliasNotFound(name: string, alias: string): MlshipError {
  return new MlshipError({
    what: `model "${name}" has no alias "${alias}"`,
    where: `model: ${name} @${alias}`,
    fix: `see its aliases with \`mlship models show ${name}\`, or set one with \`mlship models promote ${name} VERSION --alias ${alias}\``,
    code: "E_NOT_FOUND_ALIAS",
  });
}

function tagsOf(rows: Array<{ key: string; value: string }>): Record<string, string> {
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

export async function readModels(db: Db, rows: RegisteredModelsTable[]): Promise<RegisteredModel[]> {
  if (rows.length === 0) return [];
  const names = rows.map((r) => r.name);
  const [tags, aliases, latest] = await Promise.all([
    db.selectFrom("registered_model_tags").selectAll().where("name", "in", names).execute(),
    db.selectFrom("model_aliases").selectAll().where("name", "in", names).orderBy("alias").execute(),
    db
      .selectFrom("model_versions")
      .select(["name", (eb) => eb.fn.max("version").as("latest")])
      .where("name", "in", names)
      .groupBy("name")
      .execute(),
  ]);
  return rows.map((r) => ({
    name: r.name,
    description: r.description,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    tags: tagsOf(tags.filter((t) => t.name === r.name)),
    aliases: Object.fromEntries(aliases.filter((a) => a.name === r.name).map((a) => [a.alias, a.version])),
    latestVersion: latest.find((l) => l.name === r.name)?.latest ?? null,
  }));
}

export async function readModel(db: Db, name: string): Promise<RegisteredModel> {
  const row = await db
    .selectFrom("registered_models")
    .selectAll()
    .where("name", "=", name)
    .executeTakeFirst();
  if (!row) throw modelNotFound(name);
  return (await readModels(db, [row]))[0];
}

export async function readVersions(db: Db, rows: ModelVersionsTable[]): Promise<ModelVersion[]> {
  if (rows.length === 0) return [];
  const names = [...new Set(rows.map((r) => r.name))];
  const [tags, aliases] = await Promise.all([
    db.selectFrom("model_version_tags").selectAll().where("name", "in", names).execute(),
    db.selectFrom("model_aliases").selectAll().where("name", "in", names).orderBy("alias").execute(),
  ]);
  const same = (r: ModelVersionsTable) => (t: { name: string; version: number }) =>
    t.name === r.name && t.version === r.version;
  return rows.map((r) => ({
    name: r.name,
    version: r.version,
    runId: r.run_id,
    artifactSha256: r.artifact_sha256,
    dataFingerprint: r.data_fingerprint,
    description: r.description,
    status: "READY",
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    tags: tagsOf(tags.filter(same(r))),
    aliases: aliases.filter(same(r)).map((a) => a.alias),
    evaluation: r.evaluation === null ? null : (JSON.parse(r.evaluation) as ModelEvaluation),
  }));
}

export async function readVersion(db: Db, name: string, version: number): Promise<ModelVersion> {
  const row = await db
    .selectFrom("model_versions")
    .selectAll()
    .where("name", "=", name)
    .where("version", "=", version)
    .executeTakeFirst();
  if (!row) {
    await readModel(db, name);
    throw versionNotFound(name, version);
  }
  return (await readVersions(db, [row]))[0];
}

/** The version an alias points to, or null. */
export async function aliasTarget(db: Db, name: string, alias: string): Promise<number | null> {
  const row = await db
    .selectFrom("model_aliases")
    .select("version")
    .where("name", "=", name)
    .where("alias", "=", alias)
    .executeTakeFirst();
  return row?.version ?? null;
}
