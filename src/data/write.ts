/**
 * Writing Frames out as CSV or NDJSON, chunk by chunk, so a scored file of any size streams to disk.
 * Files are written under a temporary name and renamed when complete: a crash never leaves half a file
 * where the user expects a whole one.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { type Column, type Frame, isMissing } from "../core/frame.js";

export type OutputFormat = "csv" | "ndjson";

export function outputFormatOf(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  return ext === ".ndjson" || ext === ".jsonl" || ext === ".json" ? "ndjson" : "csv";
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function cellText(c: Column, i: number): string {
  if (isMissing(c, i)) return "";
  switch (c.type) {
    case "numeric":
      return String(c.values[i]);
    case "datetime":
      return new Date(c.values[i]).toISOString();
    case "boolean":
      return c.values[i] === 1 ? "true" : "false";
    case "categorical":
      return csvField(c.levels[c.codes[i]]);
  }
}

function cellJson(c: Column, i: number): number | string | boolean | null {
  if (isMissing(c, i)) return null;
  switch (c.type) {
    case "numeric":
      return Number.isFinite(c.values[i]) ? c.values[i] : null;
    case "datetime":
      return new Date(c.values[i]).toISOString();
    case "boolean":
      return c.values[i] === 1;
    case "categorical":
      return c.levels[c.codes[i]];
  }
}

export function csvHeader(names: readonly string[]): string {
  return `${names.map(csvField).join(",")}\n`;
}

/** The rows of a frame as CSV lines (no header). */
export function csvRows(frame: Frame): string {
  const cols = frame.entries().map(([, c]) => c);
  let out = "";
  for (let i = 0; i < frame.nRows; i++) {
    let line = "";
    for (let j = 0; j < cols.length; j++) line += (j === 0 ? "" : ",") + cellText(cols[j], i);
    out += `${line}\n`;
  }
  return out;
}

/** The rows of a frame as NDJSON lines. */
export function ndjsonRows(frame: Frame): string {
  const cols = frame.entries();
  let out = "";
  for (let i = 0; i < frame.nRows; i++) {
    const row: Record<string, unknown> = {};
    for (const [n, c] of cols) row[n] = cellJson(c, i);
    out += `${JSON.stringify(row)}\n`;
  }
  return out;
}

/** An output file written chunk by chunk and renamed into place only by `commit`. */
export class ChunkedWriter {
  readonly #path: string;
  readonly #tmp: string;
  readonly #format: OutputFormat;
  #fd: number | null;
  #header = false;
  rows = 0;

  constructor(path: string, format: OutputFormat = outputFormatOf(path)) {
    this.#path = path;
    this.#format = format;
    this.#tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    this.#fd = openSync(this.#tmp, "wx", 0o644);
  }

  write(frame: Frame): void {
    if (this.#fd === null) throw new Error("writer is closed");
    let text = "";
    if (this.#format === "csv" && !this.#header) text += csvHeader(frame.names);
    this.#header = true;
    text += this.#format === "csv" ? csvRows(frame) : ndjsonRows(frame);
    writeSync(this.#fd, text);
    this.rows += frame.nRows;
  }

  commit(): void {
    if (this.#fd === null) return;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = null;
    renameSync(this.#tmp, this.#path);
  }

  abort(): void {
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    rmSync(this.#tmp, { force: true });
  }
}

export function writeFrame(path: string, frame: Frame, format: OutputFormat = outputFormatOf(path)): void {
  const w = new ChunkedWriter(path, format);
  try {
    w.write(frame);
    w.commit();
  } catch (err) {
    w.abort();
    throw err;
  }
}
