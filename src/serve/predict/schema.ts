/** The JSON Schema of one input record, generated from the training schema of the model serving it. */
import type { ColumnSchema } from "../../data/index.js";
import type { LoadedModel } from "./models.js";

function fieldSchema(c: ColumnSchema): Record<string, unknown> {
  switch (c.type) {
    case "numeric":
      return { type: ["number", "null"] };
    case "boolean":
      return { type: ["boolean", "null"] };
    case "datetime":
      return { type: ["string", "null"], format: "date-time" };
    case "categorical":
      // No enum of the training levels: unseen levels are valid input, handled by the pipeline's rule.
      return { type: ["string", "null"] };
  }
}

export function jsonSchemaOf(loaded: LoadedModel): Record<string, unknown> {
  const columns = loaded.artifact.payload.inputSchema.columns;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: `${loaded.name} version ${loaded.version} input record`,
    type: "object",
    properties: Object.fromEntries(columns.map((c) => [c.name, fieldSchema(c)])),
    required: columns.map((c) => c.name),
    additionalProperties: false,
  };
}
