export {
  RandomForestClassifier,
  type RandomForestClassifierParams,
  type RandomForestParams,
  RandomForestRegressor,
  type RandomForestRegressorParams,
  type RandomForestState,
  type RandomForestStateJSON,
  workersAvailable,
} from "./random-forest.js";
