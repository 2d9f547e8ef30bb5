/**
 * A boosting fit's heavy steps shared between this thread and worker threads. The workspace's WebAssembly
 * memory is shared, so every thread reads the same bins, gradients and partition:
 * - histograms and split searches: the features are cut into contiguous ranges, one per thread, so each
 *   thread's histograms and best split are exactly what one thread would compute for those features, and
 *   the merged best split (first best feature wins) is the same bit for bit;
 * - gradients: the rows are cut into ranges, each row's gradient computed the same way by whichever thread;
 * - the partition of a large node: each thread splits one chunk of its rows into left and right runs,
 *   which this thread then lays out in order (left runs, then right runs): the same stable partition.
 *
 * fit stays synchronous: this thread posts a task by bumping a sequence number in the control block and
 * waits (Atomics.wait) for every worker to report it done; workers wait the same way for the next task.
 * Both spin briefly first, since a task is a few hundred microseconds of work and waking a thread costs
 * tens. Workers start while the data is being binned and are ended when the fit ends.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MlshipError } from "../../core/errors.js";
import { type Loss, type LossName, lossFor } from "../boosting/losses.js";
import { type GrowParams, localExecutor, type SplitExecutor } from "./grower.js";
import type { Kernels } from "./kernels.js";
import { type FeatureMeta, findBestSplit, type NodeStats, S_GAIN, SPLIT_SIZE } from "./split.js";
import {
  CONTROL_INTS,
  MAILBOX_DOUBLES,
  MAX_THREADS,
  RESULT_DOUBLES,
  type Workspace,
  type WorkspaceLayout,
} from "./workspace.js";

const WORKER_URL = new URL("./hist-worker.js", import.meta.url);

/** The worker script exists next to this module when compiled (dist/); from TypeScript sources it does not. */
export function histWorkersAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

// Control block (int32): the task sequence number, the task, then per worker its ready flag, the last
// task it finished, an error flag and the count its partition chunk sent left.
export const C_SEQ = 0;
export const C_TASK = 1;
export const C_WORKER = 4;
export const C_STRIDE = 4;
export const TASK_ROOT = 1;
export const TASK_CHILDREN = 2;
export const TASK_GRADIENTS = 3;
export const TASK_PARTITION = 4;
export const TASK_QUIT = 5;

// Mailbox (float64): the task's arguments.
const M_GH = 0;
const M_SLOT = 1;
const M_SMALL_SLOT = 2;
const M_START = 3;
const M_COUNT = 4;
const M_LEFT_IS_SMALL = 5;
const M_HAS_LEFT = 6;
const M_HAS_RIGHT = 7;
const M_LEFT = 8;
const M_RIGHT = 12;
const M_FEATURE = 16;

/** A node is partitioned by all threads from this many rows; below, posting the task costs more. */
const PARALLEL_PARTITION_ROWS = 32_768;

export interface GradientSpec {
  loss: LossName;
  nClasses: number;
  /** Rows have weights (ws.w); otherwise every row weighs 1. */
  weighted: boolean;
}

export interface WorkerInput {
  memory: WebAssembly.Memory;
  layout: WorkspaceLayout;
  /** Per-feature arrays are read from the workspace, so workers can start before binning ends. */
  missingBin: number;
  params: GrowParams;
  gradients: GradientSpec;
  threads: number;
  /** This worker's thread number, 1..threads-1 (this thread is 0). */
  thread: number;
}

/** What one thread needs for its share of any task. */
export interface ThreadContext {
  kernels: Kernels;
  layout: WorkspaceLayout;
  memory: WebAssembly.Memory;
  mailbox: Float64Array;
  results: Float64Array;
  control: Int32Array;
  meta: FeatureMeta;
  params: GrowParams;
  loss: Loss;
  weighted: boolean;
  threads: number;
  thread: number;
}

/** The part [lo, hi) of 0..total that thread `t` of `threads` takes: contiguous, as equal as possible. */
export function share(total: number, threads: number, t: number): [number, number] {
  return [Math.floor((t * total) / threads), Math.floor(((t + 1) * total) / threads)];
}

/** Views of the control, mailbox and results blocks of a workspace layout. */
export function blocks(memory: WebAssembly.Memory, layout: WorkspaceLayout) {
  const buf = memory.buffer;
  return {
    control: new Int32Array(buf, layout.control, CONTROL_INTS),
    mailbox: new Float64Array(buf, layout.mailbox, MAILBOX_DOUBLES),
    results: new Float64Array(buf, layout.results, RESULT_DOUBLES),
  };
}

