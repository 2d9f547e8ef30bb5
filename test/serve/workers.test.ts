/**
 * `mlship serve --workers N` as real processes on loopback: the workers share the port and /metrics
 * sums them all; a killed worker is replaced while requests keep succeeding; SIGTERM drains in-flight
 * requests and exits 0; a worker that keeps dying at start-up makes the server give up with one error.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { binPath, expectUserError, run } from "../cli/run.js";
import { parseMetrics, type Sample, select, total } from "./metrics-helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

interface Served {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

const running: Served[] = [];
afterEach(() => {
  for (const s of running.splice(0)) s.child.kill("SIGKILL");
});

function serve(args: string[]): Promise<Served> {
  if (!existsSync(binPath)) throw new Error(`${binPath} does not exist: run npm run build first`);
  const child = spawn(process.execPath, [binPath, "serve", "--port", "0", "--log-level", "silent", ...args], {
    env: { ...process.env, NO_COLOR: "1", MLSHIP_DEBUG: "" },
  });
  let stderr = "";
  const exit = new Promise<number | null>((resolve) => child.on("close", resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      const m = / on (http:\/\/\S+) \(docs/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        const served = { child, url: m[1], stderr: () => stderr, exit };
        running.push(served);
        resolve(served);
      }
    });
    child.stdout.resume();
    child.on("close", () => reject(new Error(`serve exited early: ${stderr}`)));
  });
}

/** One request on a connection of its own, so the cluster hands each to the next worker. */
function send(
  url: string,
  path: string,
  body?: string,
  type = "application/json",
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method: body === undefined ? "GET" : "POST", agent: false, headers: { "content-type": type } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const predict = (url: string) =>
  send(url, "/v1/models/penguins/predict", JSON.stringify({ records: [penguin] }));

async function scrape(url: string): Promise<Sample[]> {
  const r = await send(url, "/metrics");
  expect(r.status, r.text).toBe(200);
  return parseMetrics(r.text);
}

const pidOf = (m: Sample[], worker: string) => select(m, "mlship_cluster_worker_pid", { worker })[0]?.value;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let template: string;
/** A fresh copy of a store holding penguins v1 as champion, per test (each drains its own). */
async function store(): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "mlship-workers-")), "store.db");
  const db = new Database(template, { readonly: true });
  await db.backup(path);
  db.close();
  return path;
}

beforeAll(async () => {
  template = join(mkdtempSync(join(tmpdir(), "mlship-workers-template-")), "store.db");
  const s = await openStore(template);
  await register(s, "penguins", await penguins.logistic(), "champion");
  await s.close();
}, 60_000);

const predictLabels = { route: "/v1/models/:ref/predict", status: "200", model: "penguins", version: "1" };

