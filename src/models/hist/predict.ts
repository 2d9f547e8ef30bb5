/**
 * Walking histogram trees: on raw feature values (predict), where numeric splits compare against the bin
 * thresholds, and on binned values (the validation rows during fit), where they compare bins, exactly as
 * the split was learned. Missing values and unknown categories follow `missingLeft`.
 */
import { MlshipError } from "../../core/errors.js";
import type { Column, Frame } from "../../core/frame.js";
import { binCount, type FeatureBins, numericValues } from "./binning.js";
import type { HistTree } from "./grower.js";
import { instantiateKernels, type Kernels, NODE_BYTES } from "./kernels.js";

/**
 * Per node, the raw threshold of a numeric split: the upper bound of its bin, +Infinity for the split
 * that sends every non-missing value left; NaN for leaves and categorical splits.
 */
export function nodeThresholds(tree: HistTree, bins: readonly FeatureBins[]): Float64Array {
  const out = new Float64Array(tree.nodeCount).fill(Number.NaN);
  for (let k = 0; k < tree.nodeCount; k++) {
    const f = tree.feature[k];
    if (f < 0 || tree.categorySet[k] >= 0) continue;
    const b = bins[f];
    if (b.type !== "numeric") continue;
    const bin = tree.binThreshold[k];
    out[k] = bin >= binCount(b) - 1 ? Number.POSITIVE_INFINITY : b.thresholds[bin];
  }
  return out;
}

/**
 * The features as the trees read them, row-major n x p float64: numeric values (NaN for missing),
 * categorical features as their bin (NaN for missing and unknown categories).
 */
export function predictionMatrix(
  X: Frame,
  names: readonly string[],
  bins: readonly FeatureBins[],
  kind: string,
): Float64Array {
  const n = X.nRows;
  const p = names.length;
  const out = new Float64Array(n * p);
  names.forEach((name, f) => {
    if (!X.has(name)) {
      throw new MlshipError({
        what: `${kind} was fitted with column "${name}", which this data does not have`,
        where: `columns: ${X.names.join(", ")}`,
        fix: "pass the same feature columns (after the same preprocessing) as at fit time",
        code: "E_MODEL_MISSING_FEATURE",
      });
    }
    const c = X.column(name);
    const b = bins[f];
    const categorical = b.type === "categorical" && "levels" in b;
    if (categorical !== (c.type === "categorical")) {
      throw new MlshipError({
        what: `${kind} was fitted with ${categorical ? "categorical" : "numeric"} column "${name}", got ${c.type}`,
        where: `column "${name}"`,
        fix: "pass the column with the same type as at fit time",
        code: "E_MODEL_INPUT_TYPE",
      });
    }
    const values = categoryBins(c, b);
    for (let i = 0, at = f; i < n; i++, at += p) out[at] = values[i];
  });
  return out;
}

function categoryBins(c: Column, b: FeatureBins): Float64Array {
  if (b.type === "numeric") return numericValues(c);
  if ("levels" in b) {
    if (c.type !== "categorical") throw new Error("unreachable: checked by the caller");
    const index = new Map(b.levels.map((l, k) => [l, k]));
    const binOfCode = Float64Array.from(c.levels, (l) => index.get(l) ?? Number.NaN);
    return Float64Array.from(c.codes, (code) => (code < 0 ? Number.NaN : binOfCode[code]));
  }
  const index = new Map(Array.from(b.values, (v, k) => [v, k]));
  return Float64Array.from(numericValues(c), (v) => index.get(v) ?? Number.NaN);
}

/** Rows per block in walkAll: 2,048 rows of 30 features are 480 KB, well inside L2 with the trees. */
const BLOCK_ROWS = 2048;

export interface TreeHandle {
  tree: number;
  bitsets: number;
  levels: number;
  /** Has a categorical split (the general walk), else the numeric-only walk serves. */
  categorical: boolean;
}

/**
 * Trees laid out for the walkTree kernel in a WebAssembly memory, with the rows to walk them over and
 * the output (column-major n x K, float64). The same walk serves raw rows (numeric thresholds from
 * nodeThresholds) and binned rows (bins as numbers, thresholds the bin indices, missing bin as NaN).
 * Measured on 40,000 rows x 100 trees: about 10 times faster than the same walk in JavaScript.
 */
export class TreeWalker {
  #memory = new WebAssembly.Memory({ initial: 1 });
  #kernels: Kernels = instantiateKernels(this.#memory, false);
  #treesEnd = 0;
  #end = 0;
  #rows = 0;
  #out = 0;
  #n = 0;
  #p = 0;
  #k = 0;
  #missing = false;

