import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";

const churnDir = fileURLToPath(new URL("../../examples/churn/", import.meta.url));

const made: string[] = [];

/** A fresh temp dir; `removeTempDirs` (each file's afterAll) deletes them all. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "mlship-cli-"));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The churn example's spec as an object, to be varied by each test. */
export function churnSpec(): Record<string, unknown> {
  return parse(readFileSync(join(churnDir, "mlship.yaml"), "utf8")) as Record<string, unknown>;
}

export function copyChurnData(dir: string): void {
  copyFileSync(join(churnDir, "wa_churn.csv"), join(dir, "wa_churn.csv"));
}

export function writeSpec(dir: string, spec: unknown, file = "mlship.yaml"): string {
  const path = join(dir, file);
  writeFileSync(path, stringify(spec));
  return path;
}

/** A minimal valid binary spec over one file, for the bad-input cases. */
export function smallSpec(
  path: string,
  target = "y",
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name: "small",
    objective: { business: "test", kpi: "test" },
    task: "binary",
    target,
    metric: { primary: "accuracy", threshold: 0.5 },
    data: { sources: [{ kind: "file", path }] },
    split: { holdout: 0.2, folds: 2, seed: 1 },
    models: [{ kind: "logisticRegression" }],
    ...extra,
  };
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}
