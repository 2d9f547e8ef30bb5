/**
 * Fills missing values per column with a statistic learned at fit (scikit-learn 1.2's SimpleImputer).
 * Works on every column type: mean/median on numeric and datetime columns, mostFrequent/constant on any;
 * output columns keep their type. With `addIndicator`, `<col>__missing` 0/1 numeric columns follow the
 * imputed ones, for the columns that had missing values at fit (sklearn's `add_indicator=True`).
 *
 * A column entirely missing at fit is kept, as sklearn does with `keep_empty_features=True`: it is filled
 * with 0 (numeric, datetime: epoch 0, boolean: false), with `fillValue` for strategy "constant", and with
 * the level "missing_value" for categorical columns (sklearn would write the number 0 into text data).
 */
import { z } from "zod";
import { MlshipError } from "../core/errors.js";
import {
  boolean,
  type Column,
  type ColumnType,
  categorical,
  datetime,
  type Frame,
  Frame as FrameClass,
  namesFor,
  numeric,
} from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, fittedColumn } from "./columns.js";
import { decodeNumbers } from "./json.js";
import { medianPresent, modeSorted, sortedPresent } from "./stats.js";

const KIND = "simpleImputer";
export const MISSING_LEVEL = "missing_value";

export const simpleImputerParams = z
  .object({
    strategy: z.enum(["mean", "median", "mostFrequent", "constant"]).default("mean"),
    /**
     * For strategy "constant": a number for numeric/datetime columns (default 0), a string for categorical
     * ones (default "missing_value"), a boolean for boolean ones (default false).
     */
    fillValue: z.union([z.number(), z.string(), z.boolean(), z.null()]).default(null),
    addIndicator: z.boolean().default(false),
  })
  .strict();
export type SimpleImputerParams = z.output<typeof simpleImputerParams>;

export interface ImputedColumn {
  name: string;
  type: ColumnType;
  /** The value written into missing cells: a level for categorical columns, 1/0 for boolean ones. */
  fill: number | string;
}
export interface SimpleImputerState {
  columns: ImputedColumn[];
  /** Columns that had missing values at fit: each gets a `<col>__missing` indicator when addIndicator. */
  indicators: string[];
}

export class SimpleImputer extends BaseTransformer<SimpleImputerParams, SimpleImputerState> {
  readonly kind = KIND;

  constructor(params: z.input<typeof simpleImputerParams> = {}, state: SimpleImputerState | null = null) {
    super(parseParams(KIND, simpleImputerParams, params), state);
  }

  protected learn(X: Frame): SimpleImputerState {
    const { strategy } = this.params;
    const accepts: ColumnType[] =
      strategy === "mean" || strategy === "median"
        ? ["numeric", "datetime"]
        : ["numeric", "datetime", "categorical", "boolean"];
    const names = acceptedColumns(
      X,
      `${KIND} (strategy "${strategy}")`,
      accepts,
      'use strategy "mostFrequent" or "constant" for categorical and boolean columns',
    );
    const columns: ImputedColumn[] = [];
    const indicators: string[] = [];
    for (const name of names) {
      const c = X.column(name);
      let missing = 0;
      const n = X.nRows;
      if (c.type === "categorical") for (let i = 0; i < n; i++) missing += c.codes[i] === -1 ? 1 : 0;
      else if (c.type === "boolean") for (let i = 0; i < n; i++) missing += c.values[i] === -1 ? 1 : 0;
      else for (let i = 0; i < n; i++) missing += Number.isNaN(c.values[i]) ? 1 : 0;
      if (missing > 0) indicators.push(name);
      columns.push({ name, type: c.type, fill: this.#fillFor(name, c, missing === n) });
    }
    return { columns, indicators };
  }

  #fillFor(name: string, c: Column, empty: boolean): number | string {
    const { strategy, fillValue } = this.params;
    if (strategy === "constant") return constantFill(name, c.type, fillValue);
    if (c.type === "categorical") {
      if (empty) return MISSING_LEVEL;
      const counts = new Int32Array(c.levels.length);
      for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) counts[c.codes[i]]++;
      let best = -1;
      for (let k = 0; k < counts.length; k++) {
        if (counts[k] === 0) continue;
        // Ties go to the smallest label, as sklearn's `_most_frequent`.
        if (
          best < 0 ||
          counts[k] > counts[best] ||
          (counts[k] === counts[best] && c.levels[k] < c.levels[best])
        )
          best = k;
      }
      return c.levels[best];
    }
    if (c.type === "boolean") {
      let ones = 0;
      let zeros = 0;
      for (let i = 0; i < c.values.length; i++) {
        if (c.values[i] === 1) ones++;
        else if (c.values[i] === 0) zeros++;
      }
      return ones > zeros ? 1 : 0;
    }
    if (empty) return 0;
    if (strategy === "median") return medianPresent(c.values);
    if (strategy === "mostFrequent") return modeSorted(sortedPresent(c.values));
    // Sum in row order, as NumPy's column reduction does.
    let sum = 0;
    let count = 0;
    for (let i = 0; i < c.values.length; i++) {
      if (!Number.isNaN(c.values[i])) {
        sum += c.values[i];
        count++;
      }
    }
    return sum / count;
  }

