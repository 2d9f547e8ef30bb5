import { afterEach, describe, expect, it } from "vitest";
import {
  aliasHistory,
  createModelVersion,
  getModelVersion,
  registerTrainedModel,
  setAlias,
} from "../../src/registry/index.js";
import { parseSpec, type Spec } from "../../src/spec/index.js";
import { bytes, cleanUp, freshStore, summary } from "./helpers.js";

afterEach(cleanUp);

function spec(registry: Record<string, unknown> = {}, extra = ""): Spec {
  return parseSpec(
    [
      "name: churn",
      "objective: { business: keep customers, kpi: churn rate }",
      "task: binary",
      "target: y",
      "metric: { primary: roc_auc, threshold: 0.8 }",
      "data: { sources: [{ kind: file, path: d.csv }] }",
      `registry: ${JSON.stringify(registry)}`,
      extra,
    ].join("\n"),
  );
}

describe("registerTrainedModel", () => {
  it("registers every training under the spec's name and promotes only when the spec says so", async () => {
    const store = await freshStore();
    const r = await registerTrainedModel(store, {
      spec: spec(),
      runId: null,
      artifact: bytes("m1"),
      summary: summary(0.9),
      actor: "ci",
    });
    expect(r).toMatchObject({ name: "churn", version: 1, promoted: false, promote: "never" });
    expect(r.message).toBe("registered churn v1; no champion: the spec's registry.promote is never");
    const v = await getModelVersion(store, "churn", 1);
    expect(v.dataFingerprint).toBe("fp-0.9");
    expect(v.evaluation).toMatchObject({
      metric: "roc_auc",
      holdout: { roc_auc: 0.9 },
      meetsThreshold: true,
    });
    expect(v.tags).toEqual({ "mlship.model": "logisticRegression", "mlship.source": "mlship train" });
    const named = await registerTrainedModel(store, {
      spec: spec({ model: "churn-eu" }),
      runId: null,
      artifact: bytes("m1"),
      summary: summary(0.9),
      actor: "ci",
    });
    expect(named).toMatchObject({ name: "churn-eu", version: 1 });
  });

  it("with promote: ifBetter, promotes a qualifying model that beats the champion, direction-aware", async () => {
    const store = await freshStore();
    const s = spec({ promote: "ifBetter" }, "constraints: { latencyP95Ms: 10 }");
    const train = (score: number, extra: Parameters<typeof summary>[1] = {}) =>
      registerTrainedModel(store, {
        spec: s,
        runId: null,
        artifact: bytes(`m${score}${extra.latencyP95Ms}`),
        summary: summary(score, extra),
        actor: "ci",
      });

    const first = await train(0.866);
    expect(first).toMatchObject({ version: 1, promoted: true, champion: { before: null, after: 1 } });
    expect(first.message).toBe(
      "registered churn v1; now champion: no champion yet and holdout roc_auc 0.866 meets the threshold 0.8",
    );
    const worse = await train(0.861);
    expect(worse).toMatchObject({
      version: 2,
      promoted: false,
      champion: { before: 1, after: 1, score: 0.866 },
    });
    expect(worse.message).toBe("registered churn v2; champion stays v1: roc_auc 0.861 vs 0.866");
    const below = await train(0.7);
    expect(below.promoted).toBe(false);
    expect(below.reason).toContain("misses the threshold");
    const slow = await train(0.95, { latencyP95Ms: 40 });
    expect(slow.promoted).toBe(false);
    expect(slow.reason).toContain("p95 latency 40 ms exceeds 10 ms");
    const better = await train(0.9);
    expect(better).toMatchObject({ version: 5, promoted: true, champion: { before: 1, after: 5 } });
    const [, moved] = await aliasHistory(store, "churn", "champion");
    expect(moved).toMatchObject({ fromVersion: 1, toVersion: 5, actor: "ci", forced: false });
    expect(moved.reason).toBe(
      "mlship train: holdout roc_auc 0.9 beats v1's 0.866 and meets the threshold 0.8",
    );

    // A minimised metric: lower wins.
    const rmse = parseSpec(
      [
        "name: ames",
        "objective: { business: price homes, kpi: error }",
        "task: regression",
        "target: price",
        "metric: { primary: rmse, threshold: 30000 }",
        "data: { sources: [{ kind: file, path: d.csv }] }",
        "registry: { promote: ifBetter }",
      ].join("\n"),
    );
    const reg = (score: number) => {
      const base = summary(score);
      return registerTrainedModel(store, {
        spec: rmse,
        runId: null,
        artifact: bytes(`ames${score}`),
        summary: {
          ...base,
          metric: { primary: "rmse", threshold: 30000, direction: "minimize" },
          holdout: { rmse: score },
          meetsThreshold: score <= 30000,
        },
        actor: "ci",
      });
    };
    expect((await reg(25000)).promoted).toBe(true);
    expect((await reg(26000)).promoted).toBe(false);
    expect((await reg(24000)).promoted).toBe(true);
  });

  it("replaces a forced champion it beats, but not one it cannot compare with", async () => {
    const store = await freshStore();
    const s = spec({ promote: "ifBetter" });
    const train = (score: number, artifact: string) =>
      registerTrainedModel(store, {
        spec: s,
        runId: null,
        artifact: bytes(artifact),
        summary: summary(score),
        actor: "ci",
      });
    await train(0.7, "a");
    await setAlias(store, {
      name: "churn",
      alias: "champion",
      version: 1,
      actor: "ops",
      force: true,
      reason: "only one",
    });
    expect((await train(0.9, "b")).champion).toEqual({ before: 1, after: 2, score: 0.7 });
    const manual = await createModelVersion(store, {
      name: "churn",
      artifact: bytes("hand-made"),
      actor: "ops",
    });
    await setAlias(store, {
      name: "churn",
      alias: "champion",
      version: manual.version,
      actor: "ops",
      force: true,
      reason: "hotfix",
    });
    const r = await train(0.95, "c");
    expect(r).toMatchObject({ promoted: false, champion: { before: 3, after: 3, score: null } });
    expect(r.reason).toBe("v3 has no holdout roc_auc to compare with");
  });

  it("the spec refuses an unknown promote policy and unknown registry fields", () => {
    expect(() => spec({ promote: "always" })).toThrow(/never|ifBetter/);
    expect(() => spec({ modle: "x" })).toThrow(/modle/);
    expect(spec().registry).toEqual({ promote: "never" });
  });
});
