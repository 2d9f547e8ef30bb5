/**
 * The JSON body parser. Beyond parsing it refuses two things JSON allows: keys that would reach an
 * object's prototype when copied (`__proto__`, `constructor.prototype`), and strings holding lone
 * UTF-16 surrogates (`"\ud800"`), which the store's UTF-8 cannot hold and would silently replace.
 */
import type { FastifyInstance } from "fastify";

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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

export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = body as string;
    // MLflow's server reads an empty body as an empty message; so does this one (routes still validate).
    if (text.trim() === "") return done(null, {});
    try {
      done(null, JSON.parse(text, revive));
    } catch (err) {
      const bad = err instanceof BadJson ? err : new BadJson((err as Error).message);
      done(bad, undefined);
    }
  });
}
