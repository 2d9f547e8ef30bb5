/**
 * The registry's side of the append-only audit log: every registration, alias move, rename and delete
 * is one row, and alias history (and so rollback) is read back from it rather than kept separately, so
 * the two can never disagree.
 */
import type { Db } from "./rows.js";
import type { AliasEvent } from "./types.js";

export interface AuditEntry {
  actor: string;
  action: string;
  model: string;
  alias?: string | null;
  fromVersion?: number | null;
  toVersion?: number | null;
  reason?: string | null;
  forced?: boolean;
  details?: unknown;
}

export async function appendAudit(trx: Db, entry: AuditEntry): Promise<{ id: number; at: number }> {
  const at = Date.now();
  const row = await trx
    .insertInto("audit_log")
    .values({
      at,
      actor: entry.actor,
      action: entry.action,
      model: entry.model,
      alias: entry.alias ?? null,
      from_version: entry.fromVersion ?? null,
      to_version: entry.toVersion ?? null,
      reason: entry.reason ?? null,
      forced: entry.forced ? 1 : 0,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), at };
}

export const aliasActions = ["set-alias", "delete-alias", "rollback"] as const;

/**
 * The stretches of the log that belong to the model now called `name`: its rows under earlier names
 * (before each rename), but not those of an older, deleted model that happened to share a name.
 */
async function segments(
  db: Db,
  name: string,
): Promise<Array<{ model: string; after: number; before: number }>> {
  const out: Array<{ model: string; after: number; before: number }> = [];
  let model = name;
  let before = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const marks = await db
      .selectFrom("audit_log")
      .select(["id", "action", "details"])
      .where("model", "=", model)
      .where("action", "in", ["rename-model", "delete-model"])
      .where("id", "<", before)
      .orderBy("id", "desc")
      .execute();
    const deleted = marks.find((m) => m.action === "delete-model");
    // A rename row is written under the new name; one older than the last delete belongs to another model.
    const renamed = marks.find(
      (m) => m.action === "rename-model" && (deleted === undefined || m.id > deleted.id),
    );
    const after = Number(deleted?.id ?? 0);
    out.push({ model, after, before });
    if (!renamed) return out;
    model = (JSON.parse(renamed.details ?? "{}") as { from: string }).from;
    before = Number(renamed.id);
  }
}

/** The highest version number this model ever had (deleted ones included), or 0. */
export async function highestVersionEver(db: Db, name: string): Promise<number> {
  let highest = 0;
  for (const s of await segments(db, name)) {
    const row = await db
      .selectFrom("audit_log")
      .select((eb) => eb.fn.max("to_version").as("v"))
      .where("model", "=", s.model)
      .where("id", ">", s.after)
      .where("id", "<", s.before)
      .where("action", "=", "create-version")
      .executeTakeFirst();
    highest = Math.max(highest, Number(row?.v ?? 0));
  }
  return highest;
}

/** Alias moves of the model now called `name` (each under the name it had then), oldest first. */
export async function readAliasEvents(db: Db, name: string, alias?: string): Promise<AliasEvent[]> {
  const events: AliasEvent[] = [];
  for (const s of await segments(db, name)) {
    let q = db
      .selectFrom("audit_log")
      .selectAll()
      .where("model", "=", s.model)
      .where("id", ">", s.after)
      .where("id", "<", s.before)
      .where("action", "in", [...aliasActions]);
    if (alias !== undefined) q = q.where("alias", "=", alias);
    for (const r of await q.execute()) {
      events.push({
        id: Number(r.id),
        at: r.at,
        actor: r.actor,
        action: r.action,
        name: r.model ?? name,
        alias: r.alias ?? "",
        fromVersion: r.from_version,
        toVersion: r.to_version,
        reason: r.reason,
        forced: r.forced === 1,
      });
    }
  }
  return events.sort((a, b) => a.id - b.id);
}
