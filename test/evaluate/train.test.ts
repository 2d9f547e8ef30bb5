import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadArtifact } from "../../src/artifact/index.js";
import { isPredictor } from "../../src/core/protocol.js";
import { trainFromSpec } from "../../src/evaluate/index.js";
import "../../src/models/index.js";
import { loadSpec, type Spec } from "../../src/spec/index.js";
import { ValidationError } from "../../src/validate/index.js";

const examples = fileURLToPath(new URL("../../examples", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "mlship-train-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function example(name: string, models: Spec["models"]): Spec {
  return { ...loadSpec(join(examples, name, "mlship.yaml")), models };
}

describe("trainFromSpec", () => {
  it("trains the churn example: validated data, a baseline, a verdict against the threshold, a loadable artifact", async () => {
    const spec = example("churn", [
      { kind: "logisticRegression", params: { maxIter: 1000 } },
      { kind: "decisionTreeClassifier", params: { maxDepth: 4 } },
    ]);
    const events: string[] = [];
    const { summary, model, holdoutRows } = await trainFromSpec(spec, {
      baseDir: join(examples, "churn"),
      artifactPath: join(out, "churn.mlship"),
      onEvent: (e) => events.push(e.type),
    });
    expect(events.slice(0, 4)).toEqual(["collected", "validated", "split", "prep"]);
    expect(summary.data.rows).toBe(7043);
    expect(summary.split).toEqual({ train: 5634, holdout: 1409, folds: 5, seed: 42 });
    expect(holdoutRows).toHaveLength(1409);
    expect(summary.candidates.map((c) => c.name)).toEqual([
      "logisticRegression",
      "decisionTreeClassifier",
      "baseline (dummyClassifier)",
    ]);
    expect(summary.candidates[2].cv.roc_auc.mean).toBe(0.5);
    expect(summary.best).toBe("logisticRegression");
    expect(summary.holdout.roc_auc).toBeGreaterThan(0.8);
    expect(summary.meetsThreshold).toBe(summary.holdout.roc_auc >= 0.8);
    expect(Object.keys(summary.holdout).sort()).toEqual(["accuracy", "f1", "log_loss", "roc_auc"]);

    const artifact = loadArtifact(summary.artifact.path);
    expect(artifact.sha256).toBe(summary.artifact.sha256);
    expect(artifact.payload.dataFingerprint).toBe(summary.data.fingerprint);
    expect(artifact.payload.target).toEqual({ name: "churn", type: "categorical", classes: ["No", "Yes"] });
    expect(artifact.payload.inputSchema.columns.map((c) => c.name)).not.toContain("churn");
    expect(isPredictor(artifact.pipeline)).toBe(true);
    expect(artifact.pipeline.toJSON()).toEqual(model.toJSON());
  });

  it("trains the Ames regression example and meets its R² threshold", async () => {
    const spec = example("ames", [{ kind: "ridge", params: { alpha: 1 } }]);
    const { summary } = await trainFromSpec(spec, {
      baseDir: join(examples, "ames"),
      artifactPath: join(out, "ames.mlship"),
    });
    expect(summary.task).toBe("regression");
    expect(summary.candidates.map((c) => c.name)).toEqual(["ridge", "baseline (dummyRegressor)"]);
    expect(summary.candidates[1].cv.r2.mean).toBeLessThan(0.01);
    expect(summary.holdout.r2).toBeGreaterThan(0.85);
    expect(summary.meetsThreshold).toBe(true);
    expect(summary.holdout.rmse).toBeGreaterThan(0);
    expect(existsSync(summary.artifact.path)).toBe(true);
  });

  it("stops on invalid data with the validation report", async () => {
    const spec = example("churn", [{ kind: "logisticRegression", params: {} }]);
    spec.validation = {
      ...spec.validation,
      expectations: [{ expect: "range", column: "tenure", min: 0, max: 12 }],
    };
    const err = await trainFromSpec(spec, {
      baseDir: join(examples, "churn"),
      artifactPath: join(out, "x.mlship"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(
      (err as ValidationError).report.results.find((r) => r.status === "failed")?.failingRows,
    ).toBeGreaterThan(1000);
    expect(existsSync(join(out, "x.mlship"))).toBe(false);
  });

  it("names the spec entry of an unknown model or parameter", async () => {
    const bad = (models: Spec["models"]) =>
      trainFromSpec(example("churn", models), {
        baseDir: join(examples, "churn"),
        artifactPath: join(out, "y.mlship"),
      });
    await expect(bad([{ kind: "ridge", params: {} }])).rejects.toThrow(/"ridge" is a regression model/);
    await expect(bad([{ kind: "logisticRegresion", params: {} }])).rejects.toThrow(/unknown model kind/);
    await expect(bad([{ kind: "decisionTreeClassifier", params: { max_depth: 3 } }])).rejects.toThrow(
      /has no parameter "max_depth"[\s\S]*did you mean "maxDepth"/,
    );
  });
});
