/**
 * Requests per minute for monitoring (error rate, latency, traffic), counted as each prediction request
 * is answered, refusals and failures included: the prediction log only holds rows that were scored.
 * The hook does a few map lookups and increments; the counts go to the store every `flushMs` through
 * the monitor service (its thread when there is one), never on the request path.
 */
import { randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { latencyBucket, latencyBucketsMs, type MinuteStats, minuteMs } from "../../monitor/index.js";

/** Routes counted, by Fastify route pattern. */
const endpoints = new Map<string, string>([
  ["/v1/models/:ref/predict", "predict"],
  ["/v1/models/:name/versions/:version/predict", "predict"],
  ["/invocations", "invocations"],
]);

/** Distinct model names kept per minute; a client inventing names cannot grow the table. */
const maxModelsPerMinute = 100;
const unknownModel = "*";

export interface RequestStatsOptions {
  /** How often counts are written, in ms; default 15,000. */
  flushMs?: number;
  /** The model /invocations scores with. */
  defaultModel?: () => string | undefined;
}

type Writer = (process: string, rows: MinuteStats[]) => Promise<void>;

export class RequestStats {
  /** Random per server instance, so processes sharing a store never write the same row. */
  readonly process = randomBytes(6).toString("hex");
  private readonly minutes = new Map<string, MinuteStats>();
  private readonly modelsPerMinute = new Map<number, Set<string>>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly write: Writer,
    private readonly options: RequestStatsOptions = {},
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** The onResponse hook. */
  readonly answered = (request: FastifyRequest, reply: FastifyReply): void => {
    const url = request.routeOptions.url;
    const endpoint = url === undefined ? undefined : endpoints.get(url);
    if (endpoint === undefined) return;
    const status = reply.statusCode;
    const minute = Math.floor(Date.now() / minuteMs) * minuteMs;
    let model = unknownModel;
    // A 404 names a model nobody registered: counted, but not under the made-up name.
    if (status !== 404) {
      const params = request.params as { ref?: string; name?: string } | undefined;
      if (typeof params?.ref === "string") {
        const at = params.ref.lastIndexOf("@");
        model = at < 0 ? params.ref : params.ref.slice(0, at);
      } else model = params?.name ?? this.options.defaultModel?.() ?? unknownModel;
      let seen = this.modelsPerMinute.get(minute);
      if (!seen) {
        seen = new Set();
        this.modelsPerMinute.set(minute, seen);
      }
      if (!seen.has(model)) {
        if (seen.size >= maxModelsPerMinute) model = unknownModel;
        else seen.add(model);
      }
    }
    const key = `${minute}\u0000${model}\u0000${endpoint}`;
    let m = this.minutes.get(key);
    if (!m) {
      m = {
        minute,
        model,
        endpoint,
        requests: 0,
        clientErrors: 0,
        serverErrors: 0,
        latencySumMs: 0,
        latencyMaxMs: 0,
        buckets: new Array(latencyBucketsMs.length + 1).fill(0),
      };
      this.minutes.set(key, m);
    }
    const ms = reply.elapsedTime;
    m.requests++;
    if (status >= 500) m.serverErrors++;
    else if (status >= 400) m.clientErrors++;
    m.latencySumMs += ms;
    if (ms > m.latencyMaxMs) m.latencyMaxMs = ms;
    m.buckets[latencyBucket(ms)]++;
    this.dirty.add(key);
  };

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? 15_000);
    this.timer.unref();
  }

  /**
   * Writes every minute that changed since the last flush (a minute's row holds this process's running
   * totals, so writing it again replaces it) and forgets minutes that are over.
   */
  flush(): Promise<void> {
    const run = (this.flushing ?? Promise.resolve()).then(async () => {
      if (this.dirty.size === 0) return;
      const keys = [...this.dirty];
      this.dirty.clear();
      const rows = keys.map((k) => ({ ...(this.minutes.get(k) as MinuteStats) }));
      try {
        await this.write(this.process, rows);
      } catch (err) {
        for (const k of keys) this.dirty.add(k);
        this.onError(err);
        return;
      }
      const current = Math.floor(Date.now() / minuteMs) * minuteMs;
      for (const [k, m] of this.minutes) if (m.minute < current && !this.dirty.has(k)) this.minutes.delete(k);
      for (const minute of this.modelsPerMinute.keys())
        if (minute < current) this.modelsPerMinute.delete(minute);
    });
    this.flushing = run;
    void run.finally(() => {
      if (this.flushing === run) this.flushing = undefined;
    });
    return run;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
