/**
 * Heartbeats from a worker thread. `mlship train` keeps the main thread busy for minutes at a time
 * (fitting is synchronous), so a timer there would fall silent and the run would look dead to anyone
 * listing runs. One worker per store file beats for every run of this process still going; it is
 * unref'd, and dies with the process, which is exactly when the heartbeats must stop.
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

// The worker is evaluated from a string so it runs the same from TypeScript sources and from dist/.
const workerSource = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = " + workerData.busyMs);
const beat = db.prepare("update runs set heartbeat_at = ? where run_id = ? and status = 'RUNNING'");
const ids = new Set();
const tick = () => {
  const now = Date.now();
  for (const id of ids) {
    try { beat.run(now, id); } catch { /* busy or gone: the next tick tries again */ }
  }
};
setInterval(tick, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m.add) ids.add(m.add);
  if (m.remove) ids.delete(m.remove);
  if (m.stop) { db.close(); process.exit(0); }
});
`;

const driver = createRequire(import.meta.url).resolve("better-sqlite3");

interface Beater {
  worker: Worker;
  runs: Set<string>;
}

const beaters = new Map<string, Beater>();

/** Default interval between heartbeats; stale runs are those silent for several intervals. */
export const heartbeatIntervalMs = 10_000;

export function startHeartbeat(storePath: string, runId: string, intervalMs = heartbeatIntervalMs): void {
  let b = beaters.get(storePath);
  if (!b) {
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver, path: storePath, intervalMs, busyMs: Math.min(5000, intervalMs) },
    });
    worker.unref();
    // A heartbeat that cannot run only makes the run look stale later; it must never crash the process.
    worker.on("error", () => beaters.delete(storePath));
    b = { worker, runs: new Set() };
    beaters.set(storePath, b);
  }
  b.runs.add(runId);
  b.worker.postMessage({ add: runId });
}

export function stopHeartbeat(storePath: string, runId: string): void {
  const b = beaters.get(storePath);
  if (!b) return;
  b.runs.delete(runId);
  b.worker.postMessage({ remove: runId });
  if (b.runs.size === 0) {
    beaters.delete(storePath);
    b.worker.postMessage({ stop: true });
  }
}
