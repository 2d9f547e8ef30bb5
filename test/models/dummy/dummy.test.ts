import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CategoricalColumn, type Column, categorical, Frame, numeric } from "../../../src/core/frame.js";
import type { Classifier, Predictor } from "../../../src/core/protocol.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import {
  DummyClassifier,
  type DummyClassifierParams,
  DummyRegressor,
} from "../../../src/models/dummy/index.js";
import { loadXy } from "../../support/fixtures.js";

const golden = JSON.parse(
  readFileSync(new URL("../../golden/misc_models.json", import.meta.url), "utf8"),
) as {
  dummy: {
    classifier: Record<
      string,
      { proba: number[][]; score: number; classPrior: number[]; predict?: number[] }
    >;
    regressor: Record<string, { nTrain: number; constant: number; score: number }>;
  };
};

function rows(y: Column, idx: number[]): Column {
  return new Frame([["y", y]]).take(idx).column("y");
}

/** The golden script's unbalanced iris split. */
function irisSplit() {
  const { X, y } = loadXy("iris.csv", "target", true);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < X.nRows; i++) (i % 4 !== 0 && !(i >= 100 && i < 130) ? train : test).push(i);
  return { Xtr: X.take(train), ytr: rows(y, train), Xte: X.take(test), yte: rows(y, test) };
}

const strategies: Record<string, Partial<DummyClassifierParams>> = {
  prior: { strategy: "prior" },
  most_frequent: { strategy: "mostFrequent" },
  constant: { strategy: "constant", constant: "virginica" },
  uniform: { strategy: "uniform" },
};

describe("DummyClassifier against sklearn 1.2", () => {
  for (const [key, params] of Object.entries(strategies)) {
    it(`${key}: class prior, probabilities, predictions and accuracy`, () => {
      const g = golden.dummy.classifier[key];
      const { Xtr, ytr, Xte, yte } = irisSplit();
      const model = new DummyClassifier(params).fit(Xtr, ytr);
      expect(model.state.classPrior).toEqual(g.classPrior);
      expect(Array.from(model.predictProba(Xte))).toEqual(g.proba.flat());
      if (g.predict) {
        const pred = model.predict(Xte) as CategoricalColumn;
        expect(Array.from(pred.codes, (c) => model.classes.indexOf(pred.levels[c]))).toEqual(g.predict);
        expect(model.score(Xte, yte)).toBe(g.score);
      }
    });
  }

  it("uniform and stratified draws are reproducible, valid and roughly follow their distribution", () => {
    const { Xtr, ytr } = irisSplit();
    const big = Frame.fromColumns({ a: numeric(new Float64Array(6000)) });
    for (const strategy of ["uniform", "stratified"] as const) {
      const model = new DummyClassifier({ strategy, randomState: 5 }).fit(Xtr, ytr);
      const a = model.predict(big) as CategoricalColumn;
      expect(model.predict(big)).toEqual(a);
      const counts = [0, 0, 0];
      for (const c of a.codes) counts[model.classes.indexOf(a.levels[c])]++;
      const expected = strategy === "uniform" ? [1 / 3, 1 / 3, 1 / 3] : model.state.classPrior;
      for (let k = 0; k < 3; k++) expect(Math.abs(counts[k] / 6000 - expected[k])).toBeLessThan(0.03);
      const proba = model.predictProba(big.slice(0, 10));
      for (let i = 0; i < 10; i++)
        expect(proba[i * 3] + proba[i * 3 + 1] + proba[i * 3 + 2]).toBeCloseTo(1, 12);
    }
  });

  it("accepts a single-class target and round-trips through JSON", () => {
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([1, 2, 3])) });
    const y = categorical(Int32Array.from([1, 1, 1]), ["no", "yes"]);
    const model = new DummyClassifier().fit(X, y);
    expect(model.classes).toEqual(["yes"]);
    expect(Array.from(model.predictProba(X))).toEqual([1, 1, 1]);
    const revived = reviveEstimator(JSON.parse(JSON.stringify(model.toJSON()))) as Classifier;
    expect(revived.predict(X)).toEqual(model.predict(X));
    expect((revived.predict(X) as CategoricalColumn).levels).toEqual(["no", "yes"]);
  });

  it("rejects a constant that is not a training class", () => {
    const { Xtr, ytr } = irisSplit();
    expect(() => new DummyClassifier({ strategy: "constant", constant: "rose" }).fit(Xtr, ytr)).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM", where: "params.constant" }),
    );
    expect(() => new DummyClassifier({ strategy: "constant" })).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM" }),
    );
  });
});

describe("DummyRegressor against sklearn 1.2", () => {
  const params: Record<string, ConstructorParameters<typeof DummyRegressor>[0]> = {
    mean: { strategy: "mean" },
    median: { strategy: "median" },
    "median odd": { strategy: "median" },
    "quantile 0.3": { strategy: "quantile", quantile: 0.3 },
    "quantile 0.75": { strategy: "quantile", quantile: 0.75 },
    "quantile 0.9": { strategy: "quantile", quantile: 0.9 },
    constant: { strategy: "constant", constant: 100 },
  };
  for (const [key, p] of Object.entries(params)) {
    it(`${key}: the learned constant and R² on held-out rows`, () => {
      const g = golden.dummy.regressor[key];
      const { X, y } = loadXy("diabetes.csv", "target", false);
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < X.nRows; i++) (i % 4 === 0 ? test : train).push(i);
      const tr = train.slice(0, g.nTrain);
      const model = new DummyRegressor(p).fit(X.take(tr), rows(y, tr));
      expect(model.state.constant).toBe(g.constant);
      expect(model.score(X.take(test), rows(y, test))).toBeCloseTo(g.score, 12);
      const revived = reviveEstimator(JSON.parse(JSON.stringify(model.toJSON()))) as Predictor;
      expect(revived.predict(X.take(test))).toEqual(model.predict(X.take(test)));
    });
  }

  it("interpolates quantiles like numpy and rejects bad parameters", () => {
    const X = Frame.fromColumns({ a: numeric(new Float64Array(4)) });
    const y = numeric(Float64Array.from([4, 1, 3, 2]));
    // numpy.percentile([1, 2, 3, 4], 30) = 1.9; median = 2.5
    expect(new DummyRegressor({ strategy: "quantile", quantile: 0.3 }).fit(X, y).state.constant).toBeCloseTo(
      1.9,
      14,
    );
    expect(new DummyRegressor({ strategy: "median" }).fit(X, y).state.constant).toBe(2.5);
    expect(() => new DummyRegressor({ strategy: "quantile" })).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM" }),
    );
    expect(() => new DummyRegressor().fit(X, numeric(Float64Array.from([1, Number.NaN, 2, 3])))).toThrow(
      expect.objectContaining({ code: "E_MODEL_TARGET_MISSING" }),
    );
  });
});
