/**
 * Registry search uses the same filter language as run search (track's parser: AND/OR, parentheses,
 * =, !=, <, >, LIKE, ILIKE, IN, IS NULL), over the registry's fields: `name`, `run_id`, `version` and
 * `tags.<key>`, e.g. `name LIKE 'churn%' AND tags.team = 'crm'`. Registries hold tens or hundreds of
 * models, so the tree becomes a predicate applied in memory: no user text ever reaches SQL, and LIKE
 * means the same (case-sensitive) thing on every dialect.
 */
import { didYouMean } from "../spec/suggest.js";
import {
  type Field,
  type FilterNode,
  filterError,
  parseFilter as parseTree,
  type Scalar,
} from "../track/filter.js";

export interface Filterable {
  name: string;
  tags: Record<string, string>;
  runId?: string | null;
  version?: number;
}

type Attribute = "name" | "run_id" | "version";
type Read = (item: Filterable) => string | number | undefined;

function likeToRegex(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === "%" ? ".*" : ch === "_" ? "." : ch.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, ignoreCase ? "isu" : "su");
}

function reader(
  filter: string,
  field: Field,
  allowed: readonly Attribute[],
): { read: Read; numeric: boolean } {
  const prefix = field.prefix.toLowerCase();
  if (prefix === "tags" || prefix === "tag") return { read: (item) => item.tags[field.key], numeric: false };
  const key = field.key.toLowerCase() as Attribute;
  if ((prefix === "" || prefix === "attributes" || prefix === "attribute") && allowed.includes(key)) {
    if (key === "version") return { read: (item) => item.version, numeric: true };
    if (key === "run_id") return { read: (item) => item.runId ?? undefined, numeric: false };
    return { read: (item) => item.name, numeric: false };
  }
  const written = field.prefix ? `${field.prefix}.${field.key}` : field.key;
  const guess = didYouMean(written, [...allowed, "tags."]);
  throw filterError(
    filter,
    field.pos,
    `unknown field ${JSON.stringify(written)}`,
    guess ? `did you mean ${guess}?` : `filter on ${allowed.join(", ")} or tags.<key>`,
  );
}

function compare(filter: string, node: Extract<FilterNode, { type: "compare" }>, numeric: boolean) {
  const { op, operand } = node;
  if (op === "is null") return (v: string | number | undefined) => v === undefined;
  if (op === "is not null") return (v: string | number | undefined) => v !== undefined;
  const scalars: Scalar[] =
    operand.kind === "list" ? operand.items : operand.kind === "none" ? [] : [operand];
  if (numeric && scalars.some((s) => s.kind !== "number" || !Number.isInteger(s.value))) {
    throw filterError(
      filter,
      node.valuePos,
      "version compares with a whole number",
      "e.g. version = 2 or version > 1",
    );
  }
  if (numeric && op.includes("like")) {
    throw filterError(
      filter,
      node.pos,
      "version cannot be compared with LIKE",
      "use =, !=, <, <=, >, >= or IN",
    );
  }
  const texts = scalars.map((s) => (s.kind === "number" ? s.text : s.value));
  const numbers = scalars.map((s) => s.value as number);
  const present = (test: (v: string | number) => boolean) => (v: string | number | undefined) =>
    // As in SQL, a missing value (an absent tag or run) matches no comparison but IS NULL.
    v !== undefined && test(v);
  switch (op) {
    case "=":
      return present((v) => (numeric ? v === numbers[0] : v === texts[0]));
    case "!=":
      return present((v) => (numeric ? v !== numbers[0] : v !== texts[0]));
    case "in":
    case "not in": {
      const set = new Set<string | number>(numeric ? numbers : texts);
      return present((v) => set.has(v) === (op === "in"));
    }
    case "like":
    case "not like":
    case "ilike":
    case "not ilike": {
      const re = likeToRegex(texts[0], op.endsWith("ilike"));
      return present((v) => re.test(String(v)) === !op.startsWith("not"));
    }
    default: {
      const order = (v: string | number) => {
        const a = numeric ? (v as number) : String(v);
        const b = numeric ? numbers[0] : texts[0];
        return a < b ? -1 : a > b ? 1 : 0;
      };
      const want = { "<": [-1], "<=": [-1, 0], ">": [1], ">=": [1, 0] }[op];
      return present((v) => want.includes(order(v)));
    }
  }
}

function compile(
  filter: string,
  node: FilterNode,
  allowed: readonly Attribute[],
): (item: Filterable) => boolean {
  if (node.type !== "compare") {
    const parts = node.items.map((n) => compile(filter, n, allowed));
    return node.type === "and" ? (item) => parts.every((p) => p(item)) : (item) => parts.some((p) => p(item));
  }
  const { read, numeric } = reader(filter, node.field, allowed);
  const test = compare(filter, node, numeric);
  return (item) => test(read(item));
}

/** A predicate for `filter` (everything matches when it is empty); throws E_INVALID_FILTER. */
export function parseFilter(
  filter: string | undefined,
  allowed: readonly Attribute[],
): (item: Filterable) => boolean {
  const tree = parseTree(filter ?? "");
  return tree ? compile(filter ?? "", tree, allowed) : () => true;
}
