/**
 * Traffic, errors and latency per minute, from the store's request_stats table (written by each
 * serving process, see src/serve/monitor/): the prediction log holds only scored rows, so refused and
 * failed requests are counted there. Latency is kept as a histogram per minute; percentiles over any
 * span are read from the summed histogram the way Prometheus' histogram_quantile reads one (linear
 * within the bucket), with the span's maximum closing the last, open bucket.
 */
import { sql } from "kysely";
import type { Store } from "../store/index.js";

/** Upper bounds of the latency buckets, in ms; a last bucket holds everything slower. */
export const latencyBucketsMs: readonly number[] = [
  0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000,
];

/** The bucket of a latency: the first bound it does not exceed. */
export function latencyBucket(ms: number): number {
  const b = latencyBucketsMs;
  let i = 0;
  while (i < b.length && ms > b[i]) i++;
  return i;
}

/** One process's counts for one minute, model and endpoint (a request_stats row). */
export interface MinuteStats {
  minute: number;
  model: string;
  endpoint: string;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  latencySumMs: number;
  latencyMaxMs: number;
  /** latencyBucketsMs.length + 1 counts. */
  buckets: number[];
}

export const minuteMs = 60_000;

/**
 * Writes one process's counts; a minute written before (a flush in the middle of it) is replaced by
 * the process's running totals, so a minute is never counted twice.
 */
export async function writeRequestStats(
  store: Store,
  process: string,
  rows: readonly MinuteStats[],
): Promise<void> {
  if (rows.length === 0) return;
  await store.write(async (trx) => {
    for (const r of rows) {
      const values = {
        requests: r.requests,
        client_errors: r.clientErrors,
        server_errors: r.serverErrors,
        latency_sum_ms: r.latencySumMs,
        latency_max_ms: r.latencyMaxMs,
        latency_buckets: JSON.stringify(r.buckets),
      };
      await trx
        .insertInto("request_stats")
        .values({ minute: r.minute, model: r.model, endpoint: r.endpoint, process, ...values })
        .onConflict((oc) => oc.columns(["minute", "model", "endpoint", "process"]).doUpdateSet(values))
        .execute();
    }
  });
}

/** Every process's counts for `model` summed per minute, for minutes starting in [from, to). */
export async function readMinuteStats(
  store: Store,
  model: string,
  from: number,
  to: number,
): Promise<MinuteStats[]> {
  const rows = await store.db
    .selectFrom("request_stats")
    .select([
      "minute",
      "requests",
      "client_errors",
      "server_errors",
      "latency_sum_ms",
      "latency_max_ms",
      "latency_buckets",
    ])
    .where("model", "=", model)
    .where("minute", ">=", Math.floor(from / minuteMs) * minuteMs)
    .where("minute", "<", to)
    .orderBy("minute")
    .execute();
  const byMinute = new Map<number, MinuteStats>();
  for (const r of rows) {
    const minute = Number(r.minute);
    let m = byMinute.get(minute);
    if (!m) {
      m = {
        minute,
        model,
        endpoint: "*",
        requests: 0,
        clientErrors: 0,
        serverErrors: 0,
        latencySumMs: 0,
        latencyMaxMs: 0,
        buckets: new Array(latencyBucketsMs.length + 1).fill(0),
      };
      byMinute.set(minute, m);
    }
    m.requests += Number(r.requests);
    m.clientErrors += Number(r.client_errors);
    m.serverErrors += Number(r.server_errors);
    m.latencySumMs += Number(r.latency_sum_ms);
    m.latencyMaxMs = Math.max(m.latencyMaxMs, Number(r.latency_max_ms));
    const buckets = JSON.parse(r.latency_buckets) as number[];
    for (let i = 0; i < m.buckets.length; i++) m.buckets[i] += buckets[i] ?? 0;
  }
  return [...byMinute.values()];
}

/** Percentile `p` (0-100) of the latencies counted in `buckets`; null without requests. */
export function bucketPercentile(buckets: readonly number[], p: number, maxMs: number): number | null {
  let total = 0;
  for (const c of buckets) total += c;
  if (total === 0) return null;
  const rank = (p / 100) * total;
  let cumulative = 0;
  for (let i = 0; i < buckets.length; i++) {
    const before = cumulative;
    cumulative += buckets[i];
    if (cumulative >= rank && buckets[i] > 0) {
      const lower = i === 0 ? 0 : latencyBucketsMs[i - 1];
      const upper =
        i < latencyBucketsMs.length
          ? Math.min(latencyBucketsMs[i], Math.max(maxMs, lower))
          : Math.max(maxMs, lower);
      return lower + ((upper - lower) * (rank - before)) / buckets[i];
    }
  }
  return maxMs;
}

export interface TrafficSummary {
  from: number;
  to: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  /** Server errors over requests (0 without requests). */
  errorRate: number;
  /** Client and server errors over requests. */
  anyErrorRate: number;
  meanLatencyMs: number | null;
  maxLatencyMs: number | null;
  p50Ms: number | null;
  p90Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export function summariseMinutes(minutes: readonly MinuteStats[], from: number, to: number): TrafficSummary {
  const buckets = new Array(latencyBucketsMs.length + 1).fill(0);
  let requests = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  let sum = 0;
  let max = 0;
  for (const m of minutes) {
    requests += m.requests;
    clientErrors += m.clientErrors;
    serverErrors += m.serverErrors;
    sum += m.latencySumMs;
    max = Math.max(max, m.latencyMaxMs);
    for (let i = 0; i < buckets.length; i++) buckets[i] += m.buckets[i];
  }
  const pct = (p: number) => bucketPercentile(buckets, p, max);
  return {
    from,
    to,
    requests,
    clientErrors,
    serverErrors,
    errorRate: requests === 0 ? 0 : serverErrors / requests,
    anyErrorRate: requests === 0 ? 0 : (clientErrors + serverErrors) / requests,
    meanLatencyMs: requests === 0 ? null : sum / requests,
    maxLatencyMs: requests === 0 ? null : max,
    p50Ms: pct(50),
    p90Ms: pct(90),
    p95Ms: pct(95),
    p99Ms: pct(99),
  };
}

/** Requests, errors and latency of `model` over [from, to), from every serving process's minutes. */
export async function trafficSummary(
  store: Store,
  model: string,
  from: number,
  to: number,
): Promise<TrafficSummary> {
  return summariseMinutes(await readMinuteStats(store, model, from, to), from, to);
}

/** Scored rows of `model` per minute over [from, to), from the prediction log. */
export async function rowsPerMinute(
  store: Store,
  model: string,
  from: number,
  to: number,
  version?: number,
): Promise<Array<{ minute: number; rows: number }>> {
  const versionClause = version === undefined ? sql`` : sql` AND version = ${version}`;
  const result = await sql<{ minute: number; rows: number }>`
    SELECT (at / ${minuteMs}) * ${minuteMs} AS minute, count(*) AS rows
    FROM prediction_log
    WHERE model = ${model} AND at >= ${from} AND at < ${to}${versionClause}
    GROUP BY 1 ORDER BY 1`.execute(store.db);
  return result.rows.map((r) => ({ minute: Number(r.minute), rows: Number(r.rows) }));
}
