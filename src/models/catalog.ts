/**
 * What the workflows need to know about each model kind without instantiating it: which tasks it serves,
 * whether it needs scaled inputs (distance- and gradient-based models do; trees do not), and whether it
 * takes missing values and categorical columns as they are (histogram gradient boosting learns where
 * missing values go and splits categories natively, so imputing and one-hot encoding would only lose
 * information).
 */
import { MlshipError } from "../core/errors.js";
import { isPredictor, type Predictor, registeredKinds, reviveEstimator } from "../core/protocol.js";
import { didYouMean } from "../spec/suggest.js";

type ModelTask = "classification" | "regression" | "clustering";

interface ModelInfo {
  task: ModelTask;
  needsScaling: boolean;
  /** Without a `prep` in the spec, gets numeric columns unimputed and categorical columns unencoded. */
  nativeInputs?: boolean;
}

export const modelCatalog: Readonly<Record<string, ModelInfo>> = {
  logisticRegression: { task: "classification", needsScaling: true },
  linearRegression: { task: "regression", needsScaling: true },
  ridge: { task: "regression", needsScaling: true },
  lasso: { task: "regression", needsScaling: true },
  elasticNet: { task: "regression", needsScaling: true },
  decisionTreeClassifier: { task: "classification", needsScaling: false },
  decisionTreeRegressor: { task: "regression", needsScaling: false },
  randomForestClassifier: { task: "classification", needsScaling: false },
  randomForestRegressor: { task: "regression", needsScaling: false },
  histGradientBoostingClassifier: { task: "classification", needsScaling: false, nativeInputs: true },
  histGradientBoostingRegressor: { task: "regression", needsScaling: false, nativeInputs: true },
  kNeighborsClassifier: { task: "classification", needsScaling: true },
  kNeighborsRegressor: { task: "regression", needsScaling: true },
  gaussianNB: { task: "classification", needsScaling: false },
  kMeans: { task: "clustering", needsScaling: true },
  dummyClassifier: { task: "classification", needsScaling: false },
  dummyRegressor: { task: "regression", needsScaling: false },
};

export function modelTaskOf(specTask: "binary" | "multiclass" | "regression" | "clustering"): ModelTask {
  return specTask === "binary" || specTask === "multiclass" ? "classification" : specTask;
}

/** The baseline every comparison includes, so a model has to beat guessing to be worth anything. */
export function baselineKind(task: ModelTask): string | null {
  return task === "classification" ? "dummyClassifier" : task === "regression" ? "dummyRegressor" : null;
}

/** The parameters a registered model kind takes (its defaults' keys). */
export function modelParamNames(kind: string): string[] {
  return Object.keys(reviveEstimator({ kind, params: {}, state: null }).params);
}

/**
 * An unfitted model from a kind and params as written in the spec. `where` names the spec entry so a
 * wrong kind or param points at the line to fix.
 */
export function createModel(
  kind: string,
  params: Record<string, unknown>,
  options: { task: ModelTask; where: string },
): Predictor {
  const info = modelCatalog[kind];
  if (!info) {
    const models = Object.keys(modelCatalog).filter((k) => modelCatalog[k].task === options.task);
    throw new MlshipError({
      what: `unknown model kind "${kind}"`,
      where: options.where,
      fix: `use one of: ${models.join(", ")}`,
      code: "E_MODEL_KIND",
    });
  }
  if (info.task !== options.task) {
    throw new MlshipError({
      what: `"${kind}" is a ${info.task} model, but the spec's task needs ${options.task}`,
      where: options.where,
      fix: `use one of: ${Object.keys(modelCatalog)
        .filter((k) => modelCatalog[k].task === options.task)
        .join(", ")}`,
      code: "E_MODEL_KIND",
    });
  }
  if (!registeredKinds().includes(kind)) {
    throw new MlshipError({ what: `model kind "${kind}" is not loaded`, code: "E_MODEL_KIND" });
  }
  const known = modelParamNames(kind);
  for (const name of Object.keys(params)) {
    if (!known.includes(name)) {
      const guess = didYouMean(name, known);
      throw new MlshipError({
        what: `${kind} has no parameter "${name}"`,
        where: options.where,
        fix: guess ? `did you mean "${guess}"?` : `its parameters are: ${known.join(", ")}`,
        code: "E_MODEL_PARAM",
      });
    }
  }
  let model: unknown;
  try {
    model = reviveEstimator({ kind, params, state: null });
  } catch (err) {
    if (err instanceof MlshipError) {
      throw new MlshipError(
        { what: err.what, where: options.where, fix: err.fix, code: err.code },
        { cause: err },
      );
    }
    throw new MlshipError(
      {
        what: `invalid params for ${kind}: ${(err as Error).message}`,
        where: options.where,
        code: "E_MODEL_PARAM",
      },
      { cause: err },
    );
  }
  if (!isPredictor(model as Predictor)) {
    throw new MlshipError({ what: `"${kind}" is not a model`, where: options.where, code: "E_MODEL_KIND" });
  }
  return model as Predictor;
}
