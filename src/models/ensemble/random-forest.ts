/**
 * RandomForestClassifier and RandomForestRegressor after sklearn 1.2: bootstrap samples passed to each
 * tree as row weights, sklearn's CART per tree with `maxFeatures` candidates per node, probabilities
 * averaged over trees, out-of-bag score, importances averaged over trees.
 *
 * Each tree gets a seed drawn up front from `randomState`; its bootstrap and its feature draws follow from
 * that seed alone, so a fit reproduces exactly whether trees grow in this thread or in worker threads.
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { MlshipError, NotFittedError } from "../../core/errors.js";
import { type Column, type Frame, numeric } from "../../core/frame.js";
import type { Classifier, EstimatorJSON, Predictor } from "../../core/protocol.js";
import { registerKind } from "../../core/protocol.js";
import { Random } from "../../core/random.js";
import { Binner, binColumn, numericThresholds } from "../hist/binning.js";
import { invalidParam } from "../input.js";
import type { BinnedTrainData } from "../tree/binned-cart.js";
import {
  addForestPrediction,
  computeRanks,
  leafOfRow,
  type PackedForest,
  packForest,
  predictClaimedBlocks,
  type TrainData,
  type TreeArrays,
  toRowMajor,
} from "../tree/cart.js";
import {
  accuracyScore,
  checkTreeParams,
  classTarget,
  featureMatrix,
  type MaxFeatures,
  numericScoreTarget,
  r2Score,
  regressionTarget,
} from "../tree/data.js";
import { growOptions, predictLabels } from "../tree/decision-tree.js";
import { type TreeJSON, treeFromJSON, treeToJSON } from "../tree/tree-json.js";
import { bootstrapWeights, type ForestJob, type GrownTree, growForestTree } from "./forest-fit.js";
import type { JobControl, WorkerInput, WorkerOutput } from "./forest-worker.js";

export interface RandomForestParams {
  [key: string]: unknown;
  nEstimators: number;
  criterion: "gini" | "entropy" | "squaredError";
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  /** Candidate features per node: "sqrt", "log2", a fraction in (0, 1] (1 = all), an integer count, null = all. */
  maxFeatures: MaxFeatures;
  bootstrap: boolean;
  /** Compute the out-of-bag score at fit (needs bootstrap). */
  oobScore: boolean;
  /** Worker threads; null = all available cores. Small fits stay in this thread regardless. */
  nJobs: number | null;
  randomState: number | null;
  /** Rows per bootstrap sample: null = all, a fraction in (0, 1], or an integer count. */
  maxSamples: number | null;
  /**
   * "binned" (default): split searches on at most maxBins quantile bins per feature, O(samples) per node
   * and candidate; "exact": sklearn's CART, every midpoint between two values.
   */
  splitter: "binned" | "exact";
  /** Bins per feature for the binned splitter, 2..255. */
  maxBins: number;
}

export type RandomForestClassifierParams = RandomForestParams & { criterion: "gini" | "entropy" };
export type RandomForestRegressorParams = RandomForestParams & { criterion: "squaredError" };

export interface RandomForestState {
  featureNames: string[];
  classes?: string[];
  targetLevels?: string[];
  trees: TreeArrays[];
  /** Seed of each tree: its bootstrap sample and feature draws follow from it. */
  seeds: number[];
  /** Rows per bootstrap sample at fit, to recover each tree's out-of-bag rows. */
  nBootstrap: number;
  /** Mean of the trees' normalised importances, renormalised (sklearn's feature_importances_). */
  featureImportances: Float64Array;
  /** Accuracy (classifier) or R² (regressor) on out-of-bag predictions; null unless oobScore was set. */
  oobScore: number | null;
  /** Threads that grew trees at fit: 1 = this thread only; more = this thread plus worker threads. */
  threads: number;
}

export interface RandomForestStateJSON {
  featureNames: string[];
  classes?: string[];
  targetLevels?: string[];
  trees: TreeJSON[];
  seeds: number[];
  nBootstrap: number;
  featureImportances: number[];
  oobScore: number | null;
  threads: number;
}

