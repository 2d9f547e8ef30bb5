/**
 * Baseline regressor that ignores the features (sklearn 1.2's DummyRegressor): it predicts one number
 * learned from the training target (mean, median, a quantile, or a given constant).
 */
import { NotFittedError } from "../../core/errors.js";
import { type Column, type Frame, numeric } from "../../core/frame.js";
import type { EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { invalidParam, r2, regressionTarget } from "../input.js";

export type DummyRegressorParams = {
  strategy: "mean" | "median" | "quantile" | "constant";
  /** In [0, 1], for strategy "quantile" (numpy's linear interpolation). */
  quantile: number | null;
  /** The value predicted by strategy "constant". */
  constant: number | null;
};

export interface DummyRegressorState {
  /** The value predicted for every row. */
  constant: number;
}

const KIND = "dummyRegressor";
const STRATEGIES = ["mean", "median", "quantile", "constant"] as const;

export class DummyRegressor implements Predictor<DummyRegressorParams, DummyRegressorState> {
  readonly kind = KIND;
  readonly task = "regression" as const;
  readonly params: Readonly<DummyRegressorParams>;
  #state: DummyRegressorState | null;

  constructor(params: Partial<DummyRegressorParams> = {}, state: DummyRegressorState | null = null) {
    const p: DummyRegressorParams = {
      strategy: params.strategy ?? "mean",
      quantile: params.quantile ?? null,
      constant: params.constant ?? null,
    };
    if (!STRATEGIES.includes(p.strategy))
      throw invalidParam(KIND, "strategy", p.strategy, STRATEGIES.join(" | "));
    if (p.strategy === "quantile" && !(typeof p.quantile === "number" && p.quantile >= 0 && p.quantile <= 1))
      throw invalidParam(KIND, "quantile", p.quantile, 'a number in [0, 1] (strategy "quantile")');
    if (p.strategy === "constant" && !(typeof p.constant === "number" && Number.isFinite(p.constant)))
      throw invalidParam(KIND, "constant", p.constant, 'a finite number (strategy "constant")');
    this.params = Object.freeze(p);
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): DummyRegressorState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  fit(X: Frame, y?: Column): this {
    const t = regressionTarget(y, X.nRows, KIND);
    let constant: number;
    switch (this.params.strategy) {
      case "mean": {
        let s = 0;
        for (let i = 0; i < t.length; i++) s += t[i];
        constant = s / t.length;
        break;
      }
      case "median":
        constant = median(t);
        break;
      case "quantile":
        constant = percentile(t, ((this.params.quantile as number) * 100) / 100);
        break;
      case "constant":
        constant = this.params.constant as number;
        break;
    }
    this.#state = { constant };
    return this;
  }

  predict(X: Frame): Column {
    return numeric(new Float64Array(X.nRows).fill(this.state.constant));
  }

  /** R². */
  score(X: Frame, y?: Column): number {
    return r2((this.predict(X) as { values: Float64Array }).values, y, KIND);
  }

  toJSON(): EstimatorJSON<DummyRegressorParams, DummyRegressorState> {
    return {
      kind: KIND,
      params: { ...this.params },
      state: this.#state === null ? null : { ...this.#state },
    };
  }

  static fromJSON(json: EstimatorJSON): DummyRegressor {
    return new DummyRegressor(
      json.params as Partial<DummyRegressorParams>,
      json.state as DummyRegressorState | null,
    );
  }
}

/** numpy's median: the middle value, or the mean of the two middle values. */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const h = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * numpy's percentile with linear interpolation, evaluated the way numpy 1.24 does (virtual index (n-1)·q,
 * lerp from the nearer end) so results agree to the last bit. q is a fraction in [0, 1].
 */
function percentile(values: Float64Array, q: number): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return sorted[n - 1];
  const below = Math.floor(virtual);
  const gamma = virtual - below;
  const a = sorted[below];
  const b = sorted[below + 1];
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

registerKind(KIND, DummyRegressor.fromJSON);
