/**
 * Worker thread of a tuning study's fold pool: loads every estimator kind (models and prep register
 * themselves on import), keeps the study's data from workerData, and runs each fold it is sent.
 */
import { parentPort, workerData } from "node:worker_threads";
import "../models/index.js";
import "../prep/index.js";
import { Frame } from "../core/frame.js";
import { runFold } from "../evaluate/crossValidate.js";
import type { FoldData, FoldReply, FoldRequest } from "./folds.js";

const data = workerData as FoldData;
const X = new Frame(data.X, data.nRows);

parentPort?.on("message", (req: FoldRequest) => {
  let reply: FoldReply;
  try {
    reply = { id: req.id, result: runFold({ ...data, estimator: req.estimator }, X, req.fold) };
  } catch (e) {
    const err = e as { what?: string; fix?: string; code?: string; message?: string };
    reply = {
      id: req.id,
      error: {
        what: err.what ?? err.message ?? String(e),
        ...(err.fix === undefined ? {} : { fix: err.fix }),
        code: err.code ?? "E_TUNE_WORKER",
      },
    };
  }
  parentPort?.postMessage(reply);
});
