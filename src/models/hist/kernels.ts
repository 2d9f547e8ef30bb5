/**
 * The hot loops of histogram-based tree growing, in WebAssembly (see wasm.ts for why), working on one
 * memory that holds the binned features, the gradient/hessian pairs, the sample partition and the
 * histograms. Every argument is a byte offset into that memory or a count.
 *
 * Layouts (shared with the JavaScript side in workspace.ts):
 * - binned features: column-major uint8, feature f of row i at `x + f * n + i`;
 * - gradient/hessian: one float32 pair per row at `gh + 8 * i` (hessian 1 for constant-hessian losses,
 *   so the summed hessian is the count);
 * - histogram of a node: 256 bins per feature, 32 bytes per bin (sum of gradients, sum of hessians, count,
 *   unused), feature f at `hist + f * 8192`; sums are float64, accumulated in row order like sklearn's.
 */
import { assemble, type Code, type FnDef, type Vars, w } from "../wasm.js";

export const BIN_BYTES = 32;
export const BINS = 256;
export const FEATURE_BYTES = BINS * BIN_BYTES;

/** Adds row `i`'s gradient pair (local `g`) to its bin of feature column `col` in histogram `hist`. */
function addRow(v: Vars, col: string, hist: string): Code[] {
  const bin = w.add(v.get(hist), w.shl(w.load8(w.add(v.get(col), v.get("i"))), w.i32(5)));
  return [
    v.set("b", bin),
    w.storeV128(v.get("b"), w.f64x2Add(w.loadV128(v.get("b")), v.get("g"))),
    w.storeF64(v.get("b"), w.fadd(w.loadF64(v.get("b"), 16), w.f64(1)), 16),
  ];
}

/** Clears, for each feature in [f0, f1) of histogram `hist`, the bins it uses: [0, nBins[f]) and the missing bin. */
function clearUsedBins(v: Vars, hist: string): Code[] {
  const featureAt = w.add(v.get(hist), w.shl(v.get("f"), w.i32(13)));
  return [
    v.set("f", v.get("f0")),
    w.while(
      w.ltU(v.get("f"), v.get("f1")),
      w.memoryFill(
        featureAt,
        w.i32(0),
        w.shl(w.loadI32(w.add(v.get("nb"), w.shl(v.get("f"), w.i32(2)))), w.i32(5)),
      ),
      w.memoryFill(w.add(featureAt, w.shl(v.get("missing"), w.i32(5))), w.i32(0), w.i32(32)),
      v.set("f", w.add(v.get("f"), w.i32(1))),
    ),
  ];
}

/**
 * Histograms of features [f0, f1) over rows 0..m-1 (`indexed` false: the root, rows in order) or over the
 * rows listed at `idx` (int32). Four features share each row's loads; the rest go one at a time. Only the
 * bins a feature uses are cleared first (`nb`: int32 bins used per feature; `missing`: the missing bin):
 * a one-hot column uses 2 of the 256, and clearing all of them cost more than filling them on small nodes.
 */
function histogramFn(indexed: boolean): FnDef {
  return {
    name: indexed ? "histogramRows" : "histogramAll",
    params: ["x", "n", "f0", "f1", "gh", "idx", "m", "out", "nb", "missing"],
    locals: ["f", "k", "i", "b", "c0", "c1", "c2", "c3", "h0", "h1", "h2", "h3"],
    v128: ["g"],
    body: (v) => {
      const rowIndex = indexed ? w.loadI32(w.add(v.get("idx"), w.shl(v.get("k"), w.i32(2)))) : v.get("k");
      const loadRow = [
        v.set("i", rowIndex),
        v.set("g", w.loadF32x2AsF64x2(w.add(v.get("gh"), w.shl(v.get("i"), w.i32(3))))),
      ];
      const column = (j: number) => w.add(v.get("x"), w.mul(w.add(v.get("f"), w.i32(j)), v.get("n")));
      const histOf = (j: number) => w.add(v.get("out"), w.shl(w.add(v.get("f"), w.i32(j)), w.i32(13)));
      return [
        ...clearUsedBins(v, "out"),
        v.set("f", v.get("f0")),
        w.while(
          w.leU(w.add(v.get("f"), w.i32(4)), v.get("f1")),
          ...[0, 1, 2, 3].map((j) => v.set(`c${j}`, column(j))),
          ...[0, 1, 2, 3].map((j) => v.set(`h${j}`, histOf(j))),
          v.set("k", w.i32(0)),
          w.while(
            w.ltU(v.get("k"), v.get("m")),
            ...loadRow,
            ...addRow(v, "c0", "h0"),
            ...addRow(v, "c1", "h1"),
            ...addRow(v, "c2", "h2"),
            ...addRow(v, "c3", "h3"),
            v.set("k", w.add(v.get("k"), w.i32(1))),
          ),
          v.set("f", w.add(v.get("f"), w.i32(4))),
        ),
        w.while(
          w.ltU(v.get("f"), v.get("f1")),
          v.set("c0", column(0)),
          v.set("h0", histOf(0)),
          v.set("k", w.i32(0)),
          w.while(
            w.ltU(v.get("k"), v.get("m")),
            ...loadRow,
            ...addRow(v, "c0", "h0"),
            v.set("k", w.add(v.get("k"), w.i32(1))),
          ),
          v.set("f", w.add(v.get("f"), w.i32(1))),
        ),
      ];
    },
  };
}

