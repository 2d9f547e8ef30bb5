import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mlshipVersion } from "../../src/core/version.js";
import { isLoopback } from "../../src/serve/index.js";
import { latestSchemaVersion } from "../../src/store/index.js";
import { startServer, type TestServer } from "./helpers.js";

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(() => s.close());

describe("server basics on an empty store", () => {
  it("answers /livez and /version before anything is registered", async () => {
    const live = await s.call("GET", "/livez");
    expect(live.status).toBe(200);
    expect(live.json).toEqual({ status: "ok" });
    const version = await s.call("GET", "/version");
    expect(version.status).toBe(200);
    expect(version.json).toEqual({
      mlship: mlshipVersion,
      storeSchema: latestSchemaVersion,
      node: process.version,
    });
  });

  it("lists nothing yet rather than failing", async () => {
    expect((await s.call("GET", "/api/v1/experiments")).json).toEqual({ experiments: [] });
    expect((await s.call("GET", "/api/v1/runs")).json).toEqual({ runs: [] });
    expect((await s.call("GET", "/api/v1/models")).json.models).toEqual([]);
  });

  it("answers unknown routes with a JSON 404 in each API's own error format", async () => {
    const ours = await s.call("GET", "/api/v1/nope");
    expect(ours.status).toBe(404);
    expect(ours.headers.get("content-type")).toMatch(/^application\/json/);
    expect(ours.json.error.code).toBe("E_NOT_FOUND_ROUTE");
    expect(ours.json.error.what).toBe("no route GET /api/v1/nope");
    expect((await s.call("DELETE", "/livez")).status).toBe(404);
    const mlflow = await s.call("POST", "/api/2.0/mlflow/runs/log-model", { run_id: "x" });
    expect(mlflow.status).toBe(404);
    expect(mlflow.json).toEqual({
      error_code: "ENDPOINT_NOT_FOUND",
      message: "mlship does not implement POST /api/2.0/mlflow/runs/log-model of the MLflow REST API",
    });
  });

  it("publishes a valid OpenAPI 3 document listing every route, and a readable page", async () => {
    const doc = await s.call("GET", "/docs/json");
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    // Validation dereferences in place, so validate a copy.
    await SwaggerParser.validate(structuredClone(doc.json));
    const paths = Object.keys(doc.json.paths);
    for (const p of [
      "/livez",
      "/version",
      "/api/v1/experiments",
      "/api/v1/experiments/{experimentId}",
      "/api/v1/runs",
      "/api/v1/runs/{runId}",
      "/api/v1/runs/{runId}/metrics/{key}/history",
      "/api/v1/models/{name}/aliases/{alias}",
      "/api/v1/models/{name}/aliases/{alias}/rollback",
      "/api/2.0/mlflow/runs/log-batch",
      "/api/2.0/mlflow/registered-models/alias",
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths.some((p) => p.startsWith("/ajax-api"))).toBe(false);
    expect(doc.json.paths["/api/2.0/mlflow/experiments/search"]).toHaveProperty("get");
    expect(doc.json.paths["/api/2.0/mlflow/experiments/search"]).toHaveProperty("post");
    const page = await fetch(`${s.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    // Every asset comes from this server, so the page works without network access.
    const assets = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await fetch(new URL(asset, `${s.url}/docs/`));
      // Read every body: an unread response keeps its connection busy and the server's close waiting.
      await res.arrayBuffer();
      expect(res.status, asset).toBe(200);
    }
  });

  it("serves the MLflow API under /ajax-api as well (MLflow's UI prefix)", async () => {
    const r = await s.call("POST", "/ajax-api/2.0/mlflow/experiments/search", {});
    expect(r.status).toBe(200);
  });

  it("knows which hosts are loopback", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      expect(isLoopback(h), h).toBe(true);
    }
    for (const h of ["0.0.0.0", "::", "192.168.1.5", "example.com", "::ffff:10.0.0.1"]) {
      expect(isLoopback(h), h).toBe(false);
    }
  });
});
