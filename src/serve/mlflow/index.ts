/**
 * The MLflow REST API (2.0) over mlship's tracking and registry, so a team's MLflow clients log to
 * mlship unchanged. Errors use MLflow's body `{"error_code", "message"}` and MLflow's statuses
 * (ERROR_CODE_TO_HTTP_STATUS in mlflow/exceptions.py), with one deliberate exception: a registry
 * guard refusing a promotion is INVALID_STATE with 409, not MLflow's 500, because MLflow's client
 * retries 5xx answers and a refusal will not change on retry.
 */
import type { FastifyError, FastifyInstance } from "fastify";
import { MlshipError } from "../../core/errors.js";
import type { Store } from "../../store/index.js";
import { translate } from "../errors.js";
import { experimentRoutes } from "./experiments.js";
import { registryRoutes } from "./registry.js";
import { runRoutes } from "./runs.js";

export interface MlflowError {
  status: number;
  body: { error_code: string; message: string };
}

function fromCode(code: string): { status: number; errorCode: string } {
  if (code.startsWith("E_NOT_FOUND")) return { status: 404, errorCode: "RESOURCE_DOES_NOT_EXIST" };
  if (code.startsWith("E_EXISTS")) return { status: 400, errorCode: "RESOURCE_ALREADY_EXISTS" };
  if (code.startsWith("E_GUARD")) return { status: 409, errorCode: "INVALID_STATE" };
  if (code === "E_STORE_BUSY") return { status: 503, errorCode: "TEMPORARILY_UNAVAILABLE" };
  if (code.startsWith("E_STORE") || code === "E_INTERNAL")
    return { status: 500, errorCode: "INTERNAL_ERROR" };
  return { status: 400, errorCode: "INVALID_PARAMETER_VALUE" };
}

/** Where a schema violation is, in MLflow's terms: `metrics[0].value` rather than `/metrics/0/value`. */
function paramName(path: string): string {
  return path
    .split("/")
    .filter(Boolean)
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  if (!first) return err.message;
  if (first.keyword === "required") {
    const missing = (first.params as { missingProperty?: string }).missingProperty ?? "";
    const param = paramName(`${first.instancePath}/${missing}`);
    return `Missing value for required parameter '${param}'. See the API docs for more information about request parameters.`;
  }
  const param = paramName(first.instancePath) || (err.validationContext ?? "request");
  return `Invalid value for parameter '${param}' supplied: ${first.message ?? "wrong type"}. See the API docs for more information about request parameters.`;
}

export function mlflowError(err: unknown, requestId: string): MlflowError {
  if (err instanceof MlshipError) {
    const { status, errorCode } = fromCode(err.code);
    return {
      status,
      body: { error_code: errorCode, message: err.fix ? `${err.what} (${err.fix})` : err.what },
    };
  }
  const e = err as FastifyError;
  if (e?.validation) {
    return { status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message: validationMessage(e) } };
  }
  // Unparsable JSON, oversized bodies, unknown media types: the generic translation knows them.
  const t = translate(err, requestId);
  return {
    status: t.status,
    body: {
      error_code: t.status < 500 ? "INVALID_PARAMETER_VALUE" : "INTERNAL_ERROR",
      message: t.body.error.what,
    },
  };
}

export function registerMlflow(store: Store, options: { hidden?: boolean } = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    app.setErrorHandler((err, request, reply) => {
      const e = mlflowError(err, request.id);
      if (e.status >= 500) request.log.error({ err }, "request failed");
      return reply.status(e.status).send(e.body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error_code: "ENDPOINT_NOT_FOUND",
        message: `mlship does not implement ${request.method} ${request.url.split("?")[0]} of the MLflow REST API`,
      }),
    );
    const hide = options.hidden === true;
    experimentRoutes(app, store, hide);
    runRoutes(app, store, hide);
    registryRoutes(app, store, hide);
  };
}
