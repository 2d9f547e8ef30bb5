/**
 * Where a serving request's time goes: trains the churn example into a temp store, runs `mlship serve`
 * under `node --cpu-prof`, loads it with autocannon (single-row predictions, or 10,000-row JSON batches
 * with --batch, or CSV batches with --csv), stops it and prints the functions with the most self time,
 * the most inclusive time, self time by package, and the call paths through mlship's own code (dist/)
 * that take the most time.
 *   npm run build && node bench/serve-profile.mjs [--batch | --csv] [--seconds 10] [--top 30] [--workers 2]
 * With --workers N the workers inherit --cpu-prof, and the busiest worker's profile is summarised.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { repoFile } from "./lib.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const mode = process.argv.includes("--csv") ? "csv" : process.argv.includes("--batch") ? "json" : "single";
const durationS = arg("--seconds", 10);
const top = arg("--top", 30);
const workers = arg("--workers", 1);
const bin = repoFile("dist/cli/bin.js");
const churnDir = repoFile("examples/churn");

const lines = readFileSync(join(churnDir, "wa_churn.csv"), "utf8").trim().split("\n");
const header = lines[0]
  .split(",")
  .slice(1)
  .map((c) => JSON.parse(c));
const rows = lines.slice(1).map((l) => l.split(",").slice(1));
const value = (c) => (c === "" ? null : c.startsWith('"') ? JSON.parse(c) : Number(c));
const record = (r) => Object.fromEntries(header.map((h, j) => [h, value(r[j])]));
const batchRows = Array.from({ length: 10_000 }, (_, i) => rows[i % rows.length]);
const load = {
  single: { type: "application/json", body: JSON.stringify({ records: [record(rows[0])] }), connections: 10 },
  json: {
    type: "application/json",
    body: JSON.stringify({ records: batchRows.map(record) }),
    connections: 1,
  },
  csv: {
    type: "text/csv",
    body: `${header.join(",")}\n${batchRows.map((r) => r.join(",")).join("\n")}\n`,
    connections: 1,
  },
}[mode];

const dir = mkdtempSync(join(tmpdir(), "mlship-serve-profile-"));
try {
  for (const f of ["mlship.yaml", "wa_churn.csv"]) copyFileSync(join(churnDir, f), join(dir, f));
  const store = join(dir, "store.db");
  const train = spawnSync("node", [bin, "train", "--spec", join(dir, "mlship.yaml"), "--store", store], {
    encoding: "utf8",
  });
  if (train.status !== 0) throw new Error(`mlship train failed:\n${train.stderr.slice(-2000)}`);

  const profDir = join(dir, "prof");
  const server = spawn(
    "node",
    [
      "--cpu-prof",
      `--cpu-prof-dir=${profDir}`,
      bin,
      "serve",
      "--port",
      "0",
      "--store",
      store,
      "--log-level",
      "silent",
      ...(workers > 1 ? ["--workers", String(workers)] : []),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  server.stdout.resume();
  let out = "";
  const base = await new Promise((resolve, reject) => {
    server.stderr.on("data", (d) => {
      out += d;
      const m = out.match(/ on (https?:\/\/[^\s]+)/);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`serve exited (${code}):\n${out}`)));
  });
  // V8's profile clock and hrtime are both CLOCK_MONOTONIC: only samples taken under load are counted.
  const loadUs = [Number(process.hrtime.bigint() / 1000n)];
  const result = await autocannon({
    url: `${base}/v1/models/telco_churn/predict`,
    method: "POST",
    headers: { "content-type": load.type },
    body: load.body,
    connections: load.connections * workers,
    duration: durationS,
  });
  loadUs.push(Number(process.hrtime.bigint() / 1000n));
  console.log(
    `${mode}: ${result.requests.total} requests in ${result.duration} s, ${result.non2xx} non-2xx, ${result.errors} errors`,
  );
  // --cpu-prof writes the profile when the process exits by itself, which `serve` does on SIGTERM.
  const exited = new Promise((r) => server.once("exit", r));
  server.kill("SIGTERM");
  await exited;

  // One profile per process (the primary and each worker): the one with the most samples served.
  const profiles = readdirSync(profDir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => JSON.parse(readFileSync(join(profDir, f), "utf8")));
  const busy = (p) => {
    const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
    return p.samples.filter((id) => !idle.has(id)).length;
  };
  summarise(profiles.sort((a, b) => busy(b) - busy(a))[0], loadUs);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function summarise(profile, [fromUs, toUs]) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const root = process.cwd();
  const where = (cf) => {
    const url = cf.url.replace(/^file:\/\//, "").replace(`${root}/`, "");
    return url ? `${url}:${cf.lineNumber + 1}` : "";
  };
  const name = (cf) => `${cf.functionName || "(anonymous)"} ${where(cf)}`.trim();
  const pkg = (cf) => {
    const url = cf.url.replace(/^file:\/\//, "");
    if (!url) return cf.functionName.startsWith("(") ? cf.functionName : "(native/V8)";
    if (url.startsWith("node:")) return "node internals";
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (m) return m[1];
    const d = url.match(/\/dist\/([^/]+)\//);
    return d ? `mlship dist/${d[1]}` : url;
  };
  const ours = (cf) => cf.url.includes("/dist/") && !cf.url.includes("node_modules");
  const short = (cf) => `${cf.functionName || "(anonymous)"}@${where(cf).replace(/^dist\//, "")}`;
  const self = new Map();
  const paths = new Map();
  const incl = new Map();
  const byPkg = new Map();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (at < fromUs || at > toUs) return;
    total += dt;
    const n = byId.get(id);
    if (n.callFrame.functionName === "(idle)") idle += dt;
    self.set(name(n.callFrame), (self.get(name(n.callFrame)) ?? 0) + dt);
    byPkg.set(pkg(n.callFrame), (byPkg.get(pkg(n.callFrame)) ?? 0) + dt);
    const seen = new Set();
    const path = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur).callFrame;
      if (ours(cf)) path.unshift(short(cf));
      const k = name(cf);
      if (!seen.has(k)) {
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + dt);
      }
    }
    const p = path.length ? path.join(" > ") : "(outside mlship code)";
    if (n.callFrame.functionName !== "(idle)") paths.set(p, (paths.get(p) ?? 0) + dt);
  });
  const busy = total - idle;
  const pct = (v) => `${((v / busy) * 100).toFixed(1).padStart(5)}%`;
  const list = (title, m, n) => {
    console.log(`\n${title} (% of busy time)`);
    for (const [k, v] of [...m]
      .filter(([k]) => !k.startsWith("(idle)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n))
      console.log(`  ${pct(v)}  ${k}`);
  };
  console.log(
    `profile under load: ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)}%)`,
  );
  list("self time by package", byPkg, 15);
  list("self time by function", self, top);
  list("inclusive time by function", incl, top);
  list("time by call path through mlship's code (dist/ frames only, outermost first)", paths, 15);
}
