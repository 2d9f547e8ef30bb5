/**
 * The expectations the validator evaluates: the spec's own kinds plus a few internal ones that only
 * derivation produces (target checks), each optionally tagged with a severity and the spec field it came
 * from so a failure can point at the line of `mlship.yaml` to change.
 */
import type { Expectation as SpecExpectation } from "../spec/schema.js";

export type Severity = "error" | "warning";

/** Checks on the target column that derivation adds for supervised tasks. */
export type TargetExpectation =
  | { expect: "targetNoMissing"; column: string }
  | { expect: "targetNotConstant"; column: string }
  | {
      expect: "targetClasses";
      column: string;
      /** Exact number of distinct classes required (2 for a binary task). */
      count?: number;
      /** A class that must occur (the spec's positiveClass). */
      positiveClass?: string | number | boolean;
    };

export interface ExpectationMeta {
  /** Defaults to "error". */
  severity?: Severity;
  /** The spec field (or "reference schema") that produced it, e.g. "features.exclude". */
  origin?: string;
}

/** The origin of expectations derived from a reference (training-time) schema. */
export const REFERENCE_ORIGIN = "reference schema";

export type Expectation = (SpecExpectation | TargetExpectation) & ExpectationMeta;

export type ExpectationKind = Expectation["expect"];

export const expectationKinds: readonly ExpectationKind[] = [
  "columnExists",
  "type",
  "range",
  "allowedValues",
  "maxMissingShare",
  "unique",
  "pattern",
  "rowCount",
  "targetNoMissing",
  "targetNotConstant",
  "targetClasses",
];

/** The column an expectation is about, or null for table-level checks (rowCount). */
export function expectationColumn(e: Expectation): string | null {
  return e.expect === "rowCount" ? null : e.column;
}

function show(v: string | number | boolean): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function listValues(values: readonly (string | number | boolean)[], max = 6): string {
  const shown = values.slice(0, max).map(show).join(", ");
  return values.length > max ? `${shown}, … (${values.length} values)` : shown;
}

/** A short, stable, human label such as `range(tenure, 0..72)`. */
export function describeExpectation(e: Expectation): string {
  switch (e.expect) {
    case "columnExists":
    case "unique":
    case "targetNoMissing":
    case "targetNotConstant":
      return `${e.expect}(${e.column})`;
    case "type":
      return `type(${e.column} is ${e.type})`;
    case "range":
      return `range(${e.column}, ${e.min ?? "-inf"}..${e.max ?? "+inf"})`;
    case "allowedValues":
      return `allowedValues(${e.column} in [${listValues(e.values)}])`;
    case "maxMissingShare":
      return `maxMissingShare(${e.column} <= ${e.share})`;
    case "pattern":
      return `pattern(${e.column} ~ /${e.regex}/)`;
    case "rowCount":
      return `rowCount(${e.min ?? 0}..${e.max ?? "+inf"})`;
    case "targetClasses": {
      const parts = [e.column];
      if (e.count !== undefined) parts.push(`${e.count} classes`);
      if (e.positiveClass !== undefined) parts.push(`positive ${show(e.positiveClass)}`);
      return `targetClasses(${parts.join(", ")})`;
    }
  }
}
