export type { KNeighborsParams } from "./common.js";
export {
  KNeighborsClassifier,
  type KNeighborsClassifierParams,
  type KNeighborsClassifierState,
} from "./kNeighborsClassifier.js";
export {
  KNeighborsRegressor,
  type KNeighborsRegressorParams,
  type KNeighborsRegressorState,
} from "./kNeighborsRegressor.js";
export { kNearest, type Neighbours } from "./search.js";
