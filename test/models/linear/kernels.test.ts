/**
 * The column kernels of the linear models' objectives: the WebAssembly one against the JavaScript one
 * (same scores and gradients), and both against the logistic loss written out in the test with
 * Math.log1p and Math.exp.
 */
import { describe, expect, it } from "vitest";
import { Random } from "../../../src/core/random.js";
import {
  type BinaryTarget,
  type ColumnKernel,
  jsColumnKernel,
} from "../../../src/models/linear/columnKernels.js";
import type { DesignMatrix } from "../../../src/models/linear/data.js";
import { wasmColumnKernel } from "../../../src/models/linear/simdKernels.js";

/** Dense columns, 50% indicators (dense for both kernels), 10% indicators and 3% valued (sparse). */
function matrix(n: number, seed: number): DesignMatrix {
  const rng = new Random(seed);
  const col = (f: () => number) => Float64Array.from({ length: n }, f);
  const columns = [
    col(() => rng.next() * 4 - 2),
    col(() => (rng.next() < 0.5 ? 1 : 0)),
    col(() => rng.next() * 100),
    col(() => (rng.next() < 0.1 ? 1 : 0)),
    col(() => (rng.next() < 0.03 ? rng.next() * 3 : 0)),
    col(() => rng.next() - 0.5),
    col(() => 0),
  ];
  return { columns, nRows: n, nCols: columns.length };
}

function target(n: number, seed: number, weights = Float64Array.of(1, 1)): BinaryTarget {
  const rng = new Random(seed);
  return { index: Int32Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0)), weights };
}

function weightsFor(p: number, nVec: number, seed: number): Float64Array {
  const rng = new Random(seed);
  return Float64Array.from({ length: nVec * p }, () => rng.next() * 2 - 1);
}

function closeAll(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(1, Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
      throw new Error(`index ${i}: ${actual[i]} vs ${expected[i]} (tolerance ${tol})`);
    }
  }
}

/** The scores of each class block, without the SIMD kernel's padding rows. */
function blocks(k: ColumnKernel, n: number, nVec: number): Float64Array {
  const out = new Float64Array(nVec * n);
  for (let c = 0; c < nVec; c++) out.set(k.z.subarray(c * k.stride, c * k.stride + n), c * n);
  return out;
}

describe("column kernels", () => {
  for (const [n, nVec] of [
    [1, 1],
    [63, 1],
    [1000, 1],
    [777, 3],
  ] as const) {
    it(`give the same scores and gradients in WebAssembly and JavaScript (${n} rows, ${nVec} classes)`, () => {
      const m = matrix(n, n);
      const wasm = wasmColumnKernel(m, nVec);
      const js = jsColumnKernel(m, nVec);
      expect(wasm).not.toBeNull();
      if (wasm === null) return;
      expect(wasm.stride % 64).toBe(0);
      const w = weightsFor(m.nCols, nVec, 7);
      const b = Float64Array.from({ length: nVec }, (_, k) => 0.25 * k - 0.1);
      wasm.scores(w, b);
      js.scores(w, b);
      closeAll(blocks(wasm, n, nVec), blocks(js, n, nVec), 1e-13);
      // Residual-like values in place of the scores, then Xᵀ r.
      const rng = new Random(3);
      for (let c = 0; c < nVec; c++) {
        for (let i = 0; i < n; i++) {
          const r = rng.next() - 0.5;
          wasm.z[c * wasm.stride + i] = r;
          js.z[c * js.stride + i] = r;
        }
      }
      const gw = new Float64Array(nVec * m.nCols);
      const gj = new Float64Array(nVec * m.nCols);
      wasm.gradient(gw);
      js.gradient(gj);
      closeAll(gw, gj, 1e-12);
      // A dot product over every row of the test's own.
      for (let j = 0; j < m.nCols; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += m.columns[j][i] * js.z[i];
        expect(gj[j]).toBeCloseTo(s, 10);
      }
    });
  }

  it("reuse their memory without leaking one fit's rows into the next", () => {
    const big = matrix(3000, 1);
    const first = wasmColumnKernel(big, 1, target(3000, 2));
    expect(first).not.toBeNull();
    first?.scores(weightsFor(big.nCols, 1, 1), Float64Array.of(5));
    first?.logistic();
    // Fewer rows now: the previous fit's values sit where this one's padding is. (The memory is held
    // weakly, but a WeakRef's target lives at least to the end of the synchronous job: it is reused here.)
    const small = matrix(130, 9);
    const t = target(130, 4);
    const wasm = wasmColumnKernel(small, 1, t);
    const js = jsColumnKernel(small, 1, t);
    const w = weightsFor(small.nCols, 1, 5);
    wasm?.scores(w, Float64Array.of(0.3));
    js.scores(w, Float64Array.of(0.3));
    const [lw, sw] = wasm?.logistic() ?? [Number.NaN, Number.NaN];
    const [lj, sj] = js.logistic();
    expect(lw).toBeCloseTo(lj, 11);
    expect(sw).toBeCloseTo(sj, 12);
    const gw = new Float64Array(small.nCols);
    const gj = new Float64Array(small.nCols);
    wasm?.gradient(gw);
    js.gradient(gj);
    closeAll(gw, gj, 1e-12);
  });

  it("compute the weighted logistic loss and residuals, extreme scores included", () => {
    const n = 200;
    const m = matrix(n, 11);
    const t = target(n, 12, Float64Array.of(0.7, 2.5));
    const zs = Float64Array.from({ length: n }, (_, i) => {
      const special = [0, -0, 1e-300, -1e-12, 40, -40, 707, -707, 709, -709, 745, -745, 800, -800, 1e6, -1e6];
      return i < special.length ? special[i] : (i - 100) * 0.173;
    });
    for (const make of [wasmColumnKernel, jsColumnKernel]) {
      const k = make(m, 1, t);
      if (k === null) throw new Error("no WebAssembly kernel");
      k.z.set(zs);
      const [loss, sum] = k.logistic();
      let expectedLoss = 0;
      let expectedSum = 0;
      for (let i = 0; i < n; i++) {
        const z = zs[i];
        const y = t.index[i];
        const s = t.weights[y];
        // log(1 + e^z) - y z, and σ(z) - y, each written the way that stays accurate for its sign.
        const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        expectedLoss += s * (softplus - y * z);
        const sigma = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
        const r = s * (sigma - y);
        expectedSum += r;
        // Relative to σ itself (where the exponential decides it); σ - 1 for y = 1 cancels, so absolute.
        const tol = 1e-15 * s * sigma + (y === 1 ? 4e-16 * s : 0) + 1e-300;
        if (!(Math.abs(k.z[i] - r) <= tol))
          throw new Error(`${make.name} row ${i} (z = ${z}): ${k.z[i]} vs ${r}`);
      }
      expect(Math.abs(loss - expectedLoss)).toBeLessThan(1e-13 * Math.abs(expectedLoss));
      expect(Math.abs(sum - expectedSum)).toBeLessThan(1e-13);
    }
  });
});
