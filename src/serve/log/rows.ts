/**
 * A prediction event as prediction_log rows, held as one segment: what its rows share (request, model,
 * time) once, and per row only the texts that differ, so the queue keeps a few strings per row and
 * the writer thread is sent little more than those. Done on the request path, so it is one
 * JSON.stringify per row for the common model without a key or PII columns; only models whose spec
 * names them pay for splitting each record.
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

/** One event's rows: row i is `first + i`, with the i-th entry of each array. */
export interface LogSegment {
  request_id: string;
  model: string;
  version: number;
  alias: string | null;
  fallback: string | null;
  endpoint: string;
  at: number;
  latency_ms: number;
  first: number;
  inputs: string[];
  /** Null when no row has PII fields (or key) outside the features. */
  pii: Array<string | null> | null;
  keys: Array<string | null> | null;
  predictions: string[];
  probabilities: string[] | null;
}

export const rowCount = (s: LogSegment): number => s.inputs.length;

/** The segment's rows, as the spool keeps them (one JSON object per line). */
export function rowsOfSegment(s: LogSegment): LogRow[] {
  return s.inputs.map((inputs, i) => ({
    request_id: s.request_id,
    row_index: s.first + i,
    model: s.model,
    version: s.version,
    alias: s.alias,
    fallback: s.fallback,
    endpoint: s.endpoint,
    at: s.at,
    latency_ms: s.latency_ms,
    row_key: s.keys?.[i] ?? null,
    inputs,
    pii: s.pii?.[i] ?? null,
    prediction: s.predictions[i],
    probabilities: s.probabilities?.[i] ?? null,
  }));
}

/** Spooled rows as segments of one row each (a replay is rare, and its rows need not share anything). */
export function segmentsOfRows(rows: readonly LogRow[]): LogSegment[] {
  return rows.map((r) => ({
    request_id: r.request_id,
    model: r.model,
    version: r.version,
    alias: r.alias,
    fallback: r.fallback,
    endpoint: r.endpoint,
    at: r.at,
    latency_ms: r.latency_ms,
    first: r.row_index,
    inputs: [r.inputs],
    pii: [r.pii],
    keys: [r.row_key],
    predictions: [r.prediction],
    probabilities: r.probabilities === null ? null : [r.probabilities],
  }));
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

export function segmentOf(event: PredictionEvent, hash: () => PiiHasher): LogSegment {
  const { model, output } = event;
  const s = sensitive(model);
  const n = output.nRows;
  let inputs: string[];
  let pii: Array<string | null> | null = null;
  let keys: Array<string | null> | null = null;
  if (s.key === undefined && s.pii.size === 0) {
    inputs = event.recordsJson?.() ?? event.records.map((r) => JSON.stringify(r));
  } else {
    const isFeature = featureSet(model);
    const records = event.records;
    inputs = new Array<string>(n);
    pii = new Array<string | null>(n);
    keys = new Array<string | null>(n);
    for (let i = 0; i < n; i++) {
      const parts = split(records[i], s, isFeature, hash);
      inputs[i] = parts.inputs;
      pii[i] = parts.pii;
      keys[i] = parts.key;
    }
  }
  return {
    request_id: event.requestId,
    model: model.name,
    version: model.version,
    alias: event.alias ?? null,
    fallback: event.fallback ?? null,
    endpoint: event.endpoint,
    at: event.receivedAt,
    latency_ms: event.latencyMs,
    first: event.firstRow,
    inputs,
    pii,
    keys,
    predictions: jsonTexts(output.column("prediction"), n),
    probabilities: probabilityTexts(model, output) ?? null,
  };
}
