/**
 * The prediction API: `/v1/models/{name}[@alias]/predict`, `/v1/models/{name}/versions/{n}/predict`,
 * `/v1/models/{name}/schema`, MLflow's `/invocations` and `/ping` for the default model, and `/readyz`.
 */
import { performance } from "node:perf_hooks";
import type { Readable } from "node:stream";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { MlshipError } from "../../core/errors.js";
import { translate } from "../errors.js";
import { type BatchFormat, batchMediaTypes, scoreBatch } from "./batch.js";
import { recordsFromSplit } from "./input.js";
import type { ModelHost, Served } from "./models.js";
import type { PredictObserver } from "./observe.js";
import { jsonSchemaOf } from "./schema.js";
import { observe, predictionsJson } from "./score.js";
import { TogetherScorer } from "./together.js";

export interface PredictOptions {
  /** Most rows one JSON request may hold; batches (CSV, NDJSON) stream and have no limit. */
  maxRows?: number;
  /** Rows scored at a time in a batch. */
  chunkRows?: number;
  /** Told of every scored row before it is answered (the prediction log, the metrics). */
  observers?: readonly PredictObserver[];
  /** Scores the JSON requests that arrive together in one pass; one per server. */
  scorer?: TogetherScorer;
}

/** An error listing problems one by one (input rows, feedback labels), each kept in the 400 body. */
interface ProblemList {
  problems: unknown[];
  total: number;
}

const hasProblems = (err: unknown): err is MlshipError & ProblemList =>
  err instanceof MlshipError && Array.isArray((err as Partial<ProblemList>).problems);

/** mlship's error body, with the problem list of a 400 and Retry-After on a 503 that has one. */
export function predictErrorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const t = translate(err, request.id);
  if (t.serverFault) request.log.error({ err }, "request failed");
  if (t.retryAfter !== undefined) reply.header("retry-after", String(t.retryAfter));
  const problems = hasProblems(err) ? { problems: err.problems, problemCount: err.total } : {};
  return reply.status(t.status).send({ error: { ...t.body.error, ...problems } });
}

const predictBody = {
  type: "object",
  description: 'Either {"records": [{field: value}]} or {"columns": [...], "data": [[...]]}',
  properties: {
    records: { type: "array", items: { type: "object" } },
    columns: { type: "array", items: { type: "string" } },
    data: { type: "array", items: { type: "array" } },
  },
};

function refOf(param: string): { name: string; alias?: string } {
  const at = param.lastIndexOf("@");
  return at < 0 ? { name: param } : { name: param.slice(0, at), alias: param.slice(at + 1) };
}

function tooMany(n: number, max: number): MlshipError {
  return new MlshipError({
    what: `${n} rows in one request, at most ${max} are accepted`,
    fix: "split the rows over several requests, or send them as CSV or NDJSON for batch scoring",
    code: "E_INVALID_TOO_MANY_ROWS",
  });
}

function recordsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  if (Array.isArray(body.records)) return body.records as Record<string, unknown>[];
  if (Array.isArray(body.columns) && Array.isArray(body.data))
    return recordsFromSplit(body.columns as string[], body.data as unknown[][]);
  throw new MlshipError({
    what: 'the body has neither "records" nor "columns" with "data"',
    fix: 'send {"records": [{...}]} or {"columns": [...], "data": [[...]]}',
    code: "E_INVALID_INPUT",
  });
}

function batchFormat(request: FastifyRequest): BatchFormat | undefined {
  const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
  return (Object.keys(batchMediaTypes) as BatchFormat[]).find((f) => batchMediaTypes[f] === type);
}

/** Rows one JSON request may hold unless the server says otherwise. */
export const defaultMaxRows = 10_000;

