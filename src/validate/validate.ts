/**
 * Evaluates expectations against a Frame and produces a plain-data report (JSON-serialisable for
 * `mlship validate --json`) with failing-row counts and example rows a person can look up.
 */

import { MlshipError } from "../core/errors.js";
import { type Column, cellValue, type Frame } from "../core/frame.js";
import { didYouMean } from "../spec/suggest.js";
import {
  checkAllowedValues,
  checkMaxMissingShare,
  checkPattern,
  checkRange,
  checkRowCount,
  checkTargetClasses,
  checkTargetNoMissing,
  checkTargetNotConstant,
  checkType,
  checkUnique,
  type ExampleRef,
  type Outcome,
} from "./checks.js";
import {
  describeExpectation,
  type Expectation,
  expectationColumn,
  expectationKinds,
  REFERENCE_ORIGIN,
  type Severity,
} from "./expectations.js";

export type Cell = number | string | boolean | null;

export interface ValidationExample {
  /** Zero-based row index in the validated data. */
  row: number;
  /** The offending cell (null when missing). */
  value: Cell;
  /** The row's values in the key columns, to find it in the source. */
  context: Record<string, Cell>;
  /** For `unique`: the earlier row with the same value. */
  duplicateOf?: number;
}

export type ResultStatus = "passed" | "failed" | "skipped";

export interface ExpectationResult {
  /** Position in the expectation list given to `validate`. */
  index: number;
  expectation: Expectation;
  label: string;
  severity: Severity;
  origin?: string;
  status: ResultStatus;
  /** Rows breaking the row-level condition; null for column- or table-level checks. */
  failingRows: number | null;
  failingShare: number | null;
  /** Up to `maxExamples` failing rows, only for failed checks. */
  examples: ValidationExample[];
  message: string;
}

export interface ValidationReport {
  /** False when any error-severity expectation failed. */
  ok: boolean;
  nRows: number;
  nColumns: number;
  summary: { passed: number; failed: number; skipped: number; errors: number; warnings: number };
  results: ExpectationResult[];
}

export interface ValidateOptions {
  /** Columns shown with every example to identify its row; default: the columns expected unique (up to 3). */
  keyColumns?: readonly string[];
  /** Columns whose values never appear in the report (personal data); shown as "[redacted]". */
  redact?: readonly string[];
  /** Example rows per failing expectation. */
  maxExamples?: number;
}

export const REDACTED = "[redacted]";

/** JSON has no NaN or Infinity: keep infinities readable instead of letting them turn into null. */
function jsonCell(v: Cell): Cell {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}

function compilePattern(e: Extract<Expectation, { expect: "pattern" }>, index: number): RegExp {
  try {
    return new RegExp(e.regex);
  } catch (err) {
    throw new MlshipError({
      what: `expectation ${index} (pattern on \`${e.column}\`) has an invalid regular expression /${e.regex}/: ${
        (err as Error).message
      }`,
      where: e.origin ?? `expectations[${index}]`,
      fix: "write a JavaScript regular expression without the surrounding slashes, e.g. '^[A-Z]{2}[0-9]+$'",
      code: "E_VALIDATION_PATTERN",
    });
  }
}

function run(
  e: Exclude<Expectation, { expect: "rowCount" }>,
  index: number,
  col: Column,
  max: number,
): Outcome {
  switch (e.expect) {
    case "columnExists":
      return { passed: true, failingRows: null, examples: [], message: `\`${e.column}\` exists` };
    case "type":
      return checkType(e, col, max);
    case "range":
      return checkRange(e, col, max);
    case "allowedValues":
      return checkAllowedValues(e, col, max);
    case "maxMissingShare":
      return checkMaxMissingShare(e, col, max);
    case "unique":
      return checkUnique(e, col, max);
    case "pattern":
      return checkPattern(e, compilePattern(e, index), col, max);
    case "targetNoMissing":
      return checkTargetNoMissing(e, col, max);
    case "targetNotConstant":
      return checkTargetNotConstant(e, col);
    case "targetClasses":
      return checkTargetClasses(e, col);
  }
}