/**
 * Histogram subtraction, out = a - b (the larger child from the parent and the smaller child), over the
 * bins each feature in [f0, f1) uses: [0, nBins[f]) and the missing bin.
 */
const subtractFn: FnDef = {
  name: "subtract",
  params: ["a", "b", "out", "f0", "f1", "nb", "missing"],
  locals: ["f", "k", "end", "base"],
  body: (v) => {
    const sub = (at: Code) =>
      w.storeV128(
        w.add(v.get("out"), at),
        w.f64x2Sub(w.loadV128(w.add(v.get("a"), at)), w.loadV128(w.add(v.get("b"), at))),
      );
    return [
      v.set("f", v.get("f0")),
      w.while(
        w.ltU(v.get("f"), v.get("f1")),
        v.set("base", w.shl(v.get("f"), w.i32(13))),
        v.set("k", v.get("base")),
        v.set(
          "end",
          w.add(v.get("base"), w.shl(w.loadI32(w.add(v.get("nb"), w.shl(v.get("f"), w.i32(2)))), w.i32(5))),
        ),
        w.while(w.ltU(v.get("k"), v.get("end")), sub(v.get("k")), v.set("k", w.add(v.get("k"), w.i32(16)))),
        v.set("k", w.add(v.get("base"), w.shl(v.get("missing"), w.i32(5)))),
        sub(v.get("k")),
        sub(w.add(v.get("k"), w.i32(16))),
        v.set("f", w.add(v.get("f"), w.i32(1))),
      ),
    ];
  },
};

/**
 * Stable partition of the `m` row indices at `idx + 4 * start` by the bins of one feature column `col`:
 * rows whose bin is set in the 256-bit `bitset` (eight uint32 words) move to the front in their order,
 * the others follow in theirs (through `tmp`). Returns how many went left. Branch-free: each row is
 * written to both sides and only the side it belongs to advances.
 *
 * The `split` variant writes the left rows to `outLeft` and the right ones to `outRight` instead, for a
 * thread partitioning one chunk of a node while others do the rest (threads.ts joins the chunks).
 */
function partitionFn(split: boolean): FnDef {
  return {
    name: split ? "partitionSplit" : "partition",
    params: split
      ? ["col", "idx", "start", "m", "bitset", "outLeft", "outRight"]
      : ["col", "idx", "start", "m", "bitset", "tmp"],
    locals: ["base", "k", "i", "bin", "left", "nl", "nr"],
    returnsI32: true,
    body: (v) => [
      v.set("base", w.add(v.get("idx"), w.shl(v.get("start"), w.i32(2)))),
      v.set("k", w.i32(0)),
      v.set("nl", w.i32(0)),
      v.set("nr", w.i32(0)),
      w.while(
        w.ltU(v.get("k"), v.get("m")),
        v.set("i", w.loadI32(w.add(v.get("base"), w.shl(v.get("k"), w.i32(2))))),
        v.set("bin", w.load8(w.add(v.get("col"), v.get("i")))),
        v.set(
          "left",
          w.and(
            w.shrU(
              w.loadI32(w.add(v.get("bitset"), w.shl(w.shrU(v.get("bin"), w.i32(5)), w.i32(2)))),
              w.and(v.get("bin"), w.i32(31)),
            ),
            w.i32(1),
          ),
        ),
        w.storeI32(w.add(v.get(split ? "outLeft" : "base"), w.shl(v.get("nl"), w.i32(2))), v.get("i")),
        w.storeI32(w.add(v.get(split ? "outRight" : "tmp"), w.shl(v.get("nr"), w.i32(2))), v.get("i")),
        v.set("nl", w.add(v.get("nl"), v.get("left"))),
        v.set("nr", w.add(v.get("nr"), w.sub(w.i32(1), v.get("left")))),
        v.set("k", w.add(v.get("k"), w.i32(1))),
      ),
      ...(split
        ? []
        : [
            w.memoryCopy(
              w.add(v.get("base"), w.shl(v.get("nl"), w.i32(2))),
              v.get("tmp"),
              w.shl(v.get("nr"), w.i32(2)),
            ),
          ]),
      v.get("nl"),
    ],
  };
}

