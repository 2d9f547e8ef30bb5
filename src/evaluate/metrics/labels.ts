/**
 * Class labels arrive either as bare Int32Array codes or as a Column (categorical, or boolean read as the
 * levels "false"/"true"). Everything here turns them into codes over one shared list of level names so
 * the kernels only ever see integers.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column } from "../../core/frame.js";

export type LabelInput = Int32Array | Column;

/** A class label: a code (index into the levels) or, when the input is a Column, a level name. */
export type LabelRef = number | string;

export interface Encoded {
  codes: Int32Array;
  /** Level names when known (Column input), else null. */
  levels: readonly string[] | null;
}

const BOOLEAN_LEVELS = ["false", "true"] as const;

export function metricError(what: string, fix?: string, code = "E_METRIC_INPUT"): MlshipError {
  return new MlshipError({ what, where: "evaluate/metrics", ...(fix ? { fix } : {}), code });
}

function checkNoMissing(codes: Int32Array, name: string): void {
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] < 0) {
      throw metricError(
        `${name} has a missing or negative label at row ${i}`,
        "drop rows with a missing target before scoring",
        "E_METRIC_MISSING_LABEL",
      );
    }
  }
}

export function encodeLabels(y: LabelInput, name = "yTrue"): Encoded {
  let out: Encoded;
  if (y instanceof Int32Array) out = { codes: y, levels: null };
  else if (y.type === "categorical") out = { codes: y.codes, levels: y.levels };
  else if (y.type === "boolean") out = { codes: Int32Array.from(y.values), levels: BOOLEAN_LEVELS };
  else {
    throw metricError(
      `${name} is a ${y.type} column; class labels must be categorical or boolean`,
      "use a regression metric for numeric targets, or encode the target as categorical",
      "E_METRIC_LABEL_TYPE",
    );
  }
  checkNoMissing(out.codes, name);
  return out;
}

/**
 * Codes of `b` re-expressed over `a`'s levels (levels only in `b` are appended), so the two arrays can
 * be compared elementwise. Bare codes are trusted to share the other side's levels.
 */
export function encodePair(
  a: LabelInput,
  b: LabelInput,
  names = ["yTrue", "yPred"],
): Encoded & { other: Int32Array } {
  const ea = encodeLabels(a, names[0]);
  const eb = encodeLabels(b, names[1]);
  if (ea.codes.length !== eb.codes.length) {
    throw metricError(`${names[0]} has ${ea.codes.length} rows but ${names[1]} has ${eb.codes.length}`);
  }
  if (ea.levels === null || eb.levels === null || sameLevels(ea.levels, eb.levels)) {
    return { codes: ea.codes, other: eb.codes, levels: ea.levels ?? eb.levels };
  }
  const levels = [...ea.levels];
  const index = new Map(levels.map((l, k) => [l, k]));
  const remap = eb.levels.map((l) => {
    let k = index.get(l);
    if (k === undefined) {
      k = levels.length;
      levels.push(l);
      index.set(l, k);
    }
    return k;
  });
  const other = new Int32Array(eb.codes.length);
  for (let i = 0; i < other.length; i++) other[i] = remap[eb.codes[i]];
  return { codes: ea.codes, other, levels };
}

function sameLevels(a: readonly string[], b: readonly string[]): boolean {
  return a === b || (a.length === b.length && a.every((l, k) => l === b[k]));
}

/** The code of a label given as a code or a level name. */
export function resolveLabel(label: LabelRef, levels: readonly string[] | null, what = "posLabel"): number {
  if (typeof label === "number") return label;
  const k = levels?.indexOf(label) ?? -1;
  if (k < 0) {
    throw metricError(
      `${what} "${label}" is not one of the classes`,
      levels ? `use one of: ${levels.join(", ")}` : "pass the label as a code, or the labels as a Column",
      "E_METRIC_UNKNOWN_LABEL",
    );
  }
  return k;
}

/** Sorted distinct codes occurring in any of the arrays (scikit-learn's `unique_labels`). */
export function presentLabels(...arrays: Int32Array[]): number[] {
  const seen = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) seen.add(a[i]);
  return [...seen].sort((x, y) => x - y);
}

export function labelName(code: number, levels: readonly string[] | null): string {
  return levels && code < levels.length ? levels[code] : String(code);
}
