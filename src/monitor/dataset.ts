/**
 * Monitoring a dataset instead of the prediction log: a file of new rows (last month's customers,
 * with their outcomes once known) is scored with the model version and compared with its reference
 * profile the same way a window of the log is: data drift, prediction drift, and, when the file has
 * the target column, performance against the holdout. `windowRows` cuts the file into consecutive
 * windows in file order, so the report can show the change over it.
 */
import { decodeArtifact } from "../artifact/index.js";
import { MlshipError } from "../core/errors.js";
import type { Column, Frame } from "../core/frame.js";
import { modelInput, modelOf, predictFrame } from "../evaluate/index.js";
import { resolveModelVersion } from "../registry/index.js";
import type { MonitoringSpec } from "../spec/index.js";
import { getBlob, type Store } from "../store/index.js";
import {
  alertRules,
  assessDrift,
  assessPerformance,
  assessPredictionDrift,
  evaluateRules,
  labelledSet,
  type MonitoringState,
  type WindowSummary,
} from "./check.js";
import type { ReferenceProfile } from "./profile.js";
import {
  distributionsOf,
  type HistoryPoint,
  type MonitorReport,
  type PerformancePoint,
  reportFormat,
} from "./report.js";
import { summariseMinutes } from "./traffic.js";
import { codesOver, loadVersionProfile } from "./training.js";
import type { WindowColumn } from "./window.js";

export interface DatasetCheckOptions {
  model: string;
  version?: number | string;
  frame: Frame;
  /** Where the rows came from, for messages. */
  source?: string;
  monitoring?: MonitoringSpec;
  /** Cut the file into windows of this many rows (default: one window of every row). */
  windowRows?: number;
  now?: number;
}

interface Scored {
  columns: Map<string, WindowColumn>;
  predicted: Int32Array | Float64Array;
  proba: Float64Array | null;
  labels: Int32Array | Float64Array | null;
}

function windowColumn(c: Column): WindowColumn | null {
  switch (c.type) {
    case "numeric":
      return { type: "numeric", values: c.values };
    case "categorical":
      return { type: "categorical", codes: c.codes, levels: [...c.levels] };
    case "boolean":
      return { type: "categorical", codes: Int32Array.from(c.values), levels: ["false", "true"] };
    case "datetime":
      return null;
  }
}

async function scoreFrame(
  store: Store,
  profile: ReferenceProfile,
  artifactSha256: string,
  frame: Frame,
  where: string,
): Promise<Scored> {
  const bytes = await getBlob(store, artifactSha256);
  const artifact = decodeArtifact(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), where);
  const X = modelInput(artifact, frame, where);
  const out = predictFrame(modelOf(artifact, where), X);
  const columns = new Map<string, WindowColumn>();
  for (const name of X.names) {
    const c = windowColumn(X.column(name));
    if (c) columns.set(name, c);
  }
  const k = profile.classes.length;
  const prediction = out.column("prediction");
  let predicted: Int32Array | Float64Array;
  let proba: Float64Array | null = null;
  if (k === 0) predicted = prediction.type === "numeric" ? prediction.values : new Float64Array(frame.nRows);
  else {
    predicted = codesOver(prediction, profile.classes);
    proba = new Float64Array(frame.nRows * k);
    profile.classes.forEach((cls, j) => {
      const col = out.numeric(`proba_${cls}`);
      for (let i = 0; i < frame.nRows; i++) (proba as Float64Array)[i * k + j] = col[i];
    });
  }
  let labels: Int32Array | Float64Array | null = null;
  if (frame.has(profile.target)) {
    const y = frame.column(profile.target);
    labels = k === 0 ? (y.type === "numeric" ? y.values : null) : codesOver(y, profile.classes);
  }
  return { columns, predicted, proba, labels };
}

function slice(s: Scored, start: number, end: number, k: number): Scored {
  const columns = new Map<string, WindowColumn>();
  for (const [name, c] of s.columns) {
    columns.set(
      name,
      c.type === "numeric"
        ? { type: "numeric", values: c.values.subarray(start, end) }
        : { type: "categorical", codes: c.codes.subarray(start, end), levels: c.levels },
    );
  }
  return {
    columns,
    predicted: s.predicted.subarray(start, end),
    proba: s.proba ? s.proba.subarray(start * Math.max(k, 1), end * Math.max(k, 1)) : null,
    labels: s.labels ? s.labels.subarray(start, end) : null,
  };
}

function fileWindow(rows: number, start: number): WindowSummary {
  return { kind: "rows", size: rows, rows, from: null, to: null, truncated: start < 0 };
}

