/**
 * Monitoring inside a server, off its event loop. A check reads and parses a window of the log and
 * runs every test; a report renders charts; both take from tens of milliseconds to seconds, which on
 * the thread answering predictions would stall every request in flight. So a MonitorService runs them,
 * the periodic loop, its webhooks and the request-stats writes on a worker thread with its own store
 * connection (like another process sharing the WAL file), and the server only passes messages.
 *
 * The thread's script is the compiled service-worker.js beside this module; running from TypeScript
 * sources (the tests), there is none and the same work runs in the calling thread instead.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { MlshipError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { alertRules, type CheckOptions, checkModel, type MonitoringState } from "./check.js";
import { type EventQuery, listEvents, type MonitorEvent, recordAlerts } from "./events.js";
import { renderReportHtml } from "./html.js";
import { type LoopLogger, MonitorLoop, type MonitorLoopOptions } from "./loop.js";
import { buildReport, type MonitorReport } from "./report.js";
import { type MinuteStats, writeRequestStats } from "./traffic.js";
import { loadVersionProfile, type VersionProfile } from "./training.js";

export interface MonitorServiceOptions extends MonitorLoopOptions {
  /** Run the periodic loop here (default true; one process of a cluster runs it). */
  loop?: boolean;
  /** Use a worker thread when the compiled one exists (default true). */
  thread?: boolean;
}

/** What runs a check now and records its alerts (the API's POST .../check). */
export interface CheckResult {
  state: MonitoringState;
  events: MonitorEvent[];
}

/** The operations a service offers, the same in the thread and in-process. */
export interface MonitorOps {
  check(options: CheckOptions): Promise<MonitoringState>;
  checkAndAlert(options: CheckOptions): Promise<CheckResult>;
  report(options: CheckOptions): Promise<MonitorReport>;
  reportHtml(options: CheckOptions): Promise<string>;
  events(query: EventQuery): Promise<MonitorEvent[]>;
  profile(model: string, version?: number | string): Promise<VersionProfile>;
  writeStats(process: string, rows: MinuteStats[]): Promise<void>;
}

/** The operations on a store, in the current thread. */
export class LocalMonitor implements MonitorOps {
  readonly loop: MonitorLoop;

  constructor(
    readonly store: Store,
    private readonly options: MonitorServiceOptions = {},
  ) {
    this.loop = new MonitorLoop(store, options);
  }

  async start(): Promise<void> {
    if (this.options.loop !== false) await this.loop.start();
  }

  private async settings(options: CheckOptions): Promise<CheckOptions> {
    if (options.monitoring) return options;
    const own = this.options.monitoring?.[options.model];
    return own ? { ...options, monitoring: own } : options;
  }

  async check(options: CheckOptions): Promise<MonitoringState> {
    return checkModel(this.store, await this.settings(options));
  }

  async checkAndAlert(options: CheckOptions): Promise<CheckResult> {
    const state = await this.check(options);
    const { profile } = await loadVersionProfile(this.store, state.model, state.version);
    const webhook = state.monitoring.webhook;
    const events = await recordAlerts(this.store, state, alertRules(state.monitoring, profile?.constraints), {
      webhook: webhook !== undefined,
    });
    if (webhook) for (const e of events) this.loop.webhooks.send(e, webhook);
    return { state, events };
  }

  async report(options: CheckOptions): Promise<MonitorReport> {
    return buildReport(this.store, await this.settings(options));
  }

  async reportHtml(options: CheckOptions): Promise<string> {
    return renderReportHtml(await this.report(options));
  }

  events(query: EventQuery): Promise<MonitorEvent[]> {
    return listEvents(this.store, query);
  }

  profile(model: string, version?: number | string): Promise<VersionProfile> {
    return loadVersionProfile(this.store, model, version);
  }

  writeStats(process: string, rows: MinuteStats[]): Promise<void> {
    return writeRequestStats(this.store, process, rows);
  }

  async close(): Promise<void> {
    await this.loop.stop();
  }
}

const workerUrl = new URL("./service-worker.js", import.meta.url);

/** The compiled thread script exists beside this module in dist/, not in the TypeScript sources. */
export function monitorThreadAvailable(): boolean {
  return workerUrl.protocol === "file:" && existsSync(fileURLToPath(workerUrl));
}

export interface WorkerData {
  storePath: string;
  options: Omit<MonitorServiceOptions, "log" | "now" | "thread">;
}

export type ToThread = { id: number; op: keyof MonitorOps; args: unknown[] } | { id: number; op: "close" };

