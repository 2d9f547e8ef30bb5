/** Stopping a run on invalid data, with the report attached. */
import { MlshipError } from "../core/errors.js";
import type { Frame } from "../core/frame.js";
import type { Expectation } from "./expectations.js";
import { formatReport } from "./format.js";
import { type ValidateOptions, type ValidationReport, validate } from "./validate.js";

/** `data` is the full report so `--json` and the CLI can print it; the message includes the text form. */
export class ValidationError extends MlshipError {
  declare readonly data: ValidationReport;

  constructor(report: ValidationReport) {
    const failing = report.results.filter((r) => r.status === "failed" && r.severity === "error");
    const shown = failing.slice(0, 3).map((r) => r.label);
    super({
      what: `the data failed ${failing.length} validation check${failing.length === 1 ? "" : "s"}: ${shown.join(", ")}${
        failing.length > 3 ? ", …" : ""
      }`,
      fix: "fix the data at the rows shown, or change the expectation in mlship.yaml (validation); `mlship validate` prints the full report",
      code: "E_VALIDATION",
      data: report,
      detail: formatReport(report),
    });
    this.name = "ValidationError";
  }

  get report(): ValidationReport {
    return this.data;
  }
}

/** Validates and throws a ValidationError when an error-severity expectation fails; returns the report. */
export function assertValid(
  frame: Frame,
  expectations: readonly Expectation[],
  options?: ValidateOptions,
): ValidationReport {
  const report = validate(frame, expectations, options);
  if (!report.ok) throw new ValidationError(report);
  return report;
}
