import { describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { boolean, categorical, numeric } from "../../src/core/frame.js";
import {
  choosePositiveClass,
  defaultMetric,
  defaultModels,
  fieldDocs,
  inferTask,
  metricDirection,
  parseSpec,
  renderSpec,
  specNameFrom,
  type Task,
} from "../../src/spec/index.js";
import { loadFixture } from "../support/fixtures.js";

const churn = loadFixture("../../examples/churn/wa_churn.csv");

function thrown(fn: () => unknown): MlshipError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MlshipError);
    return err as MlshipError;
  }
  throw new Error("expected an error");
}

describe("inferTask on real columns", () => {
  it("churn Yes/No -> binary, positive class Yes", () => {
    const target = churn.column("churn");
    expect(inferTask(target, "churn")).toEqual({
      task: "binary",
      reason: '2 distinct values ("No", "Yes") -> binary classification',
    });
    expect(choosePositiveClass(target).value).toBe("Yes");
  });

  it("penguins species -> multiclass", () => {
    const r = inferTask(loadFixture("penguins.csv").column("species"), "species");
    expect(r.task).toBe("multiclass");
    expect(r.reason).toBe(
      '3 distinct text values ("Adelie", "Chinstrap", "Gentoo") -> multiclass classification',
    );
  });

  it("float target -> regression", () => {
    const r = inferTask(loadFixture("concrete.csv").column("compressive_strength"), "compressive_strength");
    expect(r).toEqual({ task: "regression", reason: "numbers with fractional values -> regression" });
  });

  it("whole numbers: many distinct values are a quantity, few are labels", () => {
    // diabetes progression: 214 distinct integers in 442 rows.
    const diabetes = inferTask(loadFixture("diabetes.csv").column("target"), "target");
    expect(diabetes.task).toBe("regression");
    expect(diabetes.reason).toBe(
      "more than 20 distinct whole numbers (25..346) in 442 rows -> regression (a quantity, not labels)",
    );
    // digits: 10 labels in 1797 rows.
    const digits = inferTask(loadFixture("digits.csv").column("target"), "target");
    expect(digits.task).toBe("multiclass");
    expect(digits.reason).toContain("10 distinct whole numbers (0..9) in 1797 rows");
    // 7 distinct whole numbers in 100 rows is more than 5% of the rows: a small-sample quantity.
    const small = numeric(Float64Array.from({ length: 100 }, (_, i) => i % 7));
    expect(inferTask(small, "x").task).toBe("regression");
  });

  it("0/1 numbers -> binary, positive class 1", () => {
    const target = loadFixture("breast_cancer.csv").column("target");
    expect(inferTask(target, "target").task).toBe("binary");
    expect(choosePositiveClass(target).value).toBe(1);
  });

  it("without a yes-like value the minority class is positive", () => {
    const status = loadFixture("credit_data.csv").column("Status");
    expect(inferTask(status, "Status").task).toBe("binary");
    expect(choosePositiveClass(status)).toEqual({
      value: "bad",
      reason: '"bad" is the minority class (28.2% of rows), usually the event to find',
    });
  });

  it("boolean target -> binary, positive class true", () => {
    const target = boolean(Int8Array.from([1, 0, 0, 1, 0]));
    expect(inferTask(target, "left").task).toBe("binary");
    expect(choosePositiveClass(target).value).toBe(true);
  });

  it("a constant target is an error", () => {
    // The first 152 penguins are all Adelie.
    const adelie = loadFixture("penguins.csv").slice(0, 152).column("species");
    const err = thrown(() => inferTask(adelie, "species"));
    expect(err.code).toBe("E_INIT_TARGET_CONSTANT");
    expect(err.what).toBe('target column "species" has a single value ("Adelie") in all 152 rows');
    expect(err.fix).toContain("--target");
  });

  it("missing target values are an error naming the count", () => {
    const err = thrown(() => inferTask(loadFixture("penguins.csv").column("sex"), "sex"));
    expect(err.code).toBe("E_INIT_TARGET_MISSING");
    expect(err.what).toBe('target column "sex" has 11 missing values (3.2% of 344 rows)');
    expect(err.fix).toContain("drop them");
  });

  it("dates and identifiers are not targets", () => {
    const dates = { type: "datetime" as const, values: Float64Array.from([0, 86_400_000]) };
    expect(thrown(() => inferTask(dates, "signup")).code).toBe("E_INIT_TARGET_TYPE");
    const ids = Array.from({ length: 60 }, (_, i) => `c${i}`);
    const idColumn = categorical(
      Int32Array.from(ids, (_, i) => i),
      ids,
    );
    expect(thrown(() => inferTask(idColumn, "customer")).code).toBe("E_INIT_TARGET_TOO_MANY_CLASSES");
  });
});

