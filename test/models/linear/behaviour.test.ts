import { describe, expect, it } from "vitest";
import { MlshipError, NotFittedError } from "../../../src/core/errors.js";
import { categorical, Frame, numeric } from "../../../src/core/frame.js";
import { type Estimator, isClassifier, type Predictor, reviveEstimator } from "../../../src/core/protocol.js";
import {
  ElasticNet,
  Lasso,
  LinearRegression,
  LogisticRegression,
  Ridge,
} from "../../../src/models/linear/index.js";
import { goldenData } from "./support.js";

const regression = goldenData("diabetes.csv", "target", false);
const iris = goldenData("iris.csv", "target", true);
const cancer = goldenData("breast_cancer.csv", "target", true);

function expectCode(fn: () => unknown, code: string): MlshipError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MlshipError);
    expect((e as MlshipError).code).toBe(code);
    return e as MlshipError;
  }
  throw new Error(`expected ${code}`);
}

describe("toJSON / reviveEstimator round trip", () => {
  const cases: Array<[string, () => Predictor, { X: Frame; y: ReturnType<typeof goldenData>["y"] }]> = [
    ["linearRegression", () => new LinearRegression(), regression],
    ["ridge", () => new Ridge({ alpha: 3 }), regression],
    ["lasso", () => new Lasso({ alpha: 0.2 }), regression],
    ["elasticNet", () => new ElasticNet({ alpha: 0.2, l1Ratio: 0.3, selection: "random" }), regression],
    ["logisticRegression", () => new LogisticRegression({ c: 0.3 }), iris],
    ["logisticRegression", () => new LogisticRegression({ classWeight: { "1": 2 } }), cancer],
  ];
  for (const [kind, make, { X, y }] of cases) {
    it(`${kind} predicts bit-identically after a JSON round trip`, () => {
      const m = make().fit(X, y);
      expect(m.kind).toBe(kind);
      const back = reviveEstimator(JSON.parse(JSON.stringify(m.toJSON()))) as Predictor;
      expect(back.kind).toBe(kind);
      expect(back.isFitted).toBe(true);
      expect(back.params).toEqual(m.params);
      expect(back.predict(X)).toEqual(m.predict(X));
      if (isClassifier(m) && isClassifier(back)) {
        expect(back.predictProba(X)).toEqual(m.predictProba(X));
        expect(back.classes).toEqual(m.classes);
      }
    });
  }

  it("round-trips an unfitted model, which then refuses to predict", () => {
    const back = reviveEstimator(JSON.parse(JSON.stringify(new Ridge({ alpha: 2 }).toJSON()))) as Estimator;
    expect(back.isFitted).toBe(false);
    expect(back.params).toEqual({ alpha: 2, fitIntercept: true });
    expect(() => (back as Predictor).predict(regression.X)).toThrow(NotFittedError);
  });
});

describe("defaults follow scikit-learn", () => {
  it("uses sklearn's parameter defaults", () => {
    expect(new LogisticRegression().params).toEqual({
      penalty: "l2",
      c: 1,
      fitIntercept: true,
      maxIter: 100,
      tol: 1e-4,
      classWeight: null,
      multiClass: "multinomial",
    });
    expect(new ElasticNet().params).toEqual({
      alpha: 1,
      l1Ratio: 0.5,
      fitIntercept: true,
      maxIter: 1000,
      tol: 1e-4,
      selection: "cyclic",
      randomState: 0,
    });
    expect(new Lasso().params).not.toHaveProperty("l1Ratio");
  });
});

