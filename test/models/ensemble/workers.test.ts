/**
 * The worker-thread path only exists in compiled JavaScript (the worker script is dist/.../forest-worker.js).
 * This test transpiles the forest's module closure (src/core, src/models, src/models/tree, src/models/hist,
 * src/models/ensemble) to a temporary directory, fits there with two worker threads, and checks the trees
 * are exactly those grown in this thread from the TypeScript sources with the same seed, for both splitters,
 * and that later fits, which post their jobs to the workers kept from the first, still run on 2 threads.
 * Predictions of more than that many row-trees also run on the workers (blocks of rows claimed by both
 * threads); they must equal this thread's to the last bit.
 * Whether a worker is reused rather than started anew is not observable from here; its effect is measured by
 * `node bench/run.mjs churn-cv` (the forest's CV time).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { RandomForestClassifier, RandomForestRegressor } from "../../../src/models/ensemble/index.js";
import { loadXy } from "../../support/fixtures.js";

const src = fileURLToPath(new URL("../../../src/", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "mlship-forest-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function transpile(dir: string): void {
  mkdirSync(join(out, dir), { recursive: true });
  for (const file of readdirSync(join(src, dir)).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
    const js = ts.transpileModule(readFileSync(join(src, dir, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(out, dir, file.replace(/\.ts$/, ".js")), js);
  }
}

describe("RandomForest in worker threads (compiled)", () => {
  it("grows the same trees with 2 workers as in this thread", async () => {
    for (const dir of ["core", "models", "models/tree", "models/hist", "models/ensemble"]) transpile(dir);
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    const compiled = (await import(
      pathToFileURL(join(out, "models/ensemble/index.js")).href
    )) as typeof import("../../../src/models/ensemble/index.js");
    expect(compiled.workersAvailable()).toBe(true);

    // 1030 rows x 200 trees is above the size where worker threads are used
    const { X, y } = loadXy("concrete.csv", "compressive_strength", false);
    const params = { nEstimators: 200, maxDepth: 8, randomState: 11, nJobs: 2, oobScore: true };
    const parallel = new compiled.RandomForestRegressor(params).fit(X, y);
    const inThread = new RandomForestRegressor(params).fit(X, y);
    expect(parallel.state.threads).toBe(2);
    expect(inThread.state.threads).toBe(1);
    const a = parallel.toJSON().state!;
    const b = inThread.toJSON().state!;
    expect(a.trees).toEqual(b.trees);
    expect(a.seeds).toEqual(b.seeds);
    expect(a.featureImportances).toEqual(b.featureImportances);
    expect(parallel.oobScore).toBe(inThread.oobScore);
    expect(parallel.predict(X)).toEqual(inThread.predict(X));

    // same seed, a second fit on the pooled workers: reproducible, and still on 2 threads
    const again = new compiled.RandomForestRegressor(params).fit(X, y);
    expect(again.state.threads).toBe(2);
    expect(again.toJSON().state!.trees).toEqual(a.trees);

    // the exact splitter too
    const exact = { ...params, splitter: "exact" } as const;
    const exactParallel = new compiled.RandomForestRegressor(exact).fit(X, y);
    expect(exactParallel.state.threads).toBe(2);
    expect(exactParallel.toJSON().state!.trees).toEqual(
      new RandomForestRegressor(exact).fit(X, y).toJSON().state!.trees,
    );

    // class probabilities of 1797 rows x 120 trees (10 classes), summed on 2 threads
    const digits = loadXy("digits.csv", "target", true);
    const cParams = { nEstimators: 120, maxDepth: 8, randomState: 5, nJobs: 2 };
    const cParallel = new compiled.RandomForestClassifier(cParams).fit(digits.X, digits.y);
    const cInThread = new RandomForestClassifier(cParams).fit(digits.X, digits.y);
    expect(cParallel.toJSON().state!.trees).toEqual(cInThread.toJSON().state!.trees);
    const proba = cParallel.predictProba(digits.X);
    expect(proba).toEqual(cInThread.predictProba(digits.X));
    expect(cParallel.predictWithProba(digits.X)).toEqual({ labels: cInThread.predict(digits.X), proba });
  });
});
