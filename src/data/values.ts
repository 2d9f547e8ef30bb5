/**
 * Turning loosely typed values (JSON records, SQLite and PostgreSQL rows) into typed columns. Every
 * source that does not go through DuckDB ends here, so one set of rules decides what is numeric,
 * categorical, boolean or datetime.
 */
import {
  boolean,
  type Column,
  type ColumnType,
  categorical,
  datetime,
  Frame,
  numeric,
} from "../core/frame.js";

/**
 * Unicode code point order (the order of the UTF-8 bytes, which is also DuckDB's VARCHAR order), so
 * that levels sort the same whichever source a column came from. Plain `<` compares UTF-16 code units,
 * which disagrees for characters beyond the Basic Multilingual Plane.
 */
export function compareLevels(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const xs = x >= 0xd800 && x <= 0xdfff;
      const ys = y >= 0xd800 && y <= 0xdfff;
      if (xs !== ys) return xs ? 1 : -1;
      return x - y;
    }
  }
  return a.length - b.length;
}

/** Levels sorted, codes pointing into them; -1 for missing. */
export function encodeStrings(values: ArrayLike<string | null>): { codes: Int32Array; levels: string[] } {
  const seen = new Map<string, number>();
  const firstCodes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      firstCodes[i] = -1;
      continue;
    }
    let code = seen.get(v);
    if (code === undefined) {
      code = seen.size;
      seen.set(v, code);
    }
    firstCodes[i] = code;
  }
  const byAppearance = [...seen.keys()];
  const levels = [...byAppearance].sort(compareLevels);
  const remap = new Int32Array(levels.length);
  levels.forEach((l, k) => {
    remap[seen.get(l) as number] = k;
  });
  for (let i = 0; i < firstCodes.length; i++) if (firstCodes[i] >= 0) firstCodes[i] = remap[firstCodes[i]];
  return { codes: firstCodes, levels };
}

/**
 * Encodes string columns, one call per frame, so that the frames share one levels array: the levels
 * seen in earlier calls, in order of appearance, up to `maxLevels`. What a transformer derives from a
 * frame's levels (a one-hot encoder's output column per level) can then be kept per levels array
 * rather than worked out again for every frame, which matters to a server scoring one row at a time.
 * Levels are strings to every consumer, so their order and the unused ones change no result. Past
 * `maxLevels` (a column of ids, or a client sending noise) a call falls back to encodeStrings.
 */
export class SharedLevels {
  #levels: readonly string[] = [];
  readonly #codeOf = new Map<string, number>();

  constructor(private readonly maxLevels = 256) {}

  encode(values: ArrayLike<string | null>): { codes: Int32Array; levels: readonly string[] } {
    const codes = new Int32Array(values.length);
    const added: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null) {
        codes[i] = -1;
        continue;
      }
      let code = this.#codeOf.get(v);
      if (code === undefined) {
        if (this.#codeOf.size >= this.maxLevels) {
          if (added.length > 0) this.#levels = [...this.#levels, ...added];
          return encodeStrings(values);
        }
        code = this.#codeOf.size;
        this.#codeOf.set(v, code);
        added.push(v);
      }
      codes[i] = code;
    }
    // A new array: earlier frames keep the levels they were encoded with.
    if (added.length > 0) this.#levels = [...this.#levels, ...added];
    return { codes, levels: this.#levels };
  }
}

const isoDate =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch ms of an ISO 8601 date or timestamp, or NaN when the string is not one. A timestamp without a
 * zone is taken as UTC, as DuckDB does, so the same data gives the same instants from every source.
 */
export function parseIsoDate(s: string): number {
  const m = isoDate.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN;
  let ms = Date.UTC(
    Number(y),
    month - 1,
    day,
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(sec ?? 0),
    frac ? Math.floor(Number(frac) * 1000) : 0,
  );
  if (new Date(ms).getUTCDate() !== day) return Number.NaN;
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
    ms -= sign * offset * 60_000;
  }
  return ms;
}

/** What a declared database type says about a column, when it says anything. */
export type TypeHint = ColumnType | undefined;

function missingValue(v: unknown): boolean {
  return v === null || v === undefined || (typeof v === "number" && Number.isNaN(v));
}

function toText(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function toNumber(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "string") {
    const t = v.trim();
    return t === "" ? Number.NaN : Number(t);
  }
  return Number.NaN;
}

/**
 * One typed column from raw values. Without a hint: all numbers (or bigints) -> numeric, all booleans
 * -> boolean, all ISO date strings -> datetime, Date objects -> datetime, anything else -> categorical
 * (numbers mixed with non-numeric strings become their text). A column with no values at all is numeric.
 */
export function columnFromValues(values: readonly unknown[], hint?: TypeHint): Column {
  const n = values.length;
  const type = hint ?? detectType(values);
  switch (type) {
    case "numeric": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = missingValue(values[i]) ? Number.NaN : toNumber(values[i]);
      return numeric(out);
    }
    case "boolean": {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[i] = missingValue(v) ? -1 : v === true || v === 1 || v === "true" || v === "t" ? 1 : 0;
      }
      return boolean(out);
    }
    case "datetime": {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (missingValue(v)) out[i] = Number.NaN;
        else if (v instanceof Date) out[i] = v.getTime();
        else if (typeof v === "number") out[i] = v;
        else out[i] = parseIsoDate(toText(v));
      }
      return datetime(out);
    }
    case "categorical": {
      const text: Array<string | null> = new Array(n);
      for (let i = 0; i < n; i++) text[i] = missingValue(values[i]) ? null : toText(values[i]);
      const { codes, levels } = encodeStrings(text);
      return categorical(codes, levels);
    }
  }
}

function detectType(values: readonly unknown[]): ColumnType {
  let numbers = 0;
  let booleans = 0;
  let dates = 0;
  let isoStrings = 0;
  let others = 0;
  for (const v of values) {
    if (missingValue(v)) continue;
    if (typeof v === "number" || typeof v === "bigint") numbers++;
    else if (typeof v === "boolean") booleans++;
    else if (v instanceof Date) dates++;
    else if (typeof v === "string" && !Number.isNaN(parseIsoDate(v))) isoStrings++;
    else others++;
  }
  const total = numbers + booleans + dates + isoStrings + others;
  if (total === 0 || numbers === total) return "numeric";
  if (booleans === total) return "boolean";
  if (dates + isoStrings === total) return "datetime";
  return "categorical";
}

/** A Frame from plain records; columns in order of first appearance, absent keys are missing values. */
export function frameFromRecords(records: readonly Record<string, unknown>[]): Frame {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
    }
  }
  const cols = names.map((name) => {
    const values = new Array<unknown>(records.length);
    for (let i = 0; i < records.length; i++) values[i] = records[i][name];
    return [name, columnFromValues(values)] as const;
  });
  return new Frame(cols, records.length);
}

/** A Frame from rows given as arrays, with optional per-column type hints (declared database types). */
export function frameFromRows(
  names: readonly string[],
  rows: readonly (readonly unknown[])[],
  hints: readonly TypeHint[] = [],
): Frame {
  const cols = names.map((name, j) => {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = rows[i][j];
    return [name, columnFromValues(values, hints[j])] as const;
  });
  return new Frame(cols, rows.length);
}
