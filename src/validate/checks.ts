/**
 * One kernel per expectation kind. Each scans typed arrays once, counting failing rows and keeping the
 * first few row indices as examples; categorical checks decide per level once and then map codes, so a
 * million rows cost one pass over an Int32Array whatever the regex or value list.
 */
import type { Column, ColumnType } from "../core/frame.js";
import type { Expectation } from "./expectations.js";

export interface ExampleRef {
  row: number;
  /** For `unique`: the earlier row holding the same value. */
  duplicateOf?: number;
}

export interface Outcome {
  passed: boolean;
  /** Rows breaking the row-level condition; null for checks about the column or table as a whole. */
  failingRows: number | null;
  examples: ExampleRef[];
  message: string;
}

type Of<K extends Expectation["expect"]> = Extract<Expectation, { expect: K }>;
type Value = string | number | boolean;

function formatShare(share: number): string {
  if (share === 0) return "0%";
  if (share < 0.0001) return "<0.01%";
  return `${(share * 100).toFixed(2).replace(/\.?0+$/, "")}%`;
}

const show = (v: Value): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

function rowsPhrase(n: number, total: number): string {
  return `${n} of ${total} rows (${formatShare(total === 0 ? 0 : n / total)})`;
}

/** Counts rows where `bad[code]` is set; the categorical half of several checks. */
function scanCodes(codes: Int32Array, bad: Uint8Array, max: number): { count: number; rows: number[] } {
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0 && bad[c] === 1) {
      count++;
      if (rows.length < max) rows.push(i);
    }
  }
  return { count, rows };
}

function scanInt8(values: Int8Array, badTrue: boolean, badFalse: boolean, max: number) {
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((v === 1 && badTrue) || (v === 0 && badFalse)) {
      count++;
      if (rows.length < max) rows.push(i);
    }
  }
  return { count, rows };
}

const refs = (rows: number[]): ExampleRef[] => rows.map((row) => ({ row }));

function missingRows(col: Column, max: number): { count: number; rows: number[] } {
  const rows: number[] = [];
  let count = 0;
  if (col.type === "categorical" || col.type === "boolean") {
    const v = col.type === "categorical" ? col.codes : col.values;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === -1) {
        count++;
        if (rows.length < max) rows.push(i);
      }
    }
  } else {
    const v = col.values;
    for (let i = 0; i < v.length; i++) {
      if (Number.isNaN(v[i])) {
        count++;
        if (rows.length < max) rows.push(i);
      }
    }
  }
  return { count, rows };
}

const parsesAsNumber = (s: string): boolean => s.trim() !== "" && Number.isFinite(Number(s));
const parsesAsDate = (s: string): boolean => s.trim() !== "" && !Number.isNaN(Date.parse(s));

export function checkType(e: Of<"type">, col: Column, max: number): Outcome {
  if (col.type === e.type) {
    return { passed: true, failingRows: null, examples: [], message: `\`${e.column}\` is ${e.type}` };
  }
  const message = `\`${e.column}\` is ${col.type}, expected ${e.type}`;
  // A column meant to be numeric or datetime that was read as categorical holds some text that does not
  // parse: point at those rows, which are what the user has to fix.
  if (col.type === "categorical" && (e.type === "numeric" || e.type === "datetime")) {
    const parses = e.type === "numeric" ? parsesAsNumber : parsesAsDate;
    const bad = Uint8Array.from(col.levels, (l) => (parses(l) ? 0 : 1));
    const { count, rows } = scanCodes(col.codes, bad, max);
    if (count > 0) {
      return {
        passed: false,
        failingRows: count,
        examples: refs(rows),
        message: `${message}: ${rowsPhrase(count, col.codes.length)} hold values that are not ${
          e.type === "numeric" ? "numbers" : "dates"
        }`,
      };
    }
  }
  return { passed: false, failingRows: null, examples: [], message };
}

function wrongType(
  e: Expectation & { column: string },
  col: Column,
  accepted: readonly ColumnType[],
): Outcome {
  return {
    passed: false,
    failingRows: null,
    examples: [],
    message: `${e.expect} applies to ${accepted.join(" or ")} columns, but \`${e.column}\` is ${col.type}`,
  };
}

