/**
 * A Pipeline ending in scaler -> LogisticRegression predicts with the scaling applied while the model reads
 * its inputs (LogisticRegression.predictThrough). Its answers must be bit for bit those of transforming
 * first, and its errors the same.
 */
import { describe, expect, it } from "vitest";
import { MlshipError } from "../../../src/core/errors.js";
import { type CategoricalColumn, Frame, numeric } from "../../../src/core/frame.js";
import type { Classifier, Transformer } from "../../../src/core/protocol.js";
import { LogisticRegression } from "../../../src/models/linear/index.js";
import { MinMaxScaler, Pipeline, RobustScaler, StandardScaler } from "../../../src/prep/index.js";
import { loadXy } from "../../support/fixtures.js";

const cancer = loadXy("breast_cancer.csv", "target", true);
const iris = loadXy("iris.csv", "target", true);

const model = (pipe: Pipeline): Classifier => pipe as unknown as Classifier;

function unfused(pipe: Pipeline, X: Frame): { codes: Int32Array; proba: Float64Array } {
  const [scaler, lr] = pipe.steps.map(([, e]) => e) as [Transformer, LogisticRegression];
  const Z = scaler.transform(X);
  return { codes: (lr.predict(Z) as CategoricalColumn).codes, proba: lr.predictProba(Z) };
}

describe("Pipeline(scaler, LogisticRegression) predicts through the scaler", () => {
  const cases: Array<[string, () => Transformer, typeof cancer]> = [
    ["StandardScaler, binary", () => new StandardScaler(), cancer],
    ["StandardScaler without mean, binary", () => new StandardScaler({ withMean: false }), cancer],
    ["RobustScaler, multinomial", () => new RobustScaler(), iris],
    ["StandardScaler, multinomial", () => new StandardScaler(), iris],
    ["MinMaxScaler (not fused), binary", () => new MinMaxScaler(), cancer],
  ];
  for (const [name, scaler, { X, y }] of cases) {
    it(`${name}: bit-identical to transforming first`, () => {
      const pipe = new Pipeline([
        ["scale", scaler()],
        ["model", new LogisticRegression()],
      ]).fit(X, y);
      const want = unfused(pipe, X);
      expect((model(pipe).predict(X) as CategoricalColumn).codes).toEqual(want.codes);
      expect(model(pipe).predictProba(X)).toEqual(want.proba);
    });
  }

  it("uses the fused path for scalers, and reorders columns by name", () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["model", new LogisticRegression()],
    ]).fit(cancer.X, cancer.y);
    const [scaler, lr] = pipe.steps.map(([, e]) => e) as [Transformer, LogisticRegression];
    const shuffled = cancer.X.select([...cancer.X.names].reverse());
    expect(lr.predictProbaThrough(scaler, shuffled)).toEqual(unfused(pipe, cancer.X).proba);
  });

  it("reports a missing value as the unfused path does", () => {
    const pipe = new Pipeline([
      ["scale", new StandardScaler()],
      ["model", new LogisticRegression()],
    ]).fit(cancer.X, cancer.y);
    const name = cancer.X.names[3];
    const v = cancer.X.numeric(name).slice();
    v[7] = Number.NaN;
    const X = cancer.X.with({ [name]: numeric(v) });
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(MlshipError);
        return (e as MlshipError).message;
      }
      throw new Error("expected an error");
    };
    const want = message(() => unfused(pipe, X));
    expect(want).toContain(`"${name}" row 7`);
    expect(message(() => model(pipe).predict(X))).toBe(want);
    expect(message(() => model(pipe).predictProba(X))).toBe(want);
    expect(message(() => model(pipe).predict(new Frame(X.entries().slice(1))))).toBe(
      message(() => unfused(pipe, new Frame(X.entries().slice(1)))),
    );
  });
});
