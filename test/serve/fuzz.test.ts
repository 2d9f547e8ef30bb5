/**
 * Hostile and broken input against both APIs: every answer is a 4xx JSON error with no internals, and
 * the server keeps answering afterwards. Cases are fixed plus a seeded random mix, so a failure replays.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Random } from "../../src/core/random.js";
import { expectNoLeak, type Reply, startServer, type TestServer } from "./helpers.js";

let s: TestServer;
let runId: string;
beforeAll(async () => {
  s = await startServer({ bodyLimit: 256 * 1024 });
  const experiment = await s.call("POST", "/api/v1/experiments", { name: "fuzz" });
  const run = await s.call("POST", "/api/v1/runs", { experimentId: experiment.json.experiment.experimentId });
  runId = run.json.run.runId;
});
afterAll(() => s.close());

function expectClientError(r: Reply, context: string): void {
  expect(r.status, `${context}: ${r.status} ${r.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(r.status, `${context}: ${r.text.slice(0, 300)}`).toBeLessThan(500);
  expect(r.headers.get("content-type"), context).toMatch(/^application\/json/);
  expectNoLeak(r.text);
}

const deep = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);

const ours = () => [
  ["POST", "/api/v1/experiments"],
  ["POST", "/api/v1/runs"],
  ["PATCH", `/api/v1/runs/${runId}`],
  ["POST", `/api/v1/runs/${runId}/metrics`],
  ["POST", `/api/v1/runs/${runId}/params`],
  ["POST", `/api/v1/runs/${runId}/batch`],
  ["POST", "/api/v1/models"],
];
const mlflows = () => [
  ["POST", "/api/2.0/mlflow/experiments/create"],
  ["POST", "/api/2.0/mlflow/runs/create"],
  ["POST", "/api/2.0/mlflow/runs/log-metric"],
  ["POST", "/api/2.0/mlflow/runs/log-batch"],
  ["POST", "/api/2.0/mlflow/runs/search"],
  ["POST", "/api/2.0/mlflow/registered-models/create"],
  ["POST", "/api/2.0/mlflow/registered-models/alias"],
];

const rawBodies: Array<[string, string]> = [
  ["empty", ""],
  ["truncated", '{"name": "x"'],
  ["not JSON", "name=x"],
  ["trailing garbage", '{"name":"x"} x'],
  ["NaN literal", '{"value": NaN}'],
  ["single quotes", "{'name': 'x'}"],
  ["deep arrays", deep(50_000)],
  ["deep objects", deepObject(20_000)],
  ["proto pollution", '{"__proto__": {"admin": true}, "name": "p"}'],
  ["constructor pollution", '{"constructor": {"prototype": {"x": 1}}}'],
  ["bare string", '"just a string"'],
  ["bare number", "12345678901234567890123456789"],
  ["null", "null"],
  ["array", "[1, 2, 3]"],
  ["invalid UTF-8 escape", '{"name": "\\ud800"}'],
];

const wrongValues: unknown[] = [
  123,
  -1,
  1e308,
  -1e308,
  2 ** 70,
  true,
  null,
  [],
  {},
  [[[[[]]]]],
  "",
  "x".repeat(5000),
  "'; DROP TABLE runs; --",
  '" OR 1=1 --',
  "Robert'); DELETE FROM experiments WHERE ('1'='1",
  "\u0000",
  "😀",
  "\u202e\u0301",
  "metrics.auc > 0 or 1=1",
];

describe("bad input never crashes the server", () => {
  it("malformed, truncated, deeply nested and polluting bodies are 4xx JSON errors", async () => {
    for (const [method, path] of [...ours(), ...mlflows()]) {
      for (const [label, body] of rawBodies) {
        const r = await s.call(method, path, body, { "content-type": "application/json" });
        // An empty body is an empty message, valid for the search endpoints; every other case must fail.
        if (label === "empty" && r.status === 200) continue;
        expectClientError(r, `${method} ${path} ${label}`);
      }
    }
    expect(Object.prototype).not.toHaveProperty("admin");
  });

  it("wrong types, huge numbers, unicode and SQL metacharacters in every field", async () => {
    const fields = [
      "name",
      "experimentId",
      "experiment_id",
      "run_id",
      "key",
      "value",
      "metrics",
      "tags",
      "params",
      "status",
      "filter",
      "max_results",
      "version",
    ];
    for (const [method, path] of [...ours(), ...mlflows()]) {
      for (const field of fields) {
        for (const value of wrongValues) {
          const r = await s.call(method, path, { [field]: value });
          expect(r.status, `${method} ${path} ${field}=${JSON.stringify(value)}: ${r.text}`).toBeLessThan(
            500,
          );
          expectNoLeak(r.text);
        }
      }
    }
  });

  it("names with SQL metacharacters and unicode are stored and found verbatim", async () => {
    for (const name of [
      "'; DROP TABLE experiments; --",
      "Ünïcødé 実験 😀",
      'quote " and `backtick`',
      "%_ like wildcards",
    ]) {
      const created = await s.call("POST", "/api/v1/experiments", { name });
      expect(created.status, created.text).toBe(201);
      const got = await s.call("GET", `/api/v1/experiments/${created.json.experiment.experimentId}`);
      expect(got.json.experiment.name).toBe(name);
      const byName = await s.call(
        "GET",
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      expect(byName.json.experiment.name).toBe(name);
    }
    // A filter value is data, never SQL: it matches nothing and the tables are intact.
    const injected = await s.call(
      "GET",
      `/api/v1/runs?filter=${encodeURIComponent("params.x = '; DROP TABLE runs; --'")}`,
    );
    expect(injected.status, injected.text).toBe(200);
    expect(injected.json.runs).toEqual([]);
    expect((await s.call("GET", `/api/v1/runs/${runId}`)).status).toBe(200);
  });

  it("bad query strings and path parameters are 4xx", async () => {
    for (const path of [
      "/api/v1/runs?maxResults=abc",
      "/api/v1/runs?maxResults=-5",
      "/api/v1/runs?maxResults=99999999999999999999",
      "/api/v1/runs?viewType=everything",
      "/api/v1/runs?filter=metrics.auc%20%3E%3E%3E%201",
      "/api/v1/runs?pageToken=not-a-token",
      `/api/v1/runs/${"x".repeat(5000)}`,
      "/api/v1/runs/%00",
      "/api/v1/models/nope/versions/abc",
      "/api/v1/models/nope/versions/0",
      "/api/2.0/mlflow/runs/get",
      "/api/2.0/mlflow/runs/get?run_id=%27%20OR%201%3D1",
      "/api/2.0/mlflow/experiments/get?experiment_id=abc",
      "/api/2.0/mlflow/metrics/get-history?run_id=x",
      "/api/2.0/mlflow/registered-models/search?max_results=5000",
      "/api/2.0/mlflow/registered-models/search?max_results=x",
      "/api/2.0/mlflow/model-versions/get?name=m&version=-1",
      "/%E0%A4%A",
    ]) {
      const r = await s.call("GET", path);
      expectClientError(r, path);
    }
  });

  it("an oversized body is a 413 JSON error on both APIs", async () => {
    const big = { name: "x".repeat(300 * 1024) };
    const ours = await s.call("POST", "/api/v1/experiments", big);
    expect(ours.status).toBe(413);
    expect(ours.json.error.code).toBe("E_INVALID_BODY_TOO_LARGE");
    const mlflow = await s.call("POST", "/api/2.0/mlflow/experiments/create", big);
    expect(mlflow.status).toBe(413);
    expect(mlflow.json.error_code).toBe("INVALID_PARAMETER_VALUE");
  });

  it("a body of another media type is a 415", async () => {
    const r = await s.call("POST", "/api/v1/experiments", "name=x", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expectClientError(r, "form body");
    expect(r.status).toBe(415);
  });

  it("a seeded random mix of mutations of valid requests never gets a 5xx", async () => {
    const rng = new Random(4);
    const valid: Array<[string, string, Record<string, unknown>]> = [
      ["POST", `/api/v1/runs/${runId}/metrics`, { metrics: [{ key: "m", value: 1, step: 1 }] }],
      ["POST", `/api/v1/runs/${runId}/batch`, { params: { a: "1" }, tags: { t: "v" } }],
      [
        "POST",
        "/api/2.0/mlflow/runs/log-metric",
        { run_id: runId, key: "m", value: 1, timestamp: 1, step: 0 },
      ],
      [
        "POST",
        "/api/2.0/mlflow/runs/log-batch",
        { run_id: runId, metrics: [{ key: "k", value: 2, timestamp: 3, step: 4 }] },
      ],
      [
        "POST",
        "/api/2.0/mlflow/runs/search",
        { experiment_ids: ["1"], filter: "metrics.m > 0", max_results: 10 },
      ],
    ];
    for (let i = 0; i < 300; i++) {
      const [method, path, body] = valid[Math.floor(rng.next() * valid.length)];
      const mutated = structuredClone(body) as Record<string, unknown>;
      const keys = Object.keys(mutated);
      const key = keys[Math.floor(rng.next() * keys.length)];
      mutated[key] = wrongValues[Math.floor(rng.next() * wrongValues.length)];
      const r = await s.call(method, path, mutated);
      expect(r.status, `${method} ${path} ${JSON.stringify(mutated)}: ${r.text}`).toBeLessThan(500);
      expectNoLeak(r.text);
    }
  });

  it("is still up and consistent afterwards", async () => {
    expect((await s.call("GET", "/livez")).status).toBe(200);
    const run = await s.call("GET", `/api/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.json.run.runId).toBe(runId);
  });
});
