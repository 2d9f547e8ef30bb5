import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { copyChurnData, listDir, removeTempDirs, tempDir } from "./helpers.js";
import { expectNoStack, expectUserError, run } from "./run.js";

afterAll(removeTempDirs);

interface InitSummary {
  spec: string;
  task: string;
  reason: string;
  positiveClass?: string;
  metric: { primary: string; threshold: number };
}

describe.concurrent("mlship init", () => {
  it("writes a spec that validate accepts and says why it chose the task", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const r = await run(["init", "--data", "wa_churn.csv", "--target", "churn"], dir);
    expect(r.status, r.stderr).toBe(0);
    expectNoStack(r);
    expect(r.stderr).toContain('churn: 2 distinct values ("No", "Yes") -> binary classification');
    expect(r.stderr).toContain('positive class: "Yes"');
    expect(listDir(dir)).toEqual(["mlship.yaml", "wa_churn.csv"]);
    const spec = parse(readFileSync(join(dir, "mlship.yaml"), "utf8")) as Record<string, unknown>;
    expect(spec).toMatchObject({ task: "binary", target: "churn", positiveClass: "Yes" });

    const v = await run(["validate", "--spec", "mlship.yaml", "--json"], dir);
    expect(v.status, v.stderr).toBe(0);
    expect((JSON.parse(v.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it("refuses to overwrite without --force, overwrites with it; --json parses", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    writeFileSync(join(dir, "mlship.yaml"), "# mine\n");
    const refused = expectUserError(await run(["init", "--data", "wa_churn.csv", "--target", "churn"], dir));
    expect(refused).toContain("error: a spec already exists and would be overwritten");
    expect(refused).toMatch(/where: .*mlship\.yaml$/m);
    expect(refused).toMatch(/fix: .*--force/);
    expect(readFileSync(join(dir, "mlship.yaml"), "utf8")).toBe("# mine\n");
    expect(listDir(dir)).toEqual(["mlship.yaml", "wa_churn.csv"]);

    const forced = await run(
      ["init", "--data", "wa_churn.csv", "--target", "churn", "--force", "--json"],
      dir,
    );
    expect(forced.status, forced.stderr).toBe(0);
    const j = JSON.parse(forced.stdout) as InitSummary;
    expect(j).toMatchObject({
      spec: join(dir, "mlship.yaml"),
      task: "binary",
      reason: '2 distinct values ("No", "Yes") -> binary classification',
      positiveClass: "Yes",
    });
    expect(j.metric.primary).toBe("roc_auc");
    const written = parse(readFileSync(join(dir, "mlship.yaml"), "utf8")) as Record<string, unknown>;
    expect(written.target).toBe("churn");
    expect(listDir(dir)).toEqual(["mlship.yaml", "wa_churn.csv"]);
  });

  it("infers regression for a many-valued numeric target, writing to --out", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const r = await run(
      ["init", "--data", "wa_churn.csv", "--target", "monthly_charges", "--out", "reg.yaml", "--json"],
      dir,
    );
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as InitSummary;
    expect(j.task).toBe("regression");
    expect(j.reason).toBe("numbers with fractional values -> regression");
    expect(listDir(dir)).toEqual(["reg.yaml", "wa_churn.csv"]);
    const v = await run(["validate", "--spec", "reg.yaml"], dir);
    expect(v.status, v.stderr).toBe(0);
  });

  it("an unknown target column suggests the closest name and writes nothing", async () => {
    const dir = tempDir();
    copyChurnData(dir);
    const err = expectUserError(await run(["init", "--data", "wa_churn.csv", "--target", "churm"], dir));
    expect(err).toContain('error: the data has no column "churm"');
    expect(err).toMatch(/where: +wa_churn\.csv$/m);
    expect(err).toMatch(/fix: +did you mean "churn"\?/);
    expect(listDir(dir)).toEqual(["wa_churn.csv"]);
  });
});
