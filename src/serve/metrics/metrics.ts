/**
 * The server's Prometheus metrics, in a registry of its own so that several servers in one process
 * (tests, embedders) keep separate counts. Per request the work is a few label lookups and increments:
 * nothing is serialised until a scrape. Label values are bounded by what the server knows (route
 * patterns, registered models and their versions, a classifier's classes), never taken from raw URLs,
 * so a client sending made-up paths or model names cannot grow the number of series.
 */

import type { FastifyReply, FastifyRequest } from "fastify";
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from "prom-client";
import { MlshipError } from "../../core/errors.js";
import { cellValue } from "../../core/frame.js";
import { isClassifier } from "../../core/protocol.js";
import type { QueueDepth } from "../log/index.js";
import type { ModelHost, ModelHostListener } from "../predict/models.js";
import type { PredictionEvent, PredictObserver } from "../predict/observe.js";
import { FastCounter, FastHistogram } from "./labelled.js";

/** Seconds; fine enough below 10 ms to see a 1–5 ms p99 move. */
export const latencyBuckets = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * Predicted values of regressors. Artifacts do not record the training target's range, so the buckets
 * are fixed: 1 and 3 per decade from 0.01 to 1e6, mirrored below zero. Coarse (a factor of about 3),
 * but they show a shift of the predicted distribution whatever the target's unit; _sum and _count give
 * the mean exactly.
 */
export const valueBuckets = (() => {
  const positive: number[] = [];
  for (let e = -2; e <= 6; e++) {
    positive.push(10 ** e);
    if (e < 6) positive.push(3 * 10 ** e);
  }
  const round = (x: number) => Number(x.toPrecision(2));
  return [...positive.map((x) => -round(x)).reverse(), 0, ...positive.map(round)];
})();

const loadBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The route label of requests no route matched: one value for every unknown URL. */
export const unmatchedRoute = "unmatched";

const versionHeader = "x-mlship-model-version";

let processRegistry: Registry | undefined;

