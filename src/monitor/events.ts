/**
 * Monitoring events in the store's monitor_events table: alert rules starting and stopping to fire,
 * and, for automation, any decision worth a line in `mlship monitor events` (type "decision", with the
 * tracked run behind it). Alerts follow their rule's state: an event when a rule starts firing, again
 * at most every `repeat` while it keeps firing, and one "resolved" when it stops. The state is read
 * back from the table inside the same write transaction that appends, so two processes checking at once
 * (a server and `mlship monitor check`) never report one transition twice, and a restart does not
 * alert again what was already reported.
 */
import type { Kysely } from "kysely";
import type { AlertSpec } from "../spec/index.js";
import { durationMs } from "../spec/index.js";
import type { Store, StoreSchema } from "../store/index.js";
import type { Finding, MonitoringState } from "./check.js";

export type Severity = "info" | "warning" | "critical";
export type Delivery = "none" | "pending" | "delivered" | "failed";

export interface MonitorEvent {
  id: number;
  at: number;
  model: string;
  version: number | null;
  /** "alert", or a type automation adds (e.g. "decision"). */
  type: string;
  kind: string;
  name: string;
  /** Alerts: "firing" or "resolved"; decisions: what was decided (e.g. "promoted", "refused"). */
  status: string;
  severity: Severity;
  message: string;
  details: Record<string, unknown> | null;
  runId: string | null;
  delivery: Delivery;
  attempts: number;
  deliveryError: string | null;
  deliveredAt: number | null;
}

export interface NewEvent {
  at?: number;
  model: string;
  version?: number | null;
  type: string;
  kind: string;
  name?: string;
  status: string;
  severity?: Severity;
  message: string;
  details?: Record<string, unknown> | null;
  runId?: string | null;
  /** Whether a webhook will be tried ("pending") or there is none ("none"). */
  delivery?: Delivery;
}

type Row = StoreSchema["monitor_events"];

function eventOf(r: Omit<Row, "id"> & { id: number | unknown }): MonitorEvent {
  return {
    id: Number(r.id),
    at: Number(r.at),
    model: r.model,
    version: r.version === null ? null : Number(r.version),
    type: r.type,
    kind: r.kind,
    name: r.name,
    status: r.status,
    severity: r.severity as Severity,
    message: r.message,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
    runId: r.run_id,
    delivery: r.delivery as Delivery,
    attempts: Number(r.attempts),
    deliveryError: r.delivery_error,
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
  };
}

async function insert(db: Kysely<StoreSchema>, e: NewEvent): Promise<MonitorEvent> {
  const row = {
    at: e.at ?? Date.now(),
    model: e.model,
    version: e.version ?? null,
    type: e.type,
    kind: e.kind,
    name: e.name ?? e.kind,
    status: e.status,
    severity: e.severity ?? "info",
    message: e.message,
    details: e.details ? JSON.stringify(e.details) : null,
    run_id: e.runId ?? null,
    delivery: e.delivery ?? "none",
    attempts: 0,
    delivery_error: null,
    delivered_at: null,
  };
  const { id } = await db.insertInto("monitor_events").values(row).returning("id").executeTakeFirstOrThrow();
  return eventOf({ ...row, id });
}

/** Appends one event (automation's decisions come in here). */
export function recordEvent(store: Store, event: NewEvent): Promise<MonitorEvent> {
  return store.write((trx) => insert(trx, event));
}

export interface EventQuery {
  model?: string;
  type?: string;
  kind?: string;
  /** Only events at or after this time (epoch ms). */
  since?: number;
  /** Only events with a smaller id (paging backwards). */
  before?: number;
  /** Newest first; default 100, at most 10,000. */
  limit?: number;
}