describe("mlship serve --workers", () => {
  it("shares the port between workers and reports the whole cluster on /metrics", async () => {
    const s = await serve(["--store", await store(), "--workers", "2"]);
    expect(s.stderr()).toContain("with 2 workers on http://127.0.0.1:");
    const n = 40;
    for (let i = 0; i < n; i++) expect((await predict(s.url)).status).toBe(200);
    const m = await scrape(s.url);
    expect(total(m, "mlship_http_requests_total", predictLabels)).toBe(n);
    expect(total(m, "mlship_http_request_duration_seconds_count", predictLabels)).toBe(n);
    expect(total(m, "mlship_predicted_class_total", { model: "penguins" })).toBe(n);
    // Both workers served, and between them every request the cluster counted.
    const perWorker = select(m, "mlship_worker_requests_total");
    expect(perWorker.map((x) => x.labels.worker).sort()).toEqual(["0", "1"]);
    for (const w of perWorker) expect(w.value).toBeGreaterThan(0);
    expect(total(m, "mlship_worker_requests_total")).toBe(total(m, "mlship_http_requests_total"));
    // Each worker loaded the model itself.
    expect(total(m, "mlship_model_load_seconds_count", { model: "penguins", version: "1" })).toBe(2);
    expect(total(m, "mlship_cluster_workers")).toBe(2);
    expect(total(m, "mlship_model_alias_version", { model: "penguins", alias: "champion" })).toBe(1);
    const again = await scrape(s.url);
    expect(total(again, "mlship_http_requests_total", { route: "/metrics", status: "200" })).toBe(1);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  }, 120_000);

  it("replaces a killed worker while requests keep succeeding", async () => {
    const s = await serve(["--store", await store(), "--workers", "2"]);
    const before = await scrape(s.url);
    const victim = pidOf(before, "0");
    const other = pidOf(before, "1");
    expect(victim).toBeGreaterThan(0);
    expect(alive(victim)).toBe(true);
    process.kill(victim, "SIGKILL");
    // Once the primary has reaped it, no connection is handed to it any more.
    await expect.poll(() => alive(victim), { timeout: 10_000 }).toBe(false);
    const statuses: number[] = [];
    let replaced: number | undefined;
    const started = Date.now();
    while (replaced === undefined && Date.now() - started < 60_000) {
      statuses.push((await predict(s.url)).status);
      const m = await scrape(s.url);
      const pid = pidOf(m, "0");
      if (pid !== undefined && pid !== victim && total(m, "mlship_cluster_workers") === 2) {
        expect(total(m, "mlship_cluster_worker_restarts_total")).toBe(1);
        replaced = pid;
      }
    }
    expect(replaced).toBeDefined();
    expect(alive(replaced!)).toBe(true);
    expect(pidOf(await scrape(s.url), "1")).toBe(other);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((st) => st === 200)).toBe(true);
    expect(s.stderr()).toMatch(/worker 0 killed by SIGKILL: restarting it/);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  }, 120_000);

  it("drains on SIGTERM: a request in flight finishes, its predictions are logged, exit 0", async () => {
    const path = await store();
    const s = await serve(["--store", path, "--workers", "2"]);
    const header = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n";
    const row = "Biscoe,45.2,15.1,215,5300,male\n";
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${s.url}/v1/models/penguins/predict`,
        { method: "POST", agent: false, headers: { "content-type": "text/csv" } },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (d: string) => {
            text += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.write(header + row.repeat(10));
      // The rest of the body arrives after the server was told to stop.
      setTimeout(() => {
        s.child.kill("SIGTERM");
        setTimeout(() => req.end(row.repeat(10)), 1000);
      }, 1000);
    });
    const r = await answer;
    expect(r.status).toBe(200);
    expect(r.text.trim().split("\n")).toHaveLength(21);
    expect(await s.exit).toBe(0);
    expect(s.stderr()).toContain("SIGTERM: shutting down");
    // Flushed before the worker closed the store.
    const db = new Database(path, { readonly: true });
    expect((db.prepare("select count(*) as n from prediction_log").get() as { n: number }).n).toBe(20);
    db.close();
  }, 120_000);

  it("gives up with one clear error when a worker keeps dying at start-up", async () => {
    const s = await serve(["--store", await store(), "--workers", "2"]);
    let last: number | undefined;
    const started = Date.now();
    while (s.child.exitCode === null && Date.now() - started < 90_000) {
      const m = await scrape(s.url).catch(() => undefined);
      const pid = m === undefined ? undefined : pidOf(m, "0");
      if (pid !== undefined && pid !== last && alive(pid)) {
        process.kill(pid, "SIGKILL");
        last = pid;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await s.exit).toBe(1);
    const err = s.stderr();
    expect(err).toMatch(/restarting it in 250 ms/);
    expect(err).toMatch(/restarting it in 2000 ms/);
    expect(err.match(/^error: /gm)).toHaveLength(1);
    expect(err).toMatch(/error: worker 0 died 5 times in a row, each before or within 10 s of serving/);
  }, 120_000);

  it("fails once, with the workers' error, when they cannot listen", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await run(
        [
          "serve",
          "--store",
          await store(),
          "--workers",
          "3",
          "--port",
          String(port),
          "--log-level",
          "silent",
        ],
        tmpdir(),
      );
      const err = expectUserError(r, { exit: 1, where: false });
      expect(err).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      taken.close();
    }
  }, 120_000);

  it("refuses a bad worker count as a usage error", async () => {
    for (const n of ["0", "65", "1.5", "many"]) {
      const r = await run(["serve", "--workers", n, "--store", await store()], tmpdir());
      expectUserError(r, { exit: 2, where: false });
      expect(r.stderr).toContain(`--workers must be a whole number from 1 to 64, got ${n}`);
    }
  }, 120_000);
});
