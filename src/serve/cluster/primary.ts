/**
 * `mlship serve --workers N`: the primary process forks N workers that each open the store and serve
 * on the shared port (node:cluster hands connections to them round-robin), restarts one that dies, and
 * on stop tells every worker to drain and waits for them. It also answers the workers' scrapes: it asks
 * each live worker for its metrics, sums them (prom-client's AggregatorRegistry: counters and
 * histograms add up, gauges by their own rule) and adds its own, so /metrics on any worker describes
 * the whole cluster.
 */
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, Counter, Gauge, Registry } from "prom-client";
import { MlshipError } from "../../core/errors.js";
import {
  type ErrorJson,
  isMessage,
  type MetricsJson,
  type ToPrimary,
  type ToWorker,
  workerEnv,
} from "./protocol.js";

/** A worker that dies before serving, or within this long of it, counts as failing at start-up. */
const quickMs = 10_000;
/** Consecutive quick failures of one slot before the primary gives up. */
const maxQuickFailures = 5;
const backoffMs = (quickFailures: number) => Math.min(250 * 2 ** (quickFailures - 1), 5_000);
/** How long a scrape waits for the workers; a stuck worker leaves its numbers out, not the scrape. */
const collectTimeoutMs = 3_000;
/** Workers close their connections after 10 s of draining; this covers that plus closing the store. */
const stopTimeoutMs = 20_000;

interface Slot {
  index: number;
  worker?: Worker;
  /** When the current worker started serving; 0 while it starts. */
  readyAt: number;
  quickFailures: number;
  lastError?: ErrorJson;
  restart?: NodeJS.Timeout;
}

export interface ClusterOptions {
  workers: number;
  /** One line for the operator (stderr). */
  say(line: string): void;
}

