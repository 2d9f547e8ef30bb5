/**
 * Shared by the benchmark scripts: each one runs in its own process (so peak RSS is its own) and ends by
 * printing one JSON line, `{"metrics": {...}, "rssMb": n}`, which bench/run.mjs collects.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const dataDir = fileURLToPath(new URL("./data/", import.meta.url));
export const repoFile = (rel) => fileURLToPath(new URL(`../${rel}`, import.meta.url));

/** Seconds taken by fn (awaited). */
export async function seconds(fn) {
  const t = performance.now();
  const value = await fn();
  return { value, s: (performance.now() - t) / 1000 };
}

/** bench/data/<name> parsed, or null when the peer's script has not written it. */
export function dataJson(name) {
  const path = `${dataDir}${name}`;
  return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : null;
}

/**
 * Folds a peer's script wrote (one fold number per row, scikit-learn's splitter) as a splitter our
 * crossValidate takes, so both sides score the same rows.
 */
export function predefinedFolds(foldOf, nSplits = 5) {
  return {
    nSplits,
    *split() {
      for (let k = 0; k < nSplits; k++) {
        const rows = (f) => Int32Array.from(foldOf.flatMap((g, i) => (f(g) ? [i] : [])));
        yield { train: rows((g) => g !== k), test: rows((g) => g === k) };
      }
    },
  };
}

/** Seeds a randomised model is scored with on both sides (the peers use the same list). */
export const RF_SEEDS = [0, 1, 2, 3, 4];

/** `{ [key]: mean, [key + "Std"]: population standard deviation }` of xs. */
export function meanStd(key, xs) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
  return { [key]: mean, [`${key}Std`]: std };
}

export function report(metrics, extra = {}) {
  console.log(JSON.stringify({ metrics, rssMb: process.resourceUsage().maxRSS / 1024, ...extra }));
}

/**
 * The make_classification data written by make-classification.py, or null when it was not generated.
 * Frame and numeric are passed in so that this module does not load the package into every benchmark
 * process (the DuckDB floor must not pay for it in its peak RSS).
 */
export function loadSynthetic({ Frame, numeric }) {
  const xPath = `${dataDir}synth_X.f64`;
  const yPath = `${dataDir}synth_y.i32`;
  if (!existsSync(xPath) || !existsSync(yPath)) return null;
  const y = new Int32Array(readFileSync(yPath).buffer.slice(0));
  const X = new Float64Array(readFileSync(xPath).buffer.slice(0));
  const n = y.length;
  const p = X.length / n;
  // column-major on disk, so each column is one contiguous slice
  const frameOf = (start, end) =>
    new Frame(Array.from({ length: p }, (_, j) => [`x${j}`, numeric(X.slice(j * n + start, j * n + end))]));
  return { n, p, y, frameOf };
}