export function checkRange(e: Of<"range">, col: Column, max: number): Outcome {
  if (col.type !== "numeric" && col.type !== "datetime") return wrongType(e, col, ["numeric", "datetime"]);
  if (e.min === undefined && e.max === undefined) {
    return { passed: true, failingRows: 0, examples: [], message: `range on \`${e.column}\` has no bounds` };
  }
  const lo = e.min ?? Number.NEGATIVE_INFINITY;
  const hi = e.max ?? Number.POSITIVE_INFINITY;
  const v = col.values;
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    // NaN fails both comparisons: missing values are the missing-share check's business.
    if (x < lo || x > hi) {
      count++;
      if (rows.length < max) rows.push(i);
    }
  }
  const bound = (b: number | undefined): string =>
    b === undefined ? "" : col.type === "datetime" ? new Date(b).toISOString() : String(b);
  const interval =
    e.min !== undefined && e.max !== undefined
      ? `within [${bound(e.min)}, ${bound(e.max)}]`
      : e.min !== undefined
        ? `>= ${bound(e.min)}`
        : `<= ${bound(e.max)}`;
  return count === 0
    ? { passed: true, failingRows: 0, examples: [], message: `every value of \`${e.column}\` is ${interval}` }
    : {
        passed: false,
        failingRows: count,
        examples: refs(rows),
        message: `\`${e.column}\` is not ${interval} in ${rowsPhrase(count, v.length)}`,
      };
}

export function checkAllowedValues(e: Of<"allowedValues">, col: Column, max: number): Outcome {
  let scan: { count: number; rows: number[] };
  switch (col.type) {
    case "categorical": {
      // Compared as text so `values: [0, 1]` matches levels "0" and "1".
      const allowed = new Set(e.values.map(String));
      const bad = Uint8Array.from(col.levels, (l) => (allowed.has(l) ? 0 : 1));
      scan = scanCodes(col.codes, bad, max);
      break;
    }
    case "boolean": {
      const allows = (b: boolean) =>
        e.values.some((v) => v === b || String(v) === String(b) || v === Number(b));
      scan = scanInt8(col.values, !allows(true), !allows(false), max);
      break;
    }
    default: {
      const allowed = new Set<number>();
      for (const v of e.values) {
        if (typeof v === "number") allowed.add(v);
        else if (typeof v === "string" && col.type === "numeric" && parsesAsNumber(v)) allowed.add(Number(v));
        else if (typeof v === "string" && col.type === "datetime" && parsesAsDate(v))
          allowed.add(Date.parse(v));
      }
      const x = col.values;
      const rows: number[] = [];
      let count = 0;
      for (let i = 0; i < x.length; i++) {
        const xi = x[i];
        if (!Number.isNaN(xi) && !allowed.has(xi)) {
          count++;
          if (rows.length < max) rows.push(i);
        }
      }
      scan = { count, rows };
    }
  }
  const n = col.type === "categorical" ? col.codes.length : col.values.length;
  return scan.count === 0
    ? { passed: true, failingRows: 0, examples: [], message: `every value of \`${e.column}\` is allowed` }
    : {
        passed: false,
        failingRows: scan.count,
        examples: refs(scan.rows),
        message: `\`${e.column}\` holds values outside the allowed ones in ${rowsPhrase(scan.count, n)}${
          col.type === "categorical" ? `: ${unseenLevels(col.codes, col.levels, e.values)}` : ""
        }`,
      };
}

/** The offending levels with their counts, most frequent first, so the message names them all at once. */
function unseenLevels(codes: Int32Array, levels: readonly string[], values: readonly Value[]): string {
  const allowed = new Set(values.map(String));
  const counts = new Float64Array(levels.length);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0) counts[codes[i]]++;
  const bad = levels
    .map((l, k) => ({ l, n: counts[k] }))
    .filter((x) => x.n > 0 && !allowed.has(x.l))
    .sort((a, b) => b.n - a.n);
  const shown = bad.slice(0, 8).map((x) => `${JSON.stringify(x.l)} (${x.n})`);
  return shown.join(", ") + (bad.length > 8 ? `, and ${bad.length - 8} more` : "");
}

