import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CategoricalColumn, type Column, categorical, Frame, numeric } from "../../../src/core/frame.js";
import type { Classifier } from "../../../src/core/protocol.js";
import { reviveEstimator } from "../../../src/core/protocol.js";
import { GaussianNB } from "../../../src/models/naive-bayes/index.js";
import { loadXy } from "../../support/fixtures.js";

interface Fit {
  theta: number[][];
  var: number[][];
  classPrior: number[];
  epsilon: number;
  proba: number[][];
  predict: number[];
}
const golden = JSON.parse(
  readFileSync(new URL("../../golden/misc_models.json", import.meta.url), "utf8"),
) as {
  gaussianNB: Record<string, Fit>;
};

function split(name: string) {
  const { X, y } = loadXy(name, "target", true);
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < X.nRows; i++) (i % 4 === 0 ? test : train).push(i);
  const yt = new Frame([["y", y]]);
  return {
    Xtr: X.take(train),
    ytr: yt.take(train).column("y"),
    Xte: X.take(test),
  };
}

function expectRel(actual: number, expected: number, tol: number): void {
  if (Math.abs(actual - expected) > tol * Math.max(Math.abs(expected), 1e-300)) {
    throw new Error(`${actual} vs ${expected} (relative tolerance ${tol})`);
  }
}

describe("GaussianNB against sklearn 1.2", () => {
  for (const [key, g] of Object.entries(golden.gaussianNB)) {
    it(`${key}: theta, var, priors, epsilon to 1e-12 and probabilities to 1e-9`, () => {
      const name = key.split(" ")[0];
      const { Xtr, ytr, Xte } = split(name);
      const params = key.endsWith("priors") ? { priors: [0.2, 0.3, 0.5], varSmoothing: 1e-3 } : {};
      const model = new GaussianNB(params).fit(Xtr, ytr);
      const s = model.state;
      for (let k = 0; k < g.theta.length; k++) {
        for (let j = 0; j < g.theta[k].length; j++) {
          expectRel(s.theta[k][j], g.theta[k][j], 1e-12);
          expectRel(s.var[k][j], g.var[k][j], 1e-12);
        }
        expectRel(s.classPrior[k], g.classPrior[k], 1e-12);
      }
      expectRel(s.epsilon, g.epsilon, 1e-12);
      const proba = model.predictProba(Xte);
      const flat = g.proba.flat();
      expect(proba.length).toBe(flat.length);
      const worst = flat.reduce((m, v, i) => Math.max(m, Math.abs(proba[i] - v)), 0);
      expect(worst).toBeLessThan(1e-9);
      const pred = model.predict(Xte) as CategoricalColumn;
      expect(Array.from(pred.codes, (c) => model.classes.indexOf(pred.levels[c]))).toEqual(g.predict);
    });
  }

  it("round-trips through JSON with identical probabilities", () => {
    const { Xtr, ytr, Xte } = split("wine.csv");
    const model = new GaussianNB().fit(Xtr, ytr);
    const revived = reviveEstimator(JSON.parse(JSON.stringify(model.toJSON()))) as Classifier;
    expect(revived.kind).toBe("gaussianNB");
    expect(revived.predictProba(Xte)).toEqual(model.predictProba(Xte));
    expect(revived.predict(Xte)).toEqual(model.predict(Xte));
  });

  it("stays finite when every likelihood underflows", () => {
    const X = Frame.fromColumns({ a: numeric(Float64Array.from([0, 0.1, 10, 10.1])) });
    const y = categorical(Int32Array.from([0, 0, 1, 1]), ["a", "b"]);
    const model = new GaussianNB().fit(X, y);
    const far = Frame.fromColumns({ a: numeric(Float64Array.from([1e6, -1e6])) });
    const p = model.predictProba(far);
    expect(Array.from(p)).toEqual([0, 1, 1, 0]);
  });

  it("rejects missing values, a single class, and priors of the wrong length", () => {
    const y: Column = categorical(Int32Array.from([0, 1, 0]), ["no", "yes"]);
    const nan = Frame.fromColumns({ a: numeric(Float64Array.from([1, Number.NaN, 3])) });
    expect(() => new GaussianNB().fit(nan, y)).toThrow(
      expect.objectContaining({ code: "E_MODEL_INPUT_MISSING", fix: expect.stringMatching(/imputer/) }),
    );
    const ok = Frame.fromColumns({ a: numeric(Float64Array.from([1, 2, 3])) });
    expect(() => new GaussianNB().fit(ok, categorical(Int32Array.from([0, 0, 0]), ["no", "yes"]))).toThrow(
      expect.objectContaining({ code: "E_MODEL_SINGLE_CLASS" }),
    );
    expect(() => new GaussianNB({ priors: [0.2, 0.3, 0.5] }).fit(ok, y)).toThrow(
      /3 priors but the target has 2/,
    );
    expect(() => new GaussianNB({ priors: [0.5, 0.6] })).toThrow(
      expect.objectContaining({ code: "E_MODEL_PARAM" }),
    );
  });
});
