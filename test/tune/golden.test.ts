/**
 * Against test/golden/tune.json (scripts/golden/tune.py): the median pruner stops exactly the trials, at
 * exactly the steps, that Optuna's MedianPruner stops on the same scripted studies; the normal
 * distribution functions match scipy.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { erfc, logGaussMass, logNdtr, ndtri, truncnormLogPdf, truncnormPpf } from "../../src/tune/normal.js";
import { MedianPruner } from "../../src/tune/pruner.js";
import { RandomSampler } from "../../src/tune/samplers.js";
import { searchSpace } from "../../src/tune/space.js";
import { type Direction, optimize } from "../../src/tune/study.js";

interface PrunerCase {
  name: string;
  direction: Direction;
  pruner: { startupTrials: number; warmupSteps: number; intervalSteps: number; minTrials: number };
  trials: Array<{ values: Array<number | null>; final: number }>;
  prunedAt: Array<number | null>;
}

const golden = JSON.parse(readFileSync(new URL("../golden/tune.json", import.meta.url), "utf8")) as {
  medianPruner: PrunerCase[];
  normal: Record<string, number[][]>;
};

const close = (got: number, want: number, rel = 1e-12) => {
  if (want === Number.POSITIVE_INFINITY || want === Number.NEGATIVE_INFINITY) expect(got).toBe(want);
  else expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(want)));
};

describe("MedianPruner against Optuna", () => {
  for (const c of golden.medianPruner) {
    it(`${c.name}: prunes the same trials at the same steps`, async () => {
      let n = 0;
      const result = await optimize({
        space: searchSpace({ x: { float: [0, 1], log: false } }),
        sampler: new RandomSampler(),
        pruner: new MedianPruner(c.pruner),
        direction: c.direction,
        trials: c.trials.length,
        seed: 0,
        reuseDuplicates: false,
        objective: async (trial) => {
          const script = c.trials[n++];
          for (const [step, v] of script.values.entries()) {
            if (trial.report(step, v ?? Number.NaN)) return { pruned: true };
          }
          return { value: script.final };
        },
      });
      const prunedAt = result.trials.map((t) =>
        t.state === "pruned" ? Math.max(...t.intermediate.keys()) : null,
      );
      expect(prunedAt).toEqual(c.prunedAt);
      // The cases are only worth something if Optuna pruned some trials and kept others.
      expect(c.prunedAt.some((p) => p !== null)).toBe(true);
      expect(c.prunedAt.some((p) => p === null)).toBe(true);
    });
  }
});

describe("normal distribution functions against scipy", () => {
  it("erfc, log Φ, log(Φ(b) − Φ(a)) and Φ⁻¹ to 1e-12, far into the tails", () => {
    for (const [x, want] of golden.normal.erfc) close(erfc(x), want, 1e-12);
    for (const [x, want] of golden.normal.logNdtr) close(logNdtr(x), want, 1e-12);
    for (const [a, b, want] of golden.normal.logGaussMass) close(logGaussMass(a, b), want, 1e-11);
    for (const [p, want] of golden.normal.ndtri) close(ndtri(p), want, 1e-12);
  });

  it("the truncated normal's quantile and log density", () => {
    for (const [u, a, b, want] of golden.normal.truncnormPpf) close(truncnormPpf(u, a, b), want, 1e-9);
    for (const [x, mu, s, lo, hi, want] of golden.normal.truncnormLogPdf) {
      close(truncnormLogPdf(x, mu, s, lo, hi), want, 1e-11);
    }
  });
});