  transform(X: Frame): Frame {
    const { columns, indicators } = this.state;
    const out: Column[] = [];
    for (const { name, type, fill } of columns) out.push(fillColumn(fittedColumn(X, KIND, name, type), fill));
    if (this.params.addIndicator) {
      for (const name of indicators) {
        const c = X.column(name);
        const flag = new Float64Array(X.nRows);
        for (let i = 0; i < flag.length; i++) {
          const m =
            c.type === "categorical"
              ? c.codes[i] === -1
              : c.type === "boolean"
                ? c.values[i] === -1
                : Number.isNaN(c.values[i]);
          flag[i] = m ? 1 : 0;
        }
        out.push(numeric(flag));
      }
    }
    const names = namesFor(this.state, () => [
      ...columns.map((c) => c.name),
      ...(this.params.addIndicator ? indicators.map((name) => `${name}__missing`) : []),
    ]);
    return FrameClass.of(names, out, X.nRows);
  }

  static fromJSON(json: EstimatorJSON): SimpleImputer {
    return new SimpleImputer(json.params as SimpleImputerParams, decodeNumbers(json.state));
  }
}

function constantFill(
  name: string,
  type: ColumnType,
  fillValue: SimpleImputerParams["fillValue"],
): number | string {
  const bad = (expected: string) =>
    new MlshipError({
      what: `${KIND} fillValue ${JSON.stringify(fillValue)} does not fit ${type} column "${name}"`,
      where: `column "${name}"`,
      fix: `give a fillValue that is ${expected}, or impute this column in a separate step`,
      code: "E_PREP_PARAMS",
    });
  switch (type) {
    case "categorical":
      if (fillValue === null) return MISSING_LEVEL;
      if (typeof fillValue === "boolean") throw bad("a string");
      return String(fillValue);
    case "boolean":
      if (fillValue === null || fillValue === false || fillValue === 0) return 0;
      if (fillValue === true || fillValue === 1) return 1;
      throw bad("true or false");
    default:
      if (fillValue === null) return 0;
      if (typeof fillValue !== "number") throw bad("a number");
      return fillValue;
  }
}

/**
 * `c` with its missing cells filled; `c` itself when that changes nothing (columns are shared, never
 * written), which spares a copy of every complete column.
 */
function fillColumn(c: Column, fill: number | string): Column {
  if (c.type === "categorical") {
    if (!c.codes.includes(-1)) return c;
    let code = c.levels.indexOf(fill as string);
    const levels = code >= 0 ? c.levels : [...c.levels, fill as string];
    if (code < 0) code = c.levels.length;
    const codes = Int32Array.from(c.codes);
    for (let i = 0; i < codes.length; i++) if (codes[i] === -1) codes[i] = code;
    return categorical(codes, levels);
  }
  if (c.type === "boolean") {
    if (!c.values.includes(-1)) return c;
    const values = c.values.slice();
    for (let i = 0; i < values.length; i++) if (values[i] === -1) values[i] = fill as number;
    return boolean(values);
  }
  if (!hasNaN(c.values)) return c;
  const values = c.values.slice();
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) values[i] = fill as number;
  return c.type === "numeric" ? numeric(values) : datetime(values);
}

function hasNaN(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) return true;
  return false;
}

registerKind(KIND, SimpleImputer.fromJSON);
