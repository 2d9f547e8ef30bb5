import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import {
  captureSource,
  createExperiment,
  createRun,
  deleteExperiment,
  deleteRun,
  deleteTag,
  getArtifact,
  getExperiment,
  getExperimentByName,
  getMetricHistory,
  getOrCreateExperiment,
  getRun,
  logArtifact,
  logBatch,
  logInputs,
  logMetrics,
  logParams,
  restoreExperiment,
  restoreRun,
  searchExperiments,
  searchRuns,
  setExperimentTag,
  setTags,
  startRun,
  updateExperiment,
  updateRun,
  withRun,
} from "../../src/track/index.js";
import { cleanUp, errorOf, freshStore } from "./helpers.js";

afterEach(cleanUp);

describe("experiments", () => {
  it("are created once per name, found by id and name, renamed, tagged, soft-deleted and restored", async () => {
    const store = await freshStore();
    const e = await createExperiment(store, "churn", { description: "first", tags: { team: "risk" } });
    expect(e).toMatchObject({
      name: "churn",
      description: "first",
      lifecycleStage: "active",
      tags: { team: "risk" },
    });
    expect((await errorOf(createExperiment(store, "churn"))).code).toBe("E_EXISTS_EXPERIMENT");
    expect((await getOrCreateExperiment(store, "churn")).experimentId).toBe(e.experimentId);
    expect((await getExperimentByName(store, "churn")).experimentId).toBe(e.experimentId);
    expect((await errorOf(getExperiment(store, "999"))).code).toBe("E_NOT_FOUND_EXPERIMENT");
    expect((await errorOf(getExperiment(store, "not-a-number"))).code).toBe("E_NOT_FOUND_EXPERIMENT");
    expect((await errorOf(getExperimentByName(store, "nope"))).code).toBe("E_NOT_FOUND_EXPERIMENT");

    await setExperimentTag(store, e.experimentId, "owner", "ana");
    const renamed = await updateExperiment(store, e.experimentId, { name: "churn-v2", description: null });
    expect(renamed).toMatchObject({
      name: "churn-v2",
      description: null,
      tags: { team: "risk", owner: "ana" },
    });

    const other = await getOrCreateExperiment(store, "other");
    expect((await errorOf(updateExperiment(store, other.experimentId, { name: "churn-v2" }))).code).toBe(
      "E_EXISTS_EXPERIMENT",
    );

    await deleteExperiment(store, e.experimentId);
    expect((await getExperiment(store, e.experimentId)).lifecycleStage).toBe("deleted");
    expect((await searchExperiments(store)).experiments.map((x) => x.name)).toEqual(["other"]);
    expect((await searchExperiments(store, { viewType: "deleted" })).experiments.map((x) => x.name)).toEqual([
      "churn-v2",
    ]);
    expect((await errorOf(getOrCreateExperiment(store, "churn-v2"))).code).toBe("E_INVALID_STATE");
    expect((await errorOf(createExperiment(store, "churn-v2"))).what).toContain("(deleted)");
    await restoreExperiment(store, e.experimentId);
    expect((await getExperiment(store, e.experimentId)).lifecycleStage).toBe("active");
  });

  it("refuse empty and unprintable names", async () => {
    const store = await freshStore();
    expect((await errorOf(createExperiment(store, "  "))).code).toBe("E_INVALID_NAME");
    expect((await errorOf(createExperiment(store, "a\nb"))).code).toBe("E_INVALID_NAME");
  });

  it("deleting an experiment deletes its runs with it; restoring brings back only those", async () => {
    const store = await freshStore();
    const e = await createExperiment(store, "x");
    const kept = await createRun(store, { experimentId: e.experimentId, name: "kept" });
    const alone = await createRun(store, { experimentId: e.experimentId, name: "deleted before" });
    await deleteRun(store, alone.runId);
    await new Promise((r) => setTimeout(r, 5));
    await deleteExperiment(store, e.experimentId);
    expect((await getRun(store, kept.runId)).lifecycleStage).toBe("deleted");
    expect((await errorOf(createRun(store, { experimentId: e.experimentId }))).code).toBe("E_INVALID_STATE");
    await restoreExperiment(store, e.experimentId);
    expect((await getRun(store, kept.runId)).lifecycleStage).toBe("active");
    expect((await getRun(store, alone.runId)).lifecycleStage).toBe("deleted");
  });
});

