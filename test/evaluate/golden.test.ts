/**
 * Replays every case of test/golden/metrics.json (scikit-learn 1.2.1, scripts/golden/metrics.py):
 * same inputs, results within 1e-9.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { categorical, type Frame, numeric } from "../../src/core/frame.js";
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  brierScore,
  classificationReport,
  confusionMatrix,
  daviesBouldinScore,
  f1,
  formatFixed,
  KFold,
  logLoss,
  type Matrix,
  meanAbsoluteError,
  meanAbsolutePercentageError,
  meanSquaredError,
  precision,
  r2Score,
  recall,
  rocAuc,
  rootMeanSquaredError,
  StratifiedKFold,
  score,
  silhouetteScore,
} from "../../src/evaluate/index.js";
import type { MetricName } from "../../src/spec/schema.js";
import { loadFixture } from "../support/fixtures.js";

type Num = number | "NaN" | "Infinity" | "-Infinity";
// biome-ignore lint/suspicious/noExplicitAny: the JSON cases are loosely typed by nature
type Case = any;
const golden = JSON.parse(readFileSync(new URL("../golden/metrics.json", import.meta.url), "utf8"));

const decode = (x: Num): number => (typeof x === "number" ? x : Number(x));

function close(actual: number, expected: Num, what = ""): void {
  const e = decode(expected);
  if (Number.isNaN(e)) {
    expect(actual, what).toBeNaN();
    return;
  }
  const tol = 1e-9 * Math.max(1, Math.abs(e));
  expect(Math.abs(actual - e), `${what}: got ${actual}, expected ${e}`).toBeLessThanOrEqual(tol);
}

const i32 = (a: number[]) => Int32Array.from(a);
const f64 = (a: number[]) => Float64Array.from(a);

describe("label metrics vs scikit-learn", () => {
  it.each<[string, Case]>(golden.labels.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    const t = i32(c.yTrue);
    const p = i32(c.yPred);
    const ex = c.expected;
    close(accuracy(t, p), ex.accuracy, "accuracy");
    close(balancedAccuracy(t, p), ex.balancedAccuracy, "balancedAccuracy");
    expect(confusionMatrix(t, p, c.labels ? { labels: c.labels } : {}).counts).toEqual(ex.confusionMatrix);
    for (const average of ["macro", "weighted", "micro", "binary"] as const) {
      if (!ex[average]) continue;
      const o = { average, posLabel: c.posLabel };
      close(precision(t, p, o), ex[average].precision, `${average} precision`);
      close(recall(t, p, o), ex[average].recall, `${average} recall`);
      close(f1(t, p, o), ex[average].f1, `${average} f1`);
    }
    const report = classificationReport(t, p);
    expect(report.text).toBe(ex.reportText);
    expect(classificationReport(t, p, { digits: 4 }).text).toBe(ex.reportText4);
    for (const row of report.classes) {
      const e = ex.report[row.label];
      close(row.precision, e.precision, `report ${row.label} precision`);
      close(row.recall, e.recall, `report ${row.label} recall`);
      close(row.f1Score, e["f1-score"], `report ${row.label} f1`);
      expect(row.support).toBe(e.support);
    }
    if (report.accuracy !== null) close(report.accuracy, ex.report.accuracy, "report accuracy");
    else close(report.microAvg!.f1Score, ex.report["micro avg"]["f1-score"], "report micro f1");
    close(report.macroAvg.f1Score, ex.report["macro avg"]["f1-score"], "report macro f1");
    close(report.weightedAvg.precision, ex.report["weighted avg"].precision, "report weighted precision");
  });
});

describe("ranking metrics vs scikit-learn (binary scores)", () => {
  it.each<[string, Case]>(golden.binaryScores.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    const t = i32(c.yTrue);
    const s = f64(c.scores);
    close(averagePrecision(t, s, { posLabel: c.posLabel }), c.expected.averagePrecision, "averagePrecision");
    if (c.expected.rocAuc !== undefined)
      close(rocAuc(t, s, { posLabel: c.posLabel }), c.expected.rocAuc, "rocAuc");
    else expect(() => rocAuc(t, s, { posLabel: c.posLabel })).toThrow(/only one class/);
  });
});

describe("probability metrics vs scikit-learn", () => {
  it.each<[string, Case]>(golden.proba.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    const t = i32(c.yTrue);
    const p = f64(c.proba);
    const ex = c.expected;
    close(logLoss(t, p), ex.logLoss, "logLoss");
    if (ex.rocAucOvrMacro !== undefined) {
      close(rocAuc(t, p), ex.rocAucOvrMacro, "rocAuc ovr macro");
      close(rocAuc(t, p, { average: "weighted" }), ex.rocAucOvrWeighted, "rocAuc ovr weighted");
      close(averagePrecision(t, p), ex.averagePrecisionOvrMacro, "averagePrecision ovr macro");
    }
    if (ex.brier !== undefined) {
      close(brierScore(t, p), ex.brier, "brier on n x 2");
      close(brierScore(t, p, { posLabel: 0 }), ex.brierPos0, "brier posLabel 0");
      const pos = p.filter((_, i) => i % 2 === 1);
      close(brierScore(t, pos), ex.brier, "brier on n");
      close(logLoss(t, pos), ex.logLoss, "logLoss on the positive column");
    }
    if (ex.rocAuc !== undefined) close(rocAuc(t, p), ex.rocAuc, "rocAuc binary from n x 2");
  });
});

describe("regression metrics vs scikit-learn", () => {
  it.each<[string, Case]>(golden.regression.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    const t = f64(c.yTrue);
    const p = f64(c.yPred);
    close(meanAbsoluteError(t, p), c.expected.mae, "mae");
    close(meanSquaredError(t, p), c.expected.mse, "mse");
    close(rootMeanSquaredError(t, p), c.expected.rmse, "rmse");
    close(r2Score(t, p), c.expected.r2, "r2");
    close(meanAbsolutePercentageError(t, p), c.expected.mape, "mape");
  });
});

function matrixOf(rows: number[][]): Matrix {
  const nRows = rows.length;
  const nCols = rows[0].length;
  const data = new Float64Array(nRows * nCols);
  rows.forEach((r, i) => {
    r.forEach((v, j) => {
      data[j * nRows + i] = v;
    });
  });
  return { data, nRows, nCols };
}

describe("clustering metrics vs scikit-learn", () => {
  it.each<[string, Case]>(golden.clustering.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    const X: Frame | Matrix = c.fixture
      ? loadFixture(c.fixture.file).drop([c.fixture.drop])
      : matrixOf(c.X as number[][]);
    const labels = i32(c.labels);
    close(silhouetteScore(X, labels), c.expected.silhouette, "silhouette");
    close(daviesBouldinScore(X, labels), c.expected.daviesBouldin, "daviesBouldin");
  });
});

function column(values: string[], levels: string[]) {
  return categorical(
    Int32Array.from(values, (v) => levels.indexOf(v)),
    levels,
  );
}

describe("score() by spec metric name vs scikit-learn", () => {
  it.each<[string, Case]>(golden.score.map((c: Case) => [c.name, c]))("%s", (_name, c: Case) => {
    for (const [metric, expected] of Object.entries(c.expected) as Array<[MetricName, Num]>) {
      let got: number;
      if (c.task === "regression") {
        got = score(metric, numeric(f64(c.yTrue)), { values: f64(c.values) });
      } else if (c.task === "clustering") {
        const ids = [...new Set(c.clusterLabels as string[])].sort();
        got = score(metric, null, { labels: column(c.clusterLabels, ids) }, { features: matrixOf(c.X) });
      } else {
        // Levels of yTrue in a different order than the model's classes: score() must align them.
        const yTrue = column(c.yTrue, [...c.classes].reverse());
        got = score(
          metric,
          yTrue,
          { labels: column(c.yPred, c.classes), proba: f64(c.proba), classes: c.classes },
          c.positiveClass === undefined ? {} : { positiveClass: c.positiveClass },
        );
      }
      close(got, expected, metric);
    }
  });
});

describe("splitters without shuffling match scikit-learn's folds", () => {
  it.each<[string, Case]>(golden.splits.kfold.map((c: Case) => [`KFold n=${c.n} k=${c.nSplits}`, c]))(
    "%s",
    (_name, c: Case) => {
      const tests = [...new KFold({ nSplits: c.nSplits }).split(c.n)].map((f) => [...f.test]);
      expect(tests).toEqual(c.tests);
    },
  );
  it.each<[string, Case]>(
    golden.splits.stratifiedKFold.map((c: Case, i: number) => [`StratifiedKFold case ${i}`, c]),
  )("%s", (_name, c: Case) => {
    const tests = [...new StratifiedKFold({ nSplits: c.nSplits }).split(i32(c.y))].map((f) => [...f.test]);
    expect(tests).toEqual(c.tests);
  });
});

describe("report number formatting matches Python's", () => {
  it("rounds like '{:.Nf}'.format, exact ties to even", () => {
    for (const c of golden.formatting)
      expect(formatFixed(c.x, c.digits), `${c.x} to ${c.digits}`).toBe(c.text);
  });
});

describe("classification report on a subset of classes", () => {
  it.each<[string, Case]>(golden.reportSubsets.map((c: Case) => [`labels ${c.labels.join(",")}`, c]))(
    "%s",
    (_name, c: Case) => {
      const t = i32(c.yTrue);
      const p = i32(c.yPred);
      expect(classificationReport(t, p, { labels: c.labels, digits: 3 }).text).toBe(c.text);
      expect(classificationReport(t, p, { labels: c.labels, targetNames: c.names }).text).toBe(c.namedText);
    },
  );
});