describe("classification targets", () => {
  it("learns only the classes present and predicts with the target's levels", () => {
    const y = iris.y as { codes: Int32Array; levels: readonly string[] };
    const wider = categorical(y.codes, [...y.levels, "unseen"]);
    const m = new LogisticRegression().fit(iris.X, wider);
    expect(m.classes).toEqual(["setosa", "versicolor", "virginica"]);
    const pred = m.predict(iris.X) as { levels: readonly string[] };
    expect(pred.levels).toEqual([...y.levels, "unseen"]);
    expect(m.score(iris.X, wider)).toBeGreaterThan(0.95);
    const proba = m.predictProba(iris.X.slice(0, 5));
    for (let i = 0; i < 5; i++) expect(proba[3 * i] + proba[3 * i + 1] + proba[3 * i + 2]).toBeCloseTo(1, 12);
  });

  it("predictWithProba gives predict's labels and predictProba's probabilities in one pass", () => {
    for (const { X, y } of [iris, cancer]) {
      const m = new LogisticRegression().fit(X, y);
      const { labels, proba } = m.predictWithProba(X);
      expect(labels).toEqual(m.predict(X));
      expect(Array.from(proba)).toEqual(Array.from(m.predictProba(X)));
    }
    // Over more than one block of rows (the kernels score 4,096 at a time) too.
    const big = cancer.X.take(Int32Array.from({ length: 5000 }, (_, i) => i % cancer.X.nRows));
    const m = new LogisticRegression().fit(cancer.X, cancer.y);
    expect(Array.from(m.predictWithProba(big).proba)).toEqual(Array.from(m.predictProba(big)));
  });

  it("class weights move the decision towards the heavier class", () => {
    const plain = new LogisticRegression().fit(cancer.X, cancer.y).state.intercept[0];
    const heavy = new LogisticRegression({ classWeight: { "1": 5 } }).fit(cancer.X, cancer.y).state
      .intercept[0];
    expect(heavy).toBeGreaterThan(plain);
  });
});

describe("user errors", () => {
  it("rejects missing values with a fix", () => {
    const v = Float64Array.from(regression.X.numeric("bmi"));
    v[3] = Number.NaN;
    const X = regression.X.with({ bmi: numeric(v) });
    for (const m of [new LinearRegression(), new Ridge(), new Lasso()]) {
      const e = expectCode(() => m.fit(X, regression.y), "E_MODEL_INPUT_MISSING");
      expect(e.where).toContain("bmi");
      expect(e.fix).toContain("imputer");
    }
    const fitted = new LogisticRegression().fit(cancer.X, cancer.y);
    const bad = cancer.X.with({ "mean radius": numeric(new Float64Array(cancer.X.nRows).fill(Number.NaN)) });
    expectCode(() => fitted.predict(bad), "E_MODEL_INPUT_MISSING");
  });

  it("rejects categorical features", () => {
    const X = regression.X.with({ colour: categorical(new Int32Array(regression.X.nRows), ["red"]) });
    const e = expectCode(() => new Ridge().fit(X, regression.y), "E_MODEL_INPUT_TYPE");
    expect(e.fix).toContain("one-hot encoder");
  });

  it("rejects a single-class target", () => {
    const y = categorical(new Int32Array(cancer.X.nRows), ["0", "1"]);
    expectCode(() => new LogisticRegression().fit(cancer.X, y), "E_MODEL_SINGLE_CLASS");
  });

  it("rejects the wrong target type and a missing feature at predict time", () => {
    expectCode(() => new LogisticRegression().fit(regression.X, regression.y), "E_MODEL_TARGET_TYPE");
    expectCode(() => new Ridge().fit(iris.X, iris.y), "E_MODEL_TARGET_TYPE");
    const m = new Ridge().fit(regression.X, regression.y);
    expectCode(() => m.predict(regression.X.drop(["bmi"])), "E_MODEL_MISSING_FEATURE");
  });

  it("rejects invalid params", () => {
    expectCode(() => new Ridge({ alpha: -1 }), "E_MODEL_PARAM");
    expectCode(() => new ElasticNet({ l1Ratio: 2 }), "E_MODEL_PARAM");
    expectCode(() => new LogisticRegression({ c: 0 }), "E_MODEL_PARAM");
  });

  it("refuses to predict before fit", () => {
    expect(() => new LogisticRegression().predict(iris.X)).toThrow(NotFittedError);
    expect(() => new Lasso().state).toThrow(NotFittedError);
  });
});

describe("Frame handling", () => {
  it("predicts by column name, whatever the column order", () => {
    const m = new LinearRegression().fit(regression.X, regression.y);
    const reversed = regression.X.select([...regression.X.names].reverse());
    expect(m.predict(reversed)).toEqual(m.predict(regression.X));
  });

  it("accepts boolean features", () => {
    const X = new Frame([
      ["flag", { type: "boolean", values: Int8Array.from([1, 0, 1, 0, 1, 0]) }],
      ["x", numeric(Float64Array.from([1, 2, 3, 4, 5, 6]))],
    ]);
    const y = numeric(Float64Array.from([6, 5, 10, 9, 14, 13]));
    const m = new LinearRegression().fit(X, y);
    // y = 1 + 3·flag + 2·x exactly.
    expect(m.state.coef[0]).toBeCloseTo(3, 12);
    expect(m.state.coef[1]).toBeCloseTo(2, 12);
    expect(m.state.intercept).toBeCloseTo(1, 12);
  });
});
