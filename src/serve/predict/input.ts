/**
 * Turning request rows into the Frame a model was trained on. Every cell is checked against the
 * training schema and every problem is collected (by row and field) before anything is refused, so a
 * client fixes its whole batch in one round trip. Extra fields are refused, not ignored: a misspelt
 * field would otherwise silently become a missing value that the imputer papers over. The exceptions
 * are the spec's key and PII columns, which a client may send beside the features: never scored, only
 * logged (the key in clear, PII hashed), and only checked to be plain values.
 */

import type { ArtifactPayload } from "../../artifact/index.js";
import { MlshipError } from "../../core/errors.js";
import { type Column, type ColumnType, Frame } from "../../core/frame.js";
import type { DatasetSchema } from "../../data/index.js";
import { encodeStrings, parseIsoDate } from "../../data/index.js";

export interface RowProblem {
  /** 0-based row of the request (of the whole stream for batches); absent for the header of a CSV. */
  row?: number;
  field: string;
  problem: string;
}

/** Listed in a 400; the count says how many there were in all. */
const shownProblems = 100;

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

/** Text cells (CSV) are parsed; JSON cells must already have the type. */
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

function textCell(type: ColumnType): Cell {
  const json = jsonCell(type);
  return (v) => {
    const s = v as string;
    if (s === "") return null;
    if (type === "numeric") {
      const n = Number(s);
      return s.trim() !== "" && Number.isFinite(n) ? n : undefined;
    }
    if (type === "boolean") return s === "true" ? true : s === "false" ? false : undefined;
    return json(s);
  };
}

const expected: Record<ColumnType, string> = {
  numeric: "a finite number",
  boolean: "true or false",
  categorical: "a string",
  datetime: "an ISO 8601 date or timestamp",
};

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

export function rowReader(
  schema: DatasetSchema,
  options: { text?: boolean; passThrough?: readonly string[] } = {},
): RowReader {
  const columns = schema.columns.map((c) => ({
    name: c.name,
    type: c.type,
    cell: options.text ? textCell(c.type) : jsonCell(c.type),
  }));
  const known = new Set(columns.map((c) => c.name));
  const passThrough = new Set(options.passThrough ?? []);
  return {
    frame(rows, firstRow = 0) {
      const problems: RowProblem[] = [];
      let total = 0;
      const note = (p: RowProblem) => {
        total++;
        if (problems.length < shownProblems) problems.push(p);
      };
      const values = columns.map(() => new Array<unknown>(rows.length));
      rows.forEach((record, i) => {
        const row = firstRow + i;
        if (typeof record !== "object" || record === null || Array.isArray(record)) {
          note({ row, field: "*", problem: "a row must be an object of field values" });
          return;
        }
        columns.forEach((c, j) => {
          if (!Object.hasOwn(record, c.name)) {
            note({ row, field: c.name, problem: "missing (send null for a missing value)" });
            return;
          }
          const v = c.cell(record[c.name]);
          if (v === undefined) {
            note({
              row,
              field: c.name,
              problem: `expected ${expected[c.type]}, got ${JSON.stringify(record[c.name])}`,
            });
          }
          values[j][i] = v;
        });
        for (const key of Object.keys(record)) {
          if (known.has(key)) continue;
          if (!passThrough.has(key)) note({ row, field: key, problem: "not a field of the model's input" });
          else if (!plainValue(record[key])) {
            note({
              row,
              field: key,
              problem: `the spec's key and PII fields must be a string, a finite number, true, false or null, got ${JSON.stringify(record[key])}`,
            });
          }
        }
      });
      if (total > 0) throw new InputError(problems, total);
      return new Frame(
        columns.map((c, j) => [c.name, toColumn(c.type, values[j])]),
        rows.length,
      );
    },
  };
}

function toColumn(type: ColumnType, values: unknown[]): Column {
  switch (type) {
    case "numeric":
    case "datetime":
      return { type, values: Float64Array.from(values, (v) => (v === null ? Number.NaN : (v as number))) };
    case "boolean":
      return { type, values: Int8Array.from(values, (v) => (v === null ? -1 : v ? 1 : 0)) };
    case "categorical": {
      const { codes, levels } = encodeStrings(values as Array<string | null>);
      return { type, codes, levels };
    }
  }
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
