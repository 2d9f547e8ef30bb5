/**
 * The session API for scripts and for `mlship train`: a run that is started, logged to and ended, with
 * heartbeats while it lives.
 *
 *   await using run = await startRun({ store, experiment: "churn" });
 *   await run.logParams({ model: "rf" });
 *   await run.logMetrics({ roc_auc: 0.87 });
 *
 * or `withRun(options, async (run) => ...)`, which ends the run FINISHED, or FAILED when the callback
 * throws. JavaScript does not tell a disposer whether its scope threw, so `await using` ends the run
 * FINISHED unless it was ended before: catch and call `run.fail(err)`, or use withRun, to record failures.
 */
import type { Store } from "../store/index.js";
import { logArtifact } from "./artifacts.js";
import { getOrCreateExperiment } from "./experiments.js";
import { startHeartbeat, stopHeartbeat } from "./heartbeat.js";
import { type Batch, logBatch, logInputs } from "./log.js";
import { createRun, getRun, updateRun } from "./runs.js";
import { captureSource } from "./source.js";
import type { Run, RunArtifact, RunInput, RunSource, RunStatus } from "./types.js";

export interface StartRunOptions {
  store: Store;
  /** Experiment name, created when missing; default "Default" (MLflow's default experiment's name). */
  experiment?: string;
  /** Takes precedence over `experiment`. */
  experimentId?: string;
  name?: string;
  parent?: ActiveRun | string;
  tags?: Record<string, string>;
  params?: Record<string, unknown>;
  /** Default: captured now (git commit and dirty flag, command line, versions, host) with `seed`. */
  source?: Partial<RunSource>;
  seed?: number;
  /** Heartbeat interval; default 10 s. */
  heartbeatMs?: number;
}

export type ChildRunOptions = Omit<StartRunOptions, "store" | "experiment" | "experimentId" | "parent">;

export class ActiveRun implements AsyncDisposable {
  #ended = false;

  constructor(
    readonly store: Store,
    readonly runId: string,
    readonly experimentId: string,
    readonly source: RunSource,
  ) {}

  get ended(): boolean {
    return this.#ended;
  }

  logParams(params: Record<string, unknown>): Promise<void> {
    return logBatch(this.store, this.runId, { params });
  }

  /** `{ name: value }` at one step (default 0) and one timestamp (default now). */
  logMetrics(
    metrics: Record<string, number>,
    options: { step?: number; timestamp?: number } = {},
  ): Promise<void> {
    const timestamp = options.timestamp ?? Date.now();
    return logBatch(this.store, this.runId, {
      metrics: Object.entries(metrics).map(([key, value]) => ({
        key,
        value,
        step: options.step ?? 0,
        timestamp,
      })),
    });
  }

  setTags(tags: Record<string, string>): Promise<void> {
    return logBatch(this.store, this.runId, { tags });
  }

  logBatch(batch: Batch): Promise<void> {
    return logBatch(this.store, this.runId, batch);
  }

  logArtifact(
    path: string,
    data: Uint8Array | string,
    options: { mediaType?: string } = {},
  ): Promise<RunArtifact> {
    return logArtifact(this.store, this.runId, path, data, options);
  }

  logInputs(inputs: RunInput[]): Promise<void> {
    return logInputs(this.store, this.runId, inputs);
  }

  /** A child run in the same experiment (a CV fold, a candidate, a tuning trial), sharing this run's source. */
  startChild(options: ChildRunOptions = {}): Promise<ActiveRun> {
    return startRun({
      source: this.source,
      ...options,
      store: this.store,
      experimentId: this.experimentId,
      parent: this,
    });
  }

  /** The run as stored now. */
  get(): Promise<Run> {
    return getRun(this.store, this.runId);
  }

  /** Ends the run (FINISHED by default); later calls do nothing. */
  async end(status: RunStatus = "FINISHED"): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    stopHeartbeat(this.store.path, this.runId);
    await updateRun(this.store, this.runId, { status });
  }

  /** Ends the run FAILED, keeping the error's message as the tag `mlship.failure`. */
  async fail(error: unknown): Promise<void> {
    if (this.#ended) return;
    const message = error instanceof Error ? error.message : String(error);
    try {
      await this.setTags({ "mlship.failure": message.slice(0, 4000) });
    } finally {
      await this.end("FAILED");
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.end("FINISHED");
  }
}

export async function startRun(options: StartRunOptions): Promise<ActiveRun> {
  const { store } = options;
  const experimentId =
    options.experimentId ??
    (await getOrCreateExperiment(store, options.experiment ?? "Default")).experimentId;
  const source: RunSource = { ...captureSourceUnlessGiven(options), ...options.source };
  const parentRunId =
    options.parent === undefined
      ? null
      : typeof options.parent === "string"
        ? options.parent
        : options.parent.runId;
  const run = await createRun(store, {
    experimentId,
    parentRunId,
    source,
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.tags === undefined ? {} : { tags: options.tags }),
  });
  const active = new ActiveRun(store, run.runId, experimentId, source);
  startHeartbeat(store.path, run.runId, options.heartbeatMs);
  if (options.params) {
    try {
      await active.logParams(options.params);
    } catch (err) {
      await active.fail(err).catch(() => {});
      throw err;
    }
  }
  return active;
}

function captureSourceUnlessGiven(options: StartRunOptions): RunSource {
  const given = options.source;
  const complete = given && "command" in given && "host" in given && "gitCommit" in given;
  return complete ? (given as RunSource) : captureSource({ seed: options.seed ?? null });
}

/** Runs `fn` inside a run: FINISHED when it returns, FAILED (and the error rethrown) when it throws. */
export async function withRun<T>(options: StartRunOptions, fn: (run: ActiveRun) => Promise<T>): Promise<T> {
  const run = await startRun(options);
  let result: T;
  try {
    result = await fn(run);
  } catch (err) {
    // The callback's error is what the caller needs; failing to record it must not replace it.
    await run.fail(err).catch(() => {});
    throw err;
  }
  await run.end("FINISHED");
  return result;
}
