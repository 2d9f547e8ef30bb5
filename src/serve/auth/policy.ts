/**
 * Which role each endpoint needs, in one table rather than on every route, so a new route gets a
 * sensible default: reads need `predict` (any key), changes need `write`, and the keys themselves and
 * what changes what is served (alias moves, rollback, model and version deletes, renames) need `admin`.
 * MLflow's searches are POSTs that only read, and scoring is a POST that changes nothing, so both need
 * `predict`. So does feedback (`POST /v1/models/{name}/feedback`): the clients that score are the ones
 * that later learn the true outcome, and a label only annotates their own predictions.
 */
import type { Role } from "./roles.js";

/** Probes and documentation: orchestrators and readers call them without keys. */
const open = /^\/(livez|readyz|version|ping|docs)(\/|$)/;
const mlflow = "^/(api|ajax-api)/2\\.0/mlflow/";
const readingPosts = [new RegExp(`${mlflow}(experiments|runs)/search$`), /^\/v1\//, /^\/invocations$/];
const adminOnly = /^\/api\/v1\/keys(\/|$)/;
const adminChanges = [
  /^\/api\/v1\/models\/[^/]+\/aliases\/[^/]+(\/rollback)?$/,
  new RegExp(`${mlflow}(registered-models/(delete|rename|alias)|model-versions/delete)$`),
];

/** The role `method path` needs, or null when it is open to anyone. */
export function requiredRole(method: string, path: string): Role | null {
  if (open.test(path)) return null;
  // Key names and roles are for admins only, reads included: they map out who can do what.
  if (adminOnly.test(path)) return "admin";
  if (method === "GET" || method === "HEAD") return "predict";
  if (adminChanges.some((p) => p.test(path))) return "admin";
  if (readingPosts.some((p) => p.test(path))) return "predict";
  return "write";
}
