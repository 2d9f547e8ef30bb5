/**
 * Filter trees and order-by clauses to Kysely queries. Every key and value from the user is a bound
 * parameter; the only SQL text chosen here comes from fixed tables (operators, column names), picked by
 * what the parser recognised.
 */
import {
  type Expression,
  type ExpressionBuilder,
  type OrderByItemBuilder,
  type RawBuilder,
  type SqlBool,
  sql,
} from "kysely";
import { MlshipError } from "../core/errors.js";
import { sha256 } from "../core/hash.js";
import { didYouMean } from "../spec/suggest.js";
import type { Store, StoreSchema } from "../store/index.js";
import {
  type Comparator,
  type Field,
  type FilterNode,
  filterError,
  type Operand,
  parseFilter,
  parseOrderClause,
  type Scalar,
} from "./filter.js";
import { experimentKey } from "./rows.js";
import { runStatuses, type SearchOptions, type ViewType } from "./types.js";

type Entity = "metric" | "param" | "tag" | "attribute" | "dataset";

const prefixes: Record<string, Entity> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
  dataset: "dataset",
  datasets: "dataset",
};

interface Attribute {
  column: string;
  type: "string" | "number";
}

const runAttributes: Record<string, Attribute> = {
  run_id: { column: "runs.run_id", type: "string" },
  run_name: { column: "runs.name", type: "string" },
  status: { column: "runs.status", type: "string" },
  user_id: { column: "runs.user", type: "string" },
  user: { column: "runs.user", type: "string" },
  start_time: { column: "runs.start_time", type: "number" },
  created: { column: "runs.start_time", type: "number" },
  end_time: { column: "runs.end_time", type: "number" },
  parent_run_id: { column: "runs.parent_run_id", type: "string" },
};

const datasetAttributes: Record<string, Attribute> = {
  name: { column: "ri.name", type: "string" },
  digest: { column: "ri.digest", type: "string" },
  context: { column: "ri.context", type: "string" },
};

const experimentAttributes: Record<string, Attribute> = {
  name: { column: "experiments.name", type: "string" },
  experiment_id: { column: "experiments.experiment_id", type: "number" },
  creation_time: { column: "experiments.created_at", type: "number" },
  last_update_time: { column: "experiments.updated_at", type: "number" },
};

interface Target {
  what: "runs" | "experiments";
  entities: Entity[];
  attributes: Record<string, Attribute>;
}

const runsTarget: Target = {
  what: "runs",
  entities: ["metric", "param", "tag", "attribute", "dataset"],
  attributes: runAttributes,
};
const experimentsTarget: Target = {
  what: "experiments",
  entities: ["tag", "attribute"],
  attributes: experimentAttributes,
};

interface Resolved {
  entity: Entity;
  key: string;
  attribute?: Attribute;
}

function resolveField(
  field: Field,
  target: Target,
  errorAt: (pos: number, what: string, fix: string) => MlshipError,
): Resolved {
  const known = Object.keys(target.attributes);
  if (field.prefix === "") {
    const attribute = target.attributes[field.key];
    if (attribute) return { entity: "attribute", key: field.key, attribute };
    const examples =
      target.what === "runs"
        ? "metrics.<key>, params.<key>, tags.<key> or attributes.<name>"
        : "tags.<key> or name";
    const guess = didYouMean(field.key, known);
    throw errorAt(
      field.pos,
      `"${field.key}" is not a ${target.what === "runs" ? "run" : "experiment"} attribute`,
      guess
        ? `did you mean ${guess}? (other keys need a prefix: ${examples})`
        : `prefix the key: ${examples}; attributes are ${known.join(", ")}`,
    );
  }
  const entity = prefixes[field.prefix.toLowerCase()];
  if (!entity || !target.entities.includes(entity)) {
    const allowed = Object.keys(prefixes).filter((p) => target.entities.includes(prefixes[p]));
    const guess = didYouMean(field.prefix, allowed);
    throw errorAt(
      field.pos,
      `"${field.prefix}" is not a kind of key ${target.what} can be searched by`,
      guess
        ? `did you mean ${guess}.${field.key}?`
        : `use one of ${[...new Set(target.entities.map((e) => `${e === "attribute" ? "attributes" : `${e}s`}.`))].join(", ")}`,
    );
  }
  if (entity === "attribute" || entity === "dataset") {
    const table = entity === "attribute" ? target.attributes : datasetAttributes;
    const attribute = table[field.key];
    if (!attribute) {
      const guess = didYouMean(field.key, Object.keys(table));
      throw errorAt(
        field.pos + field.prefix.length + 1,
        `"${field.key}" is not a ${entity === "attribute" ? `${target.what === "runs" ? "run" : "experiment"} attribute` : "dataset field"}`,
        guess ? `did you mean ${field.prefix}.${guess}?` : `use one of ${Object.keys(table).join(", ")}`,
      );
    }
    return { entity, key: field.key, attribute };
  }
  return { entity, key: field.key };
}

