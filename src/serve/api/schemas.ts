/**
 * JSON schemas shared by the /api/v1 routes: they validate requests (a bad body is a 400 naming the
 * field) and feed the OpenAPI document. Request schemas are closed (`additionalProperties: false`) so
 * a misspelt field is an error rather than silently ignored.
 */

export const stringMap = {
  type: "object",
  additionalProperties: { type: "string", maxLength: 1_000_000 },
  maxProperties: 1000,
} as const;

/** Names users choose: at least one character, bounded so a request cannot grow the store unboundedly. */
export const name = { type: "string", minLength: 1, maxLength: 1000 } as const;

/** A metric value: a JSON number, or "NaN" / "Infinity" / "-Infinity" as MLflow and protobuf JSON spell them. */
export const metricValue = {
  anyOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }],
} as const;

export const epochMs = { type: "integer", minimum: 0, maximum: 8_640_000_000_000_000 } as const;

export const metricInput = {
  type: "object",
  required: ["key", "value"],
  additionalProperties: false,
  properties: {
    key: name,
    value: metricValue,
    step: { type: "integer", minimum: -(2 ** 53) + 1, maximum: 2 ** 53 - 1 },
    timestamp: epochMs,
  },
} as const;

export const viewType = { type: "string", enum: ["active", "deleted", "all"] } as const;

export const pageQuery = {
  maxResults: { type: "integer", minimum: 1, maximum: 50_000 },
  pageToken: { type: "string", maxLength: 10_000 },
} as const;

/** Query parameters may repeat (`?orderBy=a&orderBy=b`); one occurrence still makes a list. */
export const stringList = {
  type: "array",
  items: { type: "string", maxLength: 10_000 },
  maxItems: 100,
} as const;

/** Responses are documented loosely (objects of the track and registry layers, camelCase). */
export const object = { type: "object", additionalProperties: true } as const;

export const errorResponse = {
  type: "object",
  properties: {
    error: {
      type: "object",
      properties: {
        code: { type: "string" },
        what: { type: "string" },
        where: { type: "string" },
        fix: { type: "string" },
      },
    },
  },
} as const;

export const errors = { "4xx": errorResponse, "5xx": errorResponse } as const;

/** Non-finite numbers arrive as strings in JSON; the track layer takes them as numbers. */
export function toNumber(value: number | string): number {
  return typeof value === "number" ? value : Number(value);
}
