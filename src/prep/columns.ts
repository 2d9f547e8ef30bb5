/**
 * Column checks shared by the transformers: what types a transformer accepts at fit, and that transform
 * sees the columns (and types) it was fitted on. Each turns a user mistake into an MlshipError naming the
 * transformer and the column.
 */
import { MlshipError } from "../core/errors.js";
import { type Column, type ColumnType, Frame, numeric } from "../core/frame.js";

/** The frame's columns, checked against the types `kind` accepts. */
export function acceptedColumns(
  X: Frame,
  kind: string,
  accepts: readonly ColumnType[],
  hint: string,
): string[] {
  for (const name of X.names) {
    const type = X.column(name).type;
    if (!accepts.includes(type)) {
      throw new MlshipError({
        what: `${kind} cannot fit column "${name}": it is ${type}, expected ${accepts.join(" or ")}`,
        where: `column "${name}"`,
        fix: hint,
        code: "E_PREP_COLUMN_TYPE",
      });
    }
  }
  return [...X.names];
}

/** A column seen at fit, of the same type. */
export function fittedColumn<T extends ColumnType>(
  X: Frame,
  kind: string,
  name: string,
  type: T,
): Column & { type: T } {
  if (!X.has(name)) {
    throw new MlshipError({
      what: `${kind} was fitted with column "${name}", which this data does not have`,
      where: `columns: ${X.names.join(", ")}`,
      fix: "pass the same columns as at fit time",
      code: "E_PREP_MISSING_COLUMN",
    });
  }
  const c = X.column(name);
  if (c.type !== type) {
    throw new MlshipError({
      what: `${kind} was fitted with column "${name}" as ${type}, but it is ${c.type} now`,
      where: `column "${name}"`,
      fix: "pass data with the same column types as at fit time",
      code: "E_PREP_COLUMN_TYPE",
    });
  }
  return c as Column & { type: T };
}

/** Boolean values as float64: 1/0, missing NaN. */
export function booleanAsFloat(values: Int8Array): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] === -1 ? Number.NaN : values[i];
  return out;
}

export const NUMERIC_HINT =
  "select numeric columns (ColumnTransformer or `columns:`), or encode categorical ones first";

/** Applies `f` to each fitted numeric column; output keeps the fitted column order. */
export function mapNumeric(
  X: Frame,
  kind: string,
  columns: readonly string[],
  f: (values: Float64Array, j: number) => Float64Array,
): Frame {
  return Frame.of(
    columns,
    columns.map((name, j) => numeric(f(fittedColumn(X, kind, name, "numeric").values, j))),
    X.nRows,
  );
}

/** The error for a level unseen at fit, naming the column, the level, the row and the known levels. */
export function unknownLevel(
  enc: { name: string; categories: string[] },
  level: string,
  row: number,
): MlshipError {
  const shown = enc.categories.slice(0, 20).map((l) => JSON.stringify(l));
  return new MlshipError({
    what: `column "${enc.name}" has level ${JSON.stringify(level)} (row ${row}), unseen when the encoder was fitted`,
    where: `column "${enc.name}"; known levels: ${shown.join(", ")}${enc.categories.length > 20 ? ", ..." : ""}`,
    fix: 'refit on data that includes this level, or set the encoder\'s unknown to "ignore" (or "other")',
    code: "E_PREP_UNKNOWN_LEVEL",
    // For callers that report the level in their own terms (the server, by request row and field).
    data: { column: enc.name, level, row, known: enc.categories.length },
  });
}
