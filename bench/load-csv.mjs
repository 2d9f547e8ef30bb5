/**
 * Loader benchmark: a 1,000,000 x 20 CSV into a Frame (target: under 5 s), against DuckDB reading the
 * same file by itself. Build first (`npx tsc -p tsconfig.json`), then: node bench/load-csv.mjs [rows]
 * The CSV is generated once into bench/data/ (gitignored).
 */
import { existsSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { fingerprint, inferSchema, readFile } from "../dist/data/index.js";
import { defaultCsvPath, makeCsv } from "./make-csv.mjs";

const rows = Number(process.argv[2] ?? 1_000_000);
const path = rows === 1_000_000 ? defaultCsvPath : defaultCsvPath.replace("1m", String(rows));
if (!existsSync(path)) {
  console.log(`generating ${path} ...`);
  await makeCsv(rows, path);
}

const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

async function duckdbBaseline(sql) {
  const instance = await DuckDBInstance.create(":memory:");
  const con = await instance.connect();
  const c = process.cpuUsage();
  const t = performance.now();
  await con.run(sql);
  const wall = performance.now() - t;
  const cpu = cpuMs(c);
  con.closeSync();
  instance.closeSync();
  return { wall, cpu };
}

const q = `'${path}'`;
const count = await duckdbBaseline(`SELECT count(*) FROM read_csv(${q})`);
const parse = await duckdbBaseline(`CREATE TEMP TABLE t AS SELECT * FROM read_csv(${q})`);

let c = process.cpuUsage();
let t = performance.now();
const frame = await readFile(path);
const loadWall = performance.now() - t;
const loadCpu = cpuMs(c);
c = process.cpuUsage();
t = performance.now();
inferSchema(frame);
const schemaWall = performance.now() - t;
const schemaCpu = cpuMs(c);
c = process.cpuUsage();
t = performance.now();
fingerprint(frame);
const fpWall = performance.now() - t;
const fpCpu = cpuMs(c);

console.log(`file: ${path}`);
console.log(`rows: ${frame.nRows}, columns: ${frame.nCols}`);
console.log(`duckdb count(*):            ${fmt(count.wall)} wall, ${fmt(count.cpu)} cpu`);
console.log(`duckdb parse to table:      ${fmt(parse.wall)} wall, ${fmt(parse.cpu)} cpu`);
console.log(`readFile -> Frame:          ${fmt(loadWall)} wall, ${fmt(loadCpu)} cpu`);
console.log(`inferSchema:                ${fmt(schemaWall)} wall, ${fmt(schemaCpu)} cpu`);
console.log(`fingerprint:                ${fmt(fpWall)} wall, ${fmt(fpCpu)} cpu`);
console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
console.log(
  `load avg: ${(await import("node:os"))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);
