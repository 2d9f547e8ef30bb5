/**
 * Opening the embedded store: one SQLite file (WAL, busy timeout) shared safely by a training run and a
 * server at once, migrated on open, and refused when a newer mlship has already moved its schema on.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { MlshipError } from "../core/errors.js";
import { mlshipVersion } from "../core/version.js";
import { storeError } from "./errors.js";
import { latestSchemaVersion, migrations, type StoreDialect } from "./migrations.js";
import type { StoreSchema } from "./schema.js";

export interface Store extends AsyncDisposable {
  readonly db: Kysely<StoreSchema>;
  readonly dialect: StoreDialect;
  /** The file (or connection description) for messages. */
  readonly path: string;
  /**
   * Run `fn` in a write transaction that takes the write lock up front (SQLite's BEGIN IMMEDIATE), so two
   * processes never deadlock upgrading read locks; it waits up to the busy timeout for the lock.
   */
  write<T>(fn: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Create the file (and its folder) if missing; default true. When false a missing store is an error. */
  create?: boolean;
  /** How long to wait for another process's write lock, in ms; default 10,000. */
  busyTimeoutMs?: number;
}

/** Where the store lives: `--store`, else MLSHIP_STORE, else `.mlship/store.db` beside the spec. */
export function resolveStorePath(options: {
  store?: string;
  baseDir?: string;
  env?: NodeJS.ProcessEnv;
}): string {
  const env = options.env ?? process.env;
  if (options.store) return resolve(options.store);
  if (env.MLSHIP_STORE) return resolve(env.MLSHIP_STORE);
  return resolve(options.baseDir ?? process.cwd(), ".mlship", "store.db");
}

/** better-sqlite3, with every statement's failure translated into an MlshipError about the store. */
function translatingDatabase(raw: Database.Database, path: string) {
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (err) {
      throw storeError(err, path);
    }
  };
  return {
    close: () => raw.close(),
    prepare(query: string) {
      const stmt = guard(() => raw.prepare(query));
      return {
        reader: stmt.reader,
        all: (p: ReadonlyArray<unknown>) => guard(() => stmt.all(...p)),
        run: (p: ReadonlyArray<unknown>) => guard(() => stmt.run(...p)),
        iterate: (p: ReadonlyArray<unknown>) => guard(() => stmt.iterate(...p)),
      };
    },
  };
}

export async function openStore(path: string, options: OpenStoreOptions = {}): Promise<Store> {
  const full = resolve(path);
  if (!existsSync(full)) {
    if (options.create === false) {
      throw new MlshipError({
        what: "there is no store here yet",
        where: `store: ${full}`,
        fix: "run `mlship train` first (it creates the store), or point --store / MLSHIP_STORE at an existing one",
        code: "E_STORE_MISSING",
      });
    }
    try {
      mkdirSync(dirname(full), { recursive: true });
    } catch (err) {
      throw new MlshipError(
        {
          what: `the store's folder cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
          where: `store: ${full}`,
          fix: "give --store / MLSHIP_STORE a path whose parent folders are folders you can write",
          code: "E_STORE_OPEN",
        },
        { cause: err },
      );
    }
  }
  let raw: Database.Database;
  try {
    raw = new Database(full, { fileMustExist: options.create === false });
  } catch (err) {
    throw storeError(err, full);
  }
  try {
    const pragma = (p: string) => {
      try {
        return raw.pragma(p);
      } catch (err) {
        throw storeError(err, full);
      }
    };
    pragma(`busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 10_000))}`);
    pragma("journal_mode = WAL");
    // FULL: a commit the caller was told about survives a power cut, not only a crash of the process.
    pragma("synchronous = FULL");
    pragma("foreign_keys = ON");
  } catch (err) {
    raw.close();
    throw err;
  }
  const db = new Kysely<StoreSchema>({
    dialect: new SqliteDialect({ database: translatingDatabase(raw, full) }),
  });
  const write = <T>(fn: (trx: Kysely<StoreSchema>) => Promise<T>): Promise<T> =>
    db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const result = await fn(conn);
        await sql`commit`.execute(conn);
        return result;
      } catch (err) {
        // After SQLITE_FULL or an I/O error SQLite may already have rolled back; a second rollback fails.
        if (raw.inTransaction) await sql`rollback`.execute(conn);
        throw err;
      }
    });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await db.destroy();
  };
  const store: Store = {
    db,
    dialect: "sqlite",
    path: full,
    write,
    close,
    [Symbol.asyncDispose]: close,
  };
  try {
    await migrate(store);
  } catch (err) {
    await close();
    throw err;
  }
  return store;
}

async function migrate(store: Store): Promise<void> {
  await store.write(async (trx) => {
    const tables = (
      await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(trx)
    ).rows;
    const names = new Set(tables.map((t) => t.name));
    if (!names.has("mlship_schema") && [...names].some((n) => !n.startsWith("sqlite_"))) {
      throw new MlshipError({
        what: "this SQLite file is not an mlship store (it has other tables and no mlship schema)",
        where: `store: ${store.path}`,
        fix: "point --store / MLSHIP_STORE at a new file or an existing mlship store",
        code: "E_STORE_FOREIGN",
      });
    }
    await trx.schema
      .createTable("mlship_schema")
      .ifNotExists()
      .addColumn("version", "integer", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("applied_at", "integer", (c) => c.notNull())
      .execute();
    const row = await trx
      .selectFrom("mlship_schema")
      .select((eb) => eb.fn.max("version").as("v"))
      .executeTakeFirst();
    const current = Number(row?.v ?? 0);
    if (current > latestSchemaVersion) {
      throw new MlshipError({
        what: `the store was written by a newer mlship (schema version ${current}; this mlship ${mlshipVersion} knows up to ${latestSchemaVersion})`,
        where: `store: ${store.path}`,
        fix: "upgrade mlship (npm install mlship@latest); the store was left untouched",
        code: "E_STORE_TOO_NEW",
      });
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await m.up(trx, store.dialect);
      await trx
        .insertInto("mlship_schema")
        .values({ version: m.version, name: m.name, applied_at: Date.now() })
        .execute();
    }
  });
}

/** The schema version a store is at, for `mlship` diagnostics and tests. */
export async function storeSchemaVersion(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("mlship_schema")
    .select((eb) => eb.fn.max("version").as("v"))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
