import { describe, expect, it } from "vitest";
import { categorical, Frame, numeric } from "../../src/core/frame.js";
import type { DatasetSchema } from "../../src/data/schema.js";
import {
  deriveExpectations,
  type Expectation,
  REFERENCE_ORIGIN,
  type ValidationReport,
  validate,
  validateOptionsFromSpec,
} from "../../src/validate/index.js";
import { churnSpec } from "./specs.js";

const cat = (values: ReadonlyArray<string | null>): ReturnType<typeof categorical> => {
  const levels = [...new Set(values.filter((v): v is string => v !== null))].sort();
  return categorical(
    Int32Array.from(values, (v) => (v === null ? -1 : levels.indexOf(v))),
    levels,
  );
};
const num = (values: ReadonlyArray<number>) => numeric(Float64Array.from(values));

/** Eight customers: c3 appears twice, notes are mostly missing but excluded. */
function customers(
  churn: ReadonlyArray<string | null> = ["No", "Yes", "No", "No", "Yes", "No", "No", "Yes"],
) {
  return Frame.fromColumns({
    customer_id: cat(["c1", "c2", "c3", "c4", "c3", "c6", "c7", "c8"]),
    churn: cat(churn),
    tenure: num([1, 34, 2, 45, 2, 8, 22, 10]),
    contract: cat([
      "Month-to-month",
      "One year",
      "Month-to-month",
      "One year",
      null,
      "Two year",
      "Month",
      "One year",
    ]),
    email: cat(["a@x", "b@x", "c@x", "d@x", "e@x", "f@x", "g@x", "h@x"]),
    notes: cat([null, null, null, "vip", null, null, null, null]),
  });
}

const spec = (overrides: Parameters<typeof churnSpec>[0] = {}) =>
  churnSpec({ features: { key: "customer_id", exclude: ["notes"] }, pii: ["email"], ...overrides });

function check(frame: Frame, s = spec(), reference?: DatasetSchema, labelled?: boolean): ValidationReport {
  return validate(
    frame,
    deriveExpectations(s, { columns: frame.names, reference, labelled }),
    validateOptionsFromSpec(s),
  );
}

const failed = (r: ValidationReport) => r.results.filter((x) => x.status === "failed");
const byLabel = (r: ValidationReport, label: string) => {
  const found = r.results.find((x) => x.label === label);
  if (!found) throw new Error(`no result labelled ${label}: ${r.results.map((x) => x.label).join("; ")}`);
  return found;
};

