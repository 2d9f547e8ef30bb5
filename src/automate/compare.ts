/**
 * Champion and challenger (or, in a guard, new and old champion) scored on the same labelled rows, and
 * the paired test of whether B is better than A on the spec's primary metric. Versions are loaded from
 * the store's blobs (checksums verified), so what is compared is exactly what the server serves.
 */
import { type Artifact, decodeArtifact } from "../artifact/index.js";
import type { Column, Frame } from "../core/frame.js";
import { isClassifier, type Predictor } from "../core/protocol.js";
import { modelInput, modelOf, predictWithProba } from "../evaluate/index.js";
import { codesOver, type LabelledSet, metricOn } from "../monitor/index.js";
import { resolveModelVersion } from "../registry/index.js";
import type { MetricName } from "../spec/index.js";
import { getBlob, type Store } from "../store/index.js";
import { mcnemarExact, pairedBootstrap, pairedDelong } from "./paired.js";

export interface LoadedVersion {
  name: string;
  version: number;
  artifact: Artifact;
  model: Predictor;
}

export async function loadVersion(
  store: Store,
  name: string,
  version: number | string,
): Promise<LoadedVersion> {
  const v = await resolveModelVersion(store, name, version);
  const where = `model: ${name} v${v.version}`;
  const bytes = await getBlob(store, v.artifactSha256);
  const artifact = decodeArtifact(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), where);
  return { name, version: v.version, artifact, model: modelOf(artifact, where) };
}

/** The version's answers on `frame`'s rows beside the truth in `target`, as a LabelledSet. */
export function scoreOn(v: LoadedVersion, frame: Frame, target: Column): LabelledSet {
  const X = modelInput(v.artifact, frame, `model: ${v.name} v${v.version}`);
  const model = v.model;
  if (!isClassifier(model)) {
    const predicted = model.predict(X);
    return {
      n: frame.nRows,
      classes: [],
      truth: target.type === "numeric" ? target.values : new Float64Array(frame.nRows).fill(Number.NaN),
      predicted: predicted.type === "numeric" ? predicted.values : new Float64Array(frame.nRows),
      proba: null,
    };
  }
  const classes = model.classes.map(String);
  const { labels, proba } = predictWithProba(model, X);
  return {
    n: frame.nRows,
    classes,
    truth: codesOver(target, classes),
    predicted: codesOver(labels, classes),
    proba,
  };
}

/** Rows both sets can be scored on: a label that is a class of both (or a finite number). */
function usable(a: LabelledSet, b: LabelledSet): Int32Array {
  const keep: number[] = [];
  for (let i = 0; i < a.n; i++) {
    const ok = (s: LabelledSet) =>
      s.classes.length === 0
        ? Number.isFinite(s.truth[i]) && Number.isFinite(s.predicted[i])
        : s.truth[i] >= 0;
    if (ok(a) && ok(b)) keep.push(i);
  }
  return Int32Array.from(keep);
}

