import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CategoricalColumn, type Column, categorical, Frame, numeric } from "../../../src/core/frame.js";
import type { Classifier, Predictor } from "../../../src/core/protocol.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import { KNeighborsClassifier, KNeighborsRegressor, kNearest } from "../../../src/models/neighbors/index.js";
import { loadXy } from "../../support/fixtures.js";
import { holdout, kFold, standardise } from "./standardise.js";

interface Run {
  weights: "uniform" | "distance";
  p: 1 | 2;
  predict: number[];
  proba?: number[][];
  cv: number[];
}
const golden = JSON.parse(
  readFileSync(new URL("../../golden/misc_models.json", import.meta.url), "utf8"),
) as {
  knn: { classification: Record<string, Run[]>; regression: Record<string, Run[]> };
};

const targets: Record<string, string> = {
  "iris.csv": "target",
  "wine.csv": "target",
  "breast_cancer.csv": "target",
  "diabetes.csv": "target",
  "concrete.csv": "compressive_strength",
};

function take(y: Column, rows: number[]): Column {
  return new Frame([["y", y]]).take(rows).column("y");
}

function data(name: string, classification: boolean) {
  const { X, y } = loadXy(name, targets[name], classification);
  const Xs = standardise(X);
  const { train, test } = holdout(X.nRows);
  return { X: Xs, y, train, test };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (Math.abs(actual[i] - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`element ${i}: ${actual[i]} vs ${e}`);
    }
  }
}

describe("KNeighborsClassifier against sklearn 1.2 (brute)", () => {
  for (const [name, runs] of Object.entries(golden.knn.classification)) {
    for (const run of runs) {
      it(`${name} weights=${run.weights} p=${run.p}: predictions, probabilities and 5-fold CV`, () => {
        const { X, y, train, test } = data(name, true);
        const model = new KNeighborsClassifier({ weights: run.weights, p: run.p });
        model.fit(X.take(train), take(y, train));
        const pred = model.predict(X.take(test)) as CategoricalColumn;
        const classes = model.classes;
        expect(Array.from(pred.codes, (c) => classes.indexOf(pred.levels[c]))).toEqual(run.predict);
        expectClose(model.predictProba(X.take(test)), (run.proba as number[][]).flat(), 1e-12);
        const cv = kFold(X.nRows).map((f) =>
          new KNeighborsClassifier({ weights: run.weights, p: run.p })
            .fit(X.take(f.train), take(y, f.train))
            .score(X.take(f.test), take(y, f.test)),
        );
        expectClose(cv, run.cv, 1e-12);
      });
    }
  }
});

describe("KNeighborsRegressor against sklearn 1.2 (brute)", () => {
  for (const [name, runs] of Object.entries(golden.knn.regression)) {
    for (const run of runs) {
      it(`${name} weights=${run.weights} p=${run.p}: predictions and 5-fold CV R²`, () => {
        const { X, y, train, test } = data(name, false);
        const model = new KNeighborsRegressor({ weights: run.weights, p: run.p });
        model.fit(X.take(train), take(y, train));
        expectClose((model.predict(X.take(test)) as { values: Float64Array }).values, run.predict, 1e-12);
        const cv = kFold(X.nRows).map((f) =>
          new KNeighborsRegressor({ weights: run.weights, p: run.p })
            .fit(X.take(f.train), take(y, f.train))
            .score(X.take(f.test), take(y, f.test)),
        );
        expectClose(cv, run.cv, 1e-12);
      });
    }
  }
});