const TOP = -(1n << 63n);

/** A float64's bits turned into a key whose unsigned order is the numeric order (and back). */
const toKey = (bits: Code) => w.xor64(bits, w.or64(w.shrS64(bits, w.i64(63n)), w.i64(TOP)));
const fromKey = (key: Code) =>
  w.xor64(key, w.or64(w.xor64(w.shrS64(key, w.i64(63n)), w.i64(-1n)), w.i64(TOP)));

/**
 * Sorts the `n` float64 at `a` ascending (no NaN), through `tmp` (n float64) and `counts` (2^bits
 * uint32): an LSD radix sort over the bit patterns, `passes` passes of `bits`-bit digits (an even number
 * of passes covering 64 bits: 4 x 16 for large columns, 6 x 11 for small ones, whose 65,536-bucket
 * passes would cost more than the data). O(n) where a comparison sort of a 160,000-row column took 29 ms
 * in V8.
 */
const sortFn: FnDef = {
  name: "sortF64",
  params: ["a", "n", "tmp", "counts", "bits", "passes"],
  locals: ["k", "d", "pos", "sum", "c", "src", "dst", "t", "pass", "buckets"],
  i64: ["x"],
  body: (v) => {
    const at = (base: string) => w.add(v.get(base), w.shl(v.get("k"), w.i32(3)));
    const digit = w.and(
      w.wrap(w.shrU64(v.get("x"), w.extendU(w.mul(v.get("pass"), v.get("bits"))))),
      w.sub(v.get("buckets"), w.i32(1)),
    );
    const slot = w.add(v.get("counts"), w.shl(v.get("d"), w.i32(2)));
    const eachRow = (...body: Code[]) => [
      v.set("k", w.i32(0)),
      w.while(w.ltU(v.get("k"), v.get("n")), ...body, v.set("k", w.add(v.get("k"), w.i32(1)))),
    ];
    return [
      v.set("buckets", w.shl(w.i32(1), v.get("bits"))),
      ...eachRow(v.set("x", w.loadI64(at("a"))), w.storeI64(at("a"), toKey(v.get("x")))),
      v.set("src", v.get("a")),
      v.set("dst", v.get("tmp")),
      v.set("pass", w.i32(0)),
      w.while(
        w.ltU(v.get("pass"), v.get("passes")),
        w.memoryFill(v.get("counts"), w.i32(0), w.shl(v.get("buckets"), w.i32(2))),
        ...eachRow(
          v.set("x", w.loadI64(at("src"))),
          v.set("d", digit),
          w.storeI32(slot, w.add(w.loadI32(slot), w.i32(1))),
        ),
        v.set("d", w.i32(0)),
        v.set("sum", w.i32(0)),
        w.while(
          w.ltU(v.get("d"), v.get("buckets")),
          v.set("c", w.loadI32(slot)),
          w.storeI32(slot, v.get("sum")),
          v.set("sum", w.add(v.get("sum"), v.get("c"))),
          v.set("d", w.add(v.get("d"), w.i32(1))),
        ),
        ...eachRow(
          v.set("x", w.loadI64(at("src"))),
          v.set("d", digit),
          v.set("pos", w.loadI32(slot)),
          w.storeI32(slot, w.add(v.get("pos"), w.i32(1))),
          w.storeI64(w.add(v.get("dst"), w.shl(v.get("pos"), w.i32(3))), v.get("x")),
        ),
        v.set("t", v.get("src")),
        v.set("src", v.get("dst")),
        v.set("dst", v.get("t")),
        v.set("pass", w.add(v.get("pass"), w.i32(1))),
      ),
      ...eachRow(v.set("x", w.loadI64(at("a"))), w.storeI64(at("a"), fromKey(v.get("x")))),
    ];
  },
};

/**
 * Bins `n` float64 at `vals` into uint8 at `out`: the bin of x is the number of thresholds below it, i.e.
 * the first i with x <= thresholds[i] (sklearn's rule), found by an eight-step branch-free search over the
 * 256 float64 at `thresholds` (padded with +Infinity); NaN goes to `missingBin`.
 */
