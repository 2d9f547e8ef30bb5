/**
 * The monitoring state of one model version over a window: data drift and prediction drift against the
 * version's reference profile, performance on the window's labelled predictions against the holdout,
 * traffic, errors and latency, and every alert rule evaluated on them (a finding each, firing or not).
 * This is the one entry point the server's monitor loop, `mlship monitor`, the API and automatic
 * retraining share: `checkModel(store, { model })` answers "how is the champion doing right now?".
 */
import type { MetricName } from "../spec/index.js";
import {
  type AlertSpec,
  durationMs,
  type MonitoringSpec,
  monitoringSchema,
  type WindowSpec,
} from "../spec/index.js";
import type { Store } from "../store/index.js";
import { driftAgainstProfile, type PreparedFeature, prepareReference } from "./against.js";
import type { DriftReport, FeatureDrift } from "./drift.js";
import { type LabelledSet, type PerformanceResult, windowPerformance } from "./performance.js";
import type { ProfiledFrame, ReferenceProfile } from "./profile.js";
import { type TrafficSummary, trafficSummary } from "./traffic.js";
import { loadVersionProfile, monitoredMetrics } from "./training.js";
import {
  readWindow,
  type WindowBounds,
  type WindowColumn,
  type WindowColumnsSpec,
  type WindowData,
  type WindowRequest,
  windowBounds,
} from "./window.js";

export type DataDrift = DriftReport & { judged: boolean; note?: string };

export interface PredictionDrift {
  features: FeatureDrift[];
  drifted: boolean;
  judged: boolean;
  note?: string;
}

export interface WindowSummary {
  kind: "rows" | "duration";
  /** Rows asked for, or the span in ms. */
  size: number;
  rows: number;
  /** The window's time span (for count windows, from its first row to its last). */
  from: number | null;
  to: number | null;
  /** More rows than maxRows: the latest were read. */
  truncated: boolean;
}

export interface Finding {
  /** The rule's name (default its kind). */
  rule: string;
  kind: AlertSpec["kind"];
  severity: AlertSpec["severity"];
  firing: boolean;
  /** False when the window was too small (or the data missing) to decide. */
  judged: boolean;
  message: string;
  value: number | null;
  threshold: number | null;
}

export interface MonitoringState {
  model: string;
  version: number;
  generatedAt: number;
  /** Null when the version has no reference profile (registered without `mlship train`). */
  profile: { createdAt: number; trainingRows: number; sampleRows: number; runId: string | null } | null;
  monitoring: MonitoringSpec;
  window: WindowSummary;
  drift: DataDrift | null;
  predictionDrift: PredictionDrift | null;
  performance: (PerformanceResult & { window: WindowSummary }) | null;
  traffic: TrafficSummary;
  findings: Finding[];
}

export interface CheckOptions {
  model: string;
  /** A version number, an alias or "latest"; default the champion. */
  version?: number | string;
  /** The clock: windows end here (default now). */
  now?: number;
  /** The monitoring settings to judge by (the spec file's); default those stored with the profile. */
  monitoring?: MonitoringSpec;
  /** Overrides monitoring.window (and the performance window, unless monitoring.performance.window is set). */
  window?: WindowSpec;
  /** Most rows read per window; default 1,000,000 (the latest ones). */
  maxRows?: number;
}

export const defaultMonitoring = (): MonitoringSpec => monitoringSchema.parse({});

export function windowRequest(w: WindowSpec): WindowRequest {
  return w.rows !== undefined ? { rows: w.rows } : { durationMs: durationMs(w.duration as string) };
}

/** The rules in force: the spec's, or the defaults (latency only when the spec constrains it). */
export function alertRules(m: MonitoringSpec, constraints: { latencyP95Ms?: number } = {}): AlertSpec[] {
  if (m.alerts) return m.alerts;
  const common = { severity: "warning" as const, repeat: "1h" };
  const rules: AlertSpec[] = [
    { kind: "dataDrift", ...common },
    { kind: "predictionDrift", ...common },
    { kind: "performanceDrop", ...common, minDrop: 0 },
    { kind: "errorRate", ...common, above: 0.05, clientErrors: false, window: "15m", minRequests: 20 },
  ];
  if (constraints.latencyP95Ms !== undefined) {
    rules.push({
      kind: "latency",
      ...common,
      percentile: 95,
      aboveMs: constraints.latencyP95Ms,
      window: "15m",
      minRequests: 20,
    });
  }
  return rules;
}

