import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { collect, readPostgres } from "../../src/data/index.js";
import { type PostgresFixture, startPostgres } from "../support/postgres.js";

let server: PostgresFixture | null = null;

beforeAll(async () => {
  server = await startPostgres();
  if (!server) return;
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  await client.query(`
    DROP TABLE IF EXISTS mlship_customers;
    CREATE TABLE mlship_customers (id bigint, name text, spend numeric(10,2), vip boolean, seen timestamp,
      seen_tz timestamptz, joined date);
    INSERT INTO mlship_customers VALUES
      (1, 'ann', 10.50, true, '2024-01-02 03:04:05', '2024-01-02 03:04:05+02', '2024-01-02'),
      (2, 'bob', NULL, false, NULL, NULL, '2024-02-29'),
      (3, NULL, 7, NULL, '2023-12-31 23:59:59.5', '2023-12-31 23:59:59Z', NULL);
  `);
  await client.end();
});
afterAll(async () => {
  await server?.stop();
});

describe("readPostgres", () => {
  it("reads a query with types from the column types", async (ctx) => {
    if (!server) return ctx.skip();
    const env = { PG_TEST: server.url };
    const f = await readPostgres({
      query: "SELECT * FROM mlship_customers ORDER BY id",
      urlEnv: "PG_TEST",
      env,
    });
    expect(f.types()).toEqual({
      id: "numeric",
      name: "categorical",
      spend: "numeric",
      vip: "boolean",
      seen: "datetime",
      seen_tz: "datetime",
      joined: "datetime",
    });
    expect([...f.numeric("id")]).toEqual([1, 2, 3]);
    expect([...f.numeric("spend")]).toEqual([10.5, Number.NaN, 7]);
    expect(f.categorical("name").levels).toEqual(["ann", "bob"]);
    const vip = f.column("vip");
    expect(vip.type === "boolean" && [...vip.values]).toEqual([1, 0, -1]);
    const seen = f.column("seen");
    expect(seen.type === "datetime" && [...seen.values]).toEqual([
      Date.UTC(2024, 0, 2, 3, 4, 5),
      Number.NaN,
      Date.UTC(2023, 11, 31, 23, 59, 59, 500),
    ]);
    const tz = f.column("seen_tz");
    expect(tz.type === "datetime" && [...tz.values]).toEqual([
      Date.UTC(2024, 0, 2, 1, 4, 5),
      Number.NaN,
      Date.UTC(2023, 11, 31, 23, 59, 59),
    ]);
    const joined = f.column("joined");
    expect(joined.type === "datetime" && [...joined.values]).toEqual([
      Date.UTC(2024, 0, 2),
      Date.UTC(2024, 1, 29),
      Number.NaN,
    ]);
  });

  it("is a collect source whose description hides the credentials", async (ctx) => {
    if (!server) return ctx.skip();
    const url = new URL(server.url);
    url.password = "s3cret";
    // Trust authentication ignores the password, so it can be planted to check it never leaks.
    const env = { DATABASE_URL: url.toString() };
    const ds = await collect(
      {
        data: {
          sources: [
            { kind: "postgres", urlEnv: "DATABASE_URL", query: "SELECT id, name FROM mlship_customers" },
          ],
          combine: { type: "concat" },
        },
      },
      { baseDir: ".", env },
    );
    expect(ds.frame.nRows).toBe(3);
    expect(ds.sources[0]).toContain("$DATABASE_URL");
    expect(ds.sources[0]).not.toContain("s3cret");
    expect(ds.sources[0]).toContain(`127.0.0.1:${url.port}/postgres`);
  });

  it("reports a bad query", async (ctx) => {
    if (!server) return ctx.skip();
    const err = await readPostgres({
      query: "SELECT nope FROM mlship_customers",
      env: { DATABASE_URL: server.url },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlshipError);
    expect((err as MlshipError).code).toBe("E_DATA_POSTGRES_QUERY");
  });
});

describe("postgres errors without a server", () => {
  it("fails clearly when the environment variable is unset", async () => {
    const err = await readPostgres({ query: "SELECT 1", urlEnv: "MLSHIP_NOT_SET", env: {} }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(MlshipError);
    expect((err as MlshipError).code).toBe("E_DATA_ENV_UNSET");
    expect((err as MlshipError).what).toContain("MLSHIP_NOT_SET");
  });

  it("fails clearly, without the password, when the server is unreachable", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const env = { DATABASE_URL: "postgres://user:s3cret@127.0.0.1:1/db" };
    const err = await readPostgres({ query: "SELECT 1", env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MlshipError);
    const e = err as MlshipError;
    expect(e.code).toBe("E_DATA_POSTGRES_CONNECT");
    expect(e.where).toBe("postgres 127.0.0.1:1/db (from $DATABASE_URL)");
    expect(e.message).not.toContain("s3cret");
  });
});
