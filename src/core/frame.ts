/**
 * The columnar table every stage passes along. Numeric data lives in typed arrays so kernels never
 * touch per-row objects; categorical data is dictionary-encoded so a million rows of "Month-to-month"
 * cost four bytes each.
 */
import { MlshipError } from "./errors.js";

export type ColumnType = "numeric" | "categorical" | "boolean" | "datetime";

/** Float64 values, NaN for missing. */
export interface NumericColumn {
  readonly type: "numeric";
  readonly values: Float64Array;
}
/** Codes index into `levels`; -1 is missing. */
export interface CategoricalColumn {
  readonly type: "categorical";
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}
/** 1 true, 0 false, -1 missing. */
export interface BooleanColumn {
  readonly type: "boolean";
  readonly values: Int8Array;
}
/** Epoch milliseconds (UTC), NaN for missing. */
export interface DatetimeColumn {
  readonly type: "datetime";
  readonly values: Float64Array;
}

export type Column = NumericColumn | CategoricalColumn | BooleanColumn | DatetimeColumn;

export const numeric = (values: Float64Array): NumericColumn => ({ type: "numeric", values });
export const categorical = (codes: Int32Array, levels: readonly string[]): CategoricalColumn => ({
  type: "categorical",
  codes,
  levels,
});
export const boolean = (values: Int8Array): BooleanColumn => ({ type: "boolean", values });
export const datetime = (values: Float64Array): DatetimeColumn => ({ type: "datetime", values });

export function columnLength(c: Column): number {
  return c.type === "categorical" ? c.codes.length : c.values.length;
}

export function isMissing(c: Column, i: number): boolean {
  switch (c.type) {
    case "numeric":
    case "datetime":
      return Number.isNaN(c.values[i]);
    case "categorical":
      return c.codes[i] === -1;
    case "boolean":
      return c.values[i] === -1;
  }
}

/** The value of one cell as plain JS (null when missing); for reports and examples, not hot loops. */
export function cellValue(c: Column, i: number): number | string | boolean | null {
  if (isMissing(c, i)) return null;
  switch (c.type) {
    case "numeric":
      return c.values[i];
    case "datetime":
      return new Date(c.values[i]).toISOString();
    case "categorical":
      return c.levels[c.codes[i]];
    case "boolean":
      return c.values[i] === 1;
  }
}

function sliceColumn(c: Column, start: number, end: number): Column {
  // subarray shares the buffer: a contiguous row range costs nothing.
  switch (c.type) {
    case "categorical":
      return categorical(c.codes.subarray(start, end), c.levels);
    case "numeric":
      return numeric(c.values.subarray(start, end));
    case "datetime":
      return datetime(c.values.subarray(start, end));
    case "boolean":
      return boolean(c.values.subarray(start, end));
  }
}

/** The given rows of one column (copies only those rows). */
export function takeColumn(c: Column, idx: Int32Array | readonly number[]): Column {
  const n = idx.length;
  switch (c.type) {
    case "categorical": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = c.codes[idx[i]];
      return categorical(out, c.levels);
    }
    case "boolean": {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = c.values[idx[i]];
      return boolean(out);
    }
    default: {
      const out = new Float64Array(n);
      const v = c.values;
      for (let i = 0; i < n; i++) out[i] = v[idx[i]];
      return c.type === "numeric" ? numeric(out) : datetime(out);
    }
  }
}

/**
 * An immutable table: explicit row count, column order and types. Selecting columns shares the column
 * objects; slicing rows shares buffers; only `take` (arbitrary rows) copies, and only the rows taken.
 */
export class Frame {
  readonly nRows: number;
  readonly names: readonly string[];
  readonly #columns: ReadonlyMap<string, Column>;

  constructor(columns: Iterable<readonly [string, Column]>, nRows?: number) {
    const map = new Map<string, Column>();
    const names: string[] = [];
    let rows = nRows;
    for (const [name, col] of columns) {
      // One map operation per column (frames are built at every step of a pipeline, once per request
      // when a server scores single rows): a name already there leaves the size unchanged.
      const size = map.size;
      map.set(name, col);
      if (map.size === size) {
        throw new MlshipError({
          what: `duplicate column name "${name}"`,
          fix: "rename or drop one of the columns",
          code: "E_FRAME_DUPLICATE_COLUMN",
        });
      }
      const len = columnLength(col);
      if (rows === undefined) rows = len;
      else if (len !== rows) {
        throw new MlshipError({
          what: `column "${name}" has ${len} rows, expected ${rows}`,
          code: "E_FRAME_LENGTH",
        });
      }
      names.push(name);
    }
    this.nRows = rows ?? 0;
    this.names = names;
    this.#columns = map;
  }

  static fromColumns(columns: Record<string, Column>): Frame {
    return new Frame(Object.entries(columns));
  }

  get nCols(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.#columns.has(name);
  }

