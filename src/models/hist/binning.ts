/**
 * Features binned once into at most 255 bins of uint8, as scikit-learn 1.2's _BinMapper does, with one
 * more bin (index maxBins) for missing values:
 * - numeric: if a column has at most maxBins distinct values, the thresholds are the midpoints between
 *   consecutive ones; otherwise the (k / maxBins) quantiles, k = 1..maxBins-1, with numpy's "midpoint"
 *   percentile rule computed the same way, on at most 200,000 rows drawn with the seed. A value goes to the
 *   first bin whose threshold is >= it; thresholds are clipped at 1e300;
 * - categorical: each category present (a level of a categorical column, or a distinct value of a numeric
 *   column declared categorical) is one bin, in level / value order; unknown categories and missing values
 *   go to the missing bin, as sklearn treats them.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column } from "../../core/frame.js";
import type { Random } from "../../core/random.js";
import { instantiateKernels, type Kernels } from "./kernels.js";

export type FeatureBins =
  | { type: "numeric"; thresholds: Float64Array }
  | { type: "categorical"; levels: string[] }
  | { type: "categorical"; values: Float64Array };

export type FeatureBinsJSON =
  | { type: "numeric"; thresholds: number[] }
  | { type: "categorical"; levels: string[] }
  | { type: "categorical"; values: number[] };

/** Rows used to find the quantiles, as sklearn's subsample. */
export const BIN_SUBSAMPLE = 200_000;
const ALMOST_INF = 1e300;

/** Bins used by non-missing values. */
export function binCount(b: FeatureBins): number {
  if (b.type === "numeric") return b.thresholds.length + 1;
  return "levels" in b ? b.levels.length : b.values.length;
}

/** values[rows[k]] for each k (a plain loop: Float64Array.from with a mapping callback is several times slower). */
export function gather(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let k = 0; k < rows.length; k++) out[k] = values[rows[k]];
  return out;
}

/** The values of a numeric, boolean or datetime column as float64 with NaN for missing. */
export function numericValues(c: Column): Float64Array {
  if (c.type === "numeric" || c.type === "datetime") return c.values;
  if (c.type === "boolean") return Float64Array.from(c.values, (v) => (v < 0 ? Number.NaN : v));
  throw new Error("categorical column has no numeric values");
}

/**
 * Scratch WebAssembly memory for the sort and bin kernels, sized for the largest column seen so far:
 * values (8n), sort buffer (8n), digit counts, 256 padded thresholds and the output bins (n).
 */
export class Binner {
  #memory = new WebAssembly.Memory({ initial: 1 });
  #kernels: Kernels = instantiateKernels(this.#memory, false);
  #rows = 0;

  #reserve(n: number): void {
    if (n <= this.#rows) return;
    const bytes = 17 * n + 65536 * 4 + 2048 + 64;
    const pages = Math.ceil(bytes / 65536) - this.#memory.buffer.byteLength / 65536;
    if (pages > 0) this.#memory.grow(pages);
    this.#rows = n;
  }

  #layout(n: number) {
    const vals = 0;
    const tmp = 8 * n;
    const counts = 16 * n;
    const thresholds = counts + 65536 * 4;
    const out = thresholds + 2048;
    return { vals, tmp, counts, thresholds, out };
  }

  /** `values` sorted ascending (NaN must already be removed). */
  sorted(values: Float64Array): Float64Array {
    const n = values.length;
    this.#reserve(n);
    const at = this.#layout(n);
    const view = new Float64Array(this.#memory.buffer, at.vals, n);
    view.set(values);
    // 16-bit digits for large columns, 11-bit ones for small columns (see kernels.ts)
    if (n >= 65536) this.#kernels.sortF64(at.vals, n, at.tmp, at.counts, 16, 4);
    else this.#kernels.sortF64(at.vals, n, at.tmp, at.counts, 11, 6);
    return view.slice();
  }

  /** Bins of `values` (uint8) into `out`, NaN to `missingBin`. */
  bin(values: Float64Array, thresholds: Float64Array, missingBin: number, out: Uint8Array): void {
    const n = values.length;
    this.#reserve(n);
    const at = this.#layout(n);
    const buf = this.#memory.buffer;
    new Float64Array(buf, at.vals, n).set(values);
    const t = new Float64Array(buf, at.thresholds, 256);
    t.fill(Number.POSITIVE_INFINITY);
    t.set(thresholds);
    this.#kernels.binColumn(at.vals, n, at.thresholds, missingBin, at.out);
    out.set(new Uint8Array(buf, at.out, n));
  }
}

