/**
 * Data drift between a reference and a current sample, per feature and for the dataset, with the defaults
 * of Evidently's data drift preset (the best-known open-source monitor):
 *   - reference of at most 1,000 non-missing values: KS for numeric, chi-square for categorical and for
 *     numeric features with at most 5 distinct values; drifted when p < 0.05;
 *   - larger references: normed Wasserstein distance for numeric, Jensen–Shannon distance for categorical
 *     and for numeric features with at most 5 distinct values; drifted when the distance >= 0.1;
 *   - the dataset drifts when the share of drifted features reaches driftShare (0.5).
 * PSI, KL, the Hellinger distance (on the same bins as Jensen-Shannon) and the energy distance
 * (scipy.stats.energy_distance, numeric only) are selectable, each drifting at 0.1 by default.
 * A feature's samples are prepared once (numeric: sorted finite values; categorical: counts per level), so
 * a reference can be compared with many windows of the prediction log without sorting it again.
 */
import { MlshipError } from "../core/errors.js";
import type { Column, Frame } from "../core/frame.js";
import type { DriftTestName } from "../spec/index.js";
import { sortedFinite } from "./sort.js";
import {
  chi2Contingency,
  distinctCounts,
  distinctSorted,
  energyDistance,
  fillZeroShares,
  hellingerDistance,
  histogramSorted,
  jensenShannonDistance,
  klDivergence,
  ks2Samp,
  psi,
  sturgesEdges,
  wassersteinNormed,
} from "./stats.js";

/** The spec's names (monitoring.drift.test), so a spec and this module can never disagree. */
export type DriftTest = DriftTestName;

interface TestInfo {
  /** A p-value test drifts when p < threshold; a distance drifts when distance >= threshold. */
  kind: "pValue" | "distance";
  threshold: number;
  numericOnly: boolean;
  title: string;
}

export const driftTests: Readonly<Record<DriftTest, TestInfo>> = {
  ks: { kind: "pValue", threshold: 0.05, numericOnly: true, title: "two-sample Kolmogorov-Smirnov" },
  chisquare: { kind: "pValue", threshold: 0.05, numericOnly: false, title: "chi-square (homogeneity)" },
  wasserstein: {
    kind: "distance",
    threshold: 0.1,
    numericOnly: true,
    title: "Wasserstein distance (normed)",
  },
  jensenshannon: { kind: "distance", threshold: 0.1, numericOnly: false, title: "Jensen-Shannon distance" },
  psi: { kind: "distance", threshold: 0.1, numericOnly: false, title: "population stability index" },
  kl: { kind: "distance", threshold: 0.1, numericOnly: false, title: "Kullback-Leibler divergence" },
  hellinger: { kind: "distance", threshold: 0.1, numericOnly: false, title: "Hellinger distance" },
  energy: { kind: "distance", threshold: 0.1, numericOnly: true, title: "energy distance" },
};

/** Evidently's switch from tests to distances: references above this many values use distances. */
export const SMALL_SAMPLE_LIMIT = 1000;
/** Numeric features with at most this many distinct values are compared as categories. */
export const FEW_VALUES_LIMIT = 5;
/** Numeric features whose reference has more distinct values than this are binned (Sturges). */
const BINNING_MIN_DISTINCT = 20;

/** One side of one feature, ready for any test. */
export type DriftSample =
  | { readonly type: "numeric"; readonly sorted: Float64Array; readonly missing: number }
  | {
      readonly type: "categorical";
      readonly levels: readonly string[];
      readonly counts: Float64Array;
      readonly missing: number;
    };

/** A numeric sample from values with NaN (or ±Infinity) for missing. */
export function numericSample(values: Float64Array): DriftSample {
  const { sorted, missing } = sortedFinite(values);
  return { type: "numeric", sorted, missing };
}

/** A categorical sample from codes into `levels`, -1 for missing. */
export function categoricalSample(codes: Int32Array, levels: readonly string[]): DriftSample {
  const counts = new Float64Array(levels.length);
  let missing = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c < 0) missing++;
    else counts[c]++;
  }
  return { type: "categorical", levels, counts, missing };
}

/** A sample from a Frame column (booleans as the categories "false"/"true"); null for datetimes. */
export function columnSample(column: Column): DriftSample | null {
  switch (column.type) {
    case "numeric":
      return numericSample(column.values);
    case "categorical":
      return categoricalSample(column.codes, column.levels);
    case "boolean":
      return categoricalSample(Int32Array.from(column.values), ["false", "true"]);
    case "datetime":
      return null;
  }
}

const sampleCount = (s: DriftSample): number =>
  s.type === "numeric" ? s.sorted.length : s.counts.reduce((a, b) => a + b, 0);

export interface FeatureOptions {
  test?: DriftTest;
  /** p-value tests: drifted below it; distances: drifted at or above it. */
  threshold?: number;
}

