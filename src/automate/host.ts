/**
 * The retraining loop beside a server (`mlship serve --watch`, the demo): a retraining cross-validates
 * and fits models for seconds to minutes, which on the thread answering predictions would stall every
 * request. So a WatchHost runs the Watcher on a worker thread with its own store connection (like
 * another process sharing the WAL file) and only passes messages: rounds and steps come back as plain
 * data. Running from the TypeScript sources (the tests) there is no compiled thread script, and the
 * same Watcher runs in the calling thread instead.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MlshipError } from "../core/errors.js";
import type { MonitoringState } from "../monitor/index.js";
import { loadSpec } from "../spec/index.js";
import { openStore, type Store } from "../store/index.js";
import type { Comparison } from "./compare.js";
import type { Decision } from "./decisions.js";
import type { RetrainStep } from "./retrain.js";
import type { TriggerResult } from "./triggers.js";
import { type RoundReport, Watcher } from "./watch.js";

/** A retraining step as plain data (what crosses the thread boundary). */
export type StepSummary =
  | { step: "triggered"; triggers: TriggerResult[]; state: MonitoringState }
  | { step: "data"; data: NonNullable<Decision["data"]>; sources: string[] }
  | {
      step: "trained";
      version: number;
      runId: string;
      model: string;
      holdout: Record<string, number>;
      trainRows: number;
      candidates: Array<{ name: string; score: number }>;
    }
  | { step: "compared"; comparison: Comparison };

export function stepSummary(s: RetrainStep): StepSummary {
  if (s.step !== "trained") return s;
  const summary = s.training.result.summary;
  const m = summary.metric.primary;
  return {
    step: "trained",
    version: s.training.registration.version,
    runId: s.training.runId,
    model: summary.best,
    holdout: summary.holdout,
    trainRows: summary.split.train,
    candidates: summary.candidates.map((c) => ({ name: c.name, score: c.cv[m]?.mean ?? Number.NaN })),
  };
}

export interface WatchHostOptions {
  storePath: string;
  specPath: string;
  /** Run the periodic loop (default true); false: rounds only when asked (the demo tells its story so). */
  loop?: boolean;
  /** Use a worker thread when the compiled script exists (default true). */
  thread?: boolean;
  onRound?: (r: RoundReport) => void;
  onStep?: (s: StepSummary) => void;
  onError?: (e: { what: string; code: string }) => void;
}

export interface ThreadData {
  storePath: string;
  specPath: string;
  loop: boolean;
}

export type ToThread = { op: "round" | "stop"; id: number };
export type FromThread =
  | { ready: true }
  | { failed: { what: string; code: string; where?: string; fix?: string } }
  | { round: RoundReport }
  | { step: StepSummary }
  | { error: { what: string; code: string } }
  | {
      id: number;
      result?: RoundReport | null;
      error?: { what: string; code: string; where?: string; fix?: string };
    };

export function errorData(err: unknown): { what: string; code: string; where?: string; fix?: string } {
  if (err instanceof MlshipError) {
    return {
      what: err.what,
      code: err.code,
      ...(err.where ? { where: err.where } : {}),
      ...(err.fix ? { fix: err.fix } : {}),
    };
  }
  return { what: err instanceof Error ? err.message : String(err), code: "E_INTERNAL" };
}

/** The project a spec path names (the folder relative data paths resolve against is the spec's). */
export function projectOf(specPath: string) {
  return { spec: loadSpec(specPath), specPath, baseDir: dirname(specPath) };
}

const workerUrl = new URL("./watch-worker.js", import.meta.url);

export function watchThreadAvailable(): boolean {
  return workerUrl.protocol === "file:" && existsSync(fileURLToPath(workerUrl));
}

export class WatchHost {
  private constructor(
    private readonly worker: Worker | null,
    private readonly local: { store: Store; watcher: Watcher } | null,
    private readonly pending: Map<
      number,
      { resolve: (r: RoundReport) => void; reject: (e: unknown) => void }
    >,
  ) {}

  private nextId = 0;

  static async start(options: WatchHostOptions): Promise<WatchHost> {
    const loop = options.loop !== false;
    if (options.thread === false || !watchThreadAvailable()) {
      const store = await openStore(options.storePath, { create: false });
      try {
        const watcher = new Watcher({
          store,
          project: projectOf(options.specPath),
          ...(options.onRound ? { onRound: options.onRound } : {}),
          ...(options.onStep ? { onStep: (s: RetrainStep) => options.onStep?.(stepSummary(s)) } : {}),
          onError: (err) => options.onError?.(errorData(err)),
        });
        if (loop) watcher.start();
        return new WatchHost(null, { store, watcher }, new Map());
      } catch (err) {
        await store.close();
        throw err;
      }
    }
    const data: ThreadData = { storePath: options.storePath, specPath: options.specPath, loop };
    const worker = new Worker(workerUrl, { workerData: data });
    const pending = new Map<number, { resolve: (r: RoundReport) => void; reject: (e: unknown) => void }>();
    await new Promise<void>((resolve, reject) => {
      worker.on("message", (m: FromThread) => {
        if ("ready" in m) resolve();
        else if ("failed" in m) reject(new MlshipError(m.failed));
        else if ("round" in m) options.onRound?.(m.round);
        else if ("step" in m) options.onStep?.(m.step);
        else if ("error" in m && !("id" in m)) options.onError?.(m.error);
        else if ("id" in m) {
          const p = pending.get(m.id);
          pending.delete(m.id);
          if (m.error) p?.reject(new MlshipError(m.error));
          else p?.resolve(m.result as RoundReport);
        }
      });
      worker.once("error", (err) => {
        reject(err);
        for (const p of pending.values()) p.reject(err);
        pending.clear();
        options.onError?.(errorData(err));
      });
    });
    return new WatchHost(worker, null, pending);
  }

  /** One round now; resolves with its report. */
  round(): Promise<RoundReport> {
    if (this.local) return this.local.watcher.round();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker?.postMessage({ op: "round", id } satisfies ToThread);
    });
  }

  private stopped: Promise<void> | null = null;

  /**
   * Stops the loop (a retraining in progress finishes first) and closes the store connection. Safe to
   * call again: a second stop must not wait for the exit of a thread that has already exited.
   */
  stop(): Promise<void> {
    this.stopped ??= this.stopOnce();
    return this.stopped;
  }

  private async stopOnce(): Promise<void> {
    if (this.local) {
      await this.local.watcher.stop();
      await this.local.store.close();
      return;
    }
    const worker = this.worker as Worker;
    const id = ++this.nextId;
    await new Promise<void>((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      worker.once("exit", () => resolve());
      worker.postMessage({ op: "stop", id } satisfies ToThread);
    });
    await worker.terminate();
  }
}
