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

/** A frame's column order and each name's position, shared by the frames with the same names. */
interface Layout {
  readonly names: readonly string[];
  readonly position: ReadonlyMap<string, number>;
}

/** `names` frozen as they are when `own` (an array no one else holds), else a frozen copy. */
function layoutOf(names: readonly string[], own: boolean): Layout {
  const position = new Map<string, number>();
  for (let j = 0; j < names.length; j++) {
    // One map operation per column: a name already there leaves the size unchanged.
    const size = position.size;
    position.set(names[j], j);
    if (position.size === size) {
      throw new MlshipError({
        what: `duplicate column name "${names[j]}"`,
        fix: "rename or drop one of the columns",
        code: "E_FRAME_DUPLICATE_COLUMN",
      });
    }
  }
  return { names: Object.freeze(own ? names : [...names]), position };
}

/**
 * Layouts by the names array they were made from (and by their own frozen copy), so that the frames a
 * fitted transformer builds at every call (once per request when a server scores single rows) share one
 * instead of building a map each. The copy is compared on every hit, so an array changed since is
 * never given a stale layout.
 */
const layouts = new WeakMap<readonly string[], Layout>();

function sharedLayout(names: readonly string[]): Layout {
  const hit = layouts.get(names);
  if (hit !== undefined && sameNames(hit.names, names)) return hit;
  const layout = layoutOf(names, false);
  layouts.set(names, layout);
  layouts.set(layout.names, layout);
  return layout;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) if (a[j] !== b[j]) return false;
  return true;
}

const namesByOwner = new WeakMap<object, readonly string[]>();

/** Column names made once per owner (a fitted state, a model), for Frame.of at every call. */
export function namesFor(owner: object, make: () => readonly string[]): readonly string[] {
  let names = namesByOwner.get(owner);
  if (names === undefined) {
    names = make();
    namesByOwner.set(owner, names);
  }
  return names;
}

/** What Frame.of hands its constructor (see there). */
let preparedLayout: Layout | undefined;
let preparedColumns: readonly Column[] = [];
const noColumns: ReadonlyArray<readonly [string, Column]> = [];

/** The row count every column has (`nRows` when given), or an error naming the column that differs. */
function checkedRows(
  names: readonly string[],
  columns: readonly Column[],
  nRows: number | undefined,
): number {
  let rows = nRows;
  for (let j = 0; j < columns.length; j++) {
    const len = columnLength(columns[j]);
    if (rows === undefined) rows = len;
    else if (len !== rows) {
      throw new MlshipError({
        what: `column "${names[j]}" has ${len} rows, expected ${rows}`,
        code: "E_FRAME_LENGTH",
      });
    }
  }
  return rows ?? 0;
}

/**
 * An immutable table: explicit row count, column order and types. Selecting columns shares the column
 * objects; slicing rows shares buffers; only `take` (arbitrary rows) copies, and only the rows taken.
 */
export class Frame {
  readonly nRows: number;
  readonly names: readonly string[];
  readonly #position: ReadonlyMap<string, number>;
  readonly #columns: readonly Column[];

  constructor(columns: Iterable<readonly [string, Column]>, nRows?: number) {
    let layout: Layout;
    let cols: readonly Column[];
    if (preparedLayout !== undefined) {
      layout = preparedLayout;
      cols = preparedColumns;
      preparedLayout = undefined;
    } else {
      const names: string[] = [];
      const own: Column[] = [];
      for (const [name, col] of columns) {
        names.push(name);
        own.push(col);
      }
      layout = layoutOf(names, true);
      cols = own;
    }
    this.nRows = checkedRows(layout.names, cols, nRows);
    this.names = layout.names;
    this.#position = layout.position;
    this.#columns = cols;
  }

  /**
   * The frame of `columns` named `names`, in order (`columns` is kept as given: do not change it
   * afterwards). For frames built again and again with the same names (a fitted transformer's output
   * at every call): pass the same array each time (`namesFor`) and the frames share one name index
   * instead of building a map each.
   */
  static of(names: readonly string[], columns: readonly Column[], nRows?: number): Frame {
    if (columns.length !== names.length) {
      throw new MlshipError({
        what: `${names.length} column names for ${columns.length} columns`,
        code: "E_FRAME_LENGTH",
      });
    }
    // Handed to the constructor beside its arguments, so frames keep one shape and their #fields.
    preparedLayout = sharedLayout(names);
    preparedColumns = columns;
    try {
      return new Frame(noColumns, nRows);
    } finally {
      preparedLayout = undefined;
      preparedColumns = [];
    }
  }

  static fromColumns(columns: Record<string, Column>): Frame {
    return new Frame(Object.entries(columns));
  }

  get nCols(): number {
    return this.names.length;
  }

  has(name: string): boolean {
    return this.#position.has(name);
  }

  column(name: string): Column {
    const j = this.#position.get(name);
    if (j === undefined) {
      throw new MlshipError({
        what: `unknown column "${name}"`,
        where: `available columns: ${this.names.join(", ")}`,
        fix: "check the column name (names are case-sensitive)",
        code: "E_UNKNOWN_COLUMN",
      });
    }
    return this.#columns[j];
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
    return this.names.map((n, j) => [n, this.#columns[j]]);
  }

  /** These columns, in this order; a fitted transformer passes the same array at every call (see `of`). */
  select(names: readonly string[]): Frame {
    return Frame.of(
      names,
      names.map((n) => this.column(n)),
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
    return Frame.of(
      this.names,
      this.#columns.map((c) => sliceColumn(c, s, e)),
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
    return Frame.of(
      this.names,
      this.#columns.map((c) => takeColumn(c, indices)),
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
