/**
 * Turns zod issues into problems a person can act on: the field path, the value found, what the field
 * accepts and, for typos, what was probably meant. zod's own messages ("Invalid input") say too little
 * and never say which value was wrong.
 */
import type { z } from "zod";
import { didYouMean } from "./suggest.js";

export interface SpecProblem {
  /** Field path, e.g. "data.sources[0].kind"; "" for the spec as a whole. */
  path: string;
  /** What is wrong, in one sentence without the location. */
  message: string;
  /** The offending value as shown to the user (shortened, credentials masked); absent for a missing field. */
  value?: string;
  /** What the field accepts, e.g. 'one of "binary", "multiclass"' or "a number > 0". */
  allowed?: string;
  /** The value or field name the user probably meant. */
  suggestion?: string;
  /** 1-based; absent only when the text has no node to point at. */
  line?: number;
  column?: number;
}

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** The spec's field path in the form people write it: `data.sources[0].kind`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

export function valueAt(data: unknown, path: Path): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

const maxShown = 40;

/** Hides the password in `scheme://user:password@host` so error output never leaks a credential. */
function maskCredentials(s: string): string {
  return s.replace(/([a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, "$1***@");
}

/** A value as it appears in a message: JSON-quoted, shortened to a readable length, credentials masked. */
export function showValue(v: unknown): string {
  const text = v === undefined ? "undefined" : maskCredentials(JSON.stringify(v));
  return text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text;
}

/** The kind of a YAML value in the words of the YAML a user wrote. */
function kindOf(v: unknown): string {
  if (v === null) return "empty (null)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return "text";
  if (typeof v === "number") return Number.isInteger(v) ? "a whole number" : "a number";
  if (typeof v === "boolean") return "true/false";
  return typeof v;
}

const expectedWords: Record<string, string> = {
  string: "text",
  number: "a number",
  int: "a whole number",
  boolean: "true/false",
  object: "a mapping of fields",
  record: "a mapping of fields",
  array: "a list",
  tuple: "a list",
  null: "null",
};
const expectedText = (expected: string) => expectedWords[expected] ?? expected;

const listOf = (values: readonly unknown[]) =>
  values.length === 1 ? showValue(values[0]) : `one of ${values.map(showValue).join(", ")}`;

// ---- schema introspection: the fields an object accepts, for "unknown field" suggestions ----

interface Def {
  type: string;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
  options?: z.core.$ZodType[];
  discriminator?: string;
  valueType?: z.core.$ZodType;
  innerType?: z.core.$ZodType;
  in?: z.core.$ZodType;
  items?: z.core.$ZodType[];
  values?: unknown[];
}
const defOf = (s: z.core.$ZodType): Def => s._zod.def as unknown as Def;

function unwrap(s: z.core.$ZodType): z.core.$ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (d.innerType !== undefined) cur = d.innerType;
    else if (d.type === "pipe" && d.in !== undefined) cur = d.in;
    else return cur;
  }
}

/** The union member that `data` was meant to be: by discriminator, else the one sharing most keys. */
function pickOption(options: z.core.$ZodType[], discriminator: string | undefined, data: unknown) {
  const objects = options.map(unwrap).filter((o) => defOf(o).type === "object");
  if (discriminator !== undefined) {
    const tag = valueAt(data, [discriminator]);
    return objects.find((o) => defOf(unwrap(defOf(o).shape![discriminator])).values?.includes(tag));
  }
  const keys = data !== null && typeof data === "object" ? Object.keys(data) : [];
  let best: z.core.$ZodType | undefined;
  let bestShared = 0;
  for (const o of objects) {
    const shared = keys.filter((k) => k in defOf(o).shape!).length;
    if (shared > bestShared) [best, bestShared] = [o, shared];
  }
  return best;
}

function schemaAt(schema: z.core.$ZodType, data: unknown, path: Path): z.core.$ZodType | undefined {
  let cur: z.core.$ZodType | undefined = unwrap(schema);
  for (let i = 0; i <= path.length && cur !== undefined; i++) {
    const d = defOf(cur);
    const here = valueAt(data, path.slice(0, i));
    if (d.type === "union") {
      cur = pickOption(d.options!, d.discriminator, here);
      i--; // the chosen member still has to consume this segment
      continue;
    }
    if (i === path.length) break;
    const seg = path[i];
    if (d.type === "object") cur = d.shape![String(seg)];
    else if (d.type === "array") cur = d.element;
    else if (d.type === "tuple") cur = d.items![Number(seg)];
    else if (d.type === "record") cur = d.valueType;
    else cur = undefined;
    if (cur !== undefined) cur = unwrap(cur);
  }
  return cur;
}

