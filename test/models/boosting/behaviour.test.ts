import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadArtifact, saveArtifact } from "../../../src/artifact/index.js";
import { MlshipError } from "../../../src/core/errors.js";
import { type Column, categorical, Frame, numeric } from "../../../src/core/frame.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import { Random } from "../../../src/core/random.js";
import { fingerprint, inferSchema } from "../../../src/data/index.js";
import { trainFromSpec } from "../../../src/evaluate/index.js";
import {
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
} from "../../../src/models/boosting/index.js";
import { createModel } from "../../../src/models/index.js";
import { defaultPrep, Pipeline } from "../../../src/prep/index.js";
import { loadSpec } from "../../../src/spec/index.js";
import { loadFixture, loadXy } from "../../support/fixtures.js";

const out = mkdtempSync(join(tmpdir(), "mlship-hgb-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const values = (c: Column) => (c as { values: Float64Array }).values;

describe("missing values", () => {
  // y depends on whether x is missing: the split on "missing or not" is the only good one
  const n = 400;
  const x = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? Number.NaN : i % 7));
  const y = Float64Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 10 : 0) + (i % 7) * 0.01);
  const X = new Frame([["x", numeric(x)]]);

  it("learn where missing values go, and predict them there", () => {
    const m = new HistGradientBoostingRegressor({
      maxIter: 1,
      learningRate: 1,
      maxLeafNodes: 2,
      minSamplesLeaf: 5,
    });
    m.fit(X, numeric(y));
    const t = m.state.trees[0][0];
    expect(m.state.hasMissing).toEqual([true]);
    expect(t.nodeCount).toBe(3);
    // every non-missing value on one side, the missing ones on the other
    expect(t.count[1] + t.count[2]).toBe(n);
    expect([t.count[1], t.count[2]].sort((a, b) => a - b)).toEqual([100, 300]);
    const pred = values(m.predict(new Frame([["x", numeric(Float64Array.of(Number.NaN, 3, 0))]])));
    expect(pred[0]).toBeCloseTo(10 + 0.03, 1);
    expect(pred[1]).toBeCloseTo(0.03, 1);
    expect(pred[2]).toBeCloseTo(0.03, 1);
  });

  it("send missing values at predict time to the larger child when training had none", () => {
    const full = Float64Array.from({ length: n }, (_, i) => i);
    const yy = Float64Array.from({ length: n }, (_, i) => (i < 300 ? 0 : 5));
    const m = new HistGradientBoostingRegressor({ maxIter: 1, learningRate: 1, maxLeafNodes: 2 });
    m.fit(new Frame([["x", numeric(full)]]), numeric(yy));
    expect(m.state.hasMissing).toEqual([false]);
    const t = m.state.trees[0][0];
    expect(t.missingLeft[0]).toBe(t.count[t.left[0]] > t.count[t.right[0]] ? 1 : 0);
    const pred = values(m.predict(new Frame([["x", numeric(Float64Array.of(Number.NaN))]])));
    expect(pred[0]).toBeCloseTo(m.state.baseline[0] + t.value[t.left[0]], 12);
  });
});