/** Below this many row-trees, worker threads cost more than they save. */
const PARALLEL_MIN_WORK = 200_000;
/** Fewest rows a predicting thread claims at a time. */
const MIN_BLOCK_ROWS = 128;
const WORKER_URL = new URL("./forest-worker.js", import.meta.url);

/**
 * The worker script exists next to this module in the compiled package (dist/); when running from
 * TypeScript sources (tests) it does not, and trees grow in this thread instead.
 */
export function workersAvailable(): boolean {
  // asked on every large fit and predict; the package's files do not change under a running process
  available ??= WORKER_URL.protocol === "file:" && existsSync(fileURLToPath(WORKER_URL));
  return available;
}
let available: boolean | undefined;

function resolveJobs(nJobs: number | null): number {
  return nJobs === null || nJobs === -1 ? availableParallelism() : nJobs;
}

/**
 * Worker threads kept for the next fit: a fresh thread costs its start and a cold JIT, which on a small
 * forest (each fold of a cross-validation) is a large share of the thread's work. Unref'd, they never
 * keep a finished process alive; a thread that errs or exits leaves the pool and is replaced.
 */
const pool: Worker[] = [];

function pooledWorkers(n: number): Worker[] {
  while (pool.length < n) {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    const leave = () => {
      const at = pool.indexOf(worker);
      if (at >= 0) pool.splice(at, 1);
    };
    worker.on("error", leave);
    worker.on("exit", leave);
    pool.push(worker);
  }
  return pool.slice(0, n);
}

type JobOf<T extends WorkerInput["task"]> = Omit<Extract<WorkerInput, { task: T }>, keyof JobControl>;

/**
 * Runs a job on this thread and nThreads - 1 pooled workers, which all claim work from the shared `next`
 * counter: `work` is this thread's claiming loop. Returns the message of each worker that took part.
 * fit and predict stay synchronous.
 */
function onPool(
  nThreads: number,
  job: JobOf<"grow"> | JobOf<"predict">,
  work: (next: Int32Array) => void,
  failure: { what: string; fix: string },
): { messages: WorkerOutput[]; threads: number } {
  const next = new Int32Array(new SharedArrayBuffer(4));
  const done = new Int32Array(new SharedArrayBuffer(4));
  const status = new Int32Array(new SharedArrayBuffer(4 * nThreads));
  const ports: MessagePort[] = [];
  try {
    pooledWorkers(nThreads - 1).forEach((worker, k) => {
      const { port1, port2 } = new MessageChannel();
      const input = { ...job, port: port2, next, status, slot: k + 1, done } as WorkerInput;
      worker.postMessage(input, [port2]);
      ports.push(port1);
    });
    work(next);
    // Workers that have not taken their job by now get nothing left to do: cancel it rather than wait
    // (this also means a worker that cannot start never blocks). Wait for the running ones; they never
    // need this thread's event loop, and their messages are read straight off the ports.
    const running = ports.filter((_, k) => Atomics.compareExchange(status, k + 1, 0, 2) === 1);
    for (let c = Atomics.load(done, 0); c < running.length; c = Atomics.load(done, 0))
      Atomics.wait(done, 0, c);
    const messages = running.map((port) => {
      const msg = receiveMessageOnPort(port)?.message as WorkerOutput | undefined;
      if (msg === undefined || "error" in msg) {
        throw new MlshipError({
          what: `${failure.what}: ${msg ? msg.error : "no result"}`,
          fix: failure.fix,
          code: "E_MODEL_WORKER",
        });
      }
      return msg;
    });
    return { messages, threads: 1 + running.length };
  } finally {
    for (const port of ports) port.close();
  }
}

/**
 * Grows one tree per seed, on nJobs threads when that pays: this thread and nJobs - 1 pooled workers
 * claim tree indices until none are left.
 */
