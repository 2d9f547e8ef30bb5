/**
 * Writes the drift benchmark's data to bench/data/ (gitignored), read by bench/drift.mjs and its scipy peer
 * bench/drift.peer.py: a 100,000-row reference and a 1,000,000-row current sample of 40 numeric and 10
 * categorical features, column-major (drift-{ref,cur}.f64: 40 columns of float64, NaN missing;
 * drift-{ref,cur}.i32: 10 columns of level codes, -1 missing) plus drift-meta.json (sizes and levels).
 * Numeric feature j is normal (j % 4 = 0), log-normal (1), uniform (2) or whole numbers 0..49 (3); every
 * fifth has 1% missing values. In the current sample features 0-7 are shifted by 0.3 standard deviations
 * and categorical features 0-1 have their level weights reversed, so about ten of fifty drift.
 *   node bench/drift-data.mjs
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dataDir } from "./lib.mjs";

const NUMERIC = 40;
const CATEGORICAL = 10;
const REFERENCE_ROWS = 100_000;
const CURRENT_ROWS = 1_000_000;

/** mulberry32, seeded per feature so each column is reproducible on its own. */
function generator(seed) {
  let a = (seed * 2654435761) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function numericColumn(j, n, seed, shifted) {
  const next = generator(seed);
  const out = new Float64Array(n);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const shift = shifted ? 0.3 : 0;
  for (let i = 0; i < n; i++) {
    switch (j % 4) {
      case 0:
        out[i] = 50 + 10 * (normal() + shift);
        break;
      case 1:
        out[i] = Math.exp(0.5 * (normal() + shift));
        break;
      case 2:
        out[i] = next() + shift * 0.2887;
        break;
      default:
        out[i] = Math.floor(next() * 50 + shift * 14.4);
    }
    if (j % 5 === 4 && next() < 0.01) out[i] = Number.NaN;
  }
  return out;
}

function categoricalColumn(levels, n, seed, shifted) {
  const next = generator(seed);
  const weights = Array.from({ length: levels }, (_, k) => (shifted ? levels - k : k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map((_, k) => weights.slice(0, k + 1).reduce((a, b) => a + b, 0) / total);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const u = next();
    let k = 0;
    while (k < levels - 1 && u >= cumulative[k]) k++;
    out[i] = next() < 0.005 ? -1 : k;
  }
  return out;
}

const levelCount = (j) => 3 + ((j * 7) % 18);

function writeSide(name, n, seedBase, drifted) {
  const num = new Float64Array(NUMERIC * n);
  for (let j = 0; j < NUMERIC; j++) num.set(numericColumn(j, n, seedBase + j, drifted && j < 8), j * n);
  writeFileSync(`${dataDir}drift-${name}.f64`, num);
  const cat = new Int32Array(CATEGORICAL * n);
  for (let j = 0; j < CATEGORICAL; j++) {
    cat.set(categoricalColumn(levelCount(j), n, seedBase + 100 + j, drifted && j < 2), j * n);
  }
  writeFileSync(`${dataDir}drift-${name}.i32`, cat);
}

mkdirSync(dataDir, { recursive: true });
writeSide("ref", REFERENCE_ROWS, 1000, false);
writeSide("cur", CURRENT_ROWS, 2000, true);
writeFileSync(
  `${dataDir}drift-meta.json`,
  JSON.stringify({
    numeric: NUMERIC,
    categorical: CATEGORICAL,
    referenceRows: REFERENCE_ROWS,
    currentRows: CURRENT_ROWS,
    levels: Array.from({ length: CATEGORICAL }, (_, j) =>
      Array.from({ length: levelCount(j) }, (_, k) => `level_${k}`),
    ),
  }),
);
console.error(`wrote the drift benchmark data to ${dataDir}`);
