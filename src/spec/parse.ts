/**
 * Reading `mlship.yaml`: YAML with positions, then the zod schema, with every problem reported at once
 * and pinned to its line, so one edit-run cycle fixes them all.
 */
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import { MlshipError } from "../core/errors.js";
import { locate } from "./locate.js";
import { formatPath, issueToProblems, problemLine, type SpecProblem, valueAt } from "./problems.js";
import { type Spec, specSchema } from "./schema.js";

export const defaultSpecFile = "mlship.yaml";

export interface ParseSpecOptions {
  /** The file name shown in messages, as the user would type it; default "mlship.yaml". */
  path?: string;
}

/** `data` of an E_SPEC_INVALID error, also the `--json` shape. */
export interface SpecErrorData {
  file: string;
  problems: SpecProblem[];
}

const initFix = "run `mlship init --data FILE --target COL` to write a commented starter spec";

/**
 * A spec that parsed as YAML but broke the schema; carries every problem found, in file order. With
 * several problems, `detail` lists them one per line under the headline.
 */
export class SpecError extends MlshipError {
  readonly file: string;
  readonly problems: SpecProblem[];

  constructor(file: string, problems: SpecProblem[]) {
    const [first] = problems;
    const one = problems.length === 1;
    super({
      what: one
        ? `${file}: ${first.path === "" ? "" : `${first.path}: `}${first.message}`
        : `${file} has ${problems.length} problems`,
      where: one ? location(file, first) : file,
      fix: one
        ? fixFor(first)
        : "correct each field listed below; `mlship schema` prints every field and what it accepts",
      code: "E_SPEC_INVALID",
      data: { file, problems } satisfies SpecErrorData,
      ...(one ? {} : { detail: problems.map((p) => `  ${problemLine(file, p)}`).join("\n") }),
    });
    this.name = "SpecError";
    this.file = file;
    this.problems = problems;
  }

  /** One line per problem, for terminal output. */
  lines(): string[] {
    return this.problems.map((p) => problemLine(this.file, p));
  }
}

const location = (file: string, p: SpecProblem) =>
  p.line === undefined ? file : `${file}:${p.line}:${p.column}`;

function fixFor(p: SpecProblem): string {
  const allowed = p.allowed === undefined ? "" : `allowed: ${p.allowed}`;
  if (p.suggestion === undefined)
    return allowed === "" ? "see `mlship schema` for what each field accepts" : allowed;
  const name = p.message.startsWith("unknown field") ? `\`${p.suggestion}\`` : JSON.stringify(p.suggestion);
  return `did you mean ${name}?${allowed === "" ? "" : ` (${allowed})`}`;
}

/** The problem lines of a spec error, for the CLI to print under the headline; [] for any other error. */
export function specErrorLines(err: unknown): string[] {
  return err instanceof SpecError ? err.lines() : [];
}

const yamlFixes: Partial<Record<string, string>> = {
  TAB_AS_INDENT: "indent with spaces; YAML does not allow tabs for indentation",
  DUPLICATE_KEY: "remove or rename one of the two fields with the same name",
  BAD_INDENT: "line the field up with the other fields of the same section",
  MISSING_CHAR: "close the quote or bracket opened on this line",
};

function yamlError(file: string, err: YAMLError, count: number): MlshipError {
  const pos = err.linePos?.[0];
  // With prettyErrors the message ends in " at line L, column C:" and a code excerpt; keep the sentence.
  const sentence = err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  return new MlshipError({
    what: `${file} is not valid YAML: ${sentence}`,
    where: pos === undefined ? file : `${file}:${pos.line}:${pos.col}`,
    fix:
      yamlFixes[err.code] ??
      "check the indentation and quoting on that line and the one before it (text containing ': ' or ' #' needs quotes)",
    code: "E_SPEC_YAML",
    data: { file, line: pos?.line, column: pos?.col, yamlCode: err.code, errorCount: count },
  });
}

type Issue = z.core.$ZodIssue;

/**
 * zod skips an object's refinements once any of its fields failed, so the schema's one cross-field rule
 * (a target for every task but clustering) is repeated here to report it in the same run as the rest.
 */
function skippedRefinements(data: unknown, issues: readonly Issue[]): Issue[] {
  const task = valueAt(data, ["task"]);
  if (typeof task !== "string" || task === "clustering" || valueAt(data, ["target"]) !== undefined) return [];
  if (issues.some((i) => i.path[0] === "target" || i.path[0] === "task")) return [];
  return [
    {
      code: "custom",
      path: ["target"],
      message: `a target column is required for task "${task}"`,
      input: data,
    },
  ];
}

interface Origin {
  file: string;
  locate: (path: readonly PropertyKey[], at: "value" | "key") => { line: number; column: number } | undefined;
}

/** Where each parsed spec came from, so later stages can point their own findings at its lines. */
const origins = new WeakMap<Spec, Origin>();

/**
 * A SpecError about fields of a parsed spec found by a later stage (the tuner checking a space against
 * its model), pinned to their lines when the spec came from parseSpec or loadSpec.
 */
export function specProblems(
  spec: Spec,
  problems: ReadonlyArray<{ path: readonly PropertyKey[]; at?: "value" | "key" } & Omit<SpecProblem, "path">>,
): SpecError {
  const origin = origins.get(spec);
  const located = problems.map(({ path, at, ...rest }) => {
    const pos = origin?.locate(path, at ?? "value");
    return { path: formatPath(path), ...rest, ...(pos === undefined ? {} : pos) } satisfies SpecProblem;
  });
  located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return new SpecError(origin?.file ?? defaultSpecFile, located);
}

/** Parses and validates spec text; throws E_SPEC_YAML, E_SPEC_EMPTY or a SpecError (E_SPEC_INVALID). */
export function parseSpec(text: string, options: ParseSpecOptions = {}): Spec {
  const file = options.path ?? defaultSpecFile;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw yamlError(file, doc.errors[0], doc.errors.length);
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || data === undefined) {
    throw new MlshipError({ what: `${file} is empty`, where: file, fix: initFix, code: "E_SPEC_EMPTY" });
  }
  const result = specSchema.safeParse(data);
  if (result.success) {
    origins.set(result.data, {
      file,
      locate: (path, at) => locate(doc, lineCounter, path, at),
    });
    return result.data;
  }
  const issues = [...result.error.issues, ...skippedRefinements(data, result.error.issues)];
  const ctx = {
    schema: specSchema,
    data,
    locate: (path: readonly PropertyKey[], at: "value" | "key") => locate(doc, lineCounter, path, at),
  };
  const problems = issues
    .flatMap((i) => issueToProblems(i, ctx))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  throw new SpecError(file, problems);
}

/**
 * Reads and validates a spec file. A folder means the `mlship.yaml` inside it. Relative data paths in
 * the spec stay relative: they resolve against the spec's folder where the data is read.
 */
export function loadSpec(path: string): Spec {
  let file = path;
  try {
    if (statSync(file).isDirectory()) file = join(file, defaultSpecFile);
  } catch (err) {
    throw notFound(file, err);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw notFound(file, err);
    throw new MlshipError(
      {
        what: `cannot read ${file}: ${(err as Error).message}`,
        where: file,
        fix: "check the file's permissions",
        code: "E_SPEC_UNREADABLE",
      },
      { cause: err },
    );
  }
  return parseSpec(text, { path: file });
}

function notFound(file: string, cause: unknown): MlshipError {
  return new MlshipError(
    {
      what: `no spec file at ${file}`,
      where: file,
      fix: `${initFix}, or point --spec at an existing one`,
      code: "E_SPEC_NOT_FOUND",
    },
    { cause },
  );
}
