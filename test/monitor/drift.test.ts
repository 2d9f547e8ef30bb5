import { describe, expect, it } from "vitest";
import { MlshipError } from "../../src/core/errors.js";
import { boolean, categorical, datetime, Frame, numeric } from "../../src/core/frame.js";
import {
  categoricalSample,
  compareSamples,
  detectDrift,
  detectDriftSamples,
  numericSample,
} from "../../src/monitor/drift.js";
import { sortedFinite } from "../../src/monitor/sort.js";
import { ks2Samp } from "../../src/monitor/stats.js";

/** A seeded uniform generator (mulberry32), so every run sees the same samples. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uniform = (n: number, seed: number, shift = 0): Float64Array => {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => r() + shift);
};

const codes = (n: number, seed: number, weights: number[]): Int32Array => {
  const r = rng(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Int32Array.from({ length: n }, () => {
    let u = r() * total;
    let k = 0;
    while (u >= weights[k] && k < weights.length - 1) u -= weights[k++];
    return k;
  });
};

function errorOf(fn: () => unknown): MlshipError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlshipError) return err;
    throw err;
  }
  throw new Error("expected an MlshipError");
}

describe("default tests follow Evidently's preset", () => {
  const pick = (ref: Frame, cur: Frame) => detectDrift(ref, cur).features.map((f) => [f.column, f.test]);

  it("small references (<= 1,000 values): KS for numeric, chi-square for categorical and few values", () => {
    const frame = (n: number, seed: number) =>
      Frame.fromColumns({
        x: numeric(uniform(n, seed)),
        few: numeric(Float64Array.from(uniform(n, seed + 1), (u) => Math.floor(u * 5))),
        c: categorical(codes(n, seed + 2, [1, 1, 1]), ["a", "b", "c"]),
        flag: boolean(Int8Array.from(uniform(n, seed + 3), (u) => (u < 0.5 ? 1 : 0))),
      });
    expect(pick(frame(1000, 1), frame(5000, 2))).toEqual([
      ["x", "ks"],
      ["few", "chisquare"],
      ["c", "chisquare"],
      ["flag", "chisquare"],
    ]);
  });

  it("larger references: normed Wasserstein for numeric, Jensen-Shannon for categorical and few values", () => {
    const frame = (n: number, seed: number) =>
      Frame.fromColumns({
        x: numeric(uniform(n, seed)),
        few: numeric(Float64Array.from(uniform(n, seed + 1), (u) => Math.floor(u * 5))),
        six: numeric(Float64Array.from(uniform(n, seed + 4), (u) => Math.floor(u * 6))),
        c: categorical(codes(n, seed + 2, [1, 1, 1]), ["a", "b", "c"]),
      });
    expect(pick(frame(1001, 1), frame(200, 2))).toEqual([
      ["x", "wasserstein"],
      ["few", "jensenshannon"],
      ["six", "wasserstein"],
      ["c", "jensenshannon"],
    ]);
  });

  it("counts only non-missing reference values toward the 1,000", () => {
    const values = uniform(1100, 3);
    for (let i = 0; i < 100; i++) values[i * 11] = Number.NaN;
    const ref = Frame.fromColumns({ x: numeric(values) });
    const cur = Frame.fromColumns({ x: numeric(uniform(1100, 4)) });
    const [f] = detectDrift(ref, cur).features;
    expect(f.test).toBe("ks");
    expect(f.referenceCount).toBe(1000);
    expect(f.referenceMissingShare).toBeCloseTo(100 / 1100, 15);
  });

  it("distinct values are counted over both sides: 3 + 3 new ones is no longer 'few'", () => {
    const ref = Frame.fromColumns({ x: numeric(Float64Array.from({ length: 50 }, (_, i) => i % 3)) });
    const cur = Frame.fromColumns({ x: numeric(Float64Array.from({ length: 50 }, (_, i) => 3 + (i % 3))) });
    expect(detectDrift(ref, cur).features[0].test).toBe("ks");
  });
});

describe("drift verdicts", () => {
  it("flags a shifted feature and not a stable one, with the dataset verdict by share", () => {
    const ref = Frame.fromColumns({
      stable: numeric(uniform(800, 1)),
      shifted: numeric(uniform(800, 2)),
      c: categorical(codes(800, 3, [5, 3, 2]), ["a", "b", "c"]),
    });
    const cur = Frame.fromColumns({
      stable: numeric(uniform(900, 4)),
      shifted: numeric(uniform(900, 5, 0.3)),
      c: categorical(codes(900, 6, [2, 3, 5]), ["a", "b", "c"]),
    });
    const report = detectDrift(ref, cur);
    expect(report.features.map((f) => [f.column, f.drifted])).toEqual([
      ["stable", false],
      ["shifted", true],
      ["c", true],
    ]);
    expect(report.driftedCount).toBe(2);
    expect(report.testedCount).toBe(3);
    expect(report.share).toBeCloseTo(2 / 3, 15);
    expect(report.datasetDrift).toBe(true);
    expect(detectDrift(ref, cur, { driftShare: 0.7 }).datasetDrift).toBe(false);
  });

  it("identical data never drifts, whatever the test", () => {
    const frame = Frame.fromColumns({
      x: numeric(uniform(3000, 7)),
      c: categorical(codes(3000, 8, [1, 2, 3, 4]), ["a", "b", "c", "d"]),
    });
    for (const test of ["chisquare", "jensenshannon", "psi", "kl"] as const) {
      const report = detectDrift(frame, frame, { test });
      expect(report.driftedCount, test).toBe(0);
    }
    const numericOnly = frame.select(["x"]);
    for (const test of ["ks", "wasserstein"] as const) {
      const [f] = detectDrift(numericOnly, numericOnly, { test }).features;
      expect(f.drifted, test).toBe(false);
      expect(f.statistic).toBe(0);
    }
  });

  it("per-feature tests and thresholds win over the global ones", () => {
    const ref = Frame.fromColumns({ a: numeric(uniform(500, 1)), b: numeric(uniform(500, 2)) });
    const cur = Frame.fromColumns({ a: numeric(uniform(500, 3, 0.05)), b: numeric(uniform(500, 4, 0.05)) });
    const report = detectDrift(ref, cur, {
      test: "wasserstein",
      threshold: 0.5,
      features: { b: { test: "psi" }, a: { threshold: 0.1 } },
    });
    expect(report.features.map((f) => [f.column, f.test, f.threshold])).toEqual([
      ["a", "wasserstein", 0.1],
      ["b", "psi", 0.5],
    ]);
    expect(report.features[0].distance).toBeCloseTo(report.features[0].statistic as number, 15);
    expect(report.features[0].pValue).toBeUndefined();
  });

  it("matches categorical levels by name, whatever their order or codes in each frame", () => {
    const refCodes = codes(600, 9, [3, 2, 1]);
    const curCodes = codes(700, 10, [1, 2, 3]);
    const ref = Frame.fromColumns({ c: categorical(refCodes, ["x", "y", "z"]) });
    const cur = Frame.fromColumns({ c: categorical(curCodes, ["x", "y", "z"]) });
    // The current frame again with its levels listed in another order, plus one it never uses.
    const remap = [2, 0, 1];
    const reordered = Frame.fromColumns({
      c: categorical(
        Int32Array.from(curCodes, (k) => remap[k]),
        ["y", "z", "x", "unused"],
      ),
    });
    for (const test of ["chisquare", "jensenshannon", "psi", "kl"] as const) {
      const a = detectDrift(ref, cur, { test }).features[0];
      const b = detectDrift(ref, reordered, { test }).features[0];
      expect(b.statistic, test).toBeCloseTo(a.statistic as number, 12);
    }
  });

  it("treats booleans and true/false categories as the same feature", () => {
    const ref = Frame.fromColumns({ f: boolean(Int8Array.from([1, 0, 1, 1, -1, 0])) });
    const cur = Frame.fromColumns({
      f: categorical(Int32Array.from([0, 1, 1, -1, -1, 1]), ["true", "false"]),
    });
    const [f] = detectDrift(ref, cur).features;
    expect(f.test).toBe("chisquare");
    expect(f.referenceMissingShare).toBeCloseTo(1 / 6, 15);
    expect(f.currentMissingShare).toBeCloseTo(2 / 6, 15);
  });

  it("reports a feature with no values on one side untested and leaves it out of the share", () => {
    const ref = Frame.fromColumns({ x: numeric(uniform(50, 1)), y: numeric(uniform(50, 2)) });
    const cur = Frame.fromColumns({
      x: numeric(new Float64Array(40).fill(Number.NaN)),
      y: numeric(uniform(40, 3, 2)),
    });
    const report = detectDrift(ref, cur);
    expect(report.features[0]).toMatchObject({
      column: "x",
      statistic: null,
      drifted: false,
      currentMissingShare: 1,
      note: "no non-missing values in the current sample",
    });
    expect(report.testedCount).toBe(1);
    expect(report.share).toBe(1);
  });

  it("skips datetime columns and columns on one side only, saying why", () => {
    const ref = Frame.fromColumns({
      x: numeric(uniform(30, 1)),
      t: datetime(Float64Array.from({ length: 30 }, (_, i) => i * 1e8)),
      old: numeric(uniform(30, 2)),
    });
    const cur = Frame.fromColumns({
      x: numeric(uniform(30, 3)),
      t: datetime(Float64Array.from({ length: 30 }, (_, i) => 1e12 + i)),
      added: numeric(uniform(30, 4)),
    });
    const report = detectDrift(ref, cur);
    expect(report.features.map((f) => f.column)).toEqual(["x"]);
    expect(report.skipped).toEqual([
      { column: "old", reason: "only in reference" },
      { column: "added", reason: "only in current" },
      { column: "t", reason: "datetime columns are not tested for drift" },
    ]);
  });

  it("columns and exclude choose the features", () => {
    const frame = Frame.fromColumns({
      a: numeric(uniform(20, 1)),
      b: numeric(uniform(20, 2)),
      c: numeric(uniform(20, 3)),
    });
    expect(detectDrift(frame, frame, { columns: ["c", "a"] }).features.map((f) => f.column)).toEqual([
      "c",
      "a",
    ]);
    expect(detectDrift(frame, frame, { exclude: ["b"] }).features.map((f) => f.column)).toEqual(["a", "c"]);
  });
});

describe("clear errors", () => {
  const num = Frame.fromColumns({ x: numeric(uniform(20, 1)) });
  const cat = Frame.fromColumns({ x: categorical(codes(20, 2, [1, 1]), ["a", "b"]) });

  it("a type mismatch between the two sides", () => {
    const err = errorOf(() => detectDrift(num, cat));
    expect(err.code).toBe("E_DRIFT_TYPE_MISMATCH");
    expect(err.what).toBe('column "x" is numeric in the reference but categorical in the current data');
    expect(err.fix).toContain("--exclude");
  });

  it("no shared columns", () => {
    const other = Frame.fromColumns({ y: numeric(uniform(20, 3)) });
    const err = errorOf(() => detectDrift(num, other));
    expect(err.code).toBe("E_DRIFT_NO_COLUMNS");
    expect(err.where).toBe("reference columns: x; current columns: y");
  });

  it("an unknown column, a test that does not fit the type, a threshold out of range", () => {
    expect(errorOf(() => detectDrift(num, num, { columns: ["nope"] })).code).toBe("E_DRIFT_UNKNOWN_COLUMN");
    const wrongTest = errorOf(() => detectDrift(cat, cat, { test: "ks" }));
    expect(wrongTest.code).toBe("E_DRIFT_TEST");
    expect(wrongTest.fix).toContain("chisquare");
    expect(errorOf(() => detectDrift(num, num, { threshold: 1.5 })).code).toBe("E_DRIFT_THRESHOLD");
    expect(errorOf(() => detectDrift(num, num, { test: "psi", threshold: -1 })).code).toBe(
      "E_DRIFT_THRESHOLD",
    );
    expect(errorOf(() => detectDrift(num, num, { driftShare: 0 })).code).toBe("E_DRIFT_SHARE");
  });
});

describe("prepared samples, for windows over a log", () => {
  it("one prepared reference compared with several windows gives detectDrift's results", () => {
    const refValues = uniform(5000, 11);
    const refCodes = codes(5000, 12, [1, 1, 2]);
    const reference = {
      x: numericSample(refValues),
      c: categoricalSample(refCodes, ["a", "b", "c"]),
    };
    const refFrame = Frame.fromColumns({
      x: numeric(refValues),
      c: categorical(refCodes, ["a", "b", "c"]),
    });
    for (const [seed, shift] of [
      [13, 0],
      [14, 0.2],
    ]) {
      const curValues = uniform(2000, seed, shift);
      const curCodes = codes(2000, seed + 100, [1, 1, 2]);
      const fromSamples = detectDriftSamples([
        { column: "x", reference: reference.x, current: numericSample(curValues) },
        { column: "c", reference: reference.c, current: categoricalSample(curCodes, ["a", "b", "c"]) },
      ]);
      const fromFrames = detectDrift(
        refFrame,
        Frame.fromColumns({ x: numeric(curValues), c: categorical(curCodes, ["a", "b", "c"]) }),
      );
      expect(fromSamples.features).toEqual(fromFrames.features);
      expect(fromSamples.datasetDrift).toBe(fromFrames.datasetDrift);
    }
  });

  it("compareSamples refuses samples of different types", () => {
    const err = errorOf(() =>
      compareSamples("x", numericSample(uniform(5, 1)), categoricalSample(Int32Array.of(0), ["a"])),
    );
    expect(err.code).toBe("E_DRIFT_TYPE_MISMATCH");
  });
});

describe("sorting and the KS merge", () => {
  it("sorts like Float64Array.prototype.sort (negatives, -0, ties, duplicates of every kind)", () => {
    const r = rng(99);
    for (const n of [10, 5000, 100_000]) {
      const values = Float64Array.from({ length: n }, (_, i) => {
        const u = r();
        if (i % 17 === 0) return -0;
        if (i % 13 === 0) return 0;
        if (i % 11 === 0) return Math.floor(u * 10) - 5;
        return (u - 0.5) * 10 ** Math.floor(u * 20 - 10);
      });
      values[3] = Number.NaN;
      values[7] = Number.POSITIVE_INFINITY;
      const { sorted, missing } = sortedFinite(values);
      expect(missing).toBe(2);
      const expected = values.filter((v) => Number.isFinite(v)).sort();
      expect(sorted.length).toBe(expected.length);
      for (let i = 0; i < sorted.length; i++) {
        if (!Object.is(sorted[i], expected[i]))
          expect.fail(`n=${n}: position ${i}: ${sorted[i]} != ${expected[i]}`);
      }
    }
  });

  it("computes D over ties at the end of each tied run, as scipy's searchsorted(side='right')", () => {
    const r = ks2Samp(Float64Array.of(1, 1, 2, 2), Float64Array.of(1, 2, 2, 2));
    expect(r.statistic).toBe(0.25);
  });
});
