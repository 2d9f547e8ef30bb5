import { describe, expect, it } from "vitest";
import { boolean, type Column, categorical, numeric } from "../../src/core/frame.js";
import { type Fold, KFold, StratifiedKFold, trainTestSplit } from "../../src/evaluate/index.js";
import { loadXy } from "../support/fixtures.js";

/** Train and test are ascending, disjoint and together cover 0..n-1. */
function expectPartition(train: Int32Array, test: Int32Array, n: number): void {
  const seen = new Uint8Array(n);
  let ok = train.length + test.length === n;
  for (const part of [train, test]) {
    for (let i = 0; i < part.length; i++) {
      ok &&= part[i] >= 0 && part[i] < n && seen[part[i]] === 0 && (i === 0 || part[i] > part[i - 1]);
      seen[part[i]] = 1;
    }
  }
  expect(ok, "train/test are ascending, disjoint and cover every row").toBe(true);
}

function classCounts(codes: Int32Array, rows: Int32Array, k: number): number[] {
  const out = new Array<number>(k).fill(0);
  for (const i of rows) out[codes[i]]++;
  return out;
}

/** 1000 rows, classes of 700 / 200 / 77 / 23: uneven on purpose. */
const imbalanced = categorical(
  Int32Array.from({ length: 1000 }, (_, i) => (i % 1000 < 700 ? 0 : i < 900 ? 1 : i < 977 ? 2 : 3)),
  ["a", "b", "c", "d"],
);

