/** The tracking commands as a user runs them: the built CLI on a real spec and a real store. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { copyChurnData, removeTempDirs, tempDir } from "../cli/helpers.js";
import { expectNoStack, expectUserError, run } from "../cli/run.js";

afterAll(removeTempDirs);

const spec = `name: churn_tracked
objective: { business: Keep customers., kpi: Churn rate. }
task: binary
target: churn
positiveClass: "Yes"
metric: { primary: roc_auc, threshold: 0.8 }
data: { sources: [{ kind: file, path: wa_churn.csv }] }
split: { holdout: 0.2, folds: 3, stratify: true, seed: 7 }
models:
  - kind: logisticRegression
  - kind: decisionTreeClassifier
    params: { maxDepth: 4 }
`;

interface JsonRun {
  runId: string;
  name: string;
  status: string;
  parentRunId: string | null;
  params: Record<string, string>;
  metrics: Record<string, { value: number | string }>;
  tags: Record<string, string>;
  inputs: Array<{ digest: string }>;
  artifacts: Array<{ path: string; sha256: string; bytes: number }>;
  lifecycleStage: string;
  children?: Array<{ runId: string; name: string }>;
}

async function json<T>(args: string[], cwd: string): Promise<T> {
  const r = await run([...args, "--json"], cwd);
  expect(r.status, r.stderr).toBe(0);
  expectNoStack(r);
  return JSON.parse(r.stdout) as T;
}

let dir: string;
let trained: {
  runId: string;
  experimentId: string;
  store: string;
  best: string;
  holdout: Record<string, number>;
  artifact: { path: string };
};

beforeAll(async () => {
  dir = tempDir();
  copyChurnData(dir);
  writeFileSync(join(dir, "mlship.yaml"), spec);
  trained = await json(["train"], dir);
});

describe("mlship train records the training", () => {
  it("as a parent run with params, holdout metrics, inputs, source and the model and evaluation artifacts", async () => {
    expect(trained.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(trained.store).toBe(join(dir, ".mlship", "store.db"));
    const r = await json<JsonRun>(["runs", "show", trained.runId], dir);
    expect(r).toMatchObject({ name: "train", status: "FINISHED", parentRunId: null });
    expect(r.params).toMatchObject({ metric: "roc_auc", seed: "7", folds: "3", best: trained.best });
    expect(JSON.parse(r.params.candidates)).toEqual([
      "logisticRegression",
      "decisionTreeClassifier",
      "baseline (dummyClassifier)",
    ]);
    expect(r.metrics.roc_auc.value).toBe(trained.holdout.roc_auc);
    expect(r.metrics).toHaveProperty("cv_roc_auc_mean");
    expect(r.metrics).toHaveProperty("cv_roc_auc_std");
    expect(r.tags).toMatchObject({ "mlship.kind": "train", "mlship.best": trained.best });
    expect(r.inputs[0].digest).toMatch(/^[0-9a-f]{64}$/);
    expect(r.artifacts.map((a) => a.path)).toEqual(["evaluation.json", "model.mlship"]);
    // The stored model is byte for byte the artifact file training wrote.
    const raw = new Database(trained.store, { readonly: true });
    const blob = raw.prepare("select data from blobs where sha256 = ?").get(r.artifacts[1].sha256) as {
      data: Buffer;
    };
    raw.close();
    expect(blob.data.equals(readFileSync(trained.artifact.path))).toBe(true);
  });

  it("with a child run per candidate and a grandchild per CV fold", async () => {
    const parent = await json<JsonRun>(["runs", "show", trained.runId], dir);
    expect(parent.children?.map((c) => c.name)).toEqual([
      "logisticRegression",
      "decisionTreeClassifier",
      "baseline (dummyClassifier)",
    ]);
    const tree = await json<{ runs: JsonRun[] }>(["runs", "list", "--nested"], dir);
    expect(tree.runs).toHaveLength(1 + 3 + 3 * 3);
    const tree2 = tree.runs.find((x) => x.name === "decisionTreeClassifier")!;
    expect(tree2.params).toMatchObject({ kind: "decisionTreeClassifier", "model.maxDepth": "4" });
    expect(Object.keys(tree2.metrics)).toEqual(
      expect.arrayContaining(["cv_roc_auc_mean", "fit_s", "latency_p95_ms", "artifact_bytes"]),
    );
    const folds = tree.runs.filter((x) => x.parentRunId === tree2.runId);
    expect(folds.map((f) => f.params.fold)).toEqual(["1", "2", "3"]);
    expect(folds.every((f) => typeof f.metrics.roc_auc.value === "number")).toBe(true);
  });

  it("--no-track trains without a store; a damaged or unusable store stops training before it starts", async () => {
    const d = tempDir();
    copyChurnData(d);
    writeFileSync(join(d, "mlship.yaml"), spec);
    const untracked = await json<{ runId?: string }>(["train", "--no-track", "--out", "m.mlship"], d);
    expect(untracked.runId).toBeUndefined();
    expect(existsSync(join(d, ".mlship", "store.db"))).toBe(false);
    // A damaged store (here: not a database at all) is found before the minutes of training, not after.
    writeFileSync(join(d, "damaged.db"), Buffer.alloc(8192, 0x5a));
    const r = await run(["train", "--store", "damaged.db", "--out", "m2.mlship"], d);
    const stderr = expectUserError(r);
    expect(stderr).toMatch(/cannot record this training: the store file is damaged/);
    expect(stderr).toMatch(/--no-track/);
    // A store path that cannot be a file (a folder is there) is refused the same way.
    mkdirSync(join(d, "folder.db"));
    expect(expectUserError(await run(["train", "--store", "folder.db", "--out", "m2.mlship"], d))).toMatch(
      /--no-track/,
    );
    expect(existsSync(join(d, "m2.mlship"))).toBe(false);
  });
});

describe("mlship runs and experiments", () => {
  it("list and filter runs, with the run id in human output", async () => {
    const human = await run(["runs", "list"], dir);
    expect(human.status).toBe(0);
    expect(human.stderr).toContain(trained.runId.slice(0, 12));
    expect(human.stderr).toMatch(/roc_auc=0\.\d+/);
    const match = await json<{ runs: JsonRun[] }>(
      ["runs", "list", "--filter", "metrics.roc_auc > 0.5 and params.metric = 'roc_auc'"],
      dir,
    );
    expect(match.runs.map((r) => r.runId)).toEqual([trained.runId]);
    const none = await json<{ runs: JsonRun[] }>(
      ["runs", "list", "--experiment", "churn_tracked", "--filter", "metrics.roc_auc > 2"],
      dir,
    );
    expect(none.runs).toEqual([]);
    const ordered = await json<{ runs: JsonRun[]; nextPageToken?: string }>(
      [
        "runs",
        "list",
        "--nested",
        "--filter",
        "tags.`mlship.kind` = 'candidate'",
        "--order-by",
        "metrics.cv_roc_auc_mean DESC",
        "--max",
        "2",
      ],
      dir,
    );
    expect(ordered.runs).toHaveLength(2);
    expect(ordered.runs[0].metrics.cv_roc_auc_mean.value as number).toBeGreaterThanOrEqual(
      ordered.runs[1].metrics.cv_roc_auc_mean.value as number,
    );
    const next = await json<{ runs: JsonRun[]; nextPageToken?: string }>(
      [
        "runs",
        "list",
        "--nested",
        "--filter",
        "tags.`mlship.kind` = 'candidate'",
        "--order-by",
        "metrics.cv_roc_auc_mean DESC",
        "--max",
        "2",
        "--page-token",
        ordered.nextPageToken!,
      ],
      dir,
    );
    expect(next.runs.map((r) => r.name)).toEqual(["baseline (dummyClassifier)"]);
    expect(next.nextPageToken).toBeUndefined();
  });

  it("compare puts params and metrics side by side and flags differences", async () => {
    const parent = await json<JsonRun>(["runs", "show", trained.runId], dir);
    const [a, b] = parent.children!.map((c) => c.runId);
    const c = await json<{
      runs: Array<{ runId: string }>;
      params: Array<{ key: string; values: Array<string | null>; differs: boolean }>;
      metrics: Array<{ key: string; values: Array<number | null>; differs: boolean }>;
    }>(["runs", "compare", a.slice(0, 8), b], dir);
    expect(c.runs.map((r) => r.runId)).toEqual([a, b]);
    expect(c.params.find((p) => p.key === "kind")).toEqual({
      key: "kind",
      values: ["logisticRegression", "decisionTreeClassifier"],
      differs: true,
    });
    expect(c.params.find((p) => p.key === "metric")).toEqual({
      key: "metric",
      values: ["roc_auc", "roc_auc"],
      differs: false,
    });
    expect(c.params.find((p) => p.key === "model.maxDepth")?.values).toEqual([null, "4"]);
    expect(c.metrics.find((m) => m.key === "cv_roc_auc_mean")?.differs).toBe(true);
    const human = await run(["runs", "compare", a, b], dir);
    expect(human.status).toBe(0);
    expect(human.stderr).toMatch(/^\*\s+kind\s+logisticRegression\s+decisionTreeClassifier$/m);
    expect(human.stderr).toMatch(/^\s+metric\s+roc_auc\s+roc_auc$/m);
    expect(human.stderr).toMatch(/keys differ \(marked \*\)/);
  });

  it("delete and restore a run with its children; experiments list counts trainings", async () => {
    const d = await json<{ lifecycleStage: string }>(["runs", "delete", trained.runId], dir);
    expect(d.lifecycleStage).toBe("deleted");
    expect((await json<{ runs: JsonRun[] }>(["runs", "list", "--nested"], dir)).runs).toEqual([]);
    expect(
      (await json<{ runs: JsonRun[] }>(["runs", "list", "--deleted", "--nested"], dir)).runs,
    ).toHaveLength(13);
    await json(["runs", "restore", trained.runId.slice(0, 10)], dir);
    expect((await json<{ runs: JsonRun[] }>(["runs", "list", "--nested"], dir)).runs).toHaveLength(13);
    const e = await json<{ experiments: Array<{ name: string; runs: number; experimentId: string }> }>(
      ["experiments", "list"],
      dir,
    );
    expect(e.experiments).toEqual([
      expect.objectContaining({ name: "churn_tracked", runs: 1, experimentId: trained.experimentId }),
    ]);
  });

  it("bad input: a bad filter points at the error, unknown runs and missing stores are clear errors", async () => {
    const bad = await run(["runs", "list", "--filter", "metrics.roc_auc >> 0.5"], dir);
    const stderr = expectUserError(bad);
    expect(stderr).toMatch(/at character 18 of the filter/);
    expect(stderr).toContain("  metrics.roc_auc >> 0.5\n                   ^");
    const badJson = await run(["runs", "list", "--filter", "metircs.x > 1", "--json"], dir);
    expect(badJson.status).toBe(1);
    expect(JSON.parse(badJson.stdout).error).toMatchObject({
      code: "E_INVALID_FILTER",
      data: { position: 0 },
    });
    expect(JSON.parse(badJson.stdout).error.fix).toMatch(/did you mean metrics\.x/);
    expectUserError(await run(["runs", "show", "0123456789abcdef"], dir));
    expectUserError(await run(["runs", "compare", trained.runId], dir), { exit: 2, where: false });
    const empty = tempDir();
    expect(expectUserError(await run(["runs", "list"], empty))).toMatch(/no store here yet/);
  });
});