function growTrees(
  job: ForestJob,
  seeds: number[],
  nJobs: number,
  kind: string,
): { grown: GrownTree[]; threads: number } {
  const nThreads = Math.min(nJobs, seeds.length);
  if (nThreads <= 1 || !isShared(job.data) || job.data.nRows * seeds.length < PARALLEL_MIN_WORK) {
    return { grown: seeds.map((s) => growForestTree(job, s)), threads: 1 };
  }
  const grown: GrownTree[] = new Array(seeds.length);
  const { messages, threads } = onPool(
    nThreads,
    { task: "grow", job, seeds },
    (next) => {
      for (let t = Atomics.add(next, 0, 1); t < seeds.length; t = Atomics.add(next, 0, 1)) {
        grown[t] = growForestTree(job, seeds[t]);
      }
    },
    {
      what: `${kind}: a worker thread failed while growing trees`,
      fix: "retry with nJobs: 1 to grow the trees in the main thread",
    },
  );
  for (const msg of messages) {
    if (!("grown" in msg)) continue;
    msg.indices.forEach((t, k) => {
      grown[t] = msg.grown[k];
    });
  }
  return { grown, threads };
}

/**
 * Every tree's leaf values summed per row (row-major nRows x nOutputs), on nJobs threads when that pays:
 * each thread claims blocks of rows and runs all trees over them, so a row's sum is the same on any
 * number of threads.
 */
function predictForest(
  forest: PackedForest,
  nOutputs: number,
  X: Float32Array,
  nRows: number,
  nFeatures: number,
  nJobs: number,
  kind: string,
): Float64Array {
  const nThreads = Math.min(nJobs, Math.ceil(nRows / MIN_BLOCK_ROWS));
  if (nThreads <= 1 || nRows * forest.trees.length < PARALLEL_MIN_WORK || !workersAvailable()) {
    const out = new Float64Array(nRows * nOutputs);
    addForestPrediction(forest.trees, nOutputs, toRowMajor(X, nRows, nFeatures), nFeatures, out, 0, nRows);
    return out;
  }
  const rows = toRowMajor(X, nRows, nFeatures, new Float32Array(new SharedArrayBuffer(4 * X.length)));
  const out = new Float64Array(new SharedArrayBuffer(8 * nRows * nOutputs));
  // A few blocks per thread, so that a thread slowed by the other work on its core takes fewer.
  const blockRows = Math.max(MIN_BLOCK_ROWS, Math.ceil(nRows / (4 * nThreads)));
  onPool(
    nThreads,
    {
      task: "predict",
      trees: forest.trees,
      rows,
      nRows,
      nFeatures,
      nOutputs,
      blockRows,
      out,
    },
    (next) => predictClaimedBlocks(forest.trees, nOutputs, rows, nRows, nFeatures, blockRows, out, next),
    {
      what: `${kind}: a worker thread failed while predicting`,
      fix: "retry with nJobs: 1 to predict in the main thread",
    },
  );
  return out;
}

function isShared(d: TrainData | BinnedTrainData): boolean {
  const target = d.yClass ?? d.yValue;
  const features = "bins" in d ? [d.X, d.bins] : [d.X, d.ranks];
  return (
    features.every((a) => a.buffer instanceof SharedArrayBuffer) &&
    target !== null &&
    target.buffer instanceof SharedArrayBuffer
  );
}

