/**
 * A prediction event as prediction_log rows. Done on the request path, so it is one JSON.stringify per
 * row for the common model without a key or PII columns; only models whose spec names them pay for
 * splitting each record.
 */
import type { Column, Frame } from "../../core/frame.js";
import { isClassifier } from "../../core/protocol.js";
import type { LoadedModel } from "../predict/models.js";
import type { PredictionEvent } from "../predict/observe.js";
import type { PiiHasher } from "./pii.js";

/** What one prediction_log row holds, as inserted (and as spooled, one JSON object per line). */
export interface LogRow {
  request_id: string;
  row_index: number;
  model: string;
  version: number;
  alias: string | null;
  fallback: string | null;
  endpoint: string;
  at: number;
  latency_ms: number;
  row_key: string | null;
  inputs: string;
  pii: string | null;
  prediction: string;
  probabilities: string | null;
}

/** The spec's key column and PII columns, as the artifact carries them. */
export interface Sensitive {
  key: string | undefined;
  pii: ReadonlySet<string>;
}

const sensitiveOf = new WeakMap<LoadedModel, Sensitive>();

export function sensitive(model: LoadedModel): Sensitive {
  let s = sensitiveOf.get(model);
  if (s === undefined) {
    const spec = model.artifact.payload.spec;
    s = { key: spec.key, pii: new Set(spec.pii ?? []) };
    sensitiveOf.set(model, s);
  }
  return s;
}

const features = new WeakMap<LoadedModel, ReadonlySet<string>>();

function featureSet(model: LoadedModel): ReadonlySet<string> {
  let f = features.get(model);
  if (f === undefined) {
    f = new Set(model.artifact.payload.inputSchema.columns.map((c) => c.name));
    features.set(model, f);
  }
  return f;
}

/**
 * Inputs without the pass-through key (kept apart, in clear) and with every PII field hashed: PII
 * fields that are not features go to `pii`, PII features (a spec may include one on purpose) stay in
 * `inputs`, hashed.
 */
function split(
  record: Record<string, unknown>,
  s: Sensitive,
  isFeature: ReadonlySet<string>,
  hash: () => PiiHasher,
): { inputs: string; pii: string | null; key: string | null } {
  const inputs: Record<string, unknown> = {};
  let pii: Record<string, string | null> | null = null;
  for (const [field, value] of Object.entries(record)) {
    const feature = isFeature.has(field);
    if (s.pii.has(field)) {
      const hashed = value === null || value === undefined ? null : hash()(value);
      if (feature) inputs[field] = hashed;
      else {
        pii ??= {};
        pii[field] = hashed;
      }
    } else if (feature) inputs[field] = value;
  }
  const key = s.key === undefined ? undefined : record[s.key];
  return {
    inputs: JSON.stringify(inputs),
    pii: pii === null ? null : JSON.stringify(pii),
    key: key === null || key === undefined ? null : String(key),
  };
}

/** JSON.stringify of each row's value of a column (non-finite numbers as null), without a value per row. */
function jsonTexts(c: Column, n: number): string[] {
  const out = new Array<string>(n);
  const num = (x: number) => (Number.isFinite(x) ? String(x) : "null");
  switch (c.type) {
    case "numeric":
      for (let i = 0; i < n; i++) out[i] = num(c.values[i]);
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

/** Each row's class probabilities as a JSON object, or undefined for regressors. */
function probabilityTexts(model: LoadedModel, output: Frame): string[] | undefined {
  if (!isClassifier(model.model)) return undefined;
  const classes = model.model.classes.map(String);
  const columns = classes.map((c) => output.numeric(`proba_${c}`));
  const keys = classes.map((c, j) => `${j === 0 ? "{" : ","}${JSON.stringify(c)}:`);
  const out = new Array<string>(output.nRows);
  for (let i = 0; i < output.nRows; i++) {
    let text = "";
    for (let j = 0; j < keys.length; j++) {
      const p = columns[j][i];
      text += keys[j] + (Number.isFinite(p) ? String(p) : "null");
    }
    out[i] = `${text}}`;
  }
  return out;
}

export function rowsOf(event: PredictionEvent, hash: () => PiiHasher): LogRow[] {
  const { model, records, output } = event;
  const s = sensitive(model);
  const plain = s.key === undefined && s.pii.size === 0;
  const isFeature = featureSet(model);
  const predictions = jsonTexts(output.column("prediction"), records.length);
  const probabilities = probabilityTexts(model, output);
  const alias = event.alias ?? null;
  const fallback = event.fallback ?? null;
  const rows = new Array<LogRow>(records.length);
  for (let i = 0; i < records.length; i++) {
    const parts = plain
      ? { inputs: JSON.stringify(records[i]), pii: null, key: null }
      : split(records[i], s, isFeature, hash);
    rows[i] = {
      request_id: event.requestId,
      row_index: event.firstRow + i,
      model: model.name,
      version: model.version,
      alias,
      fallback,
      endpoint: event.endpoint,
      at: event.receivedAt,
      latency_ms: event.latencyMs,
      row_key: parts.key,
      inputs: parts.inputs,
      pii: parts.pii,
      prediction: predictions[i],
      probabilities: probabilities === undefined ? null : probabilities[i],
    };
  }
  return rows;
}
