/**
 * Tuning quality: on churn (HistGradientBoostingClassifier, ROC-AUC) and Ames (HistGradientBoostingRegressor,
 * R²), 50 TPE trials and 50 random trials over the same space, with the default median pruner, on
 * scikit-learn's folds (bench/data/tune_folds.json), for each seed in TUNE_SEEDS (the sampler's seed and the
 * model's); our defaults scored on the same folds as a check against the peer's. Gradient boosting is the
 * model tabular users tune first, and its defaults (learning rate, leaves, leaf size, L2) leave room to tune.
 *   node bench/tune.mjs
 * Reports means (± population std) over the seeds of each study's best CV score, the paired TPE - random
 * difference, and the mean time per study.
 */
import {
  crossValidate,
  defaultPrep,
  HistGradientBoostingClassifier,
  HistGradientBoostingRegressor,
  KFold,
  MedianPruner,
  Pipeline,
  RandomSampler,
  readFile,
  StratifiedKFold,
  searchSpace,
  TpeSampler,
  tuneCrossValidated,
} from "../dist/index.js";
import { dataJson, meanStd, predefinedFolds, repoFile, report, seconds } from "./lib.mjs";

// Ten seeds: with three, the spread of the paired TPE - random difference on Ames (0.0022) was larger
// than the difference itself, so the comparison said more about the seeds than about the samplers.
// MLSHIP_BENCH_TUNE_SEEDS ("0,1") and MLSHIP_BENCH_TUNE_TRIALS shorten the run for a quick check of the
// script (the peer reads the same seeds); the recorded run uses seeds 0-9 and 50 trials.
const TUNE_SEEDS = (process.env.MLSHIP_BENCH_TUNE_SEEDS ?? "0,1,2,3,4,5,6,7,8,9").split(",").map(Number);
const TRIALS = Number(process.env.MLSHIP_BENCH_TUNE_TRIALS ?? 50);
// MLSHIP_BENCH_TUNE_PROBLEMS ("churn") runs only some of the two problems, for the same reason.
const PROBLEMS = (process.env.MLSHIP_BENCH_TUNE_PROBLEMS ?? "churn,ames").split(",");

const foldOf = dataJson("tune_folds.json");
const sameFolds = foldOf !== null;

// The space a user would write for gradient boosting; 100 iterations as scikit-learn's default.
const boostingSpace = {
  learningRate: { float: [0.01, 0.5], log: true },
  maxLeafNodes: { int: [4, 128], log: true },
  minSamplesLeaf: { int: [2, 200], log: true },
  l2Regularization: { float: [1e-6, 10], log: true },
};

async function problem({ file, target, positive, Model, space, primary, folds, ownCv }) {
  const frame = await readFile(repoFile(file));
  const X = frame.drop([target]);
  const y = frame.column(target);
  const cv = sameFolds ? predefinedFolds(folds) : ownCv;
  const prep = () => defaultPrep(X, { scale: false }).pipeline.steps;
  const pipe = (params) =>
    new Pipeline([...prep(), ["model", new Model({ nEstimators: 100, nJobs: 1, ...params })]]);
  const out = { tpe: [], random: [], defaults: [], tpeS: [], randomS: [] };
  for (const seed of TUNE_SEEDS) {
    const d = crossValidate(pipe({ randomState: seed }), X, y, {
      cv,
      scoring: [primary],
      ...(positive === undefined ? {} : { positiveClass: positive }),
    });
    out.defaults.push(d.mean[primary]);
    for (const [name, sampler] of [
      ["tpe", () => new TpeSampler()],
      ["random", () => new RandomSampler()],
    ]) {
      const { value, s } = await seconds(() =>
        tuneCrossValidated({
          space: searchSpace(space),
          estimator: (params) => pipe({ ...params, randomState: seed }),
          X,
          y,
          cv,
          primary,
          ...(positive === undefined ? {} : { positiveClass: positive }),
          sampler: sampler(),
          pruner: new MedianPruner(),
          trials: TRIALS,
          seed,
        }),
      );
      out[name].push(value.best.value);
      out[`${name}S`].push(s);
      console.error(
        `${file} seed ${seed} ${name}: best ${value.best.value.toFixed(4)} in ${s.toFixed(0)} s (${value.threads} threads)`,
      );
    }
  }
  return out;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const metrics = {};
for (const [key, spec] of [
  [
    "churn",
    {
      file: "examples/churn/wa_churn.csv",
      target: "churn",
      positive: "Yes",
      Model: HistGradientBoostingClassifier,
      space: boostingSpace,
      primary: "roc_auc",
      folds: foldOf?.churn,
      ownCv: new StratifiedKFold({ nSplits: 5, shuffle: true, seed: 0 }),
    },
  ],
  [
    "ames",
    {
      file: "examples/ames/ames.csv",
      target: "Sale_Price",
      Model: HistGradientBoostingRegressor,
      space: boostingSpace,
      primary: "r2",
      folds: foldOf?.ames,
      ownCv: new KFold({ nSplits: 5, shuffle: true, seed: 0 }),
    },
  ],
]) {
  if (!PROBLEMS.includes(key)) continue;
  const r = await problem(spec);
  Object.assign(
    metrics,
    meanStd(`${key}Default`, r.defaults),
    meanStd(`${key}Tpe`, r.tpe),
    meanStd(`${key}Random`, r.random),
  );
  Object.assign(
    metrics,
    meanStd(
      `${key}TpeMinusRandom`,
      r.tpe.map((v, i) => v - r.random[i]),
    ),
  );
  metrics[`${key}TpeWins`] = r.tpe.filter((v, i) => v >= r.random[i]).length;
  metrics[`${key}TpeS`] = mean(r.tpeS);
  metrics[`${key}RandomS`] = mean(r.randomS);
}
report(metrics, { folds: sameFolds ? "scikit-learn's" : "ours", seeds: TUNE_SEEDS, trials: TRIALS });