function missingColumnMessage(e: Expectation, column: string, frame: Frame): string {
  const guess = didYouMean(column, frame.names);
  const hint = guess === undefined ? "" : `; did you mean \`${guess}\`?`;
  if (e.expect === "columnExists" && e.origin === REFERENCE_ORIGIN) {
    return `column \`${column}\` was in the reference (training) data but is missing here${hint}`;
  }
  if (e.expect === "columnExists" && e.origin !== undefined) {
    return `${e.origin} names column \`${column}\`, which the data does not have${hint}`;
  }
  return `column \`${column}\` does not exist${hint}`;
}

function checkKinds(expectations: readonly Expectation[]): void {
  expectations.forEach((e, i) => {
    if (!expectationKinds.includes(e?.expect)) {
      throw new MlshipError({
        what: `expectation ${i} has unknown kind ${JSON.stringify(e?.expect)}`,
        where: e?.origin ?? `expectations[${i}]`,
        fix: `use one of: ${expectationKinds.join(", ")}`,
        code: "E_VALIDATION_EXPECTATION",
      });
    }
  });
}

/**
 * Evaluates every expectation. An expectation on a column the data lacks fails, unless a `columnExists`
 * for that column is also in the list: then it is "skipped" so the report names the missing column once.
 */
export function validate(
  frame: Frame,
  expectations: readonly Expectation[],
  options: ValidateOptions = {},
): ValidationReport {
  checkKinds(expectations);
  const max = options.maxExamples ?? 5;
  const redact = new Set(options.redact ?? []);
  const keyColumns = (
    options.keyColumns ?? [...new Set(expectations.filter((e) => e.expect === "unique").map((e) => e.column))]
  )
    .filter((k) => frame.has(k))
    .slice(0, options.keyColumns === undefined ? 3 : undefined);
  const existenceChecked = new Set(
    expectations.flatMap((e) => (e.expect === "columnExists" ? [e.column] : [])),
  );

  const results = expectations.map((e, index): ExpectationResult => {
    const severity = e.severity ?? "error";
    const column = expectationColumn(e);
    const base = { index, expectation: e, label: describeExpectation(e), severity, origin: e.origin };
    if (column !== null && !frame.has(column)) {
      const skip = e.expect !== "columnExists" && existenceChecked.has(column);
      return {
        ...base,
        status: skip ? "skipped" : "failed",
        failingRows: null,
        failingShare: null,
        examples: [],
        message: skip
          ? `not checked: column \`${column}\` is missing (reported by columnExists)`
          : missingColumnMessage(e, column, frame),
      };
    }
    const col = column === null ? null : frame.column(column);
    const outcome =
      e.expect === "rowCount" ? checkRowCount(e, frame.nRows) : run(e, index, frame.column(e.column), max);
    return {
      ...base,
      status: outcome.passed ? "passed" : "failed",
      failingRows: outcome.failingRows,
      failingShare:
        outcome.failingRows === null ? null : frame.nRows === 0 ? 0 : outcome.failingRows / frame.nRows,
      examples: outcome.passed ? [] : examplesOf(outcome.examples, col, column, frame, keyColumns, redact),
      message: outcome.message,
    };
  });

  const failed = results.filter((r) => r.status === "failed");
  const errors = failed.filter((r) => r.severity === "error").length;
  return {
    ok: errors === 0,
    nRows: frame.nRows,
    nColumns: frame.nCols,
    summary: {
      passed: results.filter((r) => r.status === "passed").length,
      failed: failed.length,
      skipped: results.filter((r) => r.status === "skipped").length,
      errors,
      warnings: failed.length - errors,
    },
    // A plain-data copy: the expectations are the caller's objects and the report outlives them.
    results: JSON.parse(JSON.stringify(results)) as ExpectationResult[],
  };
}

function examplesOf(
  refs: readonly ExampleRef[],
  col: Column | null,
  column: string | null,
  frame: Frame,
  keyColumns: readonly string[],
  redact: ReadonlySet<string>,
): ValidationExample[] {
  const keys = keyColumns.filter((k) => k !== column).map((k) => [k, frame.column(k)] as const);
  return refs.map(({ row, duplicateOf }) => {
    const context: Record<string, Cell> = {};
    for (const [k, c] of keys) context[k] = redact.has(k) ? REDACTED : jsonCell(cellValue(c, row));
    const value =
      col === null || column === null ? null : redact.has(column) ? REDACTED : jsonCell(cellValue(col, row));
    return duplicateOf === undefined ? { row, value, context } : { row, value, context, duplicateOf };
  });
}
