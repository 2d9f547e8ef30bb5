/**
 * tuneCrossValidated on real models (from the TypeScript sources, folds in this thread): a
 * HistGradientBoosting space is searched with the median pruner, every trial's value is the mean of its
 * folds exactly as crossValidate scores that configuration, and the study reproduces with its seed.
 */
import { describe, expect, it } from "vitest";
import { crossValidate, StratifiedKFold } from "../../src/evaluate/index.js";
import { HistGradientBoostingClassifier } from "../../src/models/index.js";
import { MedianPruner, searchSpace, TpeSampler, tuneCrossValidated } from "../../src/tune/index.js";
import { loadXy } from "../support/fixtures.js";

const { X, y } = loadXy("breast_cancer.csv", "target", true);
const cv = new StratifiedKFold({ nSplits: 4, shuffle: true, seed: 1 });
// A space for gradient boosting as docs/TUNING.md suggests it.
const space = searchSpace({
  learningRate: { float: [0.02, 0.5], log: true },
  maxLeafNodes: { int: [4, 64], log: true },
  minSamplesLeaf: { int: [2, 80], log: true },
  l2Regularization: { float: [1e-6, 10], log: true },
});
const model = (p: Record<string, unknown>) =>
  new HistGradientBoostingClassifier({ maxIter: 15, randomState: 0, nJobs: 1, ...p });

async function study(seed: number) {
  return tuneCrossValidated({
    space,
    estimator: (p) => model(p),
    X,
    y,
    cv,
    primary: "log_loss",
    metrics: ["accuracy"],
    sampler: new TpeSampler({ startupTrials: 4 }),
    pruner: new MedianPruner({ startupTrials: 3 }),
    trials: 12,
    seed,
    jobs: 1,
  });
}

describe("tuneCrossValidated", { timeout: 240_000 }, () => {
  it("tunes HistGradientBoosting: values are the folds' mean, lower log loss is better, pruning stops early", async () => {
    const r = await study(7);
    expect(r.threads).toBe(1);
    expect(r.trials).toHaveLength(12);
    expect(r.trials.some((t) => t.state === "pruned")).toBe(true);
    const complete = r.trials.filter((t) => t.state === "complete");
    expect(r.best!.value).toBe(Math.min(...complete.map((t) => t.value!)));
    const best = r.best!;
    const again = crossValidate(model(best.params), X, y, {
      cv,
      scoring: ["log_loss", "accuracy"],
      nJobs: 1,
    });
    expect(best.data!.map((f) => f.scores.log_loss)).toEqual([...again.scores.log_loss]);
    expect(best.value).toBeCloseTo(again.mean.log_loss, 12);
    for (const t of r.trials.filter((x) => x.state === "pruned")) {
      expect(t.data!.length).toBeLessThan(4);
      expect(t.data!.length).toBe(Math.max(...t.intermediate.keys()) + 1);
    }
  });

  it("reproduces with its seed", async () => {
    const [a, b] = [await study(3), await study(3)];
    expect(b.trials.map((t) => [t.params, t.value, t.state])).toEqual(
      a.trials.map((t) => [t.params, t.value, t.state]),
    );
  });
});
