/**
 * The monitor thread (see service.ts): opens its own connection to the store, runs the periodic loop
 * and answers the server's requests one message at a time, in order. Loads the models and preparation
 * steps (they register their kinds on import) so a dataset can be scored here too.
 */
import { parentPort, workerData } from "node:worker_threads";
import "../models/index.js";
import "../prep/index.js";
import { openStore, type Store } from "../store/index.js";
import { errorData, type FromThread, LocalMonitor, type ToThread, type WorkerData } from "./service.js";

const data = workerData as WorkerData;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (m: FromThread) => port.postMessage(m);

const plain = (obj: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? errorData(v) : v;
  return out;
};

let store: Store;
let monitor: LocalMonitor;
try {
  store = await openStore(data.storePath, { create: false });
  monitor = new LocalMonitor(store, {
    ...data.options,
    log: {
      info: (obj, msg) => post({ log: "info", obj: plain(obj), msg }),
      warn: (obj, msg) => post({ log: "warn", obj: plain(obj), msg }),
    },
  });
  await monitor.start();
  post({ ready: true });
} catch (err) {
  post({ failed: { what: errorData(err).what, code: errorData(err).code } });
  process.exit(1);
}

// One request at a time: a report and a stats write never interleave on the one connection.
let queue: Promise<void> = Promise.resolve();
port.on("message", (m: ToThread) => {
  queue = queue.then(async () => {
    if (m.op === "close") {
      await monitor.close();
      await store.close();
      post({ id: m.id, result: null });
      port.close();
      return;
    }
    try {
      const fn = monitor[m.op] as (...args: unknown[]) => Promise<unknown>;
      post({ id: m.id, result: await fn.apply(monitor, m.args) });
    } catch (err) {
      post({ id: m.id, error: errorData(err) });
    }
  });
});
