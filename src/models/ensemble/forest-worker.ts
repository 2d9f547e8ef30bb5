/**
 * Worker thread entry: grows the trees whose seeds it is given on the shared (SharedArrayBuffer) data,
 * posts them back on its port with their buffers transferred, then bumps the shared counter the main
 * thread waits on.
 */
import { type MessagePort, workerData } from "node:worker_threads";
import type { TreeArrays } from "../tree/cart.js";
import { type ForestJob, growForestTree } from "./forest-fit.js";

export interface WorkerInput {
  job: ForestJob;
  seeds: number[];
  port: MessagePort;
  done: Int32Array;
}

export type WorkerOutput = { trees: TreeArrays[] } | { error: string };

const { job, seeds, port, done } = workerData as WorkerInput;
try {
  const trees = seeds.map((s) => growForestTree(job, s));
  const buffers = trees.flatMap((t) => [
    t.feature.buffer,
    t.threshold.buffer,
    t.left.buffer,
    t.right.buffer,
    t.nNodeSamples.buffer,
    t.weightedNNodeSamples.buffer,
    t.impurity.buffer,
    t.value.buffer,
  ]);
  port.postMessage({ trees } satisfies WorkerOutput, buffers as ArrayBuffer[]);
} catch (e) {
  port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies WorkerOutput);
} finally {
  Atomics.add(done, 0, 1);
  Atomics.notify(done, 0);
}
