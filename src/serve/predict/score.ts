/**
 * Scoring one validated Frame, writing the JSON answer, and telling the observers about it. The
 * answer is written straight from the output's typed columns: a 10,000-row batch would otherwise
 * build 10,000 probability objects only for JSON.stringify to take them apart again.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { isClassifier } from "../../core/protocol.js";
import { predictFrame } from "../../evaluate/predict.js";
import { InputError, shown } from "./input.js";
import type { LoadedModel } from "./models.js";
import type { PredictionEvent, PredictObserver } from "./observe.js";

/**
 * `predictFrame`'s output (`prediction`, and `proba_<class>` per class for classifiers); a category the
 * model's encoder refuses (its rule for unseen levels is "error") is the client's problem, by row and field.
 */
export function score(loaded: LoadedModel, X: Frame, firstRow = 0): Frame {
  try {
    return predictFrame(loaded.model, X);
  } catch (err) {
    const unseen = err instanceof MlshipError && err.code === "E_PREP_UNKNOWN_LEVEL" ? err.data : undefined;
    if (!unseen) throw err;
    const { column, level, row } = unseen as { column: string; level: string; row: number };
    throw new InputError([
      {
        row: firstRow + row,
        field: column,
        problem: `the category ${shown(level)} was not seen in training, and ${loaded.name} version ${loaded.version} refuses unseen categories (its encoder's rule); GET /v1/models/{name}/schema lists the fields`,
      },
    ]);
  }
}

/** A number as the server's JSON writes it: non-finite values as "NaN", "Infinity", "-Infinity". */
const number = (x: number): string => (Number.isFinite(x) ? String(x) : `"${x}"`);

/** Each row's value of a prediction column, as JSON text. */
function valuesJson(c: Column, n: number): string[] {
  const out = new Array<string>(n);
  switch (c.type) {
    case "numeric":
      for (let i = 0; i < n; i++) out[i] = Number.isNaN(c.values[i]) ? "null" : number(c.values[i]);
      break;
    case "datetime":
      for (let i = 0; i < n; i++)
        out[i] = Number.isNaN(c.values[i]) ? "null" : `"${new Date(c.values[i]).toISOString()}"`;
      break;
    case "boolean":
      for (let i = 0; i < n; i++) out[i] = c.values[i] === -1 ? "null" : c.values[i] === 1 ? "true" : "false";
      break;
    case "categorical": {
      const levels = c.levels.map((l) => JSON.stringify(l));
      for (let i = 0; i < n; i++) out[i] = c.codes[i] < 0 ? "null" : levels[c.codes[i]];
      break;
    }
  }
  return out;
}

/** The classes of a classifier, as the output's `proba_<class>` columns name them. */
function classesOf(loaded: LoadedModel): string[] | undefined {
  return isClassifier(loaded.model) ? loaded.model.classes.map(String) : undefined;
}

/**
 * `"predictions": [...]` and, for classifiers, `"probabilities": [{class: p}]` (without the braces
 * around them), for the answer's body.
 */
export function predictionsJson(
  loaded: LoadedModel,
  out: Frame,
  options: { probabilities?: boolean } = {},
): string {
  const n = out.nRows;
  const predictions = valuesJson(out.column("prediction"), n);
  const classes = classesOf(loaded);
  let text = `"predictions":[${predictions.join(",")}]`;
  if (classes === undefined || options.probabilities === false) return text;
  const proba = classes.map((c) => out.numeric(`proba_${c}`));
  const keys = classes.map((c, j) => `${j === 0 ? "{" : ","}${JSON.stringify(c)}:`);
  const rows = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    let row = "";
    for (let j = 0; j < keys.length; j++) row += keys[j] + number(proba[j][i]);
    rows[i] = `${row}}`;
  }
  text += `,"probabilities":[${rows.join(",")}]`;
  return text;
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
      await o.ready?.(event.output.nRows);
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
