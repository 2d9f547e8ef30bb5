/**
 * One translation from failures to HTTP: an MlshipError's stable code decides the status, so the JSON
 * API, the MLflow API and (later) the prediction API agree, and nothing but a what/where/fix ever
 * reaches a client. Anything that is not an MlshipError is a bug in mlship: the client gets a generic
 * 500 with the request id, the log gets the detail.
 */
import { MlshipError } from "../core/errors.js";

export interface ErrorBody {
  error: { code: string; what: string; where?: string; fix?: string };
}

export interface Translated {
  status: number;
  body: ErrorBody;
  /** True when the failure is ours (a bug or the store failing), so it deserves an error log line. */
  serverFault: boolean;
  /** Seconds for a Retry-After header: the error says when trying again makes sense. */
  retryAfter?: number;
}

/** Status by code prefix, as agreed across layers (see the issue 4 contract). */
export function statusForCode(code: string): number {
  if (code.startsWith("E_NOT_FOUND")) return 404;
  if (code.startsWith("E_EXISTS") || code.startsWith("E_GUARD")) return 409;
  if (code === "E_STORE_BUSY" || code.startsWith("E_BUSY")) return 503;
  // The server's own setup (e.g. the PII hashing key) failing is not the caller's to fix.
  if (code.startsWith("E_CONFIG")) return 500;
  if (code.startsWith("E_STORE")) return 500;
  // Every other MlshipError is, by its definition, something the caller can fix.
  return 400;
}

/**
 * Fastify's own request failures (unparsable JSON, schema violations, bodies over the limit, media
 * types we do not read) carry a 4xx statusCode and a readable message.
 */
interface FrameworkError {
  statusCode?: number;
  code?: string;
  message?: string;
  validation?: unknown;
}

function frameworkClientError(err: unknown): FrameworkError | null {
  const e = err as FrameworkError;
  if (typeof e?.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500) return e;
  return null;
}

const frameworkCodes: Record<number, { code: string; fix: string }> = {
  413: {
    code: "E_INVALID_BODY_TOO_LARGE",
    fix: "send a smaller body, or split the data over several requests",
  },
  415: { code: "E_INVALID_MEDIA_TYPE", fix: "send the body as application/json" },
};

export function translate(err: unknown, requestId: string): Translated {
  if (err instanceof MlshipError) {
    const status = statusForCode(err.code);
    const retryAfter = (err.data as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    return {
      status,
      // A full queue is load, not a fault: it must not flood the error log at the moment it is busiest.
      serverFault: status >= 500 && !err.code.startsWith("E_BUSY"),
      ...(typeof retryAfter === "number" ? { retryAfter } : {}),
      body: {
        error: {
          code: err.code,
          what: err.what,
          ...(err.where === undefined ? {} : { where: err.where }),
          ...(err.fix === undefined ? {} : { fix: err.fix }),
        },
      },
    };
  }
  const client = frameworkClientError(err);
  if (client) {
    const status = client.statusCode!;
    const known = frameworkCodes[status];
    return {
      status,
      serverFault: false,
      body: {
        error: {
          code: known?.code ?? "E_INVALID_REQUEST",
          what: requestMessage(client),
          fix: known?.fix ?? "correct the request; the OpenAPI document at /docs/json describes every route",
        },
      },
    };
  }
  return {
    status: 500,
    serverFault: true,
    body: {
      error: {
        code: "E_INTERNAL",
        what: `internal error while handling request ${requestId}`,
        fix: "this is a bug in mlship: report it with the server log lines for this request id",
      },
    },
  };
}

/** Fastify prefixes validation messages with the part ("body/name must be string"): keep it, it says where. */
function requestMessage(e: FrameworkError): string {
  const message = e.message ?? "bad request";
  if (e.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return `the body is not valid JSON (${message})`;
  }
  return message;
}
