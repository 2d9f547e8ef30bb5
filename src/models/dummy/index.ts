export {
  DummyClassifier,
  type DummyClassifierParams,
  type DummyClassifierState,
} from "./dummyClassifier.js";
export { DummyRegressor, type DummyRegressorParams, type DummyRegressorState } from "./dummyRegressor.js";