const numericOps = new Set<Comparator>([
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "is null",
  "is not null",
  "in",
  "not in",
]);
const textOps = new Set<Comparator>([
  "=",
  "!=",
  "like",
  "not like",
  "ilike",
  "not ilike",
  "in",
  "not in",
  "is null",
  "is not null",
]);
const sqlOps: Partial<Record<Comparator, string>> = {
  "=": "=",
  "!=": "<>",
  ">": ">",
  ">=": ">=",
  "<": "<",
  "<=": "<=",
};

/** LIKE is case-sensitive in MLflow; SQLite's LIKE is not, so SQLite gets the equivalent GLOB pattern. */
function globPattern(like: string): string {
  let out = "";
  for (const c of like)
    out += c === "%" ? "*" : c === "_" ? "?" : c === "*" || c === "?" || c === "[" ? `[${c}]` : c;
  return out;
}

function operandValue(s: Scalar, type: "string" | "number"): string | number {
  return type === "number" ? s.value : s.kind === "string" ? s.value : s.text;
}

/** `column op operand` for the value column of a table (or an attribute column). */
function condition(
  store: Store,
  column: Expression<unknown>,
  op: Comparator,
  operand: Operand,
  type: "string" | "number",
): RawBuilder<SqlBool> {
  switch (op) {
    case "is null":
      return sql<SqlBool>`${column} is null`;
    case "is not null":
      return sql<SqlBool>`${column} is not null`;
    case "in":
    case "not in": {
      const items = operand.kind === "list" ? operand.items.map((s) => operandValue(s, type)) : [];
      return op === "in"
        ? sql<SqlBool>`${column} in (${sql.join(items)})`
        : sql<SqlBool>`${column} not in (${sql.join(items)})`;
    }
    case "like":
    case "not like":
    case "ilike":
    case "not ilike": {
      const pattern = operand.kind === "string" ? operand.value : "";
      const caseSensitive = op === "like" || op === "not like";
      const negate = op.startsWith("not");
      const match =
        store.dialect === "sqlite"
          ? caseSensitive
            ? sql<SqlBool>`${column} glob ${globPattern(pattern)}`
            : sql<SqlBool>`${column} like ${pattern}`
          : caseSensitive
            ? sql<SqlBool>`${column} like ${pattern}`
            : sql<SqlBool>`${column} ilike ${pattern}`;
      return negate ? sql<SqlBool>`not (${match})` : match;
    }
    default: {
      const value =
        operand.kind === "string" || operand.kind === "number" ? operandValue(operand, type) : null;
      return sql<SqlBool>`${column} ${sql.raw(sqlOps[op]!)} ${value}`;
    }
  }
}