  column(name: string): Column {
    const c = this.#columns.get(name);
    if (!c) {
      throw new MlshipError({
        what: `unknown column "${name}"`,
        where: `available columns: ${this.names.join(", ")}`,
        fix: "check the column name (names are case-sensitive)",
        code: "E_UNKNOWN_COLUMN",
      });
    }
    return c;
  }

  /** Typed accessors that fail clearly when a column is not of the expected type. */
  numeric(name: string): Float64Array {
    const c = this.column(name);
    if (c.type !== "numeric") throw typeError(name, "numeric", c.type);
    return c.values;
  }

  categorical(name: string): CategoricalColumn {
    const c = this.column(name);
    if (c.type !== "categorical") throw typeError(name, "categorical", c.type);
    return c;
  }

  types(): Record<string, ColumnType> {
    const out: Record<string, ColumnType> = {};
    for (const n of this.names) out[n] = this.column(n).type;
    return out;
  }

  entries(): Array<[string, Column]> {
    return this.names.map((n) => [n, this.column(n)]);
  }

  select(names: readonly string[]): Frame {
    return new Frame(
      names.map((n) => [n, this.column(n)] as const),
      this.nRows,
    );
  }

  drop(names: readonly string[]): Frame {
    for (const n of names) this.column(n);
    const gone = new Set(names);
    return this.select(this.names.filter((n) => !gone.has(n)));
  }

  /** Replace or append columns, keeping the original order for replaced ones. */
  with(columns: Record<string, Column>): Frame {
    const next = new Map(this.entries());
    for (const [n, c] of Object.entries(columns)) next.set(n, c);
    return new Frame(next, this.nRows);
  }

  rename(mapping: Record<string, string>): Frame {
    return new Frame(
      this.entries().map(([n, c]) => [mapping[n] ?? n, c] as const),
      this.nRows,
    );
  }

  /** Rows [start, end) without copying. */
  slice(start: number, end: number = this.nRows): Frame {
    const s = Math.max(0, Math.min(start, this.nRows));
    const e = Math.max(s, Math.min(end, this.nRows));
    return new Frame(
      this.entries().map(([n, c]) => [n, sliceColumn(c, s, e)] as const),
      e - s,
    );
  }

  /** Rows at the given indices, in that order (copies only those rows). */
  take(indices: Int32Array | readonly number[]): Frame {
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i];
      if (!(r >= 0 && r < this.nRows && Number.isInteger(r))) {
        throw new MlshipError({
          what: `row index ${r} out of range 0..${this.nRows - 1}`,
          code: "E_FRAME_INDEX",
        });
      }
    }
    return new Frame(
      this.entries().map(([n, c]) => [n, takeColumn(c, indices)] as const),
      indices.length,
    );
  }

  /** Rows as plain objects, for reports, examples and JSON output; never for hot loops. */
  rows(start = 0, end: number = this.nRows): Array<Record<string, number | string | boolean | null>> {
    const out: Array<Record<string, number | string | boolean | null>> = [];
    const cols = this.entries();
    for (let i = start; i < Math.min(end, this.nRows); i++) {
      const row: Record<string, number | string | boolean | null> = {};
      for (const [n, c] of cols) row[n] = cellValue(c, i);
      out.push(row);
    }
    return out;
  }

  /** Numeric columns gathered into one column-major Float64Array (n * p), for model kernels. */
  toMatrix(names: readonly string[] = this.names): { data: Float64Array; nRows: number; nCols: number } {
    const n = this.nRows;
    const data = new Float64Array(n * names.length);
    names.forEach((name, j) => {
      const c = this.column(name);
      if (c.type === "numeric" || c.type === "datetime") data.set(c.values, j * n);
      else if (c.type === "boolean") {
        for (let i = 0; i < n; i++) data[j * n + i] = c.values[i] === -1 ? Number.NaN : c.values[i];
      } else throw typeError(name, "numeric", c.type);
    });
    return { data, nRows: n, nCols: names.length };
  }
}

function typeError(name: string, expected: ColumnType, actual: ColumnType): MlshipError {
  return new MlshipError({
    what: `column "${name}" is ${actual}, expected ${expected}`,
    fix: "encode or convert the column first (e.g. OneHotEncoder for categorical data)",
    code: "E_COLUMN_TYPE",
  });
}

/**
 * A classification target as a categorical column: numeric labels become their decimal strings in
 * numeric order (so classes sort as scikit-learn's do), booleans become "false"/"true".
 */
export function asCategorical(c: Column): CategoricalColumn {
  switch (c.type) {
    case "categorical":
      return c;
    case "boolean":
      return categorical(
        Int32Array.from(c.values, (v) => (v === -1 ? -1 : v)),
        ["false", "true"],
      );
    default: {
      const distinct = [...new Set(c.values)].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
      const index = new Map(distinct.map((v, k) => [v, k]));
      const levels = distinct.map((v) => (c.type === "datetime" ? new Date(v).toISOString() : String(v)));
      return categorical(
        Int32Array.from(c.values, (v) => index.get(v) ?? -1),
        levels,
      );
    }
  }
}
