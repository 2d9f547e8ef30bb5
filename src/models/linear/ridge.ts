/**
 * Ridge regression, like sklearn's Ridge with its default solver on dense data ("cholesky"): centre X and
 * y for the intercept, then solve (XᵀX + alpha I) w = Xᵀy by Cholesky. The intercept is not penalised.
 */
import type { EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { invalidParam } from "../input.js";
import { choleskySolve, gram, lstsq, xtv } from "./lstsq.js";
import {
  type CenteredProblem,
  LinearRegressor,
  type LinearRegressorState,
  type SolveResult,
} from "./regressor.js";

export type RidgeParams = {
  /** L2 penalty strength on ½‖y − Xw‖² + ½ alpha ‖w‖². */
  alpha: number;
  fitIntercept: boolean;
};

export type RidgeState = LinearRegressorState;

export class Ridge extends LinearRegressor<RidgeParams, RidgeState> {
  readonly kind = "ridge";

  constructor(params: Partial<RidgeParams> = {}, state: RidgeState | null = null) {
    const alpha = params.alpha ?? 1;
    if (!(alpha >= 0 && Number.isFinite(alpha))) throw invalidParam("ridge", "alpha", alpha, "a number >= 0");
    super({ alpha, fitIntercept: params.fitIntercept ?? true }, state);
  }

  protected solve({ X, y, n, p }: CenteredProblem): SolveResult<RidgeState> {
    const A = gram(X, n, p);
    for (let j = 0; j < p; j++) A[j * p + j] += this.params.alpha;
    // alpha = 0 on collinear data leaves A singular; fall back to the minimum-norm least-squares answer.
    const coef = choleskySolve(A, p, xtv(X, n, p, y)) ?? lstsq(X, n, p, y).x;
    return { coef, state: { nIter: 0 } };
  }

  static fromJSON(json: EstimatorJSON): Ridge {
    return new Ridge(json.params as Partial<RidgeParams>, json.state as RidgeState | null);
  }
}

registerKind("ridge", Ridge.fromJSON);
