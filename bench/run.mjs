/**
 * Runs the benchmarks, each side in its own child process (so peak RSS is per benchmark and per side),
 * prints a summary and writes bench/RESULTS.md.
 *   npm run build && node bench/run.mjs [--repeat N] [name ...]
 * Every process runs N times (default 3); times keep the best run, peak RSS the largest. Peers run with
 * Debian's Python (/usr/bin/python3, scikit-learn; MLSHIP_BENCH_PYTHON overrides); without it or a peer's
 * package, a benchmark reports ours only and says "peer not available". A peer with `node` args is a Node
 * script (driving a Python server, as bench/serve.mjs --peer does) that needs the peer's Python modules.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../dist/core/fs.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const resultsPath = `${here}RESULTS.md`;
// Debian's Python has scikit-learn; the plain `python3` on PATH may not. Overridable to test the fallback.
const python = process.env.MLSHIP_BENCH_PYTHON ?? "/usr/bin/python3";

const time = (key, label, target) => ({ key, label, kind: "time", target });
/** Kept as the largest over the runs and shown whole: throughput (the best run), errors and memory (the worst). */
const most = (key, label, target) => ({ key, label, kind: "max", target });
/** With `std`, the metric is a mean over seeds and `${key}Std` its standard deviation, shown as mean ± std. */
const score = (key, label, target, std = false) => ({ key, label, kind: "score", target, std });
const below = (limit) => ({ text: `< ${limit} s`, met: (o) => o < limit });
const belowMs = (limit) => ({ text: `< ${limit} ms`, met: (o) => o < limit });
const atMostMs = (limit) => ({ text: `<= ${limit} ms`, met: (o) => o <= limit });
const atLeast = (limit) => ({ text: `>= ${limit}`, met: (o) => o >= limit });
const withinOfPeer = (tol) => ({
  text: `>= peer - ${tol}`,
  met: (o, p) => (p === undefined ? null : o >= p - tol),
});
const atLeastPeer = { text: ">= peer", met: (o, p) => (p === undefined ? null : o >= p) };
// Scores of the same trees differ from the peer's only in the last bits of the float sums.
const atLeastPeerScore = { text: ">= peer", met: (o, p) => (p === undefined ? null : o >= p - 1e-9) };
const noSlowerThanPeer = { text: "<= peer", met: (o, p) => (p === undefined ? null : o <= p) };
const sameAsPeer = { text: "= peer", met: (o, p) => (p === undefined ? null : o === p) };

/** How bench/serve.mjs loaded the servers and what else used the cores, from what this run measured. */
function serveNote(ours, peer) {
  const cpu = (c) => (c ? `server ${c.server.toFixed(0)}%, autocannon ${c.load.toFixed(0)}%` : "not run");
  const side = (name, r) => `${name}: 1 worker ${cpu(r.cpu1)}; 2 workers ${cpu(r.cpu2)}`;
  return [
    "Loopback on the machine's 2 cores, shared by the server and the load generator (autocannon in the",
    "bench process's main thread, no worker threads, and the paced client). CPU during the max-throughput",
    `runs, in % of one core (200% = both): ${side("mlship", ours)}${peer ? `; ${side("peer", peer)}` : ""}.`,
    'Request: one churn record as `{"records": [...]}`. Latency runs from the request\'s write to the end of',
    "its answer, collected per response (autocannon's own histogram keeps whole milliseconds).",
    "autocannon's overallRate gives each of its 10 connections a quota per second that it sends back to",
    'back, so "1,000 req/s" arrives as bursts of up to 10 concurrent requests; the paced rows send one',
    "request every millisecond on free keep-alive sockets whatever the answers (open loop: a stalled server",
    "is still sent its requests, and each measures the stall; latency from the client's call, and the",
    `client's timer ran up to ${ours.pacedLagMs?.toFixed(1)} ms late).`,
    "Max throughput: 50 connections for 10 s after a 3 s warm-up. Server CPU per request: the server's",
    "processes' CPU time (all threads, from /proc) over the requests answered, the measure that holds when",
    "other work shares the machine.",
    "Batches: the 7,043 churn rows cycled to 10,000, as JSON records and as CSV, 2 warm-up and 20 timed",
    "requests each, time to the whole answer (mlship serves with --max-rows 10000 and answers CSV with CSV).",
    "mlship also writes every row to its prediction log (the peer keeps none); before each batch the bench",
    "waits until the log's queue is empty (/metrics), so each batch is timed on its own: the median wait",
    `was ${ours.logDrainMs?.json?.toFixed(0)} ms after a JSON batch, ${ours.logDrainMs?.csv?.toFixed(0)} ms after a CSV one.`,
    "Peak RSS: the sum of VmHWM over the server's processes (2 workers: the primary or supervisor and the",
    "workers, and Python's resource tracker); for 1 worker it includes the batches.",
    `mlship: the champion (${ours.champion}) trained by \`mlship train\` on a temp copy of examples/churn;`,
    `tree ${ours.tree}.${ours.noWorkers ? ` 2 workers not run: ${ours.noWorkers}.` : ""}`,
    peer
      ? `Peer: bench/peers/serve_sklearn.py (scikit-learn, FastAPI, uvicorn: ${peer.versions}; uvloop and ` +
        "httptools, all from Debian): the same preparation and LogisticRegression(C=1), fitted in its own " +
        "process; a pandas DataFrame from the body, then predict_proba, as MLflow's scoring server does; 1 or " +
        "2 uvicorn workers."
      : "",
    "Ratios are mlship / peer: below 1 is better for times, above 1 for req/s.",
  ]
    .filter(Boolean)
    .join(" ")
    .replace(/ {2,}/g, " ");
}

