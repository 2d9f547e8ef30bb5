/**
 * `mlship monitor` as a user runs it (the built CLI, a real store, real files): the HTML report opened
 * in real headless Chromium and checked to draw its charts, its JSON, check with alerts and
 * --fail-on-alert, events, the profile, a labelled file instead of the log, and clear errors. And
 * `mlship serve` as a process, where monitoring runs on its own thread.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binPath, expectNoStack, expectUserError, run } from "../cli/run.js";
import { dumpDom, screenshot } from "../support/chromium.js";
import { countColour, decodePng } from "../support/png.js";
import {
  churnLabels,
  churnRecords,
  drifted,
  logLabels,
  logPredictions,
  type Row,
  type TrainedChurn,
  trainChurn,
} from "./helpers.js";

let t: TrainedChurn;
let records: Row[];
let labels: string[];
const hour = 3_600_000;

beforeAll(async () => {
  t = await trainChurn();
  records = await churnRecords();
  labels = await churnLabels();
  // Five hours of customers like the training data, then two after a price rise, all labelled.
  const start = Date.now() - 7 * hour;
  const calm = await logPredictions(
    t.store,
    t.name,
    t.version,
    records.slice(0, 2500),
    (i) => start + i * 7200,
  );
  const rise = await logPredictions(
    t.store,
    t.name,
    t.version,
    drifted(records.slice(2500, 3500)),
    (i) => start + 5 * hour + i * 7200,
  );
  await logLabels(t.store, t.name, [
    ...calm.map((requestId, i) => ({ requestId, label: labels[i] })),
    ...rise.map((requestId, i) => ({ requestId, label: labels[2500 + i] })),
  ]);
}, 180_000);
afterAll(() => t.close());

const cli = (args: string[]) =>
  run(["monitor", ...args, "--spec", join(t.dir, "mlship.yaml"), "--store", join(t.dir, "store.db")], t.dir);

describe("mlship monitor report", () => {
  it("writes the HTML report and its JSON; Chromium draws every chart", async () => {
    const r = await cli(["report", "--out", "reports/churn.html"]);
    expect(r.status, r.stderr).toBe(1);
    expectUserError(r);
    expect(r.stderr).toContain("cannot write the report");
    // Nothing half-written where the folder did not exist.
    expect(existsSync(join(t.dir, "reports"))).toBe(false);

    const ok = await cli(["report", "--out", "churn.html"]);
    expect(ok.status, ok.stderr).toBe(0);
    expectNoStack(ok);
    expect(ok.stderr).toContain(`report written to ${join(t.dir, "churn.html")}`);
    expect(ok.stderr).toMatch(/data drift: \d+ of 19 features/);
    expect(readdirSync(t.dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const report = JSON.parse(readFileSync(join(t.dir, "churn.json"), "utf8"));
    expect(report).toMatchObject({ format: "mlship.monitor-report/1", model: t.name, version: t.version });
    expect(report.state.window).toMatchObject({ kind: "rows", size: 1000, rows: 1000 });
    expect(
      report.state.drift.features.find((f: { column: string }) => f.column === "monthly_charges").drifted,
    ).toBe(true);
    expect(report.history).toHaveLength(4);
    expect(report.performance.length).toBeGreaterThanOrEqual(3);

    const url = pathToFileURL(join(t.dir, "churn.html")).href;
    const dom = await dumpDom(url);
    for (const chart of [
      "drift-scores",
      "feature-distributions",
      "prediction-distributions",
      "drift-history",
      "performance",
    ]) {
      const figure = new RegExp(`<figure data-chart="${chart}"><svg[^>]*class="marks"`).exec(dom);
      expect(figure, `chart ${chart}`).not.toBeNull();
    }
    // The parsed SVGs hold real marks: bars (paths) for every feature's two sides, the axes' text.
    expect((dom.match(/<path /g) ?? []).length).toBeGreaterThan(200);
    expect(dom).toContain("monthly_charges · DRIFT");
    expect(dom).toContain("Jensen-Shannon distance");

    // What the browser painted: the reference bars (grey), the current window's (orange), drifted
    // features' drift scores (red), on a page that is not blank.
    const image = decodePng(await screenshot(url, 1200, 3600));
    const total = image.width * image.height;
    // (Measured on the first run: 2.8%, 2.8%, 0.5% and 0.07% of the page; a page without charts has none.)
    expect(countColour(image, "#9aa5b1")).toBeGreaterThan(total * 0.01);
    expect(countColour(image, "#f58518")).toBeGreaterThan(total * 0.01);
    expect(countColour(image, "#d62728")).toBeGreaterThan(total * 0.002);
    expect(countColour(image, "#4c78a8")).toBeGreaterThan(total * 0.0003);
  }, 180_000);

  it("--json prints the same report on stdout, and --window chooses the window", async () => {
    const r = await cli(["report", "--out", "by-time.html", "--window", "2h", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.state.window).toMatchObject({ kind: "duration", size: 2 * hour });
    expect(report.state.window.rows).toBeGreaterThan(900);
    expect(JSON.parse(readFileSync(join(t.dir, "by-time.json"), "utf8")).state.window).toEqual(
      report.state.window,
    );
  });

  it("--data: a labelled file scored by the model, cut into windows of --window rows", async () => {
    const file = join(t.dir, "last-month.csv");
    const rows = drifted(records.slice(5000, 6000));
    const names = Object.keys(rows[0]);
    const cell = (v: unknown) => (v === null ? "" : typeof v === "string" ? `"${v}"` : String(v));
    writeFileSync(
      file,
      `${[...names, "churn"].join(",")}\n${rows.map((row, i) => [...names.map((n) => cell(row[n])), `"${labels[5000 + i]}"`].join(",")).join("\n")}\n`,
    );
    const r = await cli(["report", "--data", file, "--window", "250", "--out", "file.html", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.axis).toBe("rows");
    expect(report.state.window.rows).toBe(1000);
    expect(report.state.drift.datasetDrift).toBe(report.state.drift.share >= 0.5);
    expect(report.state.drift.features.find((f: { column: string }) => f.column === "tenure").drifted).toBe(
      true,
    );
    expect(report.state.performance.rows).toBe(1000);
    expect(report.history.map((h: { window: { rows: number } }) => h.window.rows)).toEqual([
      250, 250, 250, 250,
    ]);
    expect(report.performance).toHaveLength(4);
    expect(report.traffic).toEqual([]);
    expect(report.state.findings.map((f: { kind: string }) => f.kind)).not.toContain("errorRate");
  });
});

describe("mlship monitor check, events, profile", () => {
  it("check records the alerts that fire once; --fail-on-alert exits 1; events lists them", async () => {
    const first = await cli(["check", "--json", "--fail-on-alert"]);
    expect(first.status, first.stderr).toBe(1);
    const out = JSON.parse(first.stdout);
    const firing = out.state.findings
      .filter((f: { firing: boolean }) => f.firing)
      .map((f: { rule: string }) => f.rule);
    expect(firing).toContain("predictionDrift");
    expect(out.events.map((e: { name: string }) => e.name).sort()).toEqual([...firing].sort());
    const again = await cli(["check", "--json"]);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).events).toEqual([]);
    const dry = await cli(["check", "--no-alerts"]);
    expect(dry.status).toBe(0);
    expect(dry.stderr).toMatch(/predictionDrift +FIRING/);

    const events = await run(["monitor", "events", "--store", join(t.dir, "store.db"), "--json"], t.dir);
    expect(events.status).toBe(0);
    const listed = JSON.parse(events.stdout).events;
    expect(listed.map((e: { name: string }) => e.name).sort()).toEqual([...firing].sort());
    const table = await run(
      ["monitor", "events", "--store", join(t.dir, "store.db"), "--kind", "predictionDrift"],
      t.dir,
    );
    expect(table.stderr).toMatch(/predictionDrift +firing +warning/);
    expect(table.stderr.trim().split("\n")).toHaveLength(2);
  });

  it("profile prints the reference statistics", async () => {
    const r = await cli(["profile"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      `${t.name} v${t.version}: reference profile of 7043 training rows (sample of 7043, seed 42)`,
    );
    expect(r.stderr).toMatch(/monthly_charges +numeric +0\.0% +min 18\.25/);
    expect(r.stderr).toMatch(/contract +categorical +0\.0% +Month-to-month 55\.0%/);
  });

  it("clear errors: an unknown model, a bad window, a store that does not exist", async () => {
    const unknown = await cli(["report", "--model", "nope"]);
    expectUserError(unknown);
    expect(unknown.stderr).toContain('"nope"');
    const bad = await cli(["check", "--window", "soon"]);
    expectUserError(bad, { exit: 2, where: false });
    expect(bad.stderr).toContain("--window soon is neither a row count nor a duration");
    const none = await run(["monitor", "events", "--store", join(t.dir, "missing.db")], t.dir);
    expectUserError(none);
    expect(none.stderr).toContain("there is no store here yet");
  });
});

describe("the monitor thread (the built package)", () => {
  it("runs checks and reports on a worker thread with its own store connection", async () => {
    // The compiled modules, where the thread's script exists (TypeScript sources run in-process).
    const dist = new URL("../../dist/", import.meta.url).href;
    const { MonitorService } = await import(`${dist}monitor/index.js`);
    const { openStore } = await import(`${dist}store/index.js`);
    const store = await openStore(join(t.dir, "store.db"));
    const service = new MonitorService(store, { loop: false });
    try {
      expect(service.threaded).toBe(true);
      await service.start();
      const state = await service.check({ model: t.name });
      expect(state.window.rows).toBe(1000);
      expect(state.drift.testedCount).toBe(19);
      const html = await service.reportHtml({ model: t.name });
      expect(html).toContain('<figure data-chart="feature-distributions"><svg');
      await expect(service.check({ model: "nope" })).rejects.toMatchObject({ code: "E_NOT_FOUND_MODEL" });
    } finally {
      await service.close();
      await store.close();
    }
  }, 120_000);
});

describe("mlship serve: monitoring on its own thread", () => {
  let child: ChildProcessWithoutNullStreams;
  let url: string;
  beforeAll(async () => {
    child = spawn(
      process.execPath,
      [
        binPath,
        "serve",
        "--port",
        "0",
        "--store",
        join(t.dir, "store.db"),
        "--spec",
        join(t.dir, "mlship.yaml"),
      ],
      {
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    let stderr = "";
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${stderr}`)), 60_000);
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
        const m = / on (http:\/\/\S+) \(docs/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.stdout.resume();
    });
  }, 90_000);
  afterAll(async () => {
    const exited = new Promise((resolve) => child.on("close", resolve));
    child.kill("SIGTERM");
    await exited;
  });

  it("answers predictions while a report is being built", async () => {
    const reportPromise = fetch(`${url}/api/v1/monitor/models/${t.name}/report.html`).then(async (r) => ({
      status: r.status,
      text: await r.text(),
      done: performance.now(),
    }));
    const answered: number[] = [];
    for (const rec of records.slice(6000, 6020)) {
      const res = await fetch(`${url}/v1/models/${t.name}/predict`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ records: [rec] }),
      });
      expect(res.status).toBe(200);
      await res.text();
      answered.push(performance.now());
    }
    const report = await reportPromise;
    expect(report.status).toBe(200);
    expect(report.text).toContain('<figure data-chart="drift-scores">');
    // The predictions did not queue behind the report: most were answered before it was done.
    expect(answered.filter((a) => a < report.done).length).toBeGreaterThanOrEqual(10);
  }, 120_000);
});
