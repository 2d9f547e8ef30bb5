/** The role table and the token bucket, without a server. */
import { describe, expect, it } from "vitest";
import { allows, RateLimiter, requiredRole } from "../../src/serve/auth/index.js";

describe("requiredRole", () => {
  it.each([
    ["GET", "/livez", null],
    ["GET", "/docs/json", null],
    ["GET", "/ping", null],
    ["GET", "/api/v1/runs/:runId", "predict"],
    ["POST", "/api/2.0/mlflow/runs/search", "predict"],
    ["POST", "/ajax-api/2.0/mlflow/experiments/search", "predict"],
    ["POST", "/v1/models/:ref/predict", "predict"],
    ["POST", "/invocations", "predict"],
    ["POST", "/api/v1/runs/:runId/metrics", "write"],
    ["DELETE", "/api/v1/runs/:runId", "write"],
    ["POST", "/api/2.0/mlflow/experiments/delete", "write"],
    ["POST", "/api/2.0/mlflow/model-versions/create", "write"],
    ["PUT", "/api/v1/models/:name/aliases/:alias", "admin"],
    ["POST", "/api/v1/models/:name/aliases/:alias/rollback", "admin"],
    ["POST", "/api/2.0/mlflow/registered-models/alias", "admin"],
    ["POST", "/api/2.0/mlflow/registered-models/rename", "admin"],
    ["DELETE", "/api/2.0/mlflow/model-versions/delete", "admin"],
    ["GET", "/api/v1/keys", "admin"],
    ["DELETE", "/api/v1/keys/:key", "admin"],
  ])("%s %s needs %s", (method, path, role) => {
    expect(requiredRole(method, path)).toBe(role);
  });

  it("nests roles: admin includes write, write includes predict", () => {
    expect(allows("admin", "write")).toBe(true);
    expect(allows("write", "predict")).toBe(true);
    expect(allows("write", "admin")).toBe(false);
    expect(allows("predict", "write")).toBe(false);
  });
});

describe("RateLimiter", () => {
  it("allows a burst of one second's worth, then refills at the rate, per key", () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect([limiter.take("a"), limiter.take("a"), limiter.take("a")]).toEqual([0, 0, 1]);
    expect(limiter.take("b")).toBe(0);
    now = 500;
    expect(limiter.take("a")).toBe(0);
    expect(limiter.take("a")).toBe(1);
  });
});
