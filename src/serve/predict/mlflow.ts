/**
 * MLflow's scoring protocol for the default model, so clients written for `mlflow models serve` work
 * unchanged: `GET /ping`, and `POST /invocations` with exactly one of `dataframe_split`,
 * `dataframe_records`, `instances` or `inputs`, answered `{"predictions": [...]}`; errors in MLflow's
 * `{"error_code", "message"}`.
 */
import { performance } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import { translate } from "../errors.js";
import { batchMediaTypes, csvBatches } from "./batch.js";
import { InputError, recordsFromSplit } from "./input.js";
import type { LoadedModel, ModelHost } from "./models.js";
import type { PredictionEvent } from "./observe.js";
import { defaultMaxRows, type PredictOptions } from "./routes.js";
import { observe, predictionsJson, score } from "./score.js";
import type { CsvReader } from "./text.js";
import { TogetherScorer } from "./together.js";

const formats = ["dataframe_split", "dataframe_records", "instances", "inputs"] as const;

function badInput(what: string): MlshipError {
  return new MlshipError({
    what,
    fix: `send exactly one of ${formats.join(", ")}`,
    code: "E_INVALID_INPUT",
  });
}

/** Records from list-of-records or dict-of-columns (the two shapes `instances` and `inputs` take). */
function recordsOfTensor(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  if (typeof value === "object" && value !== null) {
    const cols = Object.entries(value);
    const n = Math.max(0, ...cols.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
    return Array.from({ length: n }, (_, i) =>
      Object.fromEntries(cols.map(([k, v]) => [k, Array.isArray(v) ? v[i] : v])),
    );
  }
  throw badInput("instances/inputs must be a list of records or an object of columns");
}

function recordsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  const given = formats.filter((f) => body[f] !== undefined);
  if (given.length !== 1)
    throw badInput(
      `the body names ${given.length === 0 ? "none" : given.join(" and ")} of the input formats`,
    );
  const value = body[given[0]];
  if (given[0] === "dataframe_split") {
    const split = value as { columns?: unknown; data?: unknown };
    if (!Array.isArray(split?.columns) || !Array.isArray(split?.data))
      throw badInput("dataframe_split needs columns and data");
    return recordsFromSplit(split.columns as string[], split.data as unknown[][]);
  }
  if (given[0] === "dataframe_records") {
    if (!Array.isArray(value)) throw badInput("dataframe_records must be a list of records");
    return value as Record<string, unknown>[];
  }
  return recordsOfTensor(value);
}

const mlflowCodes: Record<number, string> = {
  404: "RESOURCE_DOES_NOT_EXIST",
  503: "TEMPORARILY_UNAVAILABLE",
};

export function registerInvocations(host: ModelHost, options: PredictOptions = {}) {
  const maxRows = options.maxRows ?? defaultMaxRows;
  const observers = options.observers ?? [];
  const scorer = options.scorer ?? new TogetherScorer();
  return async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => {
      const t = translate(err, request.id);
      if (t.serverFault) request.log.error({ err }, "request failed");
      if (t.retryAfter !== undefined) reply.header("retry-after", String(t.retryAfter));
      const detail =
        err instanceof InputError
          ? `: ${err.problems.map((p) => `row ${p.row ?? "-"} ${p.field}: ${p.problem}`).join("; ")}`
          : "";
      return reply.status(t.status).send({
        error_code: mlflowCodes[t.status] ?? (t.status < 500 ? "BAD_REQUEST" : "INTERNAL_ERROR"),
        message: t.body.error.what + detail,
      });
    });
    const defaultModel = () => {
      const name = host.defaultModel();
      if (name === undefined) {
        throw new MlshipError({
          what: "this server has no default model",
          fix: "start it with --model NAME, or register exactly one model in the store",
          code: "E_NOT_FOUND_MODEL",
        });
      }
      return host.alias(name);
    };
    app.get(
      "/ping",
      { schema: { tags: ["predict"], summary: "MLflow: the default model is loaded" } },
      async (_r, reply) => {
        await defaultModel();
        return reply.type("application/json").send("\n");
      },
    );
    // MLflow's scoring server also takes CSV (with a header), which it reads whole; so does this one,
    // within the body limit, and answers JSON.
    app.addContentTypeParser(batchMediaTypes.csv, { parseAs: "string" }, (_request, body, done) =>
      done(null, new CsvText(body as string)),
    );
    app.post(
      "/invocations",
      {
        schema: {
          tags: ["predict"],
          summary: "MLflow scoring protocol, on the default model",
          description:
            "A JSON body with exactly one of dataframe_split, dataframe_records, instances or inputs, or a " +
            "text/csv body with a header row.",
          body: { type: "object" },
        },
      },
      async (request, reply) => {
        const receivedAt = Date.now();
        const started = performance.now();
        const served = await defaultModel();
        const { model } = served;
        const input: Pick<PredictionEvent, "records" | "recordsJson" | "output"> =
          request.body instanceof CsvText
            ? await csvInput(model, request.body.text, maxRows)
            : await jsonInput(scorer, model, request.body as Record<string, unknown>, maxRows);
        const { output } = input;
        observe(observers, {
          requestId: request.id,
          endpoint: "invocations",
          model,
          ...(served.alias === undefined ? {} : { alias: served.alias }),
          ...(served.fallbackReason === undefined ? {} : { fallback: served.fallbackReason }),
          get records() {
            return input.records;
          },
          ...(input.recordsJson ? { recordsJson: input.recordsJson } : {}),
          firstRow: 0,
          output,
          latencyMs: performance.now() - started,
          receivedAt,
        });
        reply.header("x-mlship-model-version", String(model.version));
        return reply
          .type("application/json; charset=utf-8")
          .send(`{${predictionsJson(model, output, { probabilities: false })}}`);
      },
    );
  };
}

/** A text/csv body, read whole. */
class CsvText {
  constructor(readonly text: string) {}
}

function tooMany(n: number, max: number): MlshipError {
  return new MlshipError({
    what: `${n} rows, at most ${max} per request`,
    fix: "split the rows over several requests, or score a file with POST /v1/models/{name}/predict as CSV",
    code: "E_INVALID_TOO_MANY_ROWS",
  });
}

async function jsonInput(
  scorer: TogetherScorer,
  model: LoadedModel,
  body: Record<string, unknown>,
  maxRows: number,
) {
  const records = recordsOf(body);
  if (records.length > maxRows) throw tooMany(records.length, maxRows);
  return { records, output: await scorer.score(model, records) };
}

async function csvInput(model: LoadedModel, text: string, maxRows: number) {
  let reader: CsvReader | undefined;
  const rows: string[][] = [];
  for await (const batch of csvBatches(model, [text])) {
    reader = batch.reader;
    for (const r of batch.rows) rows.push(r);
    if (rows.length > maxRows) throw tooMany(rows.length, maxRows);
  }
  if (reader === undefined) throw badInput("the CSV body has no header row");
  const r = reader;
  const output = score(model, r.frame(rows, 0));
  return {
    get records() {
      return r.records(rows);
    },
    recordsJson: () => r.recordsJson(rows),
    output,
  };
}
