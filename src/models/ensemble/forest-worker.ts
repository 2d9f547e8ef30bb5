/**
 * Worker thread entry, kept between fits (see the pool in random-forest.ts): for each job posted to it,
 * claims tree indices from the shared `next` counter (the main thread claims from it too, so fast
 * threads take more trees), grows them on the shared (SharedArrayBuffer) data, posts them back on the
 * job's port with their buffers transferred, then bumps the `done` counter the main thread waits on.
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import type { TreeArrays } from "../tree/cart.js";
import type { ForestJob } from "./forest-fit.js";

export interface WorkerInput {
  job: ForestJob;
  seeds: number[];
  port: MessagePort;
  /** Next unclaimed tree index, shared by all threads. */
  next: Int32Array;
  /** Per worker: 0 not started, 1 running (set by the worker), 2 cancelled (set by the main thread). */
  status: Int32Array;
  slot: number;
  done: Int32Array;
}

export type WorkerOutput = { trees: TreeArrays[]; indices: number[] } | { error: string };

parentPort?.on("message", (input: WorkerInput) => {
  // If the main thread has already grown every tree it cancelled this job and no longer waits: skip it.
  if (Atomics.compareExchange(input.status, input.slot, 0, 1) === 0) void run(input);
  else input.port.close();
});

async function run({ job, seeds, port, next, done }: WorkerInput): Promise<void> {
  try {
    // Loaded here rather than statically so that a failure to load is reported instead of leaving the
    // main thread waiting for a worker that never ran.
    const { growForestTree } = await import("./forest-fit.js");
    const trees: TreeArrays[] = [];
    const indices: number[] = [];
    for (let t = Atomics.add(next, 0, 1); t < seeds.length; t = Atomics.add(next, 0, 1)) {
      trees.push(growForestTree(job, seeds[t]));
      indices.push(t);
    }
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
    port.postMessage({ trees, indices } satisfies WorkerOutput, buffers as ArrayBuffer[]);
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies WorkerOutput);
  } finally {
    port.close();
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  }
}
