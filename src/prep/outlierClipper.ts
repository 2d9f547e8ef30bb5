/**
 * Clips numeric columns to bounds learned at fit: Tukey's fences (Q1 - k·IQR, Q3 + k·IQR) or a pair of
 * quantiles, NumPy's linear interpolation. Missing values pass through.
 */
import { z } from "zod";
import type { Frame } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, mapNumeric, NUMERIC_HINT } from "./columns.js";
import { decodeNumbers } from "./json.js";
import { quantileSorted, sortedPresent } from "./stats.js";

export const outlierClipperParams = z
  .object({
    method: z.enum(["iqr", "quantile"]).default("iqr"),
    /** Fence factor for method "iqr". */
    k: z.number().nonnegative().default(1.5),
    /** Lower and upper quantiles (fractions in [0, 1]) for method "quantile". */
    quantiles: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.05, 0.95])
      .refine(([lo, hi]) => lo < hi, "quantiles must be [low, high] with low < high"),
  })
  .strict();
export type OutlierClipperParams = z.output<typeof outlierClipperParams>;
export interface OutlierClipperState {
  columns: string[];
  lower: number[];
  upper: number[];
}

export class OutlierClipper extends BaseTransformer<OutlierClipperParams, OutlierClipperState> {
  readonly kind = "outlierClipper";

  constructor(params: z.input<typeof outlierClipperParams> = {}, state: OutlierClipperState | null = null) {
    super(parseParams("outlierClipper", outlierClipperParams, params), state);
  }

  protected learn(X: Frame): OutlierClipperState {
    const columns = acceptedColumns(X, this.kind, ["numeric"], NUMERIC_HINT);
    const s: OutlierClipperState = { columns, lower: [], upper: [] };
    for (const name of columns) {
      const sorted = sortedPresent(X.numeric(name));
      if (this.params.method === "iqr") {
        const q1 = quantileSorted(sorted, 0.25);
        const q3 = quantileSorted(sorted, 0.75);
        const iqr = q3 - q1;
        s.lower.push(q1 - this.params.k * iqr);
        s.upper.push(q3 + this.params.k * iqr);
      } else {
        s.lower.push(quantileSorted(sorted, this.params.quantiles[0]));
        s.upper.push(quantileSorted(sorted, this.params.quantiles[1]));
      }
    }
    return s;
  }

  transform(X: Frame): Frame {
    const { columns, lower, upper } = this.state;
    return mapNumeric(X, this.kind, columns, (v, j) => {
      const out = new Float64Array(v.length);
      const lo = lower[j];
      const hi = upper[j];
      for (let i = 0; i < out.length; i++) {
        // NaN fails both comparisons and passes through.
        let x = v[i];
        if (x < lo) x = lo;
        else if (x > hi) x = hi;
        out[i] = x;
      }
      return out;
    });
  }

  static fromJSON(json: EstimatorJSON): OutlierClipper {
    return new OutlierClipper(json.params as OutlierClipperParams, decodeNumbers(json.state));
  }
}

registerKind("outlierClipper", OutlierClipper.fromJSON);
