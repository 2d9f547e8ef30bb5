/**
 * The spec as JSON Schema, for completion and checking in editors (via the yaml-language-server line
 * that `mlship init` writes). Generated from the zod schema so it cannot drift from what mlship accepts.
 */
import { z } from "zod";
import { fieldDocs } from "./fieldDocs.js";
import { specSchema } from "./schema.js";

type JsonObject = { [key: string]: unknown };

/** The committed copy, relative to the package root; published with the package ("files": ["schema"]). */
export const specJsonSchemaPath = "schema/mlship.schema.json";

function propertyAt(root: JsonObject, dotted: string): JsonObject | undefined {
  let node: JsonObject | undefined = root;
  for (const key of dotted.split(".")) {
    node = (node?.properties as JsonObject | undefined)?.[key] as JsonObject | undefined;
  }
  return node;
}

/**
 * The JSON Schema of what a user may write (zod's input side, so fields with defaults are optional).
 * zod leaves refinements out; those the spec has are restated here in JSON Schema's own terms.
 */
export function specJsonSchema(): JsonObject {
  const generated = z.toJSONSchema(specSchema, { io: "input", target: "draft-2020-12" }) as JsonObject;
  for (const [field, text] of Object.entries(fieldDocs)) {
    const node = propertyAt(generated, field);
    if (node === undefined)
      throw new Error(`fieldDocs names "${field}", which the spec schema does not have`);
    node.description = text;
  }
  const sources = propertyAt(generated, "data.sources")?.items as { oneOf: JsonObject[] };
  const sqlite = sources.oneOf.find(
    (o) => (o.properties as Record<string, JsonObject>).kind.const === "sqlite",
  )!;
  sqlite.oneOf = [{ required: ["table"] }, { required: ["query"] }];
  for (const path of ["monitoring.window", "monitoring.performance.window"]) {
    propertyAt(generated, path)!.oneOf = [{ required: ["rows"] }, { required: ["duration"] }];
  }
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: "mlship.yaml",
    description: "An mlship spec: a business objective turned into a tabular machine learning problem.",
    ...rest,
    allOf: [
      {
        if: { properties: { task: { not: { const: "clustering" } } }, required: ["task"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable
        then: { required: ["target"] },
      },
    ],
  };
}

/** The schema as the text of the committed file and of `mlship schema`. */
export function specJsonSchemaText(): string {
  return `${JSON.stringify(specJsonSchema(), null, 2)}\n`;
}
