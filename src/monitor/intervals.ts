/**
 * Confidence intervals and one-sided tests for live performance against the holdout, each the standard
 * one for its metric and each matched against a reference (scripts/golden/monitor.py):
 *   - accuracy: the Wilson score interval, and the pooled two-proportion z-test (statsmodels'
 *     proportion_confint(method="wilson") and proportions_ztest(alternative="smaller"));
 *   - binary ROC AUC: DeLong's variance (midrank form of Sun & Xu 2014), a normal interval on it as
 *     pROC's ci.auc does by default, and the z-test for two independent AUCs;
 *   - every other metric: a seeded percentile bootstrap (numpy.percentile's linear interpolation), and
 *     a two-sample bootstrap test of the difference against the holdout's own bootstrap replicates.
 */
import { Random } from "../core/random.js";
import { gammaQ } from "./special.js";

/** P(Z > z) for a standard normal Z; keeps its relative precision far into the upper tail. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  // erfc(x) = Q(1/2, x^2), the regularised upper incomplete gamma function.
  const tail = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}

// Acklam's rational approximation of the normal quantile (relative error 1.15e-9), refined below.
const A = [
  -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
  2.506628277459239,
];
const B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
const C = [
  -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];

/** The standard normal quantile (scipy.stats.norm.ppf), to full double precision by two Halley steps. */
export function normalPpf(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q) /
      (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) /
      ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    // Halley's method on Φ(x) - p; the tail that is small is used so the error keeps its precision.
    const e = x < 0 ? normalCdf(x) - p : 1 - p - normalSf(x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

export interface Interval {
  lower: number;
  upper: number;
}

/** The two-sided critical value of a confidence level, e.g. 1.959964 for 0.95. */
export const criticalValue = (confidence: number): number => normalPpf(1 - (1 - confidence) / 2);

/** Wilson's score interval for `successes` of `n` (statsmodels' proportion_confint, method="wilson"). */
export function wilsonInterval(successes: number, n: number, confidence: number): Interval {
  if (n === 0) return { lower: Number.NaN, upper: Number.NaN };
  const z = criticalValue(confidence);
  const z2 = z * z;
  const p = successes / n;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return { lower: center - half, upper: center + half };
}

export interface TestResult {
  statistic: number;
  /** One-sided: small when the current sample's proportion (or score) is below the reference's. */
  pValue: number;
}

/**
 * The pooled two-proportion z-test of H1: p1 < p2 (statsmodels' proportions_ztest([k1, k2], [n1, n2],
 * alternative="smaller")). Sample 1 is the live window, sample 2 the holdout.
 */
export function twoProportionZTest(k1: number, n1: number, k2: number, n2: number): TestResult {
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const diff = k1 / n1 - k2 / n2;
  if (se === 0) {
    // Both samples all right (or all wrong): no evidence either way unless they differ, which they cannot.
    return { statistic: 0, pValue: diff < 0 ? 0 : 1 };
  }
  const statistic = diff / se;
  return { statistic, pValue: normalCdf(statistic) };
}

/** Midranks (1-based, ties averaged) of `values` in `order`, which sorts them ascending. */
function midranks(values: Float64Array, order: Int32Array): Float64Array {
  const n = values.length;
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

function sortedOrder(values: Float64Array): Int32Array {
  const order = new Int32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => values[a] - values[b]);
  return order;
}

export interface AucEstimate {
  auc: number;
  /** DeLong's estimate of the AUC's variance. */
  variance: number;
  positives: number;
  negatives: number;
}

export interface Placements {
  auc: number;
  /** Per positive: the share of negatives it outranks (ties half). */
  v10: Float64Array;
  /** Per negative: the share of positives that outrank it. */
  v01: Float64Array;
  positives: number;
  negatives: number;
}

/**
 * DeLong's placement values of one score vector and its ROC AUC, from midranks in O(n log n):
 * V10_i = (R_i - R^X_i) / n over positives, V01_j = 1 - (R_j - R^Y_j) / m over negatives. The AUC is NaN
 * when a class is absent. One AUC's variance and the paired test of two AUCs are both built on them.
 */
export function delongPlacements(positive: Uint8Array, scores: Float64Array): Placements {
  const total = scores.length;
  let m = 0;
  for (let i = 0; i < total; i++) if (positive[i]) m++;
  const n = total - m;
  const x = new Float64Array(m);
  const y = new Float64Array(n);
  for (let i = 0, a = 0, b = 0; i < total; i++) {
    if (positive[i]) x[a++] = scores[i];
    else y[b++] = scores[i];
  }
  const rAll = midranks(scores, sortedOrder(scores));
  const rx = midranks(x, sortedOrder(x));
  const ry = midranks(y, sortedOrder(y));
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let rankSum = 0;
  for (let i = 0, a = 0, b = 0; i < total; i++) {
    if (positive[i]) {
      v10[a] = (rAll[i] - rx[a]) / n;
      rankSum += rAll[i];
      a++;
    } else {
      v01[b] = 1 - (rAll[i] - ry[b]) / m;
      b++;
    }
  }
  const auc = m === 0 || n === 0 ? Number.NaN : (rankSum - (m * (m + 1)) / 2) / (m * n);
  return { auc, v10, v01, positives: m, negatives: n };
}

/** Sample covariance (ddof 1) of two equally long vectors; 0 below two values. */
export function sampleCovariance(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i] - ma) * (b[i] - mb);
  return s / (n - 1);
}