function sharedIf(shared: boolean, a: Int32Array): Int32Array {
  if (!shared) return a;
  const out = new Int32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/**
 * The float32 features binned once for the binned splitter (sklearn HistGradientBoosting's quantile
 * bins, computed on the float32 values the trees compare, so a bin's bound decides as the raw threshold),
 * row-major.
 */
function binnedData(d: TrainData, maxBins: number, shared: boolean, rng: Random): BinnedTrainData {
  const { nRows: n, nFeatures: p } = d;
  const bins = shared ? new Uint8Array(new SharedArrayBuffer(n * p)) : new Uint8Array(n * p);
  const binner = new Binner();
  const nBins = new Int32Array(p);
  const low: Float64Array[] = [];
  const high: Float64Array[] = [];
  const column = new Uint8Array(n);
  for (let f = 0; f < p; f++) {
    const values = Float64Array.from(d.X.subarray(f * n, (f + 1) * n));
    const t = numericThresholds(values, maxBins, binner, rng);
    binColumn(numeric(values), { type: "numeric", thresholds: t }, null, maxBins, column, binner);
    const lo = new Float64Array(t.length + 1).fill(Number.POSITIVE_INFINITY);
    const hi = new Float64Array(t.length + 1).fill(Number.NEGATIVE_INFINITY);
    // row-major, as the binned splitter reads it (binned-cart.ts), and each bin's value range
    for (let i = 0, at = f; i < n; i++, at += p) {
      const b = column[i];
      bins[at] = b;
      if (values[i] < lo[b]) lo[b] = values[i];
      if (values[i] > hi[b]) hi[b] = values[i];
    }
    nBins[f] = t.length + 1;
    low.push(lo);
    high.push(hi);
  }
  return {
    X: d.X,
    bins,
    nBins,
    low,
    high,
    nRows: n,
    nFeatures: p,
    yClass: d.yClass,
    yValue: d.yValue,
    nOutputs: d.nOutputs,
  };
}

function checkForestParams(kind: string, p: RandomForestParams): void {
  checkTreeParams(kind, p);
  if (!(Number.isInteger(p.nEstimators) && p.nEstimators >= 1))
    throw invalidParam(kind, "nEstimators", p.nEstimators, "an integer >= 1");
  if (p.nJobs !== null && !(Number.isInteger(p.nJobs) && (p.nJobs >= 1 || p.nJobs === -1)))
    throw invalidParam(kind, "nJobs", p.nJobs, "null (all cores), -1 or an integer >= 1");
  if (p.randomState !== null && !Number.isInteger(p.randomState))
    throw invalidParam(kind, "randomState", p.randomState, "null or an integer");
  const ms = p.maxSamples;
  if (ms !== null && !((ms > 0 && ms <= 1) || (Number.isInteger(ms) && ms > 1)))
    throw invalidParam(kind, "maxSamples", ms, "null, a fraction in (0, 1] or an integer > 1");
  if (ms !== null && !p.bootstrap)
    throw invalidParam(
      kind,
      "maxSamples",
      ms,
      "null when bootstrap is false (it sizes the bootstrap sample)",
    );
  if (p.splitter !== "binned" && p.splitter !== "exact")
    throw invalidParam(kind, "splitter", p.splitter, '"binned" or "exact"');
  if (!(Number.isInteger(p.maxBins) && p.maxBins >= 2 && p.maxBins <= 255))
    throw invalidParam(kind, "maxBins", p.maxBins, "an integer in 2..255");
  if (p.oobScore && !p.bootstrap)
    throw invalidParam(kind, "oobScore", p.oobScore, "false when bootstrap is false (no row is out of bag)");
}

function bootstrapSize(p: RandomForestParams, nRows: number, kind: string): number {
  const ms = p.maxSamples;
  if (ms === null) return nRows;
  if (ms <= 1) return Math.max(1, Math.round(nRows * ms));
  if (ms > nRows) throw invalidParam(kind, "maxSamples", ms, `at most the number of rows (${nRows})`);
  return ms;
}

function defaults(
  params: Partial<RandomForestParams>,
  criterion: RandomForestParams["criterion"],
  mf: MaxFeatures,
) {
  return {
    nEstimators: params.nEstimators ?? 100,
    criterion,
    maxDepth: params.maxDepth ?? null,
    minSamplesSplit: params.minSamplesSplit ?? 2,
    minSamplesLeaf: params.minSamplesLeaf ?? 1,
    maxFeatures: params.maxFeatures === undefined ? mf : params.maxFeatures,
    bootstrap: params.bootstrap ?? true,
    oobScore: params.oobScore ?? false,
    nJobs: params.nJobs ?? null,
    randomState: params.randomState ?? null,
    maxSamples: params.maxSamples ?? null,
    splitter: params.splitter ?? "binned",
    maxBins: params.maxBins ?? 255,
  };
}

abstract class RandomForestBase<P extends RandomForestParams> {
  abstract readonly kind: string;
  readonly params: Readonly<P>;
  protected fitted: RandomForestState | null;

  constructor(params: P, state: RandomForestState | null, kind: string) {
    checkForestParams(kind, params);
    this.params = Object.freeze(params);
    this.fitted = state;
  }

  get isFitted(): boolean {
    return this.fitted !== null;
  }

  get state(): RandomForestState {
    if (this.fitted === null) throw new NotFittedError(this.kind);
    return this.fitted;
  }

  get featureImportances(): Float64Array {
    return this.state.featureImportances;
  }

  get oobScore(): number | null {
    return this.state.oobScore;
  }

  /** Grows the forest; returns the state without the OOB score plus the float32 matrix for OOB. */
  protected grow(
    X: Frame,
    y: Column | undefined,
    classification: boolean,
  ): { state: RandomForestState; data: TrainData } {
    const p = this.params;
    const nJobs = resolveJobs(p.nJobs);
    const parallel =
      nJobs > 1 && p.nEstimators > 1 && X.nRows * p.nEstimators >= PARALLEL_MIN_WORK && workersAvailable();
    const m = featureMatrix(X, this.kind, X.names, parallel);
    const binned = p.splitter === "binned";
    const t = classification ? classTarget(y, m.nRows, this.kind, parallel) : null;
    const data: TrainData = {
      X: m.data,
      ranks: binned ? new Int32Array(0) : sharedIf(parallel, computeRanks(m.data, m.nRows, m.nCols)),
      nRows: m.nRows,
      nFeatures: m.nCols,
      yClass: t ? t.index : null,
      yValue: t ? null : regressionTarget(y, m.nRows, this.kind, parallel),
      nOutputs: t ? t.classes.length : 1,
    };
    const rng =
      p.randomState === null ? new Random((Math.random() * 4294967296) >>> 0) : new Random(p.randomState);
    const job: ForestJob = {
      data: binned ? binnedData(data, p.maxBins, parallel, rng.fork()) : data,
      opts: growOptions(p, m.nCols, this.kind),
      bootstrap: p.bootstrap,
      nBootstrap: bootstrapSize(p, m.nRows, this.kind),
    };
    const seeds = Array.from({ length: p.nEstimators }, () => rng.nextUint32());
    const { grown, threads } = growTrees(job, seeds, nJobs, this.kind);
    const state: RandomForestState = {
      featureNames: [...X.names],
      ...(t ? { classes: t.classes, targetLevels: t.targetLevels } : {}),
      trees: grown.map((g) => g.tree),
      seeds,
      nBootstrap: job.nBootstrap,
      featureImportances: forestImportances(
        grown.map((g) => g.importances),
        m.nCols,
      ),
      oobScore: null,
      threads,
    };
    this.#packed = { state, forest: { trees: grown.map((g) => g.packed) } };
    return { data, state };
  }

  /** Sum over trees of per-row leaf values (probabilities when `normalise`), row-major n x outputs. */
  protected sumTrees(X: Frame, normalise: boolean): Float64Array {
    const s = this.state;
    const m = featureMatrix(X, this.kind, s.featureNames);
    const K = s.trees[0].nOutputs;
    const nJobs = resolveJobs(this.params.nJobs);
    return predictForest(this.packed(normalise), K, m.data, m.nRows, m.nCols, nJobs, this.kind);
  }

  /**
   * The trees in prediction layout and the state they were packed from (a fitted state is never mutated):
   * packed while growing, or on first use for a state from toJSON.
   */
  #packed: { state: RandomForestState; forest: PackedForest } | null = null;

  protected packed(normalise: boolean): PackedForest {
    const state = this.state;
    if (this.#packed?.state !== state) this.#packed = { state, forest: packForest(state.trees, normalise) };
    return this.#packed.forest;
  }

  /** Out-of-bag sums per row and how many trees left each row out. */
  protected oobSums(data: TrainData, state: RandomForestState, normalise: boolean) {
    const n = data.nRows;
    const K = data.nOutputs;
    const sums = new Float64Array(n * K);
    const counts = new Int32Array(n);
    const job = { bootstrap: true, nBootstrap: state.nBootstrap };
    state.trees.forEach((tree, t) => {
      const { weights } = bootstrapWeights(state.seeds[t], n, job);
      for (let i = 0; i < n; i++) {
        if (weights![i] !== 0) continue;
        const leaf = leafOfRow(tree, data.X, n, i);
        let total = 1;
        if (normalise) {
          total = 0;
          for (let c = 0; c < K; c++) total += tree.value[leaf * K + c];
        }
        for (let c = 0; c < K; c++) sums[i * K + c] += tree.value[leaf * K + c] / total;
        counts[i]++;
      }
    });
    return { sums, counts };
  }

  toJSON(): EstimatorJSON<P, RandomForestStateJSON> {
    const s = this.fitted;
    return {
      kind: this.kind,
      params: { ...this.params },
      state:
        s === null
          ? null
          : {
              featureNames: [...s.featureNames],
              ...(s.classes ? { classes: [...s.classes], targetLevels: [...(s.targetLevels ?? [])] } : {}),
              trees: s.trees.map(treeToJSON),
              seeds: [...s.seeds],
              nBootstrap: s.nBootstrap,
              featureImportances: Array.from(s.featureImportances),
              oobScore: s.oobScore,
              threads: s.threads,
            },
    };
  }
}

/** The mean of the trees' importances (forest-fit.ts: null for a lone leaf, left out), renormalised. */
function forestImportances(perTree: readonly (Float64Array | null)[], nFeatures: number): Float64Array {
  const mean = new Float64Array(nFeatures);
  let used = 0;
  for (const imp of perTree) {
    if (imp === null) continue;
    for (let f = 0; f < nFeatures; f++) mean[f] += imp[f];
    used++;
  }
  if (used === 0) return mean;
  let total = 0;
  for (let f = 0; f < nFeatures; f++) {
    mean[f] /= used;
    total += mean[f];
  }
  if (total > 0) for (let f = 0; f < nFeatures; f++) mean[f] /= total;
  return mean;
}

function stateFromJSON(j: RandomForestStateJSON | null, kind: string): RandomForestState | null {
  if (j === null) return null;
  if (!Array.isArray(j.trees) || j.trees.length === 0 || j.trees.length !== j.seeds?.length) {
    throw new MlshipError({
      what: `${kind}: the saved forest has no trees or its seeds do not match its trees`,
      fix: "re-fit the model and save it again",
      code: "E_MODEL_STATE",
    });
  }
  return {
    featureNames: j.featureNames,
    ...(j.classes ? { classes: j.classes, targetLevels: j.targetLevels } : {}),
    trees: j.trees.map((t) => treeFromJSON(t, kind)),
    seeds: j.seeds,
    nBootstrap: j.nBootstrap,
    featureImportances: Float64Array.from(j.featureImportances),
    oobScore: j.oobScore,
    threads: j.threads,
  };
}

const CLASSIFIER = "randomForestClassifier";
const REGRESSOR = "randomForestRegressor";

export class RandomForestClassifier
  extends RandomForestBase<RandomForestClassifierParams>
  implements Classifier<RandomForestClassifierParams>
{
  readonly kind = CLASSIFIER;
  readonly task = "classification" as const;

  constructor(params: Partial<RandomForestClassifierParams> = {}, state: RandomForestState | null = null) {
    const criterion = params.criterion ?? "gini";
    if (criterion !== "gini" && criterion !== "entropy")
      throw invalidParam(CLASSIFIER, "criterion", criterion, '"gini" or "entropy"');
    super(defaults(params, criterion, "sqrt") as RandomForestClassifierParams, state, CLASSIFIER);
  }

  get classes(): readonly string[] {
    return this.state.classes ?? [];
  }

  fit(X: Frame, y?: Column): this {
    const { state, data } = this.grow(X, y, true);
    if (this.params.oobScore) {
      const K = data.nOutputs;
      const { sums } = this.oobSums(data, state, true);
      // Rows no tree left out score as the first class, as in sklearn (which warns about them).
      let hits = 0;
      for (let i = 0; i < data.nRows; i++) {
        let best = 0;
        for (let c = 1; c < K; c++) if (sums[i * K + c] > sums[i * K + best]) best = c;
        if (best === data.yClass![i]) hits++;
      }
      state.oobScore = hits / data.nRows;
    }
    this.fitted = state;
    return this;
  }

  /** Mean over trees of each tree's leaf class shares (sklearn's soft voting). */
  predictProba(X: Frame): Float64Array {
    const out = this.sumTrees(X, true);
    const nTrees = this.state.trees.length;
    for (let k = 0; k < out.length; k++) out[k] /= nTrees;
    return out;
  }

  predict(X: Frame): Column {
    return this.predictWithProba(X).labels;
  }

  predictWithProba(X: Frame): { labels: Column; proba: Float64Array } {
    const proba = this.predictProba(X);
    return { labels: predictLabels(proba, this.state.classes ?? [], this.state.targetLevels ?? []), proba };
  }

  score(X: Frame, y?: Column): number {
    const pred = this.predict(X) as { codes: Int32Array; levels: readonly string[] };
    return accuracyScore(this.kind, y, pred.codes, pred.levels);
  }

  static fromJSON(json: EstimatorJSON): RandomForestClassifier {
    return new RandomForestClassifier(
      json.params as Partial<RandomForestClassifierParams>,
      stateFromJSON(json.state as RandomForestStateJSON | null, CLASSIFIER),
    );
  }
}

export class RandomForestRegressor
  extends RandomForestBase<RandomForestRegressorParams>
  implements Predictor<RandomForestRegressorParams>
{
  readonly kind = REGRESSOR;
  readonly task = "regression" as const;

  constructor(params: Partial<RandomForestRegressorParams> = {}, state: RandomForestState | null = null) {
    const criterion = params.criterion ?? "squaredError";
    if (criterion !== "squaredError") throw invalidParam(REGRESSOR, "criterion", criterion, '"squaredError"');
    super(defaults(params, criterion, 1) as RandomForestRegressorParams, state, REGRESSOR);
  }

  fit(X: Frame, y?: Column): this {
    const { state, data } = this.grow(X, y, false);
    if (this.params.oobScore) {
      const { sums, counts } = this.oobSums(data, state, false);
      for (let i = 0; i < data.nRows; i++) sums[i] /= Math.max(1, counts[i]);
      state.oobScore = r2Score(data.yValue!, sums);
    }
    this.fitted = state;
    return this;
  }

  /** Mean of the trees' predictions. */
  predict(X: Frame): Column {
    const out = this.sumTrees(X, false);
    const nTrees = this.state.trees.length;
    for (let k = 0; k < out.length; k++) out[k] /= nTrees;
    return numeric(out);
  }

  /** R². */
  score(X: Frame, y?: Column): number {
    const pred = (this.predict(X) as { values: Float64Array }).values;
    return r2Score(numericScoreTarget(this.kind, y, X.nRows), pred);
  }

  static fromJSON(json: EstimatorJSON): RandomForestRegressor {
    return new RandomForestRegressor(
      json.params as Partial<RandomForestRegressorParams>,
      stateFromJSON(json.state as RandomForestStateJSON | null, REGRESSOR),
    );
  }
}

registerKind(CLASSIFIER, RandomForestClassifier.fromJSON);
registerKind(REGRESSOR, RandomForestRegressor.fromJSON);
