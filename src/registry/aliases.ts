/**
 * Alias moves (promote, delete, rollback), each one audited with who, when, from, to, why and whether a
 * guard was forced. Guards: an artifact failing its checksum is never aliased, and `champion` requires a
 * version that meets the spec's threshold and constraints unless forced with a reason.
 *
 * Rollback undoes alias moves like an editor's undo: the first rollback returns the alias to its holder
 * before the last move, a second one undoes the move before that, and so on. A new promotion after a
 * rollback starts a new branch, as typing after undo does.
 */
import { MlshipError } from "../core/errors.js";
import { getBlob, type Store } from "../store/index.js";
import { appendAudit, readAliasEvents } from "./audit.js";
import { type Criteria, championFailures } from "./evaluation.js";
import { checkActor, checkAlias, checkModelName, checkReason, checkVersion } from "./names.js";
import { aliasNotFound, aliasTarget, type Db, readModel, readVersion } from "./rows.js";
import type { AliasEvent, ModelVersion } from "./types.js";

export const championAlias = "champion";

export interface SetAliasOptions {
  name: string;
  alias: string;
  version: number | string;
  actor: string;
  reason?: string;
  /** Override the champion guard (never the checksum guard); needs a reason. */
  force?: boolean;
  /** Judge against these (today's spec) instead of the criteria recorded with the version. */
  criteria?: Criteria;
  /** Move only if the alias still points here (null: unset), so a decision made on a read stays valid. */
  expectedVersion?: number | null;
}

function guardError(what: string, where: string, fix: string, code: string, data?: unknown): MlshipError {
  return new MlshipError({ what, where, fix, code, ...(data === undefined ? {} : { data }) });
}

/** The artifact's checksum, verified before any alias may point at it. */
async function assertIntact(store: Store, v: ModelVersion): Promise<void> {
  try {
    await getBlob(store, v.artifactSha256);
  } catch (err) {
    if (!(err instanceof MlshipError)) throw err;
    throw new MlshipError(
      {
        what: `version ${v.version} of "${v.name}" cannot be aliased: its artifact ${err.code === "E_STORE_BLOB_MISSING" ? "is missing from the store" : "fails its checksum"}`,
        where: `model: ${v.name} v${v.version}`,
        fix: "the stored copy is damaged: register the model again (mlship train, or mlship models register RUN) and promote the new version",
        code: "E_GUARD_CHECKSUM",
      },
      { cause: err },
    );
  }
}

async function move(
  trx: Db,
  e: {
    name: string;
    alias: string;
    from: number | null;
    to: number | null;
    actor: string;
    action: string;
    reason: string | null;
    forced: boolean;
    details?: unknown;
  },
): Promise<AliasEvent> {
  const now = Date.now();
  if (e.to === null) {
    await trx.deleteFrom("model_aliases").where("name", "=", e.name).where("alias", "=", e.alias).execute();
  } else {
    await trx
      .insertInto("model_aliases")
      .values({ name: e.name, alias: e.alias, version: e.to, updated_at: now })
      .onConflict((oc) =>
        oc.columns(["name", "alias"]).doUpdateSet({ version: e.to as number, updated_at: now }),
      )
      .execute();
  }
  await trx.updateTable("registered_models").set({ updated_at: now }).where("name", "=", e.name).execute();
  const { id, at } = await appendAudit(trx, {
    actor: e.actor,
    action: e.action,
    model: e.name,
    alias: e.alias,
    fromVersion: e.from,
    toVersion: e.to,
    reason: e.reason,
    forced: e.forced,
    details: e.details,
  });
  return {
    id,
    at,
    actor: e.actor,
    action: e.action,
    name: e.name,
    alias: e.alias,
    fromVersion: e.from,
    toVersion: e.to,
    reason: e.reason,
    forced: e.forced,
  };
}

function movedError(name: string, alias: string, now: number | null): MlshipError {
  return guardError(
    `@${alias} of "${name}" was moved by someone else meanwhile (it is now ${now === null ? "unset" : `v${now}`})`,
    `model: ${name} @${alias}`,
    "look at `mlship models history` and retry if the move still makes sense",
    "E_GUARD_ALIAS_MOVED",
  );
}

/**
 * Points `alias` at `version`. Returns the recorded move, or null when the alias already pointed there
 * (nothing moved, nothing recorded).
 */