export function registerPredict(host: ModelHost, options: PredictOptions = {}) {
  const maxRows = options.maxRows ?? defaultMaxRows;
  const chunkRows = options.chunkRows ?? 1000;
  const observers = options.observers ?? [];
  const scorer = options.scorer ?? new TogetherScorer();

  const answer = async (served: Served, request: FastifyRequest, reply: FastifyReply) => {
    const receivedAt = Date.now();
    const started = performance.now();
    const { model } = served;
    reply.header("x-mlship-model-version", String(model.version));
    const named = {
      ...(served.alias === undefined ? {} : { alias: served.alias }),
      ...(served.fallbackReason === undefined ? {} : { fallback: served.fallbackReason }),
    };
    const format = batchFormat(request);
    if (format) {
      // Read without destroying the request when reading stops early (a 400 in the first chunk); the
      // rest of the body is then discarded, so the connection stays usable for the client's next request.
      const raw = request.body as Readable;
      let stream: Readable;
      try {
        stream = await scoreBatch(model, raw.iterator({ destroyOnReturn: false }), format, chunkRows, {
          requestId: request.id,
          receivedAt,
          observers,
          ...named,
        });
      } catch (err) {
        raw.resume();
        throw err;
      }
      return reply.type(batchMediaTypes[format]).send(stream);
    }
    const records = recordsOf(request.body as Record<string, unknown>);
    if (records.length > maxRows) throw tooMany(records.length, maxRows);
    const output = await scorer.score(model, records);
    observe(observers, {
      requestId: request.id,
      endpoint: "predict",
      model,
      ...named,
      records,
      firstRow: 0,
      output,
      latencyMs: performance.now() - started,
      receivedAt,
    });
    return reply
      .type("application/json; charset=utf-8")
      .send(
        `{"model":${JSON.stringify({ name: model.name, version: model.version, ...named })},"requestId":${JSON.stringify(request.id)},${predictionsJson(model, output)}}`,
      );
  };

  return async (app: FastifyInstance) => {
    // Batches arrive as streams: the parser hands the request stream to the route untouched.
    app.addContentTypeParser(Object.values(batchMediaTypes), (_request, payload, done) =>
      done(null, payload),
    );
    app.setErrorHandler(predictErrorHandler);

    const tags = ["predict"];
    app.post<{ Params: { ref: string } }>(
      "/v1/models/:ref/predict",
      { schema: { tags, summary: "Score rows with name's champion, or name@alias", body: predictBody } },
      async (request, reply) => {
        const { name, alias } = refOf(request.params.ref);
        return answer(await host.alias(name, alias), request, reply);
      },
    );
    app.post<{ Params: { name: string; version: number } }>(
      "/v1/models/:name/versions/:version/predict",
      {
        schema: {
          tags,
          summary: "Score rows with one version",
          params: {
            type: "object",
            properties: { name: { type: "string" }, version: { type: "integer", minimum: 1 } },
          },
          body: predictBody,
        },
      },
      async (request, reply) =>
        answer({ model: await host.version(request.params.name, request.params.version) }, request, reply),
    );
    app.get<{ Params: { ref: string } }>(
      "/v1/models/:ref/schema",
      { schema: { tags, summary: "JSON Schema of one input record, from the training schema" } },
      async (request) => {
        const { name, alias } = refOf(request.params.ref);
        const { model } = await host.alias(name, alias);
        return jsonSchemaOf(model);
      },
    );
    app.get(
      "/readyz",
      { schema: { tags: ["health"], summary: "Ready once the default model is loaded" } },
      async (_r, reply) => {
        const name = host.defaultModel();
        if (name === undefined) {
          return reply.status(503).send({
            status: "unavailable",
            reason: "no default model: pass --model NAME, or register exactly one model",
          });
        }
        try {
          const served = await host.alias(name);
          return {
            status: "ready",
            model: name,
            version: served.model.version,
            alias: served.alias,
            ...(served.fallbackReason === undefined ? {} : { fallback: served.fallbackReason }),
          };
        } catch (err) {
          return reply
            .status(503)
            .send({ status: "unavailable", model: name, reason: translate(err, "").body.error.what });
        }
      },
    );
  };
}
