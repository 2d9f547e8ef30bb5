export type { Criterion, TreeArrays } from "./cart.js";
export type { MaxFeatures } from "./data.js";
export {
  DecisionTreeClassifier,
  type DecisionTreeClassifierParams,
  type DecisionTreeParams,
  DecisionTreeRegressor,
  type DecisionTreeRegressorParams,
  type DecisionTreeState,
  type DecisionTreeStateJSON,
} from "./decision-tree.js";
export type { TreeJSON } from "./tree-json.js";
