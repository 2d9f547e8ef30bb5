import { type Spec, type SpecInput, specSchema } from "../../src/spec/schema.js";

/** A parsed spec (defaults filled in) for the churn data, with overrides. */
export function churnSpec(overrides: Partial<SpecInput> = {}): Spec {
  return specSchema.parse({
    name: "churn",
    objective: { business: "keep customers who would leave", kpi: "monthly churn rate" },
    task: "binary",
    target: "churn",
    positiveClass: "Yes",
    metric: { primary: "roc_auc", threshold: 0.8 },
    data: { sources: [{ kind: "file", path: "wa_churn.csv" }] },
    ...overrides,
  });
}