/**
 * Process metrics (CPU, memory, event loop, GC) describe the process, not a server, and their
 * collectors (an event-loop monitor, a GC observer) cannot be stopped: one set per process, shared by
 * every server's scrape.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;
  private readonly requests: FastCounter;
  private readonly errors: FastCounter;
  private readonly duration: FastHistogram;
  private readonly rows: FastCounter;
  private readonly classes: FastCounter;
  private readonly values: FastHistogram;
  private readonly loadSeconds: Histogram<string>;
  private readonly loadFailures: Counter<string>;
  private host: ModelHost | undefined;
  private workerRequests: { counter: FastCounter; labels: readonly string[] } | undefined;

  constructor() {
    const registers = [this.registry];
    const http = ["route", "method", "status", "model", "version"];
    this.requests = new FastCounter(
      "mlship_http_requests_total",
      "HTTP requests answered, by route pattern, method, status and (when a model scored) model and version",
      http,
      this.registry,
    );
    this.errors = new FastCounter(
      "mlship_http_request_errors_total",
      "HTTP requests answered with a status of 400 or more, labelled as mlship_http_requests_total",
      http,
      this.registry,
    );
    this.duration = new FastHistogram(
      "mlship_http_request_duration_seconds",
      "Time from receiving a request to sending the last byte of its answer",
      http,
      latencyBuckets,
      this.registry,
    );
    this.rows = new FastCounter(
      "mlship_prediction_rows_total",
      "Rows scored, by model, version and endpoint (predict, batch, invocations)",
      ["model", "version", "endpoint"],
      this.registry,
    );
    this.classes = new FastCounter(
      "mlship_predicted_class_total",
      "Classifier predictions by predicted class",
      ["model", "version", "class"],
      this.registry,
    );
    this.values = new FastHistogram(
      "mlship_predicted_value",
      "Regressor predictions: distribution of the predicted values",
      ["model", "version"],
      valueBuckets,
      this.registry,
    );
    this.loadSeconds = new Histogram({
      name: "mlship_model_load_seconds",
      help: "Time to read, verify and revive a model version",
      labelNames: ["model", "version"],
      buckets: loadBuckets,
      registers,
    });
    this.loadFailures = new Counter({
      name: "mlship_model_load_failures_total",
      help: "Model versions that failed to load, by error code (E_STORE_BLOB_CORRUPT: checksum mismatch)",
      labelNames: ["model", "version", "code"],
      registers,
    });
    const self = this;
    new Gauge({
      name: "mlship_model_alias_version",
      help: "The version each alias the server was asked for names",
      labelNames: ["model", "alias"],
      registers,
      // Workers may briefly disagree while an alias moves; the cluster shows the newest.
      aggregator: "max",
      collect() {
        this.reset();
        for (const a of self.host?.snapshot().aliases ?? [])
          this.set({ model: a.model, alias: a.alias }, a.version);
      },
    });
    new Gauge({
      name: "mlship_model_fallback_active",
      help: "1 when the fallback alias answered the last request for the model's champion, else 0",
      labelNames: ["model"],
      registers,
      aggregator: "max",
      collect() {
        this.reset();
        const snapshot = self.host?.snapshot();
        if (!snapshot) return;
        for (const a of snapshot.aliases) this.set({ model: a.model }, 0);
        for (const model of snapshot.fallbacks) this.set({ model }, 1);
      },
    });
  }

  /** Reads aliases and fallbacks from the host at each scrape. */
  watch(host: ModelHost): void {
    this.host = host;
  }

  /** Reads the prediction log's queue at each scrape. */
  watchQueue(queue: QueueDepth): void {
    const registers = [this.registry];
    new Gauge({
      name: "mlship_prediction_log_queue_depth",
      help: "Predictions waiting to be written to the store",
      registers,
      collect() {
        this.set(queue.depth());
      },
    });
    new Gauge({
      name: "mlship_prediction_log_queue_capacity",
      help: "Predictions the log queue holds before the server answers 503",
      registers,
      collect() {
        this.set(queue.capacity);
      },
    });
  }

  /** In a --workers cluster: requests answered by this worker, so the balance between workers shows. */
  countWorker(worker: string): void {
    const counter = new FastCounter(
      "mlship_worker_requests_total",
      "HTTP requests answered by each worker of a --workers cluster",
      ["worker"],
      this.registry,
    );
    this.workerRequests = { counter, labels: [worker] };
  }

  /** The onResponse hook: one series lookup by a joined key and a few additions (see labelled.ts). */
  answered(request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    // Set by the prediction routes once a model scored: the model is then a registered one.
    const version = reply.getHeader(versionHeader);
    const labels = [
      request.routeOptions.url ?? unmatchedRoute,
      request.method,
      String(status),
      version === undefined ? "" : (this.modelOf(request) ?? ""),
      version === undefined ? "" : String(version),
    ];
    this.requests.inc(labels);
    if (status >= 400) this.errors.inc(labels);
    this.duration.observe(labels, reply.elapsedTime / 1000);
    this.workerRequests?.counter.inc(this.workerRequests.labels);
  }

  private modelOf(request: FastifyRequest): string | undefined {
    const params = request.params as { ref?: string; name?: string } | undefined;
    if (typeof params?.ref === "string") {
      const at = params.ref.lastIndexOf("@");
      return at < 0 ? params.ref : params.ref.slice(0, at);
    }
    return params?.name ?? this.host?.defaultModel();
  }

  readonly observer: PredictObserver = {
    scored: (event: PredictionEvent) => this.scored(event),
  };

  readonly modelListener: ModelHostListener = {
    loaded: (model, version, seconds) => this.loadSeconds.observe({ model, version }, seconds),
    loadFailed: (model, version, err) =>
      this.loadFailures.inc({ model, version, code: err instanceof MlshipError ? err.code : "E_INTERNAL" }),
  };

  private scored(event: PredictionEvent): void {
    const prediction = event.output.column("prediction");
    const n = event.output.nRows;
    const model = event.model.name;
    const version = String(event.model.version);
    this.rows.inc([model, version, event.endpoint], n);
    if (!isClassifier(event.model.model)) {
      if (prediction.type === "numeric") this.values.observeAll([model, version], prediction.values);
      return;
    }
    // Counted per class first: a 10,000-row batch costs one increment per class, not per row.
    if (prediction.type === "categorical") {
      const byCode = new Float64Array(prediction.levels.length);
      for (let i = 0; i < n; i++) if (prediction.codes[i] >= 0) byCode[prediction.codes[i]]++;
      prediction.levels.forEach((l, k) => {
        if (byCode[k] > 0) this.classes.inc([model, version, l], byCode[k]);
      });
      return;
    }
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const p = cellValue(prediction, i);
      if (p !== null) counts.set(String(p), (counts.get(String(p)) ?? 0) + 1);
    }
    for (const [c, k] of counts) this.classes.inc([model, version, c], k);
  }

  /** This server's metrics and the process's, as prom-client's JSON (what a cluster primary sums). */
  async json(): Promise<MetricObjectWithValues<MetricValue<string>>[]> {
    return [...(await this.registry.getMetricsAsJSON()), ...(await processMetrics().getMetricsAsJSON())];
  }

  /** The Prometheus text of this server and its process. */
  async text(): Promise<string> {
    return Registry.merge([this.registry, processMetrics()]).metrics();
  }
}