function fieldsAt(schema: z.core.$ZodType, data: unknown, path: Path): string[] {
  const s = schemaAt(schema, data, path);
  return s !== undefined && defOf(s).type === "object" ? Object.keys(defOf(s).shape!) : [];
}

// ---- issue -> problem ----

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function bound(issue: { inclusive?: boolean }, op: "min" | "max", limit: unknown): string {
  const sym = op === "min" ? (issue.inclusive ? ">=" : ">") : issue.inclusive ? "<=" : "<";
  return `${sym} ${String(limit)}`;
}

function sizeProblem(
  issue: Extract<Issue, { code: "too_small" | "too_big" }>,
  value: unknown,
): Pick<SpecProblem, "message" | "allowed"> {
  const small = issue.code === "too_small";
  const limit = small ? issue.minimum : issue.maximum;
  const n = Number(limit);
  switch (issue.origin) {
    case "array":
    case "set":
      return {
        message:
          small && n === 1
            ? "the list is empty"
            : `the list has ${plural((value as unknown[]).length, "item")}`,
        allowed: `${small ? "at least" : "at most"} ${plural(n, "item")}`,
      };
    case "string":
      if (small && n === 1) return { message: "must not be empty", allowed: "non-empty text" };
      return {
        message: `${showValue(value)} is too ${small ? "short" : "long"}`,
        allowed: `${issue.exact ? "exactly" : small ? "at least" : "at most"} ${plural(n, "character")}`,
      };
    default:
      return {
        message: `${showValue(value)} is too ${small ? "small" : "large"}`,
        allowed: `a number ${bound(issue, small ? "min" : "max", limit)}`,
      };
  }
}

function formatProblem(
  issue: Extract<Issue, { code: "invalid_format" }>,
  value: unknown,
  path: Path,
): Omit<SpecProblem, "path"> {
  if (String(path.at(-1) ?? "").endsWith("Env")) {
    // A wrong-case name is shown and corrected; anything else may be the secret itself, so it is not echoed.
    if (typeof value === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
      return {
        message: `${showValue(value)} is not an environment variable name in UPPER_SNAKE_CASE`,
        value: showValue(value),
        allowed: "an environment variable name in UPPER_SNAKE_CASE, e.g. DATABASE_URL",
        suggestion: value.toUpperCase(),
      };
    }
    return {
      message:
        "must be the name of the environment variable that holds the secret, not the secret itself (value not shown)",
      allowed: "an environment variable name in UPPER_SNAKE_CASE, e.g. DATABASE_URL",
    };
  }
  if (issue.format === "url") {
    return {
      message: `${showValue(value)} is not a URL`,
      value: showValue(value),
      allowed: "a URL such as https://example.com/data.json",
    };
  }
  // Our schema gives regexes a readable message; zod's default one starts with "Invalid".
  const custom = !issue.message.startsWith("Invalid");
  return {
    message: `${showValue(value)} is not valid`,
    value: showValue(value),
    allowed: custom ? issue.message : `text matching ${issue.pattern ?? issue.format}`,
  };
}

function typeProblem(expected: string, value: unknown, path: Path): Omit<SpecProblem, "path"> {
  if (value === undefined) {
    return {
      message: `missing required field \`${String(path.at(-1) ?? "")}\``,
      allowed: expectedText(expected),
    };
  }
  if (value === null) {
    return {
      message: `expected ${expectedText(expected)}, but the field is empty`,
      allowed: expectedText(expected),
    };
  }
  let message = `expected ${expectedText(expected)}, got ${showValue(value)} (${kindOf(value)})`;
  if (
    (expected === "number" || expected === "int") &&
    typeof value === "string" &&
    Number.isFinite(Number(value))
  ) {
    message += "; write it without quotes";
  }
  return { message, value: showValue(value), allowed: expectedText(expected) };
}

