/**
 * A worker's side of the cluster's IPC: it hands its metrics to the primary when asked, and answers a
 * scrape that reached it with the primary's sum over every worker, since Prometheus sees one address
 * and whichever worker takes the connection must speak for all.
 */
import { MlshipError } from "../../core/errors.js";
import { isMessage, type MetricsJson, type ToPrimary, type ToWorker, workerEnv } from "./protocol.js";

/** This process's slot in a `--workers` cluster ("0", "1", ...), or undefined when it is not a worker. */
export function workerSlot(): string | undefined {
  return process.send === undefined ? undefined : process.env[workerEnv];
}

export function send(message: ToPrimary, then?: () => void): void {
  process.send?.(message, undefined, {}, () => then?.());
}

/** Waiting longer than the primary's own collection timeout means the primary is gone. */
const scrapeTimeoutMs = 10_000;

export class WorkerLink {
  private next = 0;
  private readonly waiting = new Map<number, { resolve(text: string): void; timer: NodeJS.Timeout }>();
  private readonly listener = (m: unknown) => {
    if (!isMessage<ToWorker>(m)) return;
    if (m.mlship === "collect") {
      void this.local().then(
        (metrics) => send({ mlship: "collected", id: m.id, metrics }),
        // An unreadable registry is a bug; the scrape still gets the other workers' metrics.
        () => send({ mlship: "collected", id: m.id, metrics: [] }),
      );
    } else if (m.mlship === "scraped") {
      const w = this.waiting.get(m.id);
      if (w === undefined) return;
      this.waiting.delete(m.id);
      clearTimeout(w.timer);
      w.resolve(m.text);
    }
  };

  constructor(private readonly local: () => Promise<MetricsJson>) {
    process.on("message", this.listener);
  }

  /** The whole cluster's metrics, in Prometheus text. */
  scrape(): Promise<string> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new MlshipError({
            what: "the cluster's primary process did not answer for the workers' metrics",
            fix: "check that the mlship serve primary process is alive; retry the scrape",
            code: "E_SERVE_METRICS_UNAVAILABLE",
          }),
        );
      }, scrapeTimeoutMs);
      this.waiting.set(id, { resolve, timer });
      send({ mlship: "scrape", id });
    });
  }

  close(): void {
    process.off("message", this.listener);
  }
}
