/**
 * What the linear regressors share: learned state (coefficients per fitted feature and an intercept),
 * prediction X·w + b, the R² score and JSON round-tripping. Subclasses only implement `solve`.
 */

import { NotFittedError } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { numeric } from "../../core/frame.js";
import type { EstimatorJSON, Params, Predictor } from "../../core/protocol.js";
import { regressionTarget } from "../input.js";
import {
  addWeightedColumns,
  columnMeans,
  contiguous,
  type DesignMatrix,
  designMatrix,
  mean,
} from "./data.js";

export interface LinearRegressorState {
  /** The feature columns, in the order of `coef`. */
  featureNames: string[];
  coef: number[];
  intercept: number;
  /** Solver iterations (coordinate descent epochs); 0 for closed-form solvers. */
  nIter: number;
}

/** The problem a subclass solves: centred (when fitting an intercept) X and y. */
export interface CenteredProblem {
  X: Float64Array;
  y: Float64Array;
  n: number;
  p: number;
}

/** The weights of the centred problem plus the subclass's own state fields (nIter, rank, dual gap, ...). */
export interface SolveResult<S extends LinearRegressorState> {
  coef: Float64Array;
  state: Omit<S, "featureNames" | "coef" | "intercept">;
}

export abstract class LinearRegressor<
  P extends Params & { fitIntercept: boolean },
  S extends LinearRegressorState,
> implements Predictor<P, S>
{
  abstract readonly kind: string;
  readonly task = "regression" as const;
  readonly params: Readonly<P>;
  #state: S | null;

  protected constructor(params: P, state: S | null) {
    this.params = Object.freeze({ ...params });
    this.#state = state;
  }

  get isFitted(): boolean {
    return this.#state !== null;
  }

  get state(): S {
    if (this.#state === null) throw new NotFittedError(this.kind);
    return this.#state;
  }

  protected abstract solve(problem: CenteredProblem): SolveResult<S>;

  fit(X: Frame, y?: Column): this {
    const m = designMatrix(X, this.kind);
    const target = regressionTarget(y, m.nRows, this.kind);
    const { nRows: n, nCols: p } = m;
    let xMeans: Float64Array = new Float64Array(p);
    let yMean = 0;
    let yc: Float64Array = target;
    if (this.params.fitIntercept) {
      xMeans = columnMeans(m);
      yMean = mean(target);
      yc = Float64Array.from(target, (v) => v - yMean);
    }
    const result = this.solve({ X: contiguous(m, xMeans), y: yc, n, p });
    let intercept = yMean;
    for (let j = 0; j < p; j++) intercept -= xMeans[j] * result.coef[j];
    this.#state = { ...result.state, featureNames: [...X.names], coef: [...result.coef], intercept } as S;
    return this;
  }

  predict(X: Frame): Column {
    const s = this.state;
    return numeric(predictLinear(designMatrix(X, this.kind, s.featureNames), s.coef, s.intercept));
  }

  /** R² of the predictions. */
  score(X: Frame, y?: Column): number {
    const pred = (this.predict(X) as { values: Float64Array }).values;
    const truth = regressionTarget(y, pred.length, this.kind);
    const mu = mean(truth);
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < truth.length; i++) {
      ssRes += (truth[i] - pred[i]) ** 2;
      ssTot += (truth[i] - mu) ** 2;
    }
    if (ssTot === 0) return ssRes === 0 ? 1 : 0;
    return 1 - ssRes / ssTot;
  }

  toJSON(): EstimatorJSON<P, S> {
    return {
      kind: this.kind,
      params: { ...this.params },
      state: this.#state === null ? null : structuredClone(this.#state),
    };
  }
}

export function predictLinear(m: DesignMatrix, coef: readonly number[], intercept: number): Float64Array {
  const out = new Float64Array(m.nRows).fill(intercept);
  // Zero coefficients (common after Lasso) are skipped: designMatrix has already refused non-finite values.
  const used = coef.flatMap((w, j) => (w === 0 ? [] : [j]));
  addWeightedColumns(
    out,
    used.map((j) => m.columns[j]),
    used.map((j) => coef[j]),
  );
  return out;
}
