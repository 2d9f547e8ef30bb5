/**
 * Migration 4 (monitoring) on a store an earlier mlship wrote: the three tables appear, the prediction
 * log and everything else is kept, and a second open migrates nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, expect, it } from "vitest";
import { latestSchemaVersion, openStore, storeSchemaVersion } from "../../src/store/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-migrate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("upgrades a version-3 store in place", async () => {
  const path = join(dir, "store.db");
  // A version-3 store: today's schema with migrations 4 and 5 taken back out, and a logged prediction.
  (await openStore(path)).close();
  const raw = new Database(path);
  raw.exec(
    "DROP TABLE reference_profiles; DROP TABLE monitor_events; DROP TABLE request_stats; DROP TABLE automation_state;",
  );
  raw.prepare("DELETE FROM mlship_schema WHERE version >= 4").run();
  raw
    .prepare(
      "INSERT INTO prediction_log (request_id, row_index, model, version, endpoint, at, latency_ms, inputs, prediction) VALUES ('r1', 0, 'm', 1, 'predict', 1, 0.5, '{}', '1')",
    )
    .run();
  raw.close();

  const store = await openStore(path);
  expect(latestSchemaVersion).toBe(5);
  expect(await storeSchemaVersion(store)).toBe(5);
  expect(await store.db.selectFrom("prediction_log").select("request_id").execute()).toEqual([
    { request_id: "r1" },
  ]);
  for (const table of [
    "reference_profiles",
    "monitor_events",
    "request_stats",
    "automation_state",
  ] as const) {
    expect(await store.db.selectFrom(table).selectAll().execute()).toEqual([]);
  }
  await store.close();
  const again = await openStore(path);
  const applied = await again.db
    .selectFrom("mlship_schema")
    .select(["version", "name"])
    .orderBy("version")
    .execute();
  expect(applied.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
  expect(applied[3].name).toBe("monitoring: reference profiles, events, request stats");
  await again.close();
});
