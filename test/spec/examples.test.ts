import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Column, cellValue, columnLength, isMissing } from "../../src/core/frame.js";
import { type Expectation, loadSpec, metricDirection } from "../../src/spec/index.js";
import { loadFixture } from "../support/fixtures.js";

const examples = new URL("../../examples/", import.meta.url);
const specOf = (name: string) => loadSpec(fileURLToPath(new URL(`${name}/mlship.yaml`, examples)));

/**
 * Whether one expectation holds on a column, checked directly (not through the validate layer, so an
 * example can never rely on a bug there). Only the kinds the examples use.
 */
function holds(e: Expectation, data: ReturnType<typeof loadFixture>): boolean {
  if (e.expect === "rowCount") return data.nRows >= (e.min ?? 0) && data.nRows <= (e.max ?? Infinity);
  const col: Column = data.column(e.column);
  const n = columnLength(col);
  const present = Array.from({ length: n }, (_, i) => i).filter((i) => !isMissing(col, i));
  switch (e.expect) {
    case "range":
      return present.every((i) => {
        const v = cellValue(col, i) as number;
        return v >= (e.min ?? -Infinity) && v <= (e.max ?? Infinity);
      });
    case "allowedValues":
      return present.every((i) => e.values.includes(cellValue(col, i) as string));
    case "maxMissingShare":
      return (n - present.length) / n <= e.share;
    case "type":
      return col.type === e.type;
    default:
      throw new Error(`examples use an expectation this test does not check: ${e.expect}`);
  }
}

describe("example specs", () => {
  it("churn: binary on wa_churn.csv", () => {
    const spec = specOf("churn");
    expect(spec).toMatchObject({
      task: "binary",
      target: "churn",
      positiveClass: "Yes",
      metric: { primary: "roc_auc", threshold: 0.8, secondary: ["f1", "accuracy", "log_loss"] },
      data: { sources: [{ kind: "file", path: "wa_churn.csv" }] },
      pii: [],
      split: { holdout: 0.2, folds: 5, seed: 42 },
      constraints: { latencyP95Ms: 50, maxModelBytes: 50_000_000 },
    });
    expect(spec.models.map((m) => [m.kind, m.params])).toEqual([
      ["logisticRegression", { c: 1, maxIter: 1000 }],
      ["randomForestClassifier", { nEstimators: 200 }],
      ["decisionTreeClassifier", { maxDepth: 6 }],
    ]);
    expect(metricDirection(spec)).toBe("maximize");
  });

  it("ames: regression on ames.csv", () => {
    const spec = specOf("ames");
    expect(spec).toMatchObject({
      task: "regression",
      target: "Sale_Price",
      metric: { primary: "r2", threshold: 0.85, secondary: ["rmse", "mae"] },
      data: { sources: [{ kind: "file", path: "ames.csv" }] },
    });
    expect(spec.models.map((m) => [m.kind, m.params])).toEqual([
      ["ridge", { alpha: 1 }],
      ["randomForestRegressor", { nEstimators: 100 }],
    ]);
  });

  for (const name of ["churn", "ames"]) {
    it(`${name}: every expectation holds on the example's data`, () => {
      const spec = specOf(name);
      const source = spec.data.sources[0];
      if (source.kind !== "file") throw new Error("examples read files");
      const data = loadFixture(`../../examples/${name}/${source.path}`);
      expect(data.has(spec.target!)).toBe(true);
      expect(spec.validation.expectations.length).toBeGreaterThan(3);
      for (const e of spec.validation.expectations) expect(holds(e, data), JSON.stringify(e)).toBe(true);
      for (const column of data.names) {
        const col = data.column(column);
        const missing = Array.from({ length: data.nRows }, (_, i) => isMissing(col, i)).filter(
          Boolean,
        ).length;
        expect(missing / data.nRows, column).toBeLessThanOrEqual(spec.validation.maxMissingShare);
      }
    });
  }
});