describe("categorical features", () => {
  // four categories with effects 0, 10, 3, 7 interleaved: no threshold on an ordering of the labels
  // separates {b, d} from {a, c}, a categorical split does
  const labels = ["a", "b", "c", "d"];
  const effect = [0, 10, 3, 7];
  const n = 800;
  const rng = new Random(3);
  const codes = Int32Array.from({ length: n }, () => rng.int(4));
  const X = new Frame([["c", categorical(codes, labels)]]);
  const y = numeric(Float64Array.from(codes, (c) => effect[c] + rng.normal() * 0.1));

  it("split on sets of categories, natively", () => {
    const m = new HistGradientBoostingRegressor({ maxIter: 1, learningRate: 1, maxLeafNodes: 2 });
    m.fit(X, y);
    const t = m.state.trees[0][0];
    expect(t.categorySet[0]).toBe(0);
    const left = labels.filter((_, k) => (t.bitsets[k >>> 5] >>> (k & 31)) & 1);
    // categories sorted by gradient sum / (hessian sum + 10): the high-effect ones (b 10, d 7) first, and
    // they go left; a (0) and c (3) right
    expect(left).toEqual(["b", "d"]);
    expect(m.state.featureBins[0]).toEqual({ type: "categorical", levels: labels });
  });

  it("match levels by label at predict time and treat unknown levels as missing", () => {
    const m = new HistGradientBoostingRegressor({ maxIter: 30 }).fit(X, y);
    // the same categories in another level order, plus one never seen
    const other = new Frame([
      ["c", categorical(Int32Array.of(0, 1, 2, 3, 4, -1), ["d", "c", "b", "a", "zzz"])],
    ]);
    const pred = values(m.predict(other));
    const ref = values(m.predict(new Frame([["c", categorical(Int32Array.of(3, 2, 1, 0), labels)]])));
    expect(Array.from(pred.subarray(0, 4))).toEqual(Array.from(ref));
    // unseen and missing both follow the missing-value direction of every split
    expect(pred[4]).toBe(pred[5]);
  });

  it("take numeric columns as categories when listed", () => {
    const asNumbers = new Frame([["c", numeric(Float64Array.from(codes, (c) => c * 10))]]);
    const m = new HistGradientBoostingRegressor({ maxIter: 20, categoricalFeatures: ["c"] }).fit(
      asNumbers,
      y,
    );
    expect(m.state.featureBins[0]).toEqual({ type: "categorical", values: Float64Array.of(0, 10, 20, 30) });
    const a = new HistGradientBoostingRegressor({ maxIter: 20 }).fit(X, y);
    expect(values(m.predict(asNumbers))).toEqual(values(a.predict(X)));
  });

  it("refuse more categories than bins, with a fix", () => {
    const many = Int32Array.from({ length: 600 }, (_, i) => i % 300);
    const Xm = new Frame([
      [
        "id",
        categorical(
          many,
          Array.from({ length: 300 }, (_, i) => `c${i}`),
        ),
      ],
    ]);
    expect(() => new HistGradientBoostingRegressor().fit(Xm, numeric(new Float64Array(600)))).toThrow(
      expect.objectContaining({ code: "E_MODEL_INPUT_CARDINALITY" }),
    );
  });
});

describe("early stopping", () => {
  const { X, y } = loadXy("credit_data.csv", "Status", true);

  it("is on for more than 10,000 rows by default, off below", () => {
    expect(new HistGradientBoostingClassifier({ maxIter: 5 }).fit(X, y).state.earlyStopping).toBe(false);
    // a noisy threshold on one of three features: the validation loss bottoms out early
    const rng = new Random(1);
    const n = 12_000;
    const cols = [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.normal()));
    const big = new Frame(cols.map((c, j) => [`x${j}`, numeric(c)] as const));
    const label = Int32Array.from(cols[0], (v) => (v + rng.normal() > 0 ? 1 : 0));
    const m = new HistGradientBoostingClassifier({ maxIter: 500, randomState: 0 }).fit(
      big,
      categorical(label, ["0", "1"]),
    );
    expect(m.state.earlyStopping).toBe(true);
    expect(m.nIter).toBeLessThan(500);
    // scores: one before the first tree, one per iteration
    expect(m.state.validationScore).toHaveLength(m.nIter + 1);
    const v = Array.from(m.state.validationScore);
    const best = Math.max(...v.slice(0, -10));
    expect(v.slice(-10).every((s) => s <= best + 1e-7)).toBe(true);
  });

  it("holds out a stratified validation share, reproducibly with randomState", () => {
    const fitSeed = (seed: number) =>
      new HistGradientBoostingClassifier({
        earlyStopping: true,
        validationFraction: 0.2,
        randomState: seed,
        maxIter: 300,
      }).fit(X, y);
    const a = fitSeed(5);
    const b = fitSeed(5);
    expect(b.nIter).toBe(a.nIter);
    expect(Array.from(b.state.validationScore)).toEqual(Array.from(a.state.validationScore));
    expect(JSON.stringify(fitSeed(6).toJSON())).not.toBe(JSON.stringify(a.toJSON()));
  });

  it("scores a metric named as in the spec", () => {
    const m = new HistGradientBoostingClassifier({
      earlyStopping: true,
      scoring: "roc_auc",
      maxIter: 300,
      randomState: 1,
    }).fit(X, y);
    const v = m.state.validationScore;
    expect(v[0]).toBe(0.5);
    expect(Math.max(...v)).toBeGreaterThan(0.8);
    expect(() => new HistGradientBoostingClassifier({ scoring: "roc_acu" })).toThrow(/scoring/);
  });
});

