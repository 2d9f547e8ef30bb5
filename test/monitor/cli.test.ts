/**
 * `mlship drift` on real files: the churn example split in two halves, the second with monthly charges
 * raised 15% (a price rise), as CSV and as Parquet-free JSON; and the errors a user can run into.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "../cli/helpers.js";
import { expectNoStack, expectUserError, run } from "../cli/run.js";

afterAll(removeTempDirs);

const churn = fileURLToPath(new URL("../../examples/churn/wa_churn.csv", import.meta.url));

let dir: string;

beforeAll(() => {
  dir = tempDir();
  const [header, ...rows] = readFileSync(churn, "utf8").trimEnd().split("\n");
  const names = header.split(",").map((h) => h.replaceAll('"', ""));
  const charges = names.indexOf("monthly_charges");
  const half = Math.floor(rows.length / 2);
  const raised = rows.slice(half).map((line) => {
    // No quoted field in this file holds a comma, so a plain split is exact.
    const cells = line.split(",");
    cells[charges] = (Number(cells[charges]) * 1.15).toFixed(2);
    return cells.join(",");
  });
  writeFileSync(join(dir, "reference.csv"), [header, ...rows.slice(0, half)].join("\n"));
  writeFileSync(join(dir, "current.csv"), [header, ...raised].join("\n"));
  writeFileSync(join(dir, "same.csv"), [header, ...rows.slice(half)].join("\n"));
  // monthly_charges as text in one file: a type mismatch.
  writeFileSync(
    join(dir, "text.csv"),
    [header, ...rows.slice(half, half + 50)].join("\n").replace(/,(\d+\.\d+),([\d.]*)$/m, ",n/a,$2"),
  );
  writeFileSync(join(dir, "other.csv"), "a,b\n1,2\n3,4\n");
  // The reference's first rows as JSON records, for a second file format.
  const records = rows.slice(0, 300).map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(names.map((n, j) => [n, JSON.parse(cells[j])]));
  });
  writeFileSync(join(dir, "reference.json"), JSON.stringify(records));
});

describe.concurrent("mlship drift", () => {
  it("finds the shifted feature, prints a table and a one-line verdict", async () => {
    const r = await run(["drift", "--reference", "reference.csv", "--current", "current.csv"], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("");
    expectNoStack(r);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^column\s+type\s+test\s+statistic\s+p-value\s+drift when\s+drifted\s+missing/);
    expect(r.stderr).toMatch(/^monthly_charges\s+numeric\s+wasserstein\s+0\.\d+\s+>= 0\.1\s+DRIFT/m);
    expect(r.stderr).toMatch(/^tenure\s+numeric\s+wasserstein\s+0\.\d+\s+>= 0\.1\s+no/m);
    expect(r.stderr).toMatch(/^contract\s+categorical\s+jensenshannon\s/m);
    expect(lines.at(-1)).toBe("no dataset drift: 1 of 20 features drifted (5.0%; dataset drift at 50.0%)");
  });

  it("--json prints only the report on stdout", async () => {
    const r = await run(["drift", "--reference", "reference.csv", "--current", "current.csv", "--json"], dir);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ testedCount: 20, driftedCount: 1, share: 0.05, datasetDrift: false });
    const charges = report.features.find((f: { column: string }) => f.column === "monthly_charges");
    expect(charges).toMatchObject({ type: "numeric", test: "wasserstein", threshold: 0.1, drifted: true });
    expect(charges.distance).toBeGreaterThan(0.1);
    expect(charges.pValue).toBeUndefined();
    const total = report.features.find((f: { column: string }) => f.column === "total_charges");
    expect(total.referenceMissingShare).toBeGreaterThan(0);
  });

  it("the same distribution does not drift; tests, thresholds and columns are selectable", async () => {
    const r = await run(
      [
        "drift",
        "--reference",
        "reference.csv",
        "--current",
        "same.csv",
        "--columns",
        "monthly_charges,tenure,contract",
        "--test",
        "tenure=ks",
        "--test",
        "contract=chisquare",
        "--threshold",
        "monthly_charges=0.2",
        "--json",
      ],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(
      report.features.map((f: { column: string; test: string; threshold: number }) => [
        f.column,
        f.test,
        f.threshold,
      ]),
    ).toEqual([
      ["monthly_charges", "wasserstein", 0.2],
      ["tenure", "ks", 0.05],
      ["contract", "chisquare", 0.05],
    ]);
    expect(report.features[1].pValue).toBeGreaterThan(0.05);
    expect(report.datasetDrift).toBe(false);
  });

  it("reads other formats through the data layer and honours --exclude and --drift-share", async () => {
    const r = await run(
      [
        "drift",
        "--reference",
        "reference.json",
        "--current",
        "current.csv",
        "--exclude",
        "churn,female",
        "--drift-share",
        "0.05",
        "--json",
      ],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.testedCount).toBe(18);
    expect(report.features.find((f: { column: string }) => f.column === "tenure").test).toBe("ks");
    expect(report.datasetDrift).toBe(true);
    expect(r.stderr).toMatch(/^DATASET DRIFT: \d+ of 18 features drifted/m);
  });

  it("--spec takes the tests, thresholds and share from monitoring.drift; flags still win", async () => {
    const spec = readFileSync(
      fileURLToPath(new URL("../../examples/churn/mlship.yaml", import.meta.url)),
      "utf8",
    );
    writeFileSync(
      join(dir, "mlship.yaml"),
      `${spec.replace("path: wa_churn.csv", "path: reference.csv")}
monitoring:
  drift:
    share: 0.05
    features:
      monthly_charges: { test: psi, threshold: 0.02 }
      tenure: { test: ks }
`,
    );
    const r = await run(
      [
        "drift",
        "--reference",
        "reference.csv",
        "--current",
        "current.csv",
        "--spec",
        "mlship.yaml",
        "--json",
      ],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const byName = new Map(report.features.map((f: { column: string }) => [f.column, f]));
    expect(byName.get("monthly_charges")).toMatchObject({ test: "psi", threshold: 0.02, drifted: true });
    expect(byName.get("tenure")).toMatchObject({ test: "ks", threshold: 0.05 });
    expect(report).toMatchObject({ driftShare: 0.05, datasetDrift: true });
    const flags = await run(
      [
        "drift",
        "--reference",
        "reference.csv",
        "--current",
        "current.csv",
        "--spec",
        "mlship.yaml",
        "--drift-share",
        "0.5",
        "--test",
        "monthly_charges=wasserstein",
        "--json",
      ],
      dir,
    );
    const overridden = JSON.parse(flags.stdout);
    expect(overridden.driftShare).toBe(0.5);
    expect(overridden.features.find((f: { column: string }) => f.column === "monthly_charges")).toMatchObject(
      { test: "wasserstein", threshold: 0.02 },
    );
  });

  it("a missing file", async () => {
    const err = expectUserError(
      await run(["drift", "--reference", "nope.csv", "--current", "current.csv"], dir),
    );
    expect(err).toContain("error: reference file not found");
    expect(err).toMatch(/where: .*nope\.csv$/m);
    expect(err).toContain("check the --reference path");
  });

  it("no shared columns", async () => {
    const err = expectUserError(
      await run(["drift", "--reference", "reference.csv", "--current", "other.csv"], dir),
    );
    expect(err).toContain("error: no columns to compare");
    expect(err).toMatch(/where: +reference columns: churn, .*; current columns: a, b$/m);
    expect(err).toContain("compare files that share column names");
  });

  it("a column numeric in one file and text in the other", async () => {
    const err = expectUserError(
      await run(["drift", "--reference", "reference.csv", "--current", "text.csv"], dir),
    );
    expect(err).toContain(
      'error: column "monthly_charges" is numeric in the reference but categorical in the current data',
    );
    expect(err).toMatch(/where: +column "monthly_charges" in reference\.csv and text\.csv$/m);
    expect(err).toContain("--exclude");
  });

  it("an unknown test is a usage error (exit 2)", async () => {
    const r = await run(
      [
        "drift",
        "--reference",
        "reference.csv",
        "--current",
        "current.csv",
        "--test",
        "tenure=anova",
        "--json",
      ],
      dir,
    );
    expectUserError(r, { exit: 2, where: false });
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: "E_USAGE", what: 'unknown drift test "anova"' });
  });
});
