/**
 * Categorical columns to 0/1 numeric columns named `<col>=<level>`, after scikit-learn 1.2's OneHotEncoder:
 * levels are the values seen at fit, sorted; `minFrequency` groups rare levels into `<col>=__other__`
 * (placed last); `drop` removes the first output column ("first") or only for two-column features
 * ("ifBinary"), counted after grouping as sklearn does.
 *
 * Differences from sklearn: a missing value (code -1) encodes as all zeros instead of a separate "nan"
 * category, and missing values at transform are never "unknown". `unknown: "other"` is sklearn's
 * "infrequent_if_exist": unknown levels go to the other column when the feature has one, else all zeros.
 */
import { z } from "zod";
import { type Column, Frame, namesFor, numeric } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, fittedColumn, unknownLevel } from "./columns.js";
import { decodeNumbers } from "./json.js";

const KIND = "oneHotEncoder";
export const OTHER_LEVEL = "__other__";
const CATEGORICAL_HINT = "one-hot encode categorical columns only (numeric columns need no encoding)";

export const oneHotEncoderParams = z
  .object({
    /** Levels unseen at fit: fail, encode as all zeros, or route to the other column. */
    unknown: z.enum(["error", "ignore", "other"]).default("error"),
    /** An integer >= 1 is a minimum count, a number in (0, 1) a minimum share of the fit rows. */
    minFrequency: z
      .number()
      .positive()
      .refine((v) => v < 1 || Number.isInteger(v), "a count (integer >= 1) or a share in (0, 1)")
      .nullable()
      .default(null),
    drop: z.enum(["none", "first", "ifBinary"]).default("none"),
  })
  .strict();
export type OneHotEncoderParams = z.output<typeof oneHotEncoderParams>;

export interface EncodedColumn {
  name: string;
  /** Every level seen at fit, sorted. */
  categories: string[];
  /** Output column index per category (parallel to `categories`); -1 when its column is dropped. */
  outputOf: number[];
  /** Output levels in column order ("__other__" for the group of infrequent levels). */
  outputs: string[];
  /** Output index unknown levels go to with unknown "other"; -1 for none. */
  otherOutput: number;
}
export interface OneHotEncoderState {
  columns: EncodedColumn[];
}

/** Output index by level, built once per fitted column rather than on every transform. */
const indexes = new WeakMap<EncodedColumn, Map<string, number>>();
function indexOf(enc: EncodedColumn): Map<string, number> {
  let index = indexes.get(enc);
  if (index === undefined) {
    index = new Map(enc.categories.map((l, k) => [l, enc.outputOf[k]]));
    indexes.set(enc, index);
  }
  return index;
}

const outputTables = new WeakMap<EncodedColumn, WeakMap<readonly string[], Int32Array>>();

const names = new WeakMap<EncodedColumn, readonly string[]>();
function outputNamesOf(enc: EncodedColumn): readonly string[] {
  let n = names.get(enc);
  if (n === undefined) {
    n = enc.outputs.map((o) => `${enc.name}=${o}`);
    names.set(enc, n);
  }
  return n;
}

export class OneHotEncoder extends BaseTransformer<OneHotEncoderParams, OneHotEncoderState> {
  readonly kind = KIND;

  constructor(params: z.input<typeof oneHotEncoderParams> = {}, state: OneHotEncoderState | null = null) {
    super(parseParams(KIND, oneHotEncoderParams, params), state);
  }

  protected learn(X: Frame): OneHotEncoderState {
    const names = acceptedColumns(X, KIND, ["categorical"], CATEGORICAL_HINT);
    return { columns: names.map((name) => this.#encodeColumn(name, X.categorical(name), X.nRows)) };
  }

  #encodeColumn(
    name: string,
    c: { codes: Int32Array; levels: readonly string[] },
    nRows: number,
  ): EncodedColumn {
    const byLevel = new Int32Array(c.levels.length);
    for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) byLevel[c.codes[i]]++;
    const seen = c.levels.map((l, k) => ({ l, n: byLevel[k] })).filter((e) => e.n > 0);
    seen.sort((a, b) => (a.l < b.l ? -1 : a.l > b.l ? 1 : 0));
    const categories = seen.map((e) => e.l);
    const { minFrequency, drop } = this.params;
    const threshold = minFrequency === null ? 0 : minFrequency >= 1 ? minFrequency : minFrequency * nRows;
    const infrequent = seen.map((e) => e.n < threshold);
    const nFrequent = infrequent.filter((f) => !f).length;
    const hasOther = nFrequent < categories.length;
    // Grouped index: frequent levels in order, then the other group.
    const grouped: number[] = [];
    let next = 0;
    for (const f of infrequent) grouped.push(f ? nFrequent : next++);
    const groupedLabels = [
      ...categories.filter((_, k) => !infrequent[k]),
      ...(hasOther ? [OTHER_LEVEL] : []),
    ];
    const dropped = drop === "first" || (drop === "ifBinary" && groupedLabels.length === 2) ? 0 : -1;
    const toOutput = (g: number) => (g === dropped ? -1 : dropped >= 0 && g > dropped ? g - 1 : g);
    return {
      name,
      categories,
      outputOf: grouped.map(toOutput),
      outputs: groupedLabels.filter((_, g) => g !== dropped),
      otherOutput: hasOther ? toOutput(nFrequent) : -1,
    };
  }

  /** Output column names, in order. */
  get outputNames(): string[] {
    return this.state.columns.flatMap((c) => outputNamesOf(c));
  }

  transform(X: Frame): Frame {
    const n = X.nRows;
    // One block for every output column: one allocation instead of one per column, which on a fresh
    // process is dominated by faulting in new pages.
    const block = new Float64Array(n * this.state.columns.reduce((s, enc) => s + enc.outputs.length, 0));
    const out: Column[] = [];
    let base = 0;
    for (const enc of this.state.columns) {
      const c = fittedColumn(X, KIND, enc.name, "categorical");
      const outputOf = this.#outputsOf(enc, c.levels);
      for (let i = 0; i < c.codes.length; i++) {
        const code = c.codes[i];
        if (code < 0) continue;
        const o = outputOf[code];
        if (o >= 0) block[(base + o) * n + i] = 1;
        else if (this.params.unknown === "error" && !indexOf(enc).has(c.levels[code]))
          throw unknownLevel(enc, c.levels[code], i);
      }
      for (let k = 0; k < enc.outputs.length; k++)
        out.push(numeric(block.subarray((base + k) * n, (base + k + 1) * n)));
      base += enc.outputs.length;
    }
    return Frame.of(
      namesFor(this.state, () => this.outputNames),
      out,
      n,
    );
  }

  /**
   * The output column of each level of a frame's dictionary (-1: none), so the row loop is a table
   * lookup; kept per dictionary, since frames encoded against the same one share its levels array.
   */
  #outputsOf(enc: EncodedColumn, levels: readonly string[]): Int32Array {
    let byLevels = outputTables.get(enc);
    if (byLevels === undefined) {
      byLevels = new WeakMap();
      outputTables.set(enc, byLevels);
    }
    let table = byLevels.get(levels);
    if (table === undefined) {
      const index = indexOf(enc);
      const unknownTo = this.params.unknown === "other" ? enc.otherOutput : -1;
      table = Int32Array.from(levels, (l) => index.get(l) ?? unknownTo);
      byLevels.set(levels, table);
    }
    return table;
  }

  static fromJSON(json: EstimatorJSON): OneHotEncoder {
    return new OneHotEncoder(json.params as OneHotEncoderParams, decodeNumbers(json.state));
  }
}

registerKind(KIND, OneHotEncoder.fromJSON);
