import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import type { TrainSummary } from "../../src/evaluate/index.js";
import type { ModelEvaluation } from "../../src/registry/index.js";
import { openStore, type Store } from "../../src/store/index.js";

const open: Store[] = [];
const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "mlship-registry-"));
  dirs.push(d);
  return d;
}

export async function freshStore(path = join(tempDir(), "store.db")): Promise<Store> {
  const s = await openStore(path);
  open.push(s);
  return s;
}

/** For afterEach: closes the stores and removes the folders the test made. */
export async function cleanUp(): Promise<void> {
  for (const s of open.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(MlshipError);
    return (err as MlshipError).code;
  }
  throw new Error("expected a rejection");
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** An evaluation of a maximised metric with threshold 0.8. */
export function evaluation(score: number, violations: string[] = []): ModelEvaluation {
  return {
    metric: "roc_auc",
    direction: "maximize",
    threshold: 0.8,
    holdout: { roc_auc: score, accuracy: 0.7 },
    meetsThreshold: score >= 0.8,
    constraints: { latencyP95Ms: 50 },
    measured: { latencyP95Ms: violations.length > 0 ? 80 : 5, artifactBytes: 1000, predictMsPerRow: 0.01 },
    violations,
  };
}

/** The summary `mlship train` would produce for a best model scoring `score` on the holdout. */
export function summary(
  score: number,
  options: { latencyP95Ms?: number; violations?: string[] } = {},
): TrainSummary {
  return {
    project: "churn",
    objective: { business: "keep customers", kpi: "churn rate" },
    task: "binary",
    target: "y",
    positiveClass: null,
    data: { rows: 100, columns: 3, fingerprint: `fp-${score}`, sources: ["d.csv"] },
    validation: { passed: 3, warnings: 0 },
    prep: [],
    split: { train: 80, holdout: 20, folds: 5, seed: 42 },
    metric: { primary: "roc_auc", threshold: 0.8, direction: "maximize" },
    candidates: [
      {
        name: "logisticRegression",
        kind: "logisticRegression",
        params: {},
        baseline: false,
        cv: { roc_auc: { mean: score, std: 0.01, folds: [score] } },
        fitSeconds: 0.1,
        predictMsPerRow: 0.01,
        latencyP95Ms: options.latencyP95Ms ?? 1,
        artifactBytes: 2000,
        violations: options.violations ?? [],
      },
    ],
    best: "logisticRegression",
    holdout: { roc_auc: score, accuracy: 0.8 },
    meetsThreshold: score >= 0.8,
    artifact: { path: "/tmp/churn.mlship", sha256: "x", bytes: 2000 },
    mlshipVersion: "0.1.0",
    durationSeconds: 1,
  };
}
