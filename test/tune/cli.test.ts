/**
 * `mlship tune` and `mlship train` with spaces, end to end through the built CLI on a small spec: the
 * summary on stdout under --json, every trial a child run with its params and fold scores, pruned trials
 * marked, the best refitted and registered, the same seed giving the same study, budgets, and bad spaces
 * refused with the spec line and a fix. The fold pool (worker threads, compiled code only) gives the same
 * trials as folds in one thread.
 */
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir, writeSpec } from "../cli/helpers.js";
import { expectUserError, run } from "../cli/run.js";

afterAll(removeTempDirs);

const env = { MLSHIP_STORE: "" };
const fixture = fileURLToPath(new URL("../fixtures/breast_cancer.csv", import.meta.url));
const dist = new URL("../../dist/index.js", import.meta.url).href;

function spec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "cancer",
    objective: { business: "find tumours", kpi: "recall" },
    task: "binary",
    target: "target",
    positiveClass: 1,
    metric: { primary: "roc_auc", threshold: 0.8, secondary: ["accuracy"] },
    data: { sources: [{ kind: "file", path: "bc.csv" }] },
    split: { holdout: 0.2, folds: 4, seed: 5 },
    models: [
      {
        kind: "decisionTreeClassifier",
        space: {
          maxDepth: { int: [1, 12] },
          minSamplesLeaf: { int: [1, 40], log: true },
          criterion: { choice: ["gini", "entropy"] },
        },
      },
      { kind: "logisticRegression", params: { maxIter: 500 } },
    ],
    tune: { trials: 14, seed: 3 },
    ...extra,
  };
}

function project(extra: Record<string, unknown> = {}): string {
  const dir = tempDir();
  copyFileSync(fixture, join(dir, "bc.csv"));
  writeSpec(dir, spec(extra));
  return dir;
}

