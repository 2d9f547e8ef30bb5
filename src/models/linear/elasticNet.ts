/**
 * ElasticNet and Lasso by coordinate descent, like sklearn's: minimise
 *   1/(2n) ‖y − Xw − b‖² + alpha l1Ratio ‖w‖₁ + ½ alpha (1 − l1Ratio) ‖w‖²
 * with the intercept from centring, starting from w = 0, stopping on the duality gap (tol scaled by yᵀy).
 * `selection: "random"` samples coordinates from our seeded PRNG, so it reproduces across our runs but
 * follows a different coordinate sequence than sklearn's (the optimum is the same).
 */
import type { EstimatorJSON } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import { invalidParam } from "../input.js";
import { enetCoordinateDescent } from "./coordinateDescent.js";
import {
  type CenteredProblem,
  LinearRegressor,
  type LinearRegressorState,
  type SolveResult,
} from "./regressor.js";

export type ElasticNetParams = {
  alpha: number;
  l1Ratio: number;
  fitIntercept: boolean;
  maxIter: number;
  tol: number;
  selection: "cyclic" | "random";
  randomState: number;
};

export interface ElasticNetState extends LinearRegressorState {
  /** Duality gap at the last check (on sklearn's scale: the objective times n). */
  dualGap: number;
  converged: boolean;
}

export type LassoParams = Omit<ElasticNetParams, "l1Ratio">;

function checkParams(kind: string, p: ElasticNetParams): ElasticNetParams {
  if (!(p.alpha >= 0 && Number.isFinite(p.alpha)))
    throw invalidParam(kind, "alpha", p.alpha, "a number >= 0");
  if (!(p.l1Ratio >= 0 && p.l1Ratio <= 1))
    throw invalidParam(kind, "l1Ratio", p.l1Ratio, "a number in [0, 1]");
  if (!(Number.isInteger(p.maxIter) && p.maxIter > 0))
    throw invalidParam(kind, "maxIter", p.maxIter, "a positive integer");
  if (!(p.tol > 0)) throw invalidParam(kind, "tol", p.tol, "a number > 0");
  if (p.selection !== "cyclic" && p.selection !== "random")
    throw invalidParam(kind, "selection", p.selection, '"cyclic" or "random"');
  return p;
}

function enetDefaults(params: Partial<ElasticNetParams>, l1Ratio: number): ElasticNetParams {
  return {
    alpha: params.alpha ?? 1,
    l1Ratio,
    fitIntercept: params.fitIntercept ?? true,
    maxIter: params.maxIter ?? 1000,
    tol: params.tol ?? 1e-4,
    selection: params.selection ?? "cyclic",
    randomState: params.randomState ?? 0,
  };
}

function solveEnet(params: ElasticNetParams, { X, y, n, p }: CenteredProblem): SolveResult<ElasticNetState> {
  const rng = params.selection === "random" ? new Random(params.randomState) : null;
  const l1 = params.alpha * params.l1Ratio * n;
  const l2 = params.alpha * (1 - params.l1Ratio) * n;
  const r = enetCoordinateDescent(X, n, p, y, l1, l2, params.maxIter, params.tol, rng);
  return { coef: r.w, state: { nIter: r.nIter, dualGap: r.gap, converged: r.converged } };
}

export class ElasticNet extends LinearRegressor<ElasticNetParams, ElasticNetState> {
  readonly kind = "elasticNet";

  constructor(params: Partial<ElasticNetParams> = {}, state: ElasticNetState | null = null) {
    super(checkParams("elasticNet", enetDefaults(params, params.l1Ratio ?? 0.5)), state);
  }

  protected solve(problem: CenteredProblem): SolveResult<ElasticNetState> {
    return solveEnet(this.params, problem);
  }

  static fromJSON(json: EstimatorJSON): ElasticNet {
    return new ElasticNet(json.params as Partial<ElasticNetParams>, json.state as ElasticNetState | null);
  }
}

/** ElasticNet with l1Ratio = 1. */
export class Lasso extends LinearRegressor<LassoParams, ElasticNetState> {
  readonly kind = "lasso";

  constructor(params: Partial<LassoParams> = {}, state: ElasticNetState | null = null) {
    const { l1Ratio: _, ...rest } = checkParams("lasso", enetDefaults(params, 1));
    super(rest, state);
  }

  protected solve(problem: CenteredProblem): SolveResult<ElasticNetState> {
    return solveEnet({ ...this.params, l1Ratio: 1 }, problem);
  }

  static fromJSON(json: EstimatorJSON): Lasso {
    return new Lasso(json.params as Partial<LassoParams>, json.state as ElasticNetState | null);
  }
}

registerKind("elasticNet", ElasticNet.fromJSON);
registerKind("lasso", Lasso.fromJSON);
