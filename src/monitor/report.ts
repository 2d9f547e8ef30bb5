/**
 * The monitoring report's data: the current state (checkModel), each feature's reference and current
 * distribution on common bins, drift over the last `monitoring.history` windows, performance over the
 * labelled windows, traffic, errors and latency over the span those windows cover, and the latest
 * events. `mlship monitor report` writes it as JSON beside the HTML built from it (html.ts), and the
 * server answers it at /api/v1/monitor/models/{name}/report.
 */
import type { Store } from "../store/index.js";
import {
  assessDrift,
  assessPerformance,
  assessPredictionDrift,
  type CheckOptions,
  checkModel,
  columnsSpec,
  labelledSet,
  type MonitoringState,
  predictionColumns,
  summaryOf,
  type WindowSummary,
  windowRequest,
} from "./check.js";
import type { FeatureDrift } from "./drift.js";
import { listEvents, type MonitorEvent } from "./events.js";
import type { MetricEstimate } from "./performance.js";
import type { FeatureProfile, ReferenceProfile } from "./profile.js";
import { minuteMs, readMinuteStats, rowsPerMinute, summariseMinutes } from "./traffic.js";
import { loadVersionProfile } from "./training.js";
import { readWindow, type WindowColumn, windowBounds } from "./window.js";

export const reportFormat = "mlship.monitor-report/1";

export interface DistributionBin {
  label: string;
  reference: number;
  current: number;
}

export interface FeatureDistribution {
  name: string;
  type: "numeric" | "categorical";
  /** Shares of each side's non-missing values per bin (numeric: the profile's bins, plus values outside them). */
  bins: DistributionBin[];
  drift: FeatureDrift | null;
}

export interface HistoryPoint {
  window: WindowSummary;
  /** Share of tested features that drifted. */
  share: number;
  datasetDrift: boolean;
  judged: boolean;
  drifted: string[];
  predictionDrift: boolean;
}

export interface PerformancePoint {
  window: WindowSummary;
  metrics: MetricEstimate[];
  conceptDrift: boolean;
}

export interface TrafficPoint {
  /** Start of the bucket (epoch ms) and its length. */
  at: number;
  minutes: number;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  rows: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface MonitorReport {
  format: typeof reportFormat;
  model: string;
  version: number;
  generatedAt: number;
  /** What the history's windows are positioned by: time (the log) or row offsets (a dataset). */
  axis: "time" | "rows";
  /** What the model is for, from its profile (the spec's objective is not kept there). */
  task: ReferenceProfile["task"] | null;
  primaryMetric: string | null;
  holdout: Record<string, number> | null;
  state: MonitoringState;
  features: FeatureDistribution[];
  predictions: FeatureDistribution[];
  history: HistoryPoint[];
  performance: PerformancePoint[];
  traffic: TrafficPoint[];
  events: MonitorEvent[];
}

const maxLevels = 20;

/** A numeric feature with few distinct values: a bar per value (a flag's 0 and 1, not 20 bins of [0, 1]). */
function valueBins(
  known: readonly { value: number; count: number }[],
  values: Float64Array | null,
  total: number,
): DistributionBin[] {
  const current = new Map<number, number>();
  let n = 0;
  for (const v of values ?? []) {
    if (!Number.isFinite(v)) continue;
    n++;
    current.set(v, (current.get(v) ?? 0) + 1);
  }
  const curTotal = n || 1;
  const bins = known.map((k) => ({
    label: String(k.value),
    reference: k.count / (total || 1),
    current: (current.get(k.value) ?? 0) / curTotal,
  }));
  const seen = new Set(known.map((k) => k.value));
  const fresh = [...current.entries()].filter(([v]) => !seen.has(v)).sort((a, b) => a[0] - b[0]);
  for (const [v, c] of fresh.slice(0, 10))
    bins.push({ label: `${v} (new)`, reference: 0, current: c / curTotal });
  const rest = fresh.slice(10).reduce((a, [, c]) => a + c, 0);
  if (rest > 0) bins.push({ label: "(other new values)", reference: 0, current: rest / curTotal });
  return bins;
}

function numericBins(
  f: Extract<FeatureProfile, { type: "numeric" }>,
  values: Float64Array | null,
): DistributionBin[] {
  if (f.values) return valueBins(f.values, values, f.count);
  const edges = f.histogram.edges;
  if (edges.length < 2) return [];
  const k = edges.length - 1;
  const cur = new Float64Array(k + 2);
  let n = 0;
  for (const v of values ?? []) {
    if (!Number.isFinite(v)) continue;
    n++;
    if (v < edges[0]) cur[0]++;
    else if (v > edges[k]) cur[k + 1]++;
    else {
      // Bins are half-open but the last, as numpy.histogram's.
      let lo = 0;
      let hi = k;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (v >= edges[mid]) lo = mid;
        else hi = mid;
      }
      cur[lo + 1]++;
    }
  }
  const refTotal = f.histogram.counts.reduce((a, b) => a + b, 0) || 1;
  const curTotal = n || 1;
  const fmt = (x: number) => String(Number(x.toPrecision(4)));
  const bins: DistributionBin[] = [];
  if (cur[0] > 0) bins.push({ label: `< ${fmt(edges[0])}`, reference: 0, current: cur[0] / curTotal });
  for (let i = 0; i < k; i++) {
    bins.push({
      label: `${fmt(edges[i])}–${fmt(edges[i + 1])}`,
      reference: f.histogram.counts[i] / refTotal,
      current: cur[i + 1] / curTotal,
    });
  }
  if (cur[k + 1] > 0)
    bins.push({ label: `> ${fmt(edges[k])}`, reference: 0, current: cur[k + 1] / curTotal });
  return bins;
}

