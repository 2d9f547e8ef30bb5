import { describe, expect, test } from "vitest";
import { medianPresent, medianSorted, sortedPresent } from "../../src/prep/stats.js";

describe("medianPresent", () => {
  test("equals numpy's median of the sorted non-NaN values: odd and even counts, ties, NaN, sorted runs", () => {
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let t = 0; t < 2000; t++) {
      const n = Math.floor(rnd() * 60);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const kind = t % 4;
        const x =
          kind === 0 ? Math.floor(rnd() * 4) : kind === 1 ? rnd() * 1e6 - 5e5 : kind === 2 ? i : n - i;
        v[i] = rnd() < 0.15 ? Number.NaN : x;
      }
      const sorted = medianSorted(sortedPresent(v));
      const selected = medianPresent(v);
      expect(Number.isNaN(selected) ? "NaN" : selected).toBe(Number.isNaN(sorted) ? "NaN" : sorted);
    }
  });

  test("leaves its input alone and handles large inputs", () => {
    const v = Float64Array.from({ length: 100_001 }, (_, i) => (i * 7919) % 100_001);
    const copy = v.slice();
    expect(medianPresent(v)).toBe(50_000);
    expect(v).toEqual(copy);
    expect(medianPresent(new Float64Array([Number.NaN, Number.NaN]))).toBeNaN();
    expect(medianPresent(new Float64Array([3, Number.NaN, 1, 2, 10]))).toBe(2.5);
  });
});
