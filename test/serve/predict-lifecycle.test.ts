/**
 * Models in a running server: ready only once the default model is loaded, aliases moved by another
 * store handle (as another process would) picked up within 5 s without a failed request, and the
 * fallback alias served when the champion's artifact is corrupt or its alias is deleted.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { deleteAlias, getModelVersion, rollbackAlias, setAlias } from "../../src/registry/index.js";
import { openStore } from "../../src/store/index.js";
import { startServer, type TestServer } from "./helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

const predict = (server: TestServer) =>
  server.call("POST", "/v1/models/penguins/predict", { records: [penguin] });

describe("model lifecycle", () => {
  it("is ready only once the default model is loaded", async () => {
    s = await startServer({ pollMs: 100 });
    const empty = await s.call("GET", "/readyz");
    expect(empty.status).toBe(503);
    expect(empty.json.reason).toContain("no default model");
    expect((await s.call("GET", "/ping")).status).toBe(404);
    await register(s.store, "penguins", await penguins.logistic(), "champion");
    await expect.poll(async () => (await s!.call("GET", "/readyz")).status, { timeout: 5000 }).toBe(200);
    expect((await s.call("GET", "/readyz")).json).toEqual({
      status: "ready",
      model: "penguins",
      version: 1,
      alias: "champion",
    });
  }, 60_000);

  it("switches to a promoted or rolled-back version within 5 s, failing no request", async () => {
    s = await startServer();
    await register(s.store, "penguins", await penguins.logistic(), "champion");
    await register(s.store, "penguins", await penguins.tree());
    expect((await predict(s)).json.model.version).toBe(1);
    // Another handle on the file, as `mlship models promote` in another process would hold.
    const other = await openStore(s.store.path);
    const statuses: number[] = [];
    const seen = async (version: number) => {
      const started = Date.now();
      for (;;) {
        const r = await predict(s!);
        statuses.push(r.status);
        if (r.json?.model?.version === version) return Date.now() - started;
        if (Date.now() - started > 10_000) throw new Error(`still not on version ${version}`);
      }
    };
    try {
      await setAlias(other, {
        name: "penguins",
        alias: "champion",
        version: 2,
        actor: "ops",
        force: true,
        reason: "test",
      });
      expect(await seen(2)).toBeLessThan(5000);
      await rollbackAlias(other, { name: "penguins", alias: "champion", actor: "ops", reason: "back" });
      expect(await seen(1)).toBeLessThan(5000);
    } finally {
      await other.close();
    }
    expect(statuses.every((st) => st === 200)).toBe(true);
  }, 60_000);

  it("serves the fallback alias when the champion's artifact is corrupt, and says so", async () => {
    s = await startServer({ defaultModel: "penguins" });
    await register(s.store, "penguins", await penguins.logistic(), "fallback");
    const v2 = await register(s.store, "penguins", await penguins.tree(), "champion");
    const sha = (await getModelVersion(s.store, "penguins", v2)).artifactSha256;
    const raw = new Database(s.store.path);
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("tampered"), sha);
    raw.close();
    const r = await predict(s);
    expect(r.status).toBe(200);
    expect(r.json.model).toMatchObject({ name: "penguins", version: 1, alias: "fallback" });
    expect(r.json.model.fallback).toContain("champion unavailable");
    const ready = await s.call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.json).toMatchObject({ status: "ready", version: 1, alias: "fallback" });
    expect(ready.json.fallback).toContain("champion unavailable");
  }, 60_000);

  it("falls back within 5 s when another process deletes the champion alias, failing no request", async () => {
    s = await startServer({ defaultModel: "penguins" });
    await register(s.store, "penguins", await penguins.logistic(), "fallback");
    await register(s.store, "penguins", await penguins.tree(), "champion");
    expect((await predict(s)).json.model).toEqual({ name: "penguins", version: 2, alias: "champion" });
    const other = await openStore(s.store.path);
    const statuses: number[] = [];
    const until = async (check: (model: { version: number; fallback?: string }) => boolean) => {
      const started = Date.now();
      for (;;) {
        const r = await predict(s!);
        statuses.push(r.status);
        if (r.status === 200 && check(r.json.model)) return Date.now() - started;
        if (Date.now() - started > 10_000) throw new Error("the server never switched");
      }
    };
    try {
      await deleteAlias(other, { name: "penguins", alias: "champion", actor: "ops", reason: "bad model" });
      expect(await until((m) => m.version === 1 && m.fallback !== undefined)).toBeLessThan(5000);
      const ready = await s.call("GET", "/readyz");
      expect(ready.json).toMatchObject({ status: "ready", version: 1, alias: "fallback" });
      expect(ready.json.fallback).toContain("champion");
      // A new champion takes over again, and the answers stop naming the fallback.
      await setAlias(other, {
        name: "penguins",
        alias: "champion",
        version: 2,
        actor: "ops",
        force: true,
        reason: "fixed",
      });
      expect(await until((m) => m.version === 2 && m.fallback === undefined)).toBeLessThan(5000);
    } finally {
      await other.close();
    }
    expect(statuses.every((st) => st === 200)).toBe(true);
  }, 60_000);
});
