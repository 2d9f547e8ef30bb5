/**
 * Batch scoring of CSV and NDJSON bodies. The body is read as a stream, split into rows incrementally
 * and scored `chunkRows` at a time; the output is a pull stream, so the next chunk of input is read
 * only once the client has taken the previous chunk's predictions and memory stays at a few chunks
 * whatever the body's size. The first chunk is scored before the response starts, so a body that does
 * not fit the model at all is a plain 400; a bad row further in can no longer change the status, so it
 * aborts the response (the client sees a truncated chunked body, never a silently short one).
 *
 * Observers hear of every chunk before its predictions are sent. The first chunk can still be refused
 * (a full prediction log is a 503); later ones wait until the observers can take them, so a slow store
 * slows the stream down (the client's upload stalls with it) instead of losing rows.
 */
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import type { DatasetSchema } from "../../data/index.js";
import { csvHeader, csvRows, ndjsonRows } from "../../data/index.js";
import { predictFrame } from "../../evaluate/predict.js";
import { InputError, passThroughOf, type RowProblem, rowReader } from "./input.js";
import type { LoadedModel } from "./models.js";
import type { PredictionEvent, PredictObserver } from "./observe.js";
import { observe, observeWaiting, scoredOf } from "./score.js";

/** What the observers are told about the request a batch belongs to. */
export interface BatchRequest {
  requestId: string;
  alias?: string;
  fallback?: string;
  receivedAt: number;
  observers: readonly PredictObserver[];
}

export type BatchFormat = "csv" | "ndjson";

export const batchMediaTypes: Record<BatchFormat, string> = {
  csv: "text/csv",
  ndjson: "application/x-ndjson",
};

/** CSV records (RFC 4180: quoted fields may hold commas, quotes and newlines) as they arrive. */
async function* csvRecords(body: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  let fields: string[] = [];
  let field = "";
  let quoted = false;
  let quoteSeen = false;
  for await (const chunk of body) {
    const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    const out: string[][] = [];
    for (const ch of text) {
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          quoteSeen = true;
        } else field += ch;
        continue;
      }
      if (ch === '"') {
        // A doubled quote inside a quoted field is one quote.
        if (quoteSeen) field += '"';
        quoted = true;
      } else if (ch === ",") {
        fields.push(field);
        field = "";
      } else if (ch === "\n") {
        fields.push(field.endsWith("\r") ? field.slice(0, -1) : field);
        out.push(fields);
        fields = [];
        field = "";
      } else field += ch;
      quoteSeen = false;
    }
    yield* out;
  }
  if (field !== "" || fields.length > 0) yield [...fields, field];
}

async function* lines(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of body) {
    const parts = (rest + (typeof chunk === "string" ? chunk : chunk.toString("utf8"))).split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  yield rest;
}

async function* ndjsonRecords(body: AsyncIterable<Buffer | string>): AsyncGenerator<Record<string, unknown>> {
  let row = 0;
  for await (const line of lines(body)) {
    if (line.trim() === "") continue;
    try {
      yield JSON.parse(line);
    } catch {
      throw new InputError([{ row, field: "*", problem: "not a JSON object (NDJSON wants one per line)" }]);
    }
    row++;
  }
}

async function* csvObjects(
  body: AsyncIterable<Buffer | string>,
  inputs: readonly string[],
  passThrough: readonly string[],
): AsyncGenerator<Record<string, string>> {
  let header: string[] | undefined;
  for await (const rec of csvRecords(body)) {
    if (header === undefined) {
      header = rec;
      checkHeader(header, inputs, passThrough);
      continue;
    }
    if (rec.length === 1 && rec[0] === "") continue;
    yield Object.fromEntries(header.map((h, j) => [h, rec[j] ?? ""]));
  }
}

function checkHeader(
  header: readonly string[],
  inputs: readonly string[],
  passThrough: readonly string[],
): void {
  const have = new Set(header);
  const want = new Set([...inputs, ...passThrough]);
  const problems: RowProblem[] = [
    ...inputs.filter((c) => !have.has(c)).map((field) => ({ field, problem: "missing from the CSV header" })),
    ...header
      .filter((c) => !want.has(c))
      .map((field) => ({ field, problem: "not a field of the model's input" })),
  ];
  if (problems.length > 0) throw new InputError(problems);
}

/** CSV cells (already validated) as the JSON values a client would have sent, for the log. */
function typedRecords(
  rows: readonly Record<string, string>[],
  schema: DatasetSchema,
): Record<string, unknown>[] {
  const types = new Map(schema.columns.map((c) => [c.name, c.type]));
  return rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [field, text] of Object.entries(row)) {
      const type = types.get(field);
      out[field] =
        text === "" ? null : type === "numeric" ? Number(text) : type === "boolean" ? text === "true" : text;
    }
    return out;
  });
}

async function* chunks<T>(rows: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const r of rows) {
    chunk.push(r);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

async function* scored(
  loaded: LoadedModel,
  body: AsyncIterable<Buffer | string>,
  format: BatchFormat,
  chunkRows: number,
  request: BatchRequest,
): AsyncGenerator<string> {
  const schema = loaded.artifact.payload.inputSchema;
  const passThrough = passThroughOf(loaded.artifact.payload);
  const reader = rowReader(schema, { text: format === "csv", passThrough });
  const rows =
    format === "csv"
      ? csvObjects(
          body,
          schema.columns.map((c) => c.name),
          passThrough,
        )
      : ndjsonRecords(body);
  let first = 0;
  for await (const chunk of chunks<Record<string, unknown>>(rows, chunkRows)) {
    const started = performance.now();
    const out = predictFrame(loaded.model, reader.frame(chunk, first));
    if (request.observers.length > 0) {
      const event: PredictionEvent = {
        requestId: request.requestId,
        endpoint: "batch",
        model: loaded,
        ...(request.alias === undefined ? {} : { alias: request.alias }),
        ...(request.fallback === undefined ? {} : { fallback: request.fallback }),
        records: format === "csv" ? typedRecords(chunk as Record<string, string>[], schema) : chunk,
        firstRow: first,
        scored: scoredOf(loaded, out),
        latencyMs: performance.now() - started,
        receivedAt: request.receivedAt,
      };
      if (first === 0) observe(request.observers, event);
      else await observeWaiting(request.observers, event);
    }
    if (format === "csv") yield (first === 0 ? csvHeader(out.names) : "") + csvRows(out);
    else yield ndjsonRows(out);
    first += chunk.length;
  }
}

/** The scored stream, its first chunk already computed (so input errors in it are thrown here). */
export async function scoreBatch(
  loaded: LoadedModel,
  body: AsyncIterable<Buffer | string>,
  format: BatchFormat,
  chunkRows: number,
  request: BatchRequest,
): Promise<Readable> {
  const it = scored(loaded, body, format, chunkRows, request);
  const head = await it.next();
  async function* all(): AsyncGenerator<string> {
    if (!head.done) yield head.value;
    yield* it;
  }
  return Readable.from(all(), { objectMode: false });
}
