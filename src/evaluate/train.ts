/**
 * The prototype stage as one call: collect the spec's data, validate it, split off a holdout,
 * cross-validate every candidate (and a baseline) inside a preparation pipeline, pick the best eligible
 * one, evaluate it once on the holdout and save it as an artifact. The CLI and later the automatic
 * retraining both run this, so the two can never disagree on what "training" means.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { encodeArtifact, type SaveOptions, saveArtifact } from "../artifact/index.js";
import { MlshipError } from "../core/errors.js";
import { asCategorical, type Column, type Frame, takeColumn } from "../core/frame.js";
import type { Predictor } from "../core/protocol.js";
import { mlshipVersion } from "../core/version.js";
import { collect, type Dataset, type DatasetSchema, inferSchema } from "../data/index.js";
import { baselineKind, createModel, modelCatalog, modelParamNames, modelTaskOf } from "../models/index.js";
import { type DefaultPrepOptions, defaultPrep, Pipeline, prepFromSpec } from "../prep/index.js";
import { defaultModels, featureColumns, type MetricName, metricDirection, type Spec } from "../spec/index.js";
import { assertValid, deriveExpectations, validateOptionsFromSpec } from "../validate/index.js";
import { type CrossValidator, KFold, StratifiedKFold } from "./kfold.js";
import { type Candidate, type CandidateResult, compareModels } from "./select.js";
import { trainTestSplit } from "./split.js";

export type TrainEvent =
  | { type: "collected"; dataset: Dataset }
  | { type: "validated"; passed: number; warnings: number }
  | { type: "prep"; description: string[] }
  | { type: "split"; train: number; holdout: number; folds: number }
  | { type: "candidate"; name: string; index: number; total: number }
  | { type: "fold"; name: string; fold: number; folds: number };

export interface TrainOptions {
  /** Folder relative data paths resolve against (the spec's folder). */
  baseDir: string;
  /** Data already collected from the spec's sources (skips collecting again). */
  dataset?: Dataset;
  /** Where to write the artifact; default `<baseDir>/.mlship/<name>.mlship`. */
  artifactPath?: string;
  onEvent?: (event: TrainEvent) => void;
}

export interface TrainSummary {
  project: string;
  objective: Spec["objective"];
  task: Spec["task"];
  target: string | null;
  positiveClass: string | number | boolean | null;
  data: { rows: number; columns: number; fingerprint: string; sources: string[] };
  validation: { passed: number; warnings: number };
  prep: string[];
  split: { train: number; holdout: number; folds: number; seed: number };
  metric: { primary: MetricName; threshold: number; direction: "maximize" | "minimize" };
  candidates: CandidateResult[];
  best: string;
  holdout: Record<string, number>;
  meetsThreshold: boolean;
  artifact: { path: string; sha256: string; bytes: number };
  mlshipVersion: string;
  durationSeconds: number;
}

export interface TrainResult {
  summary: TrainSummary;
  model: Predictor;
  dataset: Dataset;
  /** Rows of `dataset.frame` held out from training and model selection. */
  holdoutRows: Int32Array;
}

/** The target as models expect it: categorical classes for classification, numbers for regression. */
export function targetColumn(spec: Spec, frame: Frame): Column | null {
  if (!spec.target) return null;
  const y = frame.column(spec.target);
  if (spec.task === "binary" || spec.task === "multiclass") return asCategorical(y);
  if (y.type !== "numeric") {
    throw new MlshipError({
      what: `the regression target "${spec.target}" is ${y.type}, not numeric`,
      where: "spec: task",
      fix: "use task: binary or multiclass for a categorical target, or convert the column to numbers",
      code: "E_TRAIN_TARGET",
    });
  }
  return y;
}

/** The spec's preparation steps, or the default preparation for this schema. */
export function preparationFor(
  spec: Spec,
  schema: DatasetSchema,
  options: DefaultPrepOptions,
): { pipeline: Pipeline; description: string[] } {
  if (spec.prep) {
    return {
      pipeline: prepFromSpec(spec.prep),
      description: spec.prep.map(
        (s) => `${s.kind}${s.columns ? ` on ${[s.columns].flat().join(", ")}` : ""}`,
      ),
    };
  }
  return defaultPrep(schema, options);
}

/** A model entry of the spec as an estimator: its preparation (scaled when the model needs it) and the model. */
export interface CandidateBuilder {
  /** The preparation's steps in words, for reports (the scaled variant once any model needs scaling). */
  prepDescription(): string[];
  estimator(kind: string, params: Record<string, unknown>, where: string): Predictor;
}

