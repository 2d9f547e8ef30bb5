import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { fingerprint, inferSchema, readFile } from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-data-file-"));
const examples = fileURLToPath(new URL("../../examples/", import.meta.url));

const csv = [
  "id,price,plan,active,signup",
  "1,9.5,basic,true,2024-01-02",
  "2,,premium,false,2024-02-29",
  '3,12.25,"basic",,2023-12-31',
  "4,-3,,true,",
  "",
].join("\n");

async function convert(from: string, to: string, options: string): Promise<void> {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  await con.run(`COPY (SELECT * FROM read_csv('${from}')) TO '${to}' (${options})`);
  con.closeSync();
  instance.closeSync();
}

beforeAll(async () => {
  writeFileSync(join(dir, "t.csv"), csv);
  writeFileSync(join(dir, "t.tsv"), csv.replaceAll(",", "\t"));
  await convert(join(dir, "t.csv"), join(dir, "t.parquet"), "FORMAT parquet");
  await convert(join(dir, "t.csv"), join(dir, "t.json"), "FORMAT json, ARRAY true");
  await convert(join(dir, "t.csv"), join(dir, "t.ndjson"), "FORMAT json");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function thrown(p: Promise<unknown>): Promise<MlshipError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MlshipError);
  return err as MlshipError;
}

describe("readFile round trips", () => {
  const files = ["t.csv", "t.tsv", "t.parquet", "t.json", "t.ndjson"];

  it.each(files)("%s reads the same typed columns", async (name) => {
    const f = await readFile(name, { baseDir: dir });
    expect(f.nRows).toBe(4);
    expect(f.types()).toEqual({
      id: "numeric",
      price: "numeric",
      plan: "categorical",
      active: "boolean",
      signup: "datetime",
    });
    expect([...f.numeric("id")]).toEqual([1, 2, 3, 4]);
    expect([...f.numeric("price")]).toEqual([9.5, Number.NaN, 12.25, -3]);
    const plan = f.categorical("plan");
    expect(plan.levels).toEqual(["basic", "premium"]);
    expect([...plan.codes]).toEqual([0, 1, 0, -1]);
    const active = f.column("active");
    expect(active.type === "boolean" && [...active.values]).toEqual([1, 0, -1, 1]);
    const signup = f.column("signup");
    expect(signup.type === "datetime" && [...signup.values]).toEqual([
      Date.UTC(2024, 0, 2),
      Date.UTC(2024, 1, 29),
      Date.UTC(2023, 11, 31),
      Number.NaN,
    ]);
  });

  it("gives the same fingerprint for every format", async () => {
    const prints = await Promise.all(
      files.map(async (n) => fingerprint(await readFile(n, { baseDir: dir }))),
    );
    expect(new Set(prints).size).toBe(1);
    expect(prints[0]).toMatch(/^[0-9a-f]{64}$/);
    const other = csv.replace("9.5", "9.25");
    writeFileSync(join(dir, "u.csv"), other);
    expect(fingerprint(await readFile("u.csv", { baseDir: dir }))).not.toBe(prints[0]);
  });

  it("honours an explicit format and delimiter", async () => {
    writeFileSync(join(dir, "semi.txt"), "a;b\n1;x\n2;y\n");
    const f = await readFile("semi.txt", { baseDir: dir, format: "csv", delimiter: ";" });
    expect([...f.numeric("a")]).toEqual([1, 2]);
    expect(f.categorical("b").levels).toEqual(["x", "y"]);
  });
});