export function checkMaxMissingShare(e: Of<"maxMissingShare">, col: Column, max: number): Outcome {
  const { count, rows } = missingRows(col, max);
  const n = col.type === "categorical" ? col.codes.length : col.values.length;
  const share = n === 0 ? 0 : count / n;
  return share <= e.share
    ? {
        passed: true,
        failingRows: count,
        examples: [],
        message: `\`${e.column}\` is missing in ${rowsPhrase(count, n)}, within the allowed ${formatShare(e.share)}`,
      }
    : {
        passed: false,
        failingRows: count,
        examples: refs(rows),
        message: `\`${e.column}\` is missing in ${rowsPhrase(count, n)}, more than the allowed ${formatShare(e.share)}`,
      };
}

export function checkTargetNoMissing(e: Of<"targetNoMissing">, col: Column, max: number): Outcome {
  const { count, rows } = missingRows(col, max);
  const n = col.type === "categorical" ? col.codes.length : col.values.length;
  return count === 0
    ? { passed: true, failingRows: 0, examples: [], message: `target \`${e.column}\` has no missing values` }
    : {
        passed: false,
        failingRows: count,
        examples: refs(rows),
        message: `target \`${e.column}\` is missing in ${rowsPhrase(count, n)}; a model cannot learn from unlabelled rows`,
      };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * One pass with an open-addressing table of first-row indices keyed by the values' bits: several times
 * faster than sorting a copy or a Map of a million numbers, and it yields each duplicate's first row.
 */
function numericDuplicates(v: Float64Array, max: number): { count: number; examples: ExampleRef[] } {
  const n = v.length;
  let size = 16;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size).fill(-1);
  const bits = new Uint32Array(v.buffer, v.byteOffset, n * 2);
  const examples: ExampleRef[] = [];
  let count = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    if (Number.isNaN(x)) continue;
    // -0 and 0 are equal values with different bits: hash both as 0.
    let slot = x === 0 ? 0 : fmix32(bits[2 * i] ^ fmix32(bits[2 * i + 1])) & mask;
    for (;;) {
      const r = table[slot];
      if (r === -1) {
        table[slot] = i;
        break;
      }
      if (v[r] === x) {
        count++;
        if (examples.length < max) examples.push({ row: i, duplicateOf: r });
        break;
      }
      slot = (slot + 1) & mask;
    }
  }
  return { count, examples };
}

/**
 * Missing values are not duplicates of each other (they are the missing-share check's concern). Counts
 * the rows whose value already occurred in an earlier row, i.e. the rows to drop to make the column unique.
 */
export function checkUnique(e: Of<"unique">, col: Column, max: number): Outcome {
  let count = 0;
  const examples: ExampleRef[] = [];
  if (col.type === "categorical" || col.type === "boolean") {
    const v = col.type === "categorical" ? col.codes : col.values;
    const first = new Int32Array(col.type === "categorical" ? col.levels.length : 2).fill(-1);
    for (let i = 0; i < v.length; i++) {
      const c = v[i];
      if (c < 0) continue;
      if (first[c] === -1) first[c] = i;
      else {
        count++;
        if (examples.length < max) examples.push({ row: i, duplicateOf: first[c] });
      }
    }
  } else {
    const d = numericDuplicates(col.values, max);
    count = d.count;
    examples.push(...d.examples);
  }
  const n = col.type === "categorical" ? col.codes.length : col.values.length;
  return count === 0
    ? { passed: true, failingRows: 0, examples: [], message: `every value of \`${e.column}\` is distinct` }
    : {
        passed: false,
        failingRows: count,
        examples,
        message: `\`${e.column}\` is not unique: ${rowsPhrase(count, n)} repeat a value of an earlier row`,
      };
}

/** `regex` is already compiled by the caller, which knows the expectation's position for error messages. */
export function checkPattern(e: Of<"pattern">, regex: RegExp, col: Column, max: number): Outcome {
  if (col.type !== "categorical") return wrongType(e, col, ["categorical"]);
  const bad = Uint8Array.from(col.levels, (l) => (regex.test(l) ? 0 : 1));
  const { count, rows } = scanCodes(col.codes, bad, max);
  return count === 0
    ? {
        passed: true,
        failingRows: 0,
        examples: [],
        message: `every value of \`${e.column}\` matches /${e.regex}/`,
      }
    : {
        passed: false,
        failingRows: count,
        examples: refs(rows),
        message: `\`${e.column}\` does not match /${e.regex}/ in ${rowsPhrase(count, col.codes.length)}`,
      };
}

