/** The /api/v1 JSON API end to end: experiments, runs, metrics, artifacts, models, aliases. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logArtifact } from "../../src/track/index.js";
import { expectNoLeak, logModelArtifact, startServer, type TestServer } from "./helpers.js";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe("/api/v1 experiments and runs", () => {
  let experimentId: string;
  let runId: string;

  it("creates, lists and gets experiments; a duplicate name is a 409 with what/where/fix", async () => {
    const created = await s.call("POST", "/api/v1/experiments", {
      name: "churn",
      description: "who leaves",
      tags: { team: "retention" },
    });
    expect(created.status).toBe(201);
    experimentId = created.json.experiment.experimentId;
    expect(created.json.experiment).toMatchObject({
      name: "churn",
      description: "who leaves",
      lifecycleStage: "active",
      tags: { team: "retention" },
    });
    expect(typeof experimentId).toBe("string");
    const got = await s.call("GET", `/api/v1/experiments/${experimentId}`);
    expect(got.json.experiment).toEqual(created.json.experiment);
    const list = await s.call("GET", "/api/v1/experiments");
    expect(list.json.experiments.map((e: { name: string }) => e.name)).toContain("churn");

    const dup = await s.call("POST", "/api/v1/experiments", { name: "churn" });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toMatch(/^E_EXISTS/);
    expect(dup.json.error.what).toContain("churn");
    expect(dup.json.error.fix).toBeTruthy();
    expectNoLeak(dup.text);

    const missing = await s.call("GET", "/api/v1/experiments/999999");
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toMatch(/^E_NOT_FOUND/);
  });

  it("validates bodies: a clear 400 naming the field", async () => {
    const r = await s.call("POST", "/api/v1/experiments", { name: 42 });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("E_INVALID_REQUEST");
    expect(r.json.error.what).toBe("body/name must be string");
    const extra = await s.call("POST", "/api/v1/experiments", { name: "x", nmae: "typo" });
    expect(extra.status).toBe(400);
    expect(extra.json.error.what).toContain("must NOT have additional properties");
    const missing = await s.call("POST", "/api/v1/runs", {});
    expect(missing.json.error.what).toBe("body must have required property 'experimentId'");
  });

  it("creates a run, logs params, metrics (NaN too), tags and a batch, and reads them back", async () => {
    const created = await s.call("POST", "/api/v1/runs", {
      experimentId,
      name: "logreg",
      tags: { model: "logreg" },
      startTime: 1_700_000_000_000,
    });
    expect(created.status).toBe(201);
    runId = created.json.run.runId;
    expect(created.json.run).toMatchObject({
      experimentId,
      name: "logreg",
      status: "RUNNING",
      startTime: 1_700_000_000_000,
      endTime: null,
      user: "tester",
      lifecycleStage: "active",
      tags: { model: "logreg" },
    });

    expect((await s.call("POST", `/api/v1/runs/${runId}/params`, { params: { C: "1.0" } })).status).toBe(200);
    const logged = await s.call("POST", `/api/v1/runs/${runId}/metrics`, {
      metrics: [
        { key: "auc", value: 0.8, step: 0, timestamp: 1_700_000_000_001 },
        { key: "auc", value: 0.85, step: 1, timestamp: 1_700_000_000_002 },
        { key: "loss", value: "NaN", step: 0, timestamp: 1_700_000_000_003 },
      ],
    });
    expect(logged.status).toBe(200);
    expect(logged.json.run.metrics.auc).toMatchObject({ key: "auc", value: 0.85, step: 1 });
    expect(logged.json.run.metrics.loss.value).toBe("NaN");
    expect((await s.call("POST", `/api/v1/runs/${runId}/tags`, { tags: { stage: "dev" } })).status).toBe(200);
    const batch = await s.call("POST", `/api/v1/runs/${runId}/batch`, {
      metrics: [{ key: "f1", value: "Infinity" }],
      params: { penalty: "l2" },
      tags: { note: "batch" },
    });
    expect(batch.status).toBe(200);
    expect(batch.json.run.params).toEqual({ C: "1.0", penalty: "l2" });
    expect(batch.json.run.tags).toMatchObject({ model: "logreg", stage: "dev", note: "batch" });
    expect(batch.json.run.metrics.f1.value).toBe("Infinity");

    const history = await s.call("GET", `/api/v1/runs/${runId}/metrics/auc/history`);
    expect(history.json.metrics.map((m: { value: number }) => m.value)).toEqual([0.8, 0.85]);

    const changed = await s.call("POST", `/api/v1/runs/${runId}/params`, { params: { C: "2.0" } });
    expect(changed.status).toBe(400);
    expect(changed.json.error.code).toMatch(/^E_INVALID/);

    const untagged = await s.call("DELETE", `/api/v1/runs/${runId}/tags/stage`);
    expect(untagged.json.run.tags).not.toHaveProperty("stage");
  });

  it("searches runs with a filter, order and pagination through query parameters", async () => {
    for (const [name, auc] of [
      ["a", 0.6],
      ["b", 0.9],
      ["c", 0.7],
    ] as const) {
      const r = await s.call("POST", "/api/v1/runs", { experimentId, name });
      await s.call("POST", `/api/v1/runs/${r.json.run.runId}/metrics`, {
        metrics: [{ key: "auc", value: auc }],
      });
    }
    const q = (params: Record<string, string | string[]>) =>
      new URLSearchParams(
        Object.entries(params).flatMap(
          ([k, v]): Array<[string, string]> => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]]),
        ),
      ).toString();
    const found = await s.call(
      "GET",
      `/api/v1/runs?${q({ experimentIds: experimentId, filter: "metrics.auc > 0.65", orderBy: "metrics.auc DESC" })}`,
    );
    expect(found.status, found.text).toBe(200);
    expect(found.json.runs.map((r: { name: string }) => r.name)).toEqual(["b", "logreg", "c"]);

    const first = await s.call(
      "GET",
      `/api/v1/runs?${q({ orderBy: ["metrics.auc DESC"], maxResults: "2" })}`,
    );
    expect(first.json.runs).toHaveLength(2);
    expect(typeof first.json.nextPageToken).toBe("string");
    const rest = await s.call(
      "GET",
      `/api/v1/runs?${q({ orderBy: ["metrics.auc DESC"], maxResults: "2", pageToken: first.json.nextPageToken })}`,
    );
    const names = [...first.json.runs, ...rest.json.runs].map((r: { name: string }) => r.name);
    expect(names.slice(0, 4)).toEqual(["b", "logreg", "c", "a"]);

    const bad = await s.call("GET", `/api/v1/runs?${q({ filter: "metrics.auc >>> 1" })}`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toMatch(/^E_INVALID/);
  });

  it("updates, ends, deletes and restores a run", async () => {
    const renamed = await s.call("PATCH", `/api/v1/runs/${runId}`, { name: "logreg-final" });
    expect(renamed.json.run.name).toBe("logreg-final");
    const ended = await s.call("POST", `/api/v1/runs/${runId}/end`, {});
    expect(ended.json.run.status).toBe("FINISHED");
    expect(typeof ended.json.run.endTime).toBe("number");
    const deleted = await s.call("DELETE", `/api/v1/runs/${runId}`);
    expect(deleted.json.run.lifecycleStage).toBe("deleted");
    const active = await s.call("GET", `/api/v1/runs?experimentIds=${experimentId}`);
    expect(active.json.runs.map((r: { runId: string }) => r.runId)).not.toContain(runId);
    const restored = await s.call("POST", `/api/v1/runs/${runId}/restore`);
    expect(restored.json.run.lifecycleStage).toBe("active");
    const bad = await s.call("PATCH", `/api/v1/runs/${runId}`, { status: "DONE" });
    expect(bad.status).toBe(400);
  });

  it("lists and downloads artifacts, as attachments", async () => {
    await logArtifact(s.store, runId, "reports/evaluation.json", '{"auc": 0.85}', {
      mediaType: "application/json",
    });
    const list = await s.call("GET", `/api/v1/runs/${runId}/artifacts`);
    expect(list.json.artifacts).toEqual([
      expect.objectContaining({ path: "reports/evaluation.json", bytes: 13, mediaType: "application/json" }),
    ]);
    const file = await fetch(`${s.url}/api/v1/runs/${runId}/artifacts/reports/evaluation.json`);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toMatch(/^application\/json/);
    expect(file.headers.get("content-disposition")).toBe('attachment; filename="evaluation.json"');
    expect(await file.text()).toBe('{"auc": 0.85}');
    const missing = await s.call("GET", `/api/v1/runs/${runId}/artifacts/nope.bin`);
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("E_NOT_FOUND_ARTIFACT");
  });
});

describe("/api/v1 models, versions and aliases", () => {
  let runId: string;

  beforeAll(async () => {
    const e = await s.call("POST", "/api/v1/experiments", { name: "registry" });
    const r = await s.call("POST", "/api/v1/runs", { experimentId: e.json.experiment.experimentId });
    runId = r.json.run.runId;
    await logModelArtifact(s.store, runId);
  });

  it("creates, lists and gets models", async () => {
    const created = await s.call("POST", "/api/v1/models", { name: "churn", description: "churn model" });
    expect(created.status).toBe(201);
    expect(created.json.model).toMatchObject({
      name: "churn",
      description: "churn model",
      latestVersion: null,
    });
    expect((await s.call("GET", "/api/v1/models")).json.models.map((m: { name: string }) => m.name)).toEqual([
      "churn",
    ]);
    expect((await s.call("GET", "/api/v1/models/churn")).json.model.name).toBe("churn");
    expect((await s.call("POST", "/api/v1/models", { name: "churn" })).status).toBe(409);
    expect((await s.call("GET", "/api/v1/models/nope")).status).toBe(404);
    expect((await s.call("GET", "/api/v1/models/nope/versions")).status).toBe(404);
  });

  it("registers runs as versions 1 and 2, moves aliases with guards, history and rollback", async () => {
    const v1 = await s.call("POST", "/api/v1/models/churn/versions", { runId });
    expect(v1.status, v1.text).toBe(201);
    expect(v1.json.version).toMatchObject({ name: "churn", version: 1, runId, status: "READY" });
    const v2 = await s.call("POST", "/api/v1/models/churn/versions", { runId });
    expect(v2.json.version.version).toBe(2);
    const list = await s.call("GET", "/api/v1/models/churn/versions");
    expect(list.json.versions.map((v: { version: number }) => v.version).sort()).toEqual([1, 2]);
    expect((await s.call("GET", "/api/v1/models/churn/versions/2")).json.version.version).toBe(2);
    expect((await s.call("GET", "/api/v1/models/churn/versions/9")).status).toBe(404);

    const a1 = await s.call("PUT", "/api/v1/models/churn/aliases/challenger", {
      version: 1,
      reason: "first",
    });
    expect(a1.status, a1.text).toBe(200);
    expect(a1.json.version.version).toBe(1);
    const a2 = await s.call("PUT", "/api/v1/models/churn/aliases/challenger", { version: 2 });
    expect(a2.json.version.version).toBe(2);
    const resolved = await s.call("GET", "/api/v1/models/churn/aliases/challenger");
    expect(resolved.json.version.aliases).toContain("challenger");

    // No evaluation meets the threshold: champion is guarded unless forced with a reason.
    const guarded = await s.call("PUT", "/api/v1/models/churn/aliases/champion", { version: 2 });
    expect(guarded.status).toBe(409);
    expect(guarded.json.error.code).toMatch(/^E_GUARD/);
    expect(guarded.json.error.fix).toBeTruthy();
    const forced = await s.call("PUT", "/api/v1/models/churn/aliases/champion", {
      version: 2,
      force: true,
      reason: "hotfix",
    });
    expect(forced.status, forced.text).toBe(200);

    const rolled = await s.call("POST", "/api/v1/models/churn/aliases/challenger/rollback", {
      reason: "regression",
    });
    expect(rolled.status, rolled.text).toBe(200);
    expect(rolled.json.version.version).toBe(1);

    const history = await s.call("GET", "/api/v1/models/churn/history?alias=challenger");
    expect(history.json.events.map((e: { toVersion: number | null }) => e.toVersion)).toEqual([1, 2, 1]);
    expect(history.json.events[0]).toMatchObject({ actor: "tester", alias: "challenger", reason: "first" });
    expect(history.json.events[2]).toMatchObject({ fromVersion: 2, toVersion: 1, reason: "regression" });

    const removed = await s.call("DELETE", "/api/v1/models/churn/aliases/challenger?reason=retired");
    expect(removed.status, removed.text).toBe(200);
    expect(removed.json.model.aliases).toEqual({ champion: 2 });
    expect((await s.call("GET", "/api/v1/models/churn/aliases/challenger")).status).toBe(404);
  });
});
