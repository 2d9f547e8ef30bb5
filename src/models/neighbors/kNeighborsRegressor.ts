/**
 * k-nearest-neighbour regression (sklearn's KNeighborsRegressor with algorithm="brute"): the prediction
 * is the mean target of the k nearest training rows, or their 1/distance-weighted mean.
 */
import { NotFittedError } from "../../core/errors.js";
import { type Column, type Frame, numeric } from "../../core/frame.js";
import type { EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { r2, regressionTarget } from "../input.js";
import {
  checkEnoughRows,
  type KNeighborsParams,
  kNeighborsParams,
  neighbourWeights,
  queryNeighbours,
  trainingRows,
} from "./common.js";

export type KNeighborsRegressorParams = KNeighborsParams;

export interface KNeighborsRegressorState {
  featureNames: string[];
  nSamplesFit: number;
  /** The training rows, row-major nSamplesFit x featureNames.length. */
  fitX: number[];
  fitY: number[];
}

const KIND = "kNeighborsRegressor";

export class KNeighborsRegressor implements Predictor<KNeighborsRegressorParams, KNeighborsRegressorState> {
  readonly kind = KIND;
  readonly task = "regression" as const;
  readonly params: Readonly<KNeighborsRegressorParams>;
  #state: KNeighborsRegressorState | null;
  #train: Float64Array | null = null;
  #target: Float64Array | null = null;

  constructor(
    params: Partial<KNeighborsRegressorParams> = {},
    state: KNeighborsRegressorState | null = null,
  ) {
    this.params = Object.freeze(kNeighborsParams(KIND, params));
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): KNeighborsRegressorState {
    if (this.#state === null) throw new NotFittedError(KIND);
    return this.#state;
  }

  fit(X: Frame, y?: Column): this {
    const m = trainingRows(X, KIND);
    const t = regressionTarget(y, m.nRows, KIND);
    checkEnoughRows(KIND, this.params.nNeighbors, m.nRows);
    this.#train = m.rows;
    this.#target = Float64Array.from(t);
    this.#state = {
      featureNames: [...X.names],
      nSamplesFit: m.nRows,
      fitX: Array.from(m.rows),
      fitY: Array.from(t),
    };
    return this;
  }

  predict(X: Frame): Column {
    const s = this.state;
    this.#train ??= Float64Array.from(s.fitX);
    this.#target ??= Float64Array.from(s.fitY);
    const nb = queryNeighbours(X, KIND, s.featureNames, this.#train, s.nSamplesFit, this.params);
    const w = neighbourWeights(nb, nb.nQuery, this.params.weights);
    const k = nb.k;
    const y = this.#target;
    const out = new Float64Array(nb.nQuery);
    for (let q = 0; q < nb.nQuery; q++) {
      let num = 0;
      let den = 0;
      for (let m = q * k; m < (q + 1) * k; m++) {
        num += y[nb.indices[m]] * w[m];
        den += w[m];
      }
      out[q] = num / den;
    }
    return numeric(out);
  }

  /** R². */
  score(X: Frame, y?: Column): number {
    return r2((this.predict(X) as { values: Float64Array }).values, y, KIND);
  }

  toJSON(): EstimatorJSON<KNeighborsRegressorParams, KNeighborsRegressorState> {
    return {
      kind: KIND,
      params: { ...this.params },
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }

  static fromJSON(json: EstimatorJSON): KNeighborsRegressor {
    return new KNeighborsRegressor(
      json.params as Partial<KNeighborsRegressorParams>,
      json.state as KNeighborsRegressorState | null,
    );
  }
}

registerKind(KIND, KNeighborsRegressor.fromJSON);
