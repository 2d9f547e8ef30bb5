/**
 * Turning JSON request rows into the Frame a model was trained on (CSV rows: text.ts, with the same
 * checks and messages). Every cell is checked against the training schema and every problem is
 * collected (by row and field) before anything is refused, so a client fixes its whole batch in one
 * round trip. Extra fields are refused, not ignored: a misspelt field would otherwise silently become a
 * missing value that the imputer papers over. The exceptions are the spec's key and PII columns, which
 * a client may send beside the features: never scored, only logged (the key in clear, PII hashed), and
 * only checked to be plain values.
 */

import type { ArtifactPayload } from "../../artifact/index.js";
import { MlshipError } from "../../core/errors.js";
import { type Column, type ColumnType, Frame } from "../../core/frame.js";
import type { DatasetSchema } from "../../data/index.js";
import { parseIsoDate, SharedLevels } from "../../data/index.js";
import type { LoadedModel } from "./models.js";

export interface RowProblem {
  /** 0-based row of the request (of the whole stream for batches); absent for the header of a CSV. */
  row?: number;
  field: string;
  problem: string;
}

/** Listed in a 400; the count says how many there were in all. */
export const shownProblems = 100;

export class InputError extends MlshipError {
  constructor(
    readonly problems: RowProblem[],
    readonly total = problems.length,
  ) {
    const first = problems[0];
    super({
      what: `${total} problem${total === 1 ? "" : "s"} in the input, first: ${first.row === undefined ? "" : `row ${first.row}, `}field "${first.field}": ${first.problem}`,
      fix: "send the fields the model was trained on, with their types; GET /v1/models/{name}/schema lists them",
      code: "E_INVALID_INPUT",
    });
  }
}

/** A JSON value as the column's value: null when missing, undefined when it is not of the type. */
type Cell = (value: unknown) => number | string | boolean | null | undefined;

const missing = (v: unknown): boolean => v === null || v === undefined;

function jsonCell(type: ColumnType): Cell {
  switch (type) {
    case "numeric":
      return (v) => (missing(v) ? null : typeof v === "number" && Number.isFinite(v) ? v : undefined);
    case "boolean":
      return (v) => (missing(v) ? null : typeof v === "boolean" ? v : undefined);
    case "categorical":
      return (v) => (missing(v) ? null : typeof v === "string" ? v : undefined);
    case "datetime":
      return (v) => {
        if (missing(v)) return null;
        const t = typeof v === "string" ? parseIsoDate(v) : Number.NaN;
        return Number.isNaN(t) ? undefined : t;
      };
  }
}

export const expected: Record<ColumnType, string> = {
  numeric: "a finite number",
  boolean: "true or false",
  categorical: "a string",
  datetime: "an ISO 8601 date or timestamp",
};

