/**
 * Tracking search at scale: 10,000 runs x 20 metrics (plus params and tags) in a fresh temporary store,
 * then listing and filtering as `mlship runs list` and the server do. Each search is timed 7 times
 * after a warm-up; the median is reported (ms). Rows are written in one transaction straight into the
 * store's tables (the setup is not what is measured), shaped exactly as logBatch writes them.
 *   npm run build && node bench/runs-search.mjs
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openStore } from "../dist/store/index.js";
import { createExperiment, getRun, searchRuns } from "../dist/track/index.js";
import { report } from "./lib.mjs";

const RUNS = 10_000;
const METRICS = 20;
const models = ["rf", "lr", "gb", "tree"];
const dir = mkdtempSync(join(tmpdir(), "mlship-bench-runs-"));
const path = join(dir, "store.db");

const store = await openStore(path);
const { experimentId } = await createExperiment(store, "bench");
await store.close();

// A seeded generator so every process measures the same store.
let seed = 42;
const rand = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const raw = new Database(path);
const insertRun = raw.prepare(
  "insert into runs (run_id, experiment_id, name, status, start_time, end_time, heartbeat_at, lifecycle_stage, user, source) values (?, ?, ?, 'FINISHED', ?, ?, ?, 'active', 'bench', '{}')",
);
const insertParam = raw.prepare("insert into params (run_id, key, value) values (?, ?, ?)");
const insertTag = raw.prepare("insert into run_tags (run_id, key, value) values (?, ?, ?)");
const insertMetric = raw.prepare(
  "insert into metrics (run_id, key, value, is_nan, step, timestamp) values (?, ?, ?, 0, 0, ?)",
);
const insertLatest = raw.prepare(
  "insert into latest_metrics (run_id, key, value, is_nan, step, timestamp) values (?, ?, ?, 0, 0, ?)",
);
const t0 = Date.now() - RUNS * 1000;
raw.transaction(() => {
  for (let i = 0; i < RUNS; i++) {
    const id = randomBytes(16).toString("hex");
    const start = t0 + i * 1000;
    insertRun.run(id, Number(experimentId), `run-${i}`, start, start + 500, start + 500);
    insertParam.run(id, "model", models[i % models.length]);
    insertParam.run(id, "depth", String(1 + (i % 10)));
    insertParam.run(id, "lr", String(rand()));
    insertTag.run(id, "team", i % 2 ? "risk" : "growth");
    insertTag.run(id, "mlship.kind", "train");
    for (let m = 0; m < METRICS; m++) {
      const v = rand();
      insertMetric.run(id, `m${m}`, v, start);
      insertLatest.run(id, `m${m}`, v, start);
    }
  }
})();
raw.close();

const s = await openStore(path);
const median = async (fn) => {
  await fn();
  const times = [];
  let value;
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    value = await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[3], value };
};
const filter = 'metrics.m3 > 0.5 and params.model = "rf"';
const ids = [experimentId];
const list = await median(() => searchRuns(s, { experimentIds: ids, maxResults: 100 }));
const filtered = await median(() =>
  searchRuns(s, { experimentIds: ids, filter, orderBy: ["metrics.m7 DESC"], maxResults: 100 }),
);
const all = await median(() =>
  searchRuns(s, { experimentIds: ids, filter, orderBy: ["metrics.m7 DESC"], maxResults: RUNS }),
);
const listAll = await median(() => searchRuns(s, { experimentIds: ids, maxResults: RUNS }));
// The searches must have returned real runs, each with all of its metrics.
const check = await getRun(s, filtered.value.runs[0].runId);
if (
  Object.keys(check.metrics).length !== METRICS ||
  all.value.runs.length < 1000 ||
  listAll.value.runs.length !== RUNS
) {
  throw new Error("the searches did not return what the store holds");
}
await s.close();
rmSync(dir, { recursive: true, force: true });
report({
  listPageMs: list.ms,
  filterPageMs: filtered.ms,
  filterAllMs: all.ms,
  matches: all.value.runs.length,
  listAllMs: listAll.ms,
});
