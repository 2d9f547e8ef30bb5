/**
 * K-fold cross-validation splitters. Without shuffling both reproduce scikit-learn exactly: KFold's
 * contiguous folds (the first n % k folds one row larger) and StratifiedKFold's allocation (each class's
 * rows dealt over the folds so per-fold class counts differ by at most one). With shuffling the
 * guarantees hold but the permutation comes from our seeded PRNG, not NumPy's.
 */
import { MlshipError } from "../core/errors.js";
import { type Column, columnLength } from "../core/frame.js";
import { Random } from "../core/random.js";
import { groupCodes } from "./groups.js";

export interface Fold {
  /** Row indices, ascending. */
  train: Int32Array;
  test: Int32Array;
}

export interface CrossValidator {
  readonly nSplits: number;
  split(y: number | Column | Int32Array): Generator<Fold>;
}

export interface KFoldOptions {
  /** Default 5. */
  nSplits?: number;
  /** Default false. */
  shuffle?: boolean;
  /** Used only when shuffling. Default 0. */
  seed?: number;
}

function cvError(what: string, fix: string): MlshipError {
  return new MlshipError({ what, where: "cross-validation", fix, code: "E_CV" });
}

function checkSplits(nSplits: number): number {
  if (!Number.isInteger(nSplits) || nSplits < 2) {
    throw cvError(`nSplits must be an integer >= 2, got ${nSplits}`, "use at least 2 folds");
  }
  return nSplits;
}

function lengthOf(y: number | Column | Int32Array): number {
  return typeof y === "number" ? y : y instanceof Int32Array ? y.length : columnLength(y);
}

/** Folds from a per-row fold id. */
function* foldsOf(foldOf: Int32Array, nSplits: number): Generator<Fold> {
  const n = foldOf.length;
  for (let f = 0; f < nSplits; f++) {
    let m = 0;
    for (let i = 0; i < n; i++) if (foldOf[i] === f) m++;
    const test = new Int32Array(m);
    const train = new Int32Array(n - m);
    let a = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (foldOf[i] === f) test[b++] = i;
      else train[a++] = i;
    }
    yield { train, test };
  }
}

export class KFold implements CrossValidator {
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly seed: number;

  constructor(options: KFoldOptions = {}) {
    this.nSplits = checkSplits(options.nSplits ?? 5);
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
  }

  split(y: number | Column | Int32Array): Generator<Fold> {
    const n = lengthOf(y);
    if (this.nSplits > n) {
      throw cvError(`cannot make ${this.nSplits} folds of ${n} rows`, "use fewer folds than rows");
    }
    const order = Int32Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) new Random(this.seed).shuffle(order);
    const foldOf = new Int32Array(n);
    const base = Math.floor(n / this.nSplits);
    const extra = n % this.nSplits;
    let r = 0;
    for (let f = 0; f < this.nSplits; f++) {
      const size = base + (f < extra ? 1 : 0);
      for (let j = 0; j < size; j++) foldOf[order[r++]] = f;
    }
    return foldsOf(foldOf, this.nSplits);
  }
}

export class StratifiedKFold implements CrossValidator {
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly seed: number;

  constructor(options: KFoldOptions = {}) {
    this.nSplits = checkSplits(options.nSplits ?? 5);
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
  }

  /** `y` is the target; missing values are stratified as a class of their own. */
  split(y: number | Column | Int32Array): Generator<Fold> {
    if (typeof y === "number") {
      throw cvError("StratifiedKFold needs the target column, not a row count", "pass y to split()");
    }
    const k = this.nSplits;
    // Classes numbered by first appearance, as sklearn does.
    const { codes, k: nClasses } = groupCodes(y);
    const n = codes.length;
    const sizes = new Int32Array(nClasses);
    for (let i = 0; i < n; i++) sizes[codes[i]]++;
    if (sizes.every((s) => k > s)) {
      throw cvError(
        `cannot make ${k} stratified folds: every class has fewer than ${k} rows`,
        "use fewer folds, or KFold",
      );
    }
    // allocation[f][c]: rows of class c in fold f, dealt round-robin over the rows sorted by class.
    const allocation = new Int32Array(k * nClasses);
    let p = 0;
    for (let c = 0; c < nClasses; c++) {
      for (let j = 0; j < sizes[c]; j++, p++) allocation[(p % k) * nClasses + c]++;
    }
    const members: number[][] = Array.from({ length: nClasses }, () => []);
    for (let i = 0; i < n; i++) members[codes[i]].push(i);
    const rng = new Random(this.seed);
    const foldOf = new Int32Array(n);
    for (let c = 0; c < nClasses; c++) {
      const folds = new Int32Array(sizes[c]);
      let r = 0;
      for (let f = 0; f < k; f++) for (let j = 0; j < allocation[f * nClasses + c]; j++) folds[r++] = f;
      if (this.shuffle) rng.shuffle(folds);
      members[c].forEach((i, j) => {
        foldOf[i] = folds[j];
      });
    }
    return foldsOf(foldOf, k);
  }
}