/** Events, newest first. */
export async function listEvents(store: Store, q: EventQuery = {}): Promise<MonitorEvent[]> {
  let query = store.db.selectFrom("monitor_events").selectAll();
  if (q.model !== undefined) query = query.where("model", "=", q.model);
  if (q.type !== undefined) query = query.where("type", "=", q.type);
  if (q.kind !== undefined) query = query.where("kind", "=", q.kind);
  if (q.since !== undefined) query = query.where("at", ">=", q.since);
  if (q.before !== undefined) query = query.where("id", "<", q.before);
  const rows = await query
    .orderBy("id", "desc")
    .limit(Math.min(Math.max(1, q.limit ?? 100), 10_000))
    .execute();
  return rows.map(eventOf);
}

/** What a finding becomes in the log: the rule's state change, or a repeat of a firing rule. */
function transition(
  finding: Finding,
  last: MonitorEvent | undefined,
  rule: AlertSpec,
  now: number,
): "firing" | "resolved" | null {
  const wasFiring = last?.status === "firing";
  if (finding.firing) {
    if (!wasFiring) return "firing";
    return now - (last as MonitorEvent).at >= durationMs(rule.repeat) ? "firing" : null;
  }
  // An unjudged rule (too little data) neither fires nor resolves.
  return wasFiring && finding.judged ? "resolved" : null;
}

/**
 * Turns a state's findings into alert events: rules that start firing (or keep firing past their
 * repeat interval) and rules that stop. Returns the events appended.
 */
export async function recordAlerts(
  store: Store,
  state: MonitoringState,
  rules: readonly AlertSpec[],
  options: { webhook?: boolean; now?: number } = {},
): Promise<MonitorEvent[]> {
  const now = options.now ?? state.generatedAt;
  const byName = new Map(rules.map((r) => [r.name ?? r.kind, r]));
  return store.write(async (trx) => {
    const out: MonitorEvent[] = [];
    for (const f of state.findings) {
      const rule = byName.get(f.rule);
      if (!rule) continue;
      const lastRow = await trx
        .selectFrom("monitor_events")
        .selectAll()
        .where("model", "=", state.model)
        .where("name", "=", f.rule)
        .where("type", "=", "alert")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const status = transition(f, lastRow ? eventOf(lastRow) : undefined, rule, now);
      if (status === null) continue;
      out.push(
        await insert(trx, {
          at: now,
          model: state.model,
          version: state.version,
          type: "alert",
          kind: f.kind,
          name: f.rule,
          status,
          severity: status === "resolved" ? "info" : f.severity,
          message: status === "resolved" ? `resolved: ${f.message}` : f.message,
          details: {
            value: f.value,
            threshold: f.threshold,
            window: state.window,
            ...(f.kind === "dataDrift" || f.kind === "featureDrift"
              ? {
                  drifted: (state.drift?.features ?? []).filter((x) => x.drifted).map((x) => x.column),
                }
              : {}),
          },
          delivery: options.webhook ? "pending" : "none",
        }),
      );
    }
    return out;
  });
}

/** Records one delivery attempt's outcome. */
export async function markDelivery(
  store: Store,
  id: number,
  outcome: { delivery: Delivery; attempts: number; error?: string | null; at?: number },
): Promise<void> {
  await store.write((trx) =>
    trx
      .updateTable("monitor_events")
      .set({
        delivery: outcome.delivery,
        attempts: outcome.attempts,
        delivery_error: outcome.error ?? null,
        delivered_at: outcome.delivery === "delivered" ? (outcome.at ?? Date.now()) : null,
      })
      .where("id", "=", id)
      .execute(),
  );
}

/** Events still waiting for their webhook (a process that died while delivering them), oldest first. */
export async function pendingEvents(store: Store, olderThan: number): Promise<MonitorEvent[]> {
  const rows = await store.db
    .selectFrom("monitor_events")
    .selectAll()
    .where("delivery", "=", "pending")
    .where("at", "<", olderThan)
    .orderBy("id")
    .limit(1000)
    .execute();
  return rows.map(eventOf);
}
