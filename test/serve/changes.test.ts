/**
 * The server's key caches are kept until the keys change: the stamp moves when a key is created or
 * revoked (by this connection's process or another), and stays put across commits that touch no key
 * (the prediction log's batches, a key's use being recorded), which would otherwise empty the caches.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, keysFingerprintSql, revokeKey } from "../../src/serve/auth/index.js";
import { touchKey } from "../../src/serve/auth/keys.js";
import { StoreChanges } from "../../src/serve/changes.js";
import { openStore, type Store } from "../../src/store/index.js";
import { startRun } from "../../src/track/index.js";

let dir: string;
let store: Store;
let changes: StoreChanges;

// The stamp is read once per turn of the event loop; the next turn reads the store again.
const nextTurn = () => new Promise((r) => setImmediate(r));
const stampNow = async () => {
  await nextTurn();
  return changes.stamp();
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mlship-changes-"));
  store = await openStore(join(dir, "store.db"));
  changes = new StoreChanges(store.path, keysFingerprintSql);
});
afterAll(async () => {
  changes.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("StoreChanges with the keys' fingerprint", () => {
  it("moves on a key's creation and revocation, not on other commits", async () => {
    const empty = await stampNow();
    const run = await startRun({ store, experiment: "unrelated" });
    await run.end();
    expect(await stampNow()).toBe(empty);

    const created = await createKey(store, { name: "k", role: "predict", actor: "tester" });
    const withKey = await stampNow();
    expect(withKey).not.toBe(empty);

    await touchKey(store, created.key.id, Date.now());
    expect(await stampNow()).toBe(withKey);

    await revokeKey(store, { ref: "k", actor: "tester" });
    const revoked = await stampNow();
    expect(revoked).not.toBe(withKey);
    expect(revoked).not.toBe(empty);
  });

  it("counts every look as a change when the watched query cannot run", async () => {
    const blind = new StoreChanges(store.path, "SELECT count(*) FROM no_such_table");
    try {
      await nextTurn();
      const a = blind.stamp();
      expect(blind.stamp()).toBe(a);
      await nextTurn();
      expect(blind.stamp()).not.toBe(a);
    } finally {
      blind.close();
    }
  });
});
