/** Scoring one validated Frame, shaped for the JSON responses. */
import { cellValue, type Frame } from "../../core/frame.js";
import { isClassifier } from "../../core/protocol.js";
import { predictFrame } from "../../evaluate/predict.js";
import type { LoadedModel } from "./models.js";

export interface Scored {
  predictions: Array<number | string | boolean | null>;
  /** Per row, the probability of each class; classifiers only. */
  probabilities?: Array<Record<string, number>>;
}

export function score(loaded: LoadedModel, X: Frame): Scored {
  const out = predictFrame(loaded.model, X);
  const prediction = out.column("prediction");
  const predictions = Array.from({ length: out.nRows }, (_, i) => cellValue(prediction, i));
  if (!isClassifier(loaded.model)) return { predictions };
  const classes = loaded.model.classes.map(String);
  const proba = classes.map((c) => out.numeric(`proba_${c}`));
  const probabilities = Array.from({ length: out.nRows }, (_, i) =>
    Object.fromEntries(classes.map((c, j) => [c, proba[j][i]])),
  );
  return { predictions, probabilities };
}
