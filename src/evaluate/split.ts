/**
 * Holdout split. Stratified, each class's test count is its exact share of the test set rounded down or
 * up (|count - nClass * nTest / n| < 1, largest remainders first, ties broken by the seed), and the test
 * set has exactly ceil(testSize * n) rows, as in scikit-learn. The permutation itself is our own seeded
 * one, not NumPy's, so the rows chosen differ from sklearn's.
 */
import { MlshipError } from "../core/errors.js";
import { type Column, columnLength } from "../core/frame.js";
import { Random } from "../core/random.js";
import { groupCodes } from "./groups.js";

export interface TrainTestSplitOptions {
  /** Fraction of rows (0 < testSize < 1) or a row count (>= 1) for the test set. Default 0.25. */
  testSize?: number;
  /** Keep the class proportions of this column in both parts. */
  stratify?: Column | Int32Array;
  /** Default 0. */
  seed?: number;
  /** Without shuffling the last rows are the test set (time-ordered data). Default true. */
  shuffle?: boolean;
}

export interface TrainTest {
  /** Row indices, ascending. */
  train: Int32Array;
  test: Int32Array;
}

function splitError(what: string, fix: string): MlshipError {
  return new MlshipError({ what, where: "split", fix, code: "E_SPLIT" });
}

export function testCount(n: number, testSize: number): number {
  const nTest = testSize < 1 ? Math.ceil(testSize * n) : testSize;
  if (!(testSize > 0) || !Number.isInteger(nTest) || nTest < 1 || nTest >= n) {
    throw splitError(
      `testSize ${testSize} leaves an empty train or test set for ${n} rows`,
      "use a fraction between 0 and 1, or a row count between 1 and n - 1",
    );
  }
  return nTest;
}

function partition(n: number, isTest: Uint8Array): TrainTest {
  let nTest = 0;
  for (let i = 0; i < n; i++) nTest += isTest[i];
  const train = new Int32Array(n - nTest);
  const test = new Int32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (isTest[i]) test[b++] = i;
    else train[a++] = i;
  }
  return { train, test };
}

/** Per-group test counts by the largest-remainder method: they sum to nTest and each is within 1 of its share. */
function allocate(sizes: Int32Array, n: number, nTest: number, rng: Random): Int32Array {
  const k = sizes.length;
  const counts = new Int32Array(k);
  const remainders = new Float64Array(k);
  let given = 0;
  for (let c = 0; c < k; c++) {
    const exact = (sizes[c] * nTest) / n;
    counts[c] = Math.floor(exact);
    remainders[c] = exact - counts[c];
    given += counts[c];
  }
  const order = rng.shuffle(Int32Array.from({ length: k }, (_, c) => c));
  // A stable sort after a shuffle: equal remainders end up in seeded random order.
  const ranked = [...order].sort((a, b) => remainders[b] - remainders[a]);
  for (let r = 0; given < nTest; r++, given++) counts[ranked[r]]++;
  return counts;
}

export function trainTestSplit(nOrY: number | Column, options: TrainTestSplitOptions = {}): TrainTest {
  const n = typeof nOrY === "number" ? nOrY : columnLength(nOrY);
  const nTest = testCount(n, options.testSize ?? 0.25);
  const rng = new Random(options.seed ?? 0);
  const isTest = new Uint8Array(n);
  if (options.stratify === undefined) {
    if (options.shuffle === false) isTest.fill(1, n - nTest);
    else {
      const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
      for (let r = 0; r < nTest; r++) isTest[perm[r]] = 1;
    }
    return partition(n, isTest);
  }
  if (options.shuffle === false) {
    throw splitError("a stratified split needs shuffling", "drop stratify, or keep shuffle on");
  }
  const strat = options.stratify;
  const m = strat instanceof Int32Array ? strat.length : columnLength(strat);
  if (m !== n) throw splitError(`stratify has ${m} rows, expected ${n}`, "stratify on the target column");
  const { codes, k } = groupCodes(strat);
  const sizes = new Int32Array(k);
  for (let i = 0; i < n; i++) sizes[codes[i]]++;
  const counts = allocate(sizes, n, nTest, rng);
  const perm = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  for (let r = 0; r < n; r++) {
    const i = perm[r];
    if (counts[codes[i]] > 0) {
      counts[codes[i]]--;
      isTest[i] = 1;
    }
  }
  return partition(n, isTest);
}
