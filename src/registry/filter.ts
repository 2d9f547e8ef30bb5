/**
 * The registry's small search language, a subset of MLflow's: clauses joined by AND, each
 * `name|run_id|version|tags.<key> =|!=|LIKE|ILIKE value`, e.g. `name LIKE 'churn%' AND tags.team = 'crm'`.
 * Registries hold tens or hundreds of models, so a filter becomes a predicate applied in memory: no
 * user text ever reaches SQL, and LIKE means the same (case-sensitive) thing on every dialect.
 */
import { MlshipError } from "../core/errors.js";

export interface Filterable {
  name: string;
  tags: Record<string, string>;
  runId?: string | null;
  version?: number;
}

type Field = { kind: "name" | "run_id" | "version" } | { kind: "tag"; key: string };
type Op = "=" | "!=" | "LIKE" | "ILIKE";

const fields = ["name", "run_id", "version"] as const;

function filterError(filter: string, at: number, problem: string): MlshipError {
  return new MlshipError({
    what: `the filter cannot be read: ${problem}`,
    where: `filter at character ${at + 1}: ${filter}`,
    fix: "write clauses like name LIKE 'churn%' or tags.team = 'crm', joined by AND; quote text with ' or \"",
    code: "E_INVALID_FILTER",
  });
}

function tokenize(filter: string): Array<{ text: string; at: number; quoted: boolean }> {
  const tokens: Array<{ text: string; at: number; quoted: boolean }> = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === "`") {
      // A doubled quote inside a quoted string stands for the quote itself, as in SQL.
      let text = "";
      let j = i + 1;
      for (;;) {
        if (j >= filter.length) throw filterError(filter, i, `the quote opened here is never closed`);
        if (filter[j] === c) {
          if (filter[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += filter[j++];
      }
      tokens.push({ text: c === "`" ? `\`${text}` : text, at: i, quoted: c !== "`" });
      i = j + 1;
    } else if (c === "=" || c === "!") {
      if (c === "!" && filter[i + 1] !== "=") throw filterError(filter, i, "'!' must be followed by '='");
      tokens.push({ text: c === "!" ? "!=" : "=", at: i, quoted: false });
      i += c === "!" ? 2 : 1;
    } else {
      let j = i;
      while (j < filter.length && !/[\s='"`!]/.test(filter[j])) j++;
      tokens.push({ text: filter.slice(i, j), at: i, quoted: false });
      i = j;
    }
  }
  return tokens;
}

function likeToRegex(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, ignoreCase ? "isu" : "su");
}

/** A predicate for `filter` (everything matches when it is empty); throws E_INVALID_FILTER. */
export function parseFilter(
  filter: string | undefined,
  allowed: ReadonlyArray<(typeof fields)[number]>,
): (item: Filterable) => boolean {
  if (filter === undefined || filter.trim() === "") return () => true;
  const tokens = tokenize(filter);
  const clauses: Array<(item: Filterable) => boolean> = [];
  let k = 0;
  for (;;) {
    const f = tokens[k];
    if (!f) throw filterError(filter, filter.length, "a clause is missing after AND");
    let field: Field;
    const dotted = /^tags\.(.+)$/.exec(f.text);
    if (f.text === "tags." && tokens[k + 1]?.text.startsWith("`")) {
      field = { kind: "tag", key: tokens[k + 1].text.slice(1) };
      k++;
    } else if (dotted && !f.quoted) {
      field = { kind: "tag", key: dotted[1] };
    } else if (!f.quoted && (allowed as readonly string[]).includes(f.text.toLowerCase())) {
      field = { kind: f.text.toLowerCase() as (typeof fields)[number] };
    } else {
      throw filterError(
        filter,
        f.at,
        `unknown field ${JSON.stringify(f.text)} (use ${allowed.join(", ")} or tags.<key>)`,
      );
    }
    const [op, value] = [tokens[k + 1], tokens[k + 2]];
    const opText = op?.text.toUpperCase();
    if (!op || op.quoted || !["=", "!=", "LIKE", "ILIKE"].includes(opText)) {
      throw filterError(filter, op?.at ?? filter.length, "expected =, !=, LIKE or ILIKE after the field");
    }
    if (!value || value.text.startsWith("`"))
      throw filterError(filter, value?.at ?? filter.length, "expected a value");
    if (field.kind === "version" && (value.quoted || !/^\d+$/.test(value.text) || opText.endsWith("LIKE"))) {
      throw filterError(filter, value.at, "version compares with = or != to a whole number");
    }
    if (field.kind !== "version" && !value.quoted) {
      throw filterError(filter, value.at, `quote the value: '${value.text}'`);
    }
    clauses.push(clause(field, opText as Op, value.text));
    k += 3;
    if (k === tokens.length) break;
    if (tokens[k].quoted || tokens[k].text.toUpperCase() !== "AND") {
      throw filterError(filter, tokens[k].at, "clauses are joined with AND (OR is not supported)");
    }
    k++;
  }
  return (item) => clauses.every((c) => c(item));
}

function clause(field: Field, op: Op, value: string): (item: Filterable) => boolean {
  const read = (item: Filterable): string | undefined =>
    field.kind === "tag"
      ? item.tags[field.key]
      : field.kind === "name"
        ? item.name
        : field.kind === "run_id"
          ? (item.runId ?? undefined)
          : String(item.version);
  const test =
    op === "=" || op === "!="
      ? (s: string) => s === value
      : (
          (re: RegExp) => (s: string) =>
            re.test(s)
        )(likeToRegex(value, op === "ILIKE"));
  // Like SQL, a missing tag matches neither = nor !=.
  return (item) => {
    const s = read(item);
    if (s === undefined) return false;
    return op === "!=" ? !test(s) : test(s);
  };
}
