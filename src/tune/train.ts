/**
 * Tuning as part of the lifecycle: the spec's data is prepared as for training, the models with a `space`
 * are searched with cross-validation on the training rows (the very folds training compares on), and
 * each tuned model's best configuration becomes a candidate that is refitted, timed, checked on the
 * holdout and saved exactly as `mlship train` would. `mlship tune` compares the tuned models with the
 * baseline; `mlship train` adds the spec's fixed models.
 */
import { MlshipError } from "../core/errors.js";
import {
  baselineCandidate,
  type Candidate,
  type CandidateBuilder,
  type CrossValidateResult,
  candidateBuilder,
  type FoldResult,
  finishTraining,
  prepareTraining,
  seededParams,
  type TrainEvent,
  type TrainOptions,
  type TrainResult,
  type TrainSummary,
} from "../evaluate/index.js";
import { modelParamNames } from "../models/index.js";
import {
  didYouMean,
  durationSeconds,
  type MetricName,
  type ModelSpec,
  metricDirection,
  type Spec,
  specProblems,
} from "../spec/index.js";
import { type CvTrial, foldPoolPossible, tuneCrossValidated } from "./cv.js";
import { MedianPruner, type MedianPrunerOptions, medianPrunerDefaults } from "./pruner.js";
import { GridSampler, RandomSampler, type Sampler, TpeSampler } from "./samplers.js";
import {
  type Assignment,
  type ChoiceValue,
  type Dimension,
  MODEL_KEY,
  modelsSpace,
  type SearchSpace,
} from "./space.js";
import type { Direction, StopReason, TrialState } from "./study.js";

export type SamplerName = "tpe" | "random" | "grid";

/** Command-line settings that take precedence over the spec's `tune:` section. */
export interface TuneOverrides {
  sampler?: SamplerName;
  trials?: number;
  /** Seconds. */
  timeout?: number;
  seed?: number;
  pruner?: "median" | "none";
}

/** One trial as reports, tracking and `--json` show it. */
export interface TrialSummary {
  number: number;
  state: Exclude<TrialState, "running">;
  /** The tuned model's name (the spec's name, or its kind). */
  model: string;
  kind: string;
  /** The values this trial searched, by parameter name. */
  params: Record<string, ChoiceValue>;
  /** Mean CV score of the primary metric; null unless complete. */
  value: number | null;
  /** The scores of the folds the trial ran, per metric (all of them unless pruned). */
  folds: Record<string, number[]>;
  /** The fold (from 0) after which the pruner stopped it. */
  prunedAfterFold?: number;
  duplicateOf?: number;
  error?: { what: string; code: string };
  seconds: number;
}

export interface TuningSummary {
  sampler: SamplerName;
  pruner: ({ kind: "median" } & MedianPrunerOptions) | null;
  seed: number;
  budget: { trials: number; timeoutSeconds: number | null };
  stopped: StopReason;
  metric: MetricName;
  direction: Direction;
  models: string[];
  space: Array<{ key: string; model: string; param: string } & Record<string, unknown>>;
  counts: { complete: number; pruned: number; failed: number };
  /** Threads that ran folds: 1 = this thread only. */
  threads: number;
  seconds: number;
  best: TrialSummary;
  trials: TrialSummary[];
}

export type TuneSummary = TrainSummary & { tuning: TuningSummary };
export interface TuneResult extends Omit<TrainResult, "summary"> {
  summary: TuneSummary;
}

export type TuneEvent =
  | {
      type: "tune-start";
      trials: number;
      timeoutSeconds: number | null;
      sampler: SamplerName;
      models: string[];
    }
  | { type: "trial"; trial: TrialSummary; best: TrialSummary | null; done: number; total: number }
  | { type: "tune-end"; stopped: StopReason; trials: number; best: TrialSummary };

export interface TuneOptions extends Omit<TrainOptions, "onEvent"> {
  /** "tuned": the tuned models and the baseline (mlship tune); "all": the spec's fixed models too (mlship train). */
  include: "tuned" | "all";
  overrides?: TuneOverrides;
  /** Threads for CV folds: 1 keeps them in this thread; default: all cores (when the study is long enough). */
  jobs?: number;
  /**
   * Fold workers start once the first trial's time times the trials left reaches this many seconds
   * (default 2: a worker costs about 0.2 s of CPU to start and warm up).
   */
  poolAfterSeconds?: number;
  onEvent?: (event: TrainEvent | TuneEvent) => void;
  /** Called as each trial starts and ends (tracking records trials as they happen). */
  onTrialStart?: (number: number) => Promise<void> | void;
  onTrial?: (trial: TrialSummary) => Promise<void> | void;
}

