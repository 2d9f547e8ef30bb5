/**
 * Numeric scalers after scikit-learn 1.2: StandardScaler, MinMaxScaler, RobustScaler. All ignore NaN when
 * fitting and pass NaN through when transforming; near-constant columns get scale 1.
 */
import { z } from "zod";
import type { Frame } from "../core/frame.js";
import { type EstimatorJSON, registerKind } from "../core/protocol.js";
import { BaseTransformer, parseParams } from "./base.js";
import { acceptedColumns, fittedColumn, mapNumeric, NUMERIC_HINT } from "./columns.js";
import { decodeNumbers } from "./json.js";
import { meanVariance, medianSorted, quantileSorted, safeScale, sortedPresent } from "./stats.js";

/**
 * (v - center) / scale in one pass, as (v - center) * (1 / scale): division is the slowest floating-point
 * operation and JavaScript does it one value at a time (NumPy does several per instruction), so this
 * halves the cost, at most one unit in the last place away from scikit-learn's quotient.
 */
function centerScale(v: Float64Array, center: number, scale: number): Float64Array {
  const out = new Float64Array(v.length);
  const r = 1 / scale;
  for (let i = 0; i < v.length; i++) out[i] = (v[i] - center) * r;
  return out;
}

/**
 * What a centring-and-scaling step computes on one frame: output column j, named names[j], is
 * (inputs[j] - center[j]) * (1 / scale[j]), as `centerScale` computes it. A model after such a step can apply it while reading its input
 * instead of having the step write the output out (see `PredictsThrough` in pipeline.ts).
 */
export interface ColumnScaling {
  names: readonly string[];
  /** The step's input columns, checked as `transform` checks them. */
  inputs: Float64Array[];
  center: Float64Array;
  scale: Float64Array;
}

/** Steps that can describe their transform as a `ColumnScaling`. */
export interface ScalesColumns {
  scaling(X: Frame): ColumnScaling;
}

export function scalesColumns(step: object): step is ScalesColumns {
  return typeof (step as Partial<ScalesColumns>).scaling === "function";
}

function columnScaling(
  X: Frame,
  kind: string,
  names: readonly string[],
  center: readonly number[] | null,
  scale: readonly number[] | null,
): ColumnScaling {
  return {
    names,
    inputs: names.map((name) => fittedColumn(X, kind, name, "numeric").values),
    center: center === null ? new Float64Array(names.length) : Float64Array.from(center),
    scale: scale === null ? new Float64Array(names.length).fill(1) : Float64Array.from(scale),
  };
}

// ---------------------------------------------------------------- StandardScaler

export const standardScalerParams = z
  .object({
    /** Subtract the mean. */
    withMean: z.boolean().default(true),
    /** Divide by the standard deviation (population, ddof = 0). */
    withStd: z.boolean().default(true),
  })
  .strict();
export type StandardScalerParams = z.output<typeof standardScalerParams>;
export interface StandardScalerState {
  columns: string[];
  mean: number[];
  /** Population variance. */
  var: number[];
  /** sqrt(var), or 1 for near-constant columns (scikit-learn's `_is_constant_feature`). */
  scale: number[];
  /** Non-missing values per column. */
  nSamplesSeen: number[];
}

export class StandardScaler extends BaseTransformer<StandardScalerParams, StandardScalerState> {
  readonly kind = "standardScaler";

  constructor(params: z.input<typeof standardScalerParams> = {}, state: StandardScalerState | null = null) {
    super(parseParams("standardScaler", standardScalerParams, params), state);
  }

  protected learn(X: Frame): StandardScalerState {
    const columns = acceptedColumns(X, this.kind, ["numeric"], NUMERIC_HINT);
    const s: StandardScalerState = { columns, mean: [], var: [], scale: [], nSamplesSeen: [] };
    for (const name of columns) {
      const { mean, variance, count } = meanVariance(X.numeric(name));
      const bound = count * Number.EPSILON * variance + (count * mean * Number.EPSILON) ** 2;
      s.mean.push(mean);
      s.var.push(variance);
      s.scale.push(variance <= bound ? 1 : Math.sqrt(variance));
      s.nSamplesSeen.push(count);
    }
    return s;
  }

  transform(X: Frame): Frame {
    const { columns, mean, scale } = this.state;
    const { withMean, withStd } = this.params;
    return mapNumeric(X, this.kind, columns, (v, j) =>
      centerScale(v, withMean ? mean[j] : 0, withStd ? scale[j] : 1),
    );
  }

  scaling(X: Frame): ColumnScaling {
    const { columns, mean, scale } = this.state;
    return columnScaling(
      X,
      this.kind,
      columns,
      this.params.withMean ? mean : null,
      this.params.withStd ? scale : null,
    );
  }

  static fromJSON(json: EstimatorJSON): StandardScaler {
    return new StandardScaler(json.params as StandardScalerParams, decodeNumbers(json.state));
  }
}

// ---------------------------------------------------------------- MinMaxScaler

