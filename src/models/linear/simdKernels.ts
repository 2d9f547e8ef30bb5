/**
 * The column kernels of columnKernels.ts in WebAssembly with 128-bit SIMD: two rows per instruction,
 * and compiled code from the first call, where the JavaScript loops first run interpreted until the JIT
 * has seen enough of them (which a cross-validation's first fold pays in full). The dense columns are
 * copied once into the kernel's own memory, rows padded with zeros to a multiple of LOG_BLOCK; columns
 * with few non-zeros keep visiting only those rows, in JavaScript, on views of that memory.
 */
import { assemble, type Code, type FnDef, type Vars, w } from "../wasm.js";
import {
  addSparse,
  type BinaryTarget,
  type ColumnKernel,
  dotSparse,
  jsColumnKernel,
  LOG_BLOCK,
  noTarget,
  sparseColumns,
} from "./columnKernels.js";
import type { DesignMatrix } from "./data.js";

/*
 * The kernels, on byte addresses into the memory; `bytes` (the padded rows x 8) is a multiple of
 * 8 * LOG_BLOCK.
 *   addColumns(z, x, bytes, w, p): z += Σ_j w[j] x[:, j], two columns per sweep of z (the sweep is
 *     memory-bound), each product added in column order so every lane sums as one column at a time would.
 *   dotColumns(r, x, bytes, g, p): g[j] = Σ_i x[i, j] r[i] in four partial sums (rows i mod 4), combined
 *     as (s0 + s1) + (s2 + s3), as the JavaScript kernel does.
 *   logistic(z, y, a, s, out, bytes): the loss and residuals of logisticInPlace (columnKernels.ts), with
 *     y the class (0/1), a = 1 - y and s the row's weight, all three 0 on padding rows (whose factors are
 *     then 1 and whose residuals 0). Writes Σ s (max(z, 0) - y z) (two lanes) and Σ residuals (two lanes)
 *     to out, then per block of LOG_BLOCK rows the lane products of (1 + a e) and of (1 + y e).
 */
const weightAt = (v: Vars, offset: number) =>
  w.f64x2Splat(w.loadF64(w.add(v.get("w"), w.shl(v.get("j"), w.i32(3))), offset));
const rowAt = (v: Vars, base: string, offset = 0) => w.loadV128(w.add(v.get(base), v.get("i")), offset);
/** for (i = 0; i < bytes; i += step) body */
const overRows = (v: Vars, step: number, ...body: Code[]) => [
  v.set("i", w.i32(0)),
  w.while(w.ltU(v.get("i"), v.get("bytes")), ...body, v.set("i", w.add(v.get("i"), w.i32(step)))),
];
const plus = (v: Vars, acc: Code, column: string, weight: string) =>
  w.f64x2Add(acc, w.f64x2Mul(rowAt(v, column), v.get(weight)));

const addColumns: FnDef = {
  name: "addColumns",
  params: ["z", "x", "bytes", "w", "p"],
  locals: ["j", "i", "c0", "c1", "zi"],
  v128: ["w0", "w1"],
  body: (v) => [
    v.set("j", w.i32(0)),
    w.while(
      w.ltU(w.add(v.get("j"), w.i32(1)), v.get("p")),
      v.set("w0", weightAt(v, 0)),
      v.set("w1", weightAt(v, 8)),
      v.set("c0", w.add(v.get("x"), w.mul(v.get("j"), v.get("bytes")))),
      v.set("c1", w.add(v.get("c0"), v.get("bytes"))),
      ...overRows(
        v,
        16,
        v.set("zi", w.add(v.get("z"), v.get("i"))),
        w.storeV128(v.get("zi"), plus(v, plus(v, w.loadV128(v.get("zi")), "c0", "w0"), "c1", "w1")),
      ),
      v.set("j", w.add(v.get("j"), w.i32(2))),
    ),
    // The last column of an odd count.
    w.if(
      w.ltU(v.get("j"), v.get("p")),
      v.set("w0", weightAt(v, 0)),
      v.set("c0", w.add(v.get("x"), w.mul(v.get("j"), v.get("bytes")))),
      ...overRows(
        v,
        16,
        v.set("zi", w.add(v.get("z"), v.get("i"))),
        w.storeV128(v.get("zi"), plus(v, w.loadV128(v.get("zi")), "c0", "w0")),
      ),
    ),
  ],
};

