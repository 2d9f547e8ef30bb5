import { existsSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { writeFileAtomic } from "../../core/fs.js";
import { readFile } from "../../data/index.js";
import {
  choosePositiveClass,
  defaultMetric,
  didYouMean,
  inferTask,
  parseSpec,
  renderSpec,
  specNameFrom,
} from "../../spec/index.js";
import { green, printJson, say } from "../output.js";

interface InitOptions {
  data: string;
  target: string;
  name?: string;
  out: string;
  force?: boolean;
  json?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("Write a commented mlship.yaml for a data file, inferring the task from the target column")
    .requiredOption("--data <file>", "the data file (CSV, TSV, Parquet, JSON, NDJSON)")
    .requiredOption("--target <column>", "the column to predict")
    .option("--name <name>", "project name (default: from the data file name)")
    .option("-o, --out <file>", "where to write the spec", "mlship.yaml")
    .option("--force", "overwrite an existing spec")
    .option("--json", "print what was inferred as JSON on stdout")
    .action(async (opts: InitOptions) => {
      const out = resolve(opts.out);
      if (existsSync(out) && !opts.force) {
        throw new MlshipError({
          what: "a spec already exists and would be overwritten",
          where: out,
          fix: "pass --force to replace it, or --out to write somewhere else",
          code: "E_SPEC_EXISTS",
        });
      }
      const frame = await readFile(resolve(opts.data));
      if (!frame.has(opts.target)) {
        const guess = didYouMean(opts.target, frame.names);
        throw new MlshipError({
          what: `the data has no column "${opts.target}"`,
          where: opts.data,
          fix: guess ? `did you mean "${guess}"?` : `choose one of: ${frame.names.join(", ")}`,
          code: "E_INIT_TARGET",
        });
      }
      const target = frame.column(opts.target);
      const { task, reason } = inferTask(target, opts.target);
      const positive = task === "binary" ? choosePositiveClass(target) : undefined;
      const metric = defaultMetric(task);
      const dataPath = relative(dirname(out), resolve(opts.data)).split(sep).join("/");
      const text = renderSpec({
        name: opts.name ?? specNameFrom(opts.data),
        task,
        target: opts.target,
        dataPath,
        ...(positive ? { positiveClass: positive.value } : {}),
        reasons: { task: reason, ...(positive ? { positiveClass: positive.reason } : {}) },
      });
      parseSpec(text, { path: out }); // never write a spec that would not load
      writeFileAtomic(out, text);
      if (opts.json) {
        printJson({
          spec: out,
          task,
          reason,
          positiveClass: positive?.value ?? null,
          metric: { primary: metric.primary, threshold: metric.threshold },
        });
      }
      say(`${opts.target}: ${reason}`);
      if (positive) say(`positive class: ${JSON.stringify(positive.value)} (${positive.reason})`);
      say(`metric: ${metric.primary}, worth shipping at >= ${metric.threshold} (${metric.reason})`);
      say(green(`wrote ${out}`) + " — edit the objective and KPI, then run `mlship validate`");
    });
}
