/**
 * The JSON body parser. Beyond parsing it refuses two things JSON allows: keys that would reach an
 * object's prototype when copied (`__proto__`, `constructor.prototype`), and strings holding lone
 * UTF-16 surrogates (`"\ud800"`), which the store's UTF-8 cannot hold and would silently replace.
 */
import type { FastifyInstance } from "fastify";

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * What a body must contain for the reviver to have anything to refuse: a key it checks, or a \u escape
 * (which can spell such a key, or a lone surrogate: the body was decoded from UTF-8, which cannot hold
 * one otherwise). Most bodies contain none and are parsed without the reviver, which would be called
 * for every value (for a 10,000-row batch, a quarter of a million calls).
 */
const suspicious = (text: string): boolean =>
  text.includes("__proto__") || text.includes("constructor") || text.includes("\\u");

class BadJson extends Error {
  readonly statusCode = 400;
  readonly code = "FST_ERR_CTP_INVALID_JSON_BODY";
}

function revive(key: string, value: unknown): unknown {
  if (key === "__proto__") throw new BadJson('the key "__proto__" is not accepted');
  if (key === "constructor" && typeof value === "object" && value !== null && "prototype" in value) {
    throw new BadJson('the key "constructor.prototype" is not accepted');
  }
  if (loneSurrogate.test(key) || (typeof value === "string" && loneSurrogate.test(value))) {
    throw new BadJson("a string holds a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)");
  }
  return value;
}

/** Deeper than any request of the APIs needs (MLflow's tensors included), and far from the stack's limit. */
const maxDepth = 64;

/** Whether objects and arrays nest deeper than `maxDepth`; iterative, so no depth overflows it. */
function tooDeep(value: unknown): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const v = stack.pop() as object;
    const depth = depths.pop() as number;
    if (depth > maxDepth) return true;
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const c of children) {
      if (typeof c === "object" && c !== null) {
        stack.push(c);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * JSON.parse, refusing (with a BadJson, a 400) what `revive` refuses and nesting deeper than any
 * request needs: later code that walks a value (serialising it for the log, quoting it in a message)
 * must never meet one deep enough to exhaust the stack.
 */
export function parseJson(text: string): unknown {
  const value = suspicious(text) ? JSON.parse(text, revive) : JSON.parse(text);
  if (typeof value === "object" && value !== null && tooDeep(value))
    throw new BadJson(`objects and arrays nest more than ${maxDepth} deep`);
  return value;
}

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    // MLflow's server reads an empty body as an empty message; so does this one (routes still validate).
    if (text.trim() === "") return done(null, {});
    try {
      done(null, parseJson(text));
    } catch (err) {
      const bad = err instanceof BadJson ? err : new BadJson((err as Error).message);
      done(bad, undefined);
    }
  });
}
