/** SQLite tables and queries through better-sqlite3, opened read-only so a spec can never write. */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { MlshipError } from "../core/errors.js";
import type { Frame } from "../core/frame.js";
import { frameFromRows, type TypeHint } from "./values.js";

export interface ReadSqliteOptions {
  /** Give exactly one of table or query. */
  table?: string;
  query?: string;
  /** Relative paths resolve against this folder (default: the working directory). */
  baseDir?: string;
}

/** SQLite's affinity rules, plus the names people use for dates and booleans. */
function hintFor(declared: string | null): TypeHint {
  if (!declared) return undefined;
  const t = declared.toUpperCase();
  if (t.includes("BOOL")) return "boolean";
  if (t.includes("DATE") || t.includes("TIME")) return "datetime";
  if (
    t.includes("INT") ||
    t.includes("REAL") ||
    t.includes("FLOA") ||
    t.includes("DOUB") ||
    t.includes("NUM") ||
    t.includes("DEC")
  )
    return "numeric";
  if (t.includes("CHAR") || t.includes("CLOB") || t.includes("TEXT")) return "categorical";
  return undefined;
}

export function readSqlite(path: string, options: ReadSqliteOptions): Frame {
  const full = resolve(options.baseDir ?? process.cwd(), path);
  if ((options.table === undefined) === (options.query === undefined)) {
    throw new MlshipError({
      what: "a sqlite source needs exactly one of 'table' or 'query'",
      where: full,
      fix: "set table: <name> or query: SELECT ...",
      code: "E_DATA_SQLITE_CONFIG",
    });
  }
  if (!existsSync(full)) {
    throw new MlshipError({
      what: "SQLite database file not found",
      where: full,
      fix: "check the path (relative paths resolve against the spec file's folder)",
      code: "E_DATA_MISSING_FILE",
    });
  }
  let db: Database.Database;
  try {
    db = new Database(full, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new MlshipError(
      {
        what: `cannot open SQLite database: ${(err as Error).message}`,
        where: full,
        code: "E_DATA_SQLITE_OPEN",
      },
      { cause: err },
    );
  }
  try {
    let sql: string;
    if (options.table !== undefined) {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        .pluck()
        .all() as string[];
      if (!tables.includes(options.table)) {
        throw new MlshipError({
          what: `SQLite table "${options.table}" does not exist`,
          where: full,
          fix: tables.length > 0 ? `use one of: ${tables.join(", ")}` : "the database has no tables",
          code: "E_DATA_SQLITE_TABLE",
        });
      }
      sql = `SELECT * FROM "${options.table.replaceAll('"', '""')}"`;
    } else sql = options.query as string;
    let stmt: Database.Statement;
    try {
      stmt = db.prepare(sql);
    } catch (err) {
      throw new MlshipError(
        {
          what: `SQLite query failed: ${(err as Error).message}`,
          where: `${full}: ${sql}`,
          fix: "check the SQL against the database's tables and columns",
          code: "E_DATA_SQLITE_QUERY",
        },
        { cause: err },
      );
    }
    if (!stmt.reader) {
      throw new MlshipError({
        what: "the SQLite query returns no rows (it is not a SELECT)",
        where: `${full}: ${sql}`,
        fix: "use a SELECT query; the source is opened read-only",
        code: "E_DATA_SQLITE_QUERY",
      });
    }
    const columns = stmt.columns();
    const rows = stmt.raw(true).all() as unknown[][];
    return frameFromRows(
      columns.map((c) => c.name),
      rows,
      columns.map((c) => hintFor(c.type)),
    );
  } finally {
    db.close();
  }
}
