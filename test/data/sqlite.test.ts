import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { collect, readSqlite } from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-data-sqlite-"));
const path = join(dir, "shop.db");

beforeAll(() => {
  const db = new Database(path);
  db.exec(`
    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, spend REAL, vip BOOLEAN, joined DATE);
    INSERT INTO customers VALUES (1, 'ann', 10.5, 1, '2024-01-02'), (2, 'bob', NULL, 0, '2024-03-01'),
      (3, NULL, 7, NULL, NULL);
  `);
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readSqlite", () => {
  it("reads a table with declared types", () => {
    const f = readSqlite("shop.db", { baseDir: dir, table: "customers" });
    expect(f.types()).toEqual({
      id: "numeric",
      name: "categorical",
      spend: "numeric",
      vip: "boolean",
      joined: "datetime",
    });
    expect([...f.numeric("spend")]).toEqual([10.5, Number.NaN, 7]);
    expect(f.categorical("name").levels).toEqual(["ann", "bob"]);
    expect([...f.categorical("name").codes]).toEqual([0, 1, -1]);
    const vip = f.column("vip");
    expect(vip.type === "boolean" && [...vip.values]).toEqual([1, 0, -1]);
    const joined = f.column("joined");
    expect(joined.type === "datetime" && [...joined.values]).toEqual([
      Date.UTC(2024, 0, 2),
      Date.UTC(2024, 2, 1),
      Number.NaN,
    ]);
  });

  it("reads a query, typing computed columns from their values", () => {
    const f = readSqlite(path, {
      query: "SELECT id, spend * 2 AS double_spend FROM customers WHERE id > 1 ORDER BY id",
    });
    expect(f.nRows).toBe(2);
    expect([...f.numeric("double_spend")]).toEqual([Number.NaN, 14]);
  });

  it("opens the database read-only", () => {
    expect(() => readSqlite(path, { query: "DELETE FROM customers" })).toThrow(MlshipError);
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM customers").pluck().get()).toBe(3);
    db.close();
  });

  it("names the missing table and the ones that exist", () => {
    let err: unknown;
    try {
      readSqlite(path, { table: "orders" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MlshipError);
    expect((err as MlshipError).code).toBe("E_DATA_SQLITE_TABLE");
    expect((err as MlshipError).fix).toContain("customers");
  });

  it("reports a bad query and a missing file", () => {
    expect(() => readSqlite(path, { query: "SELECT nope FROM customers" })).toThrow(/no such column/);
    expect(() => readSqlite("missing.db", { baseDir: dir, table: "x" })).toThrow(/not found/);
  });

  it("is a collect source", async () => {
    const ds = await collect(
      {
        data: {
          sources: [{ kind: "sqlite", path: "shop.db", table: "customers" }],
          combine: { type: "concat" },
        },
      },
      { baseDir: dir },
    );
    expect(ds.frame.nRows).toBe(3);
    expect(ds.sources).toEqual(["sqlite shop.db table customers"]);
    expect(ds.schema.columns.find((c) => c.name === "spend")).toMatchObject({
      min: 7,
      max: 10.5,
      missingShare: 1 / 3,
    });
  });
});
