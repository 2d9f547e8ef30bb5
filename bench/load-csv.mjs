/**
 * Loader benchmark: a 1,000,000 x 20 CSV into a Frame (target: under 5 s).
 *   node bench/load-csv.mjs [--duckdb] [rows]
 * Without --duckdb: mlship's readFile, then inferSchema and fingerprint timed separately. With --duckdb:
 * DuckDB parsing the same file into a temporary table by itself, the floor for any loader built on it
 * (a separate process, so each peak RSS is its own). The CSV is generated once into bench/data/ (gitignored).
 */
import { existsSync } from "node:fs";
import { report, seconds } from "./lib.mjs";
import { defaultCsvPath, makeCsv } from "./make-csv.mjs";

const args = process.argv.slice(2);
const duck = args.includes("--duckdb");
const rows = Number(args.find((a) => a !== "--duckdb") ?? 1_000_000);
const path = rows === 1_000_000 ? defaultCsvPath : defaultCsvPath.replace("1m", String(rows));
if (!existsSync(path)) {
  console.error(`generating ${path} ...`);
  await makeCsv(rows, path);
}

if (duck) {
  const { DuckDBInstance } = await import("@duckdb/node-api");
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  const { s } = await seconds(() => con.run(`CREATE TEMP TABLE t AS SELECT * FROM read_csv('${path}')`));
  con.closeSync();
  instance.closeSync();
  report({ parseS: s });
} else {
  const { fingerprint, inferSchema, readFile } = await import("../dist/index.js");
  const load = await seconds(() => readFile(path));
  const frame = load.value;
  const schema = await seconds(() => inferSchema(frame));
  const fp = await seconds(() => fingerprint(frame));
  console.error(`${frame.nRows} rows x ${frame.nCols} columns from ${path}`);
  report({ loadS: load.s, inferSchemaS: schema.s, fingerprintS: fp.s, rows: frame.nRows, cols: frame.nCols });
}