describe("runs", () => {
  it("record status, times, params, metrics with steps, tags, inputs and their parent", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const parent = await createRun(store, {
      experimentId,
      name: "parent",
      tags: { kind: "train" },
      startTime: 1000,
    });
    expect(parent).toMatchObject({ status: "RUNNING", startTime: 1000, endTime: null, parentRunId: null });
    expect(parent.runId).toMatch(/^[0-9a-f]{32}$/);
    const child = await createRun(store, { experimentId, name: "child", parentRunId: parent.runId });
    expect(child.parentRunId).toBe(parent.runId);
    expect((await errorOf(createRun(store, { experimentId, parentRunId: "f".repeat(32) }))).code).toBe(
      "E_NOT_FOUND_RUN",
    );

    await logParams(store, parent.runId, { model: "rf", depth: 5, opts: { a: [1, 2] }, flag: true });
    await logParams(store, parent.runId, { model: "rf" });
    await logMetrics(store, parent.runId, [
      { key: "loss", value: 0.9, step: 0, timestamp: 10 },
      { key: "loss", value: 0.5, step: 2, timestamp: 30 },
      { key: "loss", value: 0.7, step: 1, timestamp: 40 },
    ]);
    // An older step logged later does not replace the latest value; the same step logged later does.
    await logMetrics(store, parent.runId, [{ key: "loss", value: 0.8, step: 1, timestamp: 50 }]);
    let run = await getRun(store, parent.runId);
    expect(run.metrics.loss).toEqual({ key: "loss", value: 0.5, step: 2, timestamp: 30 });
    await logMetrics(store, parent.runId, [{ key: "loss", value: 0.4, step: 2, timestamp: 60 }]);
    run = await getRun(store, parent.runId);
    expect(run.metrics.loss.value).toBe(0.4);
    expect((await getMetricHistory(store, parent.runId, "loss")).map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [1, 0.8],
      [2, 0.5],
      [2, 0.4],
    ]);

    await setTags(store, parent.runId, { note: "first", gone: "x" });
    await setTags(store, parent.runId, { note: "second" });
    await deleteTag(store, parent.runId, "gone");
    expect((await errorOf(deleteTag(store, parent.runId, "gone"))).code).toBe("E_NOT_FOUND_TAG");
    await logInputs(store, parent.runId, [
      {
        name: "churn",
        digest: "abc",
        context: "training",
        rows: 100,
        columns: 5,
        schema: { a: "numeric" },
        source: ["x.csv"],
      },
    ]);
    await updateRun(store, parent.runId, { status: "FINISHED" });

    run = await getRun(store, parent.runId);
    expect(run.params).toEqual({ model: "rf", depth: "5", opts: '{"a":[1,2]}', flag: "true" });
    expect(run.tags).toEqual({ kind: "train", note: "second" });
    expect(run.inputs).toEqual([
      {
        name: "churn",
        digest: "abc",
        context: "training",
        rows: 100,
        columns: 5,
        schema: { a: "numeric" },
        source: ["x.csv"],
      },
    ]);
    expect(run.status).toBe("FINISHED");
    expect(run.endTime).toBeGreaterThanOrEqual(run.startTime);
    expect((await errorOf(getRun(store, "nope"))).code).toBe("E_NOT_FOUND_RUN");
    expect((await errorOf(updateRun(store, parent.runId, { status: "DONE" as never }))).code).toBe(
      "E_INVALID_STATUS",
    );
  });

  it("store NaN and ±Infinity exactly, in the latest value and the history", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const { runId } = await createRun(store, { experimentId });
    const values = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      5e-324,
      Number.MAX_VALUE,
      0.1 + 0.2,
    ];
    await logMetrics(
      store,
      runId,
      values.map((value, step) => ({ key: "odd", value, step })),
    );
    await logMetrics(store, runId, [
      { key: "nan", value: Number.NaN },
      { key: "inf", value: Number.POSITIVE_INFINITY },
      { key: "ninf", value: Number.NEGATIVE_INFINITY },
    ]);
    const history = (await getMetricHistory(store, runId, "odd")).map((m) => m.value);
    expect(history).toHaveLength(values.length);
    history.forEach((v, i) => {
      expect(Object.is(v, values[i])).toBe(true);
    });
    // SQLite does not keep the sign of zero: -0 comes back as 0 (equal, as numbers).
    await logMetrics(store, runId, [{ key: "zero", value: -0 }]);
    const run = await getRun(store, runId);
    expect(Object.is(run.metrics.zero.value, 0)).toBe(true);
    expect(run.metrics.nan.value).toBeNaN();
    expect(run.metrics.inf.value).toBe(Number.POSITIVE_INFINITY);
    expect(run.metrics.ninf.value).toBe(Number.NEGATIVE_INFINITY);
    // And as SQLite itself holds them: NaN flagged, infinities as real numbers.
    const raw = new Database(store.path, { readonly: true });
    expect(raw.prepare("select value, is_nan from latest_metrics where key = 'nan'").get()).toEqual({
      value: null,
      is_nan: 1,
    });
    expect(raw.prepare("select value from latest_metrics where key = 'inf'").get()).toEqual({
      value: Number.POSITIVE_INFINITY,
    });
    raw.close();
    expect((await errorOf(logMetrics(store, runId, [{ key: "s", value: "0.5" as never }]))).code).toBe(
      "E_INVALID_METRIC_VALUE",
    );
    expect((await errorOf(logMetrics(store, runId, [{ key: "s", value: 1, step: 1.5 }]))).code).toBe(
      "E_INVALID_VALUE",
    );
  });

  it("refuse changing a logged param (as MLflow does), also inside one batch, and the batch leaves nothing", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const { runId } = await createRun(store, { experimentId });
    await logParams(store, runId, { lr: 0.1 });
    const err = await errorOf(
      logBatch(store, runId, {
        metrics: [{ key: "m", value: 1 }],
        tags: { t: "x" },
        params: { other: "a", lr: 0.2 },
      }),
    );
    expect(err.code).toBe("E_INVALID_PARAM_CHANGE");
    expect(err.what).toContain('already "0.1"');
    const run = await getRun(store, runId);
    expect(run.params).toEqual({ lr: "0.1" });
    expect(run.metrics).toEqual({});
    expect(run.tags).toEqual({});
    expect(await getMetricHistory(store, runId, "m")).toEqual([]);
  });

  it("refuse logging to a deleted run; delete and restore take the run's children along", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const parent = await createRun(store, { experimentId, name: "p" });
    const child = await createRun(store, { experimentId, name: "c", parentRunId: parent.runId });
    const grandchild = await createRun(store, { experimentId, name: "g", parentRunId: child.runId });
    await deleteRun(store, parent.runId);
    for (const id of [parent.runId, child.runId, grandchild.runId]) {
      expect((await getRun(store, id)).lifecycleStage).toBe("deleted");
    }
    expect((await errorOf(logParams(store, child.runId, { a: 1 }))).code).toBe("E_INVALID_STATE");
    expect((await searchRuns(store)).runs).toEqual([]);
    expect((await searchRuns(store, { viewType: "deleted" })).runs).toHaveLength(3);
    await restoreRun(store, parent.runId);
    expect((await searchRuns(store)).runs.map((r) => r.name).sort()).toEqual(["c", "g", "p"]);
    expect((await errorOf(deleteRun(store, "x"))).code).toBe("E_NOT_FOUND_RUN");
  });

  it("keep artifacts as verified content-addressed blobs, stored once", async () => {
    const store = await freshStore();
    const { experimentId } = await createExperiment(store, "e");
    const a = await createRun(store, { experimentId });
    const b = await createRun(store, { experimentId });
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const art = await logArtifact(store, a.runId, "model.mlship", bytes);
    await logArtifact(store, b.runId, "copy/model.bin", bytes);
    await logArtifact(store, a.runId, "evaluation.json", '{"auc":0.9}');
    expect(art).toMatchObject({
      path: "model.mlship",
      bytes: 4,
      mediaType: "application/vnd.mlship.model+json",
    });
    expect(Buffer.from(await getArtifact(store, b.runId, "copy/model.bin")).equals(Buffer.from(bytes))).toBe(
      true,
    );
    expect(new TextDecoder().decode(await getArtifact(store, a.runId, "evaluation.json"))).toBe(
      '{"auc":0.9}',
    );
    expect((await getRun(store, a.runId)).artifacts.map((x) => [x.path, x.mediaType])).toEqual([
      ["evaluation.json", "application/json"],
      ["model.mlship", "application/vnd.mlship.model+json"],
    ]);
    const raw = new Database(store.path);
    expect(raw.prepare("select count(*) as n from blobs").get()).toEqual({ n: 2 });
    raw.prepare("update blobs set data = ? where sha256 = ?").run(Buffer.from("evil"), art.sha256);
    raw.close();
    expect((await errorOf(getArtifact(store, a.runId, "model.mlship"))).code).toBe("E_STORE_BLOB_CORRUPT");
    expect((await errorOf(getArtifact(store, a.runId, "nope"))).code).toBe("E_NOT_FOUND_ARTIFACT");
    for (const bad of ["", "/abs", "../up", "a//b", "a\\b"]) {
      expect((await errorOf(logArtifact(store, a.runId, bad, "x"))).code).toBe("E_INVALID_ARTIFACT_PATH");
    }
  });
});