function categoricalBins(
  f: Extract<FeatureProfile, { type: "categorical" }>,
  column: WindowColumn | undefined,
): DistributionBin[] {
  const current = new Map<string, number>();
  let n = 0;
  if (column?.type === "categorical") {
    const counts = new Float64Array(column.levels.length);
    for (const c of column.codes) if (c >= 0) counts[c]++;
    column.levels.forEach((l, i) => {
      if (counts[i] > 0) current.set(l, counts[i]);
      n += counts[i];
    });
  }
  const refTotal = f.count || 1;
  const curTotal = n || 1;
  const labels = f.levels.slice(0, maxLevels);
  const shown = new Set(labels);
  // Levels new in the window come next, most frequent first: they are what drift looks like.
  const fresh = [...current.entries()]
    .filter(([l]) => !f.levels.includes(l))
    .sort((a, b) => b[1] - a[1])
    .slice(0, Math.max(0, maxLevels + 5 - labels.length))
    .map(([l]) => l);
  const bins: DistributionBin[] = labels.map((l, i) => ({
    label: l,
    reference: f.counts[i] / refTotal,
    current: (current.get(l) ?? 0) / curTotal,
  }));
  for (const l of fresh) {
    shown.add(l);
    bins.push({ label: `${l} (new)`, reference: 0, current: (current.get(l) ?? 0) / curTotal });
  }
  let refOther = f.otherCount;
  for (let i = maxLevels; i < f.levels.length; i++) refOther += f.counts[i];
  let curOther = 0;
  for (const [l, c] of current) if (!shown.has(l)) curOther += c;
  if (refOther > 0 || curOther > 0)
    bins.push({ label: "(other)", reference: refOther / refTotal, current: curOther / curTotal });
  return bins;
}

function distributions(
  features: readonly FeatureProfile[],
  columns: ReadonlyMap<string, WindowColumn>,
  drift: readonly FeatureDrift[],
): FeatureDistribution[] {
  const byName = new Map(drift.map((d) => [d.column, d]));
  const out: FeatureDistribution[] = [];
  for (const f of features) {
    if (f.type === "numeric") {
      const c = columns.get(f.name);
      out.push({
        name: f.name,
        type: "numeric",
        bins: numericBins(f, c?.type === "numeric" ? c.values : null),
        drift: byName.get(f.name) ?? null,
      });
    } else if (f.type === "categorical") {
      out.push({
        name: f.name,
        type: "categorical",
        bins: categoricalBins(f, columns.get(f.name)),
        drift: byName.get(f.name) ?? null,
      });
    }
  }
  return out;
}

/** The reference and current distributions of every feature and of the predictions. */
export function distributionsOf(
  profile: ReferenceProfile,
  columns: ReadonlyMap<string, WindowColumn>,
  predicted: Int32Array | Float64Array,
  proba: Float64Array | null,
  state: Pick<MonitoringState, "drift" | "predictionDrift">,
): { features: FeatureDistribution[]; predictions: FeatureDistribution[] } {
  return {
    features: distributions(profile.data.features, columns, state.drift?.features ?? []),
    predictions: distributions(
      profile.predictions.features,
      predictionColumns(profile, predicted, proba),
      state.predictionDrift?.features ?? [],
    ),
  };
}

