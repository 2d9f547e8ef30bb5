/**
 * Failures of the world around a run: other processes writing at the same time, a process killed
 * mid-run, a full disk, a damaged store file, and values that are too big or oddly named.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import {
  createExperiment,
  createRun,
  getExperimentByName,
  getRun,
  logArtifact,
  logBatch,
  logParams,
  markStaleRuns,
  maxValueBytes,
  searchRuns,
  setTags,
} from "../../src/track/index.js";
import { cleanUp, distStore, distTrack, errorOf, freshStore, requireDist, tempDir } from "./helpers.js";

afterEach(cleanUp);
beforeAll(requireDist);

/** Writes a child script that imports the compiled library, and starts it with `args`. */
function child(dir: string, body: string, args: string[]): ChildProcess {
  const script = join(dir, `child-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `import * as track from ${JSON.stringify(pathToFileURL(distTrack).href)};\n` +
      `import { openStore } from ${JSON.stringify(pathToFileURL(distStore).href)};\n` +
      `const [storePath, ...args] = process.argv.slice(2);\n${body}\n`,
  );
  return spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
}

function exited(p: ChildProcess): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  let stderr = "";
  p.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => p.on("close", (code, signal) => resolve({ code, signal, stderr })));
}

function firstLine(p: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    p.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    p.on("close", () => reject(new Error(`child ended before printing a line: ${out}`)));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("concurrent writers", () => {
  it("two processes logging to one store at once lose nothing", async () => {
    const dir = tempDir();
    const path = join(dir, "store.db");
    await (await openStore(path)).close();
    const body = `
      const store = await openStore(storePath);
      const [who, n, m] = [args[0], Number(args[1]), Number(args[2])];
      const { experimentId } = await track.getOrCreateExperiment(store, "shared");
      for (let i = 0; i < n; i++) {
        const run = await track.createRun(store, { experimentId, name: who + "-" + i });
        const metrics = Array.from({ length: m }, (_, k) => ({ key: "m" + k, value: i + k / 100, step: i }));
        await track.logBatch(store, run.runId, { metrics, params: { who, i }, tags: { t: who } });
        await track.updateRun(store, run.runId, { status: "FINISHED" });
      }
      await store.close();`;
    const [n, m] = [40, 20];
    const results = await Promise.all(
      ["a", "b"].map((who) => exited(child(dir, body, [path, who, String(n), String(m)]))),
    );
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const store = await freshStore(path);
    const { experimentId } = await getExperimentByName(store, "shared");
    const { runs } = await searchRuns(store, { experimentIds: [experimentId], maxResults: 1000 });
    expect(runs).toHaveLength(2 * n);
    expect(runs.filter((r) => r.status === "FINISHED")).toHaveLength(2 * n);
    expect(new Set(runs.map((r) => r.name)).size).toBe(2 * n);
    for (const r of runs) expect(Object.keys(r.metrics)).toHaveLength(m);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("select count(*) as n from metrics").get()).toEqual({ n: 2 * n * m });
    expect(raw.prepare("select count(*) as n from experiments").get()).toEqual({ n: 1 });
    raw.close();
  });
});

describe("heartbeats", () => {
  const body = `
    const store = await openStore(storePath);
    const run = await track.startRun({ store, experiment: "hb", heartbeatMs: 100 });
    console.log(run.runId);
    // The main thread is kept busy, as a synchronous training keeps it: the beats must come anyway.
    const until = Date.now() + Number(args[0]);
    while (Date.now() < until) {}
    setInterval(() => {}, 1000);`;

  it("a run whose process is killed with SIGKILL is marked FAILED once its heartbeat is stale", async () => {
    const dir = tempDir();
    const path = join(dir, "store.db");
    await (await openStore(path)).close();
    const proc = child(dir, body, [path, "1500"]);
    const done = exited(proc);
    const runId = await firstLine(proc);
    const store = await freshStore(path);
    const started = (await getRun(store, runId)).heartbeatAt;
    await sleep(800);
    // Alive with a blocked main thread: heartbeats still arrive, so nothing is stale.
    const during = await getRun(store, runId);
    expect(during.heartbeatAt).toBeGreaterThan(started);
    expect(await markStaleRuns(store, { staleAfterMs: 500 })).toBe(0);
    proc.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    const last = (await getRun(store, runId)).heartbeatAt;
    expect(await markStaleRuns(store)).toBe(0);
    await sleep(700);
    expect(await markStaleRuns(store, { staleAfterMs: 500 })).toBe(1);
    const run = await getRun(store, runId);
    expect(run).toMatchObject({ status: "FAILED", endTime: last });
    expect(run.tags["mlship.failure"]).toMatch(/no heartbeat since .*died or was killed/);
    expect(await markStaleRuns(store, { staleAfterMs: 500 })).toBe(0);
  });
});

describe("full disk", () => {
  async function nearlyFull(store: Awaited<ReturnType<typeof freshStore>>, spare: number) {
    const { rows } = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
    await sql.raw(`pragma max_page_count = ${rows[0].page_count + spare}`).execute(store.db);
  }

  it("a batch that does not fit is refused with E_STORE_FULL and leaves nothing half-written", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const { runId } = await createRun(store, { experimentId });
    await logParams(store, runId, { before: "kept" });
    await nearlyFull(store, 2);
    const metrics = Array.from({ length: 20_000 }, (_, i) => ({ key: `m${i % 50}`, value: i, step: i }));
    const err = await errorOf(logBatch(store, runId, { metrics, params: { p: "x" }, tags: { t: "y" } }));
    expect(err.code).toBe("E_STORE_FULL");
    expect(err.fix).toMatch(/free disk space/);
    const artifactErr = await errorOf(
      logArtifact(store, runId, "big.bin", new Uint8Array(256 * 1024).fill(1)),
    );
    expect(artifactErr.code).toBe("E_STORE_FULL");
    const run = await getRun(store, runId);
    expect(run).toMatchObject({ params: { before: "kept" }, metrics: {}, tags: {}, artifacts: [] });
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare("select count(*) as n from metrics").get()).toEqual({ n: 0 });
    expect(raw.prepare("select count(*) as n from blobs").get()).toEqual({ n: 0 });
    raw.close();
    // Space again: the same store takes the same batch whole.
    await nearlyFull(store, 100_000);
    await logBatch(store, runId, { metrics, params: { p: "x" }, tags: { t: "y" } });
    expect(Object.keys((await getRun(store, runId)).metrics)).toHaveLength(50);
  });
});

describe("a damaged store file", () => {
  it("is refused with E_STORE_CORRUPT, not read as something else", async () => {
    const dir = tempDir();
    const path = join(dir, "store.db");
    const store = await openStore(path);
    const { experimentId } = await createExperiment(store, "e");
    for (let i = 0; i < 30; i++) {
      const { runId } = await createRun(store, { experimentId, name: `r${i}` });
      await logParams(store, runId, { blob: "x".repeat(2000) });
    }
    await store.close();
    // Keep the header (page 1) and scribble over the rest, as a failing disk or a bad copy would.
    const size = statSync(path).size;
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);
    const before = readFileSync(path);
    const err = await errorOf(async () => {
      const s = await openStore(path);
      try {
        await searchRuns(s);
      } finally {
        await s.close();
      }
    });
    expect(err.code).toBe("E_STORE_CORRUPT");
    expect(err.fix).toMatch(/backup/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe("values", () => {
  it(`refuses param and tag values above ${maxValueBytes / 1024} KiB and keeps one right at the limit`, async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const { runId } = await createRun(store, { experimentId });
    const limit = "é".repeat(maxValueBytes / 2);
    await logParams(store, runId, { fits: limit });
    const err = await errorOf(logParams(store, runId, { big: `${limit}x` }));
    expect(err.code).toBe("E_INVALID_PARAM_VALUE");
    expect(err.fix).toMatch(/artifact/);
    expect((await errorOf(setTags(store, runId, { big: "x".repeat(maxValueBytes + 1) }))).code).toBe(
      "E_INVALID_TAG_VALUE",
    );
    expect((await errorOf(logParams(store, runId, { ["k".repeat(251)]: 1 }))).code).toBe("E_INVALID_KEY");
    expect((await getRun(store, runId)).params.fits).toBe(limit);
  });

  it("stores unicode and SQL metacharacters in names, keys and values exactly and finds them by filter", async () => {
    const store = await freshStore();
    const nasty = 'Robert\'); DROP TABLE runs; -- `x` "y" ü 実験 🚀';
    const { experimentId } = await createExperiment(store, nasty);
    expect((await getExperimentByName(store, nasty)).name).toBe(nasty);
    const { runId } = await createRun(store, { experimentId, name: nasty });
    await logBatch(store, runId, {
      params: { [nasty]: nasty },
      tags: { "tag with ` backtick": nasty },
      metrics: [{ key: nasty, value: 1.5 }],
    });
    const run = await getRun(store, runId);
    expect(run).toMatchObject({
      name: nasty,
      params: { [nasty]: nasty },
      tags: { "tag with ` backtick": nasty },
    });
    expect(run.metrics[nasty].value).toBe(1.5);
    const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const bq = (s: string) => `\`${s.replace(/`/g, "``")}\``;
    const filters = [
      `run_name = ${q(nasty)}`,
      `params.${bq(nasty)} = ${q(nasty)}`,
      `tags.${bq("tag with ` backtick")} LIKE ${q(`%${nasty.slice(-8)}`)}`,
      `metrics.${bq(nasty)} > 1`,
    ];
    for (const filter of filters) {
      expect(
        (await searchRuns(store, { filter })).runs.map((r) => r.runId),
        filter,
      ).toEqual([runId]);
    }
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare("select count(*) as n from runs").get()).toEqual({ n: 1 });
    raw.close();
  });
});
