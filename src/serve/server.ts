/**
 * The one server process: health, the JSON API over tracking and registry, the MLflow-compatible API,
 * the prediction API (predict/) and the OpenAPI document. `buildServer` returns the Fastify instance
 * without listening, so tests and the CLI choose the address; the store stays the caller's to close.
 */
import { randomBytes } from "node:crypto";
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from "fastify";
import type { Store } from "../store/index.js";
import { registerApi } from "./api/index.js";
import {
  keysFingerprintSql,
  registerKeyRoutes,
  registerSecurity,
  type SecurityOptions,
} from "./auth/index.js";
import { StoreChanges } from "./changes.js";
import { registerDocs } from "./docs.js";
import { translate } from "./errors.js";
import { registerHealth } from "./health.js";
import { registerJsonParser } from "./json.js";
import { PredictionLog, type PredictionLogOptions, registerFeedback } from "./log/index.js";
import { type MetricsOptions, registerMetrics, ServerMetrics } from "./metrics/index.js";
import { registerMlflow } from "./mlflow/index.js";
import { registerMonitoring, type ServerMonitorOptions } from "./monitor/index.js";
import {
  ModelHost,
  type ModelHostOptions,
  type PredictOptions,
  registerInvocations,
  registerPredict,
  TogetherScorer,
} from "./predict/index.js";
import { validatorCompiler } from "./validation.js";

/** NaN and ±Infinity as "NaN", "Infinity", "-Infinity" (protobuf JSON, what MLflow clients parse). */
export function serialize(data: unknown): string {
  return JSON.stringify(data, (_key, value) =>
    typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
  );
}

export interface ServerOptions extends ModelHostOptions, PredictOptions, SecurityOptions {
  store: Store;
  /** Fastify's logger option: false (the default, quiet for tests and embedding) or pino options. */
  logger?: FastifyServerOptions["logger"];
  /** Largest accepted request body in bytes; default 16 MiB (artifacts travel through log calls). */
  bodyLimit?: number;
  /** Recorded as the actor of registry changes (alias moves) when no API key names the caller. */
  actor?: string;
  /** PEM certificate and private key: serve HTTPS instead of HTTP. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Every prediction row to the store's prediction_log (see log/); on by default, false turns it off. */
  predictionLog?: PredictionLogOptions | false;
  /** `GET /metrics` and the counting behind it; on by default. */
  metrics?: boolean | MetricsOptions;
  /** Drift, performance and alerts (/api/v1/monitor, request stats, the check loop); on by default. */
  monitor?: ServerMonitorOptions | false;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Who is acting, for the audit log. */
    actor: string;
  }
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    ...(options.tls ? { https: options.tls } : {}),
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    // Request ids go into every log line and into 500 bodies, so a report can be matched to the log.
    requestIdHeader: false,
    // Unique across processes and restarts, since feedback names predictions by request id.
    genReqId: (() => {
      const processId = randomBytes(6).toString("hex");
      let n = 0;
      return () => `req-${processId}-${(++n).toString(36)}`;
    })(),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Fastify logs two lines per request at info; the hook below logs one.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // The access log: one line per answer, with what a reader of it needs (the child logger adds reqId).
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      "answered",
    );
    done();
  });
  registerJsonParser(app);
  app.setValidatorCompiler(validatorCompiler());
  // Response schemas document the API; bodies are written as built, with MLflow's (and protobuf
  // JSON's) spelling of non-finite numbers, which plain JSON cannot carry.
  app.setSerializerCompiler(() => serialize);
  app.setReplySerializer(serialize);
  // The security hook names the key's owner instead, when there is one.
  app.decorateRequest("actor", options.actor ?? "api");
  // Every answer names its request id (MLflow's /invocations body has no room for it).
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });
  const changes = new StoreChanges(options.store.path, keysFingerprintSql);
  app.addHook("onClose", async () => changes.close());
  registerSecurity(app, options.store, changes, options);
  // A request without a body is an empty message (as MLflow's server reads it), so routes report
  // the missing fields by name instead of "body must be object".
  app.addHook("preValidation", (request, _reply, done) => {
    if (request.body === undefined) request.body = {};
    done();
  });

  app.setErrorHandler((err, request, reply) => {
    const t = translate(err, request.id);
    if (t.serverFault) request.log.error({ err }, "request failed");
    return reply.status(t.status).send(t.body);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: {
        code: "E_NOT_FOUND_ROUTE",
        what: `no route ${request.method} ${request.url.split("?")[0]}`,
        fix: "see the OpenAPI document at /docs/json for the routes this server answers",
      },
    }),
  );

  // Told of model loads by the host.
  const metrics = options.metrics === false ? undefined : new ServerMetrics();
  const host = new ModelHost(
    options.store,
    metrics
      ? { ...options, modelListeners: [...(options.modelListeners ?? []), metrics.modelListener] }
      : options,
  );
  metrics?.watch(host);
  await registerDocs(app, options.store, host);
  // After the docs (so /metrics is documented), before the other routes (so they count).
  if (metrics) registerMetrics(app, metrics, typeof options.metrics === "object" ? options.metrics : {});
  registerHealth(app, options.store);
  const monitor =
    options.monitor === false ? undefined : registerMonitoring(app, options.store, host, options.monitor);
  await app.register(registerApi(options.store, monitor), { prefix: "/api/v1" });
  await app.register(registerKeyRoutes(options.store), { prefix: "/api/v1" });
  await app.register(registerMlflow(options.store), { prefix: "/api/2.0/mlflow" });
  // MLflow's web UI calls the same API under /ajax-api; listed once in the OpenAPI document.
  await app.register(registerMlflow(options.store, { hidden: true }), { prefix: "/ajax-api/2.0/mlflow" });
  app.addHook("onReady", async () => host.start());
  app.addHook("onClose", async () => host.stop());
  // Told of every prediction before it is answered; flushed on close,
  // before the caller closes the store.
  const predictionLog =
    options.predictionLog === false ? null : new PredictionLog(options.store, options.predictionLog, app.log);
  app.decorate("predictionLog", predictionLog);
  if (predictionLog) {
    app.addHook("onReady", async () => predictionLog.start());
    app.addHook("onClose", async () => predictionLog.close());
  }
  if (predictionLog) metrics?.watchQueue(predictionLog);
  // Metrics count after the log took the rows, so a refused request counts no prediction.
  const observers = [
    ...(predictionLog ? [predictionLog] : []),
    ...(metrics ? [metrics.observer] : []),
    ...(options.observers ?? []),
  ];
  const scorer = new TogetherScorer();
  await app.register(registerPredict(host, { ...options, observers, scorer }));
  await app.register(registerInvocations(host, { ...options, observers, scorer }));
  await app.register(registerFeedback(host, options.store, predictionLog, options));
  return app;
}