export function candidateBuilder(spec: Spec, X: Frame): CandidateBuilder {
  const task = modelTaskOf(spec.task);
  const schema = inferSchema(X);
  // Reported once: the scaled variant when any candidate needs scaling, since that is the fuller one.
  let prepDescription: string[] = [];
  const prepFor = (kind: string, params: Record<string, unknown> = {}) => {
    const scale = modelCatalog[kind]?.needsScaling ?? true;
    const native = modelCatalog[kind]?.nativeInputs === true;
    const maxCategories = typeof params.maxBins === "number" ? params.maxBins : undefined;
    const p = preparationFor(spec, schema, { scale, native, maxCategories });
    if (scale || prepDescription.length === 0) prepDescription = p.description;
    return p.pipeline;
  };
  return {
    prepDescription: () => prepDescription,
    estimator: (kind, params, where) =>
      new Pipeline([
        ["prep", prepFor(kind, params)],
        ["model", createModel(kind, params, { task, where })],
      ]) as unknown as Predictor,
  };
}

/**
 * A model's params with the spec's seed for its own randomness (bootstrap draws, feature sampling) when
 * the spec leaves `randomState` unset, so the same spec trains the same model twice.
 */
export function seededParams(
  spec: Spec,
  kind: string,
  params: Record<string, unknown>,
): Record<string, unknown> {
  // An unknown kind is left for createModel to report at the spec's entry.
  if ("randomState" in params || !modelCatalog[kind] || !modelParamNames(kind).includes("randomState"))
    return params;
  return { ...params, randomState: spec.split.seed };
}

/** The spec's models (or the defaults for its task), in spec order. */
export function specModels(
  spec: Spec,
): Array<{ kind: string; name?: string; params?: Record<string, unknown> }> {
  return spec.models.length > 0 ? spec.models : defaultModels(spec.task);
}

/** The task's baseline as a candidate, or null for clustering. */
export function baselineCandidate(spec: Spec, builder: CandidateBuilder): Candidate | null {
  const baseline = baselineKind(modelTaskOf(spec.task));
  if (!baseline) return null;
  return {
    name: `baseline (${baseline})`,
    kind: baseline,
    params: {},
    baseline: true,
    estimator: builder.estimator(baseline, {}, "baseline"),
  };
}

function buildCandidates(spec: Spec, X: Frame): { candidates: Candidate[]; prepDescription: string[] } {
  const builder = candidateBuilder(spec, X);
  const candidates: Candidate[] = specModels(spec).map((m, i) => {
    const params = seededParams(spec, m.kind, m.params ?? {});
    return {
      name: m.name ?? m.kind,
      kind: m.kind,
      params,
      estimator: builder.estimator(m.kind, params, `spec: models[${i}] (${m.kind})`),
    };
  });
  const baseline = baselineCandidate(spec, builder);
  if (baseline) candidates.push(baseline);
  return { candidates, prepDescription: builder.prepDescription() };
}

/** Everything training decides before any model is fitted: the data, its checks, the split and the folds. */
export interface PreparedTraining {
  spec: Spec;
  dataset: Dataset;
  validation: { passed: number; warnings: number };
  /** The feature columns of every row. */
  X: Frame;
  y: Column | null;
  split: { train: Int32Array; test: Int32Array };
  train: { X: Frame; y: Column | null };
  holdout: { X: Frame; y: Column | null };
  cv: CrossValidator;
  emit: (event: TrainEvent) => void;
  /** performance.now() when training started. */
  started: number;
}

/** Collects (unless given), validates and splits the spec's data, and fixes the CV folds. */
export async function prepareTraining(spec: Spec, options: TrainOptions): Promise<PreparedTraining> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const dataset = options.dataset ?? (await collect(spec, { baseDir: options.baseDir }));
  if (!options.dataset) emit({ type: "collected", dataset });
  const { frame } = dataset;
  const report = assertValid(
    frame,
    deriveExpectations(spec, { columns: frame.names }),
    validateOptionsFromSpec(spec),
  );
  emit({ type: "validated", passed: report.summary.passed, warnings: report.summary.warnings });

  const X = frame.select(featureColumns(spec, frame.names));
  const y = targetColumn(spec, frame);
  const classification = spec.task === "binary" || spec.task === "multiclass";
  const stratify = classification && spec.split.stratify && y !== null;
  const split = trainTestSplit(y ?? X.nRows, {
    testSize: spec.split.holdout,
    seed: spec.split.seed,
    ...(stratify ? { stratify: y } : {}),
  });
  const take = (c: Column | null, idx: Int32Array) => (c ? takeColumn(c, idx) : null);
  const train = { X: X.take(split.train), y: take(y, split.train) };
  const holdout = { X: X.take(split.test), y: take(y, split.test) };
  emit({ type: "split", train: split.train.length, holdout: split.test.length, folds: spec.split.folds });
  const cvOptions = { nSplits: spec.split.folds, shuffle: true, seed: spec.split.seed };
  const cv: CrossValidator = stratify ? new StratifiedKFold(cvOptions) : new KFold(cvOptions);
  return {
    spec,
    dataset,
    validation: { passed: report.summary.passed, warnings: report.summary.warnings },
    X,
    y,
    split,
    train,
    holdout,
    cv,
    emit,
    started,
  };
}

