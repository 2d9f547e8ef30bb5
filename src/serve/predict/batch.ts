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
import type { Frame } from "../../core/frame.js";
import { csvHeader, csvRows, ndjsonRows } from "../../data/index.js";
import { parseJson } from "../json.js";
import { InputError, passThroughOf, type RowProblem, readerOf } from "./input.js";
import type { LoadedModel } from "./models.js";
import type { PredictionEvent, PredictObserver } from "./observe.js";
import { observe, observeWaiting, score } from "./score.js";
import { type Body, CsvReader, csvRecords, ndjsonLines } from "./text.js";

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

/** The items of `batches` regrouped `size` at a time. */
async function* regroup<T>(batches: AsyncIterable<T[]>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const batch of batches) {
    for (const item of batch) {
      chunk.push(item);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Refuses a header that misses a field of the model or has one it does not know. */
export function checkHeader(
  header: readonly string[],
  inputs: readonly string[],
  passThrough: readonly string[],
): void {
  const have = new Set(header);
  const want = new Set([...inputs, ...passThrough]);
  const seen = new Set<string>();
  const problems: RowProblem[] = [
    ...inputs.filter((c) => !have.has(c)).map((field) => ({ field, problem: "missing from the CSV header" })),
    ...header
      .filter((c) => !want.has(c))
      .map((field) => ({ field, problem: "not a field of the model's input" })),
    ...header
      .filter((c) => seen.size === seen.add(c).size)
      .map((field) => ({ field, problem: "named twice in the CSV header" })),
  ];
  if (problems.length > 0) throw new InputError(problems);
}

/** The CSV header (the first record) and a reader of the rows under it. */
export async function* csvBatches(
  loaded: LoadedModel,
  body: Body,
): AsyncGenerator<{ reader: CsvReader; rows: string[][] }> {
  const schema = loaded.artifact.payload.inputSchema;
  let reader: CsvReader | undefined;
  for await (const records of csvRecords(body)) {
    let rows = records;
    if (reader === undefined) {
      const header = rows[0];
      checkHeader(
        header,
        schema.columns.map((c) => c.name),
        passThroughOf(loaded.artifact.payload),
      );
      reader = new CsvReader(schema.columns, header);
      rows = rows.slice(1);
    }
    if (rows.length > 0) yield { reader, rows };
  }
}

async function* ndjsonRecords(body: Body): AsyncGenerator<unknown[]> {
  let row = 0;
  for await (const lines of ndjsonLines(body)) {
    yield lines.map((line) => {
      try {
        return parseJson(line);
      } catch {
        throw new InputError([{ row, field: "*", problem: "not a JSON object (NDJSON wants one per line)" }]);
      } finally {
        row++;
      }
    });
  }
}

/** One chunk of rows: read into the model's Frame, and as the log keeps them, on demand. */
interface Chunk {
  rows: number;
  frame(first: number): Frame;
  records(): Record<string, unknown>[];
  recordsJson?(): string[];
}

async function* chunksOf(
  loaded: LoadedModel,
  body: Body,
  format: BatchFormat,
  chunkRows: number,
): AsyncGenerator<Chunk> {
  if (format === "csv") {
    let reader: CsvReader | undefined;
    const rows = (async function* () {
      for await (const batch of csvBatches(loaded, body)) {
        reader = batch.reader;
        yield batch.rows;
      }
    })();
    for await (const chunk of regroup(rows, chunkRows)) {
      const r = reader!;
      yield {
        rows: chunk.length,
        frame: (first) => r.frame(chunk, first),
        records: () => r.records(chunk),
        recordsJson: () => r.recordsJson(chunk),
      };
    }
    return;
  }
  const reader = readerOf(loaded);
  for await (const chunk of regroup(ndjsonRecords(body), chunkRows)) {
    const records = chunk as Record<string, unknown>[];
    yield { rows: chunk.length, frame: (first) => reader.frame(records, first), records: () => records };
  }
}

async function* scored(
  loaded: LoadedModel,
  body: Body,
  format: BatchFormat,
  chunkRows: number,
  request: BatchRequest,
): AsyncGenerator<string> {
  let first = 0;
  for await (const chunk of chunksOf(loaded, body, format, chunkRows)) {
    const started = performance.now();
    const output = score(loaded, chunk.frame(first), first);
    if (request.observers.length > 0) {
      let records: Record<string, unknown>[] | undefined;
      const event: PredictionEvent = {
        requestId: request.requestId,
        endpoint: "batch",
        model: loaded,
        ...(request.alias === undefined ? {} : { alias: request.alias }),
        ...(request.fallback === undefined ? {} : { fallback: request.fallback }),
        // Made only if an observer asks (the log does for models with key or PII fields).
        get records() {
          records ??= chunk.records();
          return records;
        },
        ...(chunk.recordsJson ? { recordsJson: chunk.recordsJson } : {}),
        firstRow: first,
        output,
        latencyMs: performance.now() - started,
        receivedAt: request.receivedAt,
      };
      if (first === 0) observe(request.observers, event);
      else await observeWaiting(request.observers, event);
    }
    if (format === "csv") yield (first === 0 ? csvHeader(output.names) : "") + csvRows(output);
    else yield ndjsonRows(output);
    first += chunk.rows;
  }
}

/** The scored stream, its first chunk already computed (so input errors in it are thrown here). */
export async function scoreBatch(
  loaded: LoadedModel,
  body: Body,
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
