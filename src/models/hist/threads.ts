/**
 * Histogram building and split search shared between this thread and worker threads. The workspace's
 * WebAssembly memory is shared, so every thread reads the same bins, gradients and partition and writes
 * its own features' histograms; the features are cut into contiguous ranges, one per thread, so each
 * thread's histograms and best split are exactly what one thread would compute for those features, and
 * the merged best split (first best feature wins) is the same bit for bit.
 *
 * fit stays synchronous: this thread posts a task by bumping a sequence number in the control block and
 * waits (Atomics.wait) for every worker to report it done; workers wait the same way for the next task.
 * Both spin briefly first, since a split is a few hundred microseconds of work and waking a thread costs
 * tens. Workers start while the data is being binned and are ended when the fit ends.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MlshipError } from "../../core/errors.js";
import { type GrowParams, localExecutor, type SplitExecutor } from "./grower.js";
import { FEATURE_BYTES } from "./kernels.js";
import { type FeatureMeta, findBestSplit, type NodeStats, S_GAIN, SPLIT_SIZE } from "./split.js";
import { MAX_THREADS, type Workspace, type WorkspaceLayout } from "./workspace.js";

const WORKER_URL = new URL("./hist-worker.js", import.meta.url);

/** The worker script exists next to this module when compiled (dist/); from TypeScript sources it does not. */
export function histWorkersAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

// Control block (int32): the task sequence number, the task, then per worker its ready flag, the last
// task it finished, and an error flag.
export const C_SEQ = 0;
export const C_TASK = 1;
export const C_WORKER = 4;
export const C_STRIDE = 3;
export const TASK_ROOT = 1;
export const TASK_CHILDREN = 2;
export const TASK_QUIT = 3;

// Mailbox (float64): the task's arguments.
export const M_GH = 0;
export const M_SLOT = 1;
export const M_SMALL_SLOT = 2;
export const M_START = 3;
export const M_COUNT = 4;
export const M_LEFT_IS_SMALL = 5;
export const M_HAS_LEFT = 6;
export const M_HAS_RIGHT = 7;
export const M_LEFT = 8;
export const M_RIGHT = 12;

export interface WorkerInput {
  memory: WebAssembly.Memory;
  layout: WorkspaceLayout;
  /** Per-feature arrays are read from the workspace, so workers can start before binning ends. */
  missingBin: number;
  params: GrowParams;
  /** Feature range [f0, f1) of this worker, and its thread number (1..threads-1). */
  f0: number;
  f1: number;
  thread: number;
}

export function readStats(mailbox: Float64Array, at: number): NodeStats {
  return {
    count: mailbox[at],
    sumGradients: mailbox[at + 1],
    sumHessians: mailbox[at + 2],
    value: mailbox[at + 3],
  };
}

function writeStats(mailbox: Float64Array, at: number, s: NodeStats | null): void {
  if (s === null) return;
  mailbox[at] = s.count;
  mailbox[at + 1] = s.sumGradients;
  mailbox[at + 2] = s.sumHessians;
  mailbox[at + 3] = s.value;
}

