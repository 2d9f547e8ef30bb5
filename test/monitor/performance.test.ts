/**
 * The bootstrap's fast per-row kernels against the evaluate layer's scorers on the very same resampled
 * rows, the resample budget on large windows, and the interval methods each metric gets.
 */
import { describe, expect, it } from "vitest";
import { Random } from "../../src/core/random.js";
import { bootstrapReplicates } from "../../src/monitor/intervals.js";
import {
  type LabelledSet,
  methodOf,
  metricOn,
  replicatesFor,
  resamplesFor,
  windowPerformance,
} from "../../src/monitor/performance.js";
import type { MetricName } from "../../src/spec/index.js";

const r = new Random(11);
const n = 400;
const truth = Int32Array.from({ length: n }, () => (r.next() < 0.3 ? 1 : 0));
const proba = new Float64Array(2 * n);
for (let i = 0; i < n; i++) {
  const p = Math.min(0.99, Math.max(0.01, 0.3 + 0.4 * (truth[i] - 0.3) + 0.25 * r.normal()));
  proba[2 * i + 1] = p;
  proba[2 * i] = 1 - p;
}
const binary: LabelledSet = {
  n,
  classes: ["No", "Yes"],
  truth,
  predicted: Int32Array.from({ length: n }, (_, i) => (proba[2 * i + 1] >= 0.5 ? 1 : 0)),
  proba,
};
const y = Float64Array.from({ length: n }, () => 100 + 20 * r.normal());
const regression: LabelledSet = {
  n,
  classes: [],
  truth: y,
  predicted: Float64Array.from(y, (v) => v + 5 * r.normal()),
  proba: null,
};

describe("fast bootstrap kernels", () => {
  const cases: Array<[LabelledSet, MetricName[]]> = [
    [binary, ["accuracy", "precision", "recall", "f1", "brier", "log_loss", "roc_auc", "average_precision"]],
    [regression, ["mae", "mse", "rmse", "mape", "r2"]],
  ];
  for (const [set, metrics] of cases) {
    it(`agree with the scorer on the same rows: ${metrics.join(", ")}`, () => {
      const fast = replicatesFor(metrics, set, 60, 5, "Yes");
      for (const m of metrics) {
        const slow = bootstrapReplicates(set.n, 60, 5, (rows) => metricOn(m, set, rows, "Yes"));
        const got = fast.get(m) as Float64Array;
        for (let b = 0; b < 60; b++)
          expect(Math.abs(got[b] - slow[b])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(slow[b])));
      }
    });
  }

  it("large windows get fewer resamples, never fewer than 200", () => {
    expect(resamplesFor(10_000, 1000)).toBe(1000);
    expect(resamplesFor(100_000, 1000)).toBe(500);
    expect(resamplesFor(10_000_000, 1000)).toBe(200);
  });
});

describe("interval methods", () => {
  it("Wilson for accuracy, DeLong for binary AUC, the bootstrap for the rest", () => {
    expect(methodOf("accuracy", binary)).toBe("wilson");
    expect(methodOf("roc_auc", binary)).toBe("delong");
    expect(methodOf("f1", binary)).toBe("bootstrap");
    expect(methodOf("r2", regression)).toBe("bootstrap");
    const result = windowPerformance(binary, null, {
      metrics: ["accuracy", "f1", "roc_auc"],
      primary: "roc_auc",
      direction: "maximize",
      positiveClass: "Yes",
      confidence: 0.9,
      alpha: 0.05,
      resamples: 300,
      seed: 1,
      minLabels: 10,
    });
    expect(result.metrics.map((m) => [m.metric, m.method, m.resamples])).toEqual([
      ["roc_auc", "delong", null],
      ["accuracy", "wilson", null],
      ["f1", "bootstrap", 300],
    ]);
    // Without a holdout to compare with, nothing is tested or flagged.
    expect(result.metrics.every((m) => m.pValue === null && !m.significant)).toBe(true);
    expect(result.conceptDrift).toBe(false);
  });
});