describe("session API", () => {
  it("`await using` ends the run FINISHED; children share the experiment and source", async () => {
    const store = await freshStore();
    let runId = "";
    let childId = "";
    {
      await using run = await startRun({
        store,
        experiment: "notebook",
        name: "try 1",
        seed: 42,
        params: { a: 1 },
      });
      runId = run.runId;
      await run.logMetrics({ loss: 0.5, acc: 0.8 }, { step: 3 });
      await run.setTags({ stage: "dev" });
      await using child = await run.startChild({ name: "fold 1" });
      childId = child.runId;
      await child.logMetrics({ acc: 0.7 });
      expect((await run.get()).status).toBe("RUNNING");
    }
    const run = await getRun(store, runId);
    expect(run).toMatchObject({
      name: "try 1",
      status: "FINISHED",
      params: { a: "1" },
      tags: { stage: "dev" },
    });
    expect(run.metrics.loss).toMatchObject({ value: 0.5, step: 3 });
    expect(run.source.seed).toBe(42);
    const child = await getRun(store, childId);
    expect(child).toMatchObject({ parentRunId: runId, experimentId: run.experimentId, status: "FINISHED" });
    expect(child.source).toEqual(run.source);
    expect((await getExperimentByName(store, "notebook")).experimentId).toBe(run.experimentId);
  });

  it("withRun ends FAILED with the error kept when the callback throws, FINISHED when it returns", async () => {
    const store = await freshStore();
    let failedId = "";
    await expect(
      withRun({ store, experiment: "x" }, async (run) => {
        failedId = run.runId;
        await run.logParams({ p: "v" });
        throw new Error("diverged at epoch 3");
      }),
    ).rejects.toThrow("diverged at epoch 3");
    const failed = await getRun(store, failedId);
    expect(failed.status).toBe("FAILED");
    expect(failed.tags["mlship.failure"]).toBe("diverged at epoch 3");
    const value = await withRun({ store, experiment: "x" }, async (run) => {
      await run.logMetrics({ m: 1 });
      return run.runId;
    });
    expect((await getRun(store, value)).status).toBe("FINISHED");
  });

  it("captureSource records git commit and dirtiness, the command line, versions, seed and host", () => {
    const s = captureSource({ seed: 7, argv: ["node", "train.js", "--name", "it's here"] });
    expect(s.gitCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof s.gitDirty).toBe("boolean");
    expect(s.command).toBe("node train.js --name 'it'\\''s here'");
    expect(s).toMatchObject({ seed: 7, nodeVersion: process.version });
    expect(s.host.length).toBeGreaterThan(0);
    const outside = captureSource({ cwd: "/" });
    expect(outside).toMatchObject({ gitCommit: null, gitDirty: null, seed: null });
  });
});