async function tuneJson(dir: string, args: string[] = []) {
  const r = await run(["tune", "--json", ...args], dir, env);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

// CLI runs that tune take seconds each on a free machine, much longer on a loaded one.
const slow = { timeout: 240_000 };

describe("mlship tune", slow, () => {
  it("tunes, refits and registers the best; --json prints the summary alone; trials are child runs", async () => {
    const dir = project();
    const s = await tuneJson(dir);
    const t = s.tuning;
    expect(t).toMatchObject({
      sampler: "tpe",
      seed: 3,
      budget: { trials: 14 },
      stopped: "trials",
      metric: "roc_auc",
    });
    expect(t.trials).toHaveLength(14);
    expect(t.counts.complete + t.counts.pruned + t.counts.failed).toBe(14);
    expect(t.counts.pruned).toBeGreaterThan(0);
    // The best trial is the best complete one, and its folds average to its value.
    const complete = t.trials.filter((x: { state: string }) => x.state === "complete");
    expect(t.best.value).toBe(Math.max(...complete.map((x: { value: number }) => x.value)));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(t.best.value).toBeCloseTo(mean(t.best.folds.roc_auc), 12);
    expect(t.best.folds.roc_auc).toHaveLength(4);
    // mlship tune compares the tuned model with the baseline only; the refit carries the best values.
    expect(s.candidates.map((c: { name: string }) => c.name)).toEqual([
      "decisionTreeClassifier",
      "baseline (dummyClassifier)",
    ]);
    expect(s.candidates[0].params).toMatchObject({ ...t.best.params, randomState: 5 });
    expect(s.candidates[0].cv.roc_auc.folds).toEqual(t.best.folds.roc_auc);
    expect(s.best).toBe("decisionTreeClassifier");
    expect(s.registration).toMatchObject({ name: "cancer", version: 1 });

    const { openStore, searchRuns, getMetricHistory } = (await import(
      dist
    )) as typeof import("../../src/index.js");
    const store = await openStore(join(dir, ".mlship", "store.db"));
    try {
      const { runs } = await searchRuns(store, { maxResults: 1000 });
      const parent = runs.find((r) => r.runId === s.runId)!;
      expect(parent).toMatchObject({ name: "tune", status: "FINISHED", tags: { "mlship.kind": "tune" } });
      expect(parent.params["tune.sampler"]).toBe("tpe");
      const trials = runs.filter((r) => r.parentRunId === s.runId && r.tags["mlship.kind"] === "trial");
      expect(trials).toHaveLength(14);
      for (const summary of t.trials) {
        const r = trials.find((x) => x.name === `trial ${summary.number}`)!;
        expect(r.tags["mlship.trial_state"]).toBe(summary.state.toUpperCase());
        for (const [k, v] of Object.entries(summary.params)) expect(r.params[`model.${k}`]).toBe(String(v));
        const history = await getMetricHistory(store, r.runId, "fold_roc_auc");
        expect(history.map((m) => [m.step, m.value])).toEqual(
          summary.folds.roc_auc.map((v: number, i: number) => [i, v]),
        );
        if (summary.state === "pruned") {
          expect(r.tags["mlship.pruned_after_fold"]).toBe(String(summary.prunedAfterFold));
          expect(history.length).toBe(summary.prunedAfterFold + 1);
        }
      }
      expect(trials.find((r) => r.name === `trial ${t.best.number}`)!.tags["mlship.best"]).toBe("true");
    } finally {
      await store.close();
    }
  });

  it("the same seed gives the same trials and the same best; another seed another study", async () => {
    const dir = project();
    const a = await tuneJson(dir, ["--no-track"]);
    const b = await tuneJson(dir, ["--no-track"]);
    const c = await tuneJson(dir, ["--no-track", "--seed", "4"]);
    const view = (s: { tuning: { trials: Array<{ params: unknown; value: unknown; state: string }> } }) =>
      s.tuning.trials.map((x) => [x.params, x.value, x.state]);
    expect(view(b)).toEqual(view(a));
    expect(b.tuning.best.number).toBe(a.tuning.best.number);
    expect(view(c)).not.toEqual(view(a));
  });

  it("random and grid samplers from the command line; the grid stops when every point is scored", async () => {
    const dir = project({
      models: [
        {
          kind: "decisionTreeClassifier",
          space: { maxDepth: { int: [2, 4] }, criterion: { choice: ["gini", "entropy"] } },
        },
      ],
    });
    const grid = await tuneJson(dir, [
      "--no-track",
      "--sampler",
      "grid",
      "--trials",
      "100",
      "--pruner",
      "none",
    ]);
    expect(grid.tuning.stopped).toBe("exhausted");
    expect(grid.tuning.budget.trials).toBe(6);
    expect(grid.tuning.trials.map((x: { params: object }) => JSON.stringify(x.params)).sort()).toEqual(
      [2, 3, 4]
        .flatMap((d) => ["gini", "entropy"].map((c) => JSON.stringify({ maxDepth: d, criterion: c })))
        .sort(),
    );
    const random = await tuneJson(dir, ["--no-track", "--sampler", "random", "--trials", "5"]);
    expect(random.tuning).toMatchObject({ sampler: "random", stopped: "trials" });
  });

  it("stops on the time budget", async () => {
    const dir = project();
    const s = await tuneJson(dir, [
      "--no-track",
      "--trials",
      "100000",
      "--timeout",
      "2s",
      "--pruner",
      "none",
    ]);
    expect(s.tuning.stopped).toBe("timeout");
    expect(s.tuning.budget.timeoutSeconds).toBe(2);
    expect(s.tuning.trials.length).toBeLessThan(100000);
    expect(s.tuning.seconds).toBeLessThan(2 + 5);
  });

  it("tunes several models in one study, each model's values conditional on it being chosen", async () => {
    const dir = project({
      models: [
        { kind: "decisionTreeClassifier", space: { maxDepth: { int: [1, 8] } } },
        {
          kind: "logisticRegression",
          params: { maxIter: 500 },
          space: {
            penalty: { choice: ["l2", "none"] },
            c: { float: [0.001, 100], log: true, when: { penalty: "l2" } },
          },
        },
      ],
      tune: { trials: 20, seed: 1, pruner: "none" },
    });
    const s = await tuneJson(dir, ["--no-track"]);
    const trials = s.tuning.trials as Array<{ model: string; params: Record<string, unknown> }>;
    expect(new Set(trials.map((x) => x.model))).toEqual(
      new Set(["decisionTreeClassifier", "logisticRegression"]),
    );
    for (const x of trials) {
      if (x.model === "decisionTreeClassifier") expect(Object.keys(x.params)).toEqual(["maxDepth"]);
      else expect("c" in x.params).toBe(x.params.penalty === "l2");
    }
    expect(s.candidates.map((c: { name: string }) => c.name)).toEqual([
      "decisionTreeClassifier",
      "logisticRegression",
      "baseline (dummyClassifier)",
    ]);
  });
});

describe("mlship tune on gradient boosting", slow, () => {
  it("searches a HistGradientBoosting space (native inputs) and registers the best", async () => {
    const dir = project({
      models: [
        {
          kind: "histGradientBoostingClassifier",
          params: { maxIter: 20 },
          space: {
            learningRate: { float: [0.02, 0.5], log: true },
            maxLeafNodes: { int: [4, 32], log: true },
            l2Regularization: { float: [1e-6, 10], log: true },
          },
        },
      ],
      tune: { trials: 6, seed: 2 },
    });
    const s = await tuneJson(dir);
    expect(s.tuning.trials).toHaveLength(6);
    expect(Object.keys(s.tuning.best.params).sort()).toEqual([
      "l2Regularization",
      "learningRate",
      "maxLeafNodes",
    ]);
    expect(s.candidates[0]).toMatchObject({
      kind: "histGradientBoostingClassifier",
      params: { maxIter: 20, ...s.tuning.best.params },
    });
    expect(s.registration.version).toBe(1);
  });
});

describe("mlship train with spaces", slow, () => {
  it("tunes the spaced model and compares it with the fixed ones; --no-tune trains the params as written", async () => {
    const dir = project();
    const r = await run(["train", "--json"], dir, env);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.tuning.trials).toHaveLength(14);
    expect(s.candidates.map((c: { name: string }) => c.name)).toEqual([
      "decisionTreeClassifier",
      "logisticRegression",
      "baseline (dummyClassifier)",
    ]);
    const plain = JSON.parse((await run(["train", "--json", "--no-tune", "--no-track"], dir, env)).stdout);
    expect(plain.tuning).toBeUndefined();
    // As written, plus the spec's seed for the tree's own randomness (split.seed is 5 here).
    expect(plain.candidates[0].params).toEqual({ randomState: 5 });
    const text = await run(["train", "--no-track"], dir, env);
    expect(text.stderr).toMatch(/tuning decisionTreeClassifier with tpe: up to 14 trials/);
    expect(text.stderr).toMatch(/tuning: tpe, 14 trials/);
    expect(text.stderr).toMatch(
      /best: trial \d+ \(decisionTreeClassifier\) roc_auc 0\.\d+ \(cv\): maxDepth=/,
    );
  });
});

