/**
 * The OpenAPI paths of the models a server holds: one predict path per registered model, its request
 * body built from the training schema of the version the champion (or fallback) alias serves, so a
 * client generator or the /docs page shows the real fields and types instead of "object". The generic
 * `/v1/models/{ref}/predict` stays documented beside them for aliases and versions.
 */
import { isClassifier } from "../../core/protocol.js";
import type { LoadedModel } from "./models.js";
import { jsonSchemaOf } from "./schema.js";

type Schema = Record<string, unknown>;

/** JSON Schema 2020-12 (what /schema answers) to OpenAPI 3.0's dialect: `nullable` instead of type lists. */
function openapiSchema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "$schema") continue;
    if (k === "type" && Array.isArray(v)) {
      const types = v.filter((t) => t !== "null");
      out.type = types[0];
      if (types.length < v.length) out.nullable = true;
    } else if (k === "properties" && typeof v === "object" && v !== null) {
      out.properties = Object.fromEntries(
        Object.entries(v as Record<string, Schema>).map(([p, s]) => [p, openapiSchema(s)]),
      );
    } else out[k] = v;
  }
  return out;
}

/** Component names allow letters, digits, `.`, `-` and `_` only; model names allow more. */
const componentName = (name: string, version: number) =>
  `${name.replace(/[^A-Za-z0-9._-]/g, "_")}.v${version}.input`;

function exampleRecord(model: LoadedModel): Record<string, unknown> {
  return Object.fromEntries(
    model.artifact.payload.inputSchema.columns.map((c) => {
      switch (c.type) {
        case "numeric":
          return [c.name, c.min != null && c.max != null ? (c.min + c.max) / 2 : 0];
        case "boolean":
          return [c.name, false];
        case "datetime":
          return [c.name, new Date(c.min ?? 0).toISOString()];
        case "categorical":
          return [c.name, c.levels?.[0] ?? ""];
      }
      return [c.name, null];
    }),
  );
}

export interface ModelPaths {
  paths: Record<string, unknown>;
  schemas: Record<string, Schema>;
}

/** Paths and component schemas for each served model; `alias` is the alias that named the version. */
export function modelPaths(served: ReadonlyArray<{ model: LoadedModel; alias: string }>): ModelPaths {
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, Schema> = {};
  for (const { model, alias } of served) {
    const component = componentName(model.name, model.version);
    schemas[component] = openapiSchema(jsonSchemaOf(model));
    const ref = { $ref: `#/components/schemas/${component}` };
    const classes = isClassifier(model.model) ? model.model.classes : undefined;
    paths[`/v1/models/${encodeURIComponent(model.name)}/predict`] = {
      post: {
        tags: ["models served"],
        summary: `Score rows with ${model.name} (${alias}: version ${model.version})`,
        description:
          `Fields and types come from version ${model.version}'s training schema. ` +
          "Also accepts text/csv and application/x-ndjson bodies (batch scoring, streamed).",
        requestBody: {
          required: true,
          content: {
            "application/json": {
              schema: {
                oneOf: [
                  {
                    type: "object",
                    required: ["records"],
                    properties: { records: { type: "array", items: ref } },
                  },
                  {
                    type: "object",
                    required: ["columns", "data"],
                    properties: {
                      columns: { type: "array", items: { type: "string" } },
                      data: { type: "array", items: { type: "array", items: {} } },
                    },
                  },
                ],
              },
              example: { records: [exampleRecord(model)] },
            },
          },
        },
        responses: {
          200: {
            description: "Predictions, in the order of the rows sent",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  properties: {
                    model: {
                      type: "object",
                      properties: {
                        name: { type: "string" },
                        version: { type: "integer" },
                        alias: { type: "string" },
                        fallback: { type: "string" },
                      },
                    },
                    requestId: { type: "string" },
                    predictions: {
                      type: "array",
                      items: classes ? { type: "string", enum: [...classes] } : { type: "number" },
                    },
                    ...(classes
                      ? {
                          probabilities: {
                            type: "array",
                            items: {
                              type: "object",
                              properties: Object.fromEntries(classes.map((c) => [c, { type: "number" }])),
                            },
                          },
                        }
                      : {}),
                  },
                },
              },
            },
          },
          400: { description: "Rows that do not fit the training schema, listed by row and field" },
          503: { description: "The model cannot be loaded, or the prediction log is full (Retry-After)" },
        },
      },
    };
  }
  return { paths, schemas };
}