/** The spec entries that have a non-empty space, with their index in `models`. */
export function tunedEntries(spec: Spec): Array<{ entry: ModelSpec; index: number; name: string }> {
  return spec.models.flatMap((entry, index) =>
    entry.space !== undefined && Object.keys(entry.space).length > 0
      ? [{ entry, index, name: entry.name ?? entry.kind }]
      : [],
  );
}

export function hasSpaces(spec: Spec): boolean {
  return tunedEntries(spec).length > 0;
}

type Entry = ReturnType<typeof tunedEntries>[number];

/**
 * Checks every space against its model before any trial runs: the model has each parameter, and accepts
 * the ends of each range and every choice. All problems come back at once, pinned to the spec's lines.
 */
function checkSpaces(spec: Spec, entries: Entry[], builder: CandidateBuilder): void {
  const problems: Parameters<typeof specProblems>[1][number][] = [];
  const names = new Map<string, number>();
  for (const { entry, index, name } of entries) {
    const where = `spec: models[${index}] (${entry.kind})`;
    builder.estimator(entry.kind, entry.params, where); // unknown kinds and fixed params fail here, as in training
    if (names.has(name)) {
      problems.push({
        path: ["models", index, entry.name === undefined ? "kind" : "name"],
        message: `models[${names.get(name)}] and models[${index}] are both tuned and both called "${name}"`,
        allowed: "a distinct `name:` for each tuned model",
      });
    }
    names.set(name, index);
    const known = modelParamNames(entry.kind);
    for (const [param, s] of Object.entries(entry.space ?? {})) {
      const path = ["models", index, "space", param];
      if (!known.includes(param)) {
        const guess = didYouMean(param, known);
        problems.push({
          path,
          at: "key",
          message: `${entry.kind} has no parameter "${param}"`,
          allowed: `its parameters: ${known.join(", ")}`,
          ...(guess === undefined ? {} : { suggestion: guess }),
        });
        continue;
      }
      const values: unknown[] = "int" in s ? s.int : "float" in s ? s.float : s.choice;
      const context = Object.fromEntries(Object.entries(s.when ?? {}).map(([p, v]) => [p, [v].flat()[0]]));
      for (const v of values) {
        try {
          builder.estimator(entry.kind, { ...entry.params, ...context, [param]: v }, where);
        } catch (err) {
          if (!(err instanceof MlshipError)) throw err;
          problems.push({
            path,
            message: `${entry.kind} refuses ${param} = ${JSON.stringify(v)}: ${err.what}`,
            allowed: err.fix ?? "values the model accepts",
          });
          break;
        }
      }
    }
  }
  if (problems.length > 0) throw specProblems(spec, problems);
}

interface Settings {
  sampler: Sampler;
  samplerName: SamplerName;
  trials: number;
  timeoutSeconds: number | null;
  seed: number;
  pruner: ({ kind: "median" } & MedianPrunerOptions) | null;
  /** Points in the grid, for the grid sampler. */
  gridSize: number | null;
}

function settingsFor(spec: Spec, space: SearchSpace, entries: Entry[], o: TuneOverrides): Settings {
  const t = spec.tune;
  const samplerName = o.sampler ?? t.sampler;
  const seed = o.seed ?? t.seed ?? spec.split.seed;
  const timeoutSeconds = o.timeout ?? (t.timeout === undefined ? null : durationSeconds(t.timeout));
  let trials = o.trials ?? t.trials ?? 50;
  let sampler: Sampler;
  let gridSize: number | null = null;
  if (samplerName === "grid") {
    const continuous = GridSampler.continuous(space);
    if (continuous.length > 0) {
      throw specProblems(
        spec,
        continuous.map((d) => ({
          path: pathOf(d, entries),
          message: `grid search needs a finite set of values, and "${d.param}" is a continuous range`,
          allowed: "a step (e.g. step: 0.1), a choice list, or sampler: tpe or random",
        })),
      );
    }
    const size = GridSampler.size(space);
    gridSize = size;
    trials = Math.min(o.trials ?? t.trials ?? size, size);
    sampler = new GridSampler();
  } else if (samplerName === "random") {
    sampler = new RandomSampler();
  } else {
    sampler = new TpeSampler(t.tpe);
  }
  const p = o.pruner ?? t.pruner;
  const pruner =
    p === "none"
      ? null
      : p === "median"
        ? { kind: "median" as const, ...medianPrunerDefaults }
        : { ...p, kind: "median" as const };
  return { sampler, samplerName, trials, timeoutSeconds, seed, pruner, gridSize };
}

function pathOf(d: Dimension, entries: Entry[]): PropertyKey[] {
  const e = entries.length === 1 ? entries[0] : entries.find((x) => d.key.startsWith(`${x.name}.`))!;
  return ["models", e.index, "space", d.param];
}

