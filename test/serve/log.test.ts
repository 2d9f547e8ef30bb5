/**
 * The prediction log against real stores: every row of every prediction endpoint arrives once, a
 * store that is locked or full sends batches to the spool and gets them back exactly once, a full
 * queue refuses with 503 and Retry-After (a streamed batch waits instead), close() flushes, and the
 * spool files of processes that died are replayed by the next one.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/serve/index.js";
import { openStore } from "../../src/store/index.js";
import { startServer, type TestServer } from "./helpers.js";
import { holdWriteLock, logged, until } from "./log-helpers.js";
import { penguin, penguins, register } from "./predict-helpers.js";

let artifact: Uint8Array;
beforeAll(async () => {
  artifact = await penguins.logistic();
}, 60_000);

const columns = Object.keys(penguin);
const ndjson = (n: number) => `${JSON.stringify(penguin)}\n`.repeat(n);
const spoolFiles = (dir: string) =>
  existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ndjson")) : [];
const spoolLines = (dir: string) =>
  spoolFiles(dir).reduce(
    (n, f) => n + readFileSync(join(dir, f), "utf8").split("\n").filter(Boolean).length,
    0,
  );

async function served(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer({ defaultModel: "penguins", ...options });
  await register(s.store, "penguins", artifact, "champion");
  return s;
}

describe("what is logged", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await served();
  });
  afterAll(() => s.close());

  it("records every row of JSON, batch and MLflow predictions with its outputs, model and request", async () => {
    const before = Date.now();
    const other = {
      ...penguin,
      bill_length_mm: 38,
      flipper_length_mm: 185,
      body_mass_g: 3600,
      island: "Torgersen",
    };
    const json = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin, other] });
    expect(json.status).toBe(200);
    expect(json.headers.get("x-request-id")).toBe(json.json.requestId);
    const byVersion = await s.call("POST", "/v1/models/penguins/versions/1/predict", { records: [penguin] });
    const mlflow = await s.call("POST", "/invocations", { dataframe_records: [other] });
    expect(mlflow.status).toBe(200);
    const csv = await s.call(
      "POST",
      "/v1/models/penguins/predict",
      `${columns.join(",")}\nBiscoe,45.2,15.1,215,,\n`,
      {
        "content-type": "text/csv",
      },
    );
    expect(csv.status).toBe(200);
    const nd = await s.call("POST", "/v1/models/penguins/predict", ndjson(3), {
      "content-type": "application/x-ndjson",
    });
    expect(nd.status).toBe(200);
    await s.app.predictionLog!.flush();

    const rows = await logged(s.store);
    expect(rows).toHaveLength(8);
    const of = (r: { headers: Headers }) =>
      rows.filter((x) => x.request_id === r.headers.get("x-request-id"));
    const [first, second] = of(json);
    expect(first).toMatchObject({
      row_index: 0,
      model: "penguins",
      version: 1,
      alias: "champion",
      endpoint: "predict",
    });
    expect(second.row_index).toBe(1);
    expect(JSON.parse(first.inputs)).toEqual(penguin);
    expect(JSON.parse(second.inputs)).toEqual(other);
    expect(JSON.parse(first.prediction)).toBe("Gentoo");
    expect(JSON.parse(first.probabilities!)).toEqual(json.json.probabilities[0]);
    expect(first.at).toBeGreaterThanOrEqual(before);
    expect(first.latency_ms).toBeGreaterThan(0);
    expect(first.row_key).toBeNull();
    expect(first.pii).toBeNull();
    expect(of(byVersion)[0].alias).toBeNull();
    expect(of(mlflow)).toMatchObject([
      { endpoint: "invocations", alias: "champion", prediction: '"Adelie"' },
    ]);
    // CSV cells are logged with the types a JSON client would have sent; empty cells as null.
    expect(JSON.parse(of(csv)[0].inputs)).toEqual({ ...penguin, body_mass_g: null, sex: null });
    expect(of(csv)[0].endpoint).toBe("batch");
    expect(of(nd).map((r) => r.row_index)).toEqual([0, 1, 2]);
  });

  it("does not log refused requests", async () => {
    const before = (await logged(s.store)).length;
    const bad = await s.call("POST", "/v1/models/penguins/predict", { records: [{ ...penguin, sex: 1 }] });
    expect(bad.status).toBe(400);
    await s.app.predictionLog!.flush();
    expect(await logged(s.store)).toHaveLength(before);
  });
});

describe("request ids", () => {
  it("are unique across processes and restarts, and every answer carries one", async () => {
    const a = await startServer();
    const b = await startServer();
    try {
      const ids = [];
      for (const s of [a, b, a]) {
        const r = await s.call("GET", "/livez");
        ids.push(r.headers.get("x-request-id"));
      }
      for (const id of ids) expect(id).toMatch(/^req-[0-9a-f]{12}-[0-9a-z]+$/);
      expect(new Set(ids).size).toBe(3);
      expect(ids[0]!.split("-")[1]).toBe(ids[2]!.split("-")[1]);
      expect(ids[0]!.split("-")[1]).not.toBe(ids[1]!.split("-")[1]);
      const missing = await a.call("GET", "/nowhere");
      expect(missing.status).toBe(404);
      expect(missing.headers.get("x-request-id")).toMatch(/^req-/);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("when the store cannot take a batch", () => {
  it("spools batches while another process holds the write lock, then replays each row exactly once", async () => {
    const s = await served({ predictionLog: { flushMs: 10, replayMs: 100, busyTimeoutMs: 100 } });
    const spool = s.app.predictionLog!.spool.dir;
    try {
      const lock = holdWriteLock(s.store.path);
      const ids = new Set<string>();
      const started = Date.now();
      for (let i = 0; i < 20; i++) {
        const r = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin, penguin] });
        expect(r.status).toBe(200);
        ids.add(r.json.requestId);
      }
      // Requests do not wait on the lock (the store's own busy timeout is 10 s).
      expect(Date.now() - started).toBeLessThan(5000);
      await s.app.predictionLog!.flush();
      await until(() => spoolLines(spool) === 40);
      expect(await logged(s.store)).toEqual([]);
      // A copy of the spool, to replay a second time below.
      const copy = join(s.dir, "copy.ndjson");
      copyFileSync(join(spool, spoolFiles(spool)[0]), copy);

      lock.release();
      await until(async () => (await logged(s.store)).length === 40);
      await until(() => spoolFiles(spool).length === 0);
      // Replaying the same rows again (a replay cut short after its commit) adds nothing.
      copyFileSync(copy, join(spool, `${process.pid}-1-0.ndjson`));
      await s.app.predictionLog!.replay();
      expect(spoolFiles(spool)).toEqual([]);
      const rows = await logged(s.store);
      expect(rows).toHaveLength(40);
      expect(new Set(rows.map((r) => r.request_id))).toEqual(ids);
      expect(new Set(rows.map((r) => `${r.request_id}/${r.row_index}`)).size).toBe(40);
      // Healthy again: the next batch goes straight to the store.
      await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
      await s.app.predictionLog!.flush();
      expect(await logged(s.store)).toHaveLength(41);
      expect(spoolFiles(spool)).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it("spools on a full disk (SQLITE_FULL) and replays once there is room", async () => {
    const s = await served({ predictionLog: { flushMs: 10, replayMs: 100, busyTimeoutMs: 100 } });
    const spool = s.app.predictionLog!.spool.dir;
    try {
      // The log writes through a connection of its own: the page limit is set on that one.
      const writer = s.app.predictionLog!.writer;
      const [{ page_count }] = (await writer.pragma("page_count")) as Array<{ page_count: number }>;
      await writer.pragma(`max_page_count = ${page_count}`);
      // Enough rows that the table needs pages it cannot have.
      const body = { records: Array(200).fill({ ...penguin, island: "x".repeat(200) }) };
      for (let i = 0; i < 5; i++)
        expect((await s.call("POST", "/v1/models/penguins/predict", body)).status).toBe(200);
      await s.app.predictionLog!.flush();
      await until(() => spoolLines(spool) === 1000);
      expect(await logged(s.store)).toEqual([]);
      await writer.pragma("max_page_count = 1073741823");
      await until(async () => (await logged(s.store)).length === 1000);
      await until(() => spoolFiles(spool).length === 0);
    } finally {
      await s.close();
    }
  });

  it("refuses with 503 and Retry-After once the queue is full, and takes rows again once it drains", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "mlship-spool-")), "a-file");
    writeFileSync(blocker, "");
    // The spool cannot be created under a file, so with the store locked rows stay in memory.
    const s = await served({
      predictionLog: {
        capacity: 3,
        flushMs: 10,
        replayMs: 50,
        busyTimeoutMs: 50,
        spoolDir: join(blocker, "spool"),
      },
    });
    try {
      const lock = holdWriteLock(s.store.path);
      for (let i = 0; i < 3; i++) {
        expect((await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] })).status).toBe(
          200,
        );
      }
      const log = s.app.predictionLog!;
      expect(log.depth()).toBe(3);
      expect(log.capacity).toBe(3);
      const refused = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("1");
      expect(refused.json.error.code).toBe("E_BUSY_LOG_FULL");
      const mlflow = await s.call("POST", "/invocations", { instances: [penguin] });
      expect(mlflow.status).toBe(503);
      expect(mlflow.headers.get("retry-after")).toBe("1");
      expect(mlflow.json.error_code).toBe("TEMPORARILY_UNAVAILABLE");
      const batch = await s.call("POST", "/v1/models/penguins/predict", ndjson(2), {
        "content-type": "application/x-ndjson",
      });
      expect(batch.status).toBe(503);

      lock.release();
      await until(async () => (await logged(s.store)).length === 3);
      const again = await s.call("POST", "/v1/models/penguins/predict", { records: [penguin] });
      expect(again.status).toBe(200);
      await log.flush();
      expect(await logged(s.store)).toHaveLength(4);
    } finally {
      await s.close();
      rmSync(blocker, { force: true });
    }
  });

  it("makes a streamed batch wait for room instead of failing it", async () => {
    const blocker = join(mkdtempSync(join(tmpdir(), "mlship-spool-")), "a-file");
    writeFileSync(blocker, "");
    const s = await served({
      chunkRows: 250,
      predictionLog: {
        capacity: 1000,
        flushMs: 10,
        replayMs: 50,
        busyTimeoutMs: 50,
        spoolDir: join(blocker, "spool"),
      },
    });
    try {
      const lock = holdWriteLock(s.store.path);
      let releasedAt = 0;
      setTimeout(() => {
        releasedAt = Date.now();
        lock.release();
      }, 700);
      const r = await s.call("POST", "/v1/models/penguins/predict", ndjson(3000), {
        "content-type": "application/x-ndjson",
      });
      const doneAt = Date.now();
      expect(r.status).toBe(200);
      expect(r.text.trim().split("\n")).toHaveLength(3000);
      expect(releasedAt).toBeGreaterThan(0);
      expect(doneAt).toBeGreaterThanOrEqual(releasedAt);
      await s.app.predictionLog!.flush();
      const rows = await logged(s.store);
      expect(rows).toHaveLength(3000);
      expect(rows.map((x) => x.row_index).sort((a, b) => a - b)).toEqual([...Array(3000).keys()]);
    } finally {
      await s.close();
      rmSync(blocker, { force: true });
    }
  });
});

describe("shutdown and restart", () => {
  it("flushes the queue on close, and spools it when the store is locked, for the next process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mlship-log-"));
    const path = join(dir, "store.db");
    try {
      const store = await openStore(path);
      await register(store, "penguins", artifact, "champion");
      const app = await buildServer({ store, predictionLog: { flushMs: 60_000 } });
      const predict = () =>
        app.inject({ method: "POST", url: "/v1/models/penguins/predict", payload: { records: [penguin] } });
      for (let i = 0; i < 5; i++) expect((await predict()).statusCode).toBe(200);
      expect(await logged(store)).toEqual([]);
      expect(app.predictionLog!.depth()).toBe(5);
      await app.close();
      expect(await logged(store)).toHaveLength(5);

      // Locked at shutdown: the rows go to the spool, and the next server replays them.
      const second = await buildServer({
        store,
        predictionLog: { flushMs: 60_000, closeBusyTimeoutMs: 200 },
      });
      for (let i = 0; i < 3; i++) {
        const r = await second.inject({
          method: "POST",
          url: "/v1/models/penguins/predict",
          payload: { records: [penguin] },
        });
        expect(r.statusCode).toBe(200);
      }
      const lock = holdWriteLock(path);
      await second.close();
      lock.release();
      expect(await logged(store)).toHaveLength(5);
      expect(spoolLines(`${path}.spool`)).toBe(3);
      await store.close();

      const reopened = await openStore(path);
      const third = await buildServer({ store: reopened });
      await third.ready();
      // The replay deletes a spool file after its rows are committed, so the rows can be seen first.
      await until(
        async () => (await logged(reopened)).length === 8 && spoolFiles(`${path}.spool`).length === 0,
      );
      expect(await logged(reopened)).toHaveLength(8);
      expect(spoolFiles(`${path}.spool`)).toEqual([]);
      await third.close();
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replays spool files of processes that died, skipping a torn last line, and leaves live ones alone", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const row = (id: string) =>
      JSON.stringify({
        request_id: id,
        row_index: 0,
        model: "penguins",
        version: 1,
        alias: "champion",
        fallback: null,
        endpoint: "predict",
        at: Date.now(),
        latency_ms: 0.5,
        row_key: null,
        inputs: JSON.stringify(penguin),
        pii: null,
        prediction: '"Gentoo"',
        probabilities: null,
      });
    const dir = mkdtempSync(join(tmpdir(), "mlship-log-"));
    const path = join(dir, "store.db");
    try {
      mkdirSync(`${path}.spool`);
      writeFileSync(
        join(`${path}.spool`, `${dead}-1-0.ndjson`),
        `${row("req-dead-1")}\n${row("req-dead-2")}\n{"request_id":"req-de`,
      );
      writeFileSync(join(`${path}.spool`, `${process.ppid}-1-0.ndjson`), `${row("req-live-1")}\n`);
      const store = await openStore(path);
      const app = await buildServer({ store, predictionLog: { replayMs: 60_000 } });
      await app.ready();
      await until(async () => (await logged(store)).length === 2);
      expect((await logged(store)).map((r) => r.request_id)).toEqual(["req-dead-1", "req-dead-2"]);
      await until(() => spoolFiles(`${path}.spool`).length === 1);
      expect(spoolFiles(`${path}.spool`)).toEqual([`${process.ppid}-1-0.ndjson`]);
      await app.close();
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
