/**
 * Serving benchmark on loopback for the churn champion: single-row latency at 1,000 req/s, maximum
 * throughput with 1 and 2 workers, and 10,000-row batches (JSON records and CSV).
 *   npm run build && node bench/serve.mjs           mlship: trains examples/churn into a temp store, serves it
 *   node bench/serve.mjs --peer                     the scikit-learn + FastAPI peer (bench/peers/serve_sklearn.py)
 *   node bench/serve.mjs --quick                    shorter loads, to try the script
 * The server runs as a child process; the load comes from this process (autocannon in its main thread, and
 * a paced client), so both share the machine's cores, and the CPU each used is reported.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { repoFile, report } from "./lib.mjs";

const peer = process.argv.includes("--peer");
const quick = process.argv.includes("--quick");
const python = process.env.MLSHIP_BENCH_PYTHON ?? "/usr/bin/python3";
const bin = repoFile("dist/cli/bin.js");
const churnDir = repoFile("examples/churn");

const seconds = { warmup: quick ? 1 : 3, load: quick ? 2 : 10 };
const batchRuns = { warmup: 2, timed: quick ? 5 : 20 };
const RATE = 1000;
const BATCH_ROWS = 10_000;
const log = (msg) => console.error(`[serve${peer ? " peer" : ""}] ${msg}`);

// --- payloads: churn rows as JSON records (numbers, strings, null for a blank cell) and as CSV ---------
const lines = readFileSync(join(churnDir, "wa_churn.csv"), "utf8").trim().split("\n");
const cells = (line) => line.split(",");
// The first column is the target, churn; no field of this file contains a comma.
const header = cells(lines[0])
  .slice(1)
  .map((c) => JSON.parse(c));
const rows = lines.slice(1).map((l) => cells(l).slice(1));
if (rows.some((r) => r.length !== header.length)) throw new Error("wa_churn.csv: a field contains a comma");
const value = (c) => (c === "" ? null : c.startsWith('"') ? JSON.parse(c) : Number(c));
const record = (r) => Object.fromEntries(header.map((h, j) => [h, value(r[j])]));
const batchRows = Array.from({ length: BATCH_ROWS }, (_, i) => rows[i % rows.length]);
const single = JSON.stringify({ records: [record(rows[0])] });
const batchJson = JSON.stringify({ records: batchRows.map(record) });
const batchCsv = `${header.join(",")}\n${batchRows.map((r) => r.join(",")).join("\n")}\n`;

// --- the server's processes: CPU time and peak RSS from /proc ------------------------------------------
const clockTicks = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

function procStat(pid) {
  try {
    // fields after the command name, which may contain spaces: state is [0], ppid [1], utime [11], stime [12]
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null; // exited
  }
}

function treeOf(root) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = procStat(name);
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i++) pids.push(...(children.get(pids[i]) ?? []));
  return pids;
}

/** Samples the process tree under `root`: the largest VmHWM seen per process and CPU ticks per process. */
function watch(root) {
  const hwmKb = new Map();
  const ticks = new Map();
  const sample = () => {
    for (const pid of treeOf(root)) {
      const t = procStat(pid);
      if (t) ticks.set(pid, t.ticks);
      try {
        const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+)/m)?.[1]);
        if (kb > (hwmKb.get(pid) ?? 0)) hwmKb.set(pid, kb);
      } catch {}
    }
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    /** CPU seconds used by the tree so far (processes that exited keep their last sample). */
    cpuS() {
      sample();
      return [...ticks.values()].reduce((s, t) => s + t, 0) / clockTicks;
    },
    /** Sum over the processes of each one's peak RSS (an upper bound of the tree's peak). */
    peakMb() {
      sample();
      return [...hwmKb.values()].reduce((s, kb) => s + kb, 0) / 1024;
    },
    processes: () => hwmKb.size,
    stop: () => clearInterval(timer),
  };
}

// --- servers -----------------------------------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

