/**
 * Labelled predictions of a model, read from the store: each prediction_log row joined with its
 * prediction_feedback label, across every version that served the model (a retraining learns from what
 * the champions of the past months saw). Rows are ordered by (at, request_id, row_index), newest first
 * when reading back from "now", in chunks by keyset pagination, and kept as columns of raw values,
 * ready to become a Frame typed like the training data. Written with the query builder and row-value
 * comparisons, so it reads SQLite and PostgreSQL stores alike.
 */
import { sql } from "kysely";
import { type Column, type ColumnType, Frame } from "../core/frame.js";
import { columnFromValues } from "../data/index.js";
import type { Store } from "../store/index.js";

/** A position in the model's log order. */
export type LogPosition = readonly [at: number, requestId: string, rowIndex: number];

export interface LabelledRows {
  rows: number;
  /** Request time of each row (epoch ms). */
  at: Float64Array;
  /** The version that answered. */
  versions: Int32Array;
  /** Per logged input field, the value of each row as the client sent it (null when absent). */
  inputs: Map<string, unknown[]>;
  /** The spec's key column, when the model has one (logged in clear). */
  keys: (string | null)[];
  /** The label as sent to the feedback endpoint (class text, or a number). */
  labels: unknown[];
  /** Positions of the oldest and newest rows read, for reading on from there. */
  oldest: LogPosition | null;
  newest: LogPosition | null;
}

export interface ReadLabelledOptions {
  /** Read the latest rows before this position (exclusive); default from the newest. */
  before?: LogPosition | null;
  /** Only rows predicted at or after this time. */
  since?: number;
  /** Only rows predicted at or before this time (a replayed clock in tests). */
  until?: number;
  /** Only rows one of these versions answered. */
  versions?: readonly number[];
  /** Most rows read (the latest). */
  limit: number;
  /** Oldest first instead of newest first (for a guard reading forward from a promotion). */
  ascending?: boolean;
  /** With ascending: start after this position (exclusive). */
  after?: LogPosition | null;
}

const chunkRows = 5000;

interface Raw {
  request_id: string;
  row_index: number | string;
  version: number | string;
  at: number | string;
  inputs: string;
  row_key: string | null;
  label: string;
}

/** Labelled rows of `model`, newest first (or oldest first with `ascending`), at most `limit`. */
export async function readLabelled(
  store: Store,
  model: string,
  options: ReadLabelledOptions,
): Promise<LabelledRows> {
  const inputs = new Map<string, unknown[]>();
  const at: number[] = [];
  const versions: number[] = [];
  const keys: (string | null)[] = [];
  const labels: unknown[] = [];
  const asc = options.ascending === true;
  let cursor: LogPosition | null = (asc ? options.after : options.before) ?? null;
  let firstRead: LogPosition | null = null;
  let lastRead: LogPosition | null = null;
  while (at.length < options.limit) {
    const take = Math.min(chunkRows, options.limit - at.length);
    let q = store.db
      .selectFrom("prediction_log as p")
      .innerJoin("prediction_feedback as f", (j) =>
        j.onRef("f.request_id", "=", "p.request_id").onRef("f.row_index", "=", "p.row_index"),
      )
      .select(["p.request_id", "p.row_index", "p.version", "p.at", "p.inputs", "p.row_key", "f.label"])
      .where("p.model", "=", model);
    if (options.since !== undefined) q = q.where("p.at", ">=", options.since);
    if (options.until !== undefined) q = q.where("p.at", "<=", options.until);
    if (options.versions) q = q.where("p.version", "in", [...options.versions]);
    if (cursor) {
      const [cAt, cId, cRow] = cursor;
      q = q.where(
        asc
          ? sql<boolean>`(p.at, p.request_id, p.row_index) > (${cAt}, ${cId}, ${cRow})`
          : sql<boolean>`(p.at, p.request_id, p.row_index) < (${cAt}, ${cId}, ${cRow})`,
      );
    }
    const dir = asc ? "asc" : "desc";
    const rows = (await q
      .orderBy("p.at", dir)
      .orderBy("p.request_id", dir)
      .orderBy("p.row_index", dir)
      .limit(take)
      .execute()) as Raw[];
    for (const r of rows) {
      const i = at.length;
      const record = JSON.parse(r.inputs) as Record<string, unknown>;
      for (const [name, value] of Object.entries(record)) {
        let column = inputs.get(name);
        if (!column) {
          column = new Array<unknown>(i).fill(null);
          inputs.set(name, column);
        }
        column[i] = value;
      }
      // A field some rows lack (an optional input) stays null there.
      for (const column of inputs.values()) if (column.length === i) column.push(null);
      at.push(Number(r.at));
      versions.push(Number(r.version));
      keys.push(r.row_key);
      labels.push(JSON.parse(r.label));
    }
    if (rows.length > 0) {
      const end = rows[rows.length - 1];
      cursor = [Number(end.at), end.request_id, Number(end.row_index)];
      firstRead ??= [Number(rows[0].at), rows[0].request_id, Number(rows[0].row_index)];
      lastRead = cursor;
    }
    if (rows.length < take) break;
  }
  return {
    rows: at.length,
    at: Float64Array.from(at),
    versions: Int32Array.from(versions),
    inputs,
    keys,
    labels,
    oldest: asc ? firstRead : lastRead,
    newest: asc ? lastRead : firstRead,
  };
}

