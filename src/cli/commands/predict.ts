import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Command } from "commander";
import { loadArtifact } from "../../artifact/index.js";
import { MlshipError } from "../../core/errors.js";
import { ChunkedWriter, readFileChunks } from "../../data/index.js";
import { modelInput, modelOf, predictFrame } from "../../evaluate/index.js";
import { printJson, say } from "../output.js";

export interface PredictOptions {
  model: string;
  data: string;
  out: string;
  id?: string;
  chunkRows: number;
  json?: boolean;
}

/** Scores a file chunk by chunk: memory holds one chunk of inputs and outputs at a time. */
export async function runPredict(
  opts: PredictOptions,
): Promise<{ rows: number; out: string; seconds: number }> {
  const t0 = performance.now();
  if (!Number.isInteger(opts.chunkRows) || opts.chunkRows < 1) {
    throw new MlshipError({
      what: `--chunk-rows must be a positive whole number, got ${opts.chunkRows}`,
      fix: "e.g. --chunk-rows 100000",
      code: "E_USAGE",
    });
  }
  const artifact = loadArtifact(resolve(opts.model));
  const model = modelOf(artifact, opts.model);
  const out = resolve(opts.out);
  mkdirSync(dirname(out), { recursive: true });
  const writer = new ChunkedWriter(out);
  try {
    for await (const chunk of readFileChunks(resolve(opts.data), { chunkRows: opts.chunkRows })) {
      if (opts.id && !chunk.has(opts.id)) {
        throw new MlshipError({
          what: `the id column "${opts.id}" is not in the data`,
          where: opts.data,
          fix: `choose one of: ${chunk.names.join(", ")}`,
          code: "E_PREDICT_ID",
        });
      }
      const scored = predictFrame(model, modelInput(artifact, chunk, opts.data));
      writer.write(opts.id ? chunk.select([opts.id]).with(Object.fromEntries(scored.entries())) : scored);
    }
    writer.commit();
  } catch (err) {
    writer.abort();
    throw err;
  }
  return { rows: writer.rows, out, seconds: (performance.now() - t0) / 1000 };
}

export function registerPredict(program: Command): void {
  program
    .command("predict")
    .description("Score a CSV/Parquet/JSON file with a trained model, streaming it in chunks")
    .requiredOption("-m, --model <file>", "the model artifact (from `mlship train`)")
    .requiredOption("-d, --data <file>", "the data to score")
    .requiredOption("-o, --out <file>", "where to write predictions (.csv, or .ndjson/.jsonl)")
    .option("--id <column>", "copy this column into the output to identify rows")
    // Only plain digits become a number; anything else ("abc", "1.5", "10k") stays as typed, so that
    // runPredict refuses it by name instead of parseInt quietly reading "10k" as 10.
    .option(
      "--chunk-rows <n>",
      "rows scored at a time",
      (v) => (/^\s*\d+\s*$/.test(v) ? Number(v) : v),
      100_000,
    )
    .option("--json", "print a JSON summary on stdout")
    .action(async (opts: PredictOptions) => {
      const result = await runPredict(opts);
      if (opts.json) printJson(result);
      say(`scored ${result.rows} rows in ${result.seconds.toFixed(2)} s -> ${result.out}`);
    });
}
