/**
 * Windows of the prediction log, read into columns. A window is a range of one model version's rows
 * ordered by (at, rowid): the latest N rows (by count), or those of a time span. It is read in chunks of
 * `chunkRows` rows by keyset pagination over the (model, version, at) index, each chunk one query whose
 * aggregate returns the chunk's JSON as a single array text, so reading costs one JSON.parse per chunk
 * and the columns fill typed arrays directly: no per-row objects outlive their chunk, and the log is
 * never loaded whole. Labels join from prediction_feedback on (request_id, row_index).
 */
import { sql } from "kysely";
import { MlshipError } from "../core/errors.js";
import type { ColumnType } from "../core/frame.js";
import type { Store } from "../store/index.js";

/** A position in one version's log order: (at, rowid). */
export type LogKey = readonly [at: number, rowid: number];

export interface WindowBounds {
  /** Exclusive lower key; null from the first row. */
  after: LogKey | null;
  /** Inclusive upper key; null to the last row. */
  through: LogKey | null;
  /** The time span the window stands for (for time windows, the span asked; for count windows, its rows'). */
  from: number | null;
  to: number | null;
}

export type WindowRequest = { rows: number } | { durationMs: number };

export type LabelJoin = "none" | "labelled" | "any";

export interface WindowColumnsSpec {
  /** Features to read, with the type the model was trained on (pii: hashed in the log, not read). */
  features: ReadonlyArray<{ name: string; type: ColumnType | "pii" }>;
  /** A classifier's classes (predictions become codes over them); empty for a regressor. */
  classes: readonly string[];
}

export type WindowColumn =
  | { type: "numeric"; values: Float64Array }
  | { type: "categorical"; codes: Int32Array; levels: string[] };

export interface WindowData {
  rows: number;
  /** Epoch ms of each row's request (rows in no particular order). */
  at: Float64Array;
  latencyMs: Float64Array;
  columns: Map<string, WindowColumn>;
  /** Class codes over `classes` (-1 for a class the model does not know), or predicted values. */
  predicted: Int32Array | Float64Array;
  /** Row-major rows x classes probabilities, for classifiers that logged them. */
  proba: Float64Array | null;
  /** When labels were joined: class codes (-1 none) or values (NaN none). */
  labels: Int32Array | Float64Array | null;
  labelled: number;
  /** The rows' time span (null when empty). */
  firstAt: number | null;
  lastAt: number | null;
  /** More rows matched than maxRows; the latest maxRows were read. */
  truncated: boolean;
}

const chunkRows = 5000;

function sqliteOnly(store: Store): void {
  if (store.dialect !== "sqlite") {
    throw new MlshipError({
      what: "monitoring windows are read from SQLite stores only for now",
      where: `store: ${store.path}`,
      fix: "point the monitor at the SQLite store the server writes its prediction log to",
      code: "E_MONITOR_DIALECT",
    });
  }
}

/** One version's rows, or (null) every version's: what the model answered, whichever version did. */
const versionClause = (version: number | null) =>
  version === null ? sql`` : sql`AND p.version = ${version}`;

const joinClause = (labels: LabelJoin) =>
  labels === "none"
    ? sql``
    : labels === "labelled"
      ? sql`JOIN prediction_feedback f ON f.request_id = p.request_id AND f.row_index = p.row_index`
      : sql`LEFT JOIN prediction_feedback f ON f.request_id = p.request_id AND f.row_index = p.row_index`;

/**
 * The key of the n-th latest row (1-based) of the version, counting only labelled rows when asked;
 * null when there are fewer rows.
 */