describe("deriveExpectations from the spec", () => {
  it("derives existence, target, key and missing-share checks", () => {
    const s = spec({
      validation: { maxMissingShare: 0.3, expectations: [{ expect: "unique", column: "email" }] },
    });
    const exps = deriveExpectations(s, { columns: customers().names });
    expect(exps).toEqual<Expectation[]>([
      { expect: "columnExists", column: "churn", origin: "target" },
      { expect: "columnExists", column: "notes", origin: "features.exclude" },
      { expect: "columnExists", column: "customer_id", origin: "features.key" },
      { expect: "columnExists", column: "email", origin: "pii" },
      { expect: "columnExists", column: "email", origin: "validation.expectations[0]" },
      { expect: "rowCount", min: 1, origin: "data" },
      { expect: "targetNoMissing", column: "churn", origin: "target" },
      { expect: "targetNotConstant", column: "churn", origin: "target" },
      { expect: "targetClasses", column: "churn", count: 2, positiveClass: "Yes", origin: "task" },
      { expect: "unique", column: "customer_id", origin: "features.key" },
      { expect: "maxMissingShare", column: "customer_id", share: 0, origin: "features.key" },
      // Features only: not the target, key, excluded notes or PII email.
      { expect: "maxMissingShare", column: "tenure", share: 0.3, origin: "validation.maxMissingShare" },
      { expect: "maxMissingShare", column: "contract", share: 0.3, origin: "validation.maxMissingShare" },
      { expect: "unique", column: "email", origin: "validation.expectations[0]" },
    ]);
  });

  it("reports a duplicate key with the rows involved", () => {
    const r = check(customers());
    expect(failed(r).map((x) => x.label)).toEqual(["unique(customer_id)"]);
    const dup = failed(r)[0];
    expect(dup.failingRows).toBe(1);
    expect(dup.examples).toEqual([{ row: 4, value: "c3", context: {}, duplicateOf: 2 }]);
    expect(dup.message).toBe(
      "`customer_id` is not unique: 1 of 8 rows (12.5%) repeat a value of an earlier row",
    );
    expect(r.ok).toBe(false);
  });

  it("names the spec field of an unknown column and suggests the closest one", () => {
    const s = spec({
      features: { key: "customer_id", exclude: ["tenur", "notes"] },
      pii: ["Email"],
      validation: {
        maxMissingShare: 0.5,
        expectations: [
          { expect: "range", column: "tenrue", min: 0 },
          { expect: "columnExists", column: "contrcat" },
        ],
      },
    });
    const r = check(
      customers()
        .drop(["customer_id"])
        .with({ customer_id: cat("abcdefgh".split("")) }),
      s,
    );
    const messages = failed(r).map((x) => x.message);
    expect(messages).toEqual([
      "features.exclude names column `tenur`, which the data does not have; did you mean `tenure`?",
      "pii names column `Email`, which the data does not have; did you mean `email`?",
      "validation.expectations[0] names column `tenrue`, which the data does not have; did you mean `tenure`?",
      "validation.expectations[1] names column `contrcat`, which the data does not have; did you mean `contract`?",
    ]);
    expect(byLabel(r, "range(tenrue, 0..+inf)").status).toBe("skipped");
  });

  it("fails a target with a single class", () => {
    const r = check(customers(Array(8).fill("No")));
    expect(byLabel(r, "targetNotConstant(churn)").message).toBe(
      'target `churn` has the single value "No" in every labelled row: there is nothing to learn',
    );
    expect(byLabel(r, 'targetClasses(churn, 2 classes, positive "Yes")').message).toBe(
      'target `churn` has 1 class, expected exactly 2: "No" (8); positiveClass "Yes" is not a value of target `churn`, whose values are "No" (8)',
    );
  });

  it("fails a target with missing values, listing the rows", () => {
    const r = check(customers(["No", null, "Yes", "No", null, "No", "Yes", null]));
    const t = byLabel(r, "targetNoMissing(churn)");
    expect([t.status, t.failingRows, t.failingShare]).toEqual(["failed", 3, 3 / 8]);
    expect(t.examples).toEqual([
      { row: 1, value: null, context: { customer_id: "c2" } },
      { row: 4, value: null, context: { customer_id: "c3" } },
      { row: 7, value: null, context: { customer_id: "c8" } },
    ]);
  });

  it("fails a binary target with three classes", () => {
    const r = check(customers(["No", "Yes", "Maybe", "No", "Yes", "No", "No", "Yes"]));
    expect(byLabel(r, 'targetClasses(churn, 2 classes, positive "Yes")').message).toBe(
      'target `churn` has 3 classes, expected exactly 2: "Maybe" (1), "No" (4), "Yes" (3)',
    );
  });

  it("leaves target checks out for clustering and for unlabelled data, and types a regression target", () => {
    const frame = customers();
    const kinds = (exps: Expectation[]) =>
      exps.filter((e) => "column" in e && e.column === "churn").map((e) => e.expect);
    // Without a target, clustering treats churn as an ordinary feature.
    const clustering = deriveExpectations(
      spec({
        task: "clustering",
        target: undefined,
        positiveClass: undefined,
        metric: { primary: "silhouette", threshold: 0.25 },
      }),
      {
        columns: frame.names,
      },
    );
    expect(kinds(clustering)).toEqual(["maxMissingShare"]);
    expect(kinds(deriveExpectations(spec(), { columns: frame.names, labelled: false }))).toEqual([]);
    const regression = check(
      frame,
      spec({ task: "regression", positiveClass: undefined, metric: { primary: "r2", threshold: 0.5 } }),
    );
    expect(byLabel(regression, "type(churn is numeric)").message).toBe(
      "`churn` is categorical, expected numeric: 8 of 8 rows (100%) hold values that are not numbers",
    );
  });

  it("lets the user's own missing-share cap replace the default for a column", () => {
    const frame = customers();
    const s = spec({
      validation: {
        maxMissingShare: 0.05,
        expectations: [{ expect: "maxMissingShare", column: "contract", share: 0.2 }],
      },
    });
    const caps = deriveExpectations(s, { columns: frame.names }).filter(
      (e) => e.expect === "maxMissingShare" && e.column === "contract",
    );
    expect(caps).toEqual([
      { expect: "maxMissingShare", column: "contract", share: 0.2, origin: "validation.expectations[0]" },
    ]);
    expect(byLabel(check(frame, s), "maxMissingShare(contract <= 0.2)").status).toBe("passed");
  });
});

