import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { afterAll, describe, expect, it } from "vitest";
import { concatFrames, fingerprint, readFile, readFileChunks } from "../../src/data/index.js";
import { fixturePath } from "../support/fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "mlship-chunks-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readFileChunks", () => {
  it("yields consecutive chunks that add up to the whole file, sharing one dictionary", async () => {
    const path = fixturePath("wa_churn.csv");
    const whole = await readFile(path);
    const chunks = [];
    for await (const chunk of readFileChunks(path, { chunkRows: 1000 })) chunks.push(chunk);
    expect(chunks.map((c) => c.nRows)).toEqual([1000, 1000, 1000, 1000, 1000, 1000, 1000, 43]);
    expect(chunks[0].categorical("contract").levels).toEqual(chunks[7].categorical("contract").levels);
    expect(fingerprint(concatFrames(chunks))).toBe(fingerprint(whole));
  });

  it("pages a Parquet file in file order too", async () => {
    const parquet = join(dir, "churn.parquet");
    const instance = await DuckDBInstance.create(":memory:");
    const con = await instance.connect();
    await con.run(
      `COPY (SELECT * FROM read_csv('${fixturePath("wa_churn.csv")}')) TO '${parquet}' (FORMAT parquet)`,
    );
    con.closeSync();
    instance.closeSync();
    const whole = await readFile(parquet);
    const chunks = [];
    for await (const chunk of readFileChunks(parquet, { chunkRows: 2500 })) chunks.push(chunk);
    expect(chunks.length).toBe(3);
    expect(fingerprint(concatFrames(chunks))).toBe(fingerprint(whole));
  });
});
