/**
 * Two models scored on the same rows: which is better, and how sure. Rows are shared, so the tests are
 * paired (each row's answers from both models are compared with each other), which is what lets a few
 * hundred labelled rows separate two models that independent-sample tests would call equal:
 *   - binary ROC AUC: DeLong, DeLong & Clarke-Pearson (1988) for correlated AUCs, from midrank
 *     placements (Sun & Xu 2014); var(B - A) = (S10_aa + S10_bb - 2 S10_ab) / m + (S01_...) / n;
 *   - accuracy: McNemar's exact test, a binomial test on the discordant rows (one model right, the
 *     other wrong);
 *   - every other metric: a paired percentile bootstrap of the difference, both models scored on the
 *     very same resampled rows.
 * Each test is one-sided, H1: B (the challenger, or the old champion in a guard) is better than A.
 * scripts/golden/automate.py checks them against their definitions, scipy and scikit-learn.
 */

import { Random } from "../core/random.js";
import {
  sampleCovariance as covariance,
  delongPlacements,
  type LabelledSet,
  logGamma,
  metricOn,
  normalSf,
} from "../monitor/index.js";

export interface PairedTest {
  /** The test's name, for reports. */
  test: string;
  /** A z statistic (DeLong), the discordant count B got right (McNemar), the mean bootstrap difference. */
  statistic: number;
  /** One-sided, small when B is better than A; NaN when the test cannot be computed. */
  pValue: number;
}

export interface PairedAuc extends PairedTest {
  aucA: number;
  aucB: number;
  /** DeLong's variance of aucB - aucA. */
  variance: number;
}

/** DeLong's test of two correlated AUCs on the same rows, H1: AUC(B) > AUC(A). */
export function pairedDelong(positive: Uint8Array, a: Float64Array, b: Float64Array): PairedAuc {
  const pa = delongPlacements(positive, a);
  const pb = delongPlacements(positive, b);
  const test = "DeLong's test for two correlated ROC AUCs (paired, one-sided)";
  if (pa.positives === 0 || pa.negatives === 0)
    return {
      test,
      aucA: Number.NaN,
      aucB: Number.NaN,
      variance: Number.NaN,
      statistic: 0,
      pValue: Number.NaN,
    };
  const s10 = covariance(pa.v10, pa.v10) + covariance(pb.v10, pb.v10) - 2 * covariance(pa.v10, pb.v10);
  const s01 = covariance(pa.v01, pa.v01) + covariance(pb.v01, pb.v01) - 2 * covariance(pa.v01, pb.v01);
  const variance = s10 / pa.positives + s01 / pa.negatives;
  const diff = pb.auc - pa.auc;
  if (!(variance > 0)) {
    // Identical rankings (or one class of one row): no evidence either way unless they differ.
    return { test, aucA: pa.auc, aucB: pb.auc, variance: 0, statistic: 0, pValue: diff > 0 ? 0 : 1 };
  }
  const statistic = diff / Math.sqrt(variance);
  return { test, aucA: pa.auc, aucB: pb.auc, variance, statistic, pValue: normalSf(statistic) };
}

/** P(X >= k) for X ~ Binomial(n, 1/2), summed in log space so a million trials keep their precision. */
export function binomialHalfSf(k: number, n: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  const logHalfN = -n * Math.LN2;
  const lnC = (j: number) => logGamma(n + 1) - logGamma(j + 1) - logGamma(n - j + 1);
  // Terms fall away from the mode, so the largest is at k when k is past the mode, else at the mode.
  const top = Math.max(k, Math.floor(n / 2));
  const peak = lnC(top) + logHalfN;
  let sum = 0;
  for (let j = k; j <= n; j++) {
    const t = Math.exp(lnC(j) + logHalfN - peak);
    sum += t;
    if (j > top && t < 1e-18 * sum) break;
  }
  return Math.min(1, sum * Math.exp(peak));
}

export interface PairedAccuracy extends PairedTest {
  accuracyA: number;
  accuracyB: number;
  /** Rows B got right and A wrong, and the reverse. */
  bOnly: number;
  aOnly: number;
}

/** McNemar's exact test on 0/1 correctness of both models per row, H1: B is right more often. */
export function mcnemarExact(correctA: Uint8Array, correctB: Uint8Array): PairedAccuracy {
  let ra = 0;
  let rb = 0;
  let bOnly = 0;
  let aOnly = 0;
  const n = correctA.length;
  for (let i = 0; i < n; i++) {
    ra += correctA[i];
    rb += correctB[i];
    if (correctB[i] && !correctA[i]) bOnly++;
    else if (correctA[i] && !correctB[i]) aOnly++;
  }
  return {
    test: "McNemar's exact test (paired, one-sided)",
    accuracyA: n === 0 ? Number.NaN : ra / n,
    accuracyB: n === 0 ? Number.NaN : rb / n,
    bOnly,
    aOnly,
    statistic: bOnly,
    pValue: bOnly + aOnly === 0 ? 1 : binomialHalfSf(bOnly, bOnly + aOnly),
  };
}

/**
 * The paired bootstrap of B - A (sign turned so that positive means B better): `resamples` draws of the
 * rows with replacement from Random(seed), both models scored on each; p = (1 + #{d <= 0}) / (1 + used),
 * the share of resampled worlds where B is no better, never exactly 0. Draws where the metric is
 * undefined for either (a resample with one class) are left out.
 */
export function pairedBootstrap(
  metric: string,
  a: LabelledSet,
  b: LabelledSet,
  options: { resamples: number; seed: number; direction: "maximize" | "minimize"; positiveClass?: string },
): PairedTest & { replicates: Float64Array } {
  const n = a.n;
  const random = new Random(options.seed);
  const rows = new Int32Array(n);
  const sign = options.direction === "maximize" ? 1 : -1;
  const replicates = new Float64Array(options.resamples);
  let used = 0;
  let noBetter = 0;
  let sum = 0;
  const scoreOf = (set: LabelledSet) => {
    try {
      return metricOn(metric as Parameters<typeof metricOn>[0], set, rows, options.positiveClass);
    } catch {
      return Number.NaN;
    }
  };
  for (let r = 0; r < options.resamples; r++) {
    for (let i = 0; i < n; i++) rows[i] = random.int(n);
    const d = sign * (scoreOf(b) - scoreOf(a));
    replicates[r] = d;
    if (!Number.isFinite(d)) continue;
    used++;
    sum += d;
    if (d <= 0) noBetter++;
  }
  return {
    test: "paired bootstrap of the difference (one-sided)",
    statistic: used === 0 ? Number.NaN : sum / used,
    pValue: used === 0 ? Number.NaN : (1 + noBetter) / (1 + used),
    replicates,
  };
}
