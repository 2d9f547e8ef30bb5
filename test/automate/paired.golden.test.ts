/**
 * Replays test/golden/automate.json (scripts/golden/automate.py: scipy 1.10.1, statsmodels 0.13.5,
 * scikit-learn 1.2.1): DeLong's paired test against its O(m n) definition, McNemar's exact test against
 * scipy's binomtest, and the paired bootstrap on the very rows src/core/random.ts draws, each replicate
 * scored by scikit-learn on the Python side. |actual - expected| <= tol * max(1, |expected|).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { binomialHalfSf, mcnemarExact, pairedBootstrap, pairedDelong } from "../../src/automate/paired.js";
import type { LabelledSet } from "../../src/monitor/index.js";

const golden = JSON.parse(readFileSync(new URL("../golden/automate.json", import.meta.url), "utf8"));

function close(actual: number, expected: number, tol = 1e-12): void {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected));
  if (!ok) expect(actual).toBe(expected);
}

describe("DeLong's test for two correlated AUCs", () => {
  for (const c of golden.delong)
    it(c.id, () => {
      const t = pairedDelong(Uint8Array.from(c.positive), Float64Array.from(c.a), Float64Array.from(c.b));
      close(t.aucA, c.aucA);
      close(t.aucB, c.aucB);
      close(t.variance, c.variance, 1e-10);
      close(t.statistic, c.statistic, 1e-9);
      // Relative precision matters in the far tail (p ~ 1e-17).
      expect(Math.abs(t.pValue - c.pValue)).toBeLessThanOrEqual(1e-9 * Math.max(c.pValue, 1e-300) + 1e-15);
    });

  it("one class only: no test", () => {
    const t = pairedDelong(new Uint8Array(5), new Float64Array(5), new Float64Array(5));
    expect(t.pValue).toBeNaN();
  });
});

describe("McNemar's exact test (scipy.stats.binomtest, alternative='greater')", () => {
  it(`${golden.mcnemar.length} discordant counts`, () => {
    for (const c of golden.mcnemar) {
      const n = c.bOnly + c.aOnly;
      const a = new Uint8Array(n + 10);
      const b = new Uint8Array(n + 10);
      for (let i = 0; i < c.bOnly; i++) b[i] = 1;
      for (let i = c.bOnly; i < n; i++) a[i] = 1;
      // Ten rows both got right: concordant rows change nothing.
      a.fill(1, n);
      b.fill(1, n);
      const t = mcnemarExact(a, b);
      expect([t.bOnly, t.aOnly]).toEqual([c.bOnly, c.aOnly]);
      close(t.pValue, c.pValue, 1e-11);
      // Two-sided, as statsmodels reports it: twice the smaller tail, at most 1.
      const smaller = Math.min(binomialHalfSf(c.bOnly, n), binomialHalfSf(c.aOnly, n));
      close(n === 0 ? 1 : Math.min(1, 2 * smaller), c.twoSided, 1e-11);
    }
  });
});

describe("paired bootstrap of the difference (scikit-learn scores each replicate)", () => {
  for (const c of golden.bootstrap)
    it(c.id, () => {
      const set = (m: { predicted: number[]; proba: number[] }): LabelledSet => ({
        n: c.truth.length,
        classes: c.classes,
        truth: Int32Array.from(c.truth),
        predicted: Int32Array.from(m.predicted),
        proba: Float64Array.from(m.proba),
      });
      const t = pairedBootstrap(c.metric, set(c.a), set(c.b), {
        resamples: c.resamples,
        seed: c.seed,
        direction: c.direction,
        positiveClass: "Yes",
      });
      c.replicates.forEach((r: number, i: number) => {
        close(t.replicates[i], r, 1e-9);
      });
      close(t.statistic, c.statistic, 1e-9);
      close(t.pValue, c.pValue);
    });
});
