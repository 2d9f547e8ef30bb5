// The library entry point: `import { ... } from "mlship"`. Importing it registers every estimator kind,
// so artifacts can be loaded without further setup.
export * from "./artifact/index.js";
export * from "./core/errors.js";
export * from "./core/frame.js";
export * from "./core/protocol.js";
export { Random } from "./core/random.js";
export { mlshipVersion } from "./core/version.js";
export * from "./data/index.js";
export * from "./evaluate/index.js";
export * from "./models/index.js";
export * from "./monitor/index.js";
export * from "./prep/index.js";
export * from "./registry/index.js";
export { type ApiKey, createKey, listKeys, type Role, revokeKey } from "./serve/auth/index.js";
export { buildServer, type ServerOptions } from "./serve/index.js";
export * from "./spec/index.js";
export { type OpenStoreOptions, openStore, resolveStorePath, type Store } from "./store/index.js";
export * from "./track/index.js";
export * from "./tune/index.js";
export {
  assertValid,
  deriveExpectations,
  type Expectation as ValidationExpectation,
  formatReport,
  ValidationError,
  type ValidationReport,
  validate,
  validateOptionsFromSpec,
} from "./validate/index.js";
