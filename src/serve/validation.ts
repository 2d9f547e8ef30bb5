/**
 * Request validation with two Ajv instances: query strings and path parameters arrive as text, so
 * they are coerced to the declared types ("?maxResults=10" is a number); bodies are JSON and keep
 * their types, so `{"name": 123}` is a 400 instead of silently becoming "123".
 */
import { Ajv, type Options } from "ajv";
import type { FastifySchemaCompiler } from "fastify";

const common: Options = {
  useDefaults: true,
  // All errors would let one request make the validator do unbounded work; the first one is enough.
  allErrors: false,
  // Keywords the OpenAPI document uses for documentation only.
  keywords: ["example"],
};

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const text = new Ajv({ ...common, coerceTypes: "array" });
  const json = new Ajv({ ...common, coerceTypes: false });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === "body" ? json : text;
    return ajv.compile(schema as object);
  };
}
