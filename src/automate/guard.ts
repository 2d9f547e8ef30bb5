/**
 * The guard period after an automatic promotion. The new champion serves; as its predictions get
 * labels, the old champion is scored offline on the very same logged inputs, so both are judged on the
 * same customers. The guard is judged once, when `guard.rows` labelled predictions of the new champion
 * have arrived or, failing that, when the period ends with at least `guard.minRows`; one look means
 * alpha is the real chance of rolling back a champion that is in fact no worse. The rule: roll back
 * when the old champion scores higher and the one-sided paired test (H1: the old one is better) has
 * p < guard.alpha. Fewer than guard.minRows labels by the end: not judged, the new champion stays.
 */
import { MlshipError } from "../core/errors.js";
import type { MonitorEvent } from "../monitor/index.js";
import { championAlias, getVersionByAlias, rollbackAlias } from "../registry/index.js";
import { metricDirection, type RetrainingSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { type Comparison, comparePaired, loadVersion, scoreOn } from "./compare.js";
import { type Decision, type Outcome, recordDecision } from "./decisions.js";
import { labelledFrame, readLabelled } from "./labelled.js";
import type { GuardState } from "./state.js";
import type { TrainingProject } from "./train.js";

export type GuardStatus =
  | { status: "running"; rows: number; until: number }
  | { status: "ended"; decision: Decision; event: MonitorEvent };

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toFixed(4))) : "n/a");
const pfmt = (p: number) => (p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2))));

export interface GuardContext {
  store: Store;
  project: TrainingProject;
  model: string;
  guard: GuardState;
  now: number;
  actor: string;
  parentRunId?: string | null;
  webhook?: boolean;
}

/** Looks at the guard now: still running, or ended with a recorded decision (rolled back or kept). */
export async function checkGuard(ctx: GuardContext): Promise<GuardStatus> {
  const { store, project, model, guard, now } = ctx;
  const { spec } = project;
  const policy = (spec.retraining as RetrainingSpec).guard;
  const record = async (outcome: Outcome, summary: string, reasons: string[], comparison?: Comparison) => {
    const { decision, event } = await recordDecision(
      store,
      spec,
      {
        model,
        kind: "guard",
        outcome,
        summary,
        reasons,
        triggers: [],
        champion: guard.previous,
        version: guard.version,
        ...(comparison ? { comparison } : {}),
        at: now,
      },
      { parentRunId: ctx.parentRunId ?? null, webhook: ctx.webhook === true },
    );
    return { status: "ended" as const, decision, event };
  };

  const current = await getVersionByAlias(store, model, championAlias).catch(() => null);
  if (current?.version !== guard.version) {
    const now = current === null ? "no champion" : `v${current.version}`;
    return record(
      "not-judged",
      `guard of v${guard.version} ended: the champion was moved to ${now} meanwhile`,
      [`the champion is ${now}, no longer the guarded v${guard.version}`],
    );
  }
  const rows = await readLabelled(store, model, {
    ascending: true,
    since: guard.since,
    until: now,
    versions: [guard.version],
    limit: policy.rows,
  });
  if (rows.rows < policy.rows && now < guard.until)
    return { status: "running", rows: rows.rows, until: guard.until };
  if (rows.rows < policy.minRows) {
    return record(
      "not-judged",
      `guard of v${guard.version} ended unjudged: ${rows.rows} labelled predictions by its end, fewer than ${policy.minRows}; v${guard.version} stays champion`,
      [
        `${rows.rows} labelled predictions of v${guard.version} in the guard period, ${policy.minRows} needed`,
      ],
    );
  }
  const fresh = await loadVersion(store, model, guard.version);
  const old = await loadVersion(store, model, guard.previous);
  const inputs = fresh.artifact.payload.inputSchema.columns;
  const types = new Map(inputs.map((c) => [c.name, c.type] as const));
  const target = spec.target as string;
  types.set(target, fresh.artifact.payload.target?.type === "numeric" ? "numeric" : "categorical");
  const frame = labelledFrame(rows, {
    columns: types,
    target,
    hashed: new Set(spec.pii.filter((c) => types.has(c))),
  });
  const truth = frame.column(target);
  // A is the new champion, B the old one: the test asks whether the old one is better.
  const comparison = comparePaired(scoreOn(fresh, frame, truth), scoreOn(old, frame, truth), {
    metric: spec.metric.primary,
    direction: metricDirection(spec),
    ...(spec.positiveClass === undefined ? {} : { positiveClass: String(spec.positiveClass) }),
    secondary: spec.metric.secondary,
    minRows: policy.minRows,
    resamples: spec.monitoring.performance.bootstrap,
    seed: spec.split.seed,
  });
  const m = comparison.metric;
  const scores = `${m} ${fmt(comparison.a)} for v${guard.version} vs ${fmt(comparison.b)} for v${guard.previous} on the ${comparison.rows} predictions labelled since the promotion`;
  if (comparison.pValue === null) {
    return record(
      "not-judged",
      `guard of v${guard.version} ended unjudged: ${comparison.note}`,
      [comparison.note ?? "no test"],
      comparison,
    );
  }
  const worse = comparison.improvement > 0 && comparison.pValue < policy.alpha;
  const test = `${comparison.test}: p = ${pfmt(comparison.pValue)} (${worse ? "<" : ">="} ${policy.alpha})`;
  if (!worse) {
    return record(
      "kept",
      `guard passed: v${guard.version} stays champion (${scores})`,
      [scores, test],
      comparison,
    );
  }
  if (!policy.rollback) {
    return record(
      "kept",
      `guard: v${guard.version} is worse than v${guard.previous} (${scores}), kept because retraining.guard.rollback is false`,
      [scores, test],
      comparison,
    );
  }
  try {
    await rollbackAlias(store, {
      name: model,
      alias: championAlias,
      actor: ctx.actor,
      reason: `mlship watch guard: ${scores} (${test})`,
    });
  } catch (err) {
    if (!(err instanceof MlshipError)) throw err;
    return record(
      "not-judged",
      `guard of v${guard.version}: rolling back failed: ${err.what}`,
      [scores, test, err.what],
      comparison,
    );
  }
  return record(
    "rolled-back",
    `rolled back to v${guard.previous}: v${guard.version} did worse live (${scores})`,
    [scores, test],
    comparison,
  );
}
