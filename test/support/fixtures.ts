/**
 * Loads the small reference data sets in test/fixtures for model and metric tests, independent of the
 * data layer so that a regression there cannot hide one here. Simple CSV only: header row, quoted strings,
 * empty cell = missing. Categorical levels are sorted, like the data layer's.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Column, categorical, Frame, numeric } from "../../src/core/frame.js";

export const fixturePath = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

function splitLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function loadFixture(name: string): Frame {
  const lines = readFileSync(fixturePath(name), "utf8")
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  const header = splitLine(lines[0]);
  const cells = lines.slice(1).map(splitLine);
  const cols: Array<[string, Column]> = header.map((h, j) => {
    const raw = cells.map((r) => r[j]);
    const isNum = raw.every((v) => v === "" || Number.isFinite(Number(v)));
    if (isNum) return [h, numeric(Float64Array.from(raw, (v) => (v === "" ? Number.NaN : Number(v))))];
    const levels = [...new Set(raw.filter((v) => v !== ""))].sort();
    const index = new Map(levels.map((l, k) => [l, k]));
    return [
      h,
      categorical(
        Int32Array.from(raw, (v) => (v === "" ? -1 : index.get(v)!)),
        levels,
      ),
    ];
  });
  return new Frame(cols);
}

/** Features and target of a fixture; the target becomes categorical when `classification`. */
export function loadXy(name: string, target: string, classification: boolean): { X: Frame; y: Column } {
  const f = loadFixture(name);
  let y = f.column(target);
  if (classification && y.type === "numeric") {
    const levels = [...new Set(y.values)].sort((a, b) => a - b).map(String);
    const index = new Map(levels.map((l, k) => [l, k]));
    const v = y.values;
    y = categorical(
      Int32Array.from(v, (x) => index.get(String(x))!),
      levels,
    );
  }
  return { X: f.drop([target]), y };
}
