// Random forest fit time against scikit-learn, measured in the same run on the same inputs.
//   npm run build && node bench/forest.mjs [--no-python]
// The Python peer (bench/forest.peer.py, Debian's /usr/bin/python3 with scikit-learn) writes the inputs
// (make_classification 200k x 30; wa_churn imputed + one-hot with its 5 CV folds) and times sklearn.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const mod = await import("../dist/index.js").then(
  (m) => (m.RandomForestClassifier ? m : import("../dist/models/ensemble/index.js")),
  () => import("../dist/models/ensemble/index.js"),
);
const { RandomForestClassifier } = mod;
const { Frame, numeric, categorical } = await import("../dist/core/frame.js");

const dir = mkdtempSync(join(tmpdir(), "mlship-forest-bench-"));
const peerScript = fileURLToPath(new URL("./forest.peer.py", import.meta.url));
const noPython = process.argv.includes("--no-python");
const peerOut = execFileSync("/usr/bin/python3", [peerScript, dir, ...(noPython ? ["--skip-fit"] : [])], {
  encoding: "utf8",
  maxBuffer: 1 << 20,
});
const peer = JSON.parse(peerOut.trim().split("\n").pop());

const f64 = (name) => new Float64Array(readFileSync(join(dir, name)).buffer.slice(0));
const i32 = (name) => new Int32Array(readFileSync(join(dir, name)).buffer.slice(0));
const frameOf = (X, n, p, rows) => {
  const cols = [];
  for (let j = 0; j < p; j++) {
    const col = X.subarray(j * n, (j + 1) * n);
    cols.push([`x${j}`, numeric(rows ? Float64Array.from(rows, (i) => col[i]) : col.slice())]);
  }
  return new Frame(cols);
};
const target = (y, rows) =>
  categorical(
    Int32Array.from(rows, (i) => y[i]),
    ["0", "1"],
  );
const range = (a, b) => Array.from({ length: b - a }, (_, k) => a + k);

function rocAuc(y, score) {
  const idx = range(0, y.length).sort((a, b) => score[a] - score[b]);
  let rankSum = 0;
  let nPos = 0;
  for (let k = 0; k < idx.length; ) {
    let e = k;
    while (e + 1 < idx.length && score[idx[e + 1]] === score[idx[k]]) e++;
    const avg = (k + e) / 2 + 1;
    for (let q = k; q <= e; q++) {
      if (y[idx[q]] === 1) {
        rankSum += avg;
        nPos++;
      }
    }
    k = e + 1;
  }
  const nNeg = y.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

const results = {};
{
  const n = 200_000;
  const X = f64("synth_X.f64");
  const y = i32("synth_y.i32");
  const trainRows = range(0, 160_000);
  const testRows = range(160_000, n);
  const Xtr = frameOf(X, n, 30, trainRows);
  const Xte = frameOf(X, n, 30, testRows);
  const m = new RandomForestClassifier({ nEstimators: 50, nJobs: 2, randomState: 0 });
  let t = performance.now();
  m.fit(Xtr, target(y, trainRows));
  results.synthFit = (performance.now() - t) / 1000;
  t = performance.now();
  results.synthAccuracy = m.score(Xte, target(y, testRows));
  results.synthPredict = (performance.now() - t) / 1000;
}
{
  const X = f64("churn_X.f64");
  const y = i32("churn_y.i32");
  const fold = i32("churn_fold.i32");
  const n = y.length;
  const p = X.length / n;
  const aucs = [];
  const t = performance.now();
  for (let k = 0; k < 5; k++) {
    const tr = range(0, n).filter((i) => fold[i] !== k);
    const te = range(0, n).filter((i) => fold[i] === k);
    const m = new RandomForestClassifier({ nEstimators: 200, nJobs: 2, randomState: 0 });
    m.fit(frameOf(X, n, p, tr), target(y, tr));
    const proba = m.predictProba(frameOf(X, n, p, te));
    aucs.push(
      rocAuc(
        Int32Array.from(te, (i) => y[i]),
        Float64Array.from(te, (_, r) => proba[r * 2 + 1]),
      ),
    );
  }
  results.churnCvTime = (performance.now() - t) / 1000;
  results.churnAuc = aucs.reduce((a, b) => a + b, 0) / 5;
}
rmSync(dir, { recursive: true, force: true });

const row = (label, ours, theirs, digits = 2) =>
  console.log(
    `${label.padEnd(44)} mlship ${ours.toFixed(digits).padStart(8)}   sklearn ${theirs === undefined ? "       -" : theirs.toFixed(digits).padStart(8)}`,
  );
console.log("RandomForestClassifier, 2 worker threads (sklearn n_jobs=2)");
row("make_classification 160k x 30, 50 trees: fit s", results.synthFit, peer.synthFit);
row("  predict 40k s", results.synthPredict, peer.synthPredict, 3);
row("  accuracy", results.synthAccuracy, peer.synthAccuracy, 4);
row("wa_churn 200 trees, 5-fold CV: time s", results.churnCvTime, peer.churnCvTime);
row("  ROC-AUC", results.churnAuc, peer.churnAuc, 4);
console.log(JSON.stringify({ mlship: results, sklearn: peer }));
