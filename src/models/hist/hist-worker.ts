/**
 * Worker thread entry for threads.ts: builds the histograms and split searches of its feature range for
 * each task the main thread posts in the shared control block, until told to quit. Reports ready once
 * its kernels are instantiated, or an error flag if anything fails (the main thread then stops using it).
 */
import { workerData } from "node:worker_threads";
import { C_SEQ, C_STRIDE, C_TASK, C_WORKER, TASK_QUIT, type WorkerInput } from "./threads.js";
import { CONTROL_INTS, MAILBOX_DOUBLES, RESULT_DOUBLES } from "./workspace.js";

const input = workerData as WorkerInput;
const { memory, layout } = input;
const control = new Int32Array(memory.buffer, layout.control, CONTROL_INTS);
const at = C_WORKER + C_STRIDE * (input.thread - 1);
let seen = Atomics.load(control, C_SEQ);

try {
  // Loaded here rather than statically so that a failure to load is reported instead of leaving the
  // main thread waiting for a worker that never ran.
  const { runTask, waitWhile } = await import("./threads.js");
  const { instantiateKernels } = await import("./kernels.js");
  const buf = memory.buffer;
  const p = layout.nFeatures;
  const ws = {
    kernels: instantiateKernels(memory, true),
    layout,
    memory,
    mailbox: new Float64Array(buf, layout.mailbox, MAILBOX_DOUBLES),
    results: new Float64Array(buf, layout.results, RESULT_DOUBLES),
  };
  const meta = {
    nBins: new Int32Array(buf, layout.nBins, p),
    hasMissing: new Uint8Array(buf, layout.hasMissing, p),
    isCategorical: new Uint8Array(buf, layout.isCategorical, p),
    missingBin: input.missingBin,
  };
  Atomics.store(control, at, 1);
  Atomics.notify(control, at);
  for (;;) {
    waitWhile(control, C_SEQ, seen);
    seen = Atomics.load(control, C_SEQ);
    const task = Atomics.load(control, C_TASK);
    if (task === TASK_QUIT) break;
    runTask(ws, task, input.f0, input.f1, input.thread, meta, input.params);
    Atomics.store(control, at + 1, seen);
    Atomics.notify(control, at + 1);
  }
} catch {
  Atomics.store(control, at + 2, 1);
  Atomics.store(control, at, 1);
  Atomics.store(control, at + 1, Atomics.load(control, C_SEQ));
  Atomics.notify(control, at);
  Atomics.notify(control, at + 1);
}
