/**
 * Categorical columns to numeric codes 0..k-1 (scikit-learn 1.2's OrdinalEncoder): levels sorted, or in an
 * explicit order per column for ordered categoricals (e.g. diamond cut Fair < Good < ... < Ideal). Missing
 * values encode as NaN; unknown levels fail, or encode as `unknownValue` (null meaning NaN).
 */
import { z } from "zod";
import { MlshipError } from "../core/errors.js";
import { type Column, Frame, namesFor, numeric } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, fittedColumn, unknownLevel } from "./columns.js";
import { decodeNumbers } from "./json.js";

const KIND = "ordinalEncoder";

export const ordinalEncoderParams = z
  .object({
    /** Level order per column name; columns not listed use the sorted levels seen at fit. */
    categories: z.record(z.string(), z.array(z.string()).min(1)).nullable().default(null),
    unknown: z.enum(["error", "useValue"]).default("error"),
    /** The code for unknown levels with unknown "useValue"; null is NaN. Must not be a valid code. */
    unknownValue: z.number().nullable().default(null),
  })
  .strict();
export type OrdinalEncoderParams = z.output<typeof ordinalEncoderParams>;
export interface OrdinalEncoderState {
  columns: Array<{ name: string; categories: string[] }>;
}

export class OrdinalEncoder extends BaseTransformer<OrdinalEncoderParams, OrdinalEncoderState> {
  readonly kind = KIND;

  constructor(params: z.input<typeof ordinalEncoderParams> = {}, state: OrdinalEncoderState | null = null) {
    super(parseParams(KIND, ordinalEncoderParams, params), state);
  }

  protected learn(X: Frame): OrdinalEncoderState {
    const names = acceptedColumns(X, KIND, ["categorical"], "ordinal-encode categorical columns only");
    const columns = names.map((name) => {
      const c = X.categorical(name);
      const present = new Uint8Array(c.levels.length);
      for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) present[c.codes[i]] = 1;
      const seen = c.levels.filter((_, k) => present[k] === 1);
      const explicit = this.params.categories?.[name];
      if (!explicit) return { name, categories: seen.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) };
      const allowed = new Set(explicit);
      const extra = seen.filter((l) => !allowed.has(l));
      if (extra.length > 0) {
        throw new MlshipError({
          what: `${KIND}: column "${name}" has levels missing from its categories: ${extra.map((l) => JSON.stringify(l)).join(", ")}`,
          where: `params.categories.${name}`,
          fix: "list every level of the column in categories, in order",
          code: "E_PREP_PARAMS",
        });
      }
      return { name, categories: [...explicit] };
    });
    const u = this.params.unknownValue;
    if (
      this.params.unknown === "useValue" &&
      u !== null &&
      columns.some((c) => Number.isInteger(u) && u >= 0 && u < c.categories.length)
    ) {
      throw new MlshipError({
        what: `${KIND}: unknownValue ${u} is also the code of a known level`,
        where: "params.unknownValue",
        fix: "use a negative number such as -1, or null (NaN)",
        code: "E_PREP_PARAMS",
      });
    }
    return { columns };
  }

  transform(X: Frame): Frame {
    const unknownCode = this.params.unknownValue ?? Number.NaN;
    const out: Column[] = this.state.columns.map((enc) => {
      const c = fittedColumn(X, KIND, enc.name, "categorical");
      const index = new Map(enc.categories.map((l, k) => [l, k]));
      const target = Float64Array.from(c.levels, (l) => index.get(l) ?? -1);
      const values = new Float64Array(X.nRows);
      for (let i = 0; i < values.length; i++) {
        const code = c.codes[i];
        if (code < 0) values[i] = Number.NaN;
        else if (target[code] >= 0) values[i] = target[code];
        else if (this.params.unknown === "error") throw unknownLevel(enc, c.levels[code], i);
        else values[i] = unknownCode;
      }
      return numeric(values);
    });
    return Frame.of(
      namesFor(this.state, () => this.state.columns.map((enc) => enc.name)),
      out,
      X.nRows,
    );
  }

  static fromJSON(json: EstimatorJSON): OrdinalEncoder {
    return new OrdinalEncoder(json.params as OrdinalEncoderParams, decodeNumbers(json.state));
  }
}

registerKind(KIND, OrdinalEncoder.fromJSON);
