/** The spec layer: the `mlship.yaml` schema, parsing with line numbers, its JSON Schema, and `init`. */

export { featureColumns } from "./features.js";
export * from "./fieldDocs.js";
export * from "./init.js";
export * from "./jsonSchema.js";
export * from "./parse.js";
export { formatPath, problemLine, type SpecProblem, showValue } from "./problems.js";
export * from "./schema.js";
export { didYouMean, editDistance } from "./suggest.js";
