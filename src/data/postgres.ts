/**
 * PostgreSQL queries through `pg`. The connection string comes from an environment variable named in
 * the spec, never from the spec itself, and never appears in messages or source descriptions.
 */
import pg from "pg";
import { MlshipError } from "../core/errors.js";
import type { Frame } from "../core/frame.js";
import { frameFromRows, type TypeHint } from "./values.js";

export interface ReadPostgresOptions {
  query: string;
  /** The environment variable holding the connection string. */
  urlEnv?: string;
  env?: NodeJS.ProcessEnv;
  connectTimeoutMs?: number;
}

const numericOids = new Set([20, 21, 23, 26, 700, 701, 1700]);
const dateOids = new Set([1082, 1114, 1184]);

function hintFor(oid: number): TypeHint {
  if (oid === 16) return "boolean";
  if (numericOids.has(oid)) return "numeric";
  if (dateOids.has(oid)) return "datetime";
  return undefined;
}

/** Dates and timestamps stay text and are read as UTC like every other source, not as local time. */
const typeParsers = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    dateOids.has(oid)
      ? (s: string) => s
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** "host:port/database" of a connection string, without user or password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ""}${u.pathname}`;
  } catch {
    return "(unparsable connection string)";
  }
}

export function postgresUrl(urlEnv: string, env: NodeJS.ProcessEnv): string {
  const url = env[urlEnv];
  if (!url) {
    throw new MlshipError({
      what: `environment variable ${urlEnv} is not set`,
      where: `data source of kind postgres (urlEnv: ${urlEnv})`,
      fix: `export ${urlEnv}=postgres://user:password@host:5432/database before running`,
      code: "E_DATA_ENV_UNSET",
    });
  }
  return url;
}

export async function readPostgres(options: ReadPostgresOptions): Promise<Frame> {
  const urlEnv = options.urlEnv ?? "DATABASE_URL";
  const url = postgresUrl(urlEnv, options.env ?? process.env);
  const where = `postgres ${describePostgresUrl(url)} (from $${urlEnv})`;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  });
  client.on("error", () => {
    // A connection dropped after the query is reported by the query itself.
  });
  try {
    await client.connect();
  } catch (err) {
    throw new MlshipError(
      {
        what: `cannot connect to PostgreSQL: ${(err as Error).message}`,
        where,
        fix: `check that the server is running and that $${urlEnv} points at it`,
        code: "E_DATA_POSTGRES_CONNECT",
      },
      { cause: err },
    );
  }
  try {
    await client.query("SET TIME ZONE 'UTC'");
    const result = await client.query({ text: options.query, rowMode: "array", types: typeParsers });
    if (!result.fields || result.fields.length === 0) {
      throw new MlshipError({
        what: "the PostgreSQL query returns no columns",
        where,
        fix: "use a SELECT query",
        code: "E_DATA_POSTGRES_QUERY",
      });
    }
    return frameFromRows(
      result.fields.map((f) => f.name),
      result.rows as unknown[][],
      result.fields.map((f) => hintFor(f.dataTypeID)),
    );
  } catch (err) {
    if (err instanceof MlshipError) throw err;
    throw new MlshipError(
      {
        what: `PostgreSQL query failed: ${(err as Error).message}`,
        where: `${where}: ${options.query}`,
        fix: "check the SQL against the database's tables and columns",
        code: "E_DATA_POSTGRES_QUERY",
      },
      { cause: err },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