describe("trainTestSplit", () => {
  it("takes ceil(testSize * n) test rows, partitions all rows, and is reproducible per seed", () => {
    for (const [n, testSize, nTest] of [
      [100, 0.2, 20],
      [101, 0.2, 21],
      [7, 0.5, 4],
      [50, 13, 13],
    ]) {
      const a = trainTestSplit(n, { testSize, seed: 3 });
      expect(a.test.length).toBe(nTest);
      expectPartition(a.train, a.test, n);
      expect(trainTestSplit(n, { testSize, seed: 3 })).toEqual(a);
    }
    expect(trainTestSplit(100, { seed: 1 }).test).not.toEqual(trainTestSplit(100, { seed: 2 }).test);
  });

  it("without shuffling, the test set is the last rows", () => {
    const { train, test } = trainTestSplit(10, { testSize: 0.3, shuffle: false });
    expect([...test]).toEqual([7, 8, 9]);
    expect([...train]).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("stratified: every class's test count is within 1 of its exact share, the total is exact", () => {
    const { y: iris } = loadXy("iris.csv", "target", true);
    const cases: Array<[Column, number]> = [
      [imbalanced, 0.2],
      [imbalanced, 0.33],
      [imbalanced, 0.05],
      [iris, 0.25],
      [iris, 0.1],
    ];
    for (const [y, testSize] of cases) {
      const codes = (y as Extract<Column, { type: "categorical" }>).codes;
      const k = Math.max(...codes) + 1;
      const n = codes.length;
      const sizes = classCounts(
        codes,
        Int32Array.from({ length: n }, (_, i) => i),
        k,
      );
      for (let seed = 0; seed < 20; seed++) {
        const { train, test } = trainTestSplit(y, { testSize, stratify: y, seed });
        expectPartition(train, test, n);
        expect(test.length).toBe(Math.ceil(testSize * n));
        classCounts(codes, test, k).forEach((c, j) => {
          expect(Math.abs(c - (sizes[j] * test.length) / n)).toBeLessThan(1);
        });
      }
    }
  });

  it("stratifies on boolean and numeric columns, missing values as a group of their own", () => {
    const b = boolean(Int8Array.from({ length: 60 }, (_, i) => (i < 40 ? 1 : i < 50 ? 0 : -1)));
    const { test } = trainTestSplit(60, { testSize: 0.5, stratify: b, seed: 1 });
    const count = (v: number) => [...test].filter((i) => b.values[i] === v).length;
    expect([count(1), count(0), count(-1)]).toEqual([20, 5, 5]);
    const x = numeric(Float64Array.from({ length: 40 }, (_, i) => (i < 30 ? 2.5 : Number.NaN)));
    const s = trainTestSplit(40, { testSize: 0.25, stratify: x, seed: 4 });
    // 10 of 40 rows missing, 10 test rows: the missing group's share is 2.5.
    expect([2, 3]).toContain([...s.test].filter((i) => Number.isNaN(x.values[i])).length);
  });

  it("rejects sizes that leave a part empty", () => {
    for (const testSize of [0, 10, 0.95, -0.2, 2.5]) {
      expect(() => trainTestSplit(10, { testSize })).toThrow(expect.objectContaining({ code: "E_SPLIT" }));
    }
    expect(() => trainTestSplit(10, { stratify: imbalanced })).toThrow(/stratify has 1000 rows/);
  });
});

function checkFolds(folds: Fold[], n: number, k: number): void {
  expect(folds).toHaveLength(k);
  const tested = new Array<number>(n).fill(0);
  for (const f of folds) {
    expectPartition(f.train, f.test, n);
    for (const i of f.test) tested[i]++;
  }
  expect(tested.every((t) => t === 1)).toBe(true);
}

describe("KFold", () => {
  it("shuffled folds keep sklearn's sizes, cover every row once and depend on the seed", () => {
    const a = [...new KFold({ nSplits: 6, shuffle: true, seed: 5 }).split(53)];
    checkFolds(a, 53, 6);
    expect(a.map((f) => f.test.length)).toEqual([9, 9, 9, 9, 9, 8]);
    const b = [...new KFold({ nSplits: 6, shuffle: true, seed: 5 }).split(53)];
    expect(b).toEqual(a);
    const c = [...new KFold({ nSplits: 6, shuffle: true, seed: 6 }).split(53)];
    expect(c.map((f) => [...f.test])).not.toEqual(a.map((f) => [...f.test]));
    expect([...a[0].test]).not.toEqual(Array.from({ length: 9 }, (_, i) => i));
  });

  it("rejects fewer than 2 folds and more folds than rows", () => {
    expect(() => new KFold({ nSplits: 1 })).toThrow(expect.objectContaining({ code: "E_CV" }));
    expect(() => [...new KFold({ nSplits: 5 }).split(4)]).toThrow(/cannot make 5 folds of 4 rows/);
  });
});

describe("StratifiedKFold", () => {
  it("spreads each class evenly: per-fold class counts differ by at most 1, with and without shuffling", () => {
    for (const shuffle of [false, true]) {
      for (const k of [2, 3, 5, 10]) {
        const folds = [...new StratifiedKFold({ nSplits: k, shuffle, seed: 11 }).split(imbalanced)];
        checkFolds(folds, 1000, k);
        const perFold = folds.map((f) => classCounts(imbalanced.codes, f.test, 4));
        for (let c = 0; c < 4; c++) {
          const counts = perFold.map((r) => r[c]);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it("shuffling changes which rows go together, reproducibly", () => {
    const a = [...new StratifiedKFold({ nSplits: 4, shuffle: true, seed: 1 }).split(imbalanced)];
    const b = [...new StratifiedKFold({ nSplits: 4, shuffle: true, seed: 1 }).split(imbalanced)];
    const c = [...new StratifiedKFold({ nSplits: 4 }).split(imbalanced)];
    expect(b).toEqual(a);
    expect(a.map((f) => [...f.test])).not.toEqual(c.map((f) => [...f.test]));
  });

  it("needs the target and enough rows in some class", () => {
    expect(() => [...new StratifiedKFold().split(100)]).toThrow(/needs the target column/);
    const tiny = categorical(Int32Array.of(0, 0, 1, 1, 2), ["a", "b", "c"]);
    expect(() => [...new StratifiedKFold({ nSplits: 3 }).split(tiny)]).toThrow(
      /every class has fewer than 3/,
    );
  });
});
