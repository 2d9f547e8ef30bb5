/**
 * Linear models against scikit-learn 1.2.1 (test/golden/linear.json from scripts/golden/linear.py).
 * Tolerances, relative to the largest |reference coefficient|:
 * - LinearRegression / Ridge 1e-8: closed-form solutions; only rounding differs (QR/Cholesky vs LAPACK).
 * - Lasso / ElasticNet 1e-6: the same coordinate-descent updates, order and duality-gap stop, so the same
 *   iterate up to rounding (we also require the same number of epochs).
 * - LogisticRegression 1e-4 on coefficients, 1e-6 absolute on probabilities: both run L-BFGS to sklearn's
 *   gradient / relative-decrease stopping rules from w = 0 but with different line searches, so they stop
 *   at slightly different points near the same optimum.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Column } from "../../../src/core/frame.js";
import type { Classifier, Params, Predictor } from "../../../src/core/protocol.js";
import {
  ElasticNet,
  Lasso,
  LinearRegression,
  type LinearRegressorState,
  LogisticRegression,
  type LogisticRegressionState,
  Ridge,
} from "../../../src/models/linear/index.js";
import { absErr, goldenData, kFold, relErr, rocAuc, takeColumn } from "./support.js";

interface RegressionCase {
  name: string;
  fixture: string;
  target: string;
  columns: number[] | null;
  duplicateFirstColumn: boolean;
  coef: number[];
  intercept: number;
  predictHead: number[];
  cv: { r2: number[] };
  nIter?: number;
}

interface ClassificationCase {
  name: string;
  fixture: string;
  target: string;
  columns: number[] | null;
  classes: string[];
  coef: number[][];
  intercept: number[];
  nIter: number;
  probaHead: number[][];
  predictHead: string[];
  cv: { accuracy: number[]; rocAuc?: number[] };
}

const golden = JSON.parse(readFileSync(new URL("../../golden/linear.json", import.meta.url), "utf8")) as {
  head: number;
  regression: RegressionCase[];
  classification: ClassificationCase[];
};

const regressors: Record<string, { make: () => Predictor<Params, LinearRegressorState>; tol: number }> = {
  "ols diabetes": { make: () => new LinearRegression(), tol: 1e-8 },
  "ols concrete": { make: () => new LinearRegression(), tol: 1e-8 },
  "ols diabetes rank-deficient": { make: () => new LinearRegression(), tol: 1e-8 },
  "ols diabetes no intercept": { make: () => new LinearRegression({ fitIntercept: false }), tol: 1e-8 },
  "ridge diabetes": { make: () => new Ridge(), tol: 1e-8 },
  "ridge concrete alpha=10": { make: () => new Ridge({ alpha: 10 }), tol: 1e-8 },
  "lasso diabetes alpha=0.5": { make: () => new Lasso({ alpha: 0.5 }), tol: 1e-6 },
  "lasso concrete": { make: () => new Lasso(), tol: 1e-6 },
  "elasticNet diabetes alpha=0.1": { make: () => new ElasticNet({ alpha: 0.1, l1Ratio: 0.5 }), tol: 1e-6 },
  "elasticNet concrete alpha=0.05 l1Ratio=0.8": {
    make: () => new ElasticNet({ alpha: 0.05, l1Ratio: 0.8 }),
    tol: 1e-6,
  },
};

const classifiers: Record<string, () => Classifier<Params, LogisticRegressionState>> = {
  "logistic breast_cancer": () => new LogisticRegression(),
  "logistic breast_cancer C=0.1 balanced": () => new LogisticRegression({ c: 0.1, classWeight: "balanced" }),
  "logistic breast_cancer weights {0: 3, 1: 0.5}": () =>
    new LogisticRegression({ classWeight: { "0": 3, "1": 0.5 } }),
  "logistic breast_cancer penalty=none two features": () => new LogisticRegression({ penalty: "none" }),
  "logistic iris": () => new LogisticRegression(),
  "logistic wine C=0.5 balanced": () => new LogisticRegression({ c: 0.5, classWeight: "balanced" }),
};

const values = (c: Column): Float64Array => (c as { values: Float64Array }).values;
const labels = (c: Column): string[] => {
  const cat = c as { codes: Int32Array; levels: readonly string[] };
  return Array.from(cat.codes, (k) => cat.levels[k]);
};

describe("linear regressors match sklearn", () => {
  it("covers every golden case", () => {
    expect(Object.keys(regressors).sort()).toEqual(golden.regression.map((c) => c.name).sort());
  });

  for (const c of golden.regression) {
    it(c.name, () => {
      const { make, tol } = regressors[c.name];
      const { X, y } = goldenData(c.fixture, c.target, false, c.columns, c.duplicateFirstColumn);
      const m = make().fit(X, y);
      expect(relErr(m.state.coef, c.coef)).toBeLessThan(tol);
      expect(Math.abs(m.state.intercept - c.intercept)).toBeLessThan(
        tol * Math.max(1, Math.abs(c.intercept)),
      );
      expect(relErr(values(m.predict(X.slice(0, golden.head))), c.predictHead)).toBeLessThan(tol);
      if (c.nIter !== undefined) expect(m.state.nIter).toBe(c.nIter);
      // In the rank-deficient case the folds' numerical rank decisions are LAPACK-specific, so only the
      // full-data minimum-norm solution is compared.
      if (c.duplicateFirstColumn) return;
      const r2 = kFold(X.nRows, 5).map(({ train, test }) =>
        make().fit(X.take(train), takeColumn(y, train)).score(X.take(test), takeColumn(y, test)),
      );
      expect(relErr(r2, c.cv.r2)).toBeLessThan(tol * 10);
    });
  }

  it("reports the rank of collinear data and returns the minimum-norm solution", () => {
    const { X, y } = goldenData("diabetes.csv", "target", false, null, true);
    const m = new LinearRegression().fit(X, y);
    expect(m.state.rank).toBe(10);
    // The minimum-norm split of the shared direction: w_dup = 2 w_first.
    expect(m.state.coef[10]).toBeCloseTo(2 * m.state.coef[0], 10);
  });

  it("random coordinate selection reaches the cyclic optimum and reproduces with its seed", () => {
    const { X, y } = goldenData("diabetes.csv", "target", false);
    const cyclic = new Lasso({ alpha: 0.5, tol: 1e-10 }).fit(X, y).state.coef;
    const a = new Lasso({ alpha: 0.5, tol: 1e-10, selection: "random", randomState: 7 }).fit(X, y).state;
    const b = new Lasso({ alpha: 0.5, tol: 1e-10, selection: "random", randomState: 7 }).fit(X, y).state;
    expect(relErr(a.coef, cyclic)).toBeLessThan(1e-6);
    expect(b.coef).toEqual(a.coef);
  });
});

describe("logistic regression matches sklearn", () => {
  it("covers every golden case", () => {
    expect(Object.keys(classifiers).sort()).toEqual(golden.classification.map((c) => c.name).sort());
  });

  for (const c of golden.classification) {
    it(c.name, () => {
      const make = classifiers[c.name];
      const { X, y } = goldenData(c.fixture, c.target, true, c.columns);
      const m = make().fit(X, y);
      expect(m.classes).toEqual(c.classes);
      expect(m.state.coef.length).toBe(c.coef.length);
      expect(relErr(m.state.coef.flat(), c.coef.flat())).toBeLessThan(1e-4);
      expect(relErr(m.state.intercept, c.intercept)).toBeLessThan(1e-4);
      expect(m.state.converged).toBe(true);
      const head = X.slice(0, golden.head);
      expect(absErr(m.predictProba(head), c.probaHead.flat())).toBeLessThan(1e-6);
      expect(labels(m.predict(head))).toEqual(c.predictHead);

      const accuracy: number[] = [];
      const auc: number[] = [];
      for (const { train, test } of kFold(X.nRows, 5)) {
        const f = make().fit(X.take(train), takeColumn(y, train));
        const yTest = takeColumn(y, test);
        accuracy.push(f.score(X.take(test), yTest));
        if (c.classes.length === 2) {
          const proba = f.predictProba(X.take(test));
          const positive = labels(yTest).map((l) => l === c.classes[1]);
          auc.push(
            rocAuc(
              positive,
              Float64Array.from(positive, (_, i) => proba[2 * i + 1]),
            ),
          );
        }
      }
      expect(accuracy).toEqual(c.cv.accuracy);
      if (c.cv.rocAuc) expect(absErr(auc, c.cv.rocAuc)).toBeLessThan(1e-9);
    });
  }
});
