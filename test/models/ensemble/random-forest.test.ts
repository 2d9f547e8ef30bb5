import { describe, expect, it } from "vitest";
import type { Column } from "../../../src/core/frame.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import {
  RandomForestClassifier,
  RandomForestRegressor,
  workersAvailable,
} from "../../../src/models/ensemble/index.js";
import { loadXy } from "../../support/fixtures.js";
import { golden, kFold, mean, takeColumn } from "../tree/golden.js";

/** Mann-Whitney ROC-AUC of the second class's probability. */
function rocAuc(y: Column, proba: Float64Array): number {
  if (y.type !== "categorical") throw new Error("categorical target expected");
  const n = y.codes.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => proba[a * 2 + 1] - proba[b * 2 + 1]);
  let rankSum = 0;
  let nPos = 0;
  for (let k = 0; k < n; ) {
    let e = k;
    while (e + 1 < n && proba[idx[e + 1] * 2 + 1] === proba[idx[k] * 2 + 1]) e++;
    for (let q = k; q <= e; q++) {
      if (y.codes[idx[q]] === 1) {
        rankSum += (k + e) / 2 + 1;
        nPos++;
      }
    }
    k = e + 1;
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * (n - nPos));
}

function correlation(a: number[], b: number[]): number {
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  a.forEach((v, k) => {
    ab += (v - ma) * (b[k] - mb);
    aa += (v - ma) ** 2;
    bb += (b[k] - mb) ** 2;
  });
  return ab / Math.sqrt(aa * bb);
}

describe("RandomForest against scikit-learn 1.2.1 (100 trees, 5-fold CV, no shuffle)", () => {
  // Bootstrap samples and feature draws come from different generators than sklearn's, so scores agree
  // only statistically: with 100 trees the fold means vary by about ±0.01 between seeds. The same
  // tolerances hold for both splitters: the binned one's thresholds are bin bounds (at most 255 per feature)
  // instead of every midpoint, and on these data sets that moves the scores less than a change of seed.
  it("runs in this thread when started from TypeScript sources", () => {
    expect(workersAvailable()).toBe(false);
  });

  for (const splitter of ["binned", "exact"] as const)
    for (const g of golden.forests) {
      it(`CV score, OOB score and importances: ${g.data}, ${splitter} splitter`, () => {
        const cls = g.task === "classification";
        const { X, y } = loadXy(g.data, g.target, cls);
        const make = () =>
          cls
            ? new RandomForestClassifier({ randomState: 0, splitter })
            : new RandomForestRegressor({ randomState: 0, splitter });
        const scores: number[] = [];
        const aucs: number[] = [];
        for (const { train, test } of kFold(X.nRows)) {
          const m = make().fit(X.take(train), takeColumn(y, train));
          const yt = takeColumn(y, test);
          scores.push(m.score(X.take(test), yt));
          if (g.cvRocAuc) aucs.push(rocAuc(yt, (m as RandomForestClassifier).predictProba(X.take(test))));
        }
        const ref = mean(cls ? g.cvAccuracy! : g.cvR2!);
        // concrete's last fold extrapolates (sklearn R² -1.16): fold scores there swing widely
        const tol = g.data === "concrete.csv" ? 0.05 : 0.02;
        expect(Math.abs(mean(scores) - ref)).toBeLessThan(tol);
        if (g.cvRocAuc) expect(Math.abs(mean(aucs) - mean(g.cvRocAuc))).toBeLessThan(0.01);

        const full = (
          cls
            ? new RandomForestClassifier({ randomState: 0, oobScore: true, splitter })
            : new RandomForestRegressor({ randomState: 0, oobScore: true, splitter })
        ).fit(X, y);
        expect(Math.abs(full.oobScore! - g.oobScore)).toBeLessThan(0.03);
        const imp = full.featureImportances;
        expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        // Correlated features share importance differently from seed to seed (sklearn's own seeds 0/1/2 on
        // breast_cancer differ by 0.24-0.36 in L1), so compare the profile: Pearson correlation.
        expect(correlation(Array.from(imp), g.featureImportances)).toBeGreaterThan(0.85);
      });
    }
});

describe("RandomForest behaviour", () => {
  const { X, y } = loadXy("breast_cancer.csv", "target", true);

  it("is reproducible with randomState and differs between seeds", () => {
    const fitJson = (seed: number) =>
      JSON.stringify(new RandomForestClassifier({ nEstimators: 10, randomState: seed }).fit(X, y).toJSON());
    expect(fitJson(7)).toBe(fitJson(7));
    expect(fitJson(7)).not.toBe(fitJson(8));
  });

  it("averages tree probabilities and round-trips through JSON", () => {
    const m = new RandomForestClassifier({ nEstimators: 15, randomState: 1, maxDepth: 4 }).fit(X, y);
    expect(m.state.trees).toHaveLength(15);
    expect(m.state.trees.every((t) => t.maxDepth <= 4)).toBe(true);
    const proba = m.predictProba(X);
    for (let i = 0; i < X.nRows; i++) expect(proba[2 * i] + proba[2 * i + 1]).toBeCloseTo(1, 12);
    const back = reviveEstimator(JSON.parse(JSON.stringify(m.toJSON()))) as RandomForestClassifier;
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(proba));
    expect(back.featureImportances).toEqual(m.featureImportances);
    const d = loadXy("diabetes.csv", "target", false);
    const r = new RandomForestRegressor({ nEstimators: 10, randomState: 2, maxSamples: 0.5 }).fit(d.X, d.y);
    expect(r.state.nBootstrap).toBe(221);
    const r2 = reviveEstimator(JSON.parse(JSON.stringify(r.toJSON()))) as RandomForestRegressor;
    expect(r2.predict(d.X)).toEqual(r.predict(d.X));
  });

  it("without bootstrap every tree sees all rows", () => {
    const m = new RandomForestClassifier({ nEstimators: 3, bootstrap: false, randomState: 0 }).fit(X, y);
    for (const t of m.state.trees) expect(t.nNodeSamples[0]).toBe(X.nRows);
    expect(m.score(X, y)).toBe(1);
  });

  it("rejects inconsistent params clearly", () => {
    expect(() => new RandomForestClassifier({ oobScore: true, bootstrap: false })).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM" }),
    );
    expect(() => new RandomForestRegressor({ nEstimators: 0 })).toThrow(/nEstimators/);
    expect(() => new RandomForestClassifier({ nJobs: 0 })).toThrow(/nJobs/);
    expect(() =>
      new RandomForestRegressor({ maxSamples: 1e9 }).fit(X.select(["mean radius"]), X.column("mean area")),
    ).toThrow(/maxSamples/);
  });
});