/**
 * The ROC AUC of `scores` for `positive` rows and DeLong's variance estimate,
 * Var = S10 / m + S01 / n with sample variances (ddof 1). NaN when a class is absent.
 */
export function delongAuc(positive: Uint8Array, scores: Float64Array): AucEstimate {
  const p = delongPlacements(positive, scores);
  const { positives: m, negatives: n } = p;
  if (m === 0 || n === 0) return { auc: Number.NaN, variance: Number.NaN, positives: m, negatives: n };
  const variance = sampleCovariance(p.v10, p.v10) / m + sampleCovariance(p.v01, p.v01) / n;
  return { auc: p.auc, variance, positives: m, negatives: n };
}

/** A normal interval on DeLong's variance, clipped to [0, 1] (pROC's ci.auc, method "delong"). */
export function delongInterval(estimate: AucEstimate, confidence: number): Interval {
  const half = criticalValue(confidence) * Math.sqrt(estimate.variance);
  return { lower: Math.max(0, estimate.auc - half), upper: Math.min(1, estimate.auc + half) };
}

/** H1: the current AUC is below the reference's, two independent samples (DeLong's variances add). */
export function delongTest(current: AucEstimate, reference: AucEstimate): TestResult {
  const se = Math.sqrt(current.variance + reference.variance);
  const diff = current.auc - reference.auc;
  if (!(se > 0)) return { statistic: 0, pValue: diff < 0 ? 0 : 1 };
  const statistic = diff / se;
  return { statistic, pValue: normalCdf(statistic) };
}

/** numpy.percentile(values, q) with its default linear interpolation; `sorted` ascending, no NaN. */
export function percentileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * (q / 100);
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * `resamples` bootstrap replicates of `statistic` over n rows: each replicate draws n row indices with
 * replacement from a Random seeded with `seed`, so the same seed gives the same replicates everywhere.
 * Replicates where the metric is undefined (a resample with one class) come back NaN.
 */
export function bootstrapReplicates(
  n: number,
  resamples: number,
  seed: number,
  statistic: (rows: Int32Array) => number,
): Float64Array {
  const random = new Random(seed);
  const rows = new Int32Array(n);
  const out = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) rows[i] = random.int(n);
    let v: number;
    try {
      v = statistic(rows);
    } catch {
      v = Number.NaN;
    }
    out[b] = v;
  }
  return out;
}

const finiteSorted = (values: Float64Array): Float64Array => values.filter((v) => Number.isFinite(v)).sort();

/** The percentile interval of bootstrap replicates (NaN replicates left out). */
export function percentileInterval(replicates: Float64Array, confidence: number): Interval {
  const sorted = finiteSorted(replicates);
  const tail = ((1 - confidence) / 2) * 100;
  return { lower: percentileSorted(sorted, tail), upper: percentileSorted(sorted, 100 - tail) };
}

/**
 * The one-sided two-sample bootstrap test of H1: the current metric is worse than the reference's.
 * Replicates are paired by index (independent draws on each side), d_b = current_b - reference_b with
 * the sign turned so that positive is better, and p = (1 + #{d_b >= 0}) / (1 + B): the share of
 * resampled worlds in which the current sample is no worse, never exactly 0.
 */
export function bootstrapTest(
  current: Float64Array,
  reference: Float64Array,
  direction: "maximize" | "minimize",
): TestResult {
  const sign = direction === "maximize" ? 1 : -1;
  let used = 0;
  let noWorse = 0;
  let sum = 0;
  const b = Math.min(current.length, reference.length);
  for (let i = 0; i < b; i++) {
    const d = sign * (current[i] - reference[i]);
    if (!Number.isFinite(d)) continue;
    used++;
    sum += d;
    if (d >= 0) noWorse++;
  }
  if (used === 0) return { statistic: Number.NaN, pValue: Number.NaN };
  return { statistic: sum / used, pValue: (1 + noWorse) / (1 + used) };
}