async function keyFromEnd(
  store: Store,
  model: string,
  version: number | null,
  n: number,
  labels: LabelJoin,
  through: LogKey | null,
  after: LogKey | null = null,
): Promise<LogKey | null> {
  const upper = through === null ? sql`` : sql`AND (p.at, p.rowid) <= (${through[0]}, ${through[1]})`;
  // A lower bound stops the scan at the window's start: asking for the 1,000,001st row of a
  // 5,000-row window reads 5,000 index entries, not a million.
  const lower = after === null ? sql`` : sql`AND (p.at, p.rowid) > (${after[0]}, ${after[1]})`;
  const r = await sql<{ at: number; rid: number }>`
    SELECT p.at AS at, p.rowid AS rid FROM prediction_log p ${joinClause(labels === "labelled" ? "labelled" : "none")}
    WHERE p.model = ${model} ${versionClause(version)} ${upper} ${lower}
    ORDER BY p.at DESC, p.rowid DESC LIMIT 1 OFFSET ${n - 1}`.execute(store.db);
  const row = r.rows[0];
  return row ? [Number(row.at), Number(row.rid)] : null;
}

/**
 * The bounds of the `count` consecutive windows ending at `now`, latest last: for rows windows each
 * holds `rows` rows (counting labelled ones when `labels` is "labelled"), the oldest possibly fewer; for
 * time windows each spans `durationMs`.
 */
export async function windowBounds(
  store: Store,
  model: string,
  version: number | null,
  request: WindowRequest,
  options: { count?: number; now?: number; labels?: LabelJoin } = {},
): Promise<WindowBounds[]> {
  sqliteOnly(store);
  const count = options.count ?? 1;
  const now = options.now ?? Date.now();
  const out: WindowBounds[] = [];
  if ("durationMs" in request) {
    for (let k = count; k >= 1; k--) {
      const from = now - k * request.durationMs;
      const to = now - (k - 1) * request.durationMs;
      out.push({
        after: [from - 1, Number.MAX_SAFE_INTEGER],
        through: [to - 1, Number.MAX_SAFE_INTEGER],
        from,
        to,
      });
    }
    return out;
  }
  const labels = options.labels ?? "none";
  // Rows logged after `now` (a replayed clock in tests and simulations) are not part of any window.
  const last = await keyFromEnd(store, model, version, 1, labels, [now, Number.MAX_SAFE_INTEGER]);
  let through: LogKey | null = last;
  for (let k = 0; k < count && through !== null; k++) {
    const after = await keyFromEnd(store, model, version, request.rows + 1, labels, through);
    out.unshift({ after, through, from: null, to: null });
    through = after;
  }
  if (out.length === 0)
    out.push({
      after: [now, Number.MAX_SAFE_INTEGER],
      through: [now, Number.MAX_SAFE_INTEGER],
      from: null,
      to: null,
    });
  return out;
}

type Cell = unknown;

function numericValue(v: Cell): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v);
    return Number.isFinite(n) ? n : Number.NaN;
  }
  return Number.NaN;
}

/** Grows typed arrays as chunks arrive; `finish` trims them to the rows read. */
class Builder {
  at = new Float64Array(1024);
  latency = new Float64Array(1024);
  predicted: Int32Array | Float64Array;
  proba: Float64Array | null;
  labels: Int32Array | Float64Array | null;
  labelled = 0;
  numeric = new Map<string, Float64Array>();
  codes = new Map<string, Int32Array>();
  levels = new Map<string, Map<string, number>>();
  n = 0;
  capacity = 1024;
  /** Datetime features: ISO text in the log, epoch ms here. */
  readonly dates: ReadonlySet<string>;

  constructor(
    readonly spec: WindowColumnsSpec,
    withLabels: boolean,
  ) {
    const regressor = spec.classes.length === 0;
    this.predicted = regressor ? new Float64Array(1024) : new Int32Array(1024);
    this.proba = regressor ? null : new Float64Array(1024 * spec.classes.length);
    this.labels = withLabels ? (regressor ? new Float64Array(1024) : new Int32Array(1024)) : null;
    this.dates = new Set(spec.features.filter((f) => f.type === "datetime").map((f) => f.name));
    for (const f of spec.features) {
      if (f.type === "numeric" || f.type === "datetime") this.numeric.set(f.name, new Float64Array(1024));
      else if (f.type === "categorical" || f.type === "boolean") {
        this.codes.set(f.name, new Int32Array(1024));
        this.levels.set(f.name, new Map());
      }
    }
  }