const benchmarks = {
  "load-csv": {
    title: "load-csv: 1,000,000 x 20 CSV into a Frame",
    ours: ["load-csv.mjs"],
    peer: { script: "load-csv.peer.py", modules: ["pandas"], name: "pandas.read_csv" },
    floor: { args: ["load-csv.mjs", "--duckdb"], key: "parseS", name: "DuckDB parse to a temp table" },
    prepare: () => {
      if (!existsSync(`${here}data/bench-1m.csv`))
        execFileSync("node", [`${here}make-csv.mjs`], { stdio: "inherit" });
    },
    rows: [
      time("loadS", "readFile -> Frame (s)", below(5)),
      time("inferSchemaS", "inferSchema (s)"),
      time("fingerprintS", "fingerprint (s)"),
    ],
  },
  "churn-cv": {
    title: "churn-cv: wa_churn 5-fold stratified CV ROC-AUC, default preparation",
    ours: ["churn-cv.mjs"],
    peer: { script: "churn-cv.peer.py", modules: ["sklearn", "pandas"], name: "scikit-learn" },
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/churn_folds.json`)) {
        execFileSync(python, [`${here}churn-folds.py`], { stdio: "inherit" });
      }
    },
    rows: [
      score("lrAuc", "LogisticRegression ROC-AUC", atLeast(0.845)),
      time("lrS", "LogisticRegression CV time (s)", noSlowerThanPeer),
      score("rfAuc", "RandomForest(200) ROC-AUC, 5 seeds", atLeast(0.825), true),
      time("rfS", "RandomForest(200, 2 threads) CV time (s, mean per seed)", noSlowerThanPeer),
    ],
    note:
      "RandomForest: both sides fit seeds 0-4 on the same folds; scores are mean ± population std over the " +
      "seeds, and the target is judged on the mean (one seed's score is one random draw).",
  },
  "synthetic-200k": {
    title: "synthetic-200k: make_classification 200k x 30, fit 160k, score 40k",
    ours: ["synthetic-200k.mjs"],
    peer: { script: "synthetic-200k.peer.py", modules: ["sklearn"], name: "scikit-learn" },
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/synth_X.f64`)) {
        execFileSync(python, [`${here}make-classification.py`], { stdio: "inherit" });
      }
    },
    rows: [
      time("lrFitS", "LogisticRegression fit (s)", noSlowerThanPeer),
      score("lrAccuracy", "LogisticRegression accuracy", withinOfPeer(0.005)),
      time("rfFitS", "RandomForest(50, 2 threads) fit (s)", noSlowerThanPeer),
      score("rfAccuracy", "RandomForest accuracy", withinOfPeer(0.005)),
      time("pipePredictS", "Pipeline(scaler + LR) predict 40k (s, best of 5)", noSlowerThanPeer),
    ],
  },
  "diamonds-ridge": {
    title: "diamonds-ridge: Ridge 5-fold CV R² on log(price)",
    ours: ["diamonds-ridge.mjs"],
    peer: { script: "diamonds-ridge.peer.py", modules: ["sklearn", "pandas"], name: "scikit-learn" },
    rows: [score("r2", "Ridge R²", withinOfPeer(0.001)), time("cvS", "CV time (s)")],
  },
  "hgb-synthetic": {
    title:
      "hgb-synthetic: HistGradientBoostingClassifier, make_classification 200k x 30, fit 160k (100 iterations, no early stopping, 2 threads), score 40k",
    ours: ["hgb-synthetic.mjs"],
    peer: { script: "hgb-synthetic.peer.py", modules: ["sklearn"], name: "scikit-learn" },
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/synth_X.f64`)) {
        execFileSync(python, [`${here}make-classification.py`], { stdio: "inherit" });
      }
    },
    rows: [
      time("fitS", "fit (s)", noSlowerThanPeer),
      time("fitCpuS", "fit CPU time, all threads (s)"),
      score("accuracy", "test accuracy", withinOfPeer(0.005)),
      time("predictS", "predict_proba 40k rows (s, best of 5)", noSlowerThanPeer),
      time("xgbFitS", "fit (s), peer column: xgboost 1.7 hist"),
      score("xgbAccuracy", "test accuracy, peer column: xgboost 1.7 hist"),
    ],
    note:
      "Both sides: 100 iterations, no early stopping, sklearn 1.2's other defaults (learning rate 0.1, 31 leaves, " +
      "20 samples per leaf, 255 bins), 2 threads. The xgboost rows compare the same mlship figures with " +
      "XGBClassifier(tree_method='hist', n_estimators=100, n_jobs=2), its defaults otherwise (depth 6, learning " +
      "rate 0.3), run in the peer's process after scikit-learn.",
  },
  "hgb-churn": {
    title: "hgb-churn: HistGradientBoostingClassifier (defaults), wa_churn 5-fold stratified CV ROC-AUC",
    ours: ["hgb-churn.mjs"],
    peer: { script: "hgb-churn.peer.py", modules: ["sklearn", "pandas"], name: "scikit-learn" },
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/churn_folds.json`)) {
        execFileSync(python, [`${here}churn-folds.py`], { stdio: "inherit" });
      }
    },
    rows: [
      score("aucOneHot", "ROC-AUC, median impute + one-hot", atLeastPeerScore),
      time("cvOneHotS", "CV time, median impute + one-hot (s)"),
      score("aucNative", "ROC-AUC, native missing values and categories", atLeastPeerScore),
      time("cvNativeS", "CV time, native (s)"),
    ],
    note:
      "Both sides score scikit-learn's StratifiedKFold(5, shuffle, random_state=0) folds. Native: mlship's " +
      "default preparation for models with native inputs; sklearn: OrdinalEncoder + categorical_features. " +
      "The issue's 0.8346 is scikit-learn's one-hot score rounded (0.834592 unrounded), so the target is " +
      "scikit-learn's score in the same run, allowing 1e-9 for the order of float sums (both grow the same trees).",
  },
  "hgb-diamonds": {
    title: "hgb-diamonds: HistGradientBoostingRegressor (defaults), diamonds 5-fold CV R² on log(price)",
    ours: ["hgb-diamonds.mjs"],
    peer: { script: "hgb-diamonds.peer.py", modules: ["sklearn", "pandas"], name: "scikit-learn" },
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/diamonds_folds.json`)) {
        execFileSync(python, [`${here}folds.py`], { stdio: "inherit" });
      }
    },
    rows: [
      score("r2OneHot", "R², median impute + one-hot", atLeast(0.9915)),
      time("cvOneHotS", "CV time, median impute + one-hot (s)"),
      score("r2Native", "R², native categories", atLeast(0.9915)),
      time("cvNativeS", "CV time, native (s)"),
    ],
    note:
      "Both sides score scikit-learn's KFold(5, shuffle, random_state=0) folds of bench/datasets/diamonds.csv; " +
      "early stopping is on (more than 10,000 rows), each side drawing its own validation share with seed 0.",
  },
  "hgb-memory": {
    title: "hgb-memory: binning 1,000,000 x 50 (2% missing) and a 10-iteration fit",
    ours: ["hgb-memory.mjs"],
    peer: { script: "hgb-memory.peer.py", modules: ["sklearn"], name: "scikit-learn" },
    rows: [
      most("binnedMb", "binned data (MB)"),
      time("binS", "binning: thresholds + bins (s)"),
      time("fitS", "HistGradientBoostingRegressor, 10 iterations, 2 threads (s)"),
      most("inputsRssMb", "RSS with the float64 inputs alone (MB)"),
    ],
    note:
      "The bins are one uint8 per value (255 bins plus one for missing values), column-major, in a WebAssembly " +
      "memory with the gradients, the sample partition and the node histograms; the peak RSS includes the 400 MB of " +
      "float64 inputs and, for mlship, the Frame the fit reads them from.",
  },
  serve: {
    title: "serve: the churn champion over HTTP on loopback (single rows, throughput, 10,000-row batches)",
    ours: ["serve.mjs"],
    peer: {
      node: ["serve.mjs", "--peer"],
      modules: ["sklearn", "pandas", "fastapi", "uvicorn"],
      name: "scikit-learn + FastAPI",
    },
    rssLabel: "peak RSS, server with 1 worker (MB, VmHWM)",
    rows: [
      time("rateP50Ms", "1 worker, autocannon overallRate 1,000 req/s: p50 (ms)"),
      time("rateP99Ms", "1 worker, autocannon overallRate 1,000 req/s: p99 (ms)", atMostMs(5)),
      time("rateMaxMs", "1 worker, autocannon overallRate 1,000 req/s: max (ms)"),
      most("rateRps", "1 worker, autocannon overallRate 1,000 req/s: achieved (req/s)"),
      most("rateErrors", "1 worker, autocannon overallRate 1,000 req/s: errors"),
      time("pacedP50Ms", "1 worker, paced 1,000 req/s (one per ms): p50 (ms)"),
      time("pacedP99Ms", "1 worker, paced 1,000 req/s (one per ms): p99 (ms)", atMostMs(5)),
      time("pacedMaxMs", "1 worker, paced 1,000 req/s (one per ms): max (ms)"),
      most("pacedErrors", "1 worker, paced 1,000 req/s (one per ms): errors"),
      time("pacedCpuUs", "1 worker, paced 1,000 req/s: server CPU per request (µs)"),
      most("max1Rps", "1 worker, max throughput, 50 connections (req/s)"),
      time("max1P99Ms", "1 worker, max throughput: p99 (ms)"),
      time("max1CpuUs", "1 worker, max throughput: server CPU per request (µs)"),
      time("max1LoadCpuUs", "1 worker, max throughput: autocannon CPU per request (µs)"),
      most("max2Rps", "2 workers, max throughput, 50 connections (req/s)", atLeast(5000)),
      time("max2P99Ms", "2 workers, max throughput: p99 (ms)"),
      time("max2CpuUs", "2 workers, max throughput: server CPU per request (µs)"),
      time("max2LoadCpuUs", "2 workers, max throughput: autocannon CPU per request (µs)"),
      time("batchJsonMs", "10,000-row batch, JSON records: median (ms)", belowMs(200)),
      time("batchJsonP95Ms", "10,000-row batch, JSON records: p95 (ms)"),
      time("batchCsvMs", "10,000-row batch, CSV: median (ms)", belowMs(200)),
      time("batchCsvP95Ms", "10,000-row batch, CSV: p95 (ms)"),
      most("rss2Mb", "peak RSS, server with 2 workers (MB, sum over its processes)"),
    ],
    note: serveNote,
  },
  "runs-search": {
    title:
      'runs-search: 10,000 runs x 20 metrics; filter `metrics.m3 > 0.5 and params.model = "rf"` (1,250 match) by metrics.m7 DESC',
    ours: ["runs-search.mjs"],
    // MLflow's own store is the natural peer, but it is not installed here.
    peer: null,
    rows: [
      time("listPageMs", "list, first page of 100 (ms, median of 7)"),
      time("filterPageMs", "filter + order, first page of 100 (ms, median of 7)", belowMs(200)),
      time("filterAllMs", "filter + order, all 1,250 matches (ms, median of 7)", belowMs(200)),
      time("listAllMs", "list all 10,000 runs with their metrics (ms, median of 7)"),
    ],
  },
  drift: {
    title:
      "drift: 1,000,000 current rows x 50 features (40 numeric, 10 categorical) against 100,000 reference rows",
    ours: ["drift.mjs"],
    peer: { script: "drift.peer.py", modules: ["scipy", "pandas"], name: "scipy" },
    prepare: () => {
      if (!existsSync(`${here}data/drift-meta.json`))
        execFileSync("node", [`${here}drift-data.mjs`], { stdio: "inherit" });
    },
    rows: [
      time("presetS", "preset: normed Wasserstein + Jensen-Shannon, wall (s)", below(5)),
      time("presetCpuS", "preset: CPU time (s)"),
      score("presetDrifted", "preset: features drifted", sameAsPeer),
      time("testsS", "KS on every numeric, chi-square on every categorical, wall (s)", below(5)),
      time("testsCpuS", "KS + chi-square: CPU time (s)"),
      score("testsDrifted", "KS + chi-square: features drifted", sameAsPeer),
      time("prepareReferenceS", "window case: prepare the reference once (s)"),
      time("windowS", "window case: preset against the prepared reference (s)"),
    ],
    note:
      "Frames in memory on both sides (bench/drift-data.mjs writes the arrays; reading them is not timed). " +
      "mlship: detectDrift, one process, one thread. Peer: bench/drift.peer.py, the same tests with scipy " +
      "(ks_2samp, chi2_contingency, wasserstein_distance, jensenshannon) per feature, with Evidently's " +
      "nunique rule via pandas in the preset. Features 0-7 and categorical 0-1 are shifted, so 10 drift " +
      "by design; KS also flags about 5% of the 40 unshifted numeric features at p < 0.05.",
  },
  monitor: {
    title: "monitor: drift of the latest 100,000 and 1,000,000 logged predictions against the training data",
    ours: ["monitor.mjs"],
    peer: {
      script: "monitor.peer.py",
      modules: ["scipy", "pandas"],
      name: "sqlite3 + json + pandas + scipy",
    },
    prepare: () => {
      if (!existsSync(`${here}data/monitor/meta.json`))
        execFileSync("node", [`${here}monitor-data.mjs`], { stdio: "inherit" });
    },
    rows: [
      time("drift100kS", "100,000-row window: read from the log + every feature's test, wall (s)"),
      time("drift100kCpuS", "100,000-row window: CPU time (s)", noSlowerThanPeer),
      score("drifted100k", "100,000-row window: features drifted", sameAsPeer),
      time("drift1MS", "1,000,000-row window: wall (s)"),
      time("drift1MCpuS", "1,000,000-row window: CPU time (s)", noSlowerThanPeer),
      score("drifted1M", "1,000,000-row window: features drifted", sameAsPeer),
      most("rowsPerS", "1,000,000-row window: rows read and tested per second"),
      time(
        "check100kS",
        "full check of 100,000 rows (drift, prediction drift, performance on 100,000 labels), wall (s)",
      ),
      time("check100kCpuS", "full check: CPU time (s)"),
      time("reportS", "HTML report of a 10,000-row window, 12 windows of history (s)"),
    ],
    note:
      "bench/monitor-data.mjs trains the churn example's logistic regression with `mlship train` and writes " +
      "1,000,000 prediction-log rows as the server does (the 7,043 customers cycled, the last 200,000 after a " +
      "price rise, the last 100,000 labelled). mlship: readWindow (chunks of 5,000 rows, one JSON.parse per chunk, " +
      "typed arrays) and the drift tests against the version's reference profile (its sample is the whole " +
      "training set here); one process, one thread. Peer: bench/monitor.peer.py reads the same window with " +
      "sqlite3, json.loads per row into a pandas DataFrame, then Evidently's default tests with scipy against " +
      "the training CSV. Both flag monthly_charges and tenure. The full check adds prediction drift and, on " +
      "100,000 labels, Wilson, DeLong and 500-resample bootstrap intervals with their tests (no peer).",
  },
  tune: {
    title:
      "tune: 50 TPE vs 50 random trials on churn (HistGradientBoostingClassifier) and Ames (HistGradientBoostingRegressor)",
    ours: ["tune.mjs"],
    peer: { script: "tune.peer.py", modules: ["sklearn", "pandas"], name: "scikit-learn defaults" },
    repeat: 1,
    prepare: (havePython) => {
      if (havePython && !existsSync(`${here}data/tune_folds.json`)) {
        execFileSync(python, [`${here}tune-folds.py`], { stdio: "inherit" });
      }
    },
    rows: [
      score("churnDefault", "churn: HGB defaults, CV ROC-AUC", withinOfPeer(0.005), true),
      score("churnTpe", "churn: best of 50 TPE trials, CV ROC-AUC", atLeastPeer, true),
      score("churnRandom", "churn: best of 50 random trials, CV ROC-AUC", null, true),
      score("churnTpeMinusRandom", "churn: TPE - random, paired by seed", atLeast(0), true),
      most("churnTpeWins", "churn: seeds where TPE >= random"),
      time("churnTpeS", "churn: one 50-trial TPE study (s)"),
      time("churnRandomS", "churn: one 50-trial random study (s)"),
      score("amesDefault", "Ames: HGB defaults, CV R²", withinOfPeer(0.005), true),
      score("amesTpe", "Ames: best of 50 TPE trials, CV R²", atLeastPeer, true),
      score("amesRandom", "Ames: best of 50 random trials, CV R²", null, true),
      score("amesTpeMinusRandom", "Ames: TPE - random, paired by seed", atLeast(0), true),
      most("amesTpeWins", "Ames: seeds where TPE >= random"),
      time("amesTpeS", "Ames: one 50-trial TPE study (s)"),
      time("amesRandomS", "Ames: one 50-trial random study (s)"),
    ],
    note: (ours) =>
      `Run once per side (the seeds are the repeats). Seeds ${ours.seeds.join(", ")}, ${ours.trials} trials per study, folds: ${ours.folds}. Each seed is the ` +
      "sampler's seed and the model's random state on both sides (TPE's 10 startup trials are the random " +
      "sampler's first 10 for the same seed, so the paired difference is what TPE adds). The space: " +
      "learningRate float [0.01, 0.5] log, maxLeafNodes int [4, 128] log, minSamplesLeaf int [2, 200] log, " +
      "l2Regularization float [1e-6, 10] log; 100 iterations as scikit-learn's default; the default median " +
      "pruner; 5 folds written by " +
      "bench/tune-folds.py (scikit-learn's StratifiedKFold / KFold, shuffle, random_state 0). The peer column " +
      "is scikit-learn's HistGradientBoosting with its defaults on the same folds and the same preparation " +
      "(bench/tune.peer.py), repeated on every row it is compared with; TPE - random is ours alone (mean and " +
      "std over the seeds of each seed's difference). A study's best CV score is selected on those folds, so " +
      "it is optimistic against the untuned defaults; TPE and random share that bias, so their difference " +
      "is fair.",
  },
};

const argv = process.argv.slice(2);
const repeatAt = argv.indexOf("--repeat");
const repeat = repeatAt >= 0 ? Number(argv[repeatAt + 1]) : 3;
const names = argv.filter((_, i) => repeatAt < 0 || (i !== repeatAt && i !== repeatAt + 1));
for (const n of names) {
  if (!(n in benchmarks)) {
    console.error(`unknown benchmark "${n}"; known: ${Object.keys(benchmarks).join(", ")}`);
    process.exit(2);
  }
}
const selected = names.length > 0 ? names : Object.keys(benchmarks);

function pythonHas(modules) {
  if (!existsSync(python)) return false;
  return spawnSync(python, ["-c", `import ${modules.join(", ")}`], { stdio: "ignore" }).status === 0;
}

/** Runs one process `times` times; times keep the minimum, "max" metrics and peak RSS the maximum. */
function measure(cmd, args, timeKeys, maxKeys = [], times = repeat) {
  let best = null;
  for (let r = 0; r < times; r++) {
    const out = spawnSync(cmd, args, { cwd: here, encoding: "utf8", maxBuffer: 1 << 24 });
    const last = out.stdout.trim().split("\n").pop();
    if (out.status !== 0 || !last?.startsWith("{")) {
      throw new Error(`${[cmd, ...args].join(" ")} failed (exit ${out.status}):\n${out.stderr.slice(-2000)}`);
    }
    const run = JSON.parse(last);
    if (best === null) best = run;
    else {
      for (const k of timeKeys) if (run.metrics[k] < best.metrics[k]) best.metrics[k] = run.metrics[k];
      for (const k of maxKeys) if (run.metrics[k] > best.metrics[k]) best.metrics[k] = run.metrics[k];
      best.rssMb = Math.max(best.rssMb, run.rssMb);
    }
    if (run.skipped) break;
  }
  return best;
}

function machine() {
  const cpuModel =
    readFileSync("/proc/cpuinfo", "utf8")
      .match(/^model name\s*:\s*(.*)$/m)?.[1]
      ?.trim() ?? cpus()[0]?.model;
  const version = (mod) =>
    existsSync(python)
      ? spawnSync(python, ["-c", `import ${mod}; print(${mod}.__version__)`], {
          encoding: "utf8",
        }).stdout.trim() || "not installed"
      : "no /usr/bin/python3";
  return {
    cpu: cpuModel,
    cores: cpus().length,
    ramGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    sklearn: version("sklearn"),
    pandas: version("pandas"),
  };
}

const fmt = (v, kind, std) =>
  v === undefined
    ? "-"
    : kind === "time"
      ? v.toFixed(3)
      : kind === "max"
        ? v.toFixed(0)
        : `${v.toFixed(4)}${std === undefined ? "" : ` ± ${std.toFixed(4)}`}`;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

function runOne(name) {
  const b = benchmarks[name];
  const havePeer = b.peer !== null && pythonHas(b.peer.modules);
  b.prepare?.(existsSync(python));
  const loadBefore = load();
  const timeKeys = b.rows.filter((r) => r.kind === "time").map((r) => r.key);
  const maxKeys = b.rows.filter((r) => r.kind === "max").map((r) => r.key);
  // A benchmark that already repeats inside (seeds) and takes minutes runs once.
  const times = b.repeat ?? repeat;
  console.error(`[${name}] ours x${times} ...`);
  const ours = measure("node", b.ours, timeKeys, maxKeys, times);
  let peer = null;
  if (havePeer && !ours.skipped) {
    console.error(`[${name}] peer x${times} ...`);
    peer = b.peer.node
      ? measure("node", b.peer.node, timeKeys, maxKeys, times)
      : measure(python, [b.peer.script], timeKeys, maxKeys, times);
  }
  const floor = b.floor ? measure("node", b.floor.args, [b.floor.key]) : null;
  const rows = b.rows.map((r) => {
    const o = ours.metrics[r.key];
    const p = peer?.metrics[r.key];
    const met = r.target && o !== undefined ? r.target.met(o, p) : null;
    const std = (side) => (r.std ? side?.metrics[`${r.key}Std`] : undefined);
    return {
      ...r,
      ours: o,
      peer: p,
      oursStd: std(ours),
      peerStd: std(peer),
      ratio: o !== undefined && p ? o / p : undefined,
      met,
    };
  });
  return {
    name,
    title: b.title,
    note: typeof b.note === "function" ? b.note(ours, peer) : b.note,
    rssLabel: b.rssLabel,
    peerName: b.peer?.name ?? "peer",
    date: new Date().toISOString().slice(0, 16).replace("T", " "),
    load: `${loadBefore} -> ${load()}`,
    skipped: ours.skipped,
    peerMissing:
      !havePeer &&
      (b.peer
        ? `peer not available (${python} with ${b.peer.modules.join(" + ")} not found)`
        : "peer not available (none comparable is installed)"),
    rows,
    rss: { ours: ours.rssMb, peer: peer?.rssMb },
    floor: floor && { name: b.floor.name, s: floor.metrics[b.floor.key], rssMb: floor.rssMb },
  };
}

/** A Markdown table padded as Biome formats it, so the written file passes `biome check`. */
function table(cells) {
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  const line = (row) => `| ${row.map((c, j) => c.padEnd(widths[j])).join(" | ")} |`;
  return [line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)];
}

function section(r) {
  const lines = [`## ${r.title}`, "", `Run ${r.date} UTC, load average (1/5/15 min) ${r.load}.`, ""];
  if (r.skipped) return [...lines, `Skipped: ${r.skipped}`, ""].join("\n");
  if (r.peerMissing) lines.push(`Ours only: ${r.peerMissing}.`, "");
  const mb = (v) => (v === undefined ? "-" : v.toFixed(0));
  const rssRatio = r.rss.peer ? (r.rss.ours / r.rss.peer).toFixed(2) : "-";
  const cells = [
    ["measure", "mlship", r.peerName, "ratio mlship/peer", "target", "met"],
    ...r.rows.map((x) => [
      x.label,
      fmt(x.ours, x.kind, x.oursStd),
      fmt(x.peer, x.kind, x.peerStd),
      x.ratio === undefined ? "-" : x.ratio.toFixed(x.kind === "score" ? 4 : 2),
      x.target?.text ?? "",
      x.met === null ? "" : x.met ? "yes" : "**NO**",
    ]),
    [r.rssLabel ?? "peak RSS (MB, whole process)", mb(r.rss.ours), mb(r.rss.peer), rssRatio, "", ""],
  ];
  lines.push(...table(cells));
  if (r.floor) {
    lines.push(
      "",
      `Floor: ${r.floor.name}: ${r.floor.s.toFixed(3)} s, peak RSS ${r.floor.rssMb.toFixed(0)} MB (separate process).`,
    );
  }
  if (r.note) lines.push("", r.note);
  const missed = r.rows.filter((x) => x.met === false).map((x) => x.label);
  const unchecked = r.rows.filter((x) => x.target && x.met === null).map((x) => x.label);
  lines.push("", missed.length ? `Targets missed: ${missed.join("; ")}.` : "No stated target missed.");
  if (unchecked.length) lines.push(`Not checked (needs the peer): ${unchecked.join("; ")}.`);
  lines.push("");
  return lines.join("\n");
}