/** One thread's share of a task: histograms and best splits of features [f0, f1). */
export function runTask(
  ws: {
    kernels: Workspace["kernels"];
    layout: WorkspaceLayout;
    mailbox: Float64Array;
    results: Float64Array;
    memory: WebAssembly.Memory;
  },
  task: number,
  f0: number,
  f1: number,
  thread: number,
  meta: FeatureMeta,
  params: GrowParams,
): void {
  const { kernels: k, layout, mailbox: m, results } = ws;
  const n = layout.nRows;
  const hist = new Float64Array(ws.memory.buffer, layout.hist);
  const slotOffset = (s: number) => layout.hist + s * layout.slotBytes;
  const slotBase = (s: number) => (s * layout.slotBytes) / 8;
  const bytes = (f1 - f0) * FEATURE_BYTES;
  const at0 = 2 * thread * SPLIT_SIZE;
  const slot = m[M_SLOT];
  if (task === TASK_ROOT) {
    k.histogramAll(layout.bins, n, f0, f1, m[M_GH], 0, n, slotOffset(slot));
    findBestSplit(hist, slotBase(slot), f0, f1, readStats(m, M_LEFT), meta, params, results, at0);
    return;
  }
  const small = m[M_SMALL_SLOT];
  k.histogramRows(
    layout.bins,
    n,
    f0,
    f1,
    m[M_GH],
    layout.idx + 4 * m[M_START],
    m[M_COUNT],
    slotOffset(small),
  );
  const off = f0 * FEATURE_BYTES;
  k.subtract(slotOffset(slot) + off, slotOffset(small) + off, slotOffset(slot) + off, bytes);
  const leftIsSmall = m[M_LEFT_IS_SMALL] === 1;
  const leftSlot = leftIsSmall ? small : slot;
  const rightSlot = leftIsSmall ? slot : small;
  results[at0 + S_GAIN] = -1;
  results[at0 + SPLIT_SIZE + S_GAIN] = -1;
  if (m[M_HAS_LEFT])
    findBestSplit(hist, slotBase(leftSlot), f0, f1, readStats(m, M_LEFT), meta, params, results, at0);
  if (m[M_HAS_RIGHT])
    findBestSplit(
      hist,
      slotBase(rightSlot),
      f0,
      f1,
      readStats(m, M_RIGHT),
      meta,
      params,
      results,
      at0 + SPLIT_SIZE,
    );
}

/** Waits until control[at] !== value: a short spin, then a futex wait (with `timeoutMs` when given). */
export function waitWhile(
  control: Int32Array,
  at: number,
  value: number,
  timeoutMs = Number.POSITIVE_INFINITY,
): boolean {
  for (let spin = 0; spin < 20_000; spin++) if (Atomics.load(control, at) !== value) return true;
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(control, at) === value) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(control, at, value, Math.min(left, 1000));
  }
  return true;
}

export interface Execution {
  executor: SplitExecutor;
  /** Threads actually working (1 when the workers could not start). */
  threads: number;
  close(): void;
}

/** Feature ranges: contiguous, as equal as possible. */
function ranges(p: number, threads: number): Array<[number, number]> {
  return Array.from({ length: threads }, (_, t) => [
    Math.floor((t * p) / threads),
    Math.floor(((t + 1) * p) / threads),
  ]);
}

/** How long a worker may take to start before the fit goes on without it. */
const START_TIMEOUT_MS = 30_000;

/**
 * An executor on `threads` threads (this one plus threads - 1 workers) when the workspace is shared and
 * the worker script exists; otherwise, or if a worker fails to start, everything runs in this thread.
 * Workers are started here and finish starting while the caller goes on (binning); the first task waits.
 * `meta` must be views on the workspace's own per-feature arrays (filled before the first tree).
 */
