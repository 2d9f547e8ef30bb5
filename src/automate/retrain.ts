/**
 * One retraining: collect fresh data, train a challenger with the spec (the very code `mlship train`
 * runs, tracked, registered without promotion), score champion and challenger on the same recent
 * labelled window, and promote only when the challenger beats the champion by the margin, the paired
 * test agrees, and it meets the spec's threshold and constraints. Every outcome, promotion or refusal
 * or failure, is recorded with its reasons.
 *
 * Keeping the window out of training: the labelled predictions are read newest first; the newest
 * `evaluation.rows` form the evaluation window and only rows strictly older than it may join the
 * training data. A training row (from the sources or the log) whose model inputs equal an evaluation
 * row's is dropped too: a customer replayed through the server is the same customer, and a challenger
 * must not be judged on rows it learned. (The champion may have trained on such rows: that can only
 * flatter the champion, never the challenger.)
 */
import { join } from "node:path";
import { MlshipError } from "../core/errors.js";
import { type ColumnType, cellValue, type Frame } from "../core/frame.js";
import { collect, concatFrames, type Dataset, fingerprint, inferSchema } from "../data/index.js";
import type { TrainEvent } from "../evaluate/index.js";
import type { MonitorEvent } from "../monitor/index.js";
import {
  championAlias,
  championFailures,
  criteriaFromSpec,
  getModelVersion,
  setAlias,
} from "../registry/index.js";
import { metricDirection, type RetrainingSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import type { TuneEvent } from "../tune/index.js";
import { type Comparison, comparePaired, type LoadedVersion, loadVersion, scoreOn } from "./compare.js";
import { type Decision, finishDecision, type Outcome, startDecisionRun } from "./decisions.js";
import { chronological, labelledFrame, readLabelled, splitRows } from "./labelled.js";
import { type TrackedTraining, type TrainingProject, trainTracked } from "./train.js";
import type { TriggerResult } from "./triggers.js";

export interface RetrainContext {
  store: Store;
  project: TrainingProject;
  model: string;
  /** The champion version the decision is taken against. */
  champion: number;
  /** The clock: rows logged after it are not read. */
  now: number;
  triggers: TriggerResult[];
  /** Who moves the alias (the audit log's actor). */
  actor: string;
  /** The watcher's run, which the decision's run goes under. */
  parentRunId?: string | null;
  webhook?: boolean;
  onTrainEvent?: (e: TrainEvent | TuneEvent) => void;
  /** Told of each step as it ends, for progress lines. */
  onStep?: (step: RetrainStep) => void;
}

export type RetrainStep =
  | { step: "data"; data: NonNullable<Decision["data"]>; sources: string[] }
  | { step: "trained"; training: TrackedTraining }
  | { step: "compared"; comparison: Comparison };

/** A retraining's outcome, recorded. */
export interface RetrainResult {
  decision: Decision;
  event: MonitorEvent;
  training: TrackedTraining | null;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : "n/a");
const pfmt = (p: number) => (p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2))));

/** The training data's columns and types: the sources', or the model inputs, target and key. */
function columnTypes(
  sources: Frame | null,
  champion: LoadedVersion,
  target: string,
  key: string | undefined,
): Map<string, ColumnType> {
  const types = new Map<string, ColumnType>();
  if (sources) {
    for (const name of sources.names) types.set(name, sources.column(name).type);
    return types;
  }
  for (const c of champion.artifact.payload.inputSchema.columns) types.set(c.name, c.type);
  const t = champion.artifact.payload.target;
  types.set(target, t?.type === "numeric" ? "numeric" : "categorical");
  if (key !== undefined) types.set(key, "categorical");
  return types;
}

/** Each row's model inputs as one text, to find rows that repeat another frame's. */
function rowKeys(frame: Frame, names: readonly string[]): string[] {
  const cols = names.filter((n) => frame.has(n)).map((n) => frame.column(n));
  const out = new Array<string>(frame.nRows);
  for (let i = 0; i < frame.nRows; i++) out[i] = JSON.stringify(cols.map((c) => cellValue(c, i)));
  return out;
}

function without(
  frame: Frame,
  names: readonly string[],
  banned: ReadonlySet<string>,
): { frame: Frame; dropped: number } {
  const keys = rowKeys(frame, names);
  const keep: number[] = [];
  keys.forEach((k, i) => {
    if (!banned.has(k)) keep.push(i);
  });
  if (keep.length === frame.nRows) return { frame, dropped: 0 };
  return { frame: frame.take(Int32Array.from(keep)), dropped: frame.nRows - keep.length };
}

interface FreshData {
  dataset: Dataset;
  evaluation: Frame;
  data: NonNullable<Decision["data"]>;
}

