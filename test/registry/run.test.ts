import { afterEach, describe, expect, it } from "vitest";
import { registerRun, setAlias } from "../../src/registry/index.js";
import { createRun, getOrCreateExperiment, logArtifact, logInputs } from "../../src/track/index.js";
import { cleanUp, codeOf, freshStore, summary } from "./helpers.js";

afterEach(cleanUp);

describe("registerRun", () => {
  it("registers a run's model under its experiment's name, linked to the run, its data and its evaluation", async () => {
    const store = await freshStore();
    const experiment = await getOrCreateExperiment(store, "churn");
    const run = await createRun(store, { experimentId: experiment.experimentId });
    await logArtifact(store, run.runId, "model.mlship", "model bytes");
    await logArtifact(store, run.runId, "evaluation.json", JSON.stringify(summary(0.87)));
    await logInputs(store, run.runId, [
      {
        name: "wa_churn.csv",
        digest: "fp-abc",
        context: "training",
        rows: 10,
        columns: 3,
        schema: null,
        source: null,
      },
    ]);
    const v = await registerRun(store, run.runId, { actor: "ci" });
    expect(v).toMatchObject({ name: "churn", version: 1, runId: run.runId, dataFingerprint: "fp-abc" });
    expect(v.evaluation).toMatchObject({
      metric: "roc_auc",
      holdout: { roc_auc: 0.87 },
      meetsThreshold: true,
    });
    const named = await registerRun(store, run.runId, { name: "churn-eu", actor: "ci", tags: { k: "v" } });
    expect(named).toMatchObject({ name: "churn-eu", version: 1, tags: { k: "v" } });
    expect(await codeOf(registerRun(store, run.runId, { artifactPath: "nope.bin", actor: "ci" }))).toBe(
      "E_NOT_FOUND_ARTIFACT",
    );
    expect(await codeOf(registerRun(store, "0".repeat(32), { actor: "ci" }))).toBe("E_NOT_FOUND_RUN");
  });

  it("a run without a summary registers without an evaluation, and cannot be champion unforced", async () => {
    const store = await freshStore();
    const experiment = await getOrCreateExperiment(store, "script");
    const run = await createRun(store, { experimentId: experiment.experimentId });
    await logArtifact(store, run.runId, "model.mlship", new Uint8Array([1, 2, 3]));
    const v = await registerRun(store, run.runId, { actor: "ci" });
    expect(v).toMatchObject({ name: "script", evaluation: null, dataFingerprint: null });
    expect(
      await codeOf(setAlias(store, { name: "script", alias: "champion", version: 1, actor: "ci" })),
    ).toBe("E_GUARD_CHAMPION");
  });
});
