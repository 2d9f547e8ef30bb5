/**
 * MLflow's search filter language, parsed into a tree that `search.ts` turns into a parameterised
 * query: `metrics.roc_auc > 0.8 and params.model = "randomForest"`, `tags.x != 'y'`,
 * `attributes.status = 'FINISHED'`, `run_name LIKE '%cv%'`, `params.a IN ('x', 'y')`, keys quoted with
 * backticks or double quotes (metrics.`my metric`). mlship also accepts OR and parentheses, NOT IN,
 * NOT LIKE and IS [NOT] NULL. User text only ever becomes a bound value or a key compared as a value.
 */
import { MlshipError } from "../core/errors.js";
import { didYouMean } from "../spec/suggest.js";

export type Comparator =
  | "="
  | "!="
  | ">"
  | ">="
  | "<"
  | "<="
  | "like"
  | "not like"
  | "ilike"
  | "not ilike"
  | "in"
  | "not in"
  | "is null"
  | "is not null";

/** Numbers keep their text: an unquoted number compared with a param matches the param as written. */
export type Scalar = { kind: "string"; value: string } | { kind: "number"; value: number; text: string };
export type Operand = Scalar | { kind: "list"; items: Scalar[] } | { kind: "none" };

export interface Field {
  /** The prefix as written (`metrics`, `params`, `tags`, `attributes`, ...) or "" when there is none. */
  prefix: string;
  key: string;
  pos: number;
}

export type FilterNode =
  | { type: "and" | "or"; items: FilterNode[] }
  | { type: "compare"; field: Field; op: Comparator; operand: Operand; pos: number; valuePos: number };

type TokenType = "word" | "string" | "quoted" | "number" | "op" | "(" | ")" | ",";
interface Token {
  type: TokenType;
  text: string;
  /** Unescaped content of strings and quoted keys. */
  value: string;
  pos: number;
}

/** E_INVALID_FILTER pointing at a character of the filter (0-based position; the message counts from 1). */
export function filterError(filter: string, pos: number, what: string, fix: string): MlshipError {
  const at = Math.max(0, Math.min(pos, filter.length));
  return new MlshipError({
    what: `${what} (at character ${at + 1} of the filter)`,
    where: `filter: ${filter}`,
    fix,
    code: "E_INVALID_FILTER",
    data: { position: at },
    detail: `  ${filter}\n  ${" ".repeat(at)}^`,
  });
}

