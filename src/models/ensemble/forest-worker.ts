/**
 * Worker thread entry, kept between jobs (see the pool in random-forest.ts). A job is posted with its own
 * port and shared counters; the thread claims work from the shared `next` counter (the main thread
 * claims from it too, so a faster thread takes more), then bumps the `done` counter the main thread
 * waits on.
 * - grow: claims tree indices, grows them on the shared (SharedArrayBuffer) data and posts them back
 *   (forest-fit.ts's GrownTree) with their buffers transferred.
 * - predict: claims blocks of rows and adds every tree's leaf values for them straight into the shared
 *   output, reading the packed forest in place.
 */
import { type MessagePort, parentPort } from "node:worker_threads";
import type { PackedTree } from "../tree/cart.js";
import type { ForestJob, GrownTree } from "./forest-fit.js";

export interface JobControl {
  port: MessagePort;
  /** Next unclaimed tree index or row block, shared by all threads. */
  next: Int32Array;
  /** Per worker: 0 not started, 1 running (set by the worker), 2 cancelled (set by the main thread). */
  status: Int32Array;
  slot: number;
  done: Int32Array;
}

export interface GrowInput extends JobControl {
  task: "grow";
  job: ForestJob;
  seeds: number[];
}

/** A packed forest (cart.ts's PackedForest) and the rows to predict, all in shared memory. */
export interface PredictInput extends JobControl {
  task: "predict";
  trees: PackedTree[];
  /** Row-major nRows x nFeatures. */
  rows: Float32Array;
  nRows: number;
  nFeatures: number;
  nOutputs: number;
  blockRows: number;
  /** Row-major nRows x nOutputs sums, each row written by the one thread that claimed its block. */
  out: Float64Array;
}

export type WorkerInput = GrowInput | PredictInput;

export type WorkerOutput =
  | { grown: GrownTree[]; indices: number[] }
  | { predicted: true }
  | { error: string };

parentPort?.on("message", (input: WorkerInput) => {
  // If the main thread has already done all the work it cancelled this job and no longer waits: skip it.
  if (Atomics.compareExchange(input.status, input.slot, 0, 1) === 0) void run(input);
  else input.port.close();
});

async function run(input: WorkerInput): Promise<void> {
  const { port, done } = input;
  try {
    if (input.task === "grow") await grow(input);
    else await predict(input);
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies WorkerOutput);
  } finally {
    port.close();
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  }
}

async function grow({ job, seeds, port, next }: GrowInput): Promise<void> {
  // Loaded here rather than statically so that a failure to load is reported instead of leaving the
  // main thread waiting for a worker that never ran.
  const { growForestTree } = await import("./forest-fit.js");
  const grown: GrownTree[] = [];
  const indices: number[] = [];
  for (let t = Atomics.add(next, 0, 1); t < seeds.length; t = Atomics.add(next, 0, 1)) {
    grown.push(growForestTree(job, seeds[t]));
    indices.push(t);
  }
  // The tree arrays and importances move to the main thread; the packed trees are shared memory.
  const buffers = grown.flatMap(({ tree: t, importances }) => [
    t.feature.buffer,
    t.threshold.buffer,
    t.left.buffer,
    t.right.buffer,
    t.nNodeSamples.buffer,
    t.weightedNNodeSamples.buffer,
    t.impurity.buffer,
    t.value.buffer,
    ...(importances === null ? [] : [importances.buffer]),
  ]);
  port.postMessage({ grown, indices } satisfies WorkerOutput, buffers as ArrayBuffer[]);
}

async function predict(p: PredictInput): Promise<void> {
  const { predictClaimedBlocks } = await import("../tree/cart.js");
  predictClaimedBlocks(p.trees, p.nOutputs, p.rows, p.nRows, p.nFeatures, p.blockRows, p.out, p.next);
  p.port.postMessage({ predicted: true } satisfies WorkerOutput);
}