async function waitReady(url, child, output) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready at ${url} after 60 s:\n${output()}`);
}

async function start(cmd, args, { readyPath, addressFrom }) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const base =
    addressFrom ??
    (await new Promise((resolve, reject) => {
      const look = () => {
        const m = out.match(/ on (https?:\/\/[^\s]+)/);
        if (m) resolve(m[1]);
      };
      child.stdout.on("data", look);
      child.stderr.on("data", look);
      child.on("exit", (code) => reject(new Error(`${cmd} ${args.join(" ")} exited (${code}):\n${out}`)));
    }));
  await waitReady(`${base}${readyPath}`, child, () => out);
  return {
    base,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

const mlshipHasWorkers = () =>
  spawnSync("node", [bin, "serve", "--help"], { encoding: "utf8" }).stdout.includes("--workers");

async function setUp(dir) {
  if (peer) {
    const model = join(dir, "model.pkl");
    const fit = spawnSync(python, [repoFile("bench/peers/serve_sklearn.py"), "--fit", model], {
      encoding: "utf8",
    });
    if (fit.status !== 0) throw new Error(`fitting the peer failed:\n${fit.stderr}`);
    return {
      path: "/predict",
      async serve(workers) {
        const port = await freePort();
        const args = ["--model", model, "--port", String(port), "--workers", String(workers)];
        return start(python, [repoFile("bench/peers/serve_sklearn.py"), ...args], {
          readyPath: "/ping",
          addressFrom: `http://127.0.0.1:${port}`,
        });
      },
    };
  }
  for (const f of ["mlship.yaml", "wa_churn.csv"]) copyFileSync(join(churnDir, f), join(dir, f));
  const store = join(dir, "store.db");
  const train = spawnSync("node", [bin, "train", "--spec", join(dir, "mlship.yaml"), "--store", store], {
    encoding: "utf8",
  });
  const champion = train.stderr.match(/best: (\w+)/)?.[1];
  if (train.status !== 0 || !/registered telco_churn v1; now champion/.test(train.stderr)) {
    throw new Error(`mlship train did not make a champion:\n${train.stderr.slice(-2000)}`);
  }
  log(`trained: champion is ${champion}`);
  return {
    path: "/v1/models/telco_churn/predict",
    champion,
    serve(workers) {
      const args = ["serve", "--port", "0", "--store", store, "--log-level", "silent"];
      args.push("--max-rows", String(BATCH_ROWS));
      if (workers > 1) args.push("--workers", String(workers));
      return start("node", [bin, ...args], { readyPath: "/readyz" });
    },
  };
}

// --- loads -------------------------------------------------------------------------------------------
const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
function summary(latMs) {
  const s = Float64Array.from(latMs).sort();
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] };
}

/**
 * One autocannon run with the churn record. autocannon's own histogram keeps whole milliseconds, so the
 * latencies (fractional ms, from the request's write to its response) are collected from its events.
 */
async function cannon(url, opts, watcher) {
  const latMs = [];
  const cpu0 = process.cpuUsage();
  const srv0 = watcher.cpuS();
  const instance = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: single,
    ...opts,
  });
  instance.on("response", (_client, status, _bytes, ms) => {
    if (status < 300) latMs.push(ms);
  });
  const r = await instance;
  const cpu = process.cpuUsage(cpu0);
  const serverS = watcher.cpuS() - srv0;
  const answered = r.requests.total;
  return {
    ...summary(latMs),
    rps: latMs.length / r.duration,
    errors: r.errors + r.timeouts + r.non2xx,
    loadCpuPct: ((cpu.user + cpu.system) / 1e6 / r.duration) * 100,
    serverCpuPct: (serverS / r.duration) * 100,
    // CPU per request, not wall time: what the server costs whatever else shares the machine.
    serverCpuUs: (serverS / answered) * 1e6,
    loadCpuUs: (cpu.user + cpu.system) / answered,
  };
}

/**
 * Open-loop load: one request every 1000/rate ms whatever the answers, on free keep-alive sockets, so a
 * server that stalls is still sent its requests on time and every one of them measures the stall (no
 * coordinated omission). Latency runs from the client's call to the end of the answer: the server's
 * and the network's time, not the client's own timer jitter, which is reported apart as `lagMs` (how
 * late the client sent its latest request; large values mean the client, not the server, fell behind).
 * A server that falls behind is not waited for forever: requests unanswered `drainMs` after the last
 * was sent count as errors, beside refusals and failures.
 */