function exitOf(code: number | null, signal: string | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

function errorOf(e: ErrorJson): MlshipError {
  return new MlshipError(e);
}

export class WorkerCluster {
  private readonly slots: Slot[];
  private started = false;
  private stopping = false;
  private readonly registry = new Registry();
  private readonly restarts: Counter;
  private nextScrape = 0;
  private readonly collecting = new Map<
    number,
    { responses: MetricsJson[]; waiting: Set<number>; finish(): void }
  >();
  private giveUp!: (err: MlshipError) => void;
  /** Rejects when the cluster cannot keep its workers up; never resolves. */
  readonly failed = new Promise<never>((_resolve, reject) => {
    this.giveUp = reject;
  });

  constructor(private readonly options: ClusterOptions) {
    this.slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      readyAt: 0,
      quickFailures: 0,
    }));
    const registers = [this.registry];
    const slots = this.slots;
    new Gauge({
      name: "mlship_cluster_workers",
      help: "Workers of the --workers cluster that are up",
      registers,
      collect() {
        this.set(slots.filter((s) => s.worker?.isConnected()).length);
      },
    });
    new Gauge({
      name: "mlship_cluster_worker_pid",
      help: "Process id of the worker in each slot",
      labelNames: ["worker"],
      registers,
      collect() {
        this.reset();
        for (const s of slots) {
          const pid = s.worker?.process.pid;
          if (pid !== undefined && s.worker?.isConnected()) this.set({ worker: String(s.index) }, pid);
        }
      },
    });
    this.restarts = new Counter({
      name: "mlship_cluster_worker_restarts_total",
      help: "Workers restarted after they died",
      registers,
    });
    this.failed.catch(() => undefined);
  }

  /** Forks every worker and resolves with the address once all listen; rejects with the first failure. */
  async start(): Promise<string> {
    cluster.on("message", (worker, message) => this.onMessage(worker, message));
    const started = this.slots.map((slot) => this.fork(slot));
    try {
      const addresses = await Promise.all(started);
      this.started = true;
      return addresses[0];
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private fork(slot: Slot): Promise<string> {
    slot.readyAt = 0;
    slot.lastError = undefined;
    const worker = cluster.fork({ [workerEnv]: String(slot.index) });
    slot.worker = worker;
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on("message", (m: unknown) => {
        if (!isMessage<ToPrimary>(m)) return;
        if (m.mlship === "ready") {
          ready = true;
          slot.readyAt = Date.now();
          resolve(m.address);
        } else if (m.mlship === "failed") slot.lastError = m.error;
      });
      worker.on("exit", (code, signal) => {
        for (const c of this.collecting.values()) {
          c.waiting.delete(worker.id);
          if (c.waiting.size === 0) c.finish();
        }
        if (!ready) {
          reject(
            slot.lastError
              ? errorOf(slot.lastError)
              : new MlshipError({
                  what: `worker ${slot.index} stopped before it could serve (${exitOf(code, signal)})`,
                  fix: "see the worker's messages above",
                  code: "E_SERVE_WORKERS",
                }),
          );
        }
        if (slot.worker === worker) slot.worker = undefined;
        // Before the cluster is up a failure fails start() instead: it would fail again on restart.
        if (this.started && !this.stopping) this.died(slot, code, signal);
      });
    });
  }

  private died(slot: Slot, code: number | null, signal: string | null): void {
    const quick = slot.readyAt === 0 || Date.now() - slot.readyAt < quickMs;
    slot.quickFailures = quick ? slot.quickFailures + 1 : 0;
    if (slot.quickFailures >= maxQuickFailures) {
      const last = slot.lastError;
      this.options.say(`worker ${slot.index} (${exitOf(code, signal)}): failing at start-up, giving up`);
      void this.stop().then(() =>
        this.giveUp(
          new MlshipError({
            what: `worker ${slot.index} died ${slot.quickFailures} times in a row, each before or within ${quickMs / 1000} s of serving (last: ${last ? last.what : exitOf(code, signal)})`,
            ...(last?.where === undefined ? {} : { where: last.where }),
            fix:
              last?.fix ??
              "see the workers' messages above; the server stopped rather than restart them forever",
            code: "E_SERVE_WORKERS",
          }),
        ),
      );
      return;
    }
    const delay = slot.quickFailures === 0 ? 0 : backoffMs(slot.quickFailures);
    this.options.say(
      `worker ${slot.index} ${exitOf(code, signal)}: restarting it${delay ? ` in ${delay} ms` : ""}`,
    );
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      if (this.stopping) return;
      this.restarts.inc();
      // A restarted worker that fails again is handled by its exit, like the first.
      this.fork(slot).catch(() => undefined);
    }, delay);
  }

  /** Tells every worker to drain and waits for all to exit (killing any still there after 20 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.slots) clearTimeout(s.restart);
    const live = this.slots.flatMap((s) => (s.worker && !s.worker.isDead() ? [s.worker] : []));
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            const kill = setTimeout(() => w.process.kill("SIGKILL"), stopTimeoutMs);
            w.once("exit", () => {
              clearTimeout(kill);
              resolve();
            });
            if (w.isConnected()) w.send({ mlship: "stop" } satisfies ToWorker);
            else w.process.kill("SIGTERM");
          }),
      ),
    );
  }

  private onMessage(from: Worker, m: unknown): void {
    if (!isMessage<ToPrimary>(m)) return;
    if (m.mlship === "scrape") void this.scrape(from, m.id);
    else if (m.mlship === "collected") {
      const c = this.collecting.get(m.id);
      if (c === undefined || !c.waiting.has(from.id)) return;
      c.responses.push(m.metrics);
      c.waiting.delete(from.id);
      if (c.waiting.size === 0) c.finish();
    }
  }

  private async scrape(from: Worker, scrapeId: number): Promise<void> {
    const id = this.nextScrape++;
    const live = this.slots.flatMap((s) => (s.worker?.isConnected() ? [s.worker] : []));
    const responses = await new Promise<MetricsJson[]>((resolve) => {
      const c = {
        responses: [] as MetricsJson[],
        waiting: new Set(live.map((w) => w.id)),
        finish: () => {
          clearTimeout(timer);
          this.collecting.delete(id);
          resolve(c.responses);
        },
      };
      const timer = setTimeout(c.finish, collectTimeoutMs);
      this.collecting.set(id, c);
      for (const w of live) w.send({ mlship: "collect", id } satisfies ToWorker);
      if (live.length === 0) c.finish();
    });
    const text = (await AggregatorRegistry.aggregate(responses).metrics()) + (await this.registry.metrics());
    if (from.isConnected()) from.send({ mlship: "scraped", id: scrapeId, text } satisfies ToWorker);
  }
}