export const minMaxScalerParams = z
  .object({
    featureRange: z
      .tuple([z.number(), z.number()])
      .default([0, 1])
      .refine(([lo, hi]) => lo < hi, "featureRange must be [min, max] with min < max"),
  })
  .strict();
export type MinMaxScalerParams = z.output<typeof minMaxScalerParams>;
export interface MinMaxScalerState {
  columns: string[];
  dataMin: number[];
  dataMax: number[];
  /** Output = x * scale + min (scikit-learn's `scale_` and `min_`). */
  scale: number[];
  min: number[];
}

export class MinMaxScaler extends BaseTransformer<MinMaxScalerParams, MinMaxScalerState> {
  readonly kind = "minMaxScaler";

  constructor(params: z.input<typeof minMaxScalerParams> = {}, state: MinMaxScalerState | null = null) {
    super(parseParams("minMaxScaler", minMaxScalerParams, params), state);
  }

  protected learn(X: Frame): MinMaxScalerState {
    const columns = acceptedColumns(X, this.kind, ["numeric"], NUMERIC_HINT);
    const [lo, hi] = this.params.featureRange;
    const s: MinMaxScalerState = { columns, dataMin: [], dataMax: [], scale: [], min: [] };
    for (const name of columns) {
      const v = X.numeric(name);
      let mn = Number.POSITIVE_INFINITY;
      let mx = Number.NEGATIVE_INFINITY;
      let seen = false;
      for (let i = 0; i < v.length; i++) {
        const x = v[i];
        if (Number.isNaN(x)) continue;
        seen = true;
        if (x < mn) mn = x;
        if (x > mx) mx = x;
      }
      if (!seen) mn = mx = Number.NaN;
      const scale = (hi - lo) / safeScale(mx - mn);
      s.dataMin.push(mn);
      s.dataMax.push(mx);
      s.scale.push(scale);
      s.min.push(lo - mn * scale);
    }
    return s;
  }

  transform(X: Frame): Frame {
    const { columns, scale, min } = this.state;
    return mapNumeric(X, this.kind, columns, (v, j) => {
      const out = new Float64Array(v.length);
      const a = scale[j];
      const b = min[j];
      for (let i = 0; i < out.length; i++) out[i] = v[i] * a + b;
      return out;
    });
  }

  static fromJSON(json: EstimatorJSON): MinMaxScaler {
    return new MinMaxScaler(json.params as MinMaxScalerParams, decodeNumbers(json.state));
  }
}

// ---------------------------------------------------------------- RobustScaler

export const robustScalerParams = z
  .object({
    /** Subtract the median. */
    withCentering: z.boolean().default(true),
    /** Divide by the inter-quantile range. */
    withScaling: z.boolean().default(true),
    /** Percentiles (0..100) of the range, NumPy's linear interpolation. */
    quantileRange: z
      .tuple([z.number().min(0).max(100), z.number().min(0).max(100)])
      .default([25, 75])
      .refine(([lo, hi]) => lo < hi, "quantileRange must be [low, high] with low < high"),
  })
  .strict();
export type RobustScalerParams = z.output<typeof robustScalerParams>;
export interface RobustScalerState {
  columns: string[];
  /** Medians. */
  center: number[];
  /** Inter-quantile ranges, 1 for near-constant columns. */
  scale: number[];
}

export class RobustScaler extends BaseTransformer<RobustScalerParams, RobustScalerState> {
  readonly kind = "robustScaler";

  constructor(params: z.input<typeof robustScalerParams> = {}, state: RobustScalerState | null = null) {
    super(parseParams("robustScaler", robustScalerParams, params), state);
  }

  protected learn(X: Frame): RobustScalerState {
    const columns = acceptedColumns(X, this.kind, ["numeric"], NUMERIC_HINT);
    const [lo, hi] = this.params.quantileRange;
    const s: RobustScalerState = { columns, center: [], scale: [] };
    for (const name of columns) {
      const sorted = sortedPresent(X.numeric(name));
      s.center.push(medianSorted(sorted));
      s.scale.push(safeScale(quantileSorted(sorted, hi / 100) - quantileSorted(sorted, lo / 100)));
    }
    return s;
  }

  transform(X: Frame): Frame {
    const { columns, center, scale } = this.state;
    const { withCentering, withScaling } = this.params;
    return mapNumeric(X, this.kind, columns, (v, j) =>
      centerScale(v, withCentering ? center[j] : 0, withScaling ? scale[j] : 1),
    );
  }

  scaling(X: Frame): ColumnScaling {
    const { columns, center, scale } = this.state;
    const { withCentering, withScaling } = this.params;
    return columnScaling(X, this.kind, columns, withCentering ? center : null, withScaling ? scale : null);
  }

  static fromJSON(json: EstimatorJSON): RobustScaler {
    return new RobustScaler(json.params as RobustScalerParams, decodeNumbers(json.state));
  }
}

registerKind("standardScaler", StandardScaler.fromJSON);
registerKind("minMaxScaler", MinMaxScaler.fromJSON);
registerKind("robustScaler", RobustScaler.fromJSON);