const binFn: FnDef = {
  name: "binColumn",
  params: ["vals", "n", "thresholds", "missingBin", "out"],
  locals: ["k", "pos"],
  f64: ["x"],
  body: (v) => {
    const steps = [128, 64, 32, 16, 8, 4, 2, 1].map((step) =>
      v.set(
        "pos",
        w.add(
          v.get("pos"),
          w.select(
            w.i32(step),
            w.i32(0),
            w.fgt(
              v.get("x"),
              w.loadF64(w.add(v.get("thresholds"), w.shl(v.get("pos"), w.i32(3))), (step - 1) * 8),
            ),
          ),
        ),
      ),
    );
    return [
      v.set("k", w.i32(0)),
      w.while(
        w.ltU(v.get("k"), v.get("n")),
        v.set("x", w.loadF64(w.add(v.get("vals"), w.shl(v.get("k"), w.i32(3))))),
        v.set("pos", w.i32(0)),
        ...steps,
        w.store8(
          w.add(v.get("out"), v.get("k")),
          w.select(v.get("missingBin"), v.get("pos"), w.fne(v.get("x"), v.get("x"))),
        ),
        v.set("k", w.add(v.get("k"), w.i32(1))),
      ),
    ];
  },
};

/** Bytes per node of a tree laid out for walking: feature, left, right, flags (int32), threshold, value (float64). */
export const NODE_BYTES = 32;
const LANES = 4;

/**
 * Adds one tree's leaf values to `out` (float64 per row) for the `n` rows of the row-major float64
 * matrix at `x` (p columns). Node flags: bit 0 = missing values go left, bit 1 = categorical split, bits
 * 2.. = the split's set of bins (8 uint32 at `bitsets + 32 * set`). A missing value is NaN, a categorical
 * value its bin. Leaves point to themselves, so walking `levels` (the tree's depth) steps from the root
 * ends at every row's leaf with no data-dependent branch; four rows walk in step, because one walk is a
 * chain of dependent loads and four independent chains keep the core busy (measured 2-3x faster than
 * walking one row at a time).
 */
