/** Behaviour the golden replay does not cover: Column inputs, level alignment, and user errors. */
import { describe, expect, it } from "vitest";
import { boolean, categorical, Frame, numeric } from "../../src/core/frame.js";
import {
  accuracy,
  averagePrecision,
  brierScore,
  classificationReport,
  confusionMatrix,
  f1,
  greaterIsBetter,
  logLoss,
  precision,
  rocAuc,
  score,
  silhouetteScore,
} from "../../src/evaluate/index.js";
import { metricNames } from "../../src/spec/schema.js";

const cat = (values: string[], levels: string[]) =>
  categorical(
    Int32Array.from(values, (v) => levels.indexOf(v)),
    levels,
  );

const code = (c: string) => expect.objectContaining({ code: c });

describe("label inputs", () => {
  const yt = ["a", "b", "c", "a", "b", "c", "a"];
  const yp = ["a", "c", "c", "a", "b", "b", "b"];

  it("aligns categorical columns whose levels differ in order or content", () => {
    const t = cat(yt, ["a", "b", "c"]);
    const same = cat(yp, ["a", "b", "c"]);
    const reordered = cat(yp, ["c", "b", "a"]);
    expect(accuracy(t, reordered)).toBe(accuracy(t, same));
    expect(f1(t, reordered, { average: "macro" })).toBe(f1(t, same, { average: "macro" }));
    // A predicted level the truth never had is a class of its own.
    const extra = cat(["a", "z", "c", "a", "b", "c", "a"], ["a", "c", "z", "b"]);
    expect(accuracy(t, extra)).toBeCloseTo(6 / 7, 15);
    expect(confusionMatrix(t, extra).names).toEqual(["a", "b", "c", "z"]);
  });

  it("reads boolean columns as the classes false/true and resolves posLabel by name", () => {
    const t = boolean(Int8Array.of(1, 0, 1, 1, 0));
    const p = boolean(Int8Array.of(1, 1, 0, 1, 0));
    expect(precision(t, p)).toBeCloseTo(2 / 3, 15);
    expect(precision(t, p, { posLabel: "true" })).toBe(precision(t, p));
    expect(precision(t, p, { posLabel: "false" })).toBeCloseTo(1 / 2, 15);
    expect(classificationReport(t, p).classes.map((c) => c.label)).toEqual(["false", "true"]);
  });

  it("fails clearly on missing labels, numeric labels, unknown or misplaced positive classes", () => {
    const t = cat(["a", "b"], ["a", "b"]);
    expect(() => accuracy(categorical(Int32Array.of(0, -1), ["a", "b"]), t)).toThrow(
      code("E_METRIC_MISSING_LABEL"),
    );
    expect(() => accuracy(numeric(Float64Array.of(1, 2)), t)).toThrow(code("E_METRIC_LABEL_TYPE"));
    expect(() => precision(t, t, { posLabel: "c" })).toThrow(code("E_METRIC_UNKNOWN_LABEL"));
    const three = Int32Array.of(0, 1, 2);
    expect(() => precision(three, three)).toThrow(code("E_METRIC_NOT_BINARY"));
    expect(() => accuracy(three, Int32Array.of(0, 1))).toThrow(/3 rows but yPred has 2/);
  });
});