/** A value a client sent, as a problem quotes it: JSON, cut short, whatever its size or depth. */
export function shown(value: unknown): string {
  const limit = 80;
  let text: string | undefined;
  try {
    text = JSON.stringify(typeof value === "string" && value.length > limit ? value.slice(0, limit) : value);
  } catch {
    // Nested deeper than the stack allows.
    return "a value nested too deeply to show";
  }
  if (text === undefined) return String(value);
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

export interface RowReader {
  /** The rows as the model's Frame; throws InputError listing every problem. */
  frame(rows: readonly Record<string, unknown>[], firstRow?: number): Frame;
}

/** The spec's key and PII columns that are not features: accepted in requests, never scored. */
export function passThroughOf(payload: Pick<ArtifactPayload, "spec" | "inputSchema">): string[] {
  const features = new Set(payload.inputSchema.columns.map((c) => c.name));
  const { key, pii = [] } = payload.spec;
  return [...new Set([...(key === undefined ? [] : [key]), ...pii])].filter((c) => !features.has(c));
}

const plainValue = (v: unknown): boolean =>
  v === null ||
  typeof v === "string" ||
  typeof v === "boolean" ||
  (typeof v === "number" && Number.isFinite(v));

/**
 * Reads rows in one pass that builds the columns as it goes; at the first thing wrong it stops and
 * goes over the rows again, listing every problem, so valid rows (nearly all) pay for no bookkeeping.
 */
export function rowReader(
  schema: DatasetSchema,
  options: { passThrough?: readonly string[] } = {},
): RowReader {
  // Categorical columns share their levels from request to request (see SharedLevels).
  const columns = schema.columns.map((c) => ({
    name: c.name,
    type: c.type,
    cell: jsonCell(c.type),
    levels: new SharedLevels(),
  }));
  const names = columns.map((c) => c.name);
  const known = new Set(names);
  const passThrough = new Set(options.passThrough ?? []);

  const problemsOf = (rows: readonly Record<string, unknown>[], firstRow: number): InputError => {
    const problems: RowProblem[] = [];
    let total = 0;
    const note = (p: RowProblem) => {
      total++;
      if (problems.length < shownProblems) problems.push(p);
    };
    rows.forEach((record, i) => {
      const row = firstRow + i;
      if (typeof record !== "object" || record === null || Array.isArray(record)) {
        note({ row, field: "*", problem: "a row must be an object of field values" });
        return;
      }
      for (const c of columns) {
        if (!Object.hasOwn(record, c.name)) {
          note({ row, field: c.name, problem: "missing (send null for a missing value)" });
        } else if (c.cell(record[c.name]) === undefined) {
          note({ row, field: c.name, problem: `expected ${expected[c.type]}, got ${shown(record[c.name])}` });
        }
      }
      for (const key of Object.keys(record)) {
        if (known.has(key)) continue;
        if (!passThrough.has(key)) note({ row, field: key, problem: "not a field of the model's input" });
        else if (!plainValue(record[key])) {
          note({
            row,
            field: key,
            problem: `the spec's key and PII fields must be a string, a finite number, true, false or null, got ${shown(record[key])}`,
          });
        }
      }
    });
    return new InputError(problems, total);
  };

  return {
    frame(rows, firstRow = 0) {
      const n = rows.length;
      const sinks = columns.map((c) => sinkOf(c.type, n));
      for (let i = 0; i < n; i++) {
        const record = rows[i];
        if (typeof record !== "object" || record === null || Array.isArray(record))
          throw problemsOf(rows, firstRow);
        // Every field known (or passed through as a plain value) and as many as the columns: none missing.
        let fields = 0;
        for (const key in record) {
          if (known.has(key)) fields++;
          else if (!passThrough.has(key) || !plainValue(record[key])) throw problemsOf(rows, firstRow);
        }
        if (fields !== columns.length) throw problemsOf(rows, firstRow);
        for (let j = 0; j < columns.length; j++) {
          const v = columns[j].cell(record[columns[j].name]);
          if (v === undefined) throw problemsOf(rows, firstRow);
          sinks[j].values[i] = v === null ? sinks[j].missing : (v as never);
        }
      }
      return Frame.of(
        names,
        columns.map((c, j) => toColumn(c.type, sinks[j].values, c.levels)),
        n,
      );
    },
  };
}

interface Sink {
  values: Float64Array | Int8Array | Array<string | null>;
  missing: number | null;
}

function sinkOf(type: ColumnType, n: number): Sink {
  switch (type) {
    case "numeric":
    case "datetime":
      return { values: new Float64Array(n), missing: Number.NaN };
    case "boolean":
      return { values: new Int8Array(n), missing: -1 };
    case "categorical":
      return { values: new Array<string | null>(n), missing: null };
  }
}

function toColumn(type: ColumnType, values: Sink["values"], shared: SharedLevels): Column {
  switch (type) {
    case "numeric":
    case "datetime":
      return { type, values: values as Float64Array };
    case "boolean":
      return { type, values: values as Int8Array };
    case "categorical": {
      const { codes, levels } = shared.encode(values as Array<string | null>);
      return { type, codes, levels };
    }
  }
}

const readers = new WeakMap<LoadedModel, RowReader>();

/** The reader of a loaded model's JSON rows, built once per model. */
export function readerOf(model: LoadedModel): RowReader {
  let reader = readers.get(model);
  if (reader === undefined) {
    const payload = model.artifact.payload;
    reader = rowReader(payload.inputSchema, { passThrough: passThroughOf(payload) });
    readers.set(model, reader);
  }
  return reader;
}

/** `{"columns": [...], "data": [[...]]}` as records, refusing rows of the wrong length by row. */
export function recordsFromSplit(
  columns: readonly string[],
  data: readonly unknown[][],
): Record<string, unknown>[] {
  const problems: RowProblem[] = [];
  const records = data.map((row, i) => {
    if (row.length !== columns.length) {
      problems.push({
        row: i,
        field: "*",
        problem: `has ${row.length} values for ${columns.length} columns`,
      });
    }
    return Object.fromEntries(columns.map((c, j) => [c, row[j]]));
  });
  if (problems.length > 0) throw new InputError(problems.slice(0, shownProblems), problems.length);
  return records;
}