describe("kNearest", () => {
  it("breaks exact ties with sklearn's heap, not by training index", () => {
    // Rows 0..5 are all at distance 1 from the query, rows 6 and 7 closer. sklearn 1.2 (brute, one thread)
    // returns rows [7, 6, 1] for this case for p=1 and p=2; keeping the lowest index would give [7, 6, 0].
    const train = Float64Array.from([1, -1, 1, -1, 1, -1, 0.5, 0.25]);
    for (const p of [1, 2] as const) {
      const nb = kNearest(train, 8, Float64Array.from([0]), 1, 1, 3, p);
      expect(Array.from(nb.indices)).toEqual([7, 6, 1]);
      expect(Array.from(nb.distances)).toEqual([0.25, 0.5, 1]);
    }
  });

  it("gives the same neighbours for every query position in a block and an odd training count", () => {
    const train = Float64Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.7));
    const queries = Float64Array.from({ length: 14 }, (_, i) => Math.cos(i * 0.9));
    const all = kNearest(train, 29, queries, 7, 2, 4, 1);
    for (let q = 0; q < 7; q++) {
      const one = kNearest(train, 29, queries.subarray(q * 2, q * 2 + 2), 1, 2, 4, 1);
      expect(Array.from(all.indices.subarray(q * 4, q * 4 + 4))).toEqual(Array.from(one.indices));
      // Brute-force reference: distances sorted ascending.
      const d = Array.from(
        { length: 29 },
        (_, j) => Math.abs(train[2 * j] - queries[2 * q]) + Math.abs(train[2 * j + 1] - queries[2 * q + 1]),
      );
      expect(Array.from(one.distances)).toEqual(d.sort((a, b) => a - b).slice(0, 4));
    }
  });
});

describe("kNN persistence and bad input", () => {
  it("round-trips through JSON with identical predictions", () => {
    const { X, y, train, test } = data("wine.csv", true);
    const model = new KNeighborsClassifier({ nNeighbors: 7, weights: "distance", p: 1 }).fit(
      X.take(train),
      take(y, train),
    );
    const revived = reviveEstimator(JSON.parse(JSON.stringify(model.toJSON()))) as Classifier;
    expect(revived.kind).toBe("kNeighborsClassifier");
    expect(revived.predictProba(X.take(test))).toEqual(model.predictProba(X.take(test)));
    expect(revived.predict(X.take(test))).toEqual(model.predict(X.take(test)));

    const r = data("diabetes.csv", false);
    const reg = new KNeighborsRegressor({ nNeighbors: 3 }).fit(r.X.take(r.train), take(r.y, r.train));
    const revivedReg = reviveEstimator(JSON.parse(JSON.stringify(reg.toJSON()))) as Predictor;
    expect(revivedReg.predict(r.X.take(r.test))).toEqual(reg.predict(r.X.take(r.test)));
  });

  it("rejects nNeighbors above the number of training rows", () => {
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([1, 2, 3])) });
    const y = categorical(Int32Array.from([0, 1, 0]), ["no", "yes"]);
    expect(() => new KNeighborsClassifier({ nNeighbors: 4 }).fit(X, y)).toThrow(
      expect.objectContaining({ code: "E_MODEL_TOO_FEW_ROWS" }),
    );
    expect(() =>
      new KNeighborsRegressor({ nNeighbors: 5 }).fit(X, numeric(Float64Array.from([1, 2, 3]))),
    ).toThrow(/at least nNeighbors=5 training rows, got 3/);
  });

  it("rejects missing values with a hint to impute, and a single-class target", () => {
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([1, Number.NaN, 3])) });
    const y = categorical(Int32Array.from([0, 1, 0]), ["no", "yes"]);
    expect(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(X, y)).toThrow(
      expect.objectContaining({ code: "E_MODEL_INPUT_MISSING", fix: expect.stringMatching(/imputer/) }),
    );
    const ok = Frame.fromColumns({ a: numeric(Float64Array.from([1, 2, 3])) });
    const fitted = new KNeighborsClassifier({ nNeighbors: 1 }).fit(ok, y);
    expect(() => fitted.predict(X)).toThrow(expect.objectContaining({ code: "E_MODEL_INPUT_MISSING" }));
    const one = categorical(Int32Array.from([1, 1, 1]), ["no", "yes"]);
    expect(() => new KNeighborsClassifier({ nNeighbors: 1 }).fit(ok, one)).toThrow(
      expect.objectContaining({ code: "E_MODEL_SINGLE_CLASS" }),
    );
    expect(() => new KNeighborsClassifier({ p: 3 as 2 })).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM" }),
    );
  });
});
