import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import type { Frame } from "../../src/core/frame.js";
import type { DatasetSchema } from "../../src/data/schema.js";
import type { Expectation as SpecExpectation } from "../../src/spec/schema.js";
import {
  assertValid,
  deriveExpectations,
  type Expectation,
  formatReport,
  REFERENCE_ORIGIN,
  ValidationError,
  validate,
} from "../../src/validate/index.js";
import { fixturePath, loadFixture } from "../support/fixtures.js";
import { churnSpec } from "./specs.js";

const frame = loadFixture("wa_churn.csv");

/** The raw CSV cells, read without the fixture loader, for counting failures independently. */
const raw = (() => {
  const lines = readFileSync(fixturePath("wa_churn.csv"), "utf8").trim().split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.replaceAll('"', ""));
  const rows = lines.slice(1).map((l) => l.split(",").map((c) => c.replaceAll('"', "")));
  return (name: string): string[] => {
    const j = header.indexOf(name);
    return rows.map((r) => r[j]);
  };
})();

function rowsWhere(column: string, fails: (cell: string) => boolean): number[] {
  const out: number[] = [];
  raw(column).forEach((cell, i) => {
    if (fails(cell)) out.push(i);
  });
  return out;
}

const holding: SpecExpectation[] = [
  { expect: "rowCount", min: 7000, max: 8000 },
  { expect: "type", column: "tenure", type: "numeric" },
  { expect: "range", column: "tenure", min: 0, max: 72 },
  { expect: "range", column: "monthly_charges", min: 18, max: 119 },
  { expect: "allowedValues", column: "contract", values: ["Month-to-month", "One year", "Two year"] },
  { expect: "allowedValues", column: "female", values: [0, 1] },
  {
    expect: "pattern",
    column: "payment_method",
    regex: "^(Bank transfer|Credit card|Electronic check|Mailed check)",
  },
  { expect: "maxMissingShare", column: "total_charges", share: 0.01 },
  { expect: "columnExists", column: "internet_service" },
];

describe("validating the churn data", () => {
  it("passes the spec-derived checks and the expectations that hold", () => {
    const spec = churnSpec({ validation: { maxMissingShare: 0.5, expectations: holding } });
    const exps = deriveExpectations(spec, { columns: frame.names });
    const report = assertValid(frame, exps);
    expect(report.ok).toBe(true);
    expect(report.results.filter((r) => r.status !== "passed")).toEqual([]);
    expect([report.nRows, report.nColumns, report.summary.passed]).toEqual([7043, 20, exps.length]);
    expect(
      report.results.find((r) => r.label === "maxMissingShare(total_charges <= 0.01)")?.failingRows,
    ).toBe(11);
  });

  it("fails each kind with the independently counted rows and the first five as examples", () => {
    const cases: Array<{ e: SpecExpectation; column: string; fails: (cell: string) => boolean }> = [
      {
        e: { expect: "maxMissingShare", column: "total_charges", share: 0 },
        column: "total_charges",
        fails: (c) => c === "",
      },
      { e: { expect: "range", column: "tenure", min: 1 }, column: "tenure", fails: (c) => Number(c) < 1 },
      {
        e: { expect: "range", column: "monthly_charges", min: 20, max: 100 },
        column: "monthly_charges",
        fails: (c) => Number(c) < 20 || Number(c) > 100,
      },
      {
        e: {
          expect: "allowedValues",
          column: "payment_method",
          values: ["Electronic check", "Mailed check"],
        },
        column: "payment_method",
        fails: (c) => c !== "Electronic check" && c !== "Mailed check",
      },
      {
        e: { expect: "pattern", column: "contract", regex: "^Month" },
        column: "contract",
        fails: (c) => !c.startsWith("Month"),
      },
      {
        e: { expect: "allowedValues", column: "senior_citizen", values: [0] },
        column: "senior_citizen",
        fails: (c) => c !== "0",
      },
    ];
    const report = validate(
      frame,
      cases.map((c) => c.e),
    );
    cases.forEach(({ column, fails }, k) => {
      const expected = rowsWhere(column, fails);
      const r = report.results[k];
      expect(expected.length).toBeGreaterThan(5);
      expect([r.label, r.status, r.failingRows]).toEqual([r.label, "failed", expected.length]);
      expect(r.failingShare).toBeCloseTo(expected.length / 7043, 12);
      expect(r.examples.map((x) => x.row)).toEqual(expected.slice(0, 5));
      const cells = raw(column);
      expect(r.examples.map((x) => x.value)).toEqual(
        expected
          .slice(0, 5)
          .map((i) =>
            cells[i] === "" ? null : frame.column(column).type === "numeric" ? Number(cells[i]) : cells[i],
          ),
      );
    });
    expect(report.results[0].failingRows).toBe(11); // the 11 new customers without total charges
  });

  it("counts repeated values of a non-key column", () => {
    const charges = raw("monthly_charges").map(Number);
    const seen = new Map<number, number>();
    const repeats: Array<[number, number]> = [];
    charges.forEach((v, i) => {
      if (seen.has(v)) repeats.push([i, seen.get(v)!]);
      else seen.set(v, i);
    });
    const r = validate(frame, [{ expect: "unique", column: "monthly_charges" }]).results[0];
    expect(r.failingRows).toBe(repeats.length);
    expect(r.examples.map((x) => [x.row, x.duplicateOf])).toEqual(repeats.slice(0, 5));
  });

  it("checks later rows against a reference schema taken from earlier ones", () => {
    const train = frame.slice(0, 3500);
    const fresh = frame.slice(3500);
    const reference = schemaOf(train);
    const spec = churnSpec({ features: { include: ["tenure", "monthly_charges", "contract"], exclude: [] } });
    const report = validate(fresh, deriveExpectations(spec, { columns: fresh.names, reference }));
    const fromReference = report.results.filter((r) => r.origin === REFERENCE_ORIGIN);
    expect(fromReference.map((r) => r.label)).toEqual([
      "columnExists(churn)",
      "type(churn is categorical)",
      'allowedValues(churn in ["No", "Yes"])',
      "columnExists(tenure)",
      "type(tenure is numeric)",
      `range(tenure, ${reference.columns[5].min}..${reference.columns[5].max})`,
      "columnExists(contract)",
      "type(contract is categorical)",
      'allowedValues(contract in ["Month-to-month", "One year", "Two year"])',
      "columnExists(monthly_charges)",
      "type(monthly_charges is numeric)",
      `range(monthly_charges, ${reference.columns[18].min}..${reference.columns[18].max})`,
    ]);
    const { min, max } = reference.columns[18] as { min: number; max: number };
    const outside = rowsWhere("monthly_charges", (c) => Number(c) < min || Number(c) > max).filter(
      (i) => i >= 3500,
    );
    const range = fromReference[11];
    expect(outside.length).toBeGreaterThan(0);
    expect([range.status, range.severity, range.failingRows]).toEqual(["failed", "warning", outside.length]);
    expect(range.examples.map((x) => x.row + 3500)).toEqual(outside.slice(0, 5));
    expect(report.ok).toBe(true);
  });
});