export const ruleName = (rule: AlertSpec): string => rule.name ?? rule.kind;

/** Which columns to read from the log for a profile. */
export function columnsSpec(profile: ReferenceProfile): WindowColumnsSpec {
  return {
    features: profile.data.features.map((f) => ({
      name: f.name,
      type: f.type === "pii" ? "pii" : f.type === "categorical" ? "categorical" : f.type,
    })),
    classes: profile.classes,
  };
}

const prepared = new WeakMap<ProfiledFrame, Map<string, PreparedFeature>>();

/** The reference side of every feature, prepared once per loaded profile. */
function referenceOf(frame: ProfiledFrame): Map<string, PreparedFeature> {
  let p = prepared.get(frame);
  if (!p) {
    p = prepareReference(frame);
    prepared.set(frame, p);
  }
  return p;
}

export function positiveIndex(profile: ReferenceProfile): number {
  if (profile.classes.length !== 2) return -1;
  const k = profile.positiveClass === null ? 1 : profile.classes.indexOf(profile.positiveClass);
  return k < 0 ? 1 : k;
}

/** The window's predictions as the columns the profile's predictions were profiled under. */
export function predictionColumns(
  profile: ReferenceProfile,
  predicted: Int32Array | Float64Array,
  proba: Float64Array | null,
): Map<string, WindowColumn> {
  const columns = new Map<string, WindowColumn>();
  const k = profile.classes.length;
  if (k === 0) {
    columns.set("prediction", { type: "numeric", values: predicted as Float64Array });
    return columns;
  }
  columns.set("prediction", { type: "categorical", codes: predicted as Int32Array, levels: profile.classes });
  const pos = positiveIndex(profile);
  if (proba && pos >= 0) {
    const n = predicted.length;
    const score = new Float64Array(n);
    for (let i = 0; i < n; i++) score[i] = proba[i * k + pos];
    columns.set("score", { type: "numeric", values: score });
  }
  return columns;
}

/** Data drift of the window's features against the profile. */
export function assessDrift(
  profile: ReferenceProfile,
  m: MonitoringSpec,
  columns: ReadonlyMap<string, WindowColumn>,
  rows: number,
): DataDrift {
  return driftAgainstProfile(referenceOf(profile.data), columns, rows, {
    ...(m.drift.test ? { test: m.drift.test } : {}),
    ...(m.drift.threshold === undefined ? {} : { threshold: m.drift.threshold }),
    features: m.drift.features,
    driftShare: m.drift.share,
    minRows: m.drift.minRows,
  });
}

/** Drift of the window's predictions (and a binary classifier's scores) against the holdout's. */
export function assessPredictionDrift(
  profile: ReferenceProfile,
  m: MonitoringSpec,
  predicted: Int32Array | Float64Array,
  proba: Float64Array | null,
): PredictionDrift {
  const report = driftAgainstProfile(
    referenceOf(profile.predictions),
    predictionColumns(profile, predicted, proba),
    predicted.length,
    {
      ...(m.drift.prediction.test ? { test: m.drift.prediction.test } : {}),
      ...(m.drift.prediction.threshold === undefined ? {} : { threshold: m.drift.prediction.threshold }),
      minRows: m.drift.minRows,
    },
  );
  return {
    features: report.features,
    drifted: report.features.some((f) => f.drifted),
    judged: report.judged,
    ...(report.note ? { note: report.note } : {}),
  };
}

/** The labelled rows of a window as a LabelledSet (rows whose label or prediction is not a class dropped). */
export function labelledSet(
  profile: ReferenceProfile,
  truth: Int32Array | Float64Array,
  predicted: Int32Array | Float64Array,
  proba: Float64Array | null,
): LabelledSet {
  const k = profile.classes.length;
  const keep: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    const ok =
      k === 0
        ? Number.isFinite(truth[i]) && Number.isFinite(predicted[i])
        : truth[i] >= 0 && predicted[i] >= 0 && (!proba || Number.isFinite(proba[i * k]));
    if (ok) keep.push(i);
  }
  const pick = <T extends Int32Array | Float64Array>(a: T): T => {
    const out = new (a.constructor as new (n: number) => T)(keep.length);
    keep.forEach((r, i) => {
      out[i] = a[r];
    });
    return out;
  };
  let p: Float64Array | null = null;
  if (proba && k > 0) {
    p = new Float64Array(keep.length * k);
    keep.forEach((r, i) => {
      (p as Float64Array).set(proba.subarray(r * k, r * k + k), i * k);
    });
  }
  return {
    n: keep.length,
    classes: profile.classes,
    truth: pick(truth),
    predicted: pick(predicted),
    proba: p,
  };
}

