/**
 * Every decision the retraining loop takes is kept twice: as a tracked run (params: the policy; metrics:
 * what was measured; tags: the outcome and its reasons; a decision.json artifact with everything), so it
 * sits in `mlship runs` beside the trainings it started, and as a monitoring event of type "decision",
 * so `mlship monitor events` and the server's /api/v1/monitor/events show it beside the alerts.
 */
import { type MonitorEvent, recordEvent, type Severity } from "../monitor/index.js";
import type { Spec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { type ActiveRun, startRun } from "../track/index.js";
import type { Comparison } from "./compare.js";
import type { TriggerResult } from "./triggers.js";

export type DecisionKind = "retrain" | "guard";

/**
 * promoted / refused / failed: a retraining that ran; skipped: a trigger fired but no retraining
 * started (cooldown, another watcher, too few labels); rolled-back / kept / not-judged: a guard's end.
 */
export type Outcome = "promoted" | "refused" | "failed" | "skipped" | "rolled-back" | "kept" | "not-judged";

export interface Decision {
  model: string;
  kind: DecisionKind;
  outcome: Outcome;
  /** One line for people. */
  summary: string;
  reasons: string[];
  triggers: TriggerResult[];
  /** The champion the decision was taken against. */
  champion: number | null;
  /** The version the decision is about (a challenger, or a guarded champion). */
  version: number | null;
  challenger?: { version: number; runId: string; model: string; holdout: number };
  comparison?: Comparison;
  /** What a challenger trained on. */
  data?: {
    sourceRows: number;
    logRows: number;
    evaluationRows: number;
    /** Training rows dropped because their inputs equal an evaluation row's. */
    duplicatesDropped: number;
    versionsSeen: number[];
    /** Prediction times of the log rows trained on and of the evaluation window: the first ends before the second starts. */
    logSpan: { from: number; to: number } | null;
    evaluationSpan: { from: number; to: number } | null;
  };
  at: number;
  runId: string | null;
  eventId: number | null;
}

const severityOf: Record<Outcome, Severity> = {
  promoted: "info",
  refused: "info",
  skipped: "info",
  kept: "info",
  "not-judged": "info",
  failed: "warning",
  "rolled-back": "warning",
};

/** Starts the decision's run (its training, if any, becomes a child), under the watcher's run. */
export function startDecisionRun(
  store: Store,
  spec: Spec,
  kind: DecisionKind,
  options: { parentRunId?: string | null; triggers?: readonly TriggerResult[] },
): Promise<ActiveRun> {
  const policy = spec.retraining;
  return startRun({
    store,
    experiment: spec.name,
    name: kind === "retrain" ? "retrain" : "guard",
    seed: spec.split.seed,
    ...(options.parentRunId ? { parent: options.parentRunId } : {}),
    tags: {
      "mlship.kind": kind === "retrain" ? "retrain" : "guard",
      "mlship.model": spec.registry.model ?? spec.name,
      ...(options.triggers && options.triggers.length > 0
        ? { "mlship.triggers": options.triggers.map((t) => t.trigger).join(",") }
        : {}),
    },
    ...(policy
      ? {
          params: {
            metric: spec.metric.primary,
            margin: policy.promotion.margin,
            alpha: policy.promotion.alpha,
            evaluation_rows: policy.evaluation.rows,
            evaluation_min_rows: policy.evaluation.minRows,
            data_sources: policy.data.sources,
            data_log: policy.data.log,
            guard_period: String(policy.guard.period),
            guard_rows: policy.guard.rows,
            guard_alpha: policy.guard.alpha,
          },
        }
      : {}),
  });
}

function metricsOf(d: Decision): Record<string, number> {
  const out: Record<string, number> = {};
  const c = d.comparison;
  if (c) {
    const [a, b] = d.kind === "guard" ? ["new_champion", "old_champion"] : ["champion", "challenger"];
    out[`${a}_${c.metric}`] = c.a;
    out[`${b}_${c.metric}`] = c.b;
    out.improvement = c.improvement;
    out.compared_rows = c.rows;
    if (c.pValue !== null) out.p_value = c.pValue;
    for (const [m, v] of Object.entries(c.secondary)) {
      out[`${a}_${m}`] = v.a;
      out[`${b}_${m}`] = v.b;
    }
  }
  if (d.data) {
    out.source_rows = d.data.sourceRows;
    out.log_rows = d.data.logRows;
    out.evaluation_rows = d.data.evaluationRows;
    out.duplicates_dropped = d.data.duplicatesDropped;
  }
  for (const t of d.triggers) if (t.value !== null) out[`trigger_${t.trigger}`] = t.value;
  // NaN cannot be logged as a metric value meaningfully for people; leave it out.
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Number.isFinite(v)));
}

/** Logs the decision into its run, ends the run, and appends the event; fills runId and eventId. */
export async function finishDecision(
  store: Store,
  run: ActiveRun,
  decision: Omit<Decision, "runId" | "eventId">,
  options: { webhook?: boolean } = {},
): Promise<{ decision: Decision; event: MonitorEvent }> {
  const d: Decision = { ...decision, runId: run.runId, eventId: null };
  await run.logBatch({
    metrics: Object.entries(metricsOf(d)).map(([key, value]) => ({ key, value })),
    tags: {
      "mlship.decision": d.outcome,
      "mlship.summary": d.summary.slice(0, 4000),
      "mlship.reasons": d.reasons.join("; ").slice(0, 4000),
      ...(d.version === null ? {} : { "mlship.version": String(d.version) }),
      ...(d.champion === null ? {} : { "mlship.champion": String(d.champion) }),
    },
  });
  await run.logArtifact("decision.json", `${JSON.stringify(d, null, 2)}\n`);
  await run.end(d.outcome === "failed" ? "FAILED" : "FINISHED");
  const event = await recordEvent(store, {
    at: d.at,
    model: d.model,
    version: d.version,
    type: "decision",
    kind: d.kind,
    name: d.kind === "retrain" ? "retraining" : "guard",
    status: d.outcome,
    severity: severityOf[d.outcome],
    message: d.summary,
    details: {
      reasons: d.reasons,
      triggers: d.triggers,
      champion: d.champion,
      ...(d.challenger ? { challenger: d.challenger } : {}),
      ...(d.comparison ? { comparison: d.comparison } : {}),
      ...(d.data ? { data: d.data } : {}),
    },
    runId: run.runId,
    delivery: options.webhook ? "pending" : "none",
  });
  d.eventId = event.id;
  return { decision: d, event };
}

/** A decision with no work behind it (a skip, a guard's end): its run started and finished at once. */
export async function recordDecision(
  store: Store,
  spec: Spec,
  decision: Omit<Decision, "runId" | "eventId">,
  options: { parentRunId?: string | null; webhook?: boolean } = {},
): Promise<{ decision: Decision; event: MonitorEvent }> {
  const run = await startDecisionRun(store, spec, decision.kind, {
    parentRunId: options.parentRunId ?? null,
    triggers: decision.triggers,
  });
  return finishDecision(store, run, decision, options);
}
