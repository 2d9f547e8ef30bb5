/** What the spec tests share: the smallest valid spec, and the problems a refused spec reports. */
import { expect } from "vitest";
import { parseSpec, SpecError, type SpecProblem } from "../../src/spec/index.js";

/** Every required field and nothing else; tests append the section they are about. */
export const minimal = `name: churn
objective:
  business: keep customers
  kpi: churn rate
task: binary
target: churn
metric:
  primary: roc_auc
  threshold: 0.8
data:
  sources:
    - kind: file
      path: data.csv
`;

/** The problems of a spec that must be refused (fails the test when it is accepted). */
export function problemsOf(text: string): SpecProblem[] {
  try {
    parseSpec(text);
  } catch (err) {
    expect(err).toBeInstanceOf(SpecError);
    return (err as SpecError).problems;
  }
  throw new Error("expected the spec to be refused");
}
