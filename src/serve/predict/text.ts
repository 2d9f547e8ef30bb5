/**
 * CSV and NDJSON request bodies as they arrive: bytes decoded as UTF-8 across chunk boundaries (a
 * character split between two network reads is kept whole), split into records incrementally, with a
 * bound on one record's length so a body without line breaks cannot grow the server's memory without
 * limit. CSV follows RFC 4180: a field that starts with a quote may hold commas, quotes (doubled) and
 * line breaks; lines end in LF or CRLF; a leading byte-order mark is dropped; blank lines are skipped.
 * Lines without quotes (nearly all) are split by the engine's own `split`.
 */
import { StringDecoder } from "node:string_decoder";
import type { ColumnType, Frame } from "../../core/frame.js";
import { Frame as FrameClass } from "../../core/frame.js";
import { encodeStrings, parseIsoDate } from "../../data/index.js";
import { expected, InputError, type RowProblem, shown, shownProblems } from "./input.js";

/** Text that JSON must escape (a CSV cell, decoded from UTF-8, holds no lone surrogate). */
const needsEscape = /["\\\u0000-\u001f]/;

/** A body as it arrives (a request stream), or already read whole. */
export type Body = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** Longest CSV record or NDJSON line accepted, in characters. */
export const maxRecordChars = 1 << 20;

function tooLong(row: number, what: string, hint: string): InputError {
  return new InputError([
    {
      ...(row >= 0 ? { row } : {}),
      field: "*",
      problem: `${what} is longer than ${maxRecordChars} characters (${hint})`,
    },
  ]);
}

/** A record's fields from `s` at `at`, quotes and all, or undefined when the text ends inside it. */
function quotedRecord(s: string, at: number, final: boolean): { fields: string[]; next: number } | undefined {
  const fields: string[] = [];
  let i = at;
  for (;;) {
    let field = "";
    if (s.charCodeAt(i) === 34) {
      // A quoted field: up to the quote that is not doubled.
      i++;
      for (;;) {
        const q = s.indexOf('"', i);
        if (q < 0) return undefined;
        field += s.slice(i, q);
        if (s.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
          continue;
        }
        if (q + 1 === s.length && !final) return undefined;
        i = q + 1;
        break;
      }
    }
    // Unquoted text (or what follows a closing quote) runs to the next comma or line end.
    let j = i;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (c === 44 || c === 10) break;
      j++;
    }
    if (j === s.length && !final) return undefined;
    let tail = s.slice(i, j);
    if (s.charCodeAt(j) !== 44 && tail.endsWith("\r")) tail = tail.slice(0, -1);
    fields.push(field + tail);
    if (j === s.length) return { fields, next: j };
    if (s.charCodeAt(j) === 10) return { fields, next: j + 1 };
    i = j + 1;
  }
}

/** CSV records, each an array of its fields, as the body arrives. */
export async function* csvRecords(body: Body): AsyncGenerator<string[][]> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let first = true;
  // Numbered as the API numbers rows: the first record is the header, the next one row 0.
  let row = -1;
  const parse = (text: string, final: boolean): string[][] => {
    const out: string[][] = [];
    let at = 0;
    while (at < text.length) {
      const end = text.indexOf("\n", at);
      if (end < 0 && !final) break;
      const lineEnd = end < 0 ? text.length : end;
      const quote = text.indexOf('"', at);
      if (quote < 0 || quote > lineEnd) {
        const line = text.slice(at, text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd);
        at = lineEnd + 1;
        if (line !== "") out.push(line.split(","));
        row++;
        continue;
      }
      const rec = quotedRecord(text, at, final);
      if (rec === undefined) {
        if (final)
          throw new InputError([
            { ...(row >= 0 ? { row } : {}), field: "*", problem: "a quoted field is never closed" },
          ]);
        break;
      }
      at = rec.next;
      out.push(rec.fields);
      row++;
    }
    rest = text.slice(at);
    if (rest.length > maxRecordChars)
      throw tooLong(
        row,
        "a CSV record",
        "a quoted field that is never closed, or a body without line breaks?",
      );
    return out;
  };
  for await (const chunk of body) {
    let text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const records = parse(rest + text, false);
    if (records.length > 0) yield records;
  }
  const records = parse(rest + decoder.end(), true);
  if (records.length > 0) yield records;
}

/** NDJSON lines (blank ones skipped) as they arrive. */
export async function* ndjsonLines(body: Body): AsyncGenerator<string[]> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let row = 0;
  const split = (text: string, final: boolean): string[] => {
    const parts = text.split("\n");
    rest = final ? "" : (parts.pop() ?? "");
    if (rest.length > maxRecordChars) throw tooLong(row, "an NDJSON line", "one JSON object per line");
    const lines = parts.filter((l) => l.trim() !== "");
    row += lines.length;
    return lines;
  };
  for await (const chunk of body) {
    const lines = split(rest + (typeof chunk === "string" ? chunk : decoder.write(chunk)), false);
    if (lines.length > 0) yield lines;
  }
  const lines = split(rest + decoder.end(), true);
  if (lines.length > 0) yield lines;
}

