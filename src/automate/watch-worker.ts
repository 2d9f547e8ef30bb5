/**
 * The watch thread (see host.ts): opens its own connection to the store, runs the Watcher (its loop,
 * or rounds on request) and reports rounds and retraining steps as plain messages. Loads the models and
 * preparation steps (they register their kinds on import) so artifacts revive here.
 */
import { parentPort, workerData } from "node:worker_threads";
import "../models/index.js";
import "../prep/index.js";
import { openStore, type Store } from "../store/index.js";
import {
  errorData,
  type FromThread,
  projectOf,
  stepSummary,
  type ThreadData,
  type ToThread,
} from "./host.js";
import { Watcher } from "./watch.js";

const data = workerData as ThreadData;
const port = parentPort as NonNullable<typeof parentPort>;
const post = (m: FromThread) => port.postMessage(m);

let store: Store;
let watcher: Watcher;
try {
  store = await openStore(data.storePath, { create: false });
  watcher = new Watcher({
    store,
    project: projectOf(data.specPath),
    onRound: (round) => post({ round }),
    onStep: (s) => post({ step: stepSummary(s) }),
    onError: (err) => post({ error: errorData(err) }),
  });
  if (data.loop) watcher.start();
  post({ ready: true });
} catch (err) {
  post({ failed: errorData(err) });
  process.exit(1);
}

port.on("message", (m: ToThread) => {
  if (m.op === "stop") {
    void watcher
      .stop()
      .then(() => store.close())
      .finally(() => {
        post({ id: m.id, result: null });
        port.close();
      });
    return;
  }
  watcher.round().then(
    (result) => post({ id: m.id, result }),
    (err: unknown) => post({ id: m.id, error: errorData(err) }),
  );
});