const laneSum = (v: Vars, acc: string) =>
  w.fadd(w.f64x2ExtractLane(v.get(acc), 0), w.f64x2ExtractLane(v.get(acc), 1));
const dotColumns: FnDef = {
  name: "dotColumns",
  params: ["r", "x", "bytes", "g", "p"],
  locals: ["j", "i", "c"],
  v128: ["s01", "s23"],
  body: (v) => [
    v.set("j", w.i32(0)),
    w.while(
      w.ltU(v.get("j"), v.get("p")),
      v.set("c", w.add(v.get("x"), w.mul(v.get("j"), v.get("bytes")))),
      v.set("s01", w.f64x2Const(0)),
      v.set("s23", w.f64x2Const(0)),
      ...overRows(
        v,
        32,
        v.set("s01", w.f64x2Add(v.get("s01"), w.f64x2Mul(rowAt(v, "c"), rowAt(v, "r")))),
        v.set("s23", w.f64x2Add(v.get("s23"), w.f64x2Mul(rowAt(v, "c", 16), rowAt(v, "r", 16)))),
      ),
      w.storeF64(
        w.add(v.get("g"), w.shl(v.get("j"), w.i32(3))),
        w.fadd(laneSum(v, "s01"), laneSum(v, "s23")),
      ),
      v.set("j", w.add(v.get("j"), w.i32(1))),
    ),
  ],
};

/*
 * e = exp(x) for x <= 0 in both lanes: x clamped at -708 (below, e^x < 2^-1021 is as good as 0 next to
 * the 1 it is added to), k = nearest(x / ln 2), t = x - k ln 2 in two parts (|t| <= ln 2 / 2, the high
 * part's product exact), e^t by its Taylor polynomial to degree 13 (remainder below 2^-56), times 2^k
 * built from its exponent bits. The residuals it gives agree with Math.exp's to 1e-15 relative
 * (test/models/linear/kernels.test.ts).
 */
const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const TAYLOR = Array.from({ length: 14 }, (_, d) => {
  let f = 1;
  for (let j = 2; j <= d; j++) f *= j;
  return 1 / f;
});
const expNonPositive = (v: Vars): Code[] => {
  // Horner from the highest degree down.
  let poly: Code = w.f64x2Const(TAYLOR[13]);
  for (let d = 12; d >= 0; d--) poly = w.f64x2Add(w.f64x2Mul(poly, v.get("t")), w.f64x2Const(TAYLOR[d]));
  const twoToK = w.i64x2Shl(
    w.i64x2Add(w.i64x2ExtendLowI32x4S(w.i32x4TruncSatF64x2SZero(v.get("k"))), w.i64x2Const(1023n)),
    w.i32(52),
  );
  return [
    v.set("x", w.f64x2Pmax(v.get("x"), w.f64x2Const(-708))),
    v.set("k", w.f64x2Nearest(w.f64x2Mul(v.get("x"), w.f64x2Const(Math.LOG2E)))),
    v.set(
      "t",
      w.f64x2Sub(
        w.f64x2Sub(v.get("x"), w.f64x2Mul(v.get("k"), w.f64x2Const(LN2_HI))),
        w.f64x2Mul(v.get("k"), w.f64x2Const(LN2_LO)),
      ),
    ),
    v.set("e", w.f64x2Mul(poly, twoToK)),
  ];
};