describe("staged predictions and inspection", () => {
  const { X, y } = loadXy("wine.csv", "target", true);
  const m = new HistGradientBoostingClassifier({ maxIter: 12 }).fit(X, y);

  it("end where predict ends, one stage per iteration", () => {
    const stages = [...m.stagedPredictProba(X)];
    expect(stages).toHaveLength(12);
    expect(Array.from(stages[11])).toEqual(Array.from(m.predictProba(X)));
    expect([...m.stagedPredict(X)][11]).toEqual(m.predict(X));
    // the first stage is one tree per class on top of the baseline
    expect(m.state.trees[0]).toHaveLength(3);
  });

  it("expose trees and gain importances", () => {
    const imp = m.featureImportances;
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    let gainOfFeature0 = 0;
    let total = 0;
    for (const round of m.state.trees) {
      for (const t of round) {
        for (let k = 0; k < t.nodeCount; k++) {
          if (t.feature[k] < 0) continue;
          total += t.gain[k];
          if (t.feature[k] === 0) gainOfFeature0 += t.gain[k];
          expect(t.gain[k]).toBeGreaterThan(0);
        }
      }
    }
    expect(imp[0]).toBeCloseTo(gainOfFeature0 / total, 12);
  });
});

describe("serialisation", () => {
  it("round-trips through JSON and the artifact file with bit-identical predictions", () => {
    const { X, y } = loadXy("credit_data.csv", "Status", true);
    const m = new HistGradientBoostingClassifier({ maxIter: 25, classWeight: "balanced" }).fit(X, y);
    const back = reviveEstimator(JSON.parse(JSON.stringify(m.toJSON()))) as HistGradientBoostingClassifier;
    expect(Array.from(back.predictProba(X))).toEqual(Array.from(m.predictProba(X)));
    expect(back.featureImportances).toEqual(m.featureImportances);
    const path = join(out, "hgb.mlship");
    saveArtifact(path, {
      pipeline: m,
      inputSchema: inferSchema(X),
      spec: {
        name: "credit",
        objective: { business: "test", kpi: "test" },
        task: "binary",
        metric: { primary: "roc_auc", threshold: 0.5, secondary: [] },
        pii: [],
      },
      dataFingerprint: fingerprint(X),
    });
    const loaded = loadArtifact(path).pipeline as HistGradientBoostingClassifier;
    expect(Array.from(loaded.predictProba(X))).toEqual(Array.from(m.predictProba(X)));
    const r = new HistGradientBoostingRegressor({ loss: "poisson", maxIter: 10 });
    const d = loadXy("diabetes.csv", "target", false);
    r.fit(d.X, d.y);
    const r2 = reviveEstimator(JSON.parse(JSON.stringify(r.toJSON()))) as HistGradientBoostingRegressor;
    expect(values(r2.predict(d.X))).toEqual(values(r.predict(d.X)));
  });

  it("refuses a tampered tree instead of walking it", () => {
    const { X, y } = loadXy("iris.csv", "target", true);
    const j = new HistGradientBoostingClassifier({ maxIter: 3 }).fit(X, y).toJSON();
    const bad = JSON.parse(JSON.stringify(j));
    bad.state.trees[0][0].left[0] = 0; // a cycle
    expect(() => reviveEstimator(bad)).toThrow(expect.objectContaining({ code: "E_MODEL_STATE" }));
    const bad2 = JSON.parse(JSON.stringify(j));
    bad2.state.trees[0][0].binThreshold[0] = 999;
    expect(() => reviveEstimator(bad2)).toThrow(expect.objectContaining({ code: "E_MODEL_STATE" }));
  });
});