/** The challenger's training data and the evaluation window, kept apart. */
async function freshData(
  ctx: RetrainContext,
  policy: RetrainingSpec,
  champion: LoadedVersion,
): Promise<FreshData> {
  const { spec } = ctx.project;
  const target = spec.target as string;
  const read = await readLabelled(ctx.store, ctx.model, {
    limit: policy.evaluation.rows + (policy.data.log ? policy.data.maxLogRows : 0),
    until: ctx.now,
  });
  const [newest, older] = splitRows(read, policy.evaluation.rows);
  const sources = policy.data.sources ? await collect(spec, { baseDir: ctx.project.baseDir }) : null;
  const types = columnTypes(sources?.frame ?? null, champion, target, spec.features.key);
  const inputs = champion.artifact.payload.inputSchema.columns.map((c) => c.name);
  const frameOptions = {
    columns: types,
    target,
    hashed: new Set(spec.pii.filter((c) => inputs.includes(c))),
    ...(spec.features.key === undefined ? {} : { key: spec.features.key }),
  };
  const evaluation = labelledFrame(chronological(newest), frameOptions);
  const banned = new Set(rowKeys(evaluation, inputs));
  const parts: Frame[] = [];
  const labels: string[] = [];
  let duplicatesDropped = 0;
  let sourceRows = 0;
  if (sources) {
    const kept = without(sources.frame, inputs, banned);
    duplicatesDropped += kept.dropped;
    sourceRows = kept.frame.nRows;
    parts.push(kept.frame);
    labels.push(...sources.sources);
  }
  let logRows = 0;
  let logSpan: { from: number; to: number } | null = null;
  if (policy.data.log && older.rows > 0) {
    const kept = without(labelledFrame(chronological(older), frameOptions), inputs, banned);
    duplicatesDropped += kept.dropped;
    logRows = kept.frame.nRows;
    if (logRows > 0) {
      parts.push(kept.frame);
      logSpan = { from: older.at[older.rows - 1], to: older.at[0] };
      const [from, to] = [logSpan.from, logSpan.to].map((t) => new Date(t).toISOString());
      labels.push(`prediction log: ${logRows} labelled predictions of ${ctx.model}, ${from} to ${to}`);
    }
  }
  if (parts.length === 0) {
    throw new MlshipError({
      what: "no data to train a challenger on: the spec's sources are off and no labelled prediction is older than the evaluation window",
      where: "spec: retraining.data",
      fix: "wait for more labelled predictions, or turn retraining.data.sources on",
      code: "E_RETRAIN_NO_DATA",
    });
  }
  const frame = concatFrames(parts, labels);
  const versionsSeen = [...new Set(read.versions)].sort((a, b) => a - b);
  return {
    dataset: { frame, schema: inferSchema(frame), fingerprint: fingerprint(frame), sources: labels },
    evaluation,
    data: {
      sourceRows,
      logRows,
      evaluationRows: evaluation.nRows,
      duplicatesDropped,
      versionsSeen,
      logSpan,
      evaluationSpan: newest.rows > 0 ? { from: newest.at[newest.rows - 1], to: newest.at[0] } : null,
    },
  };
}

/** Promote or not, and why: the margin, the paired test, the spec's threshold and constraints. */
export function promotionVerdict(
  comparison: Comparison,
  policy: RetrainingSpec["promotion"],
  failures: readonly string[],
  versions: { champion: number; challenger: number },
): { promote: boolean; reasons: string[] } {
  const m = comparison.metric;
  const { champion, challenger } = versions;
  const on = `on the ${comparison.rows} latest labelled predictions`;
  const scores = `${m} ${fmt(comparison.b)} for v${challenger} vs ${fmt(comparison.a)} for v${champion} ${on}`;
  const reasons: string[] = [];
  if (comparison.pValue === null) {
    reasons.push(`no comparison: ${comparison.note ?? "the test could not be computed"}`);
    return { promote: false, reasons };
  }
  const better = comparison.improvement >= policy.margin;
  const significant = comparison.pValue < policy.alpha;
  const diff = `${comparison.improvement >= 0 ? "+" : ""}${fmt(comparison.improvement)}`;
  reasons.push(
    better
      ? `${scores}: ${diff}, at least the margin ${policy.margin}`
      : `${scores}: ${diff}, short of the margin ${policy.margin}`,
  );
  reasons.push(
    significant
      ? `${comparison.test}: p = ${pfmt(comparison.pValue)} < ${policy.alpha}`
      : `not significant: ${comparison.test} p = ${pfmt(comparison.pValue)} >= ${policy.alpha}`,
  );
  for (const f of failures) reasons.push(`v${challenger} cannot be champion: ${f}`);
  return { promote: better && significant && failures.length === 0, reasons };
}

