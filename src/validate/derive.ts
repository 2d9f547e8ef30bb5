/**
 * Expectations implied by the spec and, when validating new data, by the schema saved at training time.
 *
 * Severity: anything that stops a model from training or scoring is an error (a column the spec or the
 * reference names is missing, a type changed, the target is unusable, the key repeats, too many values
 * missing). Values outside the reference's range or unseen categorical levels are warnings: that is drift
 * the preparation handles (clipping, encoders that ignore unknown levels), worth seeing but not fatal.
 */
import type { DatasetSchema } from "../data/schema.js";
import { featureColumns } from "../spec/features.js";
import type { Spec } from "../spec/schema.js";
import { type Expectation, REFERENCE_ORIGIN } from "./expectations.js";
import type { ValidateOptions } from "./validate.js";

export interface DeriveOptions {
  /** The data's column names (frame.names). */
  columns: readonly string[];
  /** The schema of the training data, to check new data against. */
  reference?: DatasetSchema;
  /** False for data to score, which has no target column: target checks are left out. Default true. */
  labelled?: boolean;
}

/** Every spec field that names a column, with the field's path for the message. */
function namedColumns(spec: Spec, labelled: boolean): Array<{ column: string; origin: string }> {
  const named: Array<{ column: string; origin: string }> = [];
  if (labelled && spec.task !== "clustering" && spec.target !== undefined) {
    named.push({ column: spec.target, origin: "target" });
  }
  for (const c of spec.features.include ?? []) named.push({ column: c, origin: "features.include" });
  for (const c of spec.features.exclude) named.push({ column: c, origin: "features.exclude" });
  if (spec.features.key !== undefined) named.push({ column: spec.features.key, origin: "features.key" });
  for (const c of spec.pii) named.push({ column: c, origin: "pii" });
  (spec.prep ?? []).forEach((step, i) => {
    if (Array.isArray(step.columns))
      for (const c of step.columns) named.push({ column: c, origin: `prep[${i}].columns` });
  });
  spec.validation.expectations.forEach((e, i) => {
    // A user's own columnExists is added as it stands; naming it twice would report the column twice.
    if (e.expect !== "rowCount" && e.expect !== "columnExists")
      named.push({ column: e.column, origin: `validation.expectations[${i}]` });
  });
  const seen = new Set<string>();
  return named.filter(({ column, origin }) => {
    const k = `${origin}\u0000${column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function referenceExpectations(spec: Spec, reference: DatasetSchema, labelled: boolean): Expectation[] {
  const origin = REFERENCE_ORIGIN;
  const used = new Set(
    featureColumns(
      spec,
      reference.columns.map((c) => c.name),
    ),
  );
  // Only what the model reads matters in new data: an excluded column or a key may change freely.
  if (labelled && spec.target !== undefined && spec.task !== "clustering") used.add(spec.target);
  const out: Expectation[] = [];
  for (const c of reference.columns) {
    if (!used.has(c.name)) continue;
    out.push({ expect: "columnExists", column: c.name, origin });
    out.push({ expect: "type", column: c.name, type: c.type, origin });
    if (c.type === "categorical" && c.levels !== undefined && c.levels.length > 0) {
      out.push({
        expect: "allowedValues",
        column: c.name,
        values: [...c.levels],
        severity: "warning",
        origin,
      });
    }
    if ((c.type === "numeric" || c.type === "datetime") && c.min != null && c.max != null) {
      out.push({ expect: "range", column: c.name, min: c.min, max: c.max, severity: "warning", origin });
    }
  }
  return out;
}

export function deriveExpectations(spec: Spec, options: DeriveOptions): Expectation[] {
  const labelled = options.labelled ?? true;
  const out: Expectation[] = namedColumns(spec, labelled).map(({ column, origin }) => ({
    expect: "columnExists",
    column,
    origin,
  }));
  out.push({ expect: "rowCount", min: 1, origin: "data" });

  const target = spec.target;
  if (labelled && spec.task !== "clustering" && target !== undefined) {
    const positive = spec.positiveClass === undefined ? {} : { positiveClass: spec.positiveClass };
    out.push({ expect: "targetNoMissing", column: target, origin: "target" });
    out.push({ expect: "targetNotConstant", column: target, origin: "target" });
    if (spec.task === "binary") {
      out.push({ expect: "targetClasses", column: target, count: 2, ...positive, origin: "task" });
    } else if (spec.positiveClass !== undefined) {
      out.push({ expect: "targetClasses", column: target, ...positive, origin: "positiveClass" });
    }
    if (spec.task === "regression")
      out.push({ expect: "type", column: target, type: "numeric", origin: "task" });
  }

  const key = spec.features.key;
  if (key !== undefined) {
    out.push({ expect: "unique", column: key, origin: "features.key" });
    out.push({ expect: "maxMissingShare", column: key, share: 0, origin: "features.key" });
  }

  if (options.reference !== undefined) out.push(...referenceExpectations(spec, options.reference, labelled));

  // The default cap applies to the columns the model reads, unless the user set their own for a column.
  const ownCap = new Set(
    spec.validation.expectations.filter((e) => e.expect === "maxMissingShare").map((e) => e.column),
  );
  const present = new Set(options.columns);
  for (const c of featureColumns(spec, options.columns)) {
    if (present.has(c) && !ownCap.has(c)) {
      out.push({
        expect: "maxMissingShare",
        column: c,
        share: spec.validation.maxMissingShare,
        origin: "validation.maxMissingShare",
      });
    }
  }

  spec.validation.expectations.forEach((e, i) => {
    out.push({ ...e, origin: `validation.expectations[${i}]` });
  });
  return out;
}

/** Report options that follow the spec: the key identifies example rows, PII never appears in clear. */
export function validateOptionsFromSpec(spec: Spec): ValidateOptions {
  return {
    ...(spec.features.key === undefined ? {} : { keyColumns: [spec.features.key] }),
    redact: [...spec.pii],
  };
}
