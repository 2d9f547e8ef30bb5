/**
 * Ridge (alpha 1) 5-fold CV R² on log(price) of /work/shared/datasets/diamonds.csv, default preparation
 * (scaled numerics, one-hot categoricals), KFold(5, shuffle, seed 0).
 *   node bench/diamonds-ridge.mjs [path]
 */
import { crossValidate, defaultPrep, KFold, numeric, Pipeline, Ridge, readFile } from "../dist/index.js";
import { report, seconds } from "./lib.mjs";

const frame = await readFile(process.argv[2] ?? "/work/shared/datasets/diamonds.csv");
const X = frame.drop(["price"]);
const y = numeric(frame.numeric("price").map(Math.log));
const pipe = new Pipeline([...defaultPrep(X, { scale: true }).pipeline.steps, ["model", new Ridge()]]);
const { value, s } = await seconds(() =>
  crossValidate(pipe, X, y, { cv: new KFold({ nSplits: 5, shuffle: true, seed: 0 }), scoring: ["r2"] }),
);
report({ r2: value.mean.r2, cvS: s });
