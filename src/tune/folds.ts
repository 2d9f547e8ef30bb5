/**
 * Where a trial's CV folds run: in this thread, or on a pool of worker threads started once per study
 * (each loads every model and receives the data once, then runs folds of whatever configuration it is
 * sent). Results are the same either way; only the time differs, so the pool starts only when the first
 * trial shows the study is long enough to repay it.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MlshipError } from "../core/errors.js";
import { type Column, Frame } from "../core/frame.js";
import type { EstimatorJSON } from "../core/protocol.js";
import { type FoldJob, type FoldResult, runFold } from "../evaluate/crossValidate.js";
import type { MetricName } from "../spec/index.js";

/** The data side of a fold job: the same for every trial of a study. */
export type FoldData = Omit<FoldJob, "estimator">;

export interface FoldRunner {
  /** Threads running folds: 1 = this thread. */
  readonly threads: number;
  /** Fits and scores fold `fold` of `estimator`; the promises of one trial settle in any order. */
  run(estimator: EstimatorJSON, fold: number): Promise<FoldResult<MetricName>>;
  /** Drops the folds queued for `estimator` that no thread has started (a pruned trial's). */
  cancel(estimator: EstimatorJSON): void;
  close(): Promise<void>;
}

/** Folds in this thread, one at a time, yielding between folds so timers and progress keep running. */
export function inThread(data: FoldData): FoldRunner {
  const X = new Frame(data.X, data.nRows);
  return {
    threads: 1,
    run: async (estimator, fold) => {
      await new Promise((resolve) => setImmediate(resolve));
      return runFold({ ...data, estimator }, X, fold);
    },
    cancel: () => {},
    close: async () => {},
  };
}

const WORKER_URL = new URL("./fold-worker.js", import.meta.url);

/** The worker script exists beside this module in the compiled package, not in TypeScript sources. */
export function foldWorkersAvailable(): boolean {
  return WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
}

/** What the main thread sends a worker, and what it answers. */
export type FoldRequest = { id: number; estimator: EstimatorJSON; fold: number };
export type FoldReply =
  | { id: number; result: FoldResult<MetricName> }
  | { id: number; error: { what: string; fix?: string; code: string } };

interface Task {
  id: number;
  estimator: EstimatorJSON;
  fold: number;
  resolve: (r: FoldResult<MetricName>) => void;
  reject: (e: unknown) => void;
}

/** Typed arrays copied into shared memory, so every worker reads the one copy instead of its own. */
function shareColumn(c: Column): Column {
  const share = <T extends Float64Array | Int32Array | Int8Array>(a: T): T => {
    const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  switch (c.type) {
    case "numeric":
    case "datetime":
      return { ...c, values: share(c.values) } as Column;
    case "categorical":
      return { ...c, codes: share(c.codes) } as Column;
    case "boolean":
      return { ...c, values: share(c.values) } as Column;
  }
}

/** A pool of `n` workers fed from one queue. */
export function workerPool(data: FoldData, n: number): FoldRunner {
  const shared: FoldData = {
    ...data,
    X: data.X.map(([name, c]) => [name, shareColumn(c)] as const),
    y: data.y === null ? null : shareColumn(data.y),
  };
  const queue: Task[] = [];
  const running = new Map<Worker, Task>();
  const idle: Worker[] = [];
  let nextId = 0;
  let broken: unknown = null;
  const workers: Worker[] = [];

  const dispatch = (): void => {
    while (idle.length > 0 && queue.length > 0) {
      const w = idle.pop()!;
      const task = queue.shift()!;
      running.set(w, task);
      w.postMessage({ id: task.id, estimator: task.estimator, fold: task.fold } satisfies FoldRequest);
    }
  };
  const failAll = (err: unknown): void => {
    broken = err;
    for (const t of [...queue.splice(0), ...running.values()]) t.reject(err);
    running.clear();
  };
  for (let i = 0; i < n; i++) {
    const w = new Worker(WORKER_URL, { workerData: shared });
    w.on("message", (reply: FoldReply) => {
      const task = running.get(w);
      running.delete(w);
      idle.push(w);
      if (task && task.id === reply.id) {
        if ("error" in reply) {
          task.reject(
            new MlshipError({
              what: reply.error.what,
              ...(reply.error.fix === undefined ? {} : { fix: reply.error.fix }),
              code: reply.error.code,
            }),
          );
        } else task.resolve(reply.result);
      }
      dispatch();
    });
    w.on("error", (err) =>
      failAll(
        new MlshipError(
          {
            what: `a tuning worker thread stopped: ${err.message}`,
            fix: "run with --jobs 1 to keep every fold in the main thread",
            code: "E_TUNE_WORKER",
          },
          { cause: err },
        ),
      ),
    );
    workers.push(w);
    idle.push(w);
  }
  return {
    threads: n,
    run: (estimator, fold) =>
      new Promise((resolve, reject) => {
        if (broken !== null) {
          reject(broken);
          return;
        }
        queue.push({ id: nextId++, estimator, fold, resolve, reject });
        dispatch();
      }),
    cancel: (estimator) => {
      for (let i = queue.length - 1; i >= 0; i--) if (queue[i].estimator === estimator) queue.splice(i, 1);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
