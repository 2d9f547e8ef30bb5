/**
 * The server's front door, as Fastify hooks run before any route: CORS for the one allowed origin,
 * then the API key check, the per-key rate limit and the role check. Refusals are answered here, in
 * MLflow's error format under the MLflow API (its clients read `error_code`) and in mlship's elsewhere.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Store } from "../../store/index.js";
import type { StoreChanges } from "../changes.js";
import { KeyCheck } from "./check.js";
import { touchKey } from "./keys.js";
import { RateLimiter } from "./limit.js";
import { requiredRole } from "./policy.js";
import { allows } from "./roles.js";

export interface SecurityOptions {
  /** Requests per second per key (bursts up to one second's worth); default 1,000, 0 turns it off. */
  rateLimit?: number;
  /** The one browser origin allowed to call the API; none by default (CORS off). */
  corsOrigin?: string;
}

export const defaultRateLimit = 1000;

const mlflowPath = /^\/(api|ajax-api)\/2\.0\/mlflow\//;
const bearer = /^Bearer\s+(\S+)\s*$/i;
const touchEveryMs = 60_000;

interface Refusal {
  status: 401 | 403 | 429;
  code: string;
  mlflowCode: string;
  what: string;
  fix: string;
}

function refuse(request: FastifyRequest, reply: FastifyReply, r: Refusal): FastifyReply {
  if (r.status === 401) reply.header("www-authenticate", 'Bearer realm="mlship"');
  const body = mlflowPath.test(request.url)
    ? { error_code: r.mlflowCode, message: `${r.what} (${r.fix})` }
    : { error: { code: r.code, what: r.what, fix: r.fix } };
  return reply.code(r.status).send(body);
}

const unauthenticated = (what: string): Refusal => ({
  status: 401,
  code: "E_AUTH_UNAUTHENTICATED",
  mlflowCode: "UNAUTHENTICATED",
  what,
  fix: "send `Authorization: Bearer <key>` with a live key from `mlship keys create` (MLflow clients: set MLFLOW_TRACKING_TOKEN)",
});

export function registerSecurity(
  app: FastifyInstance,
  store: Store,
  changes: StoreChanges,
  options: SecurityOptions,
): void {
  const origin = options.corsOrigin;
  if (origin !== undefined) {
    app.addHook("onRequest", async (request, reply) => {
      // Answers differ by Origin, so a shared cache must not hand one origin's answer to another.
      reply.header("vary", "Origin");
      if (request.headers.origin !== origin) return;
      reply.header("access-control-allow-origin", origin);
      // A preflight carries no credentials, so it is answered before the key check.
      if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
        return reply
          .code(204)
          .header("access-control-allow-methods", "GET, HEAD, POST, PUT, PATCH, DELETE")
          .header("access-control-allow-headers", "authorization, content-type")
          .header("access-control-max-age", "600")
          .send();
      }
    });
  }

  const perSecond = options.rateLimit ?? defaultRateLimit;
  const limiter = perSecond > 0 ? new RateLimiter(perSecond) : null;
  const touched = new Map<string, number>();
  const keys = new KeyCheck(store, changes);
  // By method and route pattern (a bounded set); paths no route matches are worked out each time.
  const roles = new Map<string, ReturnType<typeof requiredRole>>();
  const roleOf = (method: string, route: string | undefined, url: string) => {
    if (route === undefined) return requiredRole(method, url.split("?")[0]);
    const k = `${method} ${route}`;
    let role = roles.get(k);
    if (role === undefined) {
      role = requiredRole(method, route);
      roles.set(k, role);
    }
    return role;
  };
  app.addHook("onRequest", async (request, reply) => {
    // The route's pattern, not the raw URL, so "/x/" and "/x" (ignoreTrailingSlash) need the same role.
    const route = request.routeOptions.url;
    const needed = roleOf(request.method, route, request.url);
    if (needed === null) return;
    const path = route ?? request.url.split("?")[0];
    const token = bearer.exec(request.headers.authorization ?? "")?.[1];
    // A live key proves authentication is on.
    const key = token === undefined ? null : await keys.verify(token);
    if (key === null) {
      if (!(await keys.authEnabled())) return;
      const what =
        token === undefined ? "this server needs an API key" : "the API key is unknown, wrong or revoked";
      return refuse(request, reply, unauthenticated(what));
    }
    const wait = limiter?.take(key.id) ?? 0;
    if (wait > 0) {
      reply.header("retry-after", String(wait));
      return refuse(request, reply, {
        status: 429,
        code: "E_RATE_LIMITED",
        mlflowCode: "REQUEST_LIMIT_EXCEEDED",
        what: `the key "${key.name}" is over its rate limit of ${perSecond} requests per second`,
        fix: `retry after ${wait} s, or spread the load over several keys`,
      });
    }
    if (!allows(key.role, needed)) {
      return refuse(request, reply, {
        status: 403,
        code: "E_AUTH_FORBIDDEN",
        mlflowCode: "PERMISSION_DENIED",
        what: `the key "${key.name}" has the role ${key.role}; ${request.method} ${path} needs ${needed}`,
        fix: `use a key with the role ${needed} or above (mlship keys create NAME --role ${needed})`,
      });
    }
    request.actor = key.name;
    const now = Date.now();
    if (now - Math.max(key.lastUsedAt ?? 0, touched.get(key.id) ?? 0) >= touchEveryMs) {
      touched.set(key.id, now);
      // Bookkeeping only: a busy or closing store must not fail the request it describes.
      touchKey(store, key.id, now).catch((err) => request.log.warn({ err }, "could not record key use"));
    }
  });
}
