/**
 * Monitoring in a real server on loopback over a real store: traffic through the prediction API,
 * labels through feedback, request stats with the errors the log never sees, /api/v1/monitor (state,
 * report, HTML, profile, events, check) with roles and clear errors, alert events, and webhooks against
 * real local HTTP servers: one that fails before it succeeds, one that never answers while the server
 * keeps predicting.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultMonitoring, listEvents } from "../../src/monitor/index.js";
import { createKey } from "../../src/serve/auth/index.js";
import { buildServer } from "../../src/serve/index.js";
import type { MonitoringSpec } from "../../src/spec/index.js";
import { churnLabels, churnRecords, drifted, type Row, type TrainedChurn, trainChurn } from "./helpers.js";

let t: TrainedChurn;
let records: Row[];
let labels: string[];

interface Hook {
  server: Server;
  url: string;
  bodies: Array<{ at: number; body: Record<string, unknown>; headers: IncomingMessage["headers"] }>;
  close(): Promise<void>;
}

/** A webhook receiver: answers `statuses` in turn (then 200), or never answers when status is 0. */
async function receiver(statuses: number[]): Promise<Hook> {
  const bodies: Hook["bodies"] = [];
  let i = 0;
  const hanging: Array<() => void> = [];
  const server = createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d) => {
      text += d;
    });
    req.on("end", () => {
      bodies.push({ at: Date.now(), body: JSON.parse(text), headers: req.headers });
      const status = statuses[i++] ?? 200;
      if (status === 0) {
        hanging.push(() => res.destroy());
        return;
      }
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "nope");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/hook`,
    bodies,
    async close() {
      for (const h of hanging) h();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

interface Running {
  app: FastifyInstance;
  url: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: responses are asserted field by field in the tests.
  ): Promise<{ status: number; json: any; text: string; type: string | null }>;
}

async function serve(monitoring: MonitoringSpec): Promise<Running> {
  const app = await buildServer({
    store: t.store,
    actor: "tester",
    monitor: { loop: false, statsFlushMs: 3_600_000, monitoring: { [t.name]: monitoring } },
    predictionLog: { flushMs: 20 },
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, type: res.headers.get("content-type") };
  };
  return { app, url, call };
}

/** Flushes what the server holds in memory (log rows, request counts) to the store. */
async function settle(s: Running): Promise<void> {
  await s.app.predictionLog?.flush();
  await s.app.requestStats?.flush();
}

function monitoringWith(extra: Partial<MonitoringSpec>): MonitoringSpec {
  const base = defaultMonitoring();
  return {
    ...base,
    window: { rows: 300 },
    drift: { ...base.drift, minRows: 100 },
    performance: { ...base.performance, minLabels: 50, bootstrap: 200 },
    ...extra,
  };
}

beforeAll(async () => {
  t = await trainChurn();
  records = await churnRecords();
  labels = await churnLabels();
}, 120_000);
afterAll(() => t.close());

describe("the monitoring API over real traffic", () => {
  let s: Running;
  const requestIds: string[] = [];
  beforeAll(async () => {
    s = await serve(
      monitoringWith({
        alerts: [
          { kind: "dataDrift", severity: "critical", repeat: "1h", share: 0.1 },
          { kind: "predictionDrift", severity: "warning", repeat: "1h" },
          {
            kind: "errorRate",
            severity: "warning",
            repeat: "1h",
            above: 0.05,
            clientErrors: true,
            window: "15m",
            minRequests: 5,
          },
        ],
      }),
    );
    // 300 customers one request each, like the training data, then 8 requests the model refuses.
    for (const r of records.slice(0, 300)) {
      const res = await s.call("POST", `/v1/models/${t.name}/predict`, { records: [r] });
      expect(res.status).toBe(200);
      requestIds.push(res.json.requestId);
    }
    for (let i = 0; i < 8; i++) {
      const bad = await s.call("POST", `/v1/models/${t.name}/predict`, {
        records: [{ ...records[i], tenure: "long" }],
      });
      expect(bad.status).toBe(400);
    }
    expect((await s.call("POST", "/v1/models/no_such_model/predict", { records: [records[0]] })).status).toBe(
      404,
    );
    const fb = await s.call("POST", `/v1/models/${t.name}/feedback`, {
      labels: requestIds.map((requestId, i) => ({ requestId, label: labels[i] })),
    });
    expect(fb.json).toMatchObject({ accepted: 300, matched: 300 });
    await settle(s);
  }, 120_000);
  afterAll(() => s.app.close());

  it("GET /api/v1/monitor/models/{name}: the state over the latest window, errors counted", async () => {
    const r = await s.call("GET", `/api/v1/monitor/models/${t.name}`);
    expect(r.status).toBe(200);
    const state = r.json.state;
    expect(state).toMatchObject({
      model: t.name,
      version: t.version,
      window: { kind: "rows", size: 300, rows: 300 },
    });
    expect(state.drift.testedCount).toBe(19);
    expect(state.drift.datasetDrift).toBe(false);
    expect(state.performance.rows).toBe(300);
    expect(state.performance.metrics.map((m: { metric: string }) => m.metric).sort()).toEqual([
      "accuracy",
      "f1",
      "log_loss",
      "roc_auc",
    ]);
    // 308 requests for this model in the window's span: 300 answered, 8 refused; the 404 is nobody's.
    expect(state.traffic).toMatchObject({ requests: 308, clientErrors: 8, serverErrors: 0 });
    expect(state.traffic.p95Ms).toBeGreaterThan(0);
    const errorRate = state.findings.find((f: { kind: string }) => f.kind === "errorRate");
    expect(errorRate).toMatchObject({ firing: false, judged: true });
    expect(errorRate.value).toBeCloseTo(8 / 308, 12);
    const rows = await t.store.db
      .selectFrom("request_stats")
      .select(["model", "requests", "client_errors"])
      .execute();
    expect(rows.find((x) => x.model === "*")).toMatchObject({ requests: 1, client_errors: 1 });
  });

  it("a price rise through the API: drift findings fire, POST .../check records alert events once", async () => {
    const batch = await s.call("POST", `/v1/models/${t.name}/predict`, {
      records: drifted(records.slice(1000, 1300)),
    });
    expect(batch.status).toBe(200);
    await settle(s);
    const first = await s.call("POST", `/api/v1/monitor/models/${t.name}/check`);
    expect(first.status).toBe(200);
    const firing = first.json.state.findings
      .filter((f: { firing: boolean }) => f.firing)
      .map((f: { rule: string }) => f.rule);
    expect(firing.sort()).toEqual(["dataDrift", "predictionDrift"]);
    expect(
      first.json.events.map((e: { name: string; status: string }) => `${e.name}:${e.status}`).sort(),
    ).toEqual(["dataDrift:firing", "predictionDrift:firing"]);
    expect(first.json.events.find((e: { name: string }) => e.name === "dataDrift")).toMatchObject({
      type: "alert",
      kind: "dataDrift",
      severity: "critical",
      delivery: "none",
      version: t.version,
    });
    // Still firing, inside the repeat interval: nothing new.
    const again = await s.call("POST", `/api/v1/monitor/models/${t.name}/check`);
    expect(again.json.events).toEqual([]);
    const events = await s.call("GET", `/api/v1/monitor/events?model=${t.name}&type=alert`);
    expect(events.json.events.map((e: { name: string }) => e.name).sort()).toEqual([
      "dataDrift",
      "predictionDrift",
    ]);
    // Back to customers like the training data: both rules resolve.
    await s.call("POST", `/v1/models/${t.name}/predict`, { records: records.slice(2000, 2300) });
    await settle(s);
    const calm = await s.call("POST", `/api/v1/monitor/models/${t.name}/check`);
    expect(
      calm.json.events.map((e: { name: string; status: string }) => `${e.name}:${e.status}`).sort(),
    ).toEqual(["dataDrift:resolved", "predictionDrift:resolved"]);
  });

  it("the report as JSON and as a self-contained HTML page", async () => {
    const json = await s.call("GET", `/api/v1/monitor/models/${t.name}/report?window=300`);
    expect(json.status).toBe(200);
    const report = json.json.report;
    expect(report.format).toBe("mlship.monitor-report/1");
    expect(report.features).toHaveLength(19);
    expect(report.history.length).toBeGreaterThanOrEqual(3);
    expect(report.events.length).toBeGreaterThanOrEqual(4);
    expect(report.traffic.reduce((a: number, p: { requests: number }) => a + p.requests, 0)).toBe(310);
    const html = await s.call("GET", `/api/v1/monitor/models/${t.name}/report.html`);
    expect(html.status).toBe(200);
    expect(html.type).toContain("text/html");
    expect(html.text.startsWith("<!doctype html>")).toBe(true);
    expect(html.text.match(/<svg/g)?.length).toBeGreaterThanOrEqual(6);
    expect(html.text).not.toMatch(/<script(?! type="application\/json")/);
    expect(html.text).not.toMatch(/(src|href)="https?:/);
  });

  it("the profile without its sample; clear errors for unknown models and bad windows", async () => {
    const p = await s.call("GET", `/api/v1/monitor/models/${t.name}/profile`);
    expect(p.status).toBe(200);
    expect(p.json.profile).toMatchObject({
      model: t.name,
      version: t.version,
      data: { rows: 7043, sampleRows: 7043 },
    });
    expect(p.json.profile.data.sample).toBeUndefined();
    expect(p.json.profile.holdout.bootstrap.replicates).toBeUndefined();
    const unknown = await s.call("GET", "/api/v1/monitor/models/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toMatch(/^E_NOT_FOUND/);
    const bad = await s.call("GET", `/api/v1/monitor/models/${t.name}?window=soon`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.what).toContain("window");
  });

  it("the OpenAPI document lists the routes and the role each needs", async () => {
    const doc = (await s.call("GET", "/docs/json")).json;
    expect(doc.paths["/api/v1/monitor/models/{name}"].get["x-mlship-role"]).toBe("predict");
    expect(doc.paths["/api/v1/monitor/models/{name}/check"].post["x-mlship-role"]).toBe("write");
    expect(doc.paths["/api/v1/monitor/models/{name}/report.html"].get.tags).toEqual(["monitoring"]);
    expect(doc.paths["/api/v1/monitor/events"].get).toBeDefined();
  });
});

describe("roles", () => {
  it("reads need predict, a check that records events needs write", async () => {
    const predict = await createKey(t.store, { name: "monitor-reader", role: "predict", actor: "tester" });
    const write = await createKey(t.store, { name: "monitor-writer", role: "write", actor: "tester" });
    const s = await serve(monitoringWith({}));
    try {
      const as = (k: string) => ({ authorization: `Bearer ${k}` });
      expect((await s.call("GET", `/api/v1/monitor/models/${t.name}`)).status).toBe(401);
      expect(
        (await s.call("GET", `/api/v1/monitor/models/${t.name}`, undefined, as(predict.secret))).status,
      ).toBe(200);
      expect((await s.call("GET", "/api/v1/monitor/events", undefined, as(predict.secret))).status).toBe(200);
      expect(
        (await s.call("POST", `/api/v1/monitor/models/${t.name}/check`, undefined, as(predict.secret)))
          .status,
      ).toBe(403);
      expect(
        (await s.call("POST", `/api/v1/monitor/models/${t.name}/check`, undefined, as(write.secret))).status,
      ).toBe(200);
    } finally {
      await s.app.close();
      await t.store.db.deleteFrom("api_keys").execute();
    }
  });
});

describe("webhooks", () => {
  it("retries a failing receiver with backoff until it takes the event, and records the delivery", async () => {
    const hook = await receiver([500, 503]);
    const s = await serve(
      monitoringWith({
        alerts: [{ kind: "predictionDrift", name: "predictions", severity: "critical", repeat: "1h" }],
        webhook: { url: hook.url, timeoutMs: 2000, retries: 3, backoffMs: 100 },
      }),
    );
    try {
      // A fresh rule name, so its state starts clean.
      await s.call("POST", `/v1/models/${t.name}/predict`, { records: drifted(records.slice(3000, 3300)) });
      await settle(s);
      const r = await s.call("POST", `/api/v1/monitor/models/${t.name}/check`);
      const event = r.json.events.find((e: { name: string }) => e.name === "predictions");
      expect(event).toMatchObject({ status: "firing", delivery: "pending" });
      for (
        let i = 0;
        i < 100 && (await listEvents(t.store, { model: t.name, limit: 1 }))[0].delivery === "pending";
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [stored] = await listEvents(t.store, { model: t.name, limit: 1 });
      expect(stored).toMatchObject({ id: event.id, delivery: "delivered", attempts: 3, deliveryError: null });
      expect(hook.bodies).toHaveLength(3);
      // Exponential backoff: 100 ms, then 200 ms (allowing for a busy machine, never sooner).
      expect(hook.bodies[1].at - hook.bodies[0].at).toBeGreaterThanOrEqual(95);
      expect(hook.bodies[2].at - hook.bodies[1].at).toBeGreaterThanOrEqual(195);
      const { body, headers } = hook.bodies[2];
      expect(headers["content-type"]).toBe("application/json");
      expect(headers["x-mlship-event"]).toBe(String(event.id));
      expect(body).toMatchObject({
        source: "mlship",
        event: {
          id: event.id,
          model: t.name,
          version: t.version,
          name: "predictions",
          status: "firing",
          severity: "critical",
        },
      });
      expect(body.text).toContain(`${t.name} v${t.version}: predictions firing`);
    } finally {
      await s.app.close();
      await hook.close();
    }
  });

  it("a receiver that never answers: predictions go on at full speed, the event ends failed after its timeouts", async () => {
    const hook = await receiver([0, 0]);
    const s = await serve(
      monitoringWith({
        alerts: [{ kind: "predictionDrift", name: "predictions-hang", severity: "warning", repeat: "1h" }],
        webhook: { url: hook.url, timeoutMs: 1500, retries: 1, backoffMs: 100 },
      }),
    );
    try {
      await s.call("POST", `/v1/models/${t.name}/predict`, { records: drifted(records.slice(4000, 4300)) });
      await settle(s);
      const r = await s.call("POST", `/api/v1/monitor/models/${t.name}/check`);
      const event = r.json.events.find((e: { name: string }) => e.name === "predictions-hang");
      expect(event.delivery).toBe("pending");
      // The webhook now hangs; the server answers predictions meanwhile.
      const started = performance.now();
      const times: number[] = [];
      for (const rec of records.slice(5000, 5050)) {
        const t0 = performance.now();
        const res = await s.call("POST", `/v1/models/${t.name}/predict`, { records: [rec] });
        times.push(performance.now() - t0);
        expect(res.status).toBe(200);
      }
      const elapsed = performance.now() - started;
      expect(hook.bodies.length).toBeGreaterThanOrEqual(1);
      const pending = (await listEvents(t.store, { model: t.name, limit: 1 }))[0];
      // All 50 predictions were answered while the first attempt was still hanging.
      expect(elapsed).toBeLessThan(1500);
      expect(pending.delivery).toBe("pending");
      expect(Math.max(...times)).toBeLessThan(500);
      for (
        let i = 0;
        i < 100 && (await listEvents(t.store, { model: t.name, limit: 1 }))[0].delivery === "pending";
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const [stored] = await listEvents(t.store, { model: t.name, limit: 1 });
      expect(stored).toMatchObject({
        id: event.id,
        delivery: "failed",
        attempts: 2,
        deliveryError: "no answer within 1500 ms",
      });
    } finally {
      await s.app.close();
      await hook.close();
    }
  }, 30_000);
});
