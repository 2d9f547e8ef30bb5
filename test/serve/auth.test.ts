/**
 * API keys at the server: off on a store without keys, then every endpoint checks its role, in both
 * error formats, with the key's name as the audit log's actor; revoked and forged keys are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, listKeys, revokeKey } from "../../src/serve/auth/index.js";
import { startRun } from "../../src/track/index.js";
import { expectNoLeak, logModelArtifact, startServer, type TestServer } from "./helpers.js";

let s: TestServer;
const key: Record<"predict" | "write" | "admin" | "revoked", string> = {
  predict: "",
  write: "",
  admin: "",
  revoked: "",
};
const as = (k: string) => ({ authorization: `Bearer ${k}` });
const mlflow = "/api/2.0/mlflow";

beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe("API keys at the server", () => {
  it("authenticates no one while the store has no keys (local development)", async () => {
    const r = await s.call("POST", "/api/v1/experiments", { name: "before-keys" });
    expect(r.status).toBe(201);
    // A client configured with a token (MLFLOW_TRACKING_TOKEN) still works against such a store.
    expect((await s.call("GET", "/api/v1/experiments", undefined, as("some-token"))).status).toBe(200);
    for (const role of ["predict", "write", "admin"] as const) {
      key[role] = (await createKey(s.store, { name: `${role}-key`, role, actor: "tester" })).secret;
    }
    key.revoked = (await createKey(s.store, { name: "gone", role: "admin", actor: "tester" })).secret;
    await revokeKey(s.store, { ref: "gone", actor: "tester" });
  });

  it("refuses a request without a key: 401, WWW-Authenticate, in mlship's and MLflow's formats", async () => {
    const ours = await s.call("GET", "/api/v1/experiments");
    expect(ours.status).toBe(401);
    expect(ours.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(ours.json.error.code).toBe("E_AUTH_UNAUTHENTICATED");
    expect(ours.json.error.fix).toContain("Authorization: Bearer");
    const theirs = await s.call("POST", `${mlflow}/runs/search`, {});
    expect(theirs.status).toBe(401);
    expect(theirs.json.error_code).toBe("UNAUTHENTICATED");
    expect((await s.call("GET", "/ajax-api/2.0/mlflow/experiments/search")).json.error_code).toBe(
      "UNAUTHENTICATED",
    );
    // Unknown routes too: the key check comes before revealing what exists.
    expect((await s.call("GET", "/api/v1/nothing-here")).status).toBe(401);
  });

  it("refuses malformed, forged and revoked keys alike", async () => {
    const forged = key.admin.slice(0, -4) + (key.admin.endsWith("AAAA") ? "BBBB" : "AAAA");
    const unknownId = key.admin.replace(/^mls_[0-9a-f]{12}/, "mls_000000000000");
    for (const bad of ["nonsense", `${key.admin}x`, forged, unknownId, key.revoked]) {
      const r = await s.call("GET", "/api/v1/experiments", undefined, as(bad));
      expect(r.status, bad).toBe(401);
      expect(r.json.error.what).toBe("the API key is unknown, wrong or revoked");
      expectNoLeak(r.text);
    }
    const basic = await s.call("GET", "/api/v1/experiments", undefined, {
      authorization: `Basic ${key.admin}`,
    });
    expect(basic.status).toBe(401);
  });

  it("leaves probes and documentation open", async () => {
    for (const path of ["/livez", "/version", "/docs/json", "/readyz", "/ping"]) {
      const r = await s.call("GET", path);
      expect(r.status, path).not.toBe(401);
      expect(r.status, path).not.toBe(403);
    }
  });

  it("predict reads and scores but does not write", async () => {
    expect((await s.call("GET", "/api/v1/experiments", undefined, as(key.predict))).status).toBe(200);
    // MLflow's searches are POSTs that only read.
    expect((await s.call("POST", `${mlflow}/runs/search`, {}, as(key.predict))).status).toBe(200);
    const ours = await s.call("POST", "/api/v1/experiments", { name: "nope" }, as(key.predict));
    expect(ours.status).toBe(403);
    expect(ours.json.error.code).toBe("E_AUTH_FORBIDDEN");
    expect(ours.json.error.what).toContain("needs write");
    const theirs = await s.call("POST", `${mlflow}/experiments/create`, { name: "nope" }, as(key.predict));
    expect(theirs.status).toBe(403);
    expect(theirs.json.error_code).toBe("PERMISSION_DENIED");
    // Scoring needs only predict: whatever the answer, it is not a refusal.
    const scored = await s.call("POST", "/v1/models/none/predict", { records: [{}] }, as(key.predict));
    expect([401, 403]).not.toContain(scored.status);
  });

  it("write logs runs and registers models, admin moves aliases and deletes; the key names the actor", async () => {
    const exp = await s.call("POST", "/api/v1/experiments", { name: "keyed" }, as(key.write));
    expect(exp.status).toBe(201);
    const run = await startRun({ store: s.store, experiment: "keyed" });
    await logModelArtifact(s.store, run.runId);
    await run.end();
    expect((await s.call("POST", "/api/v1/models", { name: "m" }, as(key.write))).status).toBe(201);
    const v = await s.call("POST", "/api/v1/models/m/versions", { runId: run.runId }, as(key.write));
    expect(v.status).toBe(201);

    const move = ["PUT", "/api/v1/models/m/aliases/challenger", { version: 1 }] as const;
    expect((await s.call(...move, as(key.write))).status).toBe(403);
    // Same route with a trailing slash: the role follows the route, not the spelling of the URL.
    expect((await s.call("PUT", `${move[1]}/`, move[2], as(key.write))).status).toBe(403);
    expect((await s.call(...move, as(key.admin))).status).toBe(200);
    const history = await s.call(
      "GET",
      "/api/v1/models/m/history?alias=challenger",
      undefined,
      as(key.predict),
    );
    expect(history.json.events[0].actor).toBe("admin-key");

    const alias = { name: "m", alias: "challenger" };
    const del = await s.call("DELETE", `${mlflow}/registered-models/alias`, alias, as(key.write));
    expect(del.status).toBe(403);
    expect(del.json.error_code).toBe("PERMISSION_DENIED");
    expect((await s.call("DELETE", `${mlflow}/registered-models/alias`, alias, as(key.admin))).status).toBe(
      200,
    );
    const drop = { name: "m" };
    expect((await s.call("DELETE", `${mlflow}/registered-models/delete`, drop, as(key.write))).status).toBe(
      403,
    );
    expect((await s.call("DELETE", `${mlflow}/registered-models/delete`, drop, as(key.admin))).status).toBe(
      200,
    );
    const audited = await s.store.db
      .selectFrom("audit_log")
      .select(["action", "actor"])
      .where("model", "=", "m")
      .orderBy("id")
      .execute();
    expect(audited).toEqual([
      { action: "create-model", actor: "write-key" },
      { action: "create-version", actor: "write-key" },
      { action: "set-alias", actor: "admin-key" },
      { action: "delete-alias", actor: "admin-key" },
      { action: "delete-model", actor: "admin-key" },
    ]);
  });

  it("lets admin keys, and only them, list, create and revoke keys over HTTP, audited under the key's name", async () => {
    expect((await s.call("GET", "/api/v1/keys", undefined, as(key.write))).status).toBe(403);
    const made = await s.call("POST", "/api/v1/keys", { name: "rotated", role: "write" }, as(key.admin));
    expect(made.status).toBe(201);
    expect(made.json.key).toMatchObject({ name: "rotated", role: "write", createdBy: "admin-key" });
    expect((await s.call("GET", "/api/v1/experiments", undefined, as(made.json.secret))).status).toBe(200);
    const listed = await s.call("GET", "/api/v1/keys", undefined, as(key.admin));
    expect(listed.json.keys.map((k: { name: string }) => k.name)).toContain("rotated");
    expect(listed.text).not.toContain(made.json.secret.slice(18));
    const revoked = await s.call("DELETE", "/api/v1/keys/rotated", undefined, as(key.admin));
    expect(revoked.json.key.revokedAt).toBeGreaterThan(0);
    expect((await s.call("GET", "/api/v1/experiments", undefined, as(made.json.secret))).status).toBe(401);
    expect((await s.call("DELETE", "/api/v1/keys/rotated", undefined, as(key.admin))).status).toBe(409);
    expect((await s.call("POST", "/api/v1/keys", { name: "x", role: "root" }, as(key.admin))).status).toBe(
      400,
    );
    const audit = await s.store.db
      .selectFrom("audit_log")
      .select(["action", "actor"])
      .where("action", "like", "key.%")
      .where("actor", "=", "admin-key")
      .execute();
    expect(audit.map((a) => a.action)).toEqual(["key.create", "key.revoke"]);
  });

  it("records when each key was last used, without a write per request", async () => {
    const used = (await listKeys(s.store)).find((k) => k.name === "predict-key");
    expect(used?.lastUsedAt).toBeGreaterThan(0);
    expect((await listKeys(s.store)).find((k) => k.name === "gone")?.lastUsedAt).toBeNull();
  });
});

describe("rate limit per key", () => {
  it("answers 429 with Retry-After once a key exceeds its rate, and other keys are unaffected", async () => {
    const limited = await startServer({ rateLimit: 5 });
    try {
      const a = (await createKey(limited.store, { name: "a", role: "predict", actor: "t" })).secret;
      const b = (await createKey(limited.store, { name: "b", role: "predict", actor: "t" })).secret;
      const burst = await Promise.all(
        Array.from({ length: 12 }, () => limited.call("POST", `${mlflow}/runs/search`, {}, as(a))),
      );
      const refused = burst.filter((r) => r.status === 429);
      expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(5);
      expect(refused.length).toBeGreaterThan(0);
      expect(Number(refused[0].headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(refused[0].json.error_code).toBe("REQUEST_LIMIT_EXCEEDED");
      const ours = await limited.call("GET", "/api/v1/experiments", undefined, as(a));
      expect(ours.status).toBe(429);
      expect(ours.json.error.code).toBe("E_RATE_LIMITED");
      expect((await limited.call("GET", "/api/v1/experiments", undefined, as(b))).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe("CORS", () => {
  const origin = "https://app.example";

  it("sends no CORS headers by default", async () => {
    const r = await s.call("GET", "/livez", undefined, { origin });
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    const pre = await s.call("OPTIONS", "/api/v1/experiments", undefined, {
      origin,
      "access-control-request-method": "POST",
    });
    expect(pre.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("allows the one configured origin, preflight included, and no other", async () => {
    const c = await startServer({ corsOrigin: origin });
    try {
      await createKey(c.store, { name: "k", role: "predict", actor: "t" });
      const r = await c.call("GET", "/livez", undefined, { origin });
      expect(r.headers.get("access-control-allow-origin")).toBe(origin);
      expect(r.headers.get("vary")).toContain("Origin");
      const pre = await c.call("OPTIONS", "/api/v1/experiments", undefined, {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-headers")).toContain("authorization");
      // A refusal still carries the header, so the page can read why.
      const refused = await c.call("GET", "/api/v1/experiments", undefined, { origin });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("access-control-allow-origin")).toBe(origin);
      const other = await c.call("GET", "/livez", undefined, { origin: "https://evil.example" });
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      expect(other.headers.get("vary")).toContain("Origin");
    } finally {
      await c.close();
    }
  });
});
