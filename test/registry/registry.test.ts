import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import {
  aliasHistory,
  createModelVersion,
  createRegisteredModel,
  deleteAlias,
  deleteModelVersion,
  deleteRegisteredModel,
  getModelVersion,
  getRegisteredModel,
  getVersionByAlias,
  loadModelVersionArtifact,
  renameRegisteredModel,
  rollbackAlias,
  searchModelVersions,
  searchRegisteredModels,
  setAlias,
  setModelVersionTag,
  setRegisteredModelTag,
  updateModelVersion,
} from "../../src/registry/index.js";
import type { Store } from "../../src/store/index.js";
import { bytes, cleanUp, codeOf, evaluation, freshStore } from "./helpers.js";

afterEach(cleanUp);

const actor = "tester";

async function withVersions(store: Store, name: string, scores: number[]): Promise<void> {
  for (const [i, s] of scores.entries()) {
    await createModelVersion(store, {
      name,
      artifact: bytes(`${name} model ${i}`),
      evaluation: evaluation(s),
      actor,
    });
  }
}

describe("registered models and versions", () => {
  it("numbers versions 1, 2, 3 per model, stores artifacts by content and verifies them on load", async () => {
    const store = await freshStore();
    const v1 = await createModelVersion(store, {
      name: "churn",
      artifact: bytes("first"),
      dataFingerprint: "fp-1",
      description: "first try",
      tags: { team: "crm" },
      actor,
    });
    const v2 = await createModelVersion(store, { name: "churn", artifact: bytes("second"), actor });
    const other = await createModelVersion(store, { name: "ames", artifact: bytes("first"), actor });
    expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
    expect(v1).toMatchObject({
      dataFingerprint: "fp-1",
      description: "first try",
      tags: { team: "crm" },
      status: "READY",
    });
    expect(other.artifactSha256).toBe(v1.artifactSha256);
    expect(await store.db.selectFrom("blobs").select("sha256").execute()).toHaveLength(2);
    expect(new TextDecoder().decode(await loadModelVersionArtifact(store, "churn", 2))).toBe("second");
    expect(new TextDecoder().decode(await loadModelVersionArtifact(store, "churn", "latest"))).toBe("second");
    const model = await getRegisteredModel(store, "churn");
    expect(model).toMatchObject({ name: "churn", latestVersion: 2, aliases: {}, tags: {} });
  });

  it("never reuses a deleted version's number, and deleting a model leaves no alias behind", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.9, 0.9, 0.9]);
    await deleteModelVersion(store, "churn", 3, { actor });
    expect((await createModelVersion(store, { name: "churn", artifact: bytes("4"), actor })).version).toBe(4);
    await setAlias(store, { name: "churn", alias: "champion", version: 2, actor });
    expect(await codeOf(deleteModelVersion(store, "churn", 2, { actor }))).toBe("E_GUARD_VERSION_ALIASED");
    await deleteRegisteredModel(store, "churn", { actor });
    expect(await store.db.selectFrom("model_aliases").selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom("model_versions").selectAll().execute()).toEqual([]);
    expect(await codeOf(getRegisteredModel(store, "churn"))).toBe("E_NOT_FOUND_MODEL");
    // A new model under the old name starts again at 1 with an empty history.
    expect((await createModelVersion(store, { name: "churn", artifact: bytes("new"), actor })).version).toBe(
      1,
    );
    expect(await aliasHistory(store, "churn")).toEqual([]);
  });

  it("refuses duplicates, bad names and bad version numbers with clear codes", async () => {
    const store = await freshStore();
    await createRegisteredModel(store, "churn");
    expect(await codeOf(createRegisteredModel(store, "churn"))).toBe("E_EXISTS_MODEL");
    for (const bad of [
      "",
      " churn",
      "churn ",
      "a/b",
      "x'; drop table model_versions; --",
      "a\u0000b",
      "%",
      "x".repeat(129),
    ]) {
      expect(await codeOf(createRegisteredModel(store, bad)), bad).toBe("E_INVALID_MODEL_NAME");
    }
    for (const bad of [0, -1, 1.5, Number.NaN, "0", "-1", "1.5", "abc", "1e3", ""]) {
      expect(await codeOf(getModelVersion(store, "churn", bad)), String(bad)).toBe("E_INVALID_VERSION");
    }
    expect(await codeOf(getModelVersion(store, "churn", 7))).toBe("E_NOT_FOUND_VERSION");
    expect(await codeOf(getModelVersion(store, "nope", 1))).toBe("E_NOT_FOUND_MODEL");
    expect(await codeOf(getVersionByAlias(store, "churn", "champion"))).toBe("E_NOT_FOUND_ALIAS");
    expect(await codeOf(getVersionByAlias(store, "churn", "v2"))).toBe("E_INVALID_ALIAS");
    expect(
      await codeOf(createModelVersion(store, { name: "churn", artifact: bytes("x"), runId: "f".repeat(32) })),
    ).toBe("E_NOT_FOUND_RUN");
    expect(await codeOf(setRegisteredModelTag(store, "churn", "", "v"))).toBe("E_INVALID_TAG");
    expect(await codeOf(updateModelVersion(store, "churn", 1, { description: "x".repeat(6000) }))).toBe(
      "E_INVALID_VALUE_TOO_LARGE",
    );
  });

  it("stores unicode and SQL metacharacters in names, tags, descriptions and reasons exactly", async () => {
    const store = await freshStore();
    const name = "Kündigung-模型 v2.1";
    const tricky = `'; DROP TABLE registered_models; -- "quoted" \\ % _ 🚀`;
    await createModelVersion(store, {
      name,
      artifact: bytes("m"),
      description: tricky,
      tags: { [tricky]: tricky },
      actor,
    });
    await setRegisteredModelTag(store, name, "note", tricky);
    await setModelVersionTag(store, name, 1, "ключ", "значение");
    await setAlias(store, { name, alias: "canary_ü", version: 1, actor: "zoë", reason: tricky });
    const v = await getModelVersion(store, name, "1");
    expect(v.description).toBe(tricky);
    expect(v.tags).toEqual({ [tricky]: tricky, ключ: "значение" });
    expect((await getRegisteredModel(store, name)).tags).toEqual({ note: tricky });
    const [event] = await aliasHistory(store, name);
    expect(event).toMatchObject({ reason: tricky, actor: "zoë", alias: "canary_ü", toVersion: 1 });
    expect(await store.db.selectFrom("registered_models").select("name").execute()).toEqual([{ name }]);
  });

  it("searches by name LIKE and tags, and pages through results", async () => {
    const store = await freshStore();
    for (const n of ["churn-eu", "churn-us", "ames", "Churn-old"]) await createRegisteredModel(store, n);
    await setRegisteredModelTag(store, "churn-eu", "team", "crm");
    await setRegisteredModelTag(store, "ames", "team", "it's");
    const names = async (filter: string) =>
      (await searchRegisteredModels(store, { filter })).models.map((m) => m.name);
    expect(await names("name LIKE 'churn%'")).toEqual(["churn-eu", "churn-us"]);
    expect(await names("name ILIKE 'churn%'")).toEqual(["Churn-old", "churn-eu", "churn-us"]);
    expect(await names("name like 'churn%' and tags.team = 'crm'")).toEqual(["churn-eu"]);
    expect(await names("tags.`team` = 'it''s'")).toEqual(["ames"]);
    expect(await names(`name = "ames"`)).toEqual(["ames"]);
    expect(await names("name != 'ames' AND name LIKE '_hurn-__'")).toEqual(["churn-eu", "churn-us"]);
    // The same language as run search: OR, parentheses, IN and IS NULL work here too.
    expect(await names("name = 'ames' OR (name LIKE 'churn%' AND tags.team IS NULL)")).toEqual([
      "ames",
      "churn-us",
    ]);
    expect(await names("name IN ('ames', 'nope')")).toEqual(["ames"]);
    const first = await searchRegisteredModels(store, { maxResults: 3 });
    expect(first.models).toHaveLength(3);
    const second = await searchRegisteredModels(store, { maxResults: 3, pageToken: first.nextPageToken });
    expect(second.models.map((m) => m.name)).toEqual(["churn-us"]);
    expect(second.nextPageToken).toBeUndefined();
    for (const bad of [
      "name",
      "name = ames",
      "version = 'two'",
      "tags. = 'x'",
      "owner = 'x'",
      "name = 'x",
      "name ~ 'x'",
    ]) {
      expect(await codeOf(searchRegisteredModels(store, { filter: bad })), bad).toBe("E_INVALID_FILTER");
    }
    expect(await codeOf(searchRegisteredModels(store, { pageToken: "garbage" }))).toBe(
      "E_INVALID_PAGE_TOKEN",
    );
    expect(await codeOf(searchRegisteredModels(store, { maxResults: 0 }))).toBe("E_INVALID_MAX_RESULTS");
    await withVersions(store, "ames", [0.9, 0.9]);
    const versions = await searchModelVersions(store, { filter: "name = 'ames' AND version = 2" });
    expect(versions.versions.map((v) => v.version)).toEqual([2]);
    expect((await searchModelVersions(store, { name: "ames" })).versions.map((v) => v.version)).toEqual([
      2, 1,
    ]);
  });

  it("a full store leaves no half-registered version behind", async () => {
    const store = await freshStore();
    await createRegisteredModel(store, "churn");
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
    await sql.raw(`pragma max_page_count = ${rows[0].page_count + 2}`).execute(store.db);
    const big = new Uint8Array(256 * 1024).fill(3);
    expect(await codeOf(createModelVersion(store, { name: "churn", artifact: big, actor }))).toBe(
      "E_STORE_FULL",
    );
    expect(await store.db.selectFrom("model_versions").selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom("blobs").select("sha256").execute()).toEqual([]);
    expect((await getRegisteredModel(store, "churn")).latestVersion).toBeNull();
  });
});