export function assessPerformance(
  profile: ReferenceProfile,
  m: MonitoringSpec,
  set: LabelledSet,
): PerformanceResult {
  return windowPerformance(set, profile.holdout, {
    metrics: monitoredMetrics(profile),
    primary: profile.metric.primary as MetricName,
    direction: profile.metric.direction,
    ...(profile.positiveClass === null ? {} : { positiveClass: profile.positiveClass }),
    confidence: m.performance.confidence,
    alpha: m.performance.alpha,
    resamples: m.performance.bootstrap,
    seed: profile.seed,
    minLabels: m.performance.minLabels,
  });
}

export function summaryOf(request: WindowRequest, bounds: WindowBounds, data: WindowData): WindowSummary {
  const byTime = "durationMs" in request;
  return {
    kind: byTime ? "duration" : "rows",
    size: byTime ? request.durationMs : request.rows,
    rows: data.rows,
    from: byTime ? bounds.from : data.firstAt,
    to: byTime ? bounds.to : data.lastAt === null ? null : data.lastAt + 1,
    truncated: data.truncated,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const num = (x: number) => String(Number(x.toPrecision(4)));

/** Every rule evaluated on the state; traffic rules read their own time window. */
export async function evaluateRules(
  store: Store,
  state: Omit<MonitoringState, "findings">,
  rules: readonly AlertSpec[],
  now: number,
): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const rule of rules) {
    const base = { rule: ruleName(rule), kind: rule.kind, severity: rule.severity };
    const unjudged = (message: string): Finding => ({
      ...base,
      firing: false,
      judged: false,
      message,
      value: null,
      threshold: null,
    });
    switch (rule.kind) {
      case "dataDrift": {
        const d = state.drift;
        if (!d) {
          out.push(unjudged("no reference profile to compare with"));
          break;
        }
        const share = rule.share ?? d.driftShare;
        const firing = d.judged && d.testedCount > 0 && d.share >= share;
        out.push({
          ...base,
          firing,
          judged: d.judged,
          message: d.judged
            ? `${d.driftedCount} of ${d.testedCount} features drifted (${pct(d.share)}; dataset drift at ${pct(share)})`
            : (d.note ?? "window too small"),
          value: d.share,
          threshold: share,
        });
        break;
      }
      case "featureDrift": {
        const d = state.drift;
        if (!d) {
          out.push(unjudged("no reference profile to compare with"));
          break;
        }
        const drifted = d.features
          .filter((f) => rule.features.includes(f.column) && f.drifted)
          .map((f) => f.column);
        out.push({
          ...base,
          firing: drifted.length > 0,
          judged: d.judged,
          message:
            drifted.length > 0
              ? `drifted: ${drifted.join(", ")}`
              : `none of ${rule.features.join(", ")} drifted${d.judged ? "" : ` (${d.note})`}`,
          value: drifted.length,
          threshold: 1,
        });
        break;
      }
      case "predictionDrift": {
        const p = state.predictionDrift;
        if (!p) {
          out.push(unjudged("no reference profile to compare with"));
          break;
        }
        const drifted = p.features.filter((f) => f.drifted);
        out.push({
          ...base,
          firing: p.drifted,
          judged: p.judged,
          message: p.judged
            ? p.drifted
              ? `the predictions drifted (${drifted.map((f) => `${f.column}: ${f.test} ${num(f.statistic ?? 0)}`).join("; ")})`
              : "the predictions did not drift"
            : (p.note ?? "window too small"),
          value: drifted.length,
          threshold: 1,
        });
        break;
      }
      case "performanceDrop": {
        const perf = state.performance;
        const metric = rule.metric ?? perf?.primary;
        const e = perf?.metrics.find((x) => x.metric === metric);
        if (!perf || !e) {
          out.push(
            unjudged(
              perf?.note ?? (perf ? `${metric} cannot be computed on this window` : "no reference profile"),
            ),
          );
          break;
        }
        const judged = perf.rows >= state.monitoring.performance.minLabels && e.pValue !== null;
        const firing = judged && e.significant && (e.drop ?? 0) >= rule.minDrop;
        out.push({
          ...base,
          firing,
          judged,
          message: judged
            ? `${metric} ${num(e.value)} [${num(e.lower)}, ${num(e.upper)}] vs holdout ${e.holdout === null ? "n/a" : num(e.holdout)} (p = ${num(e.pValue as number)}, ${perf.rows} labelled)`
            : (perf.note ?? `no test against the holdout for ${metric}`),
          value: e.value,
          threshold: e.holdout,
        });
        break;
      }
      case "errorRate":
      case "latency": {
        const span = durationMs(rule.window);
        const t = await trafficSummary(store, state.model, now - span, now);
        const judged = t.requests >= rule.minRequests;
        if (rule.kind === "errorRate") {
          const rate = rule.clientErrors ? t.anyErrorRate : t.errorRate;
          out.push({
            ...base,
            firing: judged && rate > rule.above,
            judged,
            message: `${pct(rate)} of ${t.requests} requests failed in the last ${rule.window} (alert above ${pct(rule.above)})`,
            value: rate,
            threshold: rule.above,
          });
        } else {
          const key = `p${rule.percentile}Ms` as "p50Ms" | "p90Ms" | "p95Ms" | "p99Ms";
          const value = t[key];
          out.push({
            ...base,
            firing: judged && value !== null && value > rule.aboveMs,
            judged,
            message: `p${rule.percentile} latency ${value === null ? "n/a" : `${num(value)} ms`} over ${t.requests} requests in the last ${rule.window} (alert above ${rule.aboveMs} ms)`,
            value,
            threshold: rule.aboveMs,
          });
        }
        break;
      }
    }
  }
  return out;
}