export interface DriftOptions {
  /** Only these columns (default: every column both sides share). */
  columns?: readonly string[];
  exclude?: readonly string[];
  /** One test for every feature, instead of the defaults chosen by type and size. */
  test?: DriftTest;
  /** One threshold for every feature (default: the test's own). */
  threshold?: number;
  /** Per feature; wins over `test` and `threshold`. */
  features?: Readonly<Record<string, FeatureOptions>>;
  /** The dataset drifts when driftedCount / testedCount >= driftShare (default 0.5). */
  driftShare?: number;
}

export interface FeatureDrift {
  column: string;
  type: "numeric" | "categorical";
  test: DriftTest;
  /** The test statistic (KS D, chi-square) or the distance; null when the feature could not be tested. */
  statistic: number | null;
  pValue?: number;
  distance?: number;
  threshold: number;
  drifted: boolean;
  /** Non-missing values compared on each side. */
  referenceCount: number;
  currentCount: number;
  referenceMissingShare: number;
  currentMissingShare: number;
  /** Why the feature was not tested (a side without values). */
  note?: string;
}

export interface DriftReport {
  features: FeatureDrift[];
  /** Columns not compared, and why. */
  skipped: Array<{ column: string; reason: string }>;
  testedCount: number;
  driftedCount: number;
  /** driftedCount / testedCount (0 when nothing was tested). */
  share: number;
  driftShare: number;
  datasetDrift: boolean;
}

/**
 * Evidently's choice of test for a feature, from its type, the reference size and its distinct values.
 * `referenceCount` is the size of the reference the sample stands for (a profile's sample of a larger
 * training set is judged by the training set's size).
 */
export function defaultTest(
  reference: DriftSample,
  current: DriftSample,
  referenceCount: number = sampleCount(reference),
): DriftTest {
  const fewValues =
    reference.type === "categorical" ||
    (current.type === "numeric" && distinctUnion(reference.sorted, current.sorted) <= FEW_VALUES_LIMIT);
  if (referenceCount <= SMALL_SAMPLE_LIMIT) return fewValues ? "chisquare" : "ks";
  return fewValues ? "jensenshannon" : "wasserstein";
}

/** Distinct values across two sorted arrays, counting no further than FEW_VALUES_LIMIT + 1. */
function distinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while ((i < a.length || j < b.length) && count <= FEW_VALUES_LIMIT) {
    const v = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.length && a[i] <= v) i++;
    while (j < b.length && b[j] <= v) j++;
    count++;
  }
  return count;
}

/** Counts of both sides over the union of their levels, matched by name; levels absent from both dropped. */
function alignedCounts(
  reference: Extract<DriftSample, { type: "categorical" }>,
  current: Extract<DriftSample, { type: "categorical" }>,
): { reference: Float64Array; current: Float64Array } {
  const index = new Map<string, number>();
  const ref: number[] = [];
  const cur: number[] = [];
  const slot = (level: string): number => {
    let k = index.get(level);
    if (k === undefined) {
      k = ref.length;
      index.set(level, k);
      ref.push(0);
      cur.push(0);
    }
    return k;
  };
  reference.levels.forEach((level, k) => {
    if (reference.counts[k] > 0) ref[slot(level)] += reference.counts[k];
  });
  current.levels.forEach((level, k) => {
    if (current.counts[k] > 0) cur[slot(level)] += current.counts[k];
  });
  return { reference: Float64Array.from(ref), current: Float64Array.from(cur) };
}

/** Per-category counts of both sides: levels for categorical samples, distinct values for numeric ones. */
function categoryCounts(
  reference: DriftSample,
  current: DriftSample,
): { reference: Float64Array; current: Float64Array } {
  if (reference.type === "categorical" && current.type === "categorical")
    return alignedCounts(reference, current);
  if (reference.type === "numeric" && current.type === "numeric") {
    const d = distinctCounts(reference.sorted, current.sorted);
    return { reference: d.a, current: d.b };
  }
  throw new Error("categoryCounts: samples of different types");
}

/**
 * The shares Evidently's get_binned_data compares: for a numeric feature whose reference has more than 20
 * distinct values, Sturges histogram bins over both sides together; otherwise one bin per value or level.
 * Shares are of each side's non-missing count.
 */
function binnedShares(
  reference: DriftSample,
  current: DriftSample,
): { reference: Float64Array; current: Float64Array } {
  let counts: { reference: Float64Array; current: Float64Array };
  if (
    reference.type === "numeric" &&
    current.type === "numeric" &&
    distinctSorted(reference.sorted, BINNING_MIN_DISTINCT) > BINNING_MIN_DISTINCT
  ) {
    const edges = sturgesEdges(reference.sorted, current.sorted);
    counts = {
      reference: histogramSorted(reference.sorted, edges),
      current: histogramSorted(current.sorted, edges),
    };
  } else counts = categoryCounts(reference, current);
  const nr = sampleCount(reference);
  const nc = sampleCount(current);
  return { reference: counts.reference.map((c) => c / nr), current: counts.current.map((c) => c / nc) };
}

