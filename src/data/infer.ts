/** The DatasetSchema of a Frame: types, missing shares, distinct counts, ranges and levels. */
import type { Column, Frame } from "../core/frame.js";
import type { ColumnSchema, DatasetSchema } from "./schema.js";

function describe(name: string, c: Column, nRows: number): ColumnSchema {
  let missing = 0;
  let distinct = 0;
  const out: ColumnSchema = { name, type: c.type, nullable: false, missingShare: 0, distinctCount: 0 };
  switch (c.type) {
    case "categorical": {
      const used = new Uint8Array(c.levels.length);
      for (let i = 0; i < nRows; i++) {
        const code = c.codes[i];
        if (code < 0) missing++;
        else if (used[code] === 0) {
          used[code] = 1;
          distinct++;
        }
      }
      out.levels = [...c.levels];
      break;
    }
    case "boolean": {
      let t = 0;
      let f = 0;
      for (let i = 0; i < nRows; i++) {
        const v = c.values[i];
        if (v === -1) missing++;
        else if (v === 1) t = 1;
        else f = 1;
      }
      distinct = t + f;
      break;
    }
    default: {
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < nRows; i++) {
        const v = c.values[i];
        if (Number.isNaN(v)) missing++;
        else {
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      distinct = countDistinct(c.values, nRows);
      out.min = missing < nRows ? min : null;
      out.max = missing < nRows ? max : null;
    }
  }
  out.nullable = missing > 0;
  out.missingShare = nRows === 0 ? 0 : missing / nRows;
  out.distinctCount = distinct;
  return out;
}

/**
 * Distinct non-NaN values by open addressing over the raw float bits: linear time and no boxing, where a
 * Set<number> or a sort would dominate the cost of loading a large file.
 */
function countDistinct(values: Float64Array, n: number): number {
  // Sized for every value being distinct (load factor <= 1/2), so the table never grows or rehashes.
  let capacity = 1024;
  while (capacity < 2 * n) capacity *= 2;
  const table = new Float64Array(capacity).fill(Number.NaN);
  const mask = capacity - 1;
  const bits = new Float64Array(1);
  const words = new Int32Array(bits.buffer);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const raw = values[i];
    if (Number.isNaN(raw)) continue;
    const v = raw === 0 ? 0 : raw; // -0 and 0 are one value but differ in their bits
    bits[0] = v;
    let h = Math.imul(words[0] ^ Math.imul(words[1], 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let slot = h & mask;
    for (;;) {
      const cur = table[slot];
      if (Number.isNaN(cur)) {
        table[slot] = v;
        count++;
        break;
      }
      if (cur === v) break;
      slot = (slot + 1) & mask;
    }
  }
  return count;
}

export function inferSchema(frame: Frame): DatasetSchema {
  return {
    nRows: frame.nRows,
    columns: frame.entries().map(([name, c]) => describe(name, c, frame.nRows)),
  };
}