  #take(bytes: number): number {
    const at = Math.ceil(this.#end / 64) * 64;
    this.#end = at + bytes;
    const pages = Math.ceil(this.#end / 65536) - this.#memory.buffer.byteLength / 65536;
    if (pages > 0) this.#memory.grow(pages);
    return at;
  }

  #pack(tree: HistTree, thresholds: Float64Array): TreeHandle {
    const c = tree.nodeCount;
    // at least one (all-zero) bin set, which numeric splits point at and never use
    const sets = Math.max(8, tree.bitsets.length);
    const at = this.#take(c * NODE_BYTES + sets * 4);
    const buf = this.#memory.buffer;
    const ints = new Int32Array(buf, at, c * 8);
    const floats = new Float64Array(buf, at, c * 4);
    let levels = 0;
    for (let k = 0; k < c; k++) {
      if (tree.depth[k] > levels) levels = tree.depth[k];
      const leaf = tree.feature[k] < 0;
      ints[8 * k] = leaf ? 0 : tree.feature[k];
      ints[8 * k + 1] = leaf ? k : tree.left[k];
      ints[8 * k + 2] = leaf ? k : tree.right[k];
      const set = tree.categorySet[k];
      ints[8 * k + 3] = set >= 0 ? 2 + 4 * set + tree.missingLeft[k] : tree.missingLeft[k];
      floats[4 * k + 2] = leaf ? 0 : thresholds[k];
      floats[4 * k + 3] = tree.value[k];
    }
    const bitsets = at + c * NODE_BYTES;
    new Uint32Array(buf, bitsets, sets).set(tree.bitsets);
    return { tree: at, bitsets, levels, categorical: tree.bitsets.length > 0 };
  }

  /** Packs `trees` at the start of the memory, replacing everything in it. */
  packTrees(trees: ReadonlyArray<{ tree: HistTree; thresholds: Float64Array }>): TreeHandle[] {
    this.#end = 0;
    const handles = trees.map((t) => this.#pack(t.tree, t.thresholds));
    this.#treesEnd = this.#end;
    return handles;
  }

  /** One more tree after everything placed so far (trees grown after setRows). */
  appendTree(tree: HistTree, thresholds: Float64Array): TreeHandle {
    return this.#pack(tree, thresholds);
  }

  /** Places the row-major n x p matrix and an output of K columns filled with `baseline` after the packed trees. */
  setRows(M: Float64Array, n: number, p: number, baseline: Float64Array): void {
    this.#end = this.#treesEnd;
    this.#rows = this.#take(M.length * 8);
    this.#out = this.#take(baseline.length * n * 8);
    this.#n = n;
    this.#p = p;
    this.#k = baseline.length;
    new Float64Array(this.#memory.buffer, this.#rows, M.length).set(M);
    this.#missing = M.some(Number.isNaN);
    const out = this.output();
    for (let k = 0; k < baseline.length; k++) out.fill(baseline[k], k * n, (k + 1) * n);
  }

  /** Adds a tree's values for rows [start, end) to output column k. */
  walk(h: TreeHandle, k: number, start = 0, end = this.#n): void {
    const kernels = this.#kernels;
    // the simplest walk that is right for this tree and these rows
    const walk = h.categorical
      ? kernels.walkTree
      : this.#missing
        ? kernels.walkNumeric
        : kernels.walkComplete;
    const x = this.#rows + 8 * start * this.#p;
    walk(h.tree, h.bitsets, h.levels, x, end - start, this.#p, this.#out + 8 * (k * this.#n + start));
  }

  /**
   * Adds every round's trees (round[k] to output column k), a block of rows at a time: the block's rows
   * stay in cache while all the trees pass over them, where tree after tree over all rows would read the
   * whole matrix from memory once per tree.
   */
  walkAll(rounds: readonly TreeHandle[][]): void {
    for (let start = 0; start < this.#n; start += BLOCK_ROWS) {
      const end = Math.min(this.#n, start + BLOCK_ROWS);
      for (const round of rounds) for (let k = 0; k < round.length; k++) this.walk(round[k], k, start, end);
    }
  }

  /** The output (a view: valid until the next setRows or appendTree). */
  output(): Float64Array {
    return new Float64Array(this.#memory.buffer, this.#out, this.#k * this.#n);
  }
}

/** Binned rows (column-major uint8 n x p) as the walker reads them: bins as numbers, the missing bin NaN. */
export function binnedMatrix(bins: Uint8Array, n: number, p: number, missingBin: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let f = 0; f < p; f++) {
    for (let i = 0, at = f; i < n; i++, at += p) {
      const b = bins[f * n + i];
      out[at] = b === missingBin ? Number.NaN : b;
    }
  }
  return out;
}