function checkOperand(
  filter: string,
  node: Extract<FilterNode, { type: "compare" }>,
  r: Resolved,
  type: "string" | "number",
): void {
  const { op, operand } = node;
  const name = r.entity === "attribute" || r.entity === "dataset" ? `${r.key}` : `${r.entity} "${r.key}"`;
  const allowed = type === "number" ? numericOps : textOps;
  if (!allowed.has(op)) {
    throw filterError(
      filter,
      node.valuePos - 1,
      `${name} cannot be compared with ${op.toUpperCase()}`,
      `use one of ${[...allowed].map((o) => o.toUpperCase()).join(", ")}`,
    );
  }
  const scalars = operand.kind === "list" ? operand.items : operand.kind === "none" ? [] : [operand];
  for (const s of scalars) {
    if (type === "number" && s.kind !== "number") {
      throw filterError(
        filter,
        node.valuePos,
        `${name} is a number, but is compared with the text ${JSON.stringify(s.value)}`,
        /^-?[\d.]+(e[+-]?\d+)?$/i.test(s.value) ? `drop the quotes: ${s.value}` : "compare with a number",
      );
    }
  }
  if (
    (op === "like" || op === "not like" || op === "ilike" || op === "not ilike") &&
    operand.kind !== "string"
  ) {
    throw filterError(
      filter,
      node.valuePos,
      `${op.toUpperCase()} needs a quoted pattern`,
      "write LIKE '%text%'",
    );
  }
  if (
    r.entity === "attribute" &&
    r.key === "status" &&
    (op === "=" || op === "!=" || op === "in" || op === "not in")
  ) {
    for (const s of scalars) {
      const v = s.kind === "string" ? s.value : s.text;
      if (!(runStatuses as readonly string[]).includes(v)) {
        const guess = didYouMean(v, runStatuses);
        throw filterError(
          filter,
          node.valuePos,
          `${JSON.stringify(v)} is not a run status`,
          guess ? `did you mean '${guess}'?` : `use one of ${runStatuses.join(", ")}`,
        );
      }
    }
  }
}

type RunsEb = ExpressionBuilder<StoreSchema, "runs">;

/**
 * The (run_id, key, value) table of an entity. All three share that shape, so one of them stands in for
 * the type: the queries built on it only touch those three columns.
 */
function keyValueTable(entity: Entity): "params" {
  return (entity === "metric" ? "latest_metrics" : entity === "param" ? "params" : "run_tags") as "params";
}
type ExperimentsEb = ExpressionBuilder<StoreSchema, "experiments">;

function compileRuns(store: Store, filter: string, eb: RunsEb, node: FilterNode): Expression<SqlBool> {
  if (node.type !== "compare") {
    const items = node.items.map((n) => compileRuns(store, filter, eb, n));
    return node.type === "and" ? eb.and(items) : eb.or(items);
  }
  const r = resolveField(node.field, runsTarget, (pos, what, fix) => filterError(filter, pos, what, fix));
  const type = r.entity === "metric" ? "number" : (r.attribute?.type ?? "string");
  checkOperand(filter, node, r, type);
  const absent = node.op === "is null";
  const presence = node.op === "is null" || node.op === "is not null";
  switch (r.entity) {
    case "attribute":
      return condition(store, sql.ref(r.attribute!.column), node.op, node.operand, type);
    case "dataset": {
      const sub = eb
        .selectFrom("run_inputs as ri")
        .select("ri.run_id")
        .whereRef("ri.run_id", "=", "runs.run_id")
        .where(() => condition(store, sql.ref(r.attribute!.column), node.op, node.operand, type));
      return eb.exists(sub);
    }
    default: {
      const table = keyValueTable(r.entity);
      let sub = eb
        .selectFrom(`${table} as v`)
        .select("v.run_id")
        .whereRef("v.run_id", "=", "runs.run_id")
        .where("v.key", "=", r.key);
      if (!presence) sub = sub.where(() => condition(store, sql.ref("v.value"), node.op, node.operand, type));
      return absent ? eb.not(eb.exists(sub)) : eb.exists(sub);
    }
  }
}

