/**
 * Several sources into one table: stacked (columns unioned by name) or joined on a key column.
 */
import { MlshipError } from "../core/errors.js";
import {
  boolean,
  type Column,
  type ColumnType,
  categorical,
  cellValue,
  columnLength,
  datetime,
  Frame,
  isMissing,
  numeric,
} from "../core/frame.js";
import { compareLevels } from "./values.js";

function allMissing(c: Column): boolean {
  const n = columnLength(c);
  for (let i = 0; i < n; i++) if (!isMissing(c, i)) return false;
  return true;
}

/**
 * The type a column takes across sources: equal types agree, a column entirely missing in one source
 * takes the other's type, booleans widen to numbers (1/0). Anything else is an error.
 */
function reconcile(name: string, parts: Array<{ source: string; column: Column | undefined }>): ColumnType {
  let type: ColumnType | undefined;
  let from = "";
  for (const { source, column } of parts) {
    if (!column || allMissing(column)) continue;
    const t = column.type;
    if (type === undefined || type === t) {
      type ??= t;
      from ||= source;
      continue;
    }
    const pair = new Set([type, t]);
    if (pair.has("numeric") && pair.has("boolean")) {
      type = "numeric";
      continue;
    }
    throw new MlshipError({
      what: `column "${name}" is ${type} in ${from} but ${t} in ${source}`,
      where: `data.sources, column "${name}"`,
      fix: "make the column's type agree across sources (e.g. cast it in a query), or rename one of them",
      code: "E_DATA_COMBINE_TYPE",
    });
  }
  return type ?? "numeric";
}

/** Stacks frames; columns are unioned by name in order of first appearance, absent ones are missing. */
export function concatFrames(frames: readonly Frame[], sourceNames: readonly string[] = []): Frame {
  if (frames.length === 1) return frames[0];
  const names: string[] = [];
  const seen = new Set<string>();
  for (const f of frames) {
    for (const n of f.names) {
      if (!seen.has(n)) {
        seen.add(n);
        names.push(n);
      }
    }
  }
  const total = frames.reduce((s, f) => s + f.nRows, 0);
  const label = (k: number): string => sourceNames[k] ?? `source ${k + 1}`;
  const columns = names.map((name): [string, Column] => {
    const parts = frames.map((f, k) => ({
      source: label(k),
      column: f.has(name) ? f.column(name) : undefined,
    }));
    const type = reconcile(name, parts);
    if (type === "categorical") {
      const levelSet = new Set<string>();
      for (const { column } of parts)
        if (column?.type === "categorical") for (const l of column.levels) levelSet.add(l);
      const levels = [...levelSet].sort(compareLevels);
      const index = new Map(levels.map((l, k) => [l, k]));
      const codes = new Int32Array(total).fill(-1);
      let offset = 0;
      frames.forEach((f, k) => {
        const c = parts[k].column;
        if (c?.type === "categorical") {
          const remap = Int32Array.from(c.levels, (l) => index.get(l) as number);
          for (let i = 0; i < f.nRows; i++) codes[offset + i] = c.codes[i] < 0 ? -1 : remap[c.codes[i]];
        }
        offset += f.nRows;
      });
      return [name, categorical(codes, levels)];
    }
    if (type === "boolean") {
      const values = new Int8Array(total).fill(-1);
      let offset = 0;
      frames.forEach((f, k) => {
        const c = parts[k].column;
        if (c?.type === "boolean") values.set(c.values, offset);
        offset += f.nRows;
      });
      return [name, boolean(values)];
    }
    const values = new Float64Array(total).fill(Number.NaN);
    let offset = 0;
    frames.forEach((f, k) => {
      const c = parts[k].column;
      if (c?.type === "numeric" || c?.type === "datetime") values.set(c.values, offset);
      else if (c?.type === "boolean") {
        for (let i = 0; i < f.nRows; i++) values[offset + i] = c.values[i] === -1 ? Number.NaN : c.values[i];
      }
      offset += f.nRows;
    });
    return [name, type === "datetime" ? datetime(values) : numeric(values)];
  });
  return new Frame(columns, total);
}

/** Rows at `idx`, or missing where the index is -1 (the unmatched rows of a left join). */
function takeOrMissing(c: Column, idx: Int32Array): Column {
  const n = idx.length;
  switch (c.type) {
    case "categorical": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? -1 : c.codes[idx[i]];
      return categorical(out, c.levels);
    }
    case "boolean": {
      const out = new Int8Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? -1 : c.values[idx[i]];
      return boolean(out);
    }
    default: {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i] < 0 ? Number.NaN : c.values[idx[i]];
      return c.type === "numeric" ? numeric(out) : datetime(out);
    }
  }
}

function keyColumn(f: Frame, on: string, source: string): Column {
  if (!f.has(on)) {
    throw new MlshipError({
      what: `join key "${on}" is missing from ${source}`,
      where: `data.combine.on`,
      fix: `available columns in ${source}: ${f.names.join(", ")}`,
      code: "E_DATA_JOIN_KEY",
    });
  }
  return f.column(on);
}

/**
 * Joins frames left to right on `on`. Each right-hand source must have unique keys (a lookup table),
 * so a join never multiplies rows; clashing non-key column names get a suffix `_<source number>`.
 */
export function joinFrames(
  frames: readonly Frame[],
  on: string,
  how: "inner" | "left",
  sourceNames: readonly string[] = [],
): Frame {
  const label = (k: number): string => sourceNames[k] ?? `source ${k + 1}`;
  let left = frames[0];
  keyColumn(left, on, label(0));
  for (let k = 1; k < frames.length; k++) {
    const right = frames[k];
    const lk = left.column(on);
    const rk = keyColumn(right, on, label(k));
    const bothText = lk.type === "categorical" && rk.type === "categorical";
    if (!bothText && lk.type !== rk.type) {
      throw new MlshipError({
        what: `join key "${on}" is ${lk.type} in ${label(0)} but ${rk.type} in ${label(k)}`,
        where: "data.combine.on",
        fix: "make the key's type agree across sources",
        code: "E_DATA_JOIN_KEY",
      });
    }
    const lookup = new Map<string | number | boolean, number>();
    for (let i = 0; i < right.nRows; i++) {
      const v = cellValue(rk, i);
      if (v === null) continue;
      if (lookup.has(v)) {
        throw new MlshipError({
          what: `join key "${on}" is not unique in ${label(k)}: ${JSON.stringify(v)} appears more than once`,
          where: `${label(k)}, column "${on}"`,
          fix: "deduplicate that source (e.g. with a query) so each key appears once",
          code: "E_DATA_JOIN_DUPLICATE",
        });
      }
      lookup.set(v, i);
    }
    const leftRows: number[] = [];
    const rightRows: number[] = [];
    for (let i = 0; i < left.nRows; i++) {
      const v = cellValue(lk, i);
      const j = v === null ? undefined : lookup.get(v);
      if (j !== undefined) {
        leftRows.push(i);
        rightRows.push(j);
      } else if (how === "left") {
        leftRows.push(i);
        rightRows.push(-1);
      }
    }
    const li = Int32Array.from(leftRows);
    const ri = Int32Array.from(rightRows);
    const base = how === "left" && li.length === left.nRows ? left : left.take(li);
    const taken = new Set(base.names);
    const added: Array<[string, Column]> = [];
    for (const name of right.names) {
      if (name === on) continue;
      let out = name;
      if (taken.has(out)) out = `${name}_${k + 1}`;
      taken.add(out);
      added.push([out, takeOrMissing(right.column(name), ri)]);
    }
    left = new Frame([...base.entries(), ...added], li.length);
  }
  return left;
}