export async function trainFromSpec(spec: Spec, options: TrainOptions): Promise<TrainResult> {
  const prepared = await prepareTraining(spec, options);
  const { candidates, prepDescription } = buildCandidates(spec, prepared.X);
  prepared.emit({ type: "prep", description: prepDescription });
  return finishTraining(prepared, candidates, prepDescription, options);
}

/**
 * Compares the candidates on the prepared folds, checks the best on the holdout and saves it: the half
 * of training that `mlship train` and `mlship tune` share.
 */
export function finishTraining(
  prepared: PreparedTraining,
  candidates: readonly Candidate[],
  prepDescription: string[],
  options: Pick<TrainOptions, "baseDir" | "artifactPath">,
): TrainResult {
  const { spec, dataset, X, y, split, train, holdout, cv, emit } = prepared;
  const { frame } = dataset;
  const inputSchema = inferSchema(X);
  const target = targetInfo(spec, y);
  const excerpt = specExcerpt(spec);
  const artifactFor = (model: Predictor): SaveOptions => ({
    pipeline: model,
    inputSchema,
    ...(target ? { target } : {}),
    spec: excerpt,
    dataFingerprint: dataset.fingerprint,
  });
  const selection = compareModels(candidates, train, holdout, {
    primary: spec.metric.primary,
    secondary: spec.metric.secondary,
    cv,
    ...(spec.positiveClass === undefined ? {} : { positiveClass: spec.positiveClass }),
    constraints: spec.constraints,
    sizeOf: (m) => encodeArtifact(artifactFor(m)).bytes.length,
    onCandidateStart: (c, index, total) => emit({ type: "candidate", name: c.name, index, total }),
    onFold: (c, fold, folds) => emit({ type: "fold", name: c.name, fold, folds }),
  });

  const direction = metricDirection(spec);
  const primaryScore = selection.holdout[spec.metric.primary];
  const meetsThreshold =
    direction === "maximize" ? primaryScore >= spec.metric.threshold : primaryScore <= spec.metric.threshold;
  const best = selection.results[selection.best];
  const path = options.artifactPath ?? resolve(options.baseDir, ".mlship", `${spec.name}.mlship`);
  const artifactMeta = {
    model: { name: best.name, kind: best.kind, params: best.params },
    holdout: selection.holdout,
    cv: best.cv,
    meetsThreshold,
    prep: prepDescription,
  };
  mkdirSync(dirname(path), { recursive: true });
  const saved = saveArtifact(path, { ...artifactFor(selection.model), metadata: artifactMeta });

  const summary: TrainSummary = {
    project: spec.name,
    objective: spec.objective,
    task: spec.task,
    target: spec.target ?? null,
    positiveClass: spec.positiveClass ?? null,
    data: {
      rows: frame.nRows,
      columns: frame.nCols,
      fingerprint: dataset.fingerprint,
      sources: dataset.sources,
    },
    validation: prepared.validation,
    prep: prepDescription,
    split: {
      train: split.train.length,
      holdout: split.test.length,
      folds: spec.split.folds,
      seed: spec.split.seed,
    },
    metric: { primary: spec.metric.primary, threshold: spec.metric.threshold, direction },
    candidates: selection.results,
    best: best.name,
    holdout: selection.holdout,
    meetsThreshold,
    artifact: { path, sha256: saved.sha256, bytes: saved.bytes },
    mlshipVersion,
    durationSeconds: (performance.now() - prepared.started) / 1000,
  };
  return { summary, model: selection.model, dataset, holdoutRows: split.test };
}

function targetInfo(spec: Spec, y: Column | null): SaveOptions["target"] {
  if (!spec.target || !y) return undefined;
  return y.type === "categorical"
    ? { name: spec.target, type: "categorical", classes: [...y.levels] }
    : { name: spec.target, type: y.type };
}

function specExcerpt(spec: Spec): SaveOptions["spec"] {
  return {
    name: spec.name,
    objective: spec.objective,
    task: spec.task,
    metric: spec.metric,
    pii: spec.pii,
    ...(spec.features.key === undefined ? {} : { key: spec.features.key }),
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.positiveClass === undefined ? {} : { positiveClass: spec.positiveClass }),
  };
}