/** The type each column should take, from the training data (or the model's input schema). */
export type ColumnTypes = ReadonlyMap<string, ColumnType>;

export interface LabelledFrameOptions {
  /** Columns of the frame, in order, with their types: the training data's. */
  columns: ColumnTypes;
  target: string;
  /** Model inputs hashed in the log (PII features): missing in the frame, as a hash says nothing. */
  hashed: ReadonlySet<string>;
  key?: string;
}

/**
 * The rows as a Frame with the training data's columns and types: model inputs from the log (PII ones
 * left missing), the label as the target, the key from the log; columns the log does not carry
 * (excluded ones, PII that is not an input) missing.
 */
export function labelledFrame(rows: LabelledRows, options: LabelledFrameOptions): Frame {
  const n = rows.rows;
  const empty = () => new Array<unknown>(n).fill(null);
  const columns: Array<[string, Column]> = [];
  for (const [name, type] of options.columns) {
    let values: unknown[];
    if (name === options.target) values = rows.labels;
    else if (name === options.key) values = rows.keys;
    else if (options.hashed.has(name)) values = empty();
    else values = rows.inputs.get(name) ?? empty();
    columns.push([name, columnFromValues(values, type)]);
  }
  return new Frame(columns, n);
}

/** Reverses newest-first rows into time order (what a training set and a report expect). */
export function chronological(rows: LabelledRows): LabelledRows {
  const rev = <T>(a: T[]) => [...a].reverse();
  const inputs = new Map<string, unknown[]>();
  for (const [k, v] of rows.inputs) inputs.set(k, rev(v));
  return {
    ...rows,
    at: Float64Array.from(rows.at).reverse(),
    versions: Int32Array.from(rows.versions).reverse(),
    inputs,
    keys: rev(rows.keys),
    labels: rev(rows.labels),
  };
}

/** The first `n` rows and the rest, in the order read. */
export function splitRows(rows: LabelledRows, n: number): [LabelledRows, LabelledRows] {
  const part = (from: number, to: number): LabelledRows => {
    const inputs = new Map<string, unknown[]>();
    for (const [k, v] of rows.inputs) inputs.set(k, v.slice(from, to));
    return {
      rows: Math.max(0, to - from),
      at: rows.at.slice(from, to),
      versions: rows.versions.slice(from, to),
      inputs,
      keys: rows.keys.slice(from, to),
      labels: rows.labels.slice(from, to),
      oldest: null,
      newest: null,
    };
  };
  const k = Math.min(n, rows.rows);
  return [part(0, k), part(k, rows.rows)];
}