describe("bad spaces and options", slow, () => {
  it("an unknown parameter is named at its spec line with the closest one", async () => {
    const dir = project({
      models: [{ kind: "decisionTreeClassifier", space: { maxDeph: { int: [1, 5] } } }],
    });
    const stderr = expectUserError(await run(["tune"], dir, env));
    expect(stderr).toMatch(/decisionTreeClassifier has no parameter "maxDeph"/);
    expect(stderr).toMatch(/where: +.*mlship\.yaml:\d+:\d+/);
    expect(stderr).toMatch(/did you mean `maxDepth`|did you mean "maxDepth"/);
  });

  it("a range the model refuses, and a continuous range under grid search, at their lines", async () => {
    const dir = project({
      models: [
        {
          kind: "decisionTreeClassifier",
          space: { maxDepth: { int: [0, 5] }, minSamplesLeaf: { int: [1, 5] } },
        },
      ],
    });
    const refused = expectUserError(await run(["tune"], dir, env));
    expect(refused).toMatch(/refuses maxDepth = 0/);
    const gridDir = project({
      models: [{ kind: "logisticRegression", space: { c: { float: [0.01, 10], log: true } } }],
      tune: { sampler: "grid" },
    });
    const grid = expectUserError(await run(["tune"], gridDir, env));
    expect(grid).toMatch(/grid search needs a finite set of values, and "c" is a continuous range/);
    expect(grid).toMatch(/mlship\.yaml:\d+:\d+/);
  });

  it("a broken range in the spec itself, a spec without spaces, and bad flags", async () => {
    const dir = project({
      models: [{ kind: "decisionTreeClassifier", space: { maxDepth: { int: [9, 2] } } }],
    });
    expect(expectUserError(await run(["tune"], dir, env))).toMatch(/\[9, 2\] is empty/);
    const plain = project({ models: [{ kind: "logisticRegression" }] });
    expect(expectUserError(await run(["tune"], plain, env))).toMatch(
      /no model in the spec has a search space/,
    );
    const flags = project();
    expect(
      expectUserError(await run(["tune", "--sampler", "bayes"], flags, env), { exit: 2, where: false }),
    ).toMatch(/unknown sampler "bayes"/);
    expect(
      expectUserError(await run(["tune", "--timeout", "soon"], flags, env), { exit: 2, where: false }),
    ).toMatch(/--timeout needs a duration/);
  });
});

describe("the fold pool (compiled)", slow, () => {
  it("runs folds on worker threads and gives exactly the trials of the one-thread run", async () => {
    const dir = project({ tune: { trials: 8, seed: 2 } });
    const { loadSpec, tuneFromSpec } = (await import(dist)) as typeof import("../../src/index.js");
    const s = loadSpec(join(dir, "mlship.yaml"));
    const one = await tuneFromSpec(s, { baseDir: dir, include: "tuned", jobs: 1 });
    const two = await tuneFromSpec(s, { baseDir: dir, include: "tuned", jobs: 2, poolAfterSeconds: 0 });
    expect(one.summary.tuning.threads).toBe(1);
    expect(two.summary.tuning.threads).toBe(2);
    const view = (r: typeof one) => r.summary.tuning.trials.map((t) => [t.params, t.state, t.folds]);
    expect(view(two)).toEqual(view(one));
    expect(readFileSync(one.summary.artifact.path).length).toBeGreaterThan(0);
  });
});
