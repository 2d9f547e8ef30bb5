/**
 * HistGradientBoostingRegressor with sklearn 1.2's defaults, 5-fold CV R² on log(price) of
 * bench/datasets/diamonds.csv, on scikit-learn's KFold(5, shuffle, random_state=0) folds
 * (bench/folds.py): after the default preparation (median imputation, one-hot), and natively (cut, color
 * and clarity split as categories). Early stopping is on (more than 10,000 rows), as in sklearn.
 *   node bench/hgb-diamonds.mjs
 */
import {
  crossValidate,
  defaultPrep,
  HistGradientBoostingRegressor,
  KFold,
  numeric,
  Pipeline,
  readFile,
} from "../dist/index.js";
import { dataJson, predefinedFolds, repoFile, report, seconds } from "./lib.mjs";

const frame = await readFile(repoFile("bench/datasets/diamonds.csv"));
const X = frame.drop(["price"]);
const y = numeric(frame.numeric("price").map(Math.log));

const foldOf = dataJson("diamonds_folds.json");
const cvSplit = foldOf ? predefinedFolds(foldOf) : new KFold({ nSplits: 5, shuffle: true, seed: 0 });

async function cv(native) {
  const prep = defaultPrep(X, { scale: false, native }).pipeline;
  const pipe = new Pipeline([
    ...prep.steps,
    ["model", new HistGradientBoostingRegressor({ randomState: 0 })],
  ]);
  const { value, s } = await seconds(() => crossValidate(pipe, X, y, { cv: cvSplit, scoring: ["r2"] }));
  return { r2: value.mean.r2, s };
}

const oneHot = await cv(false);
const native = await cv(true);
report(
  { r2OneHot: oneHot.r2, cvOneHotS: oneHot.s, r2Native: native.r2, cvNativeS: native.s },
  { folds: foldOf ? "scikit-learn's" : "ours" },
);
