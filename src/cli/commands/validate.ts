import type { Command } from "commander";
import { deriveExpectations, formatReport, validate, validateOptionsFromSpec } from "../../validate/index.js";
import { green, printJson, red, say } from "../output.js";
import { collectProject, loadProject } from "../project.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("Collect the spec's data and check it against the spec's expectations")
    .option("-s, --spec <file>", "the spec file", "mlship.yaml")
    .option("--json", "print the validation report as JSON on stdout")
    .action(async (opts: { spec: string; json?: boolean }) => {
      const project = loadProject(opts.spec);
      const { frame } = await collectProject(project);
      const expectations = deriveExpectations(project.spec, { columns: frame.names });
      const report = validate(frame, expectations, validateOptionsFromSpec(project.spec));
      if (opts.json) printJson(report);
      else say(formatReport(report));
      say(
        report.ok
          ? green(`valid: ${report.summary.passed} expectations passed on ${report.nRows} rows`)
          : red(`invalid: ${report.summary.errors} expectation(s) failed`),
      );
      if (!report.ok) process.exitCode = 1;
    });
}
