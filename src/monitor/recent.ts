/**
 * The latest labelled predictions of a model, whichever of its versions answered them, as a Frame of
 * the model's input columns beside the true labels: the fresh data a retraining adds to its sources,
 * and the common window a champion and a challenger are both scored on. PII features come back as
 * the keyed hashes the log holds (the raw values never reached the store).
 */
import type { ArtifactPayload } from "../artifact/index.js";
import { type Column, categorical, datetime, Frame, numeric } from "../core/frame.js";
import type { WindowSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { windowRequest } from "./check.js";
import { readWindow, type WindowBounds, type WindowColumnsSpec, windowBounds } from "./window.js";

export interface LabelledFrame {
  /** The model's input columns, one row per labelled prediction. */
  frame: Frame;
  /** The true labels: classes (categorical) for a classifier, numbers for a regressor. */
  labels: Column;
  /** The prediction-log span the rows came from. */
  from: number | null;
  to: number | null;
  bounds: WindowBounds;
}

/**
 * Labelled predictions of `model` in its latest `window` (the latest N labelled rows, or those of a time
 * span), typed by `payload` (an artifact's input schema and target: the champion's, usually).
 */
export async function labelledFrame(
  store: Store,
  model: string,
  payload: Pick<ArtifactPayload, "inputSchema" | "target">,
  window: WindowSpec,
  options: { now?: number; maxRows?: number } = {},
): Promise<LabelledFrame> {
  const classes = payload.target?.type === "categorical" ? (payload.target.classes ?? []) : [];
  const spec: WindowColumnsSpec = {
    features: payload.inputSchema.columns.map((c) => ({ name: c.name, type: c.type })),
    classes,
  };
  const [bounds] = await windowBounds(store, model, null, windowRequest(window), {
    now: options.now ?? Date.now(),
    labels: "labelled",
  });
  const data = await readWindow(store, model, null, bounds, spec, {
    labels: "labelled",
    ...(options.maxRows === undefined ? {} : { maxRows: options.maxRows }),
  });
  const raw = data.labels as Int32Array | Float64Array;
  // A label that is not one of the model's classes cannot be scored; such rows are left out.
  const keep: number[] = [];
  for (let i = 0; i < data.rows; i++)
    if (classes.length === 0 ? Number.isFinite(raw[i]) : raw[i] >= 0) keep.push(i);
  const pick = <T extends Int32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length);
    keep.forEach((r, i) => {
      out[i] = a[r];
    });
    return out;
  };
  const columns: Array<[string, Column]> = payload.inputSchema.columns.map((c) => {
    const w = data.columns.get(c.name);
    if (c.type === "boolean" && w?.type === "categorical") {
      const truth = w.levels.map((l) => (l === "true" ? 1 : l === "false" ? 0 : -1));
      const codes = pick(w.codes);
      return [c.name, { type: "boolean", values: Int8Array.from(codes, (k) => (k < 0 ? -1 : truth[k])) }];
    }
    if (w?.type === "categorical") return [c.name, categorical(pick(w.codes), w.levels)];
    const values = w?.type === "numeric" ? pick(w.values) : new Float64Array(keep.length).fill(Number.NaN);
    return [c.name, c.type === "datetime" ? datetime(values) : numeric(values)];
  });
  const labels =
    classes.length === 0 ? numeric(pick(raw as Float64Array)) : categorical(pick(raw as Int32Array), classes);
  return { frame: new Frame(columns, keep.length), labels, from: data.firstAt, to: data.lastAt, bounds };
}
