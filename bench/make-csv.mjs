/**
 * Writes a synthetic CSV for the loader benchmark: `rows` x 20 columns (10 floats with ~1% blanks,
 * 4 integers, 4 low-cardinality strings, 1 boolean, 1 date), deterministic for a given row count.
 * Usage: node bench/make-csv.mjs [rows] [path]
 */
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

export const defaultCsvPath = fileURLToPath(new URL("./data/bench-1m.csv", import.meta.url));

const plans = ["basic", "standard", "premium", "enterprise"];
const regions = ["north", "south", "east", "west", "central", "overseas"];
const channels = ["web", "store", "phone", "partner", "app", "mail", "kiosk", "other"];
const segments = Array.from({ length: 50 }, (_, i) => `segment-${String(i).padStart(2, "0")}`);

export async function makeCsv(rows = 1_000_000, path = defaultCsvPath) {
  mkdirSync(dirname(path), { recursive: true });
  const out = createWriteStream(path);
  let state = 0x9e3779b9;
  const rand = () => {
    // xorshift32: fast and reproducible, quality is irrelevant here
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const header = [
    ...Array.from({ length: 10 }, (_, j) => `x${j}`),
    ...Array.from({ length: 4 }, (_, j) => `n${j}`),
    "plan",
    "region",
    "channel",
    "segment",
    "active",
    "signup",
  ];
  let buf = `${header.join(",")}\n`;
  const day = 86_400_000;
  const t0 = Date.UTC(2015, 0, 1);
  for (let i = 0; i < rows; i++) {
    const cells = [];
    for (let j = 0; j < 10; j++) cells.push(rand() < 0.01 ? "" : ((rand() - 0.5) * 10 ** (j % 4)).toFixed(4));
    for (let j = 0; j < 4; j++) cells.push(String(Math.floor(rand() * 10 ** (j + 1))));
    cells.push(plans[Math.floor(rand() * plans.length)]);
    cells.push(regions[Math.floor(rand() * regions.length)]);
    cells.push(channels[Math.floor(rand() * channels.length)]);
    cells.push(segments[Math.floor(rand() * segments.length)]);
    cells.push(rand() < 0.5 ? "true" : "false");
    cells.push(new Date(t0 + Math.floor(rand() * 3000) * day).toISOString().slice(0, 10));
    buf += `${cells.join(",")}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise((r) => out.once("drain", r));
      buf = "";
    }
  }
  out.write(buf);
  await new Promise((r, j) => out.end((e) => (e ? j(e) : r())));
  return path;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const path = await makeCsv(rows, process.argv[3] ?? defaultCsvPath);
  console.log(`wrote ${rows} rows to ${path}`);
}
