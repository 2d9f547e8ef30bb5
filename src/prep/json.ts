/**
 * JSON cannot carry NaN, ±Infinity or the sign of -0, yet learned state can hold them (a column that was
 * entirely missing has a NaN mean) and they change results bit for bit. State goes through these two
 * functions: such numbers become `{ "$num": "NaN" | "Infinity" | "-Infinity" | "-0" }`, which no plain
 * state value looks like, so decoding cannot mistake a category label for a number.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAG = "$num";

export function encodeNumbers(value: unknown): Json {
  if (typeof value === "number") {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return { [TAG]: Object.is(value, -0) ? "-0" : String(value) };
  }
  if (Array.isArray(value)) return value.map(encodeNumbers);
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) out[k] = encodeNumbers(v);
    return out;
  }
  return value as Json;
}

export function decodeNumbers<T>(value: unknown): T {
  return decode(value) as T;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    const tagged = (value as Record<string, unknown>)[TAG];
    if (keys.length === 1 && typeof tagged === "string") return tagged === "-0" ? -0 : Number(tagged);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = decode(v);
    return out;
  }
  return value;
}
