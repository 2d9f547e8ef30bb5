/**
 * `mlship keys`: create prints the key once, list never shows secrets, revoke by name or id; the store
 * file holds only the secret's hash, and both changes are in the audit log under the OS user.
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "./helpers.js";
import { expectUserError, run } from "./run.js";

afterAll(removeTempDirs);

describe("mlship keys", () => {
  it("creates, lists and revokes keys, storing only a hash, auditing each change", async () => {
    const dir = tempDir();
    const store = join(dir, "store.db");
    const made = await run(
      ["keys", "create", "checkout", "--role", "predict", "--store", store, "--json"],
      dir,
    );
    expect(made.status, made.stderr).toBe(0);
    const { key, secret } = JSON.parse(made.stdout);
    expect(secret).toMatch(new RegExp(`^mls_${key.id}_[A-Za-z0-9_-]{43}$`));
    expect(key).toMatchObject({ name: "checkout", role: "predict", status: "active", lastUsedAt: null });

    const plain = await run(["keys", "create", "ops", "--role", "admin", "--store", store], dir);
    expect(plain.status, plain.stderr).toBe(0);
    const opsSecret = plain.stdout.trim();
    expect(opsSecret).toMatch(/^mls_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(plain.stderr).toContain("only time the key is shown");

    const listed = await run(["keys", "list", "--store", store, "--json"], dir);
    expect(JSON.parse(listed.stdout).keys.map((k: { name: string }) => k.name)).toEqual(["checkout", "ops"]);
    const table = await run(["keys", "list", "--store", store], dir);
    for (const out of [listed.stdout, listed.stderr, table.stdout, table.stderr]) {
      expect(out).not.toContain(secret.slice(18));
      expect(out).not.toContain(opsSecret.slice(18));
    }

    const byName = await run(["keys", "revoke", "checkout", "--store", store], dir);
    expect(byName.status, byName.stderr).toBe(0);
    const opsId = opsSecret.slice(4, 16);
    const byId = await run(["keys", "revoke", opsId, "--store", store, "--json"], dir);
    expect(JSON.parse(byId.stdout).key).toMatchObject({ name: "ops", status: "revoked" });
    const again = await run(["keys", "revoke", "ops", "--store", store], dir);
    expectUserError(again, { where: false });
    expect(again.stderr).toContain("already revoked");

    // The raw file (and its WAL, where recent pages may still be) never holds a secret in clear.
    const bytes = Buffer.concat(
      [store, `${store}-wal`].flatMap((f) => {
        try {
          return [readFileSync(f)];
        } catch {
          return [];
        }
      }),
    );
    expect(bytes.includes(secret.slice(18))).toBe(false);
    expect(bytes.includes(opsSecret.slice(18))).toBe(false);
    const db = new Database(store, { readonly: true });
    const rows = db.prepare("select key_id, secret_sha256, revoked_at from api_keys").all() as Array<{
      secret_sha256: string;
      revoked_at: number | null;
    }>;
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.secret_sha256) && r.revoked_at !== null)).toBe(true);
    const audit = db.prepare("select actor, action, details from audit_log order by id").all() as Array<{
      actor: string;
      action: string;
      details: string;
    }>;
    db.close();
    expect(audit.map((a) => a.action)).toEqual(["key.create", "key.create", "key.revoke", "key.revoke"]);
    expect(new Set(audit.map((a) => a.actor))).toEqual(new Set([userInfo().username]));
    expect(JSON.parse(audit[0].details)).toEqual({ keyId: key.id, name: "checkout", role: "predict" });
  });

  it("refuses an unknown role, a reused name and an unknown key", async () => {
    const dir = tempDir();
    const store = join(dir, "store.db");
    const role = await run(["keys", "create", "x", "--role", "root", "--store", store], dir);
    expectUserError(role, { exit: 2, where: false });
    expect(role.stderr).toContain("predict, write, admin");
    expect((await run(["keys", "create", "x", "--role", "write", "--store", store], dir)).status).toBe(0);
    const reused = await run(["keys", "create", "x", "--role", "write", "--store", store], dir);
    expectUserError(reused, { where: false });
    const unknown = await run(["keys", "revoke", "nobody", "--store", store], dir);
    expectUserError(unknown, { where: false });
    const empty = await run(["keys", "list", "--store", join(dir, "missing.db")], dir);
    expectUserError(empty);
  });
});
