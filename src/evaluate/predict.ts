/**
 * Scoring new data with a saved model: the input is checked against the training schema (missing
 * columns and wrong types are refused with the column named; extra columns are ignored), then the
 * output carries the prediction and, for classifiers, one probability column per class.
 */
import type { Artifact } from "../artifact/index.js";
import { MlshipError } from "../core/errors.js";
import { type Column, Frame, namesFor, numeric } from "../core/frame.js";
import {
  type Classifier,
  isClassifier,
  isPredictor,
  type Predictor,
  predictsJointly,
} from "../core/protocol.js";
import { didYouMean } from "../spec/index.js";

export function modelOf(artifact: Artifact, where: string): Predictor {
  if (!isPredictor(artifact.pipeline)) {
    throw new MlshipError({
      what: "this artifact holds a preparation pipeline, not a model",
      where,
      fix: "score with an artifact written by `mlship train`",
      code: "E_PREDICT_NOT_A_MODEL",
    });
  }
  return artifact.pipeline;
}

/** The model's input columns from `frame`, or an error naming every missing or mistyped column. */
export function modelInput(artifact: Artifact, frame: Frame, where: string): Frame {
  const problems: string[] = [];
  for (const c of artifact.payload.inputSchema.columns) {
    if (!frame.has(c.name)) {
      const guess = didYouMean(c.name, frame.names);
      problems.push(`missing column "${c.name}"${guess ? ` (did you mean "${guess}"?)` : ""}`);
      continue;
    }
    const actual = frame.column(c.name).type;
    // A column that is entirely empty in this chunk reads as numeric; the imputer handles it.
    const emptyNumeric = actual === "numeric" && frame.numeric(c.name).every((v) => Number.isNaN(v));
    if (actual !== c.type && !emptyNumeric)
      problems.push(`column "${c.name}" is ${actual}, the model was trained on ${c.type}`);
  }
  if (problems.length > 0) {
    throw new MlshipError({
      what: `the data does not match the model's input schema: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; and ${problems.length - 5} more` : ""}`,
      where,
      fix: "score data with the same columns and types as the training data",
      code: "E_PREDICT_SCHEMA",
      data: problems,
    });
  }
  const { inputSchema } = artifact.payload;
  return frame.select(namesFor(inputSchema, () => inputSchema.columns.map((c) => c.name)));
}

/**
 * Labels and probabilities of a classifier, in one pass where the model has one (a pipeline prepares X
 * once for both; forests, trees, boosting and neighbours predict once for both).
 */
export function predictWithProba(model: Classifier, X: Frame): { labels: Column; proba: Float64Array } {
  if (predictsJointly(model)) return model.predictWithProba(X);
  return { labels: model.predict(X), proba: model.predictProba(X) };
}

/** Prediction columns: `prediction`, plus `proba_<class>` per class for classifiers. */
export function predictFrame(model: Predictor, X: Frame): Frame {
  if (!isClassifier(model)) return new Frame([["prediction", model.predict(X)]], X.nRows);
  const { labels, proba } = predictWithProba(model, X);
  const columns: Column[] = [labels];
  const k = model.classes.length;
  for (let j = 0; j < k; j++) {
    const col = new Float64Array(X.nRows);
    for (let i = 0; i < X.nRows; i++) col[i] = proba[i * k + j];
    columns.push(numeric(col));
  }
  const classes = model.classes;
  const names = namesFor(classes, () => ["prediction", ...classes.map((cls) => `proba_${cls}`)]);
  return Frame.of(names, columns, X.nRows);
}