function compileExperiments(
  store: Store,
  filter: string,
  eb: ExperimentsEb,
  node: FilterNode,
): Expression<SqlBool> {
  if (node.type !== "compare") {
    const items = node.items.map((n) => compileExperiments(store, filter, eb, n));
    return node.type === "and" ? eb.and(items) : eb.or(items);
  }
  const r = resolveField(node.field, experimentsTarget, (pos, what, fix) =>
    filterError(filter, pos, what, fix),
  );
  const type = r.attribute?.type ?? "string";
  checkOperand(filter, node, r, type);
  if (r.entity === "attribute")
    return condition(store, sql.ref(r.attribute!.column), node.op, node.operand, type);
  const presence = node.op === "is null" || node.op === "is not null";
  let sub = eb
    .selectFrom("experiment_tags as v")
    .select("v.experiment_id")
    .whereRef("v.experiment_id", "=", "experiments.experiment_id")
    .where("v.key", "=", r.key);
  if (!presence) sub = sub.where(() => condition(store, sql.ref("v.value"), node.op, node.operand, type));
  return node.op === "is null" ? eb.not(eb.exists(sub)) : eb.exists(sub);
}

// ---- paging -------------------------------------------------------------------------------------------

export const defaultMaxResults = 1000;
/** MLflow's ceiling for one page of a run search. */
export const maxMaxResults = 50_000;

function checkMaxResults(max: number | undefined): number {
  const n = max ?? defaultMaxResults;
  if (!Number.isSafeInteger(n) || n < 1 || n > maxMaxResults) {
    throw new MlshipError({
      what: `maxResults must be an integer from 1 to ${maxMaxResults}, got ${String(max)}`,
      where: "search: maxResults",
      fix: `ask for at most ${maxMaxResults} results per page and follow nextPageToken`,
      code: "E_INVALID_MAX_RESULTS",
    });
  }
  return n;
}

/**
 * Tokens carry the offset and a digest of the query they belong to, so a token reused with a different
 * filter or order is refused instead of silently skipping rows. Rows added between pages can shift an
 * offset page, as in MLflow.
 */
function queryDigest(query: unknown): string {
  return sha256(JSON.stringify(query)).slice(0, 16);
}

function encodeToken(offset: number, digest: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: digest })).toString("base64url");
}

/** One page of `max` rows out of `max + 1` fetched, with a token for the next page when there is one. */
function pageOf<T>(
  rows: T[],
  max: number,
  offset: number,
  digest: string,
): { rows: T[]; nextPageToken?: string } {
  return rows.length > max
    ? { rows: rows.slice(0, max), nextPageToken: encodeToken(offset + max, digest) }
    : { rows };
}

function decodeToken(token: string | undefined, digest: string): number {
  if (!token) return 0;
  let parsed: { o?: unknown; q?: unknown } | null = null;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    parsed = null;
  }
  const offset = parsed?.o;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0 || parsed?.q !== digest) {
    throw new MlshipError({
      what: "the page token is not one this search handed out",
      where: "search: pageToken",
      fix: "pass back nextPageToken unchanged, with the same filter, order and experiments as the search that returned it",
      code: "E_INVALID_PAGE_TOKEN",
    });
  }
  return offset;
}

function stages(view: ViewType | undefined): string[] {
  return view === "all" ? ["active", "deleted"] : [view ?? "active"];
}

/** Order-by clauses resolved against what is searched; errors point into the clause. */
function resolveOrderBy(
  clauses: readonly string[] | undefined,
  target: Target,
): Array<{ r: Resolved; descending: boolean; clause: string }> {
  return (clauses ?? [])
    .filter((c) => c.trim() !== "")
    .map((c) => {
      const parsed = parseOrderClause(c);
      const r = resolveField(
        parsed.field,
        target,
        (pos, what, fix) =>
          new MlshipError({
            what: `${what} (at character ${pos + 1} of the order-by clause)`,
            where: `order by: ${c}`,
            fix,
            code: "E_INVALID_ORDER_BY",
            data: { position: pos },
          }),
      );
      return { r, descending: parsed.descending, clause: c };
    });
}

// ---- runs -------------------------------------------------------------------------------------------