describe("type inference over the whole file", () => {
  it("reads a column as text when a value past DuckDB's sample is not a number", async () => {
    const lines = ["id,code"];
    for (let i = 0; i < 30_000; i++) lines.push(`${i},${i % 7}`);
    lines.push("30000,X7");
    writeFileSync(join(dir, "late.csv"), `${lines.join("\n")}\n`);
    const f = await readFile("late.csv", { baseDir: dir });
    expect(f.nRows).toBe(30_001);
    expect(f.categorical("code").levels).toEqual(["0", "1", "2", "3", "4", "5", "6", "X7"]);
  });

  it("reads an entirely blank column as missing numbers", async () => {
    writeFileSync(join(dir, "blank.csv"), "a,b,c\n1,,x\n2,,y\n");
    const f = await readFile("blank.csv", { baseDir: dir });
    expect(f.types()).toEqual({ a: "numeric", b: "numeric", c: "categorical" });
    expect([...f.numeric("b")]).toEqual([Number.NaN, Number.NaN]);
  });
});

describe("example data sets", () => {
  it("loads the telco churn file with 11 blank total_charges as missing numbers", async () => {
    const f = await readFile(join(examples, "churn/wa_churn.csv"));
    expect(f.nRows).toBe(7043);
    expect(f.nCols).toBe(20);
    const tc = f.numeric("total_charges");
    expect(tc.filter((v) => Number.isNaN(v)).length).toBe(11);
    expect(f.categorical("churn").levels).toEqual(["No", "Yes"]);
    expect(f.categorical("contract").levels).toEqual(["Month-to-month", "One year", "Two year"]);
    // The first data row of the file, cell by cell.
    expect(f.rows(0, 1)[0]).toMatchObject({
      churn: "No",
      tenure: 1,
      monthly_charges: 29.85,
      total_charges: 29.85,
    });
    const schema = inferSchema(f);
    const col = schema.columns.find((c) => c.name === "total_charges");
    expect(col).toMatchObject({ type: "numeric", nullable: true, missingShare: 11 / 7043 });
  });

  it("loads ames", async () => {
    const f = await readFile(join(examples, "ames/ames.csv"));
    expect(f.nRows).toBe(2930);
    expect(f.column("Sale_Price").type).toBe("numeric");
  });
});

describe("readFile errors", () => {
  it("names a missing file", async () => {
    const e = await thrown(readFile("nope.csv", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_MISSING_FILE");
    expect(e.where).toBe(join(dir, "nope.csv"));
  });

  it("says a 0-byte file is empty", async () => {
    writeFileSync(join(dir, "empty.csv"), "");
    const e = await thrown(readFile("empty.csv", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_EMPTY");
    expect(e.what).toContain("0 bytes");
  });

  it("says a header-only file has no rows", async () => {
    writeFileSync(join(dir, "header.csv"), "a,b,c\n");
    const e = await thrown(readFile("header.csv", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_EMPTY");
    expect(e.what).toContain("header");
  });

  it("names the byte offset and line of invalid UTF-8", async () => {
    writeFileSync(join(dir, "latin1.csv"), Buffer.from("a,b\n1,x\n2,caf\xe9\n", "latin1"));
    const e = await thrown(readFile("latin1.csv", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_ENCODING");
    // "a,b\n" and "1,x\n" are 8 bytes, "2,caf" 5 more: the 0xE9 is byte 13.
    expect(e.data).toEqual({ byteOffset: 13, line: 3 });
    expect(e.where).toBe(`${join(dir, "latin1.csv")}:3`);
  });

  it("names the line and field counts of a ragged row", async () => {
    writeFileSync(join(dir, "ragged.csv"), 'a,b,c\n1,2,3\n4,"x,y",6\n7,8\n9,10,11\n');
    const e = await thrown(readFile("ragged.csv", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_RAGGED");
    expect(e.data).toEqual({ line: 4, expected: 3, actual: 2 });
    expect(e.what).toContain("line 4");
  });

  it("rejects an unknown extension with a fix", async () => {
    writeFileSync(join(dir, "data.xlsx"), "x");
    const e = await thrown(readFile("data.xlsx", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_FORMAT");
  });

  it("reports invalid JSON", async () => {
    writeFileSync(join(dir, "bad.json"), '[{"a": 1}, {"a": ');
    const e = await thrown(readFile("bad.json", { baseDir: dir }));
    expect(e.code).toBe("E_DATA_READ");
    expect(e.where).toBe(join(dir, "bad.json"));
  });
});
