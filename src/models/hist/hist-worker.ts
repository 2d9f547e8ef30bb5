/**
 * Worker thread entry for threads.ts: does its share of each task the main thread posts in the shared
 * control block (histograms and split searches of its features, gradients of its rows, a chunk of a
 * partition), until told to quit. Reports ready once its kernels are instantiated, or an error flag if
 * anything fails (the main thread then stops using it, or throws if a task was under way).
 */
import { workerData } from "node:worker_threads";
import { C_SEQ, C_STRIDE, C_TASK, C_WORKER, TASK_QUIT, type WorkerInput } from "./threads.js";
import { CONTROL_INTS } from "./workspace.js";

const input = workerData as WorkerInput;
const { memory, layout } = input;
const control = new Int32Array(memory.buffer, layout.control, CONTROL_INTS);
const at = C_WORKER + C_STRIDE * (input.thread - 1);
let seen = Atomics.load(control, C_SEQ);

try {
  // Loaded here rather than statically so that a failure to load is reported instead of leaving the
  // main thread waiting for a worker that never ran.
  const { blocks, runTask, waitWhile } = await import("./threads.js");
  const { instantiateKernels } = await import("./kernels.js");
  const { lossFor } = await import("../boosting/losses.js");
  const buf = memory.buffer;
  const p = layout.nFeatures;
  const context = {
    kernels: instantiateKernels(memory, true),
    layout,
    memory,
    ...blocks(memory, layout),
    meta: {
      nBins: new Int32Array(buf, layout.nBins, p),
      hasMissing: new Uint8Array(buf, layout.hasMissing, p),
      isCategorical: new Uint8Array(buf, layout.isCategorical, p),
      missingBin: input.missingBin,
    },
    params: input.params,
    loss: lossFor(input.gradients.loss, input.gradients.nClasses),
    weighted: input.gradients.weighted,
    threads: input.threads,
    thread: input.thread,
  };
  Atomics.store(control, at, 1);
  Atomics.notify(control, at);
  for (;;) {
    waitWhile(control, C_SEQ, seen);
    seen = Atomics.load(control, C_SEQ);
    const task = Atomics.load(control, C_TASK);
    if (task === TASK_QUIT) break;
    Atomics.store(control, at + 3, runTask(context, task));
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
