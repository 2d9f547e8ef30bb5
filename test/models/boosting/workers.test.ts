/**
 * The histogram worker threads only exist in compiled JavaScript (dist/.../hist-worker.js). This test
 * transpiles the model's module closure to a temporary directory, fits there with two threads and
 * checks that every tree is exactly the one grown in this thread from the TypeScript sources.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { categorical, Frame, numeric } from "../../../src/core/frame.js";
import { Random } from "../../../src/core/random.js";
import { HistGradientBoostingClassifier } from "../../../src/models/boosting/index.js";
import { histWorkersAvailable } from "../../../src/models/hist/index.js";

const src = fileURLToPath(new URL("../../../src/", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "mlship-hgb-"));
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

describe("HistGradientBoosting with worker threads (compiled)", () => {
  it("runs in this thread from TypeScript sources", () => {
    expect(histWorkersAvailable()).toBe(false);
  });

  it("grows the same trees on 2 threads as on one, with missing values and a categorical feature", async () => {
    for (const dir of ["core", "models", "models/tree", "models/hist", "models/boosting"]) transpile(dir);
    writeFileSync(join(out, "package.json"), '{"type":"module"}');
    const compiled = (await import(
      pathToFileURL(join(out, "models/boosting/index.js")).href
    )) as typeof import("../../../src/models/boosting/index.js");
    const hist = (await import(
      pathToFileURL(join(out, "models/hist/index.js")).href
    )) as typeof import("../../../src/models/hist/index.js");
    expect(hist.histWorkersAvailable()).toBe(true);

    // 80,000 x 26 cells is above the size where threads are used
    const rng = new Random(4);
    const n = 80_000;
    const cols: Array<readonly [string, ReturnType<typeof numeric> | ReturnType<typeof categorical>]> = [];
    for (let j = 0; j < 25; j++) {
      cols.push([
        `x${j}`,
        numeric(Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : rng.normal()))),
      ]);
    }
    const cat = Int32Array.from({ length: n }, () => rng.int(6));
    cols.push(["c", categorical(cat, ["a", "b", "c", "d", "e", "f"])]);
    const X = new Frame(cols);
    const x0 = (X.column("x0") as { values: Float64Array }).values;
    const label = Int32Array.from({ length: n }, (_, i) =>
      (Number.isNaN(x0[i]) ? 1 : x0[i]) + (cat[i] % 2) + rng.normal() > 0.5 ? 1 : 0,
    );
    const y = categorical(label, ["no", "yes"]);
    const params = { maxIter: 8, earlyStopping: false } as const;
    const parallel = new compiled.HistGradientBoostingClassifier({ ...params, nJobs: 2 }).fit(X, y);
    const inThread = new HistGradientBoostingClassifier({ ...params, nJobs: 1 }).fit(X, y);
    expect(parallel.state.threads).toBe(2);
    expect(inThread.state.threads).toBe(1);
    const a = parallel.toJSON().state!;
    const b = inThread.toJSON().state!;
    expect({ ...a, threads: 0 }).toEqual({ ...b, threads: 0 });
    expect(Array.from(parallel.predictProba(X))).toEqual(Array.from(inThread.predictProba(X)));
  });
});
