import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import {
  getBlob,
  latestSchemaVersion,
  openStore,
  putBlob,
  resolveStorePath,
  type Store,
  storeSchemaVersion,
} from "../../src/store/index.js";

const open: Store[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
const dir = () => mkdtempSync(join(tmpdir(), "mlship-store-"));
async function fresh(path = join(dir(), "store.db")): Promise<Store> {
  const s = await openStore(path);
  open.push(s);
  return s;
}
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlshipError);
    return (err as MlshipError).code;
  }
  throw new Error("expected a rejection");
}

describe("store", () => {
  it("creates a WAL store at the latest schema version, and reopening migrates nothing twice", async () => {
    const path = join(dir(), "nested", "store.db");
    const s = await openStore(path);
    expect(await storeSchemaVersion(s)).toBe(latestSchemaVersion);
    await s.close();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(raw.prepare("select count(*) as n from mlship_schema").get()).toEqual({ n: latestSchemaVersion });
    raw.close();
    const again = await fresh(path);
    expect(await storeSchemaVersion(again)).toBe(latestSchemaVersion);
  });

  it("resolves --store, then MLSHIP_STORE, then .mlship/store.db beside the spec", () => {
    expect(resolveStorePath({ store: "/x/a.db", env: { MLSHIP_STORE: "/y/b.db" } })).toBe("/x/a.db");
    expect(resolveStorePath({ env: { MLSHIP_STORE: "/y/b.db" }, baseDir: "/p" })).toBe("/y/b.db");
    expect(resolveStorePath({ env: {}, baseDir: "/p" })).toBe("/p/.mlship/store.db");
  });

  it("refuses a store written by a newer mlship and leaves it untouched", async () => {
    const path = join(dir(), "store.db");
    await (await openStore(path)).close();
    const raw = new Database(path);
    raw
      .prepare("insert into mlship_schema (version, name, applied_at) values (?, ?, ?)")
      .run(latestSchemaVersion + 1, "from the future", Date.now());
    raw.close();
    const before = readFileSync(path);
    const err = await openStore(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlshipError);
    expect((err as MlshipError).code).toBe("E_STORE_TOO_NEW");
    expect((err as MlshipError).what).toContain(`schema version ${latestSchemaVersion + 1}`);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses a corrupted file, a foreign SQLite database and a missing store when asked not to create", async () => {
    const d = dir();
    writeFileSync(join(d, "garbage.db"), Buffer.alloc(8192, 0x5a));
    expect(await codeOf(openStore(join(d, "garbage.db")))).toBe("E_STORE_CORRUPT");
    const foreign = new Database(join(d, "other.db"));
    foreign.exec("create table customers (id integer)");
    foreign.close();
    expect(await codeOf(openStore(join(d, "other.db")))).toBe("E_STORE_FOREIGN");
    expect(await codeOf(openStore(join(d, "none.db"), { create: false }))).toBe("E_STORE_MISSING");
    expect(await codeOf(openStore(join(d, "garbage.db", "sub", "store.db")))).toBe("E_STORE_OPEN");
  });

  it("keeps blobs by content and refuses one whose bytes no longer match their address", async () => {
    const s = await fresh();
    const data = new TextEncoder().encode("model bytes ✓");
    const digest = await putBlob(s, data);
    expect(await putBlob(s, data)).toBe(digest);
    expect(Buffer.from(await getBlob(s, digest)).equals(Buffer.from(data))).toBe(true);
    const raw = new Database(s.path);
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("tampered"), digest);
    raw.close();
    expect(await codeOf(getBlob(s, digest))).toBe("E_STORE_BLOB_CORRUPT");
    expect(await codeOf(getBlob(s, "0".repeat(64)))).toBe("E_STORE_BLOB_MISSING");
  });

  it("the audit log is append-only", async () => {
    const s = await fresh();
    await s.write((trx) =>
      trx.insertInto("audit_log").values({ at: 1, actor: "me", action: "test", forced: 0 }).execute(),
    );
    const raw = new Database(s.path);
    expect(() => raw.prepare("update audit_log set actor = 'them'").run()).toThrow(/append-only/);
    expect(() => raw.prepare("delete from audit_log").run()).toThrow(/append-only/);
    raw.close();
  });

  it("a full disk is a clear error and the failed transaction leaves nothing behind", async () => {
    const s = await fresh();
    // SQLite reports SQLITE_FULL when the page limit is reached, exactly as on a full disk.
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(s.db);
    await sql.raw(`pragma max_page_count = ${rows[0].page_count + 2}`).execute(s.db);
    const big = new Uint8Array(64 * 1024).fill(7);
    expect(await codeOf(putBlob(s, big))).toBe("E_STORE_FULL");
    const left = await s.db.selectFrom("blobs").select("sha256").execute();
    expect(left).toEqual([]);
  });
});