  private grow(min: number): void {
    if (min <= this.capacity) return;
    let cap = this.capacity;
    while (cap < min) cap *= 2;
    const resize = <T extends Float64Array | Int32Array>(a: T, per = 1): T => {
      const b = new (a.constructor as new (n: number) => T)(cap * per);
      b.set(a);
      return b;
    };
    this.at = resize(this.at);
    this.latency = resize(this.latency);
    this.predicted = resize(this.predicted);
    if (this.proba) this.proba = resize(this.proba, this.spec.classes.length);
    if (this.labels) this.labels = resize(this.labels);
    for (const [k, a] of this.numeric) this.numeric.set(k, resize(a));
    for (const [k, a] of this.codes) this.codes.set(k, resize(a));
    this.capacity = cap;
  }

  private classCode = new Map<string, number>();

  private code(text: Cell): number {
    if (text === null || text === undefined) return -1;
    if (this.classCode.size === 0) for (const [i, c] of this.spec.classes.entries()) this.classCode.set(c, i);
    return this.classCode.get(String(text)) ?? -1;
  }

  add(chunk: {
    n: number;
    inputs: Cell[];
    predictions: Cell[];
    probabilities: Cell[];
    ats: number[];
    latencies: number[];
    labels: Cell[] | null;
  }): void {
    const start = this.n;
    this.grow(start + chunk.n);
    const k = this.spec.classes.length;
    for (let i = 0; i < chunk.n; i++) {
      const row = start + i;
      this.at[row] = chunk.ats[i];
      this.latency[row] = chunk.latencies[i];
      const p = chunk.predictions[i];
      if (k === 0) (this.predicted as Float64Array)[row] = numericValue(p);
      else {
        (this.predicted as Int32Array)[row] = this.code(p);
        const probs = chunk.probabilities[i] as Record<string, number> | null;
        const proba = this.proba as Float64Array;
        for (let c = 0; c < k; c++)
          proba[row * k + c] = probs ? (probs[this.spec.classes[c]] ?? Number.NaN) : Number.NaN;
      }
      if (this.labels && chunk.labels) {
        const l = chunk.labels[i];
        if (k === 0) {
          const v = l === null || l === undefined ? Number.NaN : numericValue(l);
          (this.labels as Float64Array)[row] = v;
          if (!Number.isNaN(v)) this.labelled++;
        } else {
          const c = this.code(l);
          (this.labels as Int32Array)[row] = c;
          if (l !== null && l !== undefined) this.labelled++;
        }
      }
      const record = chunk.inputs[i] as Record<string, Cell>;
      for (const [name, values] of this.numeric) {
        const v = record[name];
        values[row] = typeof v === "string" && this.dates.has(name) ? Date.parse(v) : numericValue(v);
      }
      for (const [name, codes] of this.codes) {
        const v = record[name];
        if (v === null || v === undefined) codes[row] = -1;
        else {
          const text = String(v);
          const map = this.levels.get(name) as Map<string, number>;
          let c = map.get(text);
          if (c === undefined) {
            c = map.size;
            map.set(text, c);
          }
          codes[row] = c;
        }
      }
    }
    this.n += chunk.n;
  }

  finish(truncated: boolean): WindowData {
    const n = this.n;
    const columns = new Map<string, WindowColumn>();
    for (const f of this.spec.features) {
      const values = this.numeric.get(f.name);
      if (values) columns.set(f.name, { type: "numeric", values: values.slice(0, n) });
      const codes = this.codes.get(f.name);
      if (codes) {
        columns.set(f.name, {
          type: "categorical",
          codes: codes.slice(0, n),
          levels: [...(this.levels.get(f.name) as Map<string, number>).keys()],
        });
      }
    }
    const at = this.at.slice(0, n);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of at) {
      if (t < first) first = t;
      if (t > last) last = t;
    }
    return {
      rows: n,
      at,
      latencyMs: this.latency.slice(0, n),
      columns,
      predicted: this.predicted.slice(0, n),
      proba: this.proba ? this.proba.slice(0, n * this.spec.classes.length) : null,
      labels: this.labels ? this.labels.slice(0, n) : null,
      labelled: this.labelled,
      firstAt: n ? first : null,
      lastAt: n ? last : null,
      truncated,
    };
  }
}