export type FromThread =
  | { id: number; result: unknown }
  | { id: number; error: { what: string; where?: string; fix?: string; code: string; internal?: boolean } }
  | { log: "info" | "warn"; obj: Record<string, unknown>; msg: string }
  | { ready: true }
  | { failed: { what: string; code: string } };

/** Errors cross the thread as plain data and come back as MlshipErrors. */
export function errorData(err: unknown): Extract<FromThread, { error: unknown }>["error"] {
  if (err instanceof MlshipError) {
    return {
      what: err.what,
      ...(err.where === undefined ? {} : { where: err.where }),
      ...(err.fix === undefined ? {} : { fix: err.fix }),
      code: err.code,
    };
  }
  return { what: err instanceof Error ? err.message : String(err), code: "E_INTERNAL", internal: true };
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** The operations, run on the worker thread. */
class ThreadMonitor implements MonitorOps {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private ready: Promise<void> | undefined;
  private exited = false;

  constructor(
    private readonly storePath: string,
    private readonly options: MonitorServiceOptions,
    private readonly log: LoopLogger,
  ) {}

  /** Started on first need, so a server is listening before the thread competes for the CPU. */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const { log: _log, now: _now, thread: _thread, ...rest } = this.options;
    const workerData: WorkerData = { storePath: this.storePath, options: rest };
    const worker = new Worker(workerUrl, { workerData });
    this.worker = worker;
    // An idle monitor must not keep a finished process alive; calls in flight hold it (call()).
    worker.unref();
    let started: () => void = () => {};
    let failed: (e: unknown) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    worker.on("message", (m: FromThread) => {
      if ("ready" in m) return started();
      if ("failed" in m) return failed(new MlshipError(m.failed));
      if ("log" in m) {
        this.log[m.log](m.obj, m.msg);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) worker.unref();
      if ("error" in m) p.reject(new MlshipError(m.error));
      else p.resolve(m.result);
    });
    const fail = (err: unknown) => {
      this.exited = true;
      failed(err);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the monitor thread exited (code ${code})`)));
    return worker;
  }

  start(): Promise<void> {
    this.thread();
    return this.ready as Promise<void>;
  }

  private call<T>(op: ToThread["op"], args: unknown[] = []): Promise<T> {
    if (this.exited)
      return Promise.reject(
        new MlshipError({ what: "the monitor thread is not running", code: "E_MONITOR_STOPPED" }),
      );
    const worker = this.thread();
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.ref();
      worker.postMessage({ id, op, args } satisfies ToThread);
    });
  }

  check = (o: CheckOptions) => this.call<MonitoringState>("check", [o]);
  checkAndAlert = (o: CheckOptions) => this.call<CheckResult>("checkAndAlert", [o]);
  report = (o: CheckOptions) => this.call<MonitorReport>("report", [o]);
  reportHtml = (o: CheckOptions) => this.call<string>("reportHtml", [o]);
  events = (q: EventQuery) => this.call<MonitorEvent[]>("events", [q]);
  profile = (model: string, version?: number | string) =>
    this.call<VersionProfile>("profile", [model, version]);
  writeStats = (process: string, rows: MinuteStats[]) => this.call<void>("writeStats", [process, rows]);

  async close(): Promise<void> {
    const worker = this.worker;
    if (this.exited || worker === undefined) return;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    await this.call("close").catch(() => undefined);
    worker.ref();
    await exited;
  }
}

/** Monitoring for a server: on a worker thread when possible, else in this thread. */
export class MonitorService implements MonitorOps {
  private readonly impl: LocalMonitor | ThreadMonitor;
  /** Whether the work runs on a worker thread. */
  readonly threaded: boolean;

  constructor(store: Store, options: MonitorServiceOptions = {}) {
    const log = options.log ?? { info() {}, warn() {} };
    this.threaded = options.thread !== false && store.dialect === "sqlite" && monitorThreadAvailable();
    this.impl = this.threaded
      ? new ThreadMonitor(store.path, options, log)
      : new LocalMonitor(store, options);
  }

  start(): Promise<void> {
    return this.impl.start();
  }

  check = (o: CheckOptions) => this.impl.check(o);
  checkAndAlert = (o: CheckOptions) => this.impl.checkAndAlert(o);
  report = (o: CheckOptions) => this.impl.report(o);
  reportHtml = (o: CheckOptions) => this.impl.reportHtml(o);
  events = (q: EventQuery) => this.impl.events(q);
  profile = (model: string, version?: number | string) => this.impl.profile(model, version);
  writeStats = (process: string, rows: MinuteStats[]) => this.impl.writeStats(process, rows);

  close(): Promise<void> {
    return this.impl.close();
  }
}