describe("bad input", () => {
  const { X, y } = loadXy("iris.csv", "target", true);

  it("rejects bad params with what to set", () => {
    for (const params of [
      { learningRate: 0 },
      { maxBins: 256 },
      { maxLeafNodes: 1 },
      { validationFraction: 1.5 },
      { nIterNoChange: 0 },
    ]) {
      expect(() => new HistGradientBoostingClassifier(params)).toThrow(MlshipError);
    }
    expect(() => new HistGradientBoostingRegressor({ loss: "huber" as never })).toThrow(/loss/);
  });

  it("says what is wrong with the data", () => {
    expect(() => new HistGradientBoostingRegressor().fit(X, y)).toThrow(
      expect.objectContaining({ code: "E_MODEL_TARGET_TYPE" }),
    );
    expect(() =>
      new HistGradientBoostingClassifier().fit(X.slice(0, 0), { ...y, codes: new Int32Array(0) } as Column),
    ).toThrow(MlshipError);
    const m = new HistGradientBoostingClassifier({ maxIter: 2 }).fit(X, y);
    expect(() => m.predict(X.drop([X.names[0]]))).toThrow(
      expect.objectContaining({ code: "E_MODEL_MISSING_FEATURE" }),
    );
    const neg = numeric(Float64Array.from({ length: X.nRows }, (_, i) => i - 10));
    expect(() => new HistGradientBoostingRegressor({ loss: "poisson" }).fit(X, neg)).toThrow(
      expect.objectContaining({ code: "E_MODEL_TARGET_RANGE" }),
    );
    expect(() => new HistGradientBoostingRegressor({ categoricalFeatures: ["nope"] }).fit(X, neg)).toThrow(
      /nope/,
    );
    expect(() =>
      new HistGradientBoostingClassifier({ maxIter: 2 }).fit(
        X,
        categorical(new Int32Array(X.nRows), ["only"]),
      ),
    ).toThrow(expect.objectContaining({ code: "E_MODEL_SINGLE_CLASS" }));
  });
});

describe("in mlship train", () => {
  const examples = fileURLToPath(new URL("../../../examples", import.meta.url));

  it("gets the native preparation: missing values and categories kept", () => {
    const frame = loadFixture("credit_data.csv").drop(["Status"]);
    const { pipeline, description } = defaultPrep(frame, { scale: false, native: true });
    const Xt = pipeline.fitTransform(frame);
    expect(Xt.column("Home").type).toBe("categorical");
    expect(Number.isNaN(values(Xt.column("Income"))[29])).toBe(
      Number.isNaN(values(frame.column("Income"))[29]),
    );
    expect(description.join("\n")).toMatch(/as categories/);
    const model = createModel(
      "histGradientBoostingClassifier",
      { maxIter: 5 },
      { task: "classification", where: "test" },
    );
    expect(model.kind).toBe("histGradientBoostingClassifier");
    expect(() =>
      createModel(
        "histGradientBoostingClassifier",
        { maxIters: 5 },
        { task: "classification", where: "test" },
      ),
    ).toThrow(/did you mean "maxIter"/);
    expect(
      new Pipeline([
        ["prep", pipeline],
        ["model", model],
      ]).fit(frame, loadXy("credit_data.csv", "Status", true).y),
    ).toBeTruthy();
  });

  it("trains the churn example and writes an artifact that predicts the same", async () => {
    const spec = {
      ...loadSpec(join(examples, "churn", "mlship.yaml")),
      models: [{ kind: "histGradientBoostingClassifier", params: {} }],
    };
    const { summary, model, dataset, holdoutRows } = await trainFromSpec(spec, {
      baseDir: join(examples, "churn"),
      artifactPath: join(out, "churn-hgb.mlship"),
    });
    expect(summary.best).toBe("histGradientBoostingClassifier");
    expect(summary.prep.join("\n")).toMatch(/split natively/);
    expect(summary.holdout.roc_auc).toBeGreaterThan(0.82);
    const loaded = loadArtifact(summary.artifact.path).pipeline;
    const holdout = dataset.frame.take(holdoutRows).drop(["churn"]);
    expect((loaded as HistGradientBoostingClassifier).predictProba(holdout)).toEqual(
      (model as unknown as HistGradientBoostingClassifier).predictProba(holdout),
    );
  });
});