describe("score and probability metrics: undefined cases are errors, not NaN", () => {
  it("ROC AUC needs both classes; one-vs-rest needs probabilities and every class", () => {
    expect(() => rocAuc(Int32Array.of(1, 1, 1), Float64Array.of(0.2, 0.5, 0.9))).toThrow(
      code("E_METRIC_UNDEFINED"),
    );
    const y = Int32Array.of(0, 1, 2, 1);
    const p = Float64Array.of(0.5, 0.3, 0.2, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6, 0.3, 0.3, 0.4);
    expect(rocAuc(y, p)).toBeGreaterThan(0.5);
    expect(() =>
      rocAuc(
        y,
        p.map((v) => v * 2),
      ),
    ).toThrow(/sum to/);
    expect(() => rocAuc(Int32Array.of(0, 1, 1, 1), p)).toThrow(code("E_METRIC_UNDEFINED"));
    expect(() => rocAuc(y, Float64Array.of(0.1, 0.2, 0.3))).toThrow(/3 values for 4 samples/);
    expect(() => averagePrecision(y, Float64Array.of(0.1, 0.2, 0.3, 0.4))).toThrow(
      code("E_METRIC_NOT_BINARY"),
    );
  });

  it("brier is binary with probabilities in [0, 1]; log loss needs a column per class", () => {
    expect(() => brierScore(Int32Array.of(0, 1, 2), Float64Array.of(0.1, 0.2, 0.3))).toThrow(
      code("E_METRIC_NOT_BINARY"),
    );
    expect(() => brierScore(Int32Array.of(0, 1), Float64Array.of(0.1, 1.2))).toThrow(/outside \[0, 1\]/);
    expect(() => logLoss(Int32Array.of(0, 2), Float64Array.of(0.5, 0.5, 0.5, 0.5))).toThrow(
      /no probability column/,
    );
    expect(logLoss(Int32Array.of(0, 1), Float64Array.of(1, 0, 0, 1))).toBeCloseTo(
      -Math.log(1 - Number.EPSILON),
      20,
    );
  });

  it("silhouette needs 2..n-1 clusters", () => {
    const X = { data: Float64Array.of(0, 1, 2, 3), nRows: 4, nCols: 1 };
    expect(() => silhouetteScore(X, Int32Array.of(0, 0, 0, 0))).toThrow(code("E_METRIC_UNDEFINED"));
    expect(() => silhouetteScore(X, Int32Array.of(0, 1, 2, 3))).toThrow(code("E_METRIC_UNDEFINED"));
    const frame = new Frame([["x", numeric(Float64Array.of(0, 1, 10, 11))]]);
    const matrix = { data: Float64Array.of(0, 1, 10, 11), nRows: 4, nCols: 1 };
    expect(silhouetteScore(frame, Int32Array.of(0, 0, 1, 1))).toBe(
      silhouetteScore(matrix, Int32Array.of(0, 0, 1, 1)),
    );
  });
});

describe("score()", () => {
  const classes = ["No", "Yes"];
  const yTrue = cat(["No", "Yes", "Yes", "No", "Yes"], classes);
  const proba = Float64Array.of(0.8, 0.2, 0.3, 0.7, 0.6, 0.4, 0.4, 0.6, 0.1, 0.9);

  it("derives labels from probabilities when none are given", () => {
    const fromProba = score("accuracy", yTrue, { proba, classes });
    const labels = cat(["No", "Yes", "No", "Yes", "Yes"], classes);
    expect(fromProba).toBe(score("accuracy", yTrue, { labels, classes }));
    expect(fromProba).toBeCloseTo(3 / 5, 15);
  });

  it("defaults the positive class to the second class and validates a given one", () => {
    const labels = cat(["No", "Yes", "No", "Yes", "Yes"], classes);
    expect(score("precision", yTrue, { labels, classes })).toBe(
      score("precision", yTrue, { labels, classes }, { positiveClass: "Yes" }),
    );
    expect(() => score("precision", yTrue, { labels, classes }, { positiveClass: "Maybe" })).toThrow(
      code("E_METRIC_UNKNOWN_LABEL"),
    );
  });

  it("says what is missing for the metric asked", () => {
    expect(() => score("log_loss", yTrue, { labels: yTrue, classes })).toThrow(code("E_METRIC_NEEDS_INPUT"));
    expect(() => score("rmse", null, { values: Float64Array.of(1) })).toThrow(code("E_METRIC_NEEDS_INPUT"));
    expect(() => score("silhouette", null, { labels: yTrue })).toThrow(/needs the features/);
    expect(() => score("mae", yTrue, { values: Float64Array.of(1, 2, 3, 4, 5) })).toThrow(/numeric target/);
    const unseen = cat(["No", "Maybe", "Yes", "No", "Yes"], ["Maybe", "No", "Yes"]);
    expect(() => score("log_loss", unseen, { proba, classes })).toThrow(/no predicted probability/);
    const three = cat(["a", "b", "c"], ["a", "b", "c"]);
    expect(() =>
      score("brier", three, { proba: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), classes: ["a", "b", "c"] }),
    ).toThrow(code("E_METRIC_NOT_BINARY"));
  });

  it("knows the direction of every spec metric", () => {
    const lower = metricNames.filter((m) => !greaterIsBetter(m));
    expect(lower.sort()).toEqual(["brier", "davies_bouldin", "log_loss", "mae", "mape", "mse", "rmse"]);
  });
});
