import { type Column, columnLength } from "../core/frame.js";

/**
 * Dense group ids 0..k-1 of a column's values, for stratification. Missing values form one group of
 * their own, so they are spread across splits like any class.
 */
export function groupCodes(y: Column | Int32Array): { codes: Int32Array; k: number } {
  const n = y instanceof Int32Array ? y.length : columnLength(y);
  const raw: ArrayLike<number> = y instanceof Int32Array ? y : y.type === "categorical" ? y.codes : y.values;
  const ids = new Map<number, number>();
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // NaN is one key for Map (SameValueZero), so missing numeric values group together.
    const v = raw[i];
    let id = ids.get(v);
    if (id === undefined) {
      id = ids.size;
      ids.set(v, id);
    }
    codes[i] = id;
  }
  return { codes, k: ids.size };
}
