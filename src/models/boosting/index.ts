export {
  HistGradientBoostingClassifier,
  type HistGradientBoostingClassifierParams,
  type HistGradientBoostingParams,
  HistGradientBoostingRegressor,
  type HistGradientBoostingRegressorParams,
  type HistGradientBoostingState,
  type HistGradientBoostingStateJSON,
  type HistTreeState,
} from "./hist-gradient-boosting.js";
export type { LossName } from "./losses.js";