/**
 * Compares one feature's two samples with `options.test` (default: Evidently's choice, by
 * `standsFor`, the size of the set a reference sample stands for).
 */
export function compareSamples(
  column: string,
  reference: DriftSample,
  current: DriftSample,
  options: FeatureOptions = {},
  standsFor?: number,
): FeatureDrift {
  if (reference.type !== current.type) throw typeMismatch(column, reference.type, current.type);
  const referenceCount = sampleCount(reference);
  const currentCount = sampleCount(current);
  const empty = referenceCount === 0 ? "reference" : currentCount === 0 ? "current" : null;
  const test = options.test ?? (empty ? fallbackTest(reference) : defaultTest(reference, current, standsFor));
  const info = driftTests[test];
  if (info.numericOnly && reference.type !== "numeric") {
    throw new MlshipError({
      what: `the ${test} test needs a numeric column, and "${column}" is categorical`,
      where: `column "${column}"`,
      fix: "use chisquare, jensenshannon, psi or kl for categorical columns",
      code: "E_DRIFT_TEST",
    });
  }
  const threshold = options.threshold ?? info.threshold;
  checkThreshold(column, test, threshold);
  const result = (
    outcome: Pick<FeatureDrift, "statistic" | "pValue" | "distance" | "drifted" | "note">,
  ): FeatureDrift => ({
    column,
    type: reference.type,
    test,
    statistic: outcome.statistic,
    ...(outcome.pValue === undefined ? {} : { pValue: outcome.pValue }),
    ...(outcome.distance === undefined ? {} : { distance: outcome.distance }),
    threshold,
    drifted: outcome.drifted,
    referenceCount,
    currentCount,
    referenceMissingShare: share(reference.missing, referenceCount + reference.missing),
    currentMissingShare: share(current.missing, currentCount + current.missing),
    ...(outcome.note === undefined ? {} : { note: outcome.note }),
  });
  if (empty) {
    return result({ statistic: null, drifted: false, note: `no non-missing values in the ${empty} sample` });
  }
  if (info.kind === "pValue") {
    const { statistic, pValue } = pValueTest(test, reference, current);
    return result({ statistic, pValue, drifted: pValue < threshold });
  }
  const distance = distanceOf(test, reference, current);
  return result({ statistic: distance, distance, drifted: distance >= threshold });
}

function pValueTest(
  test: DriftTest,
  reference: DriftSample,
  current: DriftSample,
): { statistic: number; pValue: number } {
  if (test === "ks" && reference.type === "numeric" && current.type === "numeric")
    return ks2Samp(reference.sorted, current.sorted);
  const counts = categoryCounts(reference, current);
  return chi2Contingency(counts.reference, counts.current);
}

function distanceOf(test: DriftTest, reference: DriftSample, current: DriftSample): number {
  if (test === "wasserstein" && reference.type === "numeric" && current.type === "numeric")
    return wassersteinNormed(reference.sorted, current.sorted);
  if (test === "energy" && reference.type === "numeric" && current.type === "numeric")
    return energyDistance(reference.sorted, current.sorted);
  const shares = binnedShares(reference, current);
  switch (test) {
    case "jensenshannon":
      return jensenShannonDistance(shares.reference, shares.current);
    case "hellinger":
      return hellingerDistance(shares.reference, shares.current);
    case "psi":
      return psi(fillZeroShares(shares.reference), fillZeroShares(shares.current));
    default:
      return klDivergence(fillZeroShares(shares.reference), fillZeroShares(shares.current));
  }
}

/** The test a feature with an empty side is reported under: the small-sample default for its type. */
const fallbackTest = (s: DriftSample): DriftTest => (s.type === "numeric" ? "ks" : "chisquare");

const share = (part: number, total: number): number => (total === 0 ? 0 : part / total);

function checkThreshold(column: string, test: DriftTest, threshold: number): void {
  const pValue = driftTests[test].kind === "pValue";
  const ok = Number.isFinite(threshold) && (pValue ? threshold > 0 && threshold < 1 : threshold >= 0);
  if (!ok) {
    throw new MlshipError({
      what: `threshold ${threshold} is not valid for the ${test} test`,
      where: `column "${column}"`,
      fix: pValue
        ? "a p-value threshold lies strictly between 0 and 1 (e.g. 0.05)"
        : "a distance threshold is a number >= 0 (e.g. 0.1)",
      code: "E_DRIFT_THRESHOLD",
    });
  }
}