describe("deriveExpectations with a reference schema", () => {
  /** The training-time schema: contract had two levels, tenure 0..40. */
  const reference: DatasetSchema = {
    nRows: 100,
    columns: [
      { name: "customer_id", type: "categorical", nullable: false, missingShare: 0, distinctCount: 100 },
      {
        name: "churn",
        type: "categorical",
        nullable: false,
        missingShare: 0,
        distinctCount: 2,
        levels: ["No", "Yes"],
      },
      {
        name: "tenure",
        type: "numeric",
        nullable: false,
        missingShare: 0,
        distinctCount: 40,
        min: 0,
        max: 40,
      },
      {
        name: "contract",
        type: "categorical",
        nullable: true,
        missingShare: 0.1,
        distinctCount: 2,
        levels: ["Month-to-month", "One year"],
      },
      { name: "email", type: "categorical", nullable: false, missingShare: 0, distinctCount: 100 },
      { name: "notes", type: "numeric", nullable: true, missingShare: 0.9, distinctCount: 3, min: 0, max: 1 },
      {
        name: "region",
        type: "categorical",
        nullable: false,
        missingShare: 0,
        distinctCount: 3,
        levels: ["N", "S"],
      },
    ],
  };
  const unique = (f: Frame) => f.drop(["customer_id"]).with({ customer_id: cat("abcdefgh".split("")) });

  it("warns on unseen categories and values outside the training range", () => {
    const frame = unique(customers()).with({ region: cat(["N", "S", "N", "N", "S", "S", "N", "N"]) });
    const r = check(frame, spec(), reference);
    expect(r.ok).toBe(true);
    const levels = byLabel(r, 'allowedValues(contract in ["Month-to-month", "One year"])');
    expect([levels.status, levels.severity, levels.origin, levels.failingRows]).toEqual([
      "failed",
      "warning",
      REFERENCE_ORIGIN,
      2,
    ]);
    expect(levels.examples.map((e) => [e.row, e.value])).toEqual([
      [5, "Two year"],
      [6, "Month"],
    ]);
    expect(levels.message).toContain('"Month" (1), "Two year" (1)');
    const range = byLabel(r, "range(tenure, 0..40)");
    expect([range.severity, range.failingRows, range.examples.map((e) => e.value)]).toEqual([
      "warning",
      1,
      [45],
    ]);
    // The excluded column changed type and PII is not a feature: neither is checked against the reference.
    expect(
      r.results.some(
        (x) =>
          x.expectation.origin === REFERENCE_ORIGIN &&
          "column" in x.expectation &&
          ["notes", "email"].includes(x.expectation.column),
      ),
    ).toBe(false);
  });

  it("fails on a changed type or a missing column", () => {
    const frame = unique(customers()).with({ tenure: cat(["1", "34", "2", "45", "?", "8", "22", "10"]) });
    const r = check(frame, spec(), reference);
    expect(r.ok).toBe(false);
    expect(
      failed(r)
        .filter((x) => x.severity === "error")
        .map((x) => x.message),
    ).toEqual([
      "`tenure` is categorical, expected numeric: 1 of 8 rows (12.5%) hold values that are not numbers",
      "column `region` was in the reference (training) data but is missing here",
    ]);
    expect(byLabel(r, "type(tenure is numeric)").examples).toEqual([
      { row: 4, value: "?", context: { customer_id: "e" } },
    ]);
    expect(byLabel(r, "range(tenure, 0..40)").message).toBe(
      "range applies to numeric or datetime columns, but `tenure` is categorical",
    );
  });

  it("does not ask unlabelled data for the target", () => {
    const frame = unique(customers())
      .drop(["churn"])
      .with({ region: cat(["N", "S", "N", "N", "S", "S", "N", "N"]) });
    const r = check(frame, spec(), reference, false);
    expect(r.results.filter((x) => "column" in x.expectation && x.expectation.column === "churn")).toEqual(
      [],
    );
    expect(failed(r).filter((x) => x.severity === "error")).toEqual([]);
  });
});