export function checkRowCount(e: Of<"rowCount">, nRows: number): Outcome {
  const tooFew = e.min !== undefined && nRows < e.min;
  const tooMany = e.max !== undefined && nRows > e.max;
  const message = tooFew
    ? `the data has ${nRows} rows, fewer than the required ${e.min}`
    : tooMany
      ? `the data has ${nRows} rows, more than the allowed ${e.max}`
      : `the data has ${nRows} rows`;
  return { passed: !tooFew && !tooMany, failingRows: null, examples: [], message };
}

/** Distinct non-missing values with their counts and first rows, stopping once `limit` are found. */
function distinctValues(
  col: Column,
  limit: number,
): { values: Array<{ value: Value; n: number }>; more: boolean } {
  if (col.type === "categorical" || col.type === "boolean") {
    const v = col.type === "categorical" ? col.codes : col.values;
    const counts = new Float64Array(col.type === "categorical" ? col.levels.length : 2);
    for (let i = 0; i < v.length; i++) if (v[i] >= 0) counts[v[i]]++;
    const values: Array<{ value: Value; n: number }> = [];
    counts.forEach((n, k) => {
      if (n > 0) values.push({ value: col.type === "categorical" ? col.levels[k] : k === 1, n });
    });
    return { values: values.slice(0, limit), more: values.length > limit };
  }
  const counts = new Map<number, number>();
  const v = col.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isNaN(x)) continue;
    const c = counts.get(x);
    if (c === undefined) {
      if (counts.size === limit) return { values: toValues(counts), more: true };
      counts.set(x, 1);
    } else counts.set(x, c + 1);
  }
  return { values: toValues(counts), more: false };
  function toValues(m: Map<number, number>) {
    return [...m]
      .sort((a, b) => a[0] - b[0])
      .map(([x, n]) => ({ value: col.type === "datetime" ? new Date(x).toISOString() : x, n }));
  }
}

const listCounts = (values: Array<{ value: Value; n: number }>): string =>
  values.map((v) => `${show(v.value)} (${v.n})`).join(", ");

export function checkTargetNotConstant(e: Of<"targetNotConstant">, col: Column): Outcome {
  const { values } = distinctValues(col, 2);
  if (values.length >= 2) {
    return { passed: true, failingRows: null, examples: [], message: `target \`${e.column}\` varies` };
  }
  return {
    passed: false,
    failingRows: null,
    examples: [],
    message:
      values.length === 0
        ? `target \`${e.column}\` is missing in every row: there is nothing to learn`
        : `target \`${e.column}\` has the single value ${show(values[0].value)} in every labelled row: there is nothing to learn`,
  };
}

export function checkTargetClasses(e: Of<"targetClasses">, col: Column): Outcome {
  const limit = Math.max(20, (e.count ?? 0) + 1);
  const { values, more } = distinctValues(col, limit);
  const found = `${listCounts(values)}${more ? ", …" : ""}`;
  const problems: string[] = [];
  if (e.count !== undefined && (more || values.length !== e.count)) {
    problems.push(
      `target \`${e.column}\` has ${more ? `more than ${limit} classes` : values.length === 1 ? "1 class" : `${values.length} classes`}, expected exactly ${e.count}: ${found}`,
    );
  }
  if (e.positiveClass !== undefined && !more) {
    const positive = String(e.positiveClass);
    if (!values.some((v) => String(v.value) === positive)) {
      problems.push(
        `positiveClass ${show(e.positiveClass)} is not a value of target \`${e.column}\`, whose values are ${found}`,
      );
    }
  }
  return problems.length === 0
    ? { passed: true, failingRows: null, examples: [], message: `target \`${e.column}\` classes: ${found}` }
    : { passed: false, failingRows: null, examples: [], message: problems.join("; ") };
}
