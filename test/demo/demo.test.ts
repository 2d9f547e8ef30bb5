import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { aliasHistory, getRegisteredModel } from "../../src/registry/index.js";
import { openStore } from "../../src/store/index.js";
import { searchRuns } from "../../src/track/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "dist/cli/bin.js");
const dir = mkdtempSync(join(tmpdir(), "mlship-demo-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm start (mlship demo)", () => {
  const demo = () =>
    spawnSync(process.execPath, [bin, "demo", "--spec", join(dir, "mlship.yaml"), "--no-story"], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });

  it("runs the lifecycle on the churn example and says what a business reader needs", () => {
    expect(existsSync(bin), "run `npm run build` first").toBe(true);
    for (const f of ["mlship.yaml", "wa_churn.csv"])
      copyFileSync(join(root, "examples/churn", f), join(dir, f));
    const run = demo();
    expect(run.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    expect(run.status).toBe(0);
    const out = run.stderr;
    expect(out).toContain("Target retention offers");
    expect(out).toContain("collected 7043 rows x 20 columns");
    expect(out).toContain("total_charges (numeric) has 11 blank cells");
    expect(out).toContain("output identical bit for bit");
    for (const model of [
      "logisticRegression",
      "randomForestClassifier",
      "decisionTreeClassifier",
      "baseline",
    ]) {
      expect(out).toContain(model);
    }
    expect(out).toMatch(/best: \w+; on the 1409 held-out rows: roc_auc = 0\.8\d+/);
    expect(out).toMatch(/worth shipping: roc_auc 0\.8\d+ >= threshold 0\.8/);
    expect(out).toContain("Contact first: the 10 customers most likely to leave");
    const lift = out.match(
      /calls the top 20% \((\d+) customers\), they reach (\d+) of the (\d+) who actually left/,
    );
    expect(lift).not.toBeNull();
    const [called, reached, left] = lift!.slice(1).map(Number);
    expect(called).toBe(282);
    // A model that ranks well finds far more leavers in its top 20% than 20% of them.
    expect(reached / left).toBeGreaterThan(0.4);

    const predictions = readFileSync(join(dir, ".mlship/predictions.csv"), "utf8").trim().split("\n");
    expect(predictions[0]).toBe("customer,prediction,proba_No,proba_Yes");
    expect(predictions).toHaveLength(1410);
    for (const line of predictions.slice(1, 50)) {
      const [, , no, yes] = line.split(",");
      expect(Number(no) + Number(yes)).toBeCloseTo(1, 12);
    }
    expect(out).toMatch(
      /tracked: run [0-9a-f]{12} finished .* 4 candidate runs and 20 CV-fold runs beneath it/,
    );
    expect(out).toContain("registered telco_churn v1; now champion");
  }, 180_000);

  it("records every run in the store and a second run registers v2 without displacing an equal champion", async () => {
    const again = demo();
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/registered telco_churn v2; champion stays v1: roc_auc (0\.\d+) vs \1/);
    await using store = await openStore(join(dir, ".mlship/store.db"), { create: false });
    const top = await searchRuns(store, { parentRunId: null });
    expect(top.runs.map((r) => r.status)).toEqual(["FINISHED", "FINISHED"]);
    const children = await searchRuns(store, { parentRunId: top.runs[0].runId });
    expect(children.runs).toHaveLength(4);
    const model = await getRegisteredModel(store, "telco_churn");
    expect(model.latestVersion).toBe(2);
    expect(model.aliases).toEqual({ champion: 1 });
    const history = await aliasHistory(store, "telco_churn", "champion");
    expect(history.map((e) => [e.fromVersion, e.toVersion])).toEqual([[null, 1]]);
  }, 180_000);
});