export function executorFor(
  ws: Workspace,
  meta: FeatureMeta,
  params: GrowParams,
  threads: number,
): Execution {
  const local = localExecutor(ws, meta, params);
  threads = Math.min(threads, MAX_THREADS, ws.layout.nFeatures);
  if (threads <= 1 || !ws.shared || !histWorkersAvailable())
    return { executor: local, threads: 1, close: () => {} };
  const p = ws.layout.nFeatures;
  const parts = ranges(p, threads);
  const control = ws.control;
  const workers: Worker[] = [];
  for (let t = 1; t < threads; t++) {
    const input: WorkerInput = {
      memory: ws.memory,
      layout: ws.layout,
      missingBin: meta.missingBin,
      params,
      f0: parts[t][0],
      f1: parts[t][1],
      thread: t,
    };
    const worker = new Worker(WORKER_URL, { workerData: input });
    worker.unref();
    workers.push(worker);
  }
  let state: "starting" | "running" | "local" = "starting";
  const close = (): void => {
    if (state === "running") {
      Atomics.store(control, C_TASK, TASK_QUIT);
      Atomics.add(control, C_SEQ, 1);
      Atomics.notify(control, C_SEQ);
    }
    for (const w of workers) void w.terminate();
    state = "local";
  };
  /** Waits for every worker to be ready; false (and workers ended) if one failed or timed out. */
  const started = (): boolean => {
    for (let t = 1; t < threads; t++) {
      const at = C_WORKER + C_STRIDE * (t - 1);
      if (!waitWhile(control, at, 0, START_TIMEOUT_MS) || Atomics.load(control, at + 2) !== 0) {
        close();
        return false;
      }
    }
    state = "running";
    return true;
  };
  const post = (task: number): number => {
    Atomics.store(control, C_TASK, task);
    const seq = Atomics.add(control, C_SEQ, 1) + 1;
    Atomics.notify(control, C_SEQ);
    return seq;
  };
  const join = (seq: number): void => {
    for (let t = 1; t < threads; t++) {
      const at = C_WORKER + C_STRIDE * (t - 1);
      for (let done = Atomics.load(control, at + 1); done !== seq; done = Atomics.load(control, at + 1))
        waitWhile(control, at + 1, done);
      if (Atomics.load(control, at + 2) !== 0) {
        close();
        throw new MlshipError({
          what: "a histogram worker thread failed during fit",
          fix: "retry with nJobs: 1 to build the histograms in the main thread",
          code: "E_MODEL_WORKER",
        });
      }
    }
  };
  /** The best of the threads' splits for each child, written where the grower reads it. */
  const merge = (children: number): void => {
    const r = ws.results;
    for (let c = 0; c < children; c++) {
      let best = c * SPLIT_SIZE;
      for (let t = 1; t < threads; t++) {
        const at = (2 * t + c) * SPLIT_SIZE;
        if (r[at + S_GAIN] > r[best + S_GAIN]) best = at;
      }
      if (best !== c * SPLIT_SIZE) r.copyWithin(c * SPLIT_SIZE, best, best + SPLIT_SIZE);
    }
  };
  const mine = parts[0];
  const executor: SplitExecutor = {
    root(gh, slot, stats) {
      if (state === "starting" && !started()) {
        local.root(gh, slot, stats);
        return;
      }
      if (state === "local") {
        local.root(gh, slot, stats);
        return;
      }
      const m = ws.mailbox;
      m[M_GH] = gh;
      m[M_SLOT] = slot;
      writeStats(m, M_LEFT, stats);
      const seq = post(TASK_ROOT);
      runTask(ws, TASK_ROOT, mine[0], mine[1], 0, meta, params);
      join(seq);
      merge(1);
    },
    children(gh, parentSlot, smallSlot, start, count, leftIsSmall, left, right) {
      if (state !== "running") {
        local.children(gh, parentSlot, smallSlot, start, count, leftIsSmall, left, right);
        return;
      }
      const m = ws.mailbox;
      m[M_GH] = gh;
      m[M_SLOT] = parentSlot;
      m[M_SMALL_SLOT] = smallSlot;
      m[M_START] = start;
      m[M_COUNT] = count;
      m[M_LEFT_IS_SMALL] = leftIsSmall ? 1 : 0;
      m[M_HAS_LEFT] = left ? 1 : 0;
      m[M_HAS_RIGHT] = right ? 1 : 0;
      writeStats(m, M_LEFT, left);
      writeStats(m, M_RIGHT, right);
      const seq = post(TASK_CHILDREN);
      runTask(ws, TASK_CHILDREN, mine[0], mine[1], 0, meta, params);
      join(seq);
      merge(2);
    },
  };
  return {
    executor,
    get threads() {
      return state === "local" ? 1 : threads;
    },
    close,
  };
}
