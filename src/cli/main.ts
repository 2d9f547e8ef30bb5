import { Command, CommanderError } from "commander";
import { mlshipVersion } from "../core/version.js";
import { registerDemo } from "./commands/demo.js";
import { registerDrift } from "./commands/drift.js";
import { registerExperiments } from "./commands/experiments.js";
import { registerInit } from "./commands/init.js";
import { registerKeys } from "./commands/keys.js";
import { registerModels } from "./commands/models.js";
import { registerMonitor } from "./commands/monitor.js";
import { registerPredict } from "./commands/predict.js";
import { registerPrep } from "./commands/prep.js";
import { registerProfile } from "./commands/profile.js";
import { registerRuns } from "./commands/runs.js";
import { registerSchema } from "./commands/schema.js";
import { registerServe } from "./commands/serve.js";
import { registerTrain } from "./commands/train.js";
import { registerTune } from "./commands/tune.js";
import { registerValidate } from "./commands/validate.js";
import { reportError } from "./output.js";

export function buildProgram(): Command {
  const program = new Command("mlship")
    .description("Tabular machine learning from a business spec to a model in production.")
    .version(mlshipVersion)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerInit(program);
  registerProfile(program);
  registerValidate(program);
  registerPrep(program);
  registerTrain(program);
  registerTune(program);
  registerPredict(program);
  registerRuns(program);
  registerExperiments(program);
  registerModels(program);
  registerSchema(program);
  registerServe(program);
  registerDrift(program);
  registerMonitor(program);
  registerKeys(program);
  registerDemo(program);
  return program;
}

/** Runs the CLI and returns the exit code instead of exiting, so tests and embedders keep control. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user; usage errors exit 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    return reportError(err, argv.includes("--json"));
  }
}
