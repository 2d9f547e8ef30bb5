/**
 * API keys: `mls_<id>_<secret>` with a 32-byte random secret, shown once at creation. The store keeps
 * the sha256 of the secret, not a slow password hash: the secret has 256 bits of entropy, so there is
 * nothing to guess, and checking a key costs microseconds on every request. Creation and revocation are
 * written to the audit log in the same transaction.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { MlshipError } from "../../core/errors.js";
import type { Store } from "../../store/index.js";
import { isRole, type Role, roles } from "./roles.js";

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const keyPattern = /^mls_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const digest = (secret: string) => createHash("sha256").update(secret).digest();
// Compared against when the id is unknown, so an unknown id costs the same work as a wrong secret.
const decoy = digest("mlship-unknown-key");

function toKey(row: {
  key_id: string;
  name: string;
  role: string;
  created_at: number;
  created_by: string;
  last_used_at: number | null;
  revoked_at: number | null;
}): ApiKey {
  return {
    id: row.key_id,
    name: row.name,
    role: row.role as Role,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export async function createKey(
  store: Store,
  options: { name: string; role: string; actor: string },
): Promise<{ key: ApiKey; secret: string }> {
  if (!namePattern.test(options.name)) {
    throw new MlshipError({
      what: `"${options.name}" is not a usable key name`,
      fix: "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
      code: "E_USAGE",
    });
  }
  if (!isRole(options.role)) {
    throw new MlshipError({
      what: `"${options.role}" is not a role`,
      fix: `choose one of ${roles.join(", ")} (each includes the ones before it)`,
      code: "E_USAGE",
    });
  }
  const role = options.role;
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  const now = Date.now();
  await store.write(async (trx) => {
    const taken = await trx
      .selectFrom("api_keys")
      .select("key_id")
      .where("name", "=", options.name)
      .executeTakeFirst();
    if (taken) {
      throw new MlshipError({
        what: `there is already a key named "${options.name}" (names are never reused, even after revocation)`,
        fix: "choose another name; `mlship keys list` shows the ones taken",
        code: "E_EXISTS_KEY",
      });
    }
    await trx
      .insertInto("api_keys")
      .values({
        key_id: id,
        name: options.name,
        role,
        secret_sha256: digest(secret).toString("hex"),
        created_at: now,
        created_by: options.actor,
      })
      .execute();
    await audit(trx, options.actor, "key.create", { keyId: id, name: options.name, role });
  });
  return {
    key: {
      id,
      name: options.name,
      role,
      createdAt: now,
      createdBy: options.actor,
      lastUsedAt: null,
      revokedAt: null,
    },
    secret: `mls_${id}_${secret}`,
  };
}

async function audit(trx: Store["db"], actor: string, action: string, details: unknown): Promise<void> {
  await trx
    .insertInto("audit_log")
    .values({ at: Date.now(), actor, action, forced: 0, details: JSON.stringify(details) })
    .execute();
}

export async function listKeys(store: Store): Promise<ApiKey[]> {
  const rows = await store.db
    .selectFrom("api_keys")
    .select(["key_id", "name", "role", "created_at", "created_by", "last_used_at", "revoked_at"])
    .orderBy("created_at")
    .orderBy("key_id")
    .execute();
  return rows.map(toKey);
}

/** Revokes the key with this name or id; revoking twice is an error so a typo is not mistaken for success. */
export async function revokeKey(store: Store, options: { ref: string; actor: string }): Promise<ApiKey> {
  return store.write(async (trx) => {
    const row = await trx
      .selectFrom("api_keys")
      .selectAll()
      .where((eb) => eb.or([eb("name", "=", options.ref), eb("key_id", "=", options.ref)]))
      .executeTakeFirst();
    if (!row) {
      throw new MlshipError({
        what: `there is no key named or numbered "${options.ref}"`,
        fix: "`mlship keys list` shows each key's name and id",
        code: "E_NOT_FOUND_KEY",
      });
    }
    if (row.revoked_at !== null) {
      throw new MlshipError({
        what: `the key "${row.name}" was already revoked on ${new Date(Number(row.revoked_at)).toISOString()}`,
        fix: "nothing to do: it is refused already (`mlship keys list` shows each key's status)",
        code: "E_GUARD_KEY_REVOKED",
      });
    }
    const now = Date.now();
    await trx.updateTable("api_keys").set({ revoked_at: now }).where("key_id", "=", row.key_id).execute();
    await audit(trx, options.actor, "key.revoke", { keyId: row.key_id, name: row.name, role: row.role });
    return toKey({ ...row, revoked_at: now });
  });
}

/**
 * Whether the server must authenticate: yes once any key was ever created, revoked ones included, so
 * revoking the last key locks the server rather than opening it.
 */
export async function authEnabled(store: Store): Promise<boolean> {
  return (await store.db.selectFrom("api_keys").select("key_id").limit(1).executeTakeFirst()) !== undefined;
}

/**
 * Changes whenever a key the server may have cached does: keys are only ever created (count) and
 * revoked (count of revocations); recording a key's use (touchKey) changes neither, since no check
 * reads it. A new way of changing keys must show in this query, or servers keep checking the old ones.
 */
export const keysFingerprintSql = "SELECT count(*), count(revoked_at) FROM api_keys";

/** A stored key as read for checking: its public fields and the digest of its secret. */
export type KeyRecord = ApiKey & { secretSha256: Buffer };

/** The id and secret of a string shaped like a key, or null. */
export function parseKey(presented: string): { id: string; secret: string } | null {
  const m = keyPattern.exec(presented);
  return m ? { id: m[1], secret: m[2] } : null;
}

/** The key with this id, revoked or not, or null. */
export async function readKey(store: Store, id: string): Promise<KeyRecord | null> {
  const row = await store.db.selectFrom("api_keys").selectAll().where("key_id", "=", id).executeTakeFirst();
  return row ? { ...toKey(row), secretSha256: Buffer.from(row.secret_sha256, "hex") } : null;
}

/** The live key when `secret` is its secret, else null; the same work whether or not the key exists. */
export function checkSecret(record: KeyRecord | null, secret: string): ApiKey | null {
  const expected = record?.secretSha256.length === 32 ? record.secretSha256 : decoy;
  const matches = timingSafeEqual(digest(secret), expected);
  if (!record || !matches || record.revokedAt !== null) return null;
  const { secretSha256: _, ...key } = record;
  return key;
}

/** The live key a presented string stands for, or null (malformed, unknown, wrong secret or revoked). */
export async function verifyKey(store: Store, presented: string): Promise<ApiKey | null> {
  const parsed = parseKey(presented);
  if (!parsed) return null;
  return checkSecret(await readKey(store, parsed.id), parsed.secret);
}

export async function touchKey(store: Store, id: string, at: number): Promise<void> {
  await store.write((trx) =>
    trx.updateTable("api_keys").set({ last_used_at: at }).where("key_id", "=", id).execute(),
  );
}
