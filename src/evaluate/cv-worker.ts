/**
 * Worker thread entry for parallel cross-validation: loads every estimator kind (models and prep register
 * themselves on import) so it can revive the estimator from JSON, then claims folds from the shared
 * counter until none are left, posting each result (or error) and bumping `finished` after each.
 */
import { workerData } from "node:worker_threads";
import "../models/index.js";
import "../prep/index.js";
import { Frame } from "../core/frame.js";
import { reviveEstimator } from "../core/protocol.js";
import { type FoldMessage, type FoldWorkerInput, runFold } from "./crossValidate.js";

const { job, counters, port } = workerData as FoldWorkerInput;
const X = new Frame(job.X, job.nRows);
// A kind registered only in the main thread (user code) cannot be revived here: claim no fold, the main
// thread runs them all.
let revivable = true;
try {
  reviveEstimator(job.estimator);
} catch {
  revivable = false;
}
for (
  let f = revivable ? Atomics.add(counters.next, 0, 1) : job.splits.length;
  f < job.splits.length;
  f = Atomics.add(counters.next, 0, 1)
) {
  let msg: FoldMessage;
  try {
    msg = { fold: f, result: runFold(job, X, f) };
  } catch (e) {
    const err = e as { what?: string; fix?: string; code?: string; message?: string };
    msg = {
      fold: f,
      error: {
        what: err.what ?? err.message ?? String(e),
        ...(err.fix === undefined ? {} : { fix: err.fix }),
        code: err.code ?? "E_CV_WORKER",
      },
    };
  }
  port.postMessage(msg);
  Atomics.add(counters.finished, 0, 1);
  Atomics.notify(counters.finished, 0);
}
port.close();