/** Members of a failed plain union: either a list of accepted types, or the member that came closest. */
function unionProblems(
  issue: Extract<Issue, { code: "invalid_union" }>,
  value: unknown,
  ctx: IssueContext,
): SpecProblem[] {
  const branches = issue.errors;
  const onlyTypes = branches.every(
    (b) => b.length === 1 && b[0].code === "invalid_type" && b[0].path.length === 0,
  );
  if (onlyTypes && branches.length > 0) {
    const expected = branches.map((b) => expectedText((b[0] as { expected: string }).expected));
    const allowed = `${expected.slice(0, -1).join(", ")} or ${expected.at(-1)}`;
    return [
      problem(ctx, issue.path, {
        message:
          value === undefined ? "missing required field" : `got ${showValue(value)} (${kindOf(value)})`,
        ...(value === undefined ? {} : { value: showValue(value) }),
        allowed: expected.length === 1 ? expected[0] : allowed,
      }),
    ];
  }
  const closest = [...branches].sort((a, b) => a.length - b.length)[0] ?? [];
  const nested = closest.map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as Issue);
  return nested.flatMap((i) => issueToProblems(i, ctx));
}

/** Finds the line and column of a field path; "key" for problems about the field name itself. */
export type Locate = (path: Path, at: "value" | "key") => { line: number; column: number } | undefined;

export interface IssueContext {
  schema: z.core.$ZodType;
  /** The parsed YAML as plain data. */
  data: unknown;
  locate: Locate;
}

function problem(
  ctx: IssueContext,
  path: Path,
  fields: Omit<SpecProblem, "path" | "line" | "column">,
  at: "value" | "key" = "value",
): SpecProblem {
  const pos = ctx.locate(path, at);
  return {
    path: formatPath(path),
    ...fields,
    ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
  };
}

/** One zod issue as one or more problems (an unknown-keys issue names several fields). */
export function issueToProblems(issue: Issue, ctx: IssueContext): SpecProblem[] {
  const { schema, data } = ctx;
  const path = issue.path;
  const value = valueAt(data, path);
  const shown = value === undefined ? {} : { value: showValue(value) };
  switch (issue.code) {
    case "invalid_type":
      return [problem(ctx, path, typeProblem(issue.expected, value, path))];
    case "invalid_value": {
      const suggestion = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : undefined;
      return [
        problem(ctx, path, {
          message: `${showValue(value)} is not allowed here`,
          ...shown,
          allowed: listOf(issue.values),
          ...(suggestion === undefined ? {} : { suggestion }),
        }),
      ];
    }
    case "invalid_union": {
      const discriminated = issue as { discriminator?: string; options?: unknown[] };
      if (discriminated.discriminator === undefined) return unionProblems(issue, value, ctx);
      const options = discriminated.options ?? [];
      const suggestion = typeof value === "string" ? didYouMean(value, options.map(String)) : undefined;
      return [
        problem(ctx, path, {
          message:
            value === undefined
              ? `missing required field \`${discriminated.discriminator}\``
              : `${showValue(value)} is not a known \`${discriminated.discriminator}\``,
          ...shown,
          allowed: listOf(options),
          ...(suggestion === undefined ? {} : { suggestion }),
        }),
      ];
    }
    case "unrecognized_keys": {
      const fields = fieldsAt(schema, data, path);
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, fields);
        return problem(
          ctx,
          [...path, key],
          {
            message: `unknown field \`${key}\``,
            ...(fields.length > 0 ? { allowed: `the fields ${fields.join(", ")}` } : {}),
            ...(suggestion === undefined ? {} : { suggestion }),
          },
          "key",
        );
      });
    }
    case "too_small":
    case "too_big":
      return [problem(ctx, path, { ...sizeProblem(issue, value), ...shown })];
    case "invalid_format":
      return [problem(ctx, path, formatProblem(issue, value, path))];
    case "custom": {
      // Cross-field rules: a missing field is named as such; a whole mapping is not worth echoing.
      const field = String(path.at(-1) ?? "");
      if (value === undefined && field !== "") {
        return [problem(ctx, path, { message: `missing field \`${field}\`: ${issue.message}` })];
      }
      return [problem(ctx, path, { message: issue.message, ...(typeof value === "object" ? {} : shown) })];
    }
    default:
      return [problem(ctx, path, { message: issue.message, ...shown })];
  }
}

/** One problem as one line of terminal output: `mlship.yaml:12:5  metric.threshold: expected a number…`. */
export function problemLine(file: string, p: SpecProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.column}`;
  let text = `${where}  ${p.path === "" ? "(spec)" : p.path}: ${p.message}`;
  if (p.allowed !== undefined && !p.message.includes(p.allowed)) text += `; allowed: ${p.allowed}`;
  if (p.suggestion !== undefined) text += ` — did you mean ${quoteSuggestion(p)}?`;
  return text;
}

const quoteSuggestion = (p: SpecProblem) =>
  p.message.startsWith("unknown field") ? `\`${p.suggestion}\`` : showValue(p.suggestion);