export interface SearchRunsOptions extends SearchOptions {
  /** Only runs of these experiments; all experiments when absent. */
  experimentIds?: string[];
  /** Only children of this run; `null` for top-level runs only. */
  parentRunId?: string | null;
}

export async function searchRunRows(store: Store, options: SearchRunsOptions) {
  const max = checkMaxResults(options.maxResults);
  const filter = options.filter ?? "";
  const tree = parseFilter(filter);
  const orderBy = resolveOrderBy(options.orderBy, runsTarget);
  for (const { r, clause } of orderBy) {
    if (r.entity === "dataset") {
      throw new MlshipError({
        what: "runs cannot be ordered by dataset fields",
        where: `order by: ${clause}`,
        fix: "order by metrics, params, tags or attributes",
        code: "E_INVALID_ORDER_BY",
      });
    }
  }
  const digest = queryDigest([
    options.experimentIds ?? null,
    filter,
    options.orderBy ?? [],
    options.viewType ?? "active",
    options.parentRunId,
  ]);
  const offset = decodeToken(options.pageToken, digest);

  let q = store.db
    .selectFrom("runs")
    .selectAll("runs")
    .where("runs.lifecycle_stage", "in", stages(options.viewType));
  if (options.experimentIds) {
    const keys = options.experimentIds.map(experimentKey).filter((k): k is number => k !== null);
    q = q.where("runs.experiment_id", "in", keys.length > 0 ? keys : [-1]);
  }
  if (options.parentRunId === null) q = q.where("runs.parent_run_id", "is", null);
  else if (options.parentRunId !== undefined) q = q.where("runs.parent_run_id", "=", options.parentRunId);
  if (tree) q = q.where((eb) => compileRuns(store, filter, eb, tree));
  for (const { r, descending } of orderBy) {
    const dir = (ob: OrderByItemBuilder) => (descending ? ob.desc() : ob.asc()).nullsLast();
    if (r.entity === "attribute") q = q.orderBy(sql.ref(r.attribute!.column), dir);
    else {
      const table = keyValueTable(r.entity);
      q = q.orderBy(
        (eb) =>
          eb
            .selectFrom(`${table} as o`)
            .select("o.value")
            .whereRef("o.run_id", "=", "runs.run_id")
            .where("o.key", "=", r.key),
        dir,
      );
    }
  }
  const rows = await q
    .orderBy("runs.start_time", "desc")
    .orderBy("runs.run_id")
    .limit(max + 1)
    .offset(offset)
    .execute();
  return pageOf(rows, max, offset, digest);
}

// ---- experiments ------------------------------------------------------------------------------------

export async function searchExperimentRows(store: Store, options: SearchOptions) {
  const max = checkMaxResults(options.maxResults);
  const filter = options.filter ?? "";
  const tree = parseFilter(filter);
  const orderBy = resolveOrderBy(options.orderBy, experimentsTarget);
  const digest = queryDigest([filter, options.orderBy ?? [], options.viewType ?? "active"]);
  const offset = decodeToken(options.pageToken, digest);
  let q = store.db
    .selectFrom("experiments")
    .selectAll("experiments")
    .where("experiments.lifecycle_stage", "in", stages(options.viewType));
  if (tree) q = q.where((eb) => compileExperiments(store, filter, eb, tree));
  for (const { r, descending } of orderBy) {
    const dir = (ob: OrderByItemBuilder) => (descending ? ob.desc() : ob.asc()).nullsLast();
    if (r.entity === "attribute") q = q.orderBy(sql.ref(r.attribute!.column), dir);
    else
      q = q.orderBy(
        (eb) =>
          eb
            .selectFrom("experiment_tags as o")
            .select("o.value")
            .whereRef("o.experiment_id", "=", "experiments.experiment_id")
            .where("o.key", "=", r.key),
        dir,
      );
  }
  const rows = await q
    .orderBy("experiments.created_at", "desc")
    .orderBy("experiments.experiment_id", "desc")
    .limit(max + 1)
    .offset(offset)
    .execute();
  return pageOf(rows, max, offset, digest);
}
