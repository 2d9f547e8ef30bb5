/**
 * Reading MLflow requests the way MLflow's server does (`_get_request_message` in
 * mlflow/server/handlers.py): POST/PATCH/DELETE carry JSON, GET carries the same fields in the query
 * string (repeated fields as repeated keys); unknown fields are ignored (protobuf's
 * `ignore_unknown_fields`); int64s may come as numbers or strings, doubles as numbers or "NaN" /
 * "Infinity", enums by name or number, all of which protobuf's JSON parser accepts.
 */
import { MlshipError } from "../../core/errors.js";

export const str = { type: "string", maxLength: 1_000_000 } as const;
/** experiment_id was an int before MLflow 0.9.1; MLflow still turns numbers into strings on input. */
export const id = { anyOf: [{ type: "string", maxLength: 200 }, { type: "integer" }] } as const;
export const int64 = {
  anyOf: [
    { type: "integer", minimum: -(2 ** 63), maximum: 2 ** 63 },
    { type: "string", pattern: "^-?[0-9]{1,19}$" },
  ],
} as const;
export const double = {
  anyOf: [
    { type: "number" },
    { type: "string", pattern: "^(NaN|-?Infinity|[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?)$" },
  ],
} as const;
export const strList = { type: "array", items: str, maxItems: 10_000 } as const;
export const keyValue = {
  type: "object",
  properties: { key: str, value: str },
} as const;
export const keyValues = { type: "array", items: keyValue, maxItems: 10_000 } as const;
export const viewTypeEnum = {
  anyOf: [
    { type: "string", enum: ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] },
    { type: "integer", enum: [1, 2, 3] },
  ],
} as const;
export const runStatusEnum = {
  anyOf: [
    { type: "string", enum: ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] },
    { type: "integer", enum: [1, 2, 3, 4, 5] },
  ],
} as const;

/** Route options for an MLflow endpoint: its request schema and its place in the OpenAPI document. */
export function spec(
  hide: boolean,
  summary: string,
  part: { body?: object; querystring?: object },
): { schema: Record<string, unknown> } {
  return { schema: { tags: ["mlflow"], summary, hide, ...part } };
}

export type Int64 = number | string;
export type Double = number | string;

export function invalid(message: string): MlshipError {
  return new MlshipError({ what: message, code: "E_INVALID_MLFLOW_REQUEST" });
}

/** MLflow's own wording for a missing required field. */
export function required<T>(value: T | undefined | null | "", param: string): T {
  if (value === undefined || value === null || value === "") {
    throw invalid(
      `Missing value for required parameter '${param}'. See the API docs for more information about request parameters.`,
    );
  }
  return value;
}

export function toInt(value: Int64 | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n))
    throw invalid(`Invalid value ${JSON.stringify(value)}: not an integer mlship can store exactly.`);
  return n;
}

export function toDouble(value: Double): number {
  return typeof value === "number" ? value : Number(value);
}

export function toIdString(value: string | number | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

const viewTypes = {
  ACTIVE_ONLY: "active",
  DELETED_ONLY: "deleted",
  ALL: "all",
  1: "active",
  2: "deleted",
  3: "all",
} as const;
export function toViewType(value: string | number | undefined): "active" | "deleted" | "all" | undefined {
  return value === undefined ? undefined : viewTypes[value as keyof typeof viewTypes];
}

const statuses = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const;
export type Status = (typeof statuses)[number];
export function toStatus(value: string | number | undefined): Status | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? statuses[value - 1] : (value as Status);
}

/** The key/value lists MLflow sends for tags and params, as a record (later duplicates win, as in MLflow's stores). */
export function toRecord(
  list: Array<{ key?: string; value?: string }> | undefined,
  what: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) out[required(item.key, `${what}.key`)] = item.value ?? "";
  return out;
}