function entryOf(params: Assignment, entries: Entry[]): Entry {
  return entries.length === 1 ? entries[0] : entries.find((e) => e.name === params[MODEL_KEY])!;
}

/** The searched values of a trial by parameter name (without the model prefix and the model choice). */
function searched(params: Assignment, space: SearchSpace): Record<string, ChoiceValue> {
  const out: Record<string, ChoiceValue> = {};
  for (const d of space.dimensions) if (d.key !== MODEL_KEY && d.key in params) out[d.param] = params[d.key];
  return out;
}

function meanStd(v: Float64Array): [number, number] {
  let s = 0;
  for (const x of v) s += x;
  const mean = s / v.length;
  let ss = 0;
  for (const x of v) ss += (x - mean) ** 2;
  return [mean, Math.sqrt(ss / v.length)];
}

/** A complete trial's folds in the form crossValidate returns, so training need not score them again. */
function asCrossValidated(
  folds: FoldResult<MetricName>[],
  metrics: MetricName[],
  threads: number,
): CrossValidateResult<MetricName> {
  const scores = {} as Record<MetricName, Float64Array>;
  const mean = {} as Record<MetricName, number>;
  const std = {} as Record<MetricName, number>;
  for (const m of metrics) {
    scores[m] = Float64Array.from(folds, (f) => f.scores[m]);
    [mean[m], std[m]] = meanStd(scores[m]);
  }
  return {
    folds,
    scores,
    mean,
    std,
    fitTime: Float64Array.from(folds, (f) => f.fitTime),
    scoreTime: Float64Array.from(folds, (f) => f.scoreTime),
    threads,
  };
}