export async function setAlias(store: Store, options: SetAliasOptions): Promise<AliasEvent | null> {
  const name = checkModelName(options.name);
  const alias = checkAlias(options.alias);
  const version = checkVersion(options.version);
  const actor = checkActor(options.actor);
  const reason = checkReason(options.reason, options.force === true);
  const target = await readVersion(store.db, name, version);
  await assertIntact(store, target);
  const failures = alias === championAlias ? championFailures(target.evaluation, options.criteria) : [];
  if (failures.length > 0 && !options.force) {
    throw guardError(
      `version ${version} of "${name}" cannot be champion: ${failures.join("; ")}`,
      `model: ${name} v${version}`,
      `promote a version that meets the spec, or override with --force --reason "why" (recorded in the audit log)`,
      "E_GUARD_CHAMPION",
      { failures },
    );
  }
  return store.write(async (trx) => {
    const now = await readVersion(trx, name, version);
    if (now.artifactSha256 !== target.artifactSha256) throw movedError(name, alias, null);
    const from = await aliasTarget(trx, name, alias);
    if (options.expectedVersion !== undefined && from !== options.expectedVersion)
      throw movedError(name, alias, from);
    if (from === version) return null;
    return move(trx, {
      name,
      alias,
      from,
      to: version,
      actor,
      action: "set-alias",
      reason,
      forced: failures.length > 0,
      ...(failures.length > 0 ? { details: { overridden: failures } } : {}),
    });
  });
}

export async function deleteAlias(
  store: Store,
  options: { name: string; alias: string; actor: string; reason?: string },
): Promise<AliasEvent> {
  const name = checkModelName(options.name);
  const alias = checkAlias(options.alias);
  const actor = checkActor(options.actor);
  const reason = checkReason(options.reason, false);
  return store.write(async (trx) => {
    const from = await aliasTarget(trx, name, alias);
    if (from === null) {
      await readModel(trx, name);
      throw aliasNotFound(name, alias);
    }
    return move(trx, { name, alias, from, to: null, actor, action: "delete-alias", reason, forced: false });
  });
}

/** The move a rollback would undo now: replaying the log, each rollback cancels the latest move left. */
function lastUndoable(events: AliasEvent[]): AliasEvent | undefined {
  const stack: AliasEvent[] = [];
  for (const e of events) {
    if (e.action === "rollback") stack.pop();
    else stack.push(e);
  }
  return stack.at(-1);
}

async function rollbackTarget(
  db: Db,
  name: string,
  alias: string,
): Promise<{ undo: AliasEvent; to: number }> {
  await readModel(db, name);
  const undo = lastUndoable(await readAliasEvents(db, name, alias));
  const where = `model: ${name} @${alias}`;
  if (!undo) {
    throw guardError(
      `@${alias} of "${name}" has no earlier move to roll back`,
      where,
      `see \`mlship models history ${name} --alias ${alias}\`; promote a version explicitly instead`,
      "E_GUARD_NO_HISTORY",
    );
  }
  if (undo.fromVersion === null) {
    throw guardError(
      `@${alias} of "${name}" had no holder before v${undo.toVersion}, so there is nothing to roll back to`,
      where,
      `promote another version explicitly, or remove the alias`,
      "E_GUARD_NO_HISTORY",
    );
  }
  const exists = await db
    .selectFrom("model_versions")
    .select("version")
    .where("name", "=", name)
    .where("version", "=", undo.fromVersion)
    .executeTakeFirst();
  if (!exists) {
    throw guardError(
      `@${alias} of "${name}" would roll back to v${undo.fromVersion}, which has been deleted`,
      where,
      "promote an existing version explicitly (mlship models show lists them)",
      "E_GUARD_ROLLBACK_TARGET_DELETED",
    );
  }
  return { undo, to: undo.fromVersion };
}

/**
 * Returns `alias` to its holder before its last (not yet undone) move. The previous holder was accepted
 * for this alias once, so only the checksum guard applies again.
 */
export async function rollbackAlias(
  store: Store,
  options: { name: string; alias?: string; actor: string; reason?: string },
): Promise<AliasEvent> {
  const name = checkModelName(options.name);
  const alias = checkAlias(options.alias ?? championAlias);
  const actor = checkActor(options.actor);
  const reason = checkReason(options.reason, false);
  const planned = await rollbackTarget(store.db, name, alias);
  await assertIntact(store, await readVersion(store.db, name, planned.to));
  return store.write(async (trx) => {
    const { undo, to } = await rollbackTarget(trx, name, alias);
    if (undo.id !== planned.undo.id) throw movedError(name, alias, await aliasTarget(trx, name, alias));
    const from = await aliasTarget(trx, name, alias);
    return move(trx, {
      name,
      alias,
      from,
      to,
      actor,
      action: "rollback",
      reason,
      forced: false,
      details: { undoes: undo.id },
    });
  });
}

/** Every move of `alias` (or of all aliases) of the model, oldest first. */
export async function aliasHistory(store: Store, name: string, alias?: string): Promise<AliasEvent[]> {
  await readModel(store.db, name);
  return readAliasEvents(store.db, name, alias === undefined ? undefined : checkAlias(alias));
}