function paced(url, rate, durationS, watcher, drainMs = 5000) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const total = rate * durationS;
  const latMs = [];
  let sent = 0;
  let done = 0;
  let errors = 0;
  let lagMs = 0;
  const t0 = performance.now();
  const srv0 = watcher.cpuS();
  return new Promise((resolve) => {
    let deadline;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(deadline);
      agent.destroy();
      const serverCpuUs = ((watcher.cpuS() - srv0) / total) * 1e6;
      resolve({ ...summary(latMs), errors: errors + (total - done), lagMs, serverCpuUs });
    };
    const finish = () => {
      done++;
      if (done === total) end();
    };
    const send = () => {
      const start = performance.now();
      const req = http.request(url, {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(single) },
      });
      req.on("response", (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode < 300) latMs.push(performance.now() - start);
          else errors++;
          finish();
        });
      });
      req.on("error", () => {
        errors++;
        finish();
      });
      req.end(single);
    };
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      if (due > sent) lagMs = Math.max(lagMs, now - (t0 + ((due - 1) * 1000) / rate));
      for (; sent < due; sent++) send();
      if (sent < total) setTimeout(tick, 1);
      else if (done < total) deadline = setTimeout(end, drainMs);
    };
    tick();
  });
}

/**
 * Until mlship's prediction log has written every row it holds (its queue depth on /metrics is 0), so
 * each batch is timed on its own rather than behind the previous batches' 10,000 rows each; the
 * milliseconds waited. The peer keeps no log: nothing to wait for.
 */
