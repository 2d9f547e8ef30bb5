import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { fieldDocs, specJsonSchema, specJsonSchemaPath, specJsonSchemaText } from "../../src/spec/index.js";

const committed = fileURLToPath(new URL(`../../${specJsonSchemaPath}`, import.meta.url));

type Json = { [key: string]: unknown };
const at = (root: Json, dotted: string): Json =>
  dotted.split(".").reduce((node, key) => (node.properties as Record<string, Json>)[key], root);

describe("JSON Schema export", () => {
  it("the committed schema/mlship.schema.json equals a fresh generation", () => {
    // Compared as data: biome formats the committed file, the generator writes JSON.stringify output.
    // To update: npm run build && node scripts/write-json-schema.mjs
    expect(JSON.parse(readFileSync(committed, "utf8"))).toEqual(specJsonSchema());
    expect(JSON.parse(specJsonSchemaText())).toEqual(specJsonSchema());
  });

  it("describes the input side: fields with defaults are optional, unknown fields are rejected", () => {
    const schema = specJsonSchema();
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.required).toEqual(["name", "objective", "task", "metric", "data"]);
    expect(schema.additionalProperties).toBe(false);
    expect(at(schema, "metric").required).toEqual(["primary", "threshold"]);
    expect(at(schema, "task").enum).toEqual(["binary", "multiclass", "regression", "clustering"]);
    expect(at(schema, "split.holdout")).toMatchObject({
      default: 0.2,
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
    });
  });

  it("carries the field docs and the rules zod states as refinements", () => {
    const schema = specJsonSchema();
    for (const [field, text] of Object.entries(fieldDocs)) expect(at(schema, field).description).toBe(text);
    expect(schema.allOf).toEqual([
      {
        if: { properties: { task: { not: { const: "clustering" } } }, required: ["task"] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
        then: { required: ["target"] },
      },
    ]);
    const sources = (at(schema, "data.sources").items as { oneOf: Json[] }).oneOf;
    const sqlite = sources.find((o) => (o.properties as Record<string, Json>).kind.const === "sqlite");
    expect(sqlite?.oneOf).toEqual([{ required: ["table"] }, { required: ["query"] }]);
  });
});