const ONE = w.f64x2Const(1);
const ZERO = w.f64x2Const(0);
const logistic: FnDef = {
  name: "logistic",
  params: ["z", "y", "a", "s", "out", "bytes"],
  locals: ["i", "block"],
  v128: ["zv", "x", "k", "t", "e", "d", "r", "lin", "sum", "p0", "p1"],
  body: (v) => [
    v.set("lin", ZERO),
    v.set("sum", ZERO),
    v.set("p0", ONE),
    v.set("p1", ONE),
    v.set("block", w.add(v.get("out"), w.i32(32))),
    ...overRows(
      v,
      16,
      v.set("zv", rowAt(v, "z")),
      v.set("x", w.f64x2Neg(w.f64x2Abs(v.get("zv")))),
      ...expNonPositive(v),
      v.set("d", w.f64x2Add(ONE, v.get("e"))),
      // r = s (σ(z) - y), σ(z) = z >= 0 ? 1 / d : e / d.
      v.set(
        "r",
        w.f64x2Mul(
          rowAt(v, "s"),
          w.f64x2Sub(
            w.v128Bitselect(
              w.f64x2Div(ONE, v.get("d")),
              w.f64x2Div(v.get("e"), v.get("d")),
              w.f64x2Ge(v.get("zv"), ZERO),
            ),
            rowAt(v, "y"),
          ),
        ),
      ),
      v.set(
        "lin",
        w.f64x2Add(
          v.get("lin"),
          w.f64x2Mul(
            rowAt(v, "s"),
            w.f64x2Sub(w.f64x2Pmax(v.get("zv"), ZERO), w.f64x2Mul(rowAt(v, "y"), v.get("zv"))),
          ),
        ),
      ),
      v.set("p0", w.f64x2Mul(v.get("p0"), w.f64x2Add(ONE, w.f64x2Mul(rowAt(v, "a"), v.get("e"))))),
      v.set("p1", w.f64x2Mul(v.get("p1"), w.f64x2Add(ONE, w.f64x2Mul(rowAt(v, "y"), v.get("e"))))),
      w.storeV128(w.add(v.get("z"), v.get("i")), v.get("r")),
      v.set("sum", w.f64x2Add(v.get("sum"), v.get("r"))),
      // The last two rows of a block: its two products out, and start again from 1.
      w.if(
        w.eq(w.and(v.get("i"), w.i32(8 * LOG_BLOCK - 1)), w.i32(8 * LOG_BLOCK - 16)),
        w.storeV128(v.get("block"), v.get("p0")),
        w.storeV128(v.get("block"), v.get("p1"), 16),
        v.set("block", w.add(v.get("block"), w.i32(32))),
        v.set("p0", ONE),
        v.set("p1", ONE),
      ),
    ),
    w.storeV128(v.get("out"), v.get("lin")),
    w.storeV128(v.get("out"), v.get("sum"), 16),
  ],
};

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernels, or null where this runtime cannot run them (no SIMD). */
function kernels(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(assemble([addColumns, dotColumns, logistic], false));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

type Kernel = (a: number, x: number, bytes: number, w: number, p: number) => void;
type LogisticKernel = (z: number, y: number, a: number, s: number, out: number, bytes: number) => void;
const PAGE = 65536;
/** Memories above this are not attempted (wasm32 addresses 4 GiB; V8 may refuse less). */
const MAX_BYTES = 2 ** 31;

/** The SIMD kernel when the runtime has it and the matrix fits its memory, else the JavaScript one. */
export function columnKernel(m: DesignMatrix, nVec: number, target?: BinaryTarget): ColumnKernel {
  return wasmColumnKernel(m, nVec, target) ?? jsColumnKernel(m, nVec, target);
}

/**
 * One instance per thread, on a memory grown to the largest fit so far and reused by the next: fresh
 * pages cost more than the copy into them (a page fault is about 10 µs on a virtual machine, so a new
 * memory for churn's 1.8 MB would add 5 ms to every fit). Held weakly, so that once no fit has used it
 * for a while, a garbage collection can give it back. Fits are synchronous, so two never share it.
 */
interface KernelInstance {
  memory: WebAssembly.Memory;
  exports: WebAssembly.Instance["exports"];
}
let cached: WeakRef<KernelInstance> | null = null;

function kernelInstance(module: WebAssembly.Module, bytes: number): KernelInstance | null {
  if (bytes > MAX_BYTES) return null;
  const pages = Math.max(1, Math.ceil(bytes / PAGE));
  const held = cached?.deref();
  try {
    if (held !== undefined) {
      const have = held.memory.buffer.byteLength / PAGE;
      if (have < pages) held.memory.grow(pages - have);
      return held;
    }
    const memory = new WebAssembly.Memory({ initial: pages });
    const fresh: KernelInstance = {
      memory,
      exports: new WebAssembly.Instance(module, { env: { memory } }).exports,
    };
    cached = new WeakRef(fresh);
    return fresh;
  } catch {
    // Memory the runtime will not give (RangeError): the JavaScript kernel needs none beyond z.
    return null;
  }
}

/** Bump allocation of 16-byte aligned arrays of doubles. */
function layout(): { take(doubles: number): number; readonly bytes: number } {
  let bytes = 0;
  return {
    take(doubles) {
      const at = bytes;
      bytes += Math.ceil(doubles / 2) * 16;
      return at;
    },
    get bytes() {
      return bytes;
    },
  };
}

export function wasmColumnKernel(m: DesignMatrix, nVec: number, target?: BinaryTarget): ColumnKernel | null {
  const module = kernels();
  if (module === null) return null;
  const { columns, nRows: n, nCols: p } = m;
  const sparse = sparseColumns(m, 8);
  const denseAt = sparse.rows.flatMap((rows, j) => (rows === null ? [j] : []));
  const sparseAt = sparse.rows.flatMap((rows, j) => (rows === null ? [] : [j]));
  const pd = denseAt.length;
  const stride = Math.ceil(n / LOG_BLOCK) * LOG_BLOCK;
  const rowBytes = stride * 8;
  const mem = layout();
  const xAt = mem.take(pd * stride);
  const zAt = mem.take(nVec * stride);
  const wAt = mem.take(pd);
  const gAt = mem.take(pd);
  const blocks = stride / LOG_BLOCK;
  const targetAt =
    target === undefined
      ? null
      : { y: mem.take(stride), a: mem.take(stride), s: mem.take(stride), out: mem.take(4 + 4 * blocks) };
  const instance = kernelInstance(module, mem.bytes);
  if (instance === null) return null;
  const { memory } = instance;
  const addColumns = instance.exports.addColumns as Kernel;
  const dotColumns = instance.exports.dotColumns as Kernel;
  const logistic = instance.exports.logistic as LogisticKernel;
  const heap = new Float64Array(memory.buffer);
  const view = (byteAt: number, length: number) => heap.subarray(byteAt / 8, byteAt / 8 + length);
  // The memory is reused: padding rows are zeroed, as they must be, rather than assumed fresh.
  denseAt.forEach((j, q) => {
    const at = (xAt + q * rowBytes) / 8;
    heap.set(columns[j], at);
    heap.fill(0, at + n, at + stride);
  });
  const z = view(zAt, nVec * stride);
  const wv = view(wAt, pd);
  const gv = view(gAt, pd);
  let loss: () => [number, number] = noTarget;
  if (target !== undefined && targetAt !== null) {
    const { index, weights } = target;
    const y = view(targetAt.y, stride).fill(0);
    const a = view(targetAt.a, stride).fill(0);
    const s = view(targetAt.s, stride).fill(0);
    for (let i = 0; i < n; i++) {
      y[i] = index[i];
      a[i] = 1 - index[i];
      s[i] = weights[index[i]];
    }
    const out = view(targetAt.out, 4 + 4 * blocks);
    loss = () => {
      logistic(zAt, targetAt.y, targetAt.a, targetAt.s, targetAt.out, rowBytes);
      let logs = 0;
      for (let b = 0; b < blocks; b++) {
        const o = 4 + 4 * b;
        logs += weights[0] * (Math.log(out[o]) + Math.log(out[o + 1]));
        logs += weights[1] * (Math.log(out[o + 2]) + Math.log(out[o + 3]));
      }
      return [out[0] + out[1] + logs, out[2] + out[3]];
    };
  }
  return {
    stride,
    z,
    scores(w, b) {
      for (let k = 0; k < nVec; k++) {
        const zk = z.subarray(k * stride, (k + 1) * stride);
        zk.fill(b[k]);
        for (let q = 0; q < pd; q++) wv[q] = w[k * p + denseAt[q]];
        addColumns(zAt + k * rowBytes, xAt, rowBytes, wAt, pd);
        for (const j of sparseAt) addSparse(zk, sparse.rows[j]!, sparse.values[j], w[k * p + j]);
      }
    },
    logistic: loss,
    gradient(g) {
      for (let k = 0; k < nVec; k++) {
        const rk = z.subarray(k * stride, (k + 1) * stride);
        // Padding rows hold scores, not residuals (the multinomial loss leaves them), and meet zero columns.
        rk.fill(0, n);
        dotColumns(zAt + k * rowBytes, xAt, rowBytes, gAt, pd);
        for (let q = 0; q < pd; q++) g[k * p + denseAt[q]] = gv[q];
        for (const j of sparseAt) g[k * p + j] = dotSparse(rk, sparse.rows[j]!, sparse.values[j]);
      }
    },
  };
}