function walkFn(variant: "general" | "numeric" | "complete"): FnDef {
  const numericOnly = variant !== "general";
  const complete = variant === "complete";
  return {
    name: complete ? "walkComplete" : numericOnly ? "walkNumeric" : "walkTree",
    params: ["tree", "bitsets", "levels", "x", "n", "p", "out"],
    locals: [
      "i",
      "d",
      "stride",
      "flags",
      "bin",
      "j",
      ...Array.from({ length: LANES }, (_, j) => [`node${j}`, `row${j}`]).flat(),
    ],
    f64: ["v"],
    body: (v) => {
      const step = (j: number): Code[] => {
        const node = v.get(`node${j}`);
        if (complete) {
          // no missing value in the rows either: x <= threshold alone decides
          return [
            v.set(
              `node${j}`,
              w.add(
                v.get("tree"),
                w.shl(
                  w.select(
                    w.loadI32(node, 4),
                    w.loadI32(node, 8),
                    w.fle(
                      w.loadF64(w.add(v.get(`row${j}`), w.shl(w.loadI32(node), w.i32(3)))),
                      w.loadF64(node, 16),
                    ),
                  ),
                  w.i32(5),
                ),
              ),
            ),
          ];
        }
        if (numericOnly) {
          // no categorical split in the tree: x <= threshold decides, and for a missing x (NaN, for which
          // both comparisons are false) !(x > threshold) when missing values go left
          const x = w.loadF64(w.add(v.get(`row${j}`), w.shl(w.loadI32(node), w.i32(3))));
          return [
            v.set("v", x),
            v.set(
              `node${j}`,
              w.add(
                v.get("tree"),
                w.shl(
                  w.select(
                    w.loadI32(node, 4),
                    w.loadI32(node, 8),
                    w.select(
                      w.eqz(w.fgt(v.get("v"), w.loadF64(node, 16))),
                      w.fle(v.get("v"), w.loadF64(node, 16)),
                      w.loadI32(node, 12),
                    ),
                  ),
                  w.i32(5),
                ),
              ),
            ),
          ];
        }
        return [
          v.set("v", w.loadF64(w.add(v.get(`row${j}`), w.shl(w.loadI32(node), w.i32(3))))),
          v.set("flags", w.loadI32(node, 12)),
          v.set("bin", w.and(w.truncSatU(v.get("v")), w.i32(255))),
          v.set(
            `node${j}`,
            w.add(
              v.get("tree"),
              w.shl(
                w.select(
                  w.loadI32(node, 4),
                  w.loadI32(node, 8),
                  w.select(
                    w.and(v.get("flags"), w.i32(1)),
                    w.select(
                      w.and(
                        w.shrU(
                          w.loadI32(
                            w.add(
                              w.add(v.get("bitsets"), w.shl(w.shrU(v.get("flags"), w.i32(2)), w.i32(5))),
                              w.shl(w.shrU(v.get("bin"), w.i32(5)), w.i32(2)),
                            ),
                          ),
                          w.and(v.get("bin"), w.i32(31)),
                        ),
                        w.i32(1),
                      ),
                      w.fle(v.get("v"), w.loadF64(node, 16)),
                      w.and(v.get("flags"), w.i32(2)),
                    ),
                    w.fne(v.get("v"), v.get("v")),
                  ),
                ),
                w.i32(5),
              ),
            ),
          ),
        ];
      };
      const lanes = Array.from({ length: LANES }, (_, j) => j);
      // rows past the end walk the last row again and are not stored
      const rowOf = (j: number) =>
        w.add(
          v.get("x"),
          w.mul(
            w.select(
              w.add(v.get("i"), w.i32(j)),
              w.sub(v.get("n"), w.i32(1)),
              w.ltU(w.add(v.get("i"), w.i32(j)), v.get("n")),
            ),
            v.get("stride"),
          ),
        );
      const store = (j: number): Code =>
        w.if(
          w.ltU(w.add(v.get("i"), w.i32(j)), v.get("n")),
          v.set("j", w.add(v.get("out"), w.shl(w.add(v.get("i"), w.i32(j)), w.i32(3)))),
          w.storeF64(v.get("j"), w.fadd(w.loadF64(v.get("j")), w.loadF64(v.get(`node${j}`), 24))),
        );
      return [
        v.set("stride", w.shl(v.get("p"), w.i32(3))),
        v.set("i", w.i32(0)),
        w.while(
          w.ltU(v.get("i"), v.get("n")),
          ...lanes.flatMap((j) => [v.set(`row${j}`, rowOf(j)), v.set(`node${j}`, v.get("tree"))]),
          v.set("d", w.i32(0)),
          w.while(
            w.ltU(v.get("d"), v.get("levels")),
            ...lanes.flatMap(step),
            v.set("d", w.add(v.get("d"), w.i32(1))),
          ),
          ...lanes.map(store),
          v.set("i", w.add(v.get("i"), w.i32(LANES))),
        ),
      ];
    },
  };
}

export interface Kernels {
  histogramAll: HistogramKernel;
  histogramRows: HistogramKernel;
  subtract(a: number, b: number, out: number, f0: number, f1: number, nb: number, missing: number): void;
  partition(col: number, idx: number, start: number, m: number, bitset: number, tmp: number): number;
  partitionSplit(
    col: number,
    idx: number,
    start: number,
    m: number,
    bitset: number,
    outLeft: number,
    outRight: number,
  ): number;
  sortF64(a: number, n: number, tmp: number, counts: number, bits: number, passes: number): void;
  binColumn(vals: number, n: number, thresholds: number, missingBin: number, out: number): void;
  walkTree: WalkKernel;
  walkNumeric: WalkKernel;
  walkComplete: WalkKernel;
}

type HistogramKernel = (
  x: number,
  n: number,
  f0: number,
  f1: number,
  gh: number,
  idx: number,
  m: number,
  out: number,
  nb: number,
  missing: number,
) => void;

type WalkKernel = (
  tree: number,
  bitsets: number,
  levels: number,
  x: number,
  n: number,
  p: number,
  out: number,
) => void;

const modules = new Map<boolean, WebAssembly.Module>();

/** The kernels bound to `memory` (compiled once per process for shared and for unshared memories). */
export function instantiateKernels(memory: WebAssembly.Memory, shared: boolean): Kernels {
  let module = modules.get(shared);
  if (module === undefined) {
    module = new WebAssembly.Module(
      assemble(
        [
          histogramFn(false),
          histogramFn(true),
          subtractFn,
          partitionFn(false),
          partitionFn(true),
          sortFn,
          binFn,
          walkFn("general"),
          walkFn("numeric"),
          walkFn("complete"),
        ],
        shared,
      ),
    );
    modules.set(shared, module);
  }
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as Kernels;
}