interface ChunkRow {
  n: number;
  inputs: string | null;
  predictions: string | null;
  probabilities: string | null;
  ats: string | null;
  latencies: string | null;
  rids: string | null;
  labels: string | null;
}

/**
 * Reads one window into columns. `labels`: "none" reads no labels, "any" every row with its label when
 * it has one, "labelled" only rows that have a label. At most `maxRows` rows (the latest) are read.
 */
export async function readWindow(
  store: Store,
  model: string,
  version: number | null,
  bounds: WindowBounds,
  spec: WindowColumnsSpec,
  options: { labels?: LabelJoin; maxRows?: number } = {},
): Promise<WindowData> {
  sqliteOnly(store);
  const labels = options.labels ?? "none";
  const maxRows = options.maxRows ?? 1_000_000;
  let after = bounds.after;
  let truncated = false;
  if (maxRows > 0) {
    // More rows than allowed: start where the latest maxRows begin.
    const start = await keyFromEnd(
      store,
      model,
      version,
      maxRows + 1,
      labels === "labelled" ? "labelled" : "none",
      bounds.through,
      after,
    );
    if (start !== null) {
      after = start;
      truncated = true;
    }
  }
  const builder = new Builder(spec, labels !== "none");
  const labelColumn = labels === "none" ? sql`NULL` : sql`f.label`;
  for (;;) {
    const lower = after === null ? sql`` : sql`AND (p.at, p.rowid) > (${after[0]}, ${after[1]})`;
    const upper =
      bounds.through === null
        ? sql``
        : sql`AND (p.at, p.rowid) <= (${bounds.through[0]}, ${bounds.through[1]})`;
    // Every aggregate of one query steps over the same rows in the same order, so the arrays line up
    // row by row; that order is SQLite's choice, so the cursor is the largest key seen, not the last.
    const r = await sql<ChunkRow>`
      SELECT count(*) AS n,
        '[' || group_concat(inputs, ',') || ']' AS inputs,
        '[' || group_concat(prediction, ',') || ']' AS predictions,
        '[' || group_concat(coalesce(probabilities, 'null'), ',') || ']' AS probabilities,
        '[' || group_concat(at, ',') || ']' AS ats,
        '[' || group_concat(latency_ms, ',') || ']' AS latencies,
        '[' || group_concat(rid, ',') || ']' AS rids,
        '[' || group_concat(coalesce(label, 'null'), ',') || ']' AS labels
      FROM (
        SELECT p.rowid AS rid, p.at AS at, p.inputs AS inputs, p.prediction AS prediction,
          p.probabilities AS probabilities, p.latency_ms AS latency_ms, ${labelColumn} AS label
        FROM prediction_log p ${joinClause(labels)}
        WHERE p.model = ${model} ${versionClause(version)} ${lower} ${upper}
        ORDER BY p.at, p.rowid LIMIT ${chunkRows}
      )`.execute(store.db);
    const row = r.rows[0];
    const n = Number(row?.n ?? 0);
    if (n === 0) break;
    const ats = JSON.parse(row.ats as string) as number[];
    const rids = JSON.parse(row.rids as string) as number[];
    builder.add({
      n,
      inputs: JSON.parse(row.inputs as string),
      predictions: JSON.parse(row.predictions as string),
      probabilities: JSON.parse(row.probabilities as string),
      ats,
      latencies: JSON.parse(row.latencies as string),
      labels: labels === "none" ? null : JSON.parse(row.labels as string),
    });
    let last = 0;
    for (let i = 1; i < n; i++)
      if (ats[i] > ats[last] || (ats[i] === ats[last] && rids[i] > rids[last])) last = i;
    after = [ats[last], rids[last]];
    if (n < chunkRows) break;
  }
  return builder.finish(truncated);
}