/** sklearn's thresholds of one numeric column (NaN ignored); see the module comment. */
export function numericThresholds(
  values: Float64Array,
  maxBins: number,
  binner: Binner,
  rng: Random,
): Float64Array {
  let kept = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) kept++;
  let data = new Float64Array(kept);
  for (let i = 0, k = 0; i < values.length; i++) if (!Number.isNaN(values[i])) data[k++] = values[i];
  if (data.length > BIN_SUBSAMPLE) {
    // a uniform draw without replacement: the first BIN_SUBSAMPLE of a partial Fisher-Yates shuffle
    for (let i = 0; i < BIN_SUBSAMPLE; i++) {
      const j = i + rng.int(data.length - i);
      const t = data[i];
      data[i] = data[j];
      data[j] = t;
    }
    data = data.slice(0, BIN_SUBSAMPLE);
  }
  const s = binner.sorted(data);
  const m = s.length;
  let distinct = m > 0 ? 1 : 0;
  for (let i = 1; i < m; i++) if (s[i] !== s[i - 1]) distinct++;
  let out: Float64Array;
  if (distinct <= maxBins) {
    out = new Float64Array(Math.max(0, distinct - 1));
    let prev = s[0];
    for (let i = 1, k = 0; i < m; i++) {
      if (s[i] !== prev) {
        out[k++] = (prev + s[i]) * 0.5;
        prev = s[i];
      }
    }
  } else {
    // numpy: linspace(0, 100, maxBins + 1)[1:-1], percentile(..., method="midpoint")
    out = new Float64Array(maxBins - 1);
    const step = 100 / maxBins;
    for (let k = 1; k < maxBins; k++) {
      const q = (k * step) / 100;
      const lo = Math.floor((m - 1) * q);
      const hi = Math.ceil((m - 1) * q);
      const virtual = 0.5 * (lo + hi);
      if (virtual >= m - 1) {
        out[k - 1] = s[m - 1];
        continue;
      }
      const prev = Math.floor(virtual);
      const a = s[prev];
      const b = s[prev + 1];
      // numpy's lerp with gamma 0 on whole indexes and 0.5 between two: b - (b - a) * 0.5
      out[k - 1] = virtual % 1 === 0 ? a : b - (b - a) * 0.5;
    }
  }
  for (let k = 0; k < out.length; k++) if (out[k] > ALMOST_INF) out[k] = ALMOST_INF;
  return out;
}

function tooManyCategories(kind: string, name: string, count: number, maxBins: number): MlshipError {
  return new MlshipError({
    what: `${kind}: categorical feature "${name}" has ${count} categories, more than maxBins (${maxBins})`,
    where: `column "${name}"`,
    fix: "group rare categories, one-hot or ordinal-encode the column, or leave it out of categoricalFeatures",
    code: "E_MODEL_INPUT_CARDINALITY",
  });
}

/** Categories of one column, over all of its rows (as sklearn takes them before the validation split). */
export function categoriesOf(c: Column, name: string, maxBins: number, kind: string): FeatureBins {
  if (c.type === "categorical") {
    const seen = new Uint8Array(c.levels.length);
    for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) seen[c.codes[i]] = 1;
    const levels = c.levels.filter((_, k) => seen[k] === 1);
    if (levels.length > maxBins) throw tooManyCategories(kind, name, levels.length, maxBins);
    return { type: "categorical", levels };
  }
  const v = numericValues(c);
  const distinct = [...new Set(Array.from(v).filter((x) => !Number.isNaN(x)))].sort((a, b) => a - b);
  if (distinct.length > maxBins) throw tooManyCategories(kind, name, distinct.length, maxBins);
  return { type: "categorical", values: Float64Array.from(distinct) };
}

/**
 * Bins of column `c` (rows `rows`, or all) into `out`: numeric columns through the thresholds, categories
 * through a lookup by label (so a column whose levels differ in order or content at predict time bins
 * the same); unknown categories and missing values to `missingBin`.
 */
export function binColumn(
  c: Column,
  bins: FeatureBins,
  rows: Int32Array | null,
  missingBin: number,
  out: Uint8Array,
  binner: Binner,
): void {
  const n = rows === null ? (c.type === "categorical" ? c.codes.length : c.values.length) : rows.length;
  if (bins.type === "numeric") {
    const all = numericValues(c);
    binner.bin(
      rows === null ? all : Float64Array.from(rows, (i) => all[i]),
      bins.thresholds,
      missingBin,
      out,
    );
    return;
  }
  if ("levels" in bins) {
    if (c.type !== "categorical") throw new Error("categorical feature expects a categorical column");
    const index = new Map(bins.levels.map((l, k) => [l, k]));
    const binOfCode = Int32Array.from(c.levels, (l) => index.get(l) ?? missingBin);
    for (let k = 0; k < n; k++) {
      const code = c.codes[rows === null ? k : rows[k]];
      out[k] = code < 0 ? missingBin : binOfCode[code];
    }
    return;
  }
  const values = numericValues(c);
  const index = new Map(Array.from(bins.values, (v, k) => [v, k]));
  for (let k = 0; k < n; k++) out[k] = index.get(values[rows === null ? k : rows[k]]) ?? missingBin;
}

export function binsToJSON(b: FeatureBins): FeatureBinsJSON {
  if (b.type === "numeric") return { type: "numeric", thresholds: Array.from(b.thresholds) };
  return "levels" in b
    ? { type: "categorical", levels: [...b.levels] }
    : { type: "categorical", values: Array.from(b.values) };
}

export function binsFromJSON(j: FeatureBinsJSON, maxBins: number, kind: string): FeatureBins {
  const bad = (): never => {
    throw new MlshipError({
      what: `${kind}: the saved feature bins are inconsistent`,
      fix: "re-fit the model and save it again; the file was edited or truncated",
      code: "E_MODEL_STATE",
    });
  };
  if (j === null || typeof j !== "object") return bad();
  if (j.type === "numeric") {
    const t = j.thresholds;
    if (!Array.isArray(t) || t.length > maxBins - 1 || t.some((x) => typeof x !== "number")) bad();
    for (let k = 1; k < t.length; k++) if (!(t[k] >= t[k - 1])) bad();
    return { type: "numeric", thresholds: Float64Array.from(t) };
  }
  if (j.type === "categorical" && "levels" in j && Array.isArray(j.levels) && j.levels.length <= maxBins) {
    return { type: "categorical", levels: j.levels.map(String) };
  }
  if (j.type === "categorical" && "values" in j && Array.isArray(j.values) && j.values.length <= maxBins) {
    return { type: "categorical", values: Float64Array.from(j.values) };
  }
  return bad();
}
