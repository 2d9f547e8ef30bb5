export {
  ElasticNet,
  type ElasticNetParams,
  type ElasticNetState,
  Lasso,
  type LassoParams,
} from "./elasticNet.js";
export {
  LinearRegression,
  type LinearRegressionParams,
  type LinearRegressionState,
} from "./linearRegression.js";
export {
  LogisticRegression,
  type LogisticRegressionParams,
  type LogisticRegressionState,
} from "./logisticRegression.js";
export type { LinearRegressorState } from "./regressor.js";
export { Ridge, type RidgeParams, type RidgeState } from "./ridge.js";
