/** Scoring one validated Frame, shaped for the JSON responses, and telling the observers about it. */
import { MlshipError } from "../../core/errors.js";
import { cellValue, type Frame } from "../../core/frame.js";
import { isClassifier } from "../../core/protocol.js";
import { predictFrame } from "../../evaluate/predict.js";
import type { LoadedModel } from "./models.js";
import type { PredictionEvent, PredictObserver } from "./observe.js";

export interface Scored {
  predictions: Array<number | string | boolean | null>;
  /** Per row, the probability of each class; classifiers only. */
  probabilities?: Array<Record<string, number>>;
}

/** The JSON shape of `predictFrame`'s output (prediction and proba_<class> columns). */
export function scoredOf(loaded: LoadedModel, out: Frame): Scored {
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

export function score(loaded: LoadedModel, X: Frame): Scored {
  return scoredOf(loaded, predictFrame(loaded.model, X));
}

/** Every observer, before the answer: one that throws refuses the request. */
export function observe(observers: readonly PredictObserver[], event: PredictionEvent): void {
  for (const o of observers) o.scored(event);
}

const busy = (err: unknown) => err instanceof MlshipError && err.code.startsWith("E_BUSY");

/**
 * For chunks of a batch already answering 200: an observer that is full is waited for (`ready`)
 * instead of refusing, since the status can no longer say so.
 */
export async function observeWaiting(
  observers: readonly PredictObserver[],
  event: PredictionEvent,
): Promise<void> {
  for (const o of observers) {
    for (;;) {
      await o.ready?.(event.records.length);
      try {
        o.scored(event);
        break;
      } catch (err) {
        // Another request may have taken the room between `ready` and now: wait again.
        if (!(o.ready && busy(err))) throw err;
      }
    }
  }
}
