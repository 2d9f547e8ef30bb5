/**
 * The reference profile: what a model version's training data looked like, kept with the version so
 * production can be compared with it without the training data. Computed once by `mlship train`:
 *   - per feature: numeric ones their count, missing share, min/max/mean/std, 101 quantiles (numpy's
 *     linear interpolation, exact at training time) and a histogram; categorical and boolean ones the
 *     frequency of every level (the 1,000 most frequent, the rest pooled); datetimes their range; PII
 *     features only their counts (their values never leave the training data);
 *   - a reference sample of rows (seeded, bounded by monitoring.reference.sampleRows), which the
 *     numeric drift tests compare windows with;
 *   - the model's predictions on the holdout, profiled the same way (prediction drift);
 *   - the holdout metrics, with what the live performance tests need (performance.ts).
 */
import { MlshipError } from "../core/errors.js";
import { type Column, Frame, numeric, takeColumn } from "../core/frame.js";
import type { MonitoringSpec } from "../spec/index.js";
import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from "./encode.js";
import type { HoldoutReference } from "./performance.js";
import { sampleIndices } from "./sample.js";
import { sortedFinite } from "./sort.js";
import { histogramSorted } from "./stats.js";

export const profileFormat = "mlship.profile/1";

/** Levels kept per categorical feature; rarer ones are pooled into `otherCount`. */
export const maxProfileLevels = 1000;
const quantileSteps = 100;
/** Numeric features with at most this many distinct values also keep each value's count. */
const fewDistinct = 20;

export interface NumericProfile {
  name: string;
  type: "numeric";
  /** Non-missing values. */
  count: number;
  missing: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  /** At p = 0, 0.01, ..., 1 (numpy.quantile, linear); empty without values. */
  quantiles: number[];
  /** Equal-width bins over [min, max] (numpy.histogram). */
  histogram: { edges: number[]; counts: number[] };
  /** Every distinct value and its count, for features with at most 20 of them (flags, small counts). */
  values?: { value: number; count: number }[];
}

export interface CategoricalProfile {
  name: string;
  type: "categorical";
  /** Booleans are profiled as the levels "false" and "true". */
  source: "categorical" | "boolean";
  count: number;
  missing: number;
  /** Most frequent first. */
  levels: string[];
  counts: number[];
  /** Levels beyond the kept ones, and their rows. */
  otherLevels: number;
  otherCount: number;
}

export interface DatetimeProfile {
  name: string;
  type: "datetime";
  count: number;
  missing: number;
  /** Epoch milliseconds. */
  min: number | null;
  max: number | null;
}

/** A PII feature: the log holds its values only as keyed hashes, so no values are kept to compare. */
export interface PiiProfile {
  name: string;
  type: "pii";
  columnType: Column["type"];
  count: number;
  missing: number;
}

export type FeatureProfile = NumericProfile | CategoricalProfile | DatetimeProfile | PiiProfile;

/** One column of the reference sample. */
export type SampleColumn =
  | { type: "numeric"; values: string }
  | { type: "categorical"; levels: string[]; codes: string };

export interface ReferenceSample {
  /** Rows sampled, of `of`. */
  rows: number;
  of: number;
  seed: number;
  columns: Record<string, SampleColumn>;
}

export interface ProfiledFrame {
  rows: number;
  features: FeatureProfile[];
  sample: ReferenceSample;
}

export interface ReferenceProfile {
  format: typeof profileFormat;
  createdAt: number;
  task: "binary" | "multiclass" | "regression";
  target: string;
  /** A classifier's classes, in the model's order. */
  classes: string[];
  positiveClass: string | null;
  metric: {
    primary: string;
    secondary: string[];
    direction: "maximize" | "minimize";
    threshold: number;
  };
  dataFingerprint: string | null;
  runId: string | null;
  seed: number;
  /** The spec's monitoring section at training time: the thresholds this version is judged by. */
  monitoring: MonitoringSpec;
  /** The spec's production constraints (the default latency alert follows latencyP95Ms). */
  constraints: { latencyP95Ms?: number; maxModelBytes?: number };
  /** The model's input columns, over every training row (train and holdout). */
  data: ProfiledFrame;
  /**
   * The model's answers on the holdout: "prediction" (the class, or the value), and for a binary
   * classifier "score", the positive class's probability.
   */
  predictions: ProfiledFrame;
  holdout: HoldoutReference;
}