/** Trains a challenger and decides; never throws for a failed training (that is a recorded decision). */
export async function retrain(ctx: RetrainContext): Promise<RetrainResult> {
  const { store, project, model } = ctx;
  const { spec } = project;
  const policy = spec.retraining as RetrainingSpec;
  const run = await startDecisionRun(store, spec, "retrain", {
    parentRunId: ctx.parentRunId ?? null,
    triggers: ctx.triggers,
  });
  const base = {
    model,
    kind: "retrain" as const,
    triggers: ctx.triggers,
    champion: ctx.champion,
    at: ctx.now,
  };
  const fired = ctx.triggers.filter((t) => t.fired).map((t) => t.reason);
  const finish = async (
    outcome: Outcome,
    summary: string,
    reasons: string[],
    extra: Partial<Decision> = {},
    training: TrackedTraining | null = null,
  ): Promise<RetrainResult> => {
    const { decision, event } = await finishDecision(
      store,
      run,
      {
        ...base,
        version: extra.version ?? null,
        outcome,
        summary,
        reasons: [...fired, ...reasons],
        ...extra,
      },
      { webhook: ctx.webhook === true },
    );
    return { decision, event, training };
  };
  let fresh: FreshData;
  let training: TrackedTraining;
  let champion: LoadedVersion;
  try {
    champion = await loadVersion(store, model, ctx.champion);
    fresh = await freshData(ctx, policy, champion);
    ctx.onStep?.({ step: "data", data: fresh.data, sources: fresh.dataset.sources });
    training = await trainTracked(store, project, {
      dataset: fresh.dataset,
      artifactPath: join(project.baseDir, ".mlship", `${spec.name}.challenger.mlship`),
      actor: ctx.actor,
      parentRunId: run.runId,
      tags: { "mlship.role": "challenger" },
      promote: {
        mode: "never",
        reason: "a challenger of an automatic retraining: it is promoted only if it wins on live data",
        source: "mlship watch",
      },
      ...(ctx.onTrainEvent ? { onEvent: ctx.onTrainEvent } : {}),
    });
    ctx.onStep?.({ step: "trained", training });
  } catch (err) {
    const what = err instanceof MlshipError ? err.what : err instanceof Error ? err.message : String(err);
    return finish("failed", `retraining ${model} failed: ${what}`, [what]);
  }
  const challengerVersion = training.registration.version;
  const challenger = {
    version: challengerVersion,
    runId: training.runId,
    model: training.result.summary.best,
    holdout: training.registration.score,
  };
  const withData = { data: fresh.data, challenger, version: challengerVersion };
  let comparison: Comparison;
  try {
    const loaded = await loadVersion(store, model, challengerVersion);
    const target = fresh.evaluation.column(spec.target as string);
    comparison = comparePaired(
      scoreOn(champion, fresh.evaluation, target),
      scoreOn(loaded, fresh.evaluation, target),
      {
        metric: spec.metric.primary,
        direction: metricDirection(spec),
        ...(spec.positiveClass === undefined ? {} : { positiveClass: String(spec.positiveClass) }),
        secondary: spec.metric.secondary,
        minRows: policy.evaluation.minRows,
        resamples: spec.monitoring.performance.bootstrap,
        seed: spec.split.seed,
      },
    );
    ctx.onStep?.({ step: "compared", comparison });
  } catch (err) {
    const what = err instanceof MlshipError ? err.what : err instanceof Error ? err.message : String(err);
    return finish(
      "failed",
      `comparing v${challengerVersion} with v${ctx.champion} failed: ${what}`,
      [what],
      withData,
      training,
    );
  }
  const evaluation = (await getModelVersion(store, model, challengerVersion)).evaluation;
  const criteria = criteriaFromSpec(spec);
  const verdict = promotionVerdict(comparison, policy.promotion, championFailures(evaluation, criteria), {
    champion: ctx.champion,
    challenger: challengerVersion,
  });
  const extra = { ...withData, comparison };
  const m = comparison.metric;
  const scores = `${m} ${fmt(comparison.b)} vs ${fmt(comparison.a)} on the last ${comparison.rows} labelled predictions`;
  if (!verdict.promote) {
    return finish(
      "refused",
      `challenger v${challengerVersion} refused, v${ctx.champion} stays champion: ${verdict.reasons[0]}`,
      verdict.reasons,
      extra,
      training,
    );
  }
  try {
    await setAlias(store, {
      name: model,
      alias: championAlias,
      version: challengerVersion,
      actor: ctx.actor,
      reason: `mlship watch: ${scores} (${comparison.test}, p = ${pfmt(comparison.pValue as number)})`,
      criteria,
      expectedVersion: ctx.champion,
    });
  } catch (err) {
    // Another process moved the champion meanwhile, or the artifact failed its check: keep the version.
    const guarded = err instanceof MlshipError && err.code.startsWith("E_GUARD_");
    const what = err instanceof MlshipError ? err.what : err instanceof Error ? err.message : String(err);
    return finish(
      guarded ? "refused" : "failed",
      `challenger v${challengerVersion} not promoted: ${what}`,
      [...verdict.reasons, what],
      extra,
      training,
    );
  }
  return finish(
    "promoted",
    `challenger v${challengerVersion} promoted over v${ctx.champion}: ${scores}`,
    verdict.reasons,
    extra,
    training,
  );
}