/** One CSV cell as the column's value: NaN / -1 / null when empty, undefined when it cannot be one. */
function parseCell(type: ColumnType, s: string): number | string | null | undefined {
  if (s === "") return type === "categorical" ? null : type === "boolean" ? -1 : Number.NaN;
  switch (type) {
    case "numeric": {
      const n = Number(s);
      return Number.isFinite(n) && s.trim() !== "" ? n : undefined;
    }
    case "boolean":
      return s === "true" ? 1 : s === "false" ? 0 : undefined;
    case "categorical":
      return s;
    case "datetime": {
      const t = parseIsoDate(s);
      return Number.isNaN(t) ? undefined : t;
    }
  }
}

/**
 * CSV rows of one header read into the model's Frame by column, and into the records the prediction
 * log keeps (cells typed as a JSON client would have sent them); no object per row is made for scoring.
 */
export class CsvReader {
  private readonly columns: Array<{ name: string; type: ColumnType; at: number }>;
  /** Every header field's name and type (undefined for the key and PII columns), for the records. */
  private readonly fields: Array<{ name: string; type: ColumnType | undefined }>;

  constructor(
    columns: ReadonlyArray<{ name: string; type: ColumnType }>,
    private readonly header: readonly string[],
  ) {
    const at = new Map(header.map((h, j) => [h, j]));
    this.columns = columns.map((c) => ({ name: c.name, type: c.type, at: at.get(c.name) ?? -1 }));
    const types = new Map(columns.map((c) => [c.name, c.type]));
    this.fields = header.map((name) => ({ name, type: types.get(name) }));
  }

  frame(rows: readonly string[][], firstRow: number): Frame {
    const n = rows.length;
    const width = this.header.length;
    let bad = false;
    for (let i = 0; i < n; i++) if (rows[i].length !== width) bad = true;
    const out = this.columns.map((c) => {
      const at = c.at;
      if (c.type === "categorical") {
        const text = new Array<string | null>(n);
        for (let i = 0; i < n; i++) {
          const s = rows[i][at] ?? "";
          text[i] = s === "" ? null : s;
        }
        const { codes, levels } = encodeStrings(text);
        return [c.name, { type: c.type, codes, levels }] as const;
      }
      const values = c.type === "boolean" ? new Int8Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = parseCell(c.type, rows[i][at] ?? "");
        if (v === undefined) bad = true;
        else values[i] = v as number;
      }
      return [c.name, { type: c.type, values }] as const;
    });
    if (bad) throw this.problemsOf(rows, firstRow);
    return new FrameClass(out as never, n);
  }

  /** Every problem of the rows, by row and then field (the first 100 listed). */
  private problemsOf(rows: readonly string[][], firstRow: number): InputError {
    const problems: RowProblem[] = [];
    let total = 0;
    const note = (p: RowProblem) => {
      total++;
      if (problems.length < shownProblems) problems.push(p);
    };
    rows.forEach((cells, i) => {
      const row = firstRow + i;
      if (cells.length !== this.header.length)
        note({
          row,
          field: "*",
          problem: `has ${cells.length} fields, the header has ${this.header.length}`,
        });
      for (const c of this.columns) {
        const s = cells[c.at] ?? "";
        if (parseCell(c.type, s) === undefined)
          note({ row, field: c.name, problem: `expected ${expected[c.type]}, got ${shown(s)}` });
      }
    });
    return new InputError(problems, total);
  }

  /** `records(rows)` as JSON text, written from the cells (the same values, in the header's order). */
  recordsJson(rows: readonly string[][]): string[] {
    const fields = this.fields.map((f, j) => ({
      prefix: `${j === 0 ? "{" : ","}${JSON.stringify(f.name)}:`,
      type: f.type,
    }));
    const out = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const cells = rows[i];
      let text = "";
      for (let j = 0; j < fields.length; j++) {
        const s = cells[j] ?? "";
        const type = fields[j].type;
        text +=
          fields[j].prefix +
          (s === ""
            ? "null"
            : type === "numeric"
              ? String(Number(s))
              : type === "boolean"
                ? String(s === "true")
                : needsEscape.test(s)
                  ? JSON.stringify(s)
                  : `"${s}"`);
      }
      out[i] = `${text}}`;
    }
    return out;
  }

  /** The rows as `{field: value}`: empty cells null, numbers and booleans typed, the rest as text. */
  records(rows: readonly string[][]): Record<string, unknown>[] {
    const out = new Array<Record<string, unknown>>(rows.length);
    const fields = this.fields;
    for (let i = 0; i < rows.length; i++) {
      const rec: Record<string, unknown> = {};
      const cells = rows[i];
      for (let j = 0; j < fields.length; j++) {
        const s = cells[j] ?? "";
        const type = fields[j].type;
        rec[fields[j].name] =
          s === "" ? null : type === "numeric" ? Number(s) : type === "boolean" ? s === "true" : s;
      }
      out[i] = rec;
    }
    return out;
  }
}
