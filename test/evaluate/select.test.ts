import { describe, expect, it } from "vitest";
import { encodeArtifact } from "../../src/artifact/index.js";
import { takeColumn } from "../../src/core/frame.js";
import type { Predictor } from "../../src/core/protocol.js";
import { inferSchema } from "../../src/data/index.js";
import {
  type Candidate,
  compareModels,
  KFold,
  StratifiedKFold,
  trainTestSplit,
} from "../../src/evaluate/index.js";
import {
  DecisionTreeClassifier,
  DummyClassifier,
  DummyRegressor,
  LogisticRegression,
  RandomForestClassifier,
  Ridge,
} from "../../src/models/index.js";
import { defaultPrep, Pipeline } from "../../src/prep/index.js";
import { loadXy } from "../support/fixtures.js";

const { X, y } = loadXy("breast_cancer.csv", "target", true);
const split = trainTestSplit(y, { testSize: 0.25, stratify: y, seed: 1 });
const part = (rows: Int32Array) => ({ X: X.take(rows), y: takeColumn(y, rows) });
const train = part(split.train);
const holdout = part(split.test);

function candidate(name: string, model: Predictor, baseline = false): Candidate {
  return {
    name,
    kind: model.kind,
    params: model.params,
    baseline,
    estimator: new Pipeline([
      ["prep", defaultPrep(X, { scale: true }).pipeline],
      ["model", model],
    ]) as unknown as Predictor,
  };
}

const sizeOf = (m: Predictor) =>
  encodeArtifact({
    pipeline: m,
    inputSchema: inferSchema(X),
    spec: {
      name: "t",
      objective: { business: "b", kpi: "k" },
      task: "binary",
      metric: { primary: "roc_auc", threshold: 0.5, secondary: [] },
      pii: [],
    },
    dataFingerprint: "x",
  }).bytes.length;

const options = {
  primary: "roc_auc" as const,
  secondary: ["accuracy" as const],
  cv: new StratifiedKFold({ nSplits: 3, shuffle: true, seed: 0 }),
  sizeOf,
  latencySamples: 20,
};

describe("compareModels", () => {
  it("scores every candidate, measures its cost, and picks the best on the primary metric", () => {
    const sel = compareModels(
      [
        candidate("logistic", new LogisticRegression()),
        candidate("stump", new DecisionTreeClassifier({ maxDepth: 1 })),
        candidate("baseline", new DummyClassifier(), true),
      ],
      train,
      holdout,
      options,
    );
    expect(sel.results.map((r) => r.name)).toEqual(["logistic", "stump", "baseline"]);
    for (const r of sel.results) {
      expect(r.cv.roc_auc.folds).toHaveLength(3);
      expect(r.cv.accuracy.mean).toBeGreaterThan(0.5);
      expect(r.artifactBytes).toBeGreaterThan(1000);
      expect(r.latencyP95Ms).toBeGreaterThan(0);
      expect(r.predictMsPerRow).toBeGreaterThan(0);
    }
    expect(sel.results[2].cv.roc_auc.mean).toBe(0.5);
    expect(sel.results[sel.best].name).toBe("logistic");
    expect(sel.results[0].cv.roc_auc.mean).toBeGreaterThan(sel.results[1].cv.roc_auc.mean);
    expect(Object.keys(sel.holdout).sort()).toEqual(["accuracy", "roc_auc"]);
    expect(sel.holdout.roc_auc).toBeGreaterThan(0.95);
  });

  it("marks candidates that break the constraints and never picks them", () => {
    const forest = candidate(
      "forest",
      new RandomForestClassifier({ nEstimators: 20, randomState: 0, nJobs: 1 }),
    );
    const stump = candidate("stump", new DecisionTreeClassifier({ maxDepth: 1 }));
    const free = compareModels([forest, stump], train, holdout, options);
    const [forestBytes, stumpBytes] = free.results.map((r) => r.artifactBytes);
    expect(forestBytes).toBeGreaterThan(stumpBytes);
    expect(free.results[free.best].name).toBe("forest");

    const limit = Math.floor((forestBytes + stumpBytes) / 2);
    const sel = compareModels(
      [
        candidate("forest", new RandomForestClassifier({ nEstimators: 20, randomState: 0, nJobs: 1 })),
        candidate("stump", new DecisionTreeClassifier({ maxDepth: 1 })),
      ],
      train,
      holdout,
      { ...options, constraints: { maxModelBytes: limit } },
    );
    expect(sel.results[0].violations).toEqual([`artifact ${forestBytes} bytes > ${limit} bytes`]);
    expect(sel.results[1].violations).toEqual([]);
    expect(sel.results[sel.best].name).toBe("stump");
  });

  it("fails clearly when every candidate breaks a constraint, and when there is none", () => {
    expect(() =>
      compareModels([candidate("stump", new DecisionTreeClassifier({ maxDepth: 1 }))], train, holdout, {
        ...options,
        constraints: { maxModelBytes: 10 },
      }),
    ).toThrow(/every candidate model breaks the spec's constraints/);
    expect(() => compareModels([], train, holdout, options)).toThrow(/no candidate model/);
  });

  it("picks the lowest error for a metric where lower is better", () => {
    const { X: Xr, y: yr } = loadXy("diabetes.csv", "target", false);
    const rows = trainTestSplit(Xr.nRows, { testSize: 0.2, seed: 0 });
    const at = (idx: Int32Array) => ({ X: Xr.take(idx), y: takeColumn(yr, idx) });
    const mk = (name: string, m: Predictor, baseline = false): Candidate => ({
      name,
      kind: m.kind,
      params: m.params,
      baseline,
      estimator: new Pipeline([
        ["prep", defaultPrep(Xr, { scale: true }).pipeline],
        ["model", m],
      ]) as unknown as Predictor,
    });
    const sel = compareModels(
      [mk("mean", new DummyRegressor(), true), mk("ridge", new Ridge())],
      at(rows.train),
      at(rows.test),
      {
        primary: "rmse",
        cv: new KFold({ nSplits: 3, shuffle: true, seed: 0 }),
        sizeOf: () => 1,
        latencySamples: 5,
      },
    );
    expect(sel.results[sel.best].name).toBe("ridge");
    expect(sel.results[1].cv.rmse.mean).toBeLessThan(sel.results[0].cv.rmse.mean);
  });
});