/** numpy.quantile(values, p) with linear interpolation, on values sorted ascending. */
export function quantileSorted(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** numpy.histogram(values, bins) edges: equal widths over [min, max], widened by 0.5 when constant. */
export function histogramEdges(min: number, max: number, bins: number): Float64Array {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const edges = new Float64Array(bins + 1);
  const step = (last - first) / bins;
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

function numericProfile(name: string, values: Float64Array, bins: number): NumericProfile {
  const { sorted, missing } = sortedFinite(values);
  const n = sorted.length;
  if (n === 0) {
    return {
      name,
      type: "numeric",
      count: 0,
      missing,
      min: null,
      max: null,
      mean: null,
      std: null,
      quantiles: [],
      histogram: { edges: [], counts: [] },
    };
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  const quantiles: number[] = [];
  for (let q = 0; q <= quantileSteps; q++) quantiles.push(quantileSorted(sorted, q / quantileSteps));
  const edges = histogramEdges(sorted[0], sorted[n - 1], bins);
  const distinct: { value: number; count: number }[] = [];
  for (let i = 0; i < n && distinct.length <= fewDistinct; ) {
    let j = i;
    while (j < n && sorted[j] === sorted[i]) j++;
    distinct.push({ value: sorted[i], count: j - i });
    i = j;
  }
  return {
    name,
    type: "numeric",
    count: n,
    missing,
    min: sorted[0],
    max: sorted[n - 1],
    mean,
    std: Math.sqrt(squares / n),
    quantiles,
    histogram: { edges: Array.from(edges), counts: Array.from(histogramSorted(sorted, edges)) },
    ...(distinct.length <= fewDistinct ? { values: distinct } : {}),
  };
}

function levelCounts(column: Column): { levels: readonly string[]; counts: Float64Array; missing: number } {
  if (column.type === "categorical") {
    const counts = new Float64Array(column.levels.length);
    let missing = 0;
    for (const c of column.codes) {
      if (c < 0) missing++;
      else counts[c]++;
    }
    return { levels: column.levels, counts, missing };
  }
  if (column.type !== "boolean") throw new Error(`levelCounts: ${column.type} column`);
  const counts = new Float64Array(2);
  let missing = 0;
  for (const v of column.values) {
    if (v < 0) missing++;
    else counts[v]++;
  }
  return { levels: ["false", "true"], counts, missing };
}

function categoricalProfile(name: string, column: Column): CategoricalProfile {
  const { levels, counts, missing } = levelCounts(column);
  const order = [...levels.keys()].filter((k) => counts[k] > 0);
  order.sort((a, b) => counts[b] - counts[a] || (levels[a] < levels[b] ? -1 : levels[a] > levels[b] ? 1 : 0));
  const kept = order.slice(0, maxProfileLevels);
  let otherCount = 0;
  for (const k of order.slice(maxProfileLevels)) otherCount += counts[k];
  let count = 0;
  for (const c of counts) count += c;
  return {
    name,
    type: "categorical",
    source: column.type === "boolean" ? "boolean" : "categorical",
    count,
    missing,
    levels: kept.map((k) => levels[k]),
    counts: kept.map((k) => counts[k]),
    otherLevels: order.length - kept.length,
    otherCount,
  };
}

function missingOf(column: Column): number {
  let m = 0;
  const n = column.type === "categorical" ? column.codes.length : column.values.length;
  for (let i = 0; i < n; i++) {
    if (
      column.type === "categorical"
        ? column.codes[i] < 0
        : column.type === "boolean"
          ? column.values[i] < 0
          : Number.isNaN(column.values[i])
    )
      m++;
  }
  return m;
}

function featureProfile(name: string, column: Column, pii: boolean, bins: number): FeatureProfile {
  if (pii) {
    const missing = missingOf(column);
    const n = column.type === "categorical" ? column.codes.length : column.values.length;
    return { name, type: "pii", columnType: column.type, count: n - missing, missing };
  }
  switch (column.type) {
    case "numeric":
      return numericProfile(name, column.values, bins);
    case "datetime": {
      const { sorted, missing } = sortedFinite(column.values);
      return {
        name,
        type: "datetime",
        count: sorted.length,
        missing,
        min: sorted.length ? sorted[0] : null,
        max: sorted.length ? sorted[sorted.length - 1] : null,
      };
    }
    default:
      return categoricalProfile(name, column);
  }
}

function sampleColumn(column: Column): SampleColumn | null {
  switch (column.type) {
    case "numeric":
      return { type: "numeric", values: encodeFloat64(column.values) };
    case "categorical":
      return { type: "categorical", levels: [...column.levels], codes: encodeInt32(column.codes) };
    case "boolean":
      return {
        type: "categorical",
        levels: ["false", "true"],
        codes: encodeInt32(Int32Array.from(column.values)),
      };
    case "datetime":
      return null;
  }
}

/** Profiles every column of `frame` and keeps a seeded sample of its rows (PII columns left out). */
export function profileFrame(
  frame: Frame,
  options: { pii?: readonly string[]; sampleRows: number; bins: number; seed: number },
): ProfiledFrame {
  const pii = new Set(options.pii ?? []);
  const features = frame.names.map((n) => featureProfile(n, frame.column(n), pii.has(n), options.bins));
  const rows = sampleIndices(frame.nRows, options.sampleRows, options.seed);
  const columns: Record<string, SampleColumn> = {};
  for (const n of frame.names) {
    if (pii.has(n)) continue;
    const c = sampleColumn(takeColumn(frame.column(n), rows));
    if (c) columns[n] = c;
  }
  return {
    rows: frame.nRows,
    features,
    sample: { rows: rows.length, of: frame.nRows, seed: options.seed, columns },
  };
}

/** A sample column's values: numbers (NaN missing) or codes into its levels (-1 missing). */
export function sampleValues(column: SampleColumn): Float64Array | { codes: Int32Array; levels: string[] } {
  return column.type === "numeric"
    ? decodeFloat64(column.values)
    : { codes: decodeInt32(column.codes), levels: column.levels };
}

/** The holdout predictions as a Frame to profile: the prediction, and a binary classifier's score. */
export function predictionFrame(
  predicted: Int32Array | Float64Array,
  classes: readonly string[],
  proba: Float64Array | null,
  positive: number,
): Frame {
  const n = predicted.length;
  if (classes.length === 0) return new Frame([["prediction", numeric(predicted as Float64Array)]], n);
  const columns: Array<[string, Column]> = [
    ["prediction", { type: "categorical", codes: predicted as Int32Array, levels: classes }],
  ];
  if (proba && classes.length === 2) {
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) score[i] = proba[i * 2 + positive];
    columns.push(["score", numeric(score)]);
  }
  return new Frame(columns, n);
}

export function encodeProfile(profile: ReferenceProfile): Uint8Array {
  return Buffer.from(JSON.stringify(profile), "utf8");
}

/** Parses a stored profile; a document of another format is refused rather than misread. */
export function decodeProfile(bytes: Uint8Array, where: string): ReferenceProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    doc = null;
  }
  const format = (doc as { format?: unknown } | null)?.format;
  if (format !== profileFormat) {
    throw new MlshipError({
      what: `the reference profile is not one this mlship reads (format ${JSON.stringify(format ?? null)}, expected ${profileFormat})`,
      where,
      fix: "retrain the model with this mlship (mlship train) to store a fresh profile",
      code: "E_PROFILE_FORMAT",
    });
  }
  return doc as ReferenceProfile;
}