describe("aliases, guards and rollback", () => {
  it("guards champion: threshold and constraints, or --force with a recorded reason", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.9, 0.7]);
    await createModelVersion(store, {
      name: "churn",
      artifact: bytes("slow"),
      evaluation: evaluation(0.95, ["p95 80 ms > 50 ms"]),
      actor,
    });
    await createModelVersion(store, { name: "churn", artifact: bytes("unevaluated"), actor });
    expect(await codeOf(setAlias(store, { name: "churn", alias: "champion", version: 2, actor }))).toBe(
      "E_GUARD_CHAMPION",
    );
    expect(await codeOf(setAlias(store, { name: "churn", alias: "champion", version: 3, actor }))).toBe(
      "E_GUARD_CHAMPION",
    );
    expect(await codeOf(setAlias(store, { name: "churn", alias: "champion", version: 4, actor }))).toBe(
      "E_GUARD_CHAMPION",
    );
    // Other aliases carry no threshold guard.
    expect(await setAlias(store, { name: "churn", alias: "challenger", version: 2, actor })).toMatchObject({
      toVersion: 2,
    });
    for (const reason of [undefined, "", "   "]) {
      expect(
        await codeOf(
          setAlias(store, { name: "churn", alias: "champion", version: 2, actor, force: true, reason }),
        ),
      ).toBe("E_INVALID_REASON");
    }
    const forced = await setAlias(store, {
      name: "churn",
      alias: "champion",
      version: 2,
      actor,
      force: true,
      reason: "pilot",
    });
    expect(forced).toMatchObject({
      fromVersion: null,
      toVersion: 2,
      forced: true,
      reason: "pilot",
      action: "set-alias",
    });
    const passed = await setAlias(store, {
      name: "churn",
      alias: "champion",
      version: 1,
      actor,
      reason: "better",
    });
    expect(passed).toMatchObject({ fromVersion: 2, toVersion: 1, forced: false });
    expect(await setAlias(store, { name: "churn", alias: "champion", version: 1, actor })).toBeNull();
    expect(await codeOf(setAlias(store, { name: "churn", alias: "champion", version: 9, actor }))).toBe(
      "E_NOT_FOUND_VERSION",
    );
    expect(await codeOf(setAlias(store, { name: "gone", alias: "champion", version: 1, actor }))).toBe(
      "E_NOT_FOUND_MODEL",
    );
    expect(await codeOf(setAlias(store, { name: "churn", alias: "latest", version: 1, actor }))).toBe(
      "E_INVALID_ALIAS",
    );
    expect(
      await codeOf(
        setAlias(store, { name: "churn", alias: "challenger", version: 1, actor, expectedVersion: 1 }),
      ),
    ).toBe("E_GUARD_ALIAS_MOVED");
    expect((await getRegisteredModel(store, "churn")).aliases).toEqual({ champion: 1, challenger: 2 });
    expect((await getVersionByAlias(store, "churn", "champion")).version).toBe(1);
  });

  it("refuses to alias a version whose artifact fails its checksum, even with --force", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.9]);
    const v = await getModelVersion(store, "churn", 1);
    const raw = new Database(store.path);
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("tampered"), v.artifactSha256);
    raw.close();
    expect(await codeOf(setAlias(store, { name: "churn", alias: "champion", version: 1, actor }))).toBe(
      "E_GUARD_CHECKSUM",
    );
    expect(
      await codeOf(
        setAlias(store, {
          name: "churn",
          alias: "fallback",
          version: 1,
          actor,
          force: true,
          reason: "please",
        }),
      ),
    ).toBe("E_GUARD_CHECKSUM");
    expect(await codeOf(loadModelVersionArtifact(store, "churn", 1))).toBe("E_STORE_BLOB_CORRUPT");
    expect(await aliasHistory(store, "churn")).toEqual([]);
  });

  it("rollback undoes the last move, a second rollback the one before, and every move is audited", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.81, 0.82, 0.83, 0.84]);
    const promote = (version: number) =>
      setAlias(store, { name: "churn", alias: "champion", version, actor, reason: `v${version}` });
    await promote(1);
    await promote(2);
    await promote(3);
    const champion = async () => (await getRegisteredModel(store, "churn")).aliases.champion;
    expect(await rollbackAlias(store, { name: "churn", actor, reason: "v3 misbehaves" })).toMatchObject({
      action: "rollback",
      fromVersion: 3,
      toVersion: 2,
      reason: "v3 misbehaves",
    });
    expect(await champion()).toBe(2);
    await rollbackAlias(store, { name: "churn", actor });
    expect(await champion()).toBe(1);
    // v1 was the first champion: there is nothing before it.
    expect(await codeOf(rollbackAlias(store, { name: "churn", actor }))).toBe("E_GUARD_NO_HISTORY");
    // A promotion after rollbacks starts a new branch; rolling it back returns to where we were.
    await promote(4);
    await rollbackAlias(store, { name: "churn", alias: "champion", actor });
    expect(await champion()).toBe(1);
    // Deleting an alias is a move too, and rollback restores it.
    await deleteAlias(store, { name: "churn", alias: "champion", actor, reason: "incident" });
    expect(await champion()).toBeUndefined();
    await rollbackAlias(store, { name: "churn", actor });
    expect(await champion()).toBe(1);
    expect(await codeOf(rollbackAlias(store, { name: "churn", alias: "challenger", actor }))).toBe(
      "E_GUARD_NO_HISTORY",
    );
    expect(await codeOf(deleteAlias(store, { name: "churn", alias: "challenger", actor }))).toBe(
      "E_NOT_FOUND_ALIAS",
    );

    const history = await aliasHistory(store, "churn", "champion");
    expect(history.map((e) => [e.action, e.fromVersion, e.toVersion])).toEqual([
      ["set-alias", null, 1],
      ["set-alias", 1, 2],
      ["set-alias", 2, 3],
      ["rollback", 3, 2],
      ["rollback", 2, 1],
      ["set-alias", 1, 4],
      ["rollback", 4, 1],
      ["delete-alias", 1, null],
      ["rollback", null, 1],
    ]);
    expect(history.every((e) => e.actor === actor && e.at > 0 && e.name === "churn")).toBe(true);
    const raw = new Database(store.path);
    expect(() => raw.prepare("update audit_log set actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => raw.prepare("delete from audit_log where action = 'rollback'").run()).toThrow(/append-only/);
    raw.close();
  });

  it("rollback refuses a previous holder that has been deleted or whose artifact is damaged", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.81, 0.82, 0.83]);
    for (const version of [1, 2, 3])
      await setAlias(store, { name: "churn", alias: "champion", version, actor });
    const v2 = await getModelVersion(store, "churn", 2);
    const raw = new Database(store.path);
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("tampered"), v2.artifactSha256);
    raw.close();
    expect(await codeOf(rollbackAlias(store, { name: "churn", actor }))).toBe("E_GUARD_CHECKSUM");
    await setAlias(store, { name: "churn", alias: "champion", version: 1, actor });
    await deleteModelVersion(store, "churn", 3, { actor });
    expect(await codeOf(rollbackAlias(store, { name: "churn", actor }))).toBe(
      "E_GUARD_ROLLBACK_TARGET_DELETED",
    );
    expect((await getRegisteredModel(store, "churn")).aliases).toEqual({ champion: 1 });
  });

  it("renaming keeps versions, aliases and the history rollback reads", async () => {
    const store = await freshStore();
    await withVersions(store, "churn", [0.81, 0.82]);
    await setModelVersionTag(store, "churn", 2, "k", "v");
    await setAlias(store, { name: "churn", alias: "champion", version: 1, actor });
    await setAlias(store, { name: "churn", alias: "champion", version: 2, actor });
    const renamed = await renameRegisteredModel(store, "churn", "churn-eu", { actor });
    expect(renamed).toMatchObject({ name: "churn-eu", latestVersion: 2, aliases: { champion: 2 } });
    expect((await getModelVersion(store, "churn-eu", 2)).tags).toEqual({ k: "v" });
    expect(await codeOf(getRegisteredModel(store, "churn"))).toBe("E_NOT_FOUND_MODEL");
    expect((await aliasHistory(store, "churn-eu")).map((e) => e.name)).toEqual(["churn", "churn"]);
    await rollbackAlias(store, { name: "churn-eu", actor });
    expect((await getRegisteredModel(store, "churn-eu")).aliases).toEqual({ champion: 1 });
    expect((await createModelVersion(store, { name: "churn-eu", artifact: bytes("3"), actor })).version).toBe(
      3,
    );
  });
});
