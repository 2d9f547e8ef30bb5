export { assertValid, ValidationError } from "./assert.js";
export {
  type DeriveOptions,
  deriveExpectations,
  validateOptionsFromSpec,
} from "./derive.js";
export {
  describeExpectation,
  type Expectation,
  type ExpectationKind,
  type ExpectationMeta,
  expectationKinds,
  REFERENCE_ORIGIN,
  type Severity,
  type TargetExpectation,
} from "./expectations.js";
export { formatReport } from "./format.js";
export {
  type Cell,
  type ExpectationResult,
  REDACTED,
  type ResultStatus,
  type ValidateOptions,
  type ValidationExample,
  type ValidationReport,
  validate,
} from "./validate.js";