function readStats(mailbox: Float64Array, at: number): NodeStats {
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

/** One thread's gradients: rows [start, end) of every output. */
function gradientRows(c: ThreadContext, start: number, end: number): void {
  const { layout, memory } = c;
  const buf = memory.buffer;
  const n = layout.nRows;
  const gh = Array.from(
    { length: layout.nOutputs },
    (_, k) => new Float32Array(buf, layout.gh + 8 * k * n, 2 * n),
  );
  const w = c.weighted ? new Float64Array(buf, layout.w, n) : null;
  c.loss.gradients(
    new Float64Array(buf, layout.y, n),
    new Float64Array(buf, layout.raw, n * layout.nOutputs),
    w,
    gh,
    start,
    end,
  );
}

/**
 * Thread `c.thread`'s share of a task; returns, for a partition, how many rows of its chunk went left
 * (the chunk's left rows at tmp, its right rows at tmp2, both at the chunk's offset).
 */
export function runTask(c: ThreadContext, task: number): number {
  const { kernels: k, layout, mailbox: m, results, meta, params } = c;
  const n = layout.nRows;
  if (task === TASK_GRADIENTS) {
    const [r0, r1] = share(n, c.threads, c.thread);
    gradientRows(c, r0, r1);
    return 0;
  }
  if (task === TASK_PARTITION) {
    const [q0, q1] = share(m[M_COUNT], c.threads, c.thread);
    const at = m[M_START] + q0;
    const col = layout.bins + m[M_FEATURE] * n;
    return k.partitionSplit(
      col,
      layout.idx,
      at,
      q1 - q0,
      layout.bitset,
      layout.tmp + 4 * at,
      layout.tmp2 + 4 * at,
    );
  }
  const [f0, f1] = share(layout.nFeatures, c.threads, c.thread);
  const hist = new Float64Array(c.memory.buffer, layout.hist);
  const slotOffset = (s: number) => layout.hist + s * layout.slotBytes;
  const slotBase = (s: number) => (s * layout.slotBytes) / 8;
  const at0 = 2 * c.thread * SPLIT_SIZE;
  const slot = m[M_SLOT];
  if (task === TASK_ROOT) {
    k.histogramAll(layout.bins, n, f0, f1, m[M_GH], 0, n, slotOffset(slot), layout.nBins, meta.missingBin);
    findBestSplit(hist, slotBase(slot), f0, f1, readStats(m, M_LEFT), meta, params, results, at0);
    return 0;
  }
  const small = m[M_SMALL_SLOT];
  const rows = layout.idx + 4 * m[M_START];
  k.histogramRows(
    layout.bins,
    n,
    f0,
    f1,
    m[M_GH],
    rows,
    m[M_COUNT],
    slotOffset(small),
    layout.nBins,
    meta.missingBin,
  );
  k.subtract(slotOffset(slot), slotOffset(small), slotOffset(slot), f0, f1, layout.nBins, meta.missingBin);
  const leftIsSmall = m[M_LEFT_IS_SMALL] === 1;
  const leftSlot = leftIsSmall ? small : slot;
  const rightSlot = leftIsSmall ? slot : small;
  results[at0 + S_GAIN] = -1;
  results[at0 + SPLIT_SIZE + S_GAIN] = -1;
  if (m[M_HAS_LEFT])
    findBestSplit(hist, slotBase(leftSlot), f0, f1, readStats(m, M_LEFT), meta, params, results, at0);
  if (m[M_HAS_RIGHT]) {
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
  return 0;
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
  /** Histograms, split searches and partitions of the trees. */
  executor: SplitExecutor;
  /** Gradients and hessians of every row and output from ws.y, ws.raw (and ws.w), into ws.gh. */
  gradients(): void;
  /** Threads actually working (1 when the workers could not start). */
  readonly threads: number;
  close(): void;
}

/** How long a worker may take to start before the fit goes on without it. */
const START_TIMEOUT_MS = 30_000;

/**
 * An execution on `threads` threads (this one plus threads - 1 workers) when the workspace is shared and
 * the worker script exists; otherwise, or if a worker fails to start, everything runs in this thread.
 * Workers are started here and finish starting while the caller goes on (binning); the first task waits.
 * `meta` must be views on the workspace's own per-feature arrays (filled before the first tree).
 */
export function executorFor(
  ws: Workspace,
  meta: FeatureMeta,
  params: GrowParams,
  threads: number,
  gradientSpec: GradientSpec,
): Execution {
  const local = localExecutor(ws, meta, params);
  const n = ws.layout.nRows;
  const context: ThreadContext = {
    kernels: ws.kernels,
    layout: ws.layout,
    memory: ws.memory,
    mailbox: ws.mailbox,
    results: ws.results,
    control: ws.control,
    meta,
    params,
    loss: lossFor(gradientSpec.loss, gradientSpec.nClasses),
    weighted: gradientSpec.weighted,
    threads: 1,
    thread: 0,
  };
  const localGradients = () => gradientRows(context, 0, n);
  threads = Math.min(threads, MAX_THREADS, ws.layout.nFeatures);
  if (threads <= 1 || !ws.shared || !histWorkersAvailable()) {
    return { executor: local, gradients: localGradients, threads: 1, close: () => {} };
  }
  const control = ws.control;
  const workers: Worker[] = [];
  for (let t = 1; t < threads; t++) {
    const input: WorkerInput = {
      memory: ws.memory,
      layout: ws.layout,
      missingBin: meta.missingBin,
      params,
      gradients: gradientSpec,
      threads,
      thread: t,
    };
    const worker = new Worker(WORKER_URL, { workerData: input });
    worker.unref();
    workers.push(worker);
  }
  const mine: ThreadContext = { ...context, threads };
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
  /** True once every worker is ready; false (and workers ended) if one failed or timed out. */
  const running = (): boolean => {
    if (state === "starting") {
      for (let t = 1; t < threads; t++) {
        const at = C_WORKER + C_STRIDE * (t - 1);
        if (!waitWhile(control, at, 0, START_TIMEOUT_MS) || Atomics.load(control, at + 2) !== 0) {
          close();
          return false;
        }
      }
      state = "running";
    }
    return state === "running";
  };
  /** Posts a task, does this thread's share, waits for the workers' shares; returns this thread's result. */
  const run = (task: number): number => {
    Atomics.store(control, C_TASK, task);
    const seq = Atomics.add(control, C_SEQ, 1) + 1;
    Atomics.notify(control, C_SEQ);
    const result = runTask(mine, task);
    for (let t = 1; t < threads; t++) {
      const at = C_WORKER + C_STRIDE * (t - 1);
      for (let done = Atomics.load(control, at + 1); done !== seq; done = Atomics.load(control, at + 1)) {
        waitWhile(control, at + 1, done);
      }
      if (Atomics.load(control, at + 2) !== 0) {
        close();
        throw new MlshipError({
          what: "a histogram worker thread failed during fit",
          fix: "retry with nJobs: 1 to build the histograms in the main thread",
          code: "E_MODEL_WORKER",
        });
      }
    }
    return result;
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
  const executor: SplitExecutor = {
    root(gh, slot, stats) {
      if (!running()) return local.root(gh, slot, stats);
      const m = ws.mailbox;
      m[M_GH] = gh;
      m[M_SLOT] = slot;
      writeStats(m, M_LEFT, stats);
      run(TASK_ROOT);
      merge(1);
    },
    children(gh, parentSlot, smallSlot, start, count, leftIsSmall, left, right) {
      if (!running())
        return local.children(gh, parentSlot, smallSlot, start, count, leftIsSmall, left, right);
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
      run(TASK_CHILDREN);
      merge(2);
    },
    partition(f, start, count) {
      if (count < PARALLEL_PARTITION_ROWS || !running()) return local.partition(f, start, count);
      const m = ws.mailbox;
      m[M_FEATURE] = f;
      m[M_START] = start;
      m[M_COUNT] = count;
      const lefts = [run(TASK_PARTITION)];
      for (let t = 1; t < threads; t++) lefts.push(Atomics.load(control, C_WORKER + C_STRIDE * (t - 1) + 3));
      // chunk t's rows went to tmp / tmp2 at its own offset: the left runs in chunk order, then the right ones
      const mem = new Int32Array(ws.memory.buffer);
      const { idx, tmp, tmp2 } = ws.layout;
      let to = idx / 4 + start;
      for (let t = 0; t < threads; t++) {
        const from = tmp / 4 + start + share(count, threads, t)[0];
        mem.copyWithin(to, from, from + lefts[t]);
        to += lefts[t];
      }
      for (let t = 0; t < threads; t++) {
        const [q0, q1] = share(count, threads, t);
        const from = tmp2 / 4 + start + q0;
        mem.copyWithin(to, from, from + (q1 - q0 - lefts[t]));
        to += q1 - q0 - lefts[t];
      }
      return lefts.reduce((a, b) => a + b, 0);
    },
  };
  return {
    executor,
    gradients: () => {
      if (running()) run(TASK_GRADIENTS);
      else localGradients();
    },
    get threads() {
      return state === "local" ? 1 : threads;
    },
    close,
  };
}
