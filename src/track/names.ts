/**
 * What a name, key or value may be. Anything printable is allowed (unicode, quotes, SQL punctuation: the
 * store never builds SQL from them); what is refused is what cannot be shown or searched sensibly
 * (empty, control characters) or what belongs in an artifact rather than a row (huge values).
 */
import { MlshipError } from "../core/errors.js";

/** Keys of params, metrics and tags; MLflow's limit, so whatever mlship accepts an MLflow store would too. */
export const maxKeyLength = 250;
/** Experiment and run names. */
export const maxNameLength = 500;
/**
 * Param and tag values, in UTF-8 bytes. MLflow stops at 6,000 characters; mlship allows more (a model's
 * full hyperparameters as JSON fit) but not so much that a search has to drag megabytes through rows.
 */
export const maxValueBytes = 64 * 1024;

const control = /[\u0000-\u001f\u007f]/;

function invalid(what: string, where: string, fix: string, code: string): MlshipError {
  return new MlshipError({ what, where, fix, code });
}

export function checkName(name: unknown, what: "experiment" | "run", where: string): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw invalid(`the ${what} name is empty`, where, `give the ${what} a name`, "E_INVALID_NAME");
  }
  if (name.length > maxNameLength || control.test(name)) {
    throw invalid(
      `the ${what} name ${JSON.stringify(name.slice(0, 60))} is ${control.test(name) ? "not printable (it has control characters)" : `longer than ${maxNameLength} characters`}`,
      where,
      `use a shorter, printable ${what} name`,
      "E_INVALID_NAME",
    );
  }
  return name;
}

export function checkKey(key: unknown, kind: "param" | "metric" | "tag", where: string): string {
  if (typeof key !== "string" || key === "") {
    throw invalid(`a ${kind} key is empty`, where, `give every ${kind} a non-empty key`, "E_INVALID_KEY");
  }
  if (key.length > maxKeyLength || control.test(key)) {
    throw invalid(
      `the ${kind} key ${JSON.stringify(key.slice(0, 60))} is ${control.test(key) ? "not printable (it has control characters)" : `longer than ${maxKeyLength} characters`}`,
      where,
      `use a shorter, printable ${kind} key`,
      "E_INVALID_KEY",
    );
  }
  return key;
}

/** A param or tag value as text: strings as they are, anything else as JSON (numbers, booleans, objects). */
export function valueText(value: unknown, kind: "param" | "tag", key: string, where: string): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined) {
    throw invalid(
      `the ${kind} "${key}" has no value (${typeof value})`,
      where,
      `log a string, number, boolean or JSON-able object as the ${kind}'s value`,
      kind === "param" ? "E_INVALID_PARAM_VALUE" : "E_INVALID_TAG_VALUE",
    );
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > maxValueBytes) {
    throw invalid(
      `the ${kind} "${key}" is ${(bytes / 1024).toFixed(0)} KiB, above the ${maxValueBytes / 1024} KiB limit for a ${kind} value`,
      where,
      "log large content as an artifact (logArtifact / run.logArtifact) and keep a short summary or its path as the value",
      kind === "param" ? "E_INVALID_PARAM_VALUE" : "E_INVALID_TAG_VALUE",
    );
  }
  return text;
}

export function checkMetricValue(key: string, value: unknown, where: string): number {
  if (typeof value !== "number") {
    throw invalid(
      `the metric "${key}" is ${typeof value}, not a number`,
      where,
      "log metrics as numbers (NaN and ±Infinity are allowed)",
      "E_INVALID_METRIC_VALUE",
    );
  }
  return value;
}

export function checkInteger(value: unknown, what: string, where: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw invalid(
      `${what} must be an integer, got ${String(value)}`,
      where,
      `pass an integer ${what}`,
      "E_INVALID_VALUE",
    );
  }
  return value;
}
