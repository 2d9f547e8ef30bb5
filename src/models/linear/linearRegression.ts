/**
 * Ordinary least squares, like sklearn's LinearRegression: the intercept from centring, the weights from a
 * least-squares solve of the centred problem. Full-rank data gives the unique solution (pivoted
 * Householder QR, no normal equations, so no squared condition number). Rank-deficient data (collinear or
 * constant columns, more columns than rows) gives the minimum-norm solution, as LAPACK's gelsd does for
 * sklearn; `state.rank` reports the numerical rank so such data can be noticed.
 */
import type { EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { lstsq } from "./lstsq.js";
import {
  type CenteredProblem,
  LinearRegressor,
  type LinearRegressorState,
  type SolveResult,
} from "./regressor.js";

export type LinearRegressionParams = {
  fitIntercept: boolean;
};

export interface LinearRegressionState extends LinearRegressorState {
  /** Numerical rank of the (centred) design matrix. */
  rank: number;
}

export class LinearRegression extends LinearRegressor<LinearRegressionParams, LinearRegressionState> {
  readonly kind = "linearRegression";

  constructor(params: Partial<LinearRegressionParams> = {}, state: LinearRegressionState | null = null) {
    super({ fitIntercept: params.fitIntercept ?? true }, state);
  }

  protected solve({ X, y, n, p }: CenteredProblem): SolveResult<LinearRegressionState> {
    const { x, rank } = lstsq(X, n, p, y);
    return { coef: x, state: { nIter: 0, rank } };
  }

  static fromJSON(json: EstimatorJSON): LinearRegression {
    return new LinearRegression(
      json.params as Partial<LinearRegressionParams>,
      json.state as LinearRegressionState | null,
    );
  }
}

registerKind("linearRegression", LinearRegression.fromJSON);
