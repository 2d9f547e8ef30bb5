/**
 * Replays test/golden/monitor.json (scripts/golden/monitor.py: scipy 1.10.1, statsmodels 0.13.5,
 * scikit-learn 1.2.1, NumPy): the normal distribution, Wilson intervals, the two-proportion z-test,
 * DeLong's AUC variance against its O(m n) definition, percentile bootstrap intervals on the very rows
 * src/core/random.ts draws (scored by scikit-learn on the Python side), and the profile's quantiles and
 * histograms. Tolerance: |actual - expected| <= tol * max(1, |expected|), 1e-12 unless stated.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Frame, numeric } from "../../src/core/frame.js";
import {
  delongAuc,
  delongTest,
  normalCdf,
  normalPpf,
  normalSf,
  percentileInterval,
  twoProportionZTest,
  wilsonInterval,
} from "../../src/monitor/intervals.js";
import { type LabelledSet, metricOn, metricReplicates } from "../../src/monitor/performance.js";
import { profileFrame } from "../../src/monitor/profile.js";
import type { MetricName } from "../../src/spec/index.js";

const golden = JSON.parse(readFileSync(new URL("../golden/monitor.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, tol = 1e-12): void {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
  if (!ok) expect(actual).toBe(expected);
}

/** Relative tolerance; below 1e-300 (where scipy underflows to 0 and we do not) absolute. */
function relClose(actual: number, expected: number, tol: number): void {
  const ok = Math.abs(actual - expected) <= Math.max(tol * Math.abs(expected), 1e-300);
  if (!ok) expect(actual).toBe(expected);
}

describe("the normal distribution (scipy.stats.norm)", () => {
  it("ppf from 1e-300 to 1 - 1e-15", () => {
    for (const c of golden.normal.ppf) close(normalPpf(c.p), c.x, 1e-13);
  });
  it("cdf and sf, with relative precision deep in the tails", () => {
    for (const c of golden.normal.cdf) {
      relClose(normalSf(c.z), c.sf, 1e-12);
      relClose(normalCdf(c.z), c.cdf, 1e-12);
    }
  });
});

describe("accuracy: Wilson interval and pooled two-proportion z-test (statsmodels)", () => {
  it(`${golden.wilson.length} intervals`, () => {
    for (const c of golden.wilson) {
      const w = wilsonInterval(c.k, c.n, c.confidence);
      close(w.lower, c.lower);
      close(w.upper, c.upper);
    }
  });
  it(`${golden.ztest.length} one-sided tests (alternative="smaller")`, () => {
    for (const c of golden.ztest) {
      const t = twoProportionZTest(c.k1, c.n1, c.k2, c.n2);
      close(t.statistic, c.statistic);
      relClose(t.pValue, c.pValue, 1e-11);
    }
  });
});

describe("ROC AUC: DeLong's variance and the test of two independent AUCs", () => {
  const sets = new Map<string, ReturnType<typeof delongAuc>>();
  for (const s of golden.delong.sets) {
    sets.set(s.id, delongAuc(Uint8Array.from(s.positive), Float64Array.from(s.scores)));
  }
  it("midranks give the AUC (sklearn) and the variance from the structural components", () => {
    for (const s of golden.delong.sets) {
      const e = sets.get(s.id)!;
      close(e.auc, s.auc);
      close(e.variance, s.variance, 1e-10);
    }
  });
  it("one-sided z-test, current AUC below the reference's", () => {
    for (const c of golden.delong.compare) {
      const t = delongTest(sets.get(c.current)!, sets.get(c.reference)!);
      close(t.statistic, c.statistic, 1e-9);
      relClose(t.pValue, c.pValue, 1e-9);
    }
  });
});

describe("percentile bootstrap on the rows src/core/random.ts draws, scored by scikit-learn", () => {
  for (const c of golden.bootstrap) {
    it(`${c.id}: ${c.resamples} replicates and the ${c.confidence} interval`, () => {
      const set: LabelledSet = {
        n: c.truth.length,
        classes: c.classes,
        truth: Int32Array.from(c.truth),
        predicted: Int32Array.from(c.predicted),
        proba: Float64Array.from(c.proba),
      };
      const metric = c.metric as MetricName;
      close(metricOn(metric, set, null), c.value);
      const reps = metricReplicates(metric, set, c.resamples, c.seed);
      expect(reps.length).toBe(c.replicates.length);
      c.replicates.forEach((r: number | null, i: number) => {
        // JSON has no NaN: Python wrote NaN (a resample with one class) as NaN, which JSON.parse reads as null.
        if (r === null || Number.isNaN(r)) expect(Number.isNaN(reps[i])).toBe(true);
        else close(reps[i], r, 1e-10);
      });
      const ci = percentileInterval(reps, c.confidence);
      close(ci.lower, c.lower, 1e-10);
      close(ci.upper, c.upper, 1e-10);
    });
  }
});

describe("reference profile statistics (numpy.quantile, numpy.histogram)", () => {
  for (const c of golden.profile) {
    it(c.id, () => {
      const f = profileFrame(new Frame([["x", numeric(Float64Array.from(c.values))]]), {
        sampleRows: 10,
        bins: c.bins,
        seed: 1,
      }).features[0];
      if (f.type !== "numeric") throw new Error("numeric expected");
      expect(f.count).toBe(c.values.length);
      for (const [i, q] of f.quantiles.entries()) close(q, c.quantiles[i]);
      for (const [i, e] of f.histogram.edges.entries()) close(e, c.edges[i]);
      expect(f.histogram.counts).toEqual(c.counts);
      close(f.mean as number, c.mean);
      close(f.std as number, c.std, 1e-11);
    });
  }
});