function typeMismatch(column: string, reference: string, current: string): MlshipError {
  return new MlshipError({
    what: `column "${column}" is ${reference} in the reference but ${current} in the current data`,
    where: `column "${column}"`,
    fix:
      "make the column hold the same kind of values in both (a stray text value turns a numeric column " +
      "categorical), or leave it out with --exclude",
    code: "E_DRIFT_TYPE_MISMATCH",
  });
}

/** Per-feature results and the dataset verdict. */
export function summariseDrift(
  features: FeatureDrift[],
  skipped: DriftReport["skipped"] = [],
  driftShare = 0.5,
): DriftReport {
  if (!(driftShare > 0 && driftShare <= 1)) {
    throw new MlshipError({
      what: `driftShare ${driftShare} is not a share`,
      fix: "set a share of drifted features between 0 (exclusive) and 1, e.g. 0.5",
      code: "E_DRIFT_SHARE",
    });
  }
  const tested = features.filter((f) => f.statistic !== null).length;
  const drifted = features.filter((f) => f.drifted).length;
  const s = share(drifted, tested);
  return {
    features,
    skipped,
    testedCount: tested,
    driftedCount: drifted,
    share: s,
    driftShare,
    datasetDrift: tested > 0 && s >= driftShare,
  };
}

export interface SamplePair {
  column: string;
  reference: DriftSample;
  current: DriftSample;
}

function featureOptions(column: string, options: DriftOptions): FeatureOptions {
  const own = options.features?.[column] ?? {};
  return { test: own.test ?? options.test, threshold: own.threshold ?? options.threshold };
}

/**
 * Drift over prepared samples: the entry point for windows of the prediction log. Pairs are consumed one
 * at a time, so a generator that prepares each current sample on demand keeps one feature in memory.
 */
export function detectDriftSamples(pairs: Iterable<SamplePair>, options: DriftOptions = {}): DriftReport {
  const features: FeatureDrift[] = [];
  for (const p of pairs) {
    features.push(compareSamples(p.column, p.reference, p.current, featureOptions(p.column, options)));
  }
  return summariseDrift(features, [], options.driftShare ?? 0.5);
}

/** Drift of `current` against `reference` over the columns both share (or `options.columns`). */
export function detectDrift(reference: Frame, current: Frame, options: DriftOptions = {}): DriftReport {
  const skipped: DriftReport["skipped"] = [];
  const named = (list: readonly string[] | undefined, what: string): void => {
    for (const c of list ?? []) {
      const where = !reference.has(c) ? "reference" : !current.has(c) ? "current" : null;
      if (where) {
        throw new MlshipError({
          what: `${what} "${c}" is not a column of the ${where} data`,
          where: `${where} columns: ${(where === "reference" ? reference : current).names.join(", ")}`,
          fix: "check the name (names are case-sensitive)",
          code: "E_DRIFT_UNKNOWN_COLUMN",
        });
      }
    }
  };
  named(options.columns, "column");
  named(options.exclude, "excluded column");
  named(Object.keys(options.features ?? {}), "feature option for");
  let columns: string[];
  if (options.columns) columns = [...options.columns];
  else {
    columns = reference.names.filter((c) => current.has(c));
    for (const c of reference.names)
      if (!current.has(c)) skipped.push({ column: c, reason: "only in reference" });
    for (const c of current.names)
      if (!reference.has(c)) skipped.push({ column: c, reason: "only in current" });
  }
  const excluded = new Set(options.exclude ?? []);
  columns = columns.filter((c) => !excluded.has(c));
  if (columns.length === 0) {
    throw new MlshipError({
      what: "no columns to compare",
      where: `reference columns: ${reference.names.join(", ")}; current columns: ${current.names.join(", ")}`,
      fix:
        reference.names.some((c) => current.has(c)) && !options.columns
          ? "exclude fewer columns"
          : "compare files that share column names (the same features, the same header)",
      code: "E_DRIFT_NO_COLUMNS",
    });
  }
  // Every type is checked before any work, so a mismatch in the last column fails at once.
  const kind = (col: Column) =>
    col.type === "numeric" ? "numeric" : col.type === "datetime" ? "datetime" : "categorical";
  const tested: string[] = [];
  for (const c of columns) {
    const ref = reference.column(c);
    const cur = current.column(c);
    if (kind(ref) !== kind(cur)) throw typeMismatch(c, ref.type, cur.type);
    if (ref.type === "datetime")
      skipped.push({ column: c, reason: "datetime columns are not tested for drift" });
    else tested.push(c);
  }
  function* pairs(): Generator<SamplePair> {
    for (const c of tested) {
      yield {
        column: c,
        reference: columnSample(reference.column(c)) as DriftSample,
        current: columnSample(current.column(c)) as DriftSample,
      };
    }
  }
  return { ...detectDriftSamples(pairs(), options), skipped };
}
