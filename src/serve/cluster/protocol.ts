/** The messages a `--workers` primary and its workers exchange over the cluster's IPC channel. */
import type { MetricObjectWithValues, MetricValue } from "prom-client";

export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

export interface ErrorJson {
  what: string;
  where?: string;
  fix?: string;
  code: string;
}

export type ToPrimary =
  /** Listening; the address is the cluster's (workers share the primary's socket). */
  | { mlship: "ready"; address: string }
  /** Could not start (store, TLS files, address): the primary reports it instead of each worker. */
  | { mlship: "failed"; error: ErrorJson }
  /** A scrape reached this worker: the primary gathers every worker's metrics and answers. */
  | { mlship: "scrape"; id: number }
  | { mlship: "collected"; id: number; metrics: MetricsJson };

export type ToWorker =
  | { mlship: "collect"; id: number }
  | { mlship: "scraped"; id: number; text: string }
  /** Drain: stop accepting, finish what is in flight, flush, exit 0. */
  | { mlship: "stop" };

/** The environment variable that tells a forked process it is worker N of a cluster. */
export const workerEnv = "MLSHIP_WORKER";

export function isMessage<T extends { mlship: string }>(m: unknown): m is T {
  return typeof m === "object" && m !== null && typeof (m as { mlship?: unknown }).mlship === "string";
}