async function logDrained(base) {
  if (peer) return 0;
  const t = performance.now();
  while (performance.now() - t < 60_000) {
    const text = await (await fetch(`${base}/metrics`)).text();
    if (/^mlship_prediction_log_queue_depth 0$/m.test(text)) return performance.now() - t;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("the prediction log did not drain within 60 s");
}

async function batch(base, url, contentType, body, check) {
  const drainMs = [];
  const post = async () => {
    drainMs.push(await logDrained(base));
    const t = performance.now();
    const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
    const text = await res.text();
    const ms = performance.now() - t;
    if (!res.ok) throw new Error(`batch ${contentType}: ${res.status} ${text.slice(0, 500)}`);
    check(text);
    return ms;
  };
  for (let i = 0; i < batchRuns.warmup; i++) await post();
  const ms = [];
  for (let i = 0; i < batchRuns.timed; i++) ms.push(await post());
  const s = summary(ms);
  return { median: s.p50, p95: s.p95, drainMs: summary(drainMs).p50 };
}

const jsonRows = (text) => {
  const out = JSON.parse(text);
  if (out.predictions.length !== BATCH_ROWS || out.probabilities.length !== BATCH_ROWS)
    throw new Error(`expected ${BATCH_ROWS} predictions and probabilities`);
};
// mlship answers a CSV body with CSV (prediction and proba_* columns), the peer with JSON.
const csvRows = (text) => {
  if (text.startsWith("{")) return jsonRows(text);
  if (text.trim().split("\n").length !== BATCH_ROWS + 1) throw new Error(`expected ${BATCH_ROWS} CSV rows`);
};

// --- the run -----------------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), "mlship-bench-serve-"));
const metrics = {};
const extra = {};
try {
  const side = await setUp(dir);
  if (side.champion) extra.champion = side.champion;

  log("1 worker ...");
  const one = await side.serve(1);
  const watcher = watch(one.pid);
  const url = `${one.base}${side.path}`;
  try {
    const first = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: single,
    });
    const answer = await first.json();
    if (!first.ok || answer.predictions?.length !== 1 || answer.probabilities?.length !== 1)
      throw new Error(
        `single-row prediction failed: ${first.status} ${JSON.stringify(answer).slice(0, 500)}`,
      );

    await cannon(url, { connections: 10, duration: seconds.warmup }, watcher);
    const rated = await cannon(url, { connections: 10, duration: seconds.load, overallRate: RATE }, watcher);
    Object.assign(metrics, {
      rateP50Ms: rated.p50,
      rateP99Ms: rated.p99,
      rateMaxMs: rated.max,
      rateErrors: rated.errors,
      rateRps: rated.rps,
    });
    log(`autocannon ${RATE} req/s: p50 ${rated.p50.toFixed(2)} p99 ${rated.p99.toFixed(2)} ms`);
    const pace = await paced(url, RATE, seconds.load, watcher);
    Object.assign(metrics, {
      pacedP50Ms: pace.p50,
      pacedP99Ms: pace.p99,
      pacedMaxMs: pace.max,
      pacedErrors: pace.errors,
      pacedCpuUs: pace.serverCpuUs,
    });
    extra.pacedLagMs = pace.lagMs;
    log(`paced ${RATE} req/s: p50 ${pace.p50.toFixed(2)} p99 ${pace.p99.toFixed(2)} ms`);
    const max1 = await cannon(url, { connections: 50, duration: seconds.load }, watcher);
    Object.assign(metrics, {
      max1Rps: max1.rps,
      max1P99Ms: max1.p99,
      max1Errors: max1.errors,
      max1CpuUs: max1.serverCpuUs,
      max1LoadCpuUs: max1.loadCpuUs,
    });
    extra.cpu1 = { load: max1.loadCpuPct, server: max1.serverCpuPct };
    log(`max throughput, 1 worker: ${max1.rps.toFixed(0)} req/s`);

    const json = await batch(one.base, url, "application/json", batchJson, jsonRows);
    const csv = await batch(one.base, url, "text/csv", batchCsv, csvRows);
    extra.logDrainMs = { json: json.drainMs, csv: csv.drainMs };
    Object.assign(metrics, {
      batchJsonMs: json.median,
      batchJsonP95Ms: json.p95,
      batchCsvMs: csv.median,
      batchCsvP95Ms: csv.p95,
    });
    log(`batch ${BATCH_ROWS}: JSON ${json.median.toFixed(1)} ms, CSV ${csv.median.toFixed(1)} ms (median)`);
    metrics.rss1Mb = watcher.peakMb();
  } finally {
    watcher.stop();
    await one.stop();
  }

  if (peer || mlshipHasWorkers()) {
    log("2 workers ...");
    const two = await side.serve(2);
    const watcher2 = watch(two.pid);
    try {
      const url2 = `${two.base}${side.path}`;
      await cannon(url2, { connections: 50, duration: seconds.warmup }, watcher2);
      const max2 = await cannon(url2, { connections: 50, duration: seconds.load }, watcher2);
      Object.assign(metrics, {
        max2Rps: max2.rps,
        max2P99Ms: max2.p99,
        max2Errors: max2.errors,
        max2CpuUs: max2.serverCpuUs,
        max2LoadCpuUs: max2.loadCpuUs,
      });
      extra.cpu2 = { load: max2.loadCpuPct, server: max2.serverCpuPct };
      metrics.rss2Mb = watcher2.peakMb();
      extra.processes2 = watcher2.processes();
      log(`max throughput, 2 workers: ${max2.rps.toFixed(0)} req/s`);
    } finally {
      watcher2.stop();
      await two.stop();
    }
  } else {
    extra.noWorkers = "`mlship serve` has no --workers option in this build";
    log(extra.noWorkers);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (!peer) {
  const git = (...args) => spawnSync("git", args, { cwd: repoFile("."), encoding: "utf8" }).stdout.trim();
  const changed = git("status", "--short", "src").split("\n").filter(Boolean).length;
  extra.tree = `${git("rev-parse", "--short", "HEAD")}${changed ? ` + ${changed} uncommitted paths in src/` : ""}`;
} else {
  const v = spawnSync(
    python,
    [
      "-c",
      "import sklearn, fastapi, uvicorn; print(sklearn.__version__, fastapi.__version__, uvicorn.__version__)",
    ],
    { encoding: "utf8" },
  ).stdout.trim();
  extra.versions = v;
}
report(metrics, { ...extra, rssMb: metrics.rss1Mb });
// autocannon's and fetch's keep-alive sockets would otherwise hold the process open
process.exit(0);