const numberRe = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i;
// Keys may hold dots, dashes, slashes and colons (tags.mlship.kind, params.max-depth) unquoted.
const wordRe = /^[\p{L}_][\p{L}\p{N}_.\-/:]*/u;

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = filter.slice(i);
    if (c === "'" || c === '"' || c === "`") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= filter.length) {
          throw filterError(
            filter,
            i,
            `the ${c === "`" ? "quoted key" : "string"} starting here is never closed`,
            `end it with ${c} (write ${c}${c} for a ${c} inside it)`,
          );
        }
        if (filter[j] === c) {
          if (filter[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += filter[j++];
      }
      tokens.push({ type: c === "`" ? "quoted" : "string", text: filter.slice(i, j + 1), value, pos: i });
      i = j + 1;
      continue;
    }
    const op = /^(?:!=|<>|>=|<=|=|>|<|==)/.exec(rest);
    if (op) {
      const text = op[0] === "<>" ? "!=" : op[0] === "==" ? "=" : op[0];
      tokens.push({ type: "op", text, value: text, pos: i });
      i += op[0].length;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      tokens.push({ type: c, text: c, value: c, pos: i });
      i++;
      continue;
    }
    const num = numberRe.exec(rest);
    if (num && !/^[\p{L}_]/u.test(rest.slice(num[0].length))) {
      tokens.push({ type: "number", text: num[0], value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const word = wordRe.exec(rest);
    if (word) {
      tokens.push({ type: "word", text: word[0], value: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw filterError(
      filter,
      i,
      `unexpected character ${JSON.stringify(c)}`,
      "quote keys with special characters in backticks (metrics.`my metric`) and values in quotes ('x')",
    );
  }
  return tokens;
}

const keyword = (t: Token | undefined, ...words: string[]) =>
  t?.type === "word" && words.includes(t.text.toLowerCase());

const comparatorWords = ["=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL"];

export interface OrderClause {
  field: Field;
  descending: boolean;
}

/** One order-by clause: a key as in filters, then ASC (default) or DESC. */
export function parseOrderClause(clause: string): OrderClause {
  const tokens = tokenize(clause);
  const fail = (pos: number, what: string) =>
    new MlshipError({
      what: `${what} (at character ${pos + 1} of the order-by clause)`,
      where: `order by: ${clause}`,
      fix: "write a key and an optional direction, e.g. `metrics.roc_auc DESC` or `attributes.start_time ASC`",
      code: "E_INVALID_ORDER_BY",
      data: { position: pos },
      detail: `  ${clause}\n  ${" ".repeat(pos)}^`,
    });
  const first = tokens[0];
  if (!first) throw fail(0, "the order-by clause is empty");
  let i = 1;
  let field: Field;
  if (first.type === "quoted") field = { prefix: "", key: first.value, pos: first.pos };
  else if (first.type === "word") {
    const dot = first.text.indexOf(".");
    field =
      dot < 0
        ? { prefix: "", key: first.text, pos: first.pos }
        : { prefix: first.text.slice(0, dot), key: first.text.slice(dot + 1), pos: first.pos };
    if (dot >= 0 && field.key === "") {
      const q = tokens[1];
      if (q?.type !== "quoted" && q?.type !== "string")
        throw fail(first.pos + first.text.length, "a key is missing after the dot");
      field.key = q.value;
      i = 2;
    }
  } else throw fail(first.pos, `expected a key but found ${JSON.stringify(first.text)}`);
  let descending = false;
  if (keyword(tokens[i], "asc", "desc")) {
    descending = tokens[i].text.toLowerCase() === "desc";
    i++;
  }
  if (i < tokens.length) throw fail(tokens[i].pos, `unexpected ${JSON.stringify(tokens[i].text)}`);
  return { field, descending };
}

/** Parses a filter; an empty or blank filter is null (match everything). */
export function parseFilter(filter: string): FilterNode | null {
  const tokens = tokenize(filter);
  if (tokens.length === 0) return null;
  let i = 0;
  const peek = () => tokens[i];
  const end = () =>
    tokens.length > 0 ? tokens[tokens.length - 1].pos + tokens[tokens.length - 1].text.length : 0;
  const posOf = (t: Token | undefined) => t?.pos ?? end();
  const describe = (t: Token | undefined) => (t ? JSON.stringify(t.text) : "the end of the filter");

  const parseScalar = (): Scalar => {
    const t = tokens[i];
    if (t?.type === "string") {
      i++;
      return { kind: "string", value: t.value };
    }
    if (t?.type === "number") {
      i++;
      return { kind: "number", value: Number(t.text), text: t.text };
    }
    const hint =
      t?.type === "word" || t?.type === "quoted"
        ? `put text values in quotes: '${t.value}'`
        : "write a number (0.8) or a quoted string ('x')";
    throw filterError(filter, posOf(t), `expected a value but found ${describe(t)}`, hint);
  };

  const parseField = (): Field => {
    const t = tokens[i];
    if (t?.type === "quoted") {
      i++;
      return { prefix: "", key: t.value, pos: t.pos };
    }
    if (t?.type !== "word") {
      throw filterError(
        filter,
        posOf(t),
        `expected a key such as metrics.roc_auc, params.model, tags.x or attributes.status but found ${describe(t)}`,
        "start each condition with a key, then a comparison, then a value",
      );
    }
    i++;
    const dot = t.text.indexOf(".");
    if (dot < 0) return { prefix: "", key: t.text, pos: t.pos };
    const prefix = t.text.slice(0, dot);
    let key = t.text.slice(dot + 1);
    if (key === "") {
      const q = tokens[i];
      // metrics.`my metric` and metrics."my metric" (MLflow accepts both quotes for keys).
      if ((q?.type === "quoted" || q?.type === "string") && q.pos === t.pos + t.text.length) {
        i++;
        key = q.value;
      } else {
        throw filterError(
          filter,
          t.pos + t.text.length,
          `"${t.text}" needs a key after the dot`,
          `write ${prefix}.name, or quote a key with spaces: ${prefix}.\`my key\``,
        );
      }
    }
    return { prefix, key, pos: t.pos };
  };

  const parseComparison = (): FilterNode => {
    const field = parseField();
    const t = tokens[i];
    const opPos = posOf(t);
    let op: Comparator;
    if (t?.type === "op") {
      i++;
      op = t.text as Comparator;
    } else if (keyword(t, "like", "ilike", "in")) {
      i++;
      op = t!.text.toLowerCase() as Comparator;
    } else if (keyword(t, "not") && keyword(tokens[i + 1], "like", "ilike", "in")) {
      op = `not ${tokens[i + 1].text.toLowerCase()}` as Comparator;
      i += 2;
    } else if (keyword(t, "is")) {
      i++;
      const negated = keyword(peek(), "not");
      if (negated) i++;
      if (!keyword(peek(), "null")) {
        throw filterError(
          filter,
          posOf(peek()),
          `expected NULL after IS${negated ? " NOT" : ""}`,
          "write IS NULL or IS NOT NULL",
        );
      }
      i++;
      return {
        type: "compare",
        field,
        op: negated ? "is not null" : "is null",
        operand: { kind: "none" },
        pos: field.pos,
        valuePos: opPos,
      };
    } else {
      const suggestion = t?.type === "word" ? didYouMean(t.text.toUpperCase(), comparatorWords) : undefined;
      throw filterError(
        filter,
        opPos,
        `expected a comparison after the key but found ${describe(t)}`,
        suggestion
          ? `did you mean ${suggestion}?`
          : `compare with one of ${comparatorWords.join(", ")} (keys with spaces go in backticks)`,
      );
    }
    const valuePos = posOf(peek());
    if (op === "in" || op === "not in") {
      if (peek()?.type !== "(") {
        throw filterError(
          filter,
          valuePos,
          `expected a list in parentheses after ${op.toUpperCase()}`,
          "write IN ('a', 'b')",
        );
      }
      i++;
      const items: Scalar[] = [parseScalar()];
      while (peek()?.type === ",") {
        i++;
        items.push(parseScalar());
      }
      if (peek()?.type !== ")") {
        throw filterError(
          filter,
          posOf(peek()),
          `expected "," or ")" in the list but found ${describe(peek())}`,
          "close the list with )",
        );
      }
      i++;
      return { type: "compare", field, op, operand: { kind: "list", items }, pos: field.pos, valuePos };
    }
    return { type: "compare", field, op, operand: parseScalar(), pos: field.pos, valuePos };
  };

  const parsePrimary = (): FilterNode => {
    if (peek()?.type === "(") {
      const open = peek()!;
      i++;
      const inner = parseOr();
      if (peek()?.type !== ")") {
        throw filterError(
          filter,
          posOf(peek()),
          `the parenthesis at character ${open.pos + 1} is never closed`,
          "add the missing )",
        );
      }
      i++;
      return inner;
    }
    return parseComparison();
  };

  const parseAnd = (): FilterNode => {
    const items = [parsePrimary()];
    while (keyword(peek(), "and")) {
      i++;
      items.push(parsePrimary());
    }
    return items.length === 1 ? items[0] : { type: "and", items };
  };

  function parseOr(): FilterNode {
    const items = [parseAnd()];
    while (keyword(peek(), "or")) {
      i++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { type: "or", items };
  }

  const tree = parseOr();
  if (i < tokens.length) {
    const t = tokens[i];
    const suggestion = t.type === "word" ? didYouMean(t.text.toUpperCase(), ["AND", "OR"]) : undefined;
    throw filterError(
      filter,
      t.pos,
      `unexpected ${describe(t)} after a complete condition`,
      suggestion ? `did you mean ${suggestion}?` : "join conditions with AND (or OR); quote text values",
    );
  }
  return tree;
}
