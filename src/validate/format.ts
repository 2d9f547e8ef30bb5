/** The plain-text validation report for terminals and logs (the CLI may add colour around it). */
import type { Cell, ExpectationResult, ValidationReport } from "./validate.js";

const showCell = (v: Cell): string => (typeof v === "string" ? JSON.stringify(v) : String(v));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function formatResult(r: ExpectationResult): string[] {
  const tag = r.status === "skipped" ? "SKIPPED" : r.severity === "error" ? "ERROR  " : "WARNING";
  const lines = [`${tag} ${r.label}${r.origin === undefined ? "" : `  [from ${r.origin}]`}`];
  const indent = "        ";
  lines.push(indent + r.message);
  if (r.status !== "failed" || r.examples.length === 0) return lines;
  const of = r.failingRows !== null && r.failingRows > r.examples.length ? ` of ${r.failingRows}` : "";
  lines.push(
    `${indent}${r.examples.length === 1 && of === "" ? "example" : `examples (${r.examples.length}${of})`}:`,
  );
  const column = "column" in r.expectation ? r.expectation.column : "value";
  const width = Math.max(...r.examples.map((x) => String(x.row).length));
  for (const x of r.examples) {
    let line = `${indent}  row ${String(x.row).padStart(width)}: ${column} = ${showCell(x.value)}`;
    if (x.duplicateOf !== undefined) line += ` (same as row ${x.duplicateOf})`;
    const context = Object.entries(x.context).map(([k, v]) => `${k} = ${showCell(v)}`);
    if (context.length > 0) line += `  (${context.join(", ")})`;
    lines.push(line);
  }
  return lines;
}

/** Lists every failing and skipped expectation with its failing-row count and example rows. */
export function formatReport(report: ValidationReport): string {
  const s = report.summary;
  const verdict = report.ok
    ? s.warnings > 0
      ? `passed with ${plural(s.warnings, "warning")}`
      : "passed"
    : `FAILED: ${plural(s.errors, "error")}${s.warnings > 0 ? `, ${plural(s.warnings, "warning")}` : ""}`;
  const lines = [
    `Validation ${verdict}`,
    `${plural(report.nRows, "row")}, ${plural(report.nColumns, "column")}; ${s.passed} of ${
      report.results.length
    } expectations passed, ${s.failed} failed, ${s.skipped} skipped`,
  ];
  const shown = [
    ...report.results.filter((r) => r.status === "failed" && r.severity === "error"),
    ...report.results.filter((r) => r.status === "failed" && r.severity === "warning"),
    ...report.results.filter((r) => r.status === "skipped"),
  ];
  for (const r of shown) lines.push("", ...formatResult(r));
  return lines.join("\n");
}
