/**
 * A sha256 over a Frame's content in a canonical byte encoding, so the same data gives the same
 * fingerprint whether it came from CSV, Parquet, JSON or a database, and whatever order its levels
 * were stored in.
 *
 * Encoding (all integers little-endian): "mlship-frame-v1", nRows (u32), nCols (u32); then per column in
 * order: name (u32 byte length + UTF-8), type (same), and its values:
 * - numeric / datetime: float64 per row, every NaN as the one canonical NaN and -0 as 0;
 * - boolean: int8 per row (1, 0, -1 missing);
 * - categorical: the used levels in code point order (u32 count, then each as u32 length + UTF-8),
 *   then per row the int32 index into that list (-1 missing).
 */

import type { Column, Frame } from "../core/frame.js";
import { newSha256 } from "../core/hash.js";
import { compareLevels } from "./values.js";

const block = 1 << 16;

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function text(s: string): Uint8Array[] {
  const bytes = Buffer.from(s, "utf8");
  return [u32(bytes.length), bytes];
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function hashColumn(update: (b: Uint8Array) => void, c: Column, n: number): void {
  switch (c.type) {
    case "numeric":
    case "datetime": {
      const scratch = new Float64Array(Math.min(block, n));
      const view = new DataView(scratch.buffer);
      for (let start = 0; start < n; start += block) {
        const len = Math.min(block, n - start);
        for (let i = 0; i < len; i++) {
          const v = c.values[start + i];
          const canon = Number.isNaN(v) ? Number.NaN : v === 0 ? 0 : v;
          if (littleEndian) scratch[i] = canon;
          else view.setFloat64(i * 8, canon, true);
        }
        update(new Uint8Array(scratch.buffer, 0, len * 8));
      }
      return;
    }
    case "boolean":
      update(new Uint8Array(c.values.buffer, c.values.byteOffset, n));
      return;
    case "categorical": {
      const used = new Uint8Array(c.levels.length);
      for (let i = 0; i < n; i++) if (c.codes[i] >= 0) used[c.codes[i]] = 1;
      const levels = c.levels.filter((_, k) => used[k] === 1).sort(compareLevels);
      const index = new Map(levels.map((l, k) => [l, k]));
      const remap = Int32Array.from(c.levels, (l) => index.get(l) ?? -1);
      update(u32(levels.length));
      for (const l of levels) for (const b of text(l)) update(b);
      const scratch = new Int32Array(Math.min(block, n));
      const view = new DataView(scratch.buffer);
      for (let start = 0; start < n; start += block) {
        const len = Math.min(block, n - start);
        for (let i = 0; i < len; i++) {
          const code = c.codes[start + i];
          const v = code < 0 ? -1 : remap[code];
          if (littleEndian) scratch[i] = v;
          else view.setInt32(i * 4, v, true);
        }
        update(new Uint8Array(scratch.buffer, 0, len * 4));
      }
      return;
    }
  }
}

export function fingerprint(frame: Frame): string {
  const h = newSha256();
  const update = (b: Uint8Array): void => {
    h.update(b);
  };
  update(Buffer.from("mlship-frame-v1", "utf8"));
  update(u32(frame.nRows));
  update(u32(frame.nCols));
  for (const [name, c] of frame.entries()) {
    for (const b of text(name)) update(b);
    for (const b of text(c.type)) update(b);
    hashColumn(update, c, frame.nRows);
  }
  return h.digest("hex");
}
