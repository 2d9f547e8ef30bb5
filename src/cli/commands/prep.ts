import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { saveArtifact } from "../../artifact/index.js";
import type { Frame } from "../../core/frame.js";
import type { Transformer } from "../../core/protocol.js";
import { type Dataset, inferSchema, writeFrame } from "../../data/index.js";
import { preparationFor } from "../../evaluate/index.js";
import { featureColumns } from "../../spec/index.js";
import {
  assertValid,
  deriveExpectations,
  type ValidationReport,
  validateOptionsFromSpec,
} from "../../validate/index.js";
import { printJson, say } from "../output.js";
import { collectProject, loadProject, type Project } from "../project.js";

export interface PrepResult {
  artifact: { path: string; sha256: string; bytes: number };
  description: string[];
  inputColumns: number;
  outputColumns: string[];
  rows: number;
}

export interface PrepRun {
  result: PrepResult;
  dataset: Dataset;
  report: ValidationReport;
  /** The fitted pipeline and the features it was fitted on, to check a reloaded artifact against. */
  pipeline: Transformer;
  features: Frame;
}

export async function runPrep(
  project: Project,
  opts: { out?: string; transformed?: string },
): Promise<PrepRun> {
  const { spec } = project;
  const dataset = await collectProject(project);
  const { frame } = dataset;
  const report = assertValid(
    frame,
    deriveExpectations(spec, { columns: frame.names }),
    validateOptionsFromSpec(spec),
  );
  const X = frame.select(featureColumns(spec, frame.names));
  const { pipeline, description } = preparationFor(spec, inferSchema(X), { scale: true });
  const prepared = pipeline.fitTransform(X);
  // The data first: if it cannot be written, no artifact is left behind claiming a finished step.
  if (opts.transformed) {
    const transformed = resolve(opts.transformed);
    mkdirSync(dirname(transformed), { recursive: true });
    writeFrame(transformed, prepared);
  }
  const path = resolve(opts.out ?? resolve(project.baseDir, ".mlship", `${spec.name}.prep.mlship`));
  mkdirSync(dirname(path), { recursive: true });
  const saved = saveArtifact(path, {
    pipeline,
    inputSchema: inferSchema(X),
    spec: { name: spec.name, objective: spec.objective, task: spec.task, metric: spec.metric, pii: spec.pii },
    dataFingerprint: dataset.fingerprint,
    metadata: { stage: "prep", description },
  });
  const result = {
    artifact: { path, ...saved },
    description,
    inputColumns: X.nCols,
    outputColumns: [...prepared.names],
    rows: prepared.nRows,
  };
  return { result, dataset, report, pipeline, features: X };
}

export function registerPrep(program: Command): void {
  program
    .command("prep")
    .description("Fit the spec's preparation pipeline (or the default one) on its data and save it")
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("-o, --out <file>", "artifact path (default: .mlship/<name>.prep.mlship beside the spec)")
    .option("--transformed <file>", "also write the prepared data (.csv or .ndjson)")
    .option("--json", "print the result as JSON on stdout")
    .action(async (opts: { spec: string; out?: string; transformed?: string; json?: boolean }) => {
      const { result } = await runPrep(loadProject(opts.spec), opts);
      if (opts.json) {
        printJson(result);
        return;
      }
      for (const line of result.description) say(`  ${line}`);
      say(
        `${result.inputColumns} input columns -> ${result.outputColumns.length} prepared columns, ${result.rows} rows`,
      );
      say(`saved ${result.artifact.path} (sha256 ${result.artifact.sha256.slice(0, 12)}…)`);
    });
}