describe("defaults", () => {
  it("metric per task", () => {
    const pick = (t: Task) => {
      const m = defaultMetric(t);
      return [m.primary, m.threshold];
    };
    expect(pick("binary")).toEqual(["roc_auc", 0.75]);
    expect(pick("multiclass")).toEqual(["f1_macro", 0.7]);
    expect(pick("regression")).toEqual(["r2", 0.7]);
    expect(pick("clustering")).toEqual(["silhouette", 0.25]);
  });

  it("models per task", () => {
    expect(defaultModels("binary").map((m) => m.kind)).toEqual([
      "logisticRegression",
      "decisionTreeClassifier",
      "randomForestClassifier",
    ]);
    expect(defaultModels("regression").map((m) => m.kind)).toEqual([
      "ridge",
      "decisionTreeRegressor",
      "randomForestRegressor",
    ]);
    expect(defaultModels("clustering").map((m) => m.kind)).toEqual(["kMeans"]);
  });

  it("spec name from a data file", () => {
    expect(specNameFrom("data/wa_churn.csv")).toBe("wa_churn");
    expect(specNameFrom("C:\\data\\My Customers (2024).csv")).toBe("My_Customers_2024_");
    expect(specNameFrom("___.csv")).toBe("model");
  });
});

describe("renderSpec", () => {
  const target = churn.column("churn");
  const inferred = inferTask(target, "churn");
  const positive = choosePositiveClass(target);
  const text = renderSpec({
    name: "wa_churn",
    task: inferred.task,
    target: "churn",
    positiveClass: positive.value,
    dataPath: "wa_churn.csv",
    exclude: ["customer id"],
    reasons: { task: inferred.reason, positiveClass: positive.reason },
  });

  it("parses back into a valid spec with the chosen values", () => {
    const spec = parseSpec(text);
    expect(spec).toMatchObject({
      name: "wa_churn",
      task: "binary",
      target: "churn",
      positiveClass: "Yes",
      metric: { primary: "roc_auc", threshold: 0.75 },
      data: { sources: [{ kind: "file", path: "wa_churn.csv" }] },
      features: { exclude: ["customer id"] },
      pii: [],
      split: { holdout: 0.2, folds: 5, stratify: true, seed: 42 },
      constraints: {},
    });
    expect(spec.models.map((m) => [m.kind, m.params])).toEqual([
      ["logisticRegression", { c: 1, maxIter: 1000 }],
      ["decisionTreeClassifier", { maxDepth: 6 }],
      ["randomForestClassifier", { nEstimators: 200 }],
    ]);
    expect(spec.objective.business).toMatch(/^TODO: /);
  });

  it("keeps its comments: schema hint, every section, the reasons", () => {
    const lines = text.split("\n");
    expect(lines[0]).toBe("# yaml-language-server: $schema=./node_modules/mlship/schema/mlship.schema.json");
    for (const field of [
      "name",
      "objective",
      "task",
      "target",
      "metric",
      "data",
      "features",
      "pii",
      "split",
    ] as const) {
      const at = lines.findIndex((l) => l.startsWith(`${field}:`));
      expect(at, field).toBeGreaterThan(0);
      const above = lines.slice(0, at).reverse();
      expect(above.find((l) => !l.startsWith("# Inferred") && !l.startsWith("# Chosen"))).toContain(
        `# ${fieldDocs[field]}`,
      );
    }
    expect(text).toContain('# Inferred: 2 distinct values ("No", "Yes") -> binary classification.');
    expect(text).toContain('# Chosen because "Yes" names the event.');
    expect(text).toContain("# constraints:\n#   latencyP95Ms: 50");
  });

  it("round trips for every task", () => {
    for (const task of ["binary", "multiclass", "regression", "clustering"] as const) {
      const spec = parseSpec(
        renderSpec({
          name: "t",
          task,
          ...(task === "clustering" ? {} : { target: "y" }),
          dataPath: "../data/my data.csv",
          objective: { business: "Say: why", kpi: "#1 KPI" },
          key: "id",
          pii: ["email"],
        }),
      );
      expect(spec.task).toBe(task);
      expect(spec.metric.primary).toBe(defaultMetric(task).primary);
      expect(metricDirection(spec)).toBe("maximize");
      expect(spec.split.stratify).toBe(task === "binary" || task === "multiclass");
      expect(spec.data.sources[0]).toEqual({ kind: "file", path: "../data/my data.csv" });
      expect(spec.objective).toEqual({ business: "Say: why", kpi: "#1 KPI" });
      expect([spec.features.key, spec.pii]).toEqual(["id", ["email"]]);
      expect(spec.models.map((m) => m.kind)).toEqual(defaultModels(task).map((m) => m.kind));
    }
  });

  it("quotes values a YAML reader would mistake for booleans or numbers", () => {
    for (const positiveClass of ["yes", "No", "on", "1", "1.5e3", "null"]) {
      const spec = parseSpec(
        renderSpec({ name: "t", task: "binary", target: "y", positiveClass, dataPath: "d.csv" }),
      );
      expect(spec.positiveClass).toBe(positiveClass);
    }
    const numeric = parseSpec(
      renderSpec({ name: "t", task: "binary", target: "y", positiveClass: 1, dataPath: "d.csv" }),
    );
    expect(numeric.positiveClass).toBe(1);
  });

  it("refuses a supervised task without a target", () => {
    expect(thrown(() => renderSpec({ name: "t", task: "binary", dataPath: "d.csv" })).code).toBe(
      "E_INIT_NO_TARGET",
    );
  });
});
