/**
 * Folds in worker threads only exist in compiled JavaScript (the worker script is dist/evaluate/cv-worker.js).
 * This test transpiles the layers the worker loads (core .. models, evaluate) into a temporary directory
 * in the repository root (so npm imports resolve and src/core finds package.json), cross-validates there with two threads, and checks every
 * fold's scores are exactly those of the sequential run from the TypeScript sources.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { crossValidate } from "../../src/evaluate/index.js";
import { RandomForestClassifier } from "../../src/models/ensemble/index.js";
import { loadXy } from "../support/fixtures.js";

const src = fileURLToPath(new URL("../../src/", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const out = mkdtempSync(join(root, ".mlship-cv-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function transpile(dir: string): void {
  mkdirSync(join(out, dir), { recursive: true });
  for (const file of readdirSync(join(src, dir))) {
    if (statSync(join(src, dir, file)).isDirectory()) transpile(join(dir, file));
    else if (file.endsWith(".ts")) {
      const js = ts.transpileModule(readFileSync(join(src, dir, file), "utf8"), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(out, dir, file.replace(/\.ts$/, ".js")), js);
    }
  }
}

describe("crossValidate in worker threads (compiled)", () => {
  it("scores every fold exactly as the sequential run, folds in order, onFold once per fold", async () => {
    for (const dir of ["core", "spec", "data", "validate", "prep", "artifact", "models", "evaluate"]) {
      transpile(dir);
    }
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    const url = (p: string) => pathToFileURL(join(out, p)).href;
    const compiled = (await import(url("evaluate/index.js"))) as typeof import("../../src/evaluate/index.js");
    const models = (await import(url("models/index.js"))) as typeof import("../../src/models/index.js");
    const cvModule = (await import(
      url("evaluate/crossValidate.js")
    )) as typeof import("../../src/evaluate/crossValidate.js");
    expect(cvModule.cvWorkersAvailable()).toBe(true);

    // 1797 rows x 64 columns x 8 folds is above the size where folds go to worker threads; each fold
    // takes long enough that the worker (which loads every model first) gets some of them
    const { X, y } = loadXy("digits.csv", "target", true);
    const params = { nEstimators: 40, nJobs: 1, randomState: 3 };
    const options = { cv: 8, scoring: ["accuracy", "log_loss"] as const };
    const seen: number[] = [];
    const parallel = compiled.crossValidate(new models.RandomForestClassifier(params), X, y, {
      ...options,
      nJobs: 2,
      onFold: (r) => seen.push(r.fold),
    });
    const sequential = crossValidate(new RandomForestClassifier(params), X, y, { ...options, nJobs: 1 });
    expect(parallel.threads).toBe(2);
    expect(sequential.threads).toBe(1);
    expect(parallel.folds.map((f) => f.fold)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parallel.folds.map((f) => f.scores)).toEqual(sequential.folds.map((f) => f.scores));
    expect(parallel.mean).toEqual(sequential.mean);

    // an estimator with threads of its own keeps folds in this thread
    const threaded = compiled.crossValidate(
      new models.RandomForestClassifier({ ...params, nJobs: 2 }),
      X,
      y,
      {
        ...options,
        nJobs: 2,
      },
    );
    expect(threaded.threads).toBe(1);
    expect(threaded.mean).toEqual(sequential.mean);
  }, 120_000);
});