const results = selected.map(runOne);

for (const r of results) {
  console.log(`\n${r.title}${r.peerMissing ? ` (${r.peerMissing})` : ""}`);
  if (r.skipped) {
    console.log(`  skipped: ${r.skipped}`);
    continue;
  }
  for (const x of r.rows) {
    const met = x.met === null ? "" : x.met ? "  target met" : "  TARGET MISSED";
    const ratio = x.ratio === undefined ? "" : `  x${x.ratio.toFixed(x.kind === "score" ? 4 : 2)}`;
    console.log(
      `  ${x.label.padEnd(50)} ${fmt(x.ours, x.kind, x.oursStd).padStart(9)} ${fmt(x.peer, x.kind, x.peerStd).padStart(9)}${ratio}${met}`,
    );
  }
  console.log(
    `  ${"peak RSS MB".padEnd(50)} ${r.rss.ours.toFixed(0).padStart(9)} ${(r.rss.peer?.toFixed(0) ?? "-").padStart(9)}`,
  );
}

// Sections of benchmarks not run this time are kept from the previous file.
const previous = existsSync(resultsPath) ? readFileSync(resultsPath, "utf8") : "";
const kept = (name) =>
  previous.match(new RegExp(`<!-- bench:${name} -->\\n([\\s\\S]*?)<!-- /bench:${name} -->`))?.[1];
const m = machine();
const header = [
  "# Benchmark results",
  "",
  "Written by `node bench/run.mjs` (`npm run bench`); do not edit by hand. Each side of each benchmark runs in",
  `its own process, ${repeat === 1 ? "once" : `${repeat} times`}: times are the best run, peak RSS (process.resourceUsage().maxRSS /`,
  "Python's getrusage ru_maxrss) the largest. Ratios are mlship / peer, measured in the same run: for times",
  "below 1 means mlship is faster. The machine is shared with other work, so the load average is given per",
  "benchmark.",
  "",
  `Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGb} GB RAM; Node ${m.node}; peers on ${python}:`,
  `scikit-learn ${m.sklearn}, pandas ${m.pandas}. Last run: ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC.`,
  "",
].join("\n");
const body = Object.keys(benchmarks)
  .map((name) => {
    const r = results.find((x) => x.name === name);
    const text = r ? section(r) : kept(name);
    return text === undefined ? null : `<!-- bench:${name} -->\n${text}<!-- /bench:${name} -->\n`;
  })
  .filter((s) => s !== null)
  .join("\n");
writeFileAtomic(resultsPath, `${header}\n${body}`);
console.log(`\nwrote ${resultsPath}`);