export async function tuneFromSpec(spec: Spec, options: TuneOptions): Promise<TuneResult> {
  const emit = options.onEvent ?? (() => {});
  const entries = tunedEntries(spec);
  if (entries.length === 0) {
    throw new MlshipError({
      what: "no model in the spec has a search space to tune",
      where: "spec: models",
      fix: "give a model a space, e.g. `space: { maxDepth: { int: [2, 20] }, minSamplesLeaf: { int: [1, 50], log: true } }`, or run mlship train",
      code: "E_TUNE_NO_SPACE",
    });
  }
  const prepared = await prepareTraining(spec, { ...options, onEvent: emit });
  const builder = candidateBuilder(spec, prepared.X);
  checkSpaces(spec, entries, builder);
  const space = modelsSpace(entries.map((e) => ({ name: e.name, space: e.entry.space ?? {} })));
  const settings = settingsFor(spec, space, entries, options.overrides ?? {});
  const direction = metricDirection(spec);
  const primary = spec.metric.primary;
  const metrics = [primary, ...spec.metric.secondary.filter((m) => m !== primary)];
  const { train, cv } = prepared;
  const nFolds = [...cv.split(train.y ?? train.X.nRows)].length;
  const poolPossible = foldPoolPossible(options.jobs, nFolds);

  /** A trial's full model params: fixed ones, the searched ones, and the spec's seed for the model's own randomness. */
  const paramsOf = (
    params: Assignment,
    forTrial: boolean,
  ): { entry: Entry; params: Record<string, unknown> } => {
    const e = entryOf(params, entries);
    const known = modelParamNames(e.entry.kind);
    const out = { ...seededParams(spec, e.entry.kind, { ...e.entry.params, ...searched(params, space) }) };
    // Folds run side by side instead of a model's own threads, which would oversubscribe the cores.
    if (forTrial && poolPossible && known.includes("nJobs")) out.nJobs = 1;
    return { entry: e, params: out };
  };

  const summaries: TrialSummary[] = [];
  emit({
    type: "tune-start",
    trials: settings.trials,
    timeoutSeconds: settings.timeoutSeconds,
    sampler: settings.samplerName,
    models: entries.map((e) => e.name),
  });
  const summarise = (t: CvTrial): TrialSummary => {
    const e = entryOf(t.params, entries);
    const folds: Record<string, number[]> = {};
    for (const m of metrics) folds[m] = (t.data ?? []).map((f) => f.scores[m]);
    return {
      number: t.number,
      state: t.state as TrialSummary["state"],
      model: e.name,
      kind: e.entry.kind,
      params: searched(t.params, space),
      value: t.value,
      folds,
      ...(t.state === "pruned" ? { prunedAfterFold: Math.max(...t.intermediate.keys()) } : {}),
      ...(t.duplicateOf === undefined ? {} : { duplicateOf: t.duplicateOf }),
      ...(t.error === undefined ? {} : { error: t.error }),
      seconds: t.seconds,
    };
  };

  const study = await tuneCrossValidated({
    space,
    estimator: (params) => {
      const { entry, params: p } = paramsOf(params, true);
      return builder.estimator(entry.entry.kind, p, `spec: models[${entry.index}] (${entry.entry.kind})`);
    },
    X: train.X,
    y: train.y,
    cv,
    primary,
    metrics,
    ...(spec.positiveClass === undefined ? {} : { positiveClass: spec.positiveClass }),
    direction,
    sampler: settings.sampler,
    pruner: settings.pruner === null ? null : new MedianPruner(settings.pruner),
    trials: settings.trials,
    ...(settings.timeoutSeconds === null ? {} : { timeoutSeconds: settings.timeoutSeconds }),
    seed: settings.seed,
    ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    ...(options.poolAfterSeconds === undefined ? {} : { poolAfterSeconds: options.poolAfterSeconds }),
    onTrialStart: async (number) => {
      await options.onTrialStart?.(number);
    },
    onTrialEnd: async (t, best) => {
      const s = summarise(t);
      summaries.push(s);
      const bestSummary = best === null ? null : (summaries.find((x) => x.number === best.number) ?? null);
      emit({ type: "trial", trial: s, best: bestSummary, done: summaries.length, total: settings.trials });
      await options.onTrial?.(s);
    },
  });
  const threads = study.threads;
  // A grid whose every point was scored is exhausted, even when the budget was exactly its size.
  const stopped: StopReason =
    settings.gridSize !== null && study.trials.length >= settings.gridSize ? "exhausted" : study.stopped;
  if (study.best === null) {
    const failure = study.trials.find((t) => t.error !== undefined)?.error;
    throw new MlshipError({
      what: `no trial completed (${study.trials.length} run, ${study.stopped === "failures" ? "all failed" : `stopped: ${study.stopped}`})${failure ? `; the first failure: ${failure.what}` : ""}`,
      where: "spec: models[].space",
      fix:
        failure !== undefined
          ? "narrow the space to values the model can fit on this data"
          : "give the study more trials or time, or a less aggressive pruner (pruner: none)",
      code: "E_TUNE_NO_TRIAL",
    });
  }

  // Each tuned model's best complete trial becomes its candidate, scored already on these folds.
  const candidates: Array<{ index: number; candidate: Candidate }> = [];
  for (const e of entries) {
    let best: CvTrial | null = null;
    for (const t of study.trials) {
      if (t.state !== "complete" || entryOf(t.params, entries) !== e) continue;
      if (best === null || (direction === "maximize" ? t.value! > best.value! : t.value! < best.value!))
        best = t;
    }
    if (best === null) continue;
    const { params } = paramsOf(best.params, false);
    candidates.push({
      index: e.index,
      candidate: {
        name: e.name,
        kind: e.entry.kind,
        params,
        estimator: builder.estimator(e.entry.kind, params, `spec: models[${e.index}] (${e.entry.kind})`),
        crossValidated: asCrossValidated(best.data ?? [], metrics, threads),
      },
    });
  }
  if (options.include === "all") {
    spec.models.forEach((m, index) => {
      if (entries.some((e) => e.index === index)) return;
      candidates.push({
        index,
        candidate: {
          name: m.name ?? m.kind,
          kind: m.kind,
          params: m.params,
          estimator: builder.estimator(m.kind, m.params, `spec: models[${index}] (${m.kind})`),
        },
      });
    });
  }
  candidates.sort((a, b) => a.index - b.index);
  const baseline = baselineCandidate(spec, builder);
  const all = [...candidates.map((c) => c.candidate), ...(baseline ? [baseline] : [])];
  const prepDescription = builder.prepDescription();
  emit({ type: "prep", description: prepDescription });
  const bestSummary = summaries.find((s) => s.number === study.best!.number)!;
  emit({ type: "tune-end", stopped, trials: study.trials.length, best: bestSummary });
  const result = finishTraining(prepared, all, prepDescription, options);

  const count = (s: TrialState) => study.trials.filter((t) => t.state === s).length;
  const tuning: TuningSummary = {
    sampler: settings.samplerName,
    pruner: settings.pruner,
    seed: settings.seed,
    budget: { trials: settings.trials, timeoutSeconds: settings.timeoutSeconds },
    stopped,
    metric: primary,
    direction,
    models: entries.map((e) => e.name),
    space: space.dimensions.map((d) => ({
      key: d.key,
      model:
        d.key === MODEL_KEY
          ? ""
          : (entries.length === 1 ? entries[0] : entries.find((e) => d.key.startsWith(`${e.name}.`))!).name,
      param: d.param,
      ...d.distribution,
      ...(d.conditions.length > 0 ? { when: d.conditions } : {}),
    })),
    counts: { complete: count("complete"), pruned: count("pruned"), failed: count("failed") },
    threads,
    seconds: study.seconds,
    best: bestSummary,
    trials: summaries,
  };
  return { ...result, summary: { ...result.summary, tuning } };
}
