/**
 * `mlship tune`: searches the spaces of the spec's models (the spec's `tune:` settings, which flags
 * override), refits the best configuration of each tuned model, checks it on the holdout against the
 * baseline, saves and registers it, and records every trial as a child run.
 */
import type { Command } from "commander";
import { MlshipError } from "../../core/errors.js";
import { durationSeconds } from "../../spec/index.js";
import type { SamplerName, TuneOverrides } from "../../tune/index.js";
import { loadProject } from "../project.js";
import { trainCommand } from "./train.js";

function usage(what: string, fix: string): MlshipError {
  return new MlshipError({ what, fix, code: "E_USAGE" });
}

function positiveInt(value: string, flag: string, min = 1): number {
  const x = Number(value);
  if (!(Number.isInteger(x) && x >= min)) {
    throw usage(
      `${flag} needs a whole number >= ${min}, got "${value}"`,
      `e.g. ${flag} ${Math.max(min, 50)}`,
    );
  }
  return x;
}

interface TuneCliOptions {
  spec: string;
  out?: string;
  store?: string;
  track: boolean;
  json?: boolean;
  sampler?: string;
  trials?: string;
  timeout?: string;
  seed?: string;
  pruner?: string;
  jobs?: string;
}

export function tuneOverrides(opts: TuneCliOptions): TuneOverrides {
  const o: TuneOverrides = {};
  if (opts.sampler !== undefined) {
    if (!["tpe", "random", "grid"].includes(opts.sampler)) {
      throw usage(`unknown sampler "${opts.sampler}"`, "use --sampler tpe, random or grid");
    }
    o.sampler = opts.sampler as SamplerName;
  }
  if (opts.trials !== undefined) o.trials = positiveInt(opts.trials, "--trials");
  if (opts.timeout !== undefined) {
    const t = opts.timeout.trim();
    if (!/^\d+(\.\d+)?\s*[smh]?$/.test(t) || durationSeconds(/[smh]$/.test(t) ? t : Number(t)) <= 0) {
      throw usage(
        `--timeout needs a duration, got "${opts.timeout}"`,
        "e.g. --timeout 600, --timeout 90s or --timeout 10m",
      );
    }
    o.timeout = durationSeconds(/[smh]$/.test(t) ? t : Number(t));
  }
  if (opts.seed !== undefined) o.seed = positiveInt(opts.seed, "--seed", 0);
  if (opts.pruner !== undefined) {
    if (opts.pruner !== "median" && opts.pruner !== "none") {
      throw usage(`unknown pruner "${opts.pruner}"`, "use --pruner median or --pruner none");
    }
    o.pruner = opts.pruner;
  }
  return o;
}

export function registerTune(program: Command): void {
  program
    .command("tune")
    .description(
      "Search the spaces of the spec's models (TPE, random or grid, with CV and pruning), refit and register the best",
    )
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("--sampler <name>", "tpe | random | grid (default: the spec's tune.sampler, else tpe)")
    .option("--trials <n>", "most trials to run (default: tune.trials, else 50; the whole grid for grid)")
    .option(
      "--timeout <duration>",
      'wall-clock budget: seconds, or "90s", "10m", "2h"; no trial starts after it',
    )
    .option("--seed <n>", "sampler seed (default: tune.seed, else split.seed)")
    .option("--pruner <name>", "median | none (default: tune.pruner, else median)")
    .option("--jobs <n>", "threads for CV folds (default: all cores, once the study is long enough to pay)")
    .option("-o, --out <file>", "artifact path (default: .mlship/<name>.mlship beside the spec)")
    .option("--store <file>", "tracking store (default: MLSHIP_STORE, else .mlship/store.db beside the spec)")
    .option("--no-track", "do not record the tuning as runs in the store")
    .option("--json", "print the summary (with every trial) as JSON on stdout, and nothing else there")
    .action(async (opts: TuneCliOptions) => {
      const overrides = tuneOverrides(opts);
      const jobs = opts.jobs === undefined ? undefined : positiveInt(opts.jobs, "--jobs");
      await trainCommand(loadProject(opts.spec), {
        track: opts.track,
        ...(opts.out === undefined ? {} : { out: opts.out }),
        ...(opts.store === undefined ? {} : { store: opts.store }),
        ...(opts.json === undefined ? {} : { json: opts.json }),
        tuneOnly: true,
        overrides,
        ...(jobs === undefined ? {} : { jobs }),
      });
    });
}