/**
 * The monitoring state of a model version (default: the champion) over its latest window: what the
 * report shows, what alerts fire on, and what a retraining policy decides on.
 */
export async function checkModel(store: Store, options: CheckOptions): Promise<MonitoringState> {
  const now = options.now ?? Date.now();
  const { version, profile } = await loadVersionProfile(store, options.model, options.version ?? "champion");
  const m = options.monitoring ?? profile?.monitoring ?? defaultMonitoring();
  const request = windowRequest(options.window ?? m.window);
  const maxRows = options.maxRows ?? 1_000_000;
  const spec: WindowColumnsSpec = profile ? columnsSpec(profile) : { features: [], classes: [] };
  const [bounds] = await windowBounds(store, options.model, version, request, { now });
  const data = await readWindow(store, options.model, version, bounds, spec, { maxRows });
  const window = summaryOf(request, bounds, data);
  let drift: DataDrift | null = null;
  let predictionDrift: PredictionDrift | null = null;
  let performance: MonitoringState["performance"] = null;
  if (profile) {
    drift = assessDrift(profile, m, data.columns, data.rows);
    predictionDrift = assessPredictionDrift(profile, m, data.predicted, data.proba);
    const perfRequest = windowRequest(m.performance.window ?? options.window ?? m.window);
    const [perfBounds] = await windowBounds(store, options.model, version, perfRequest, {
      now,
      labels: "labelled",
    });
    const labelled = await readWindow(store, options.model, version, perfBounds, spec, {
      labels: "labelled",
      maxRows,
    });
    const set = labelledSet(
      profile,
      labelled.labels as Int32Array | Float64Array,
      labelled.predicted,
      labelled.proba,
    );
    performance = {
      ...assessPerformance(profile, m, set),
      window: summaryOf(perfRequest, perfBounds, labelled),
    };
  }
  const from = window.from ?? now;
  const to = window.to ?? now;
  const partial: Omit<MonitoringState, "findings"> = {
    model: options.model,
    version,
    generatedAt: now,
    profile: profile
      ? {
          createdAt: profile.createdAt,
          trainingRows: profile.data.rows,
          sampleRows: profile.data.sample.rows,
          runId: profile.runId,
        }
      : null,
    monitoring: m,
    window,
    drift,
    predictionDrift,
    performance,
    traffic: await trafficSummary(store, options.model, from, Math.max(to, from + 1)),
  };
  const rules = alertRules(m, profile?.constraints);
  return { ...partial, findings: await evaluateRules(store, partial, rules, now) };
}