function subset(s: LabelledSet, rows: Int32Array): LabelledSet {
  if (rows.length === s.n) return s;
  const pick = <T extends Int32Array | Float64Array>(x: T): T => {
    const out = new (x.constructor as new (n: number) => T)(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = x[rows[i]];
    return out;
  };
  const k = s.classes.length;
  let proba: Float64Array | null = null;
  if (s.proba) {
    proba = new Float64Array(rows.length * k);
    for (let i = 0; i < rows.length; i++) proba.set(s.proba.subarray(rows[i] * k, rows[i] * k + k), i * k);
  }
  return { n: rows.length, classes: s.classes, truth: pick(s.truth), predicted: pick(s.predicted), proba };
}

export interface Comparison {
  metric: string;
  direction: "maximize" | "minimize";
  /** Rows compared (labelled, usable by both). */
  rows: number;
  /** The primary metric of each on those rows. */
  a: number;
  b: number;
  /** How much better B is (B - A, sign turned for metrics where lower is better). */
  improvement: number;
  test: string | null;
  statistic: number | null;
  /** One-sided p-value of H1: B is better than A; null when not tested. */
  pValue: number | null;
  /** Positives and negatives among the rows (binary tasks). */
  classCounts?: { positive: number; negative: number };
  /** Why there is no test, when there is none. */
  note?: string;
  /** Other metrics of both on the same rows, for the record. */
  secondary: Record<string, { a: number; b: number }>;
}

export interface CompareOptions {
  metric: MetricName;
  direction: "maximize" | "minimize";
  positiveClass?: string;
  secondary?: readonly MetricName[];
  /** Fewer usable rows than this: no test. */
  minRows: number;
  /** Bootstrap resamples for metrics without a closed-form paired test. */
  resamples?: number;
  seed?: number;
}

/** Each class needs this many rows before DeLong's normal approximation means anything. */
export const minRowsPerClass = 10;

const safe = (f: () => number) => {
  try {
    return f();
  } catch {
    return Number.NaN;
  }
};

/** A and B on the same rows: their scores and the paired test of H1: B is better. */
export function comparePaired(a: LabelledSet, b: LabelledSet, options: CompareOptions): Comparison {
  const rows = usable(a, b);
  const sa = subset(a, rows);
  const sb = subset(b, rows);
  const { metric, direction, positiveClass } = options;
  const scoreA = safe(() => metricOn(metric, sa, null, positiveClass));
  const scoreB = safe(() => metricOn(metric, sb, null, positiveClass));
  const sign = direction === "maximize" ? 1 : -1;
  const secondary: Comparison["secondary"] = {};
  for (const m of options.secondary ?? []) {
    if (m === metric) continue;
    secondary[m] = {
      a: safe(() => metricOn(m, sa, null, positiveClass)),
      b: safe(() => metricOn(m, sb, null, positiveClass)),
    };
  }
  const out: Comparison = {
    metric,
    direction,
    rows: rows.length,
    a: scoreA,
    b: scoreB,
    improvement: sign * (scoreB - scoreA),
    test: null,
    statistic: null,
    pValue: null,
    secondary,
  };
  const binary = sa.classes.length === 2;
  if (binary) {
    const pos = positiveClass === undefined ? 1 : Math.max(0, sa.classes.indexOf(positiveClass));
    let positives = 0;
    for (let i = 0; i < sa.n; i++) if (sa.truth[i] === pos) positives++;
    out.classCounts = { positive: positives, negative: sa.n - positives };
  }
  if (rows.length < options.minRows) {
    out.note = `${rows.length} labelled rows to compare on, fewer than the ${options.minRows} required`;
    return out;
  }
  if (metric === "roc_auc" && binary && sa.proba && sb.proba) {
    const { positive, negative } = out.classCounts as { positive: number; negative: number };
    if (Math.min(positive, negative) < minRowsPerClass) {
      out.note = `${positive} positive and ${negative} negative rows: ROC AUC needs at least ${minRowsPerClass} of each`;
      return out;
    }
    const posA = positiveClass === undefined ? 1 : sa.classes.indexOf(positiveClass);
    const posB = positiveClass === undefined ? 1 : sb.classes.indexOf(positiveClass);
    const flags = new Uint8Array(sa.n);
    const pa = new Float64Array(sa.n);
    const pb = new Float64Array(sa.n);
    for (let i = 0; i < sa.n; i++) {
      flags[i] = sa.truth[i] === posA ? 1 : 0;
      pa[i] = sa.proba[i * 2 + posA];
      pb[i] = sb.proba[i * 2 + posB];
    }
    const t = pairedDelong(flags, pa, pb);
    return { ...out, test: t.test, statistic: t.statistic, pValue: t.pValue };
  }
  if (metric === "accuracy" && sa.classes.length > 0) {
    const correct = (s: LabelledSet) =>
      Uint8Array.from({ length: s.n }, (_, i) => (s.truth[i] === s.predicted[i] ? 1 : 0));
    const t = mcnemarExact(correct(sa), correct(sb));
    return { ...out, test: t.test, statistic: t.statistic, pValue: t.pValue };
  }
  const t = pairedBootstrap(metric, sa, sb, {
    resamples: options.resamples ?? 1000,
    seed: options.seed ?? 0,
    direction,
    ...(positiveClass === undefined ? {} : { positiveClass }),
  });
  if (!Number.isFinite(t.pValue)) {
    out.note = `${metric} cannot be computed on these rows`;
    return out;
  }
  return { ...out, test: t.test, statistic: t.statistic, pValue: t.pValue };
}
