/**
 * GET /metrics on a real server after real predictions: request counts and latency histograms by
 * route, status, model and version; predicted classes and values as returned to the clients; model
 * loads and load failures; bounded label sets whatever URLs clients send; the predict role once the
 * store has keys.
 */
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { getModelVersion } from "../../src/registry/index.js";
import { createKey } from "../../src/serve/auth/index.js";
import { startServer, type TestServer } from "./helpers.js";
import { parseMetrics, type Sample, select, total } from "./metrics-helpers.js";
import { concrete, penguin, penguins, register } from "./predict-helpers.js";

let s: TestServer | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Sample[]> {
  const r = await server.call("GET", "/metrics", undefined, headers);
  expect(r.status, r.text).toBe(200);
  expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseMetrics(r.text);
}

const predictRoute = "/v1/models/:ref/predict";

describe("/metrics", () => {
  it("counts requests, latency and predictions by model and version, as answered", async () => {
    s = await startServer({ defaultModel: "penguins" });
    await register(s.store, "penguins", await penguins.logistic(), "champion");
    await register(s.store, "concrete", await concrete(), "champion");
    const islands = ["Biscoe", "Dream", "Torgersen"];
    const predicted = new Map<string, number>();
    for (let i = 0; i < 12; i++) {
      const records = [
        { ...penguin, island: islands[i % 3], bill_length_mm: 35 + i * 1.5, flipper_length_mm: 180 + i * 3 },
        { ...penguin, body_mass_g: 3000 + i * 200 },
      ];
      const r = await s.call("POST", "/v1/models/penguins/predict", { records });
      expect(r.status).toBe(200);
      for (const p of r.json.predictions as string[]) predicted.set(p, (predicted.get(p) ?? 0) + 1);
    }
    const bad = await s.call("POST", "/v1/models/penguins/predict", { records: [{ island: 3 }] });
    expect(bad.status).toBe(400);
    const strengths: number[] = [];
    // Concrete's inputs are all numeric: any numbers make a valid row.
    const schema = await s.call("GET", "/v1/models/concrete/schema");
    const fields = Object.keys(schema.json.properties as Record<string, unknown>);
    for (let i = 0; i < 5; i++) {
      const record = Object.fromEntries(fields.map((f, j) => [f, 100 + 10 * i + j]));
      const r = await s.call("POST", "/v1/models/concrete@champion/predict", { records: [record, record] });
      expect(r.status, r.text).toBe(200);
      strengths.push(...(r.json.predictions as number[]));
    }

    const m = await scrape(s);
    const ok = { route: predictRoute, method: "POST", status: "200", model: "penguins", version: "1" };
    expect(total(m, "mlship_http_requests_total", ok)).toBe(12);
    expect(total(m, "mlship_http_request_duration_seconds_count", ok)).toBe(12);
    // Every request is in the +Inf bucket, and the 2.5 ms bucket holds no more than that.
    expect(total(m, "mlship_http_request_duration_seconds_bucket", { ...ok, le: "+Inf" })).toBe(12);
    expect(
      total(m, "mlship_http_request_duration_seconds_bucket", { ...ok, le: "0.0005" }),
    ).toBeLessThanOrEqual(12);
    expect(total(m, "mlship_http_request_duration_seconds_sum", ok)).toBeGreaterThan(0);
    // The refused input names the model it was checked against, and counts as an error.
    const refused = { route: predictRoute, status: "400", model: "penguins", version: "1" };
    expect(total(m, "mlship_http_requests_total", refused)).toBe(1);
    expect(total(m, "mlship_http_request_errors_total", refused)).toBe(1);
    expect(total(m, "mlship_http_request_errors_total", { status: "200" })).toBe(0);

    // Classes counted as the clients were told, nothing else.
    const classes = select(m, "mlship_predicted_class_total", { model: "penguins", version: "1" });
    expect(Object.fromEntries(classes.map((c) => [c.labels.class, c.value]))).toEqual(
      Object.fromEntries(predicted),
    );
    expect(predicted.size).toBeGreaterThan(1);
    expect(total(m, "mlship_prediction_rows_total", { model: "penguins", endpoint: "predict" })).toBe(24);

    // Regressor values: a histogram whose count and sum are the values returned.
    const values = { model: "concrete", version: "1" };
    expect(total(m, "mlship_predicted_value_count", values)).toBe(10);
    expect(total(m, "mlship_predicted_value_sum", values)).toBeCloseTo(
      strengths.reduce((a, b) => a + b, 0),
      6,
    );
    const below = (le: number) => strengths.filter((v) => v <= le).length;
    for (const b of select(m, "mlship_predicted_value_bucket", values)) {
      expect(b.value).toBe(b.labels.le === "+Inf" ? 10 : below(Number(b.labels.le)));
    }
    expect(select(m, "mlship_predicted_class_total", { model: "concrete" })).toEqual([]);

    // Each version loaded once; aliases as served.
    expect(total(m, "mlship_model_load_seconds_count", { model: "penguins", version: "1" })).toBe(1);
    expect(total(m, "mlship_model_load_seconds_count", { model: "concrete", version: "1" })).toBe(1);
    expect(total(m, "mlship_model_alias_version", { model: "penguins", alias: "champion" })).toBe(1);
    expect(total(m, "mlship_model_fallback_active", { model: "penguins" })).toBe(0);
    expect(total(m, "mlship_model_load_failures_total")).toBe(0);
    // The prediction log's queue, and the process.
    expect(select(m, "mlship_prediction_log_queue_capacity")[0]?.value).toBeGreaterThan(0);
    expect(select(m, "mlship_prediction_log_queue_depth")).toHaveLength(1);
    expect(select(m, "process_cpu_user_seconds_total")).toHaveLength(1);
    expect(select(m, "nodejs_eventloop_lag_p99_seconds")).toHaveLength(1);
  }, 60_000);

  it("counts a corrupt champion's load failure once, and says the fallback answers", async () => {
    s = await startServer({ defaultModel: "penguins" });
    await register(s.store, "penguins", await penguins.logistic(), "fallback");
    const v2 = await register(s.store, "penguins", await penguins.tree(), "champion");
    const sha = (await getModelVersion(s.store, "penguins", v2)).artifactSha256;
    const raw = new Database(s.store.path);
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("tampered"), sha);
    raw.close();
    for (let i = 0; i < 3; i++) {
      const r = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
      expect(r.json.model).toMatchObject({ version: 1, alias: "fallback" });
    }
    const m = await scrape(s);
    // The version is not read again after failing verification: one failure, however many requests.
    expect(
      select(m, "mlship_model_load_failures_total", { model: "penguins" }).map((x) => [x.labels, x.value]),
    ).toEqual([[{ model: "penguins", version: "2", code: "E_STORE_BLOB_CORRUPT" }, 1]]);
    expect(total(m, "mlship_model_load_seconds_count", { model: "penguins", version: "2" })).toBe(0);
    expect(total(m, "mlship_model_fallback_active", { model: "penguins" })).toBe(1);
    expect(total(m, "mlship_model_alias_version", { model: "penguins", alias: "fallback" })).toBe(1);
    expect(total(m, "mlship_model_alias_version", { model: "penguins", alias: "champion" })).toBe(2);
    expect(total(m, "mlship_http_requests_total", { route: predictRoute, status: "200", version: "1" })).toBe(
      3,
    );
  }, 60_000);

  it("keeps label sets bounded whatever URLs and model names clients send", async () => {
    s = await startServer({ defaultModel: "penguins" });
    await register(s.store, "penguins", await penguins.logistic(), "champion");
    const sent: Promise<number>[] = [];
    for (let i = 0; i < 1000; i++) {
      sent.push(fetch(`${s.url}/no/such/${i}?q=${i}`).then((r) => r.status));
      if (sent.length % 100 === 0) await Promise.all(sent);
    }
    for (let i = 0; i < 50; i++) {
      sent.push(
        s.call("POST", `/v1/models/made-up-${i}/predict`, { records: [penguin] }).then((r) => r.status),
      );
      sent.push(
        s
          .call("POST", `/v1/models/penguins/versions/${100 + i}/predict`, { records: [penguin] })
          .then((r) => r.status),
      );
    }
    expect(new Set(await Promise.all(sent))).toEqual(new Set([404]));
    const m = await scrape(s);
    const unmatched = select(m, "mlship_http_requests_total", { route: "unmatched" });
    expect(unmatched.map((x) => [x.labels, x.value])).toEqual([
      [{ route: "unmatched", method: "GET", status: "404" }, 1000],
    ]);
    const named = select(m, "mlship_http_requests_total", { route: predictRoute, status: "404" });
    expect(named.map((x) => [x.labels, x.value])).toEqual([
      [{ route: predictRoute, method: "POST", status: "404" }, 50],
    ]);
    const routes = new Set(select(m, "mlship_http_requests_total").map((x) => x.labels.route));
    expect(routes.size).toBeLessThanOrEqual(4);
    expect(select(m, "mlship_model_load_failures_total")).toEqual([]);
    const models = new Set(
      m.filter((x) => x.name.startsWith("mlship_") && x.labels.model).map((x) => x.labels.model),
    );
    expect([...models].every((x) => x === "penguins")).toBe(true);
    expect(m.length).toBeLessThan(600);
  }, 60_000);

  it("needs the predict role once the store has keys", async () => {
    s = await startServer();
    expect((await s.call("GET", "/metrics")).status).toBe(200);
    const predict = (await createKey(s.store, { name: "scraper", role: "predict", actor: "tester" })).secret;
    const denied = await s.call("GET", "/metrics");
    expect(denied.status).toBe(401);
    expect(denied.json.error.code).toBe("E_AUTH_UNAUTHENTICATED");
    const m = await scrape(s, { authorization: `Bearer ${predict}` });
    expect(total(m, "mlship_http_requests_total", { route: "/metrics", status: "401" })).toBe(1);
    const doc = await s.call("GET", "/docs/json");
    expect(doc.json.paths["/metrics"].get).toMatchObject({
      tags: ["monitoring"],
      "x-mlship-role": "predict",
    });
  }, 60_000);

  it("is absent when turned off", async () => {
    s = await startServer({ metrics: false });
    expect((await s.call("GET", "/metrics")).status).toBe(404);
  });
});
