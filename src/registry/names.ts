/**
 * What the registry accepts as names, numbers and free text. Model names travel through URLs, shell
 * commands and the search filter, so they are limited to letters and digits in any script plus a few
 * separators; tag values, descriptions and reasons are free text stored exactly as given.
 */
import { MlshipError } from "../core/errors.js";

const modelName = /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M}_.\- ]*[\p{L}\p{N}\p{M}_.-])?$/u;
const aliasName = /^\p{L}[\p{L}\p{N}\p{M}_-]*$/u;
const maxNameLength = 128;
const maxTagKeyLength = 250;
const maxTextLength = 5000;

const invalid = (what: string, where: string, fix: string, code: string) =>
  new MlshipError({ what, where, fix, code });

export function checkModelName(name: unknown, where = "model name"): string {
  if (typeof name !== "string" || name.length === 0 || name.length > maxNameLength || !modelName.test(name)) {
    throw invalid(
      `${JSON.stringify(name)} is not a valid model name`,
      where,
      `use 1 to ${maxNameLength} letters or digits (any script), with '_', '.', '-' or spaces between them, e.g. "churn" or "churn-eu"`,
      "E_INVALID_MODEL_NAME",
    );
  }
  return name;
}

/** Aliases that could be mistaken for a version ("v3") or for "latest" are reserved, as in MLflow. */
export function checkAlias(alias: unknown): string {
  if (
    typeof alias !== "string" ||
    alias.length === 0 ||
    alias.length > 64 ||
    !aliasName.test(alias) ||
    alias.toLowerCase() === "latest" ||
    /^v\d+$/i.test(alias)
  ) {
    throw invalid(
      `${JSON.stringify(alias)} is not a valid alias`,
      "alias",
      'start with a letter, then letters, digits, "_" or "-" (at most 64), e.g. champion, challenger, fallback; "latest" and v<number> are reserved',
      "E_INVALID_ALIAS",
    );
  }
  return alias;
}

/** A version number from the API or the command line: a positive whole number, nothing else. */
export function checkVersion(version: unknown): number {
  const n =
    typeof version === "number"
      ? version
      : typeof version === "string" && /^[1-9][0-9]{0,14}$/.test(version.trim())
        ? Number(version.trim())
        : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw invalid(
      `${JSON.stringify(version)} is not a version number`,
      "version",
      "versions are numbered 1, 2, 3...; give one of those (mlship models show NAME lists them)",
      "E_INVALID_VERSION",
    );
  }
  return n;
}

export function checkTags(tags: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (key.length === 0 || key.length > maxTagKeyLength || key.trim() !== key) {
      throw invalid(
        `tag key ${JSON.stringify(key)} is empty, too long or has spaces at its ends`,
        "tags",
        `use 1 to ${maxTagKeyLength} characters without leading or trailing spaces`,
        "E_INVALID_TAG",
      );
    }
    if (typeof value !== "string") {
      throw invalid(
        `tag ${JSON.stringify(key)} has a ${typeof value} value`,
        "tags",
        "tag values are text; quote numbers",
        "E_INVALID_TAG",
      );
    }
    out[key] = checkText(value, `tag ${JSON.stringify(key)}`);
  }
  return out;
}

/** Descriptions, tag values and reasons: any text (unicode, quotes, SQL) up to a size a page can show. */
export function checkText(text: string, where: string): string {
  if (text.length > maxTextLength) {
    throw invalid(
      `${where} is ${text.length} characters long`,
      where,
      `keep it under ${maxTextLength} characters; link to a longer document instead`,
      "E_INVALID_VALUE_TOO_LARGE",
    );
  }
  return text;
}

/** An audit reason: optional, but when given it must say something. */
export function checkReason(reason: string | undefined, required: boolean): string | null {
  const text = reason === undefined ? "" : checkText(reason, "reason");
  if (text.trim() === "") {
    if (required) {
      throw invalid(
        "--force needs a reason: overriding a guard is recorded with why",
        "reason",
        'add --reason "..." saying why the guard does not apply',
        "E_INVALID_REASON",
      );
    }
    return null;
  }
  return text;
}

export function checkActor(actor: string): string {
  return actor.trim() === "" ? "unknown" : checkText(actor, "actor");
}