/** Traffic per bucket over [from, to): one-minute buckets, wider when the span would give over 120. */
export async function trafficSeries(
  store: Store,
  model: string,
  from: number,
  to: number,
  version?: number,
): Promise<TrafficPoint[]> {
  const start = Math.floor(from / minuteMs) * minuteMs;
  const minutes = Math.max(1, Math.ceil((to - start) / minuteMs));
  const width = Math.max(1, Math.ceil(minutes / 120));
  const stats = await readMinuteStats(store, model, start, to);
  const rows = await rowsPerMinute(store, model, start, to, version);
  const buckets = new Map<number, { stats: typeof stats; rows: number }>();
  const bucketOf = (minute: number) =>
    start + Math.floor((minute - start) / (width * minuteMs)) * width * minuteMs;
  for (const s of stats) {
    const b = bucketOf(s.minute);
    const entry = buckets.get(b) ?? { stats: [], rows: 0 };
    entry.stats.push(s);
    buckets.set(b, entry);
  }
  for (const r of rows) {
    const b = bucketOf(r.minute);
    const entry = buckets.get(b) ?? { stats: [], rows: 0 };
    entry.rows += r.rows;
    buckets.set(b, entry);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, e]) => {
      const s = summariseMinutes(e.stats, at, at + width * minuteMs);
      return {
        at,
        minutes: width,
        requests: s.requests,
        clientErrors: s.clientErrors,
        serverErrors: s.serverErrors,
        rows: e.rows,
        p50Ms: s.p50Ms,
        p95Ms: s.p95Ms,
        p99Ms: s.p99Ms,
      };
    });
}

/** Rows read per history window: the latest ones when a window holds more. */
const historyMaxRows = 200_000;
/** Resamples for the history's bootstrap intervals (the current window uses the spec's). */
const historyResamples = 200;

/** Everything the report shows, for one model version (default: the champion). */
export async function buildReport(store: Store, options: CheckOptions): Promise<MonitorReport> {
  const now = options.now ?? Date.now();
  const state = await checkModel(store, { ...options, now });
  const { profile } = await loadVersionProfile(store, options.model, state.version);
  const m = state.monitoring;
  const request = windowRequest(options.window ?? m.window);
  let features: FeatureDistribution[] = [];
  let predictions: FeatureDistribution[] = [];
  const history: HistoryPoint[] = [];
  const performance: PerformancePoint[] = [];
  let earliest = state.window.from ?? now;
  if (profile) {
    const spec = columnsSpec(profile);
    const bounds = await windowBounds(store, options.model, state.version, request, {
      now,
      count: m.history,
    });
    for (const [i, b] of bounds.entries()) {
      const data = await readWindow(store, options.model, state.version, b, spec, {
        maxRows: historyMaxRows,
      });
      const drift = assessDrift(profile, m, data.columns, data.rows);
      const pd = assessPredictionDrift(profile, m, data.predicted, data.proba);
      const summary = summaryOf(request, b, data);
      if (summary.from !== null) earliest = Math.min(earliest, summary.from);
      history.push({
        window: summary,
        share: drift.share,
        datasetDrift: drift.datasetDrift,
        judged: drift.judged,
        drifted: drift.features.filter((f) => f.drifted).map((f) => f.column),
        predictionDrift: pd.drifted,
      });
      if (i === bounds.length - 1) {
        ({ features, predictions } = distributionsOf(
          profile,
          data.columns,
          data.predicted,
          data.proba,
          state,
        ));
      }
    }
    const perfRequest = windowRequest(m.performance.window ?? options.window ?? m.window);
    const perfBounds = await windowBounds(store, options.model, state.version, perfRequest, {
      now,
      count: m.history,
      labels: "labelled",
    });
    const light = {
      ...m,
      performance: { ...m.performance, bootstrap: Math.min(m.performance.bootstrap, historyResamples) },
    };
    for (const [i, b] of perfBounds.entries()) {
      const last = i === perfBounds.length - 1;
      const data = await readWindow(store, options.model, state.version, b, spec, {
        labels: "labelled",
        maxRows: historyMaxRows,
      });
      if (data.rows === 0 && !last) continue;
      const set = labelledSet(profile, data.labels as Int32Array | Float64Array, data.predicted, data.proba);
      const result = last && state.performance ? state.performance : assessPerformance(profile, light, set);
      performance.push({
        window: summaryOf(perfRequest, b, data),
        metrics: result.metrics,
        conceptDrift: result.conceptDrift,
      });
    }
  }
  return {
    format: reportFormat,
    model: options.model,
    version: state.version,
    generatedAt: now,
    axis: "time",
    task: profile?.task ?? null,
    primaryMetric: profile?.metric.primary ?? null,
    holdout: profile?.holdout.metrics ?? null,
    state,
    features,
    predictions,
    history,
    performance,
    traffic: await trafficSeries(store, options.model, Math.min(earliest, now - 60 * minuteMs), now),
    events: await listEvents(store, { model: options.model, limit: 50 }),
  };
}