function stateOf(
  model: string,
  version: number,
  profile: ReferenceProfile,
  m: MonitoringSpec,
  s: Scored,
  rows: number,
  now: number,
): Omit<MonitoringState, "findings"> {
  const perf = s.labels
    ? assessPerformance(profile, m, labelledSet(profile, s.labels, s.predicted, s.proba))
    : null;
  return {
    model,
    version,
    generatedAt: now,
    profile: {
      createdAt: profile.createdAt,
      trainingRows: profile.data.rows,
      sampleRows: profile.data.sample.rows,
      runId: profile.runId,
    },
    monitoring: m,
    window: fileWindow(rows, 0),
    drift: assessDrift(profile, m, s.columns, rows),
    predictionDrift: assessPredictionDrift(profile, m, s.predicted, s.proba),
    performance: perf ? { ...perf, window: fileWindow(perf.rows, 0) } : null,
    traffic: summariseMinutes([], now, now),
  };
}

async function prepared(store: Store, options: DatasetCheckOptions) {
  const v = await resolveModelVersion(store, options.model, options.version ?? "champion");
  const { profile } = await loadVersionProfile(store, options.model, v.version);
  if (!profile) {
    throw new MlshipError({
      what: `${options.model} v${v.version} has no reference profile to compare the data with`,
      where: `model: ${options.model} v${v.version}`,
      fix: "train the model with `mlship train` (it stores the profile with the version)",
      code: "E_PROFILE_MISSING",
    });
  }
  const where = options.source ?? "the data";
  const scored = await scoreFrame(store, profile, v.artifactSha256, options.frame, where);
  return { version: v.version, profile, scored, m: options.monitoring ?? profile.monitoring };
}

/** Traffic rules say nothing about a file; every other rule is judged on it. */
const fileRules = (m: MonitoringSpec, profile: ReferenceProfile) =>
  alertRules(m, profile.constraints).filter((r) => r.kind !== "errorRate" && r.kind !== "latency");

/** The monitoring state of a dataset scored by the model version (default: the champion). */
export async function checkDataset(store: Store, options: DatasetCheckOptions): Promise<MonitoringState> {
  const now = options.now ?? Date.now();
  const { version, profile, scored, m } = await prepared(store, options);
  const partial = stateOf(options.model, version, profile, m, scored, options.frame.nRows, now);
  return { ...partial, findings: await evaluateRules(store, partial, fileRules(m, profile), now) };
}

/** The report of a dataset: the whole file as the current window, consecutive windows as its history. */
export async function datasetReport(store: Store, options: DatasetCheckOptions): Promise<MonitorReport> {
  const now = options.now ?? Date.now();
  const { version, profile, scored, m } = await prepared(store, options);
  const n = options.frame.nRows;
  const partial = stateOf(options.model, version, profile, m, scored, n, now);
  const state = { ...partial, findings: await evaluateRules(store, partial, fileRules(m, profile), now) };
  const history: HistoryPoint[] = [];
  const performance: PerformancePoint[] = [];
  const size = options.windowRows ?? n;
  const k = profile.classes.length;
  const light = {
    ...m,
    performance: { ...m.performance, bootstrap: Math.min(m.performance.bootstrap, 200) },
  };
  for (let start = 0; start < n && options.windowRows !== undefined; start += size) {
    const end = Math.min(n, start + size);
    const part = slice(scored, start, end, k);
    const drift = assessDrift(profile, m, part.columns, end - start);
    const window = { ...fileWindow(end - start, start), from: start, to: end };
    history.push({
      window,
      share: drift.share,
      datasetDrift: drift.datasetDrift,
      judged: drift.judged,
      drifted: drift.features.filter((f) => f.drifted).map((f) => f.column),
      predictionDrift: assessPredictionDrift(profile, m, part.predicted, part.proba).drifted,
    });
    if (part.labels) {
      const perf = assessPerformance(
        profile,
        light,
        labelledSet(profile, part.labels, part.predicted, part.proba),
      );
      performance.push({
        window: { ...window, rows: perf.rows },
        metrics: perf.metrics,
        conceptDrift: perf.conceptDrift,
      });
    }
  }
  const { features, predictions } = distributionsOf(
    profile,
    scored.columns,
    scored.predicted,
    scored.proba,
    state,
  );
  return {
    format: reportFormat,
    model: options.model,
    version,
    generatedAt: now,
    axis: "rows",
    task: profile.task,
    primaryMetric: profile.metric.primary,
    holdout: profile.holdout.metrics,
    state,
    features,
    predictions,
    history,
    performance,
    traffic: [],
    events: [],
  };
}