/** A DatasetSchema computed with plain loops over the rows, standing in for the data layer's. */
function schemaOf(f: Frame): DatasetSchema {
  const rows = f.rows();
  return {
    nRows: f.nRows,
    columns: f.names.map((name) => {
      const col = f.column(name);
      const values = rows.map((r) => r[name]).filter((v) => v !== null);
      const base = {
        name,
        type: col.type,
        nullable: values.length < rows.length,
        missingShare: 1 - values.length / rows.length,
        distinctCount: new Set(values).size,
      };
      if (col.type === "categorical") return { ...base, levels: [...new Set(values as string[])].sort() };
      const nums = values as number[];
      return { ...base, min: Math.min(...nums), max: Math.max(...nums) };
    }),
  };
}

describe("the report", () => {
  const spec = churnSpec({
    features: { exclude: ["tenur"] },
    validation: {
      maxMissingShare: 0.5,
      expectations: [
        { expect: "maxMissingShare", column: "total_charges", share: 0 },
        { expect: "range", column: "tenure", min: 0, max: 70 },
      ],
    },
  });
  const exps: Expectation[] = deriveExpectations(spec, { columns: frame.names });
  exps[exps.length - 1] = { ...exps[exps.length - 1], severity: "warning" };
  const report = validate(frame, exps, { keyColumns: ["contract"] });
  const tenureOver70 = rowsWhere("tenure", (c) => Number(c) > 70);

  it("lists each failing expectation with its count and examples", () => {
    const text = formatReport(report);
    const expected = [
      "Validation FAILED: 2 errors, 1 warning",
      `7043 rows, 20 columns; ${exps.length - 3} of ${exps.length} expectations passed, 3 failed, 0 skipped`,
      "",
      "ERROR   columnExists(tenur)  [from features.exclude]",
      "        features.exclude names column `tenur`, which the data does not have; did you mean `tenure`?",
      "",
      "ERROR   maxMissingShare(total_charges <= 0)  [from validation.expectations[0]]",
      "        `total_charges` is missing in 11 of 7043 rows (0.16%), more than the allowed 0%",
      "        examples (5 of 11):",
      '          row  488: total_charges = null  (contract = "Two year")',
      '          row  753: total_charges = null  (contract = "Two year")',
    ];
    expect(text.split("\n").slice(0, expected.length)).toEqual(expected);
    expect(text).toContain("WARNING range(tenure, 0..70)  [from validation.expectations[1]]");
    expect(text).toContain(
      `\`tenure\` is not within [0, 70] in ${tenureOver70.length} of 7043 rows (${((tenureOver70.length / 7043) * 100).toFixed(2)}%)`,
    );
    expect(text).toContain(`examples (5 of ${tenureOver70.length}):`);
    const first = tenureOver70[0];
    expect(text).toMatch(new RegExp(`row +${first}: tenure = ${raw("tenure")[first]}  \\(contract = "`));
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("stops a run with a ValidationError carrying the report", () => {
    let caught: unknown;
    try {
      assertValid(frame, exps, { keyColumns: ["contract"] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toBeInstanceOf(MlshipError);
    const err = caught as ValidationError;
    expect(err.code).toBe("E_VALIDATION");
    expect(err.what).toBe(
      "the data failed 2 validation checks: columnExists(tenur), maxMissingShare(total_charges <= 0)",
    );
    expect(err.data).toEqual(report);
    expect(err.message).toContain(formatReport(report));
    expect(JSON.parse(JSON.stringify(err)).data).toEqual(report);
  });
});
