/**
 * What the retraining loop keeps in the store per model (the automation_state table), and the lease
 * that lets one watcher at a time retrain and promote a model. Taking the lease is one conditional
 * UPDATE inside a write transaction (BEGIN IMMEDIATE on SQLite): it succeeds only when nobody holds the
 * lease, the holder's lease has expired (a watcher that died), or we already hold it; so of two
 * watchers on one store exactly one retrains, and the other is told who does. A holder renews its lease
 * while it works; the alias move itself is guarded too (it only happens if the champion is still the
 * one the decision was made against), so even an expired lease cannot cause two promotions.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Store } from "../store/index.js";

/** The guard period that follows an automatic promotion. */
export interface GuardState {
  /** The new champion and the one it replaced. */
  version: number;
  previous: number;
  /** When the promotion happened; the guard reads rows logged from then. */
  since: number;
  /** When the period ends. */
  until: number;
  /** The decision run that promoted. */
  runId: string | null;
}

export interface AutomationState {
  model: string;
  leaseHolder: string | null;
  leaseUntil: number | null;
  lastRetrainAt: number | null;
  scheduleCheckedAt: number | null;
  guard: GuardState | null;
  lastSkip: string | null;
}

/** A name for this watcher, unique per process start: host, pid and a random suffix. */
export function watcherId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

export async function readState(store: Store, model: string): Promise<AutomationState> {
  const r = await store.db
    .selectFrom("automation_state")
    .selectAll()
    .where("model", "=", model)
    .executeTakeFirst();
  const num = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return {
    model,
    leaseHolder: r?.lease_holder ?? null,
    leaseUntil: num(r?.lease_until),
    lastRetrainAt: num(r?.last_retrain_at),
    scheduleCheckedAt: num(r?.schedule_checked_at),
    guard: r?.guard ? (JSON.parse(r.guard) as GuardState) : null,
    lastSkip: r?.last_skip ?? null,
  };
}

export type StatePatch = Partial<
  Pick<AutomationState, "lastRetrainAt" | "scheduleCheckedAt" | "guard" | "lastSkip">
>;

/** Writes the fields given (creating the model's row when needed). */
export async function updateState(
  store: Store,
  model: string,
  patch: StatePatch,
  now = Date.now(),
): Promise<void> {
  const set: Record<string, unknown> = { updated_at: now };
  if ("lastRetrainAt" in patch) set.last_retrain_at = patch.lastRetrainAt;
  if ("scheduleCheckedAt" in patch) set.schedule_checked_at = patch.scheduleCheckedAt;
  if ("guard" in patch) set.guard = patch.guard ? JSON.stringify(patch.guard) : null;
  if ("lastSkip" in patch) set.last_skip = patch.lastSkip;
  await store.write(async (trx) => {
    await trx
      .insertInto("automation_state")
      .values({ model, updated_at: now })
      .onConflict((oc) => oc.column("model").doNothing())
      .execute();
    await trx.updateTable("automation_state").set(set).where("model", "=", model).execute();
  });
}

export interface LeaseResult {
  acquired: boolean;
  /** Who holds it (us when acquired). */
  holder: string | null;
  until: number | null;
}

/** Takes (or renews) the model's lease for `ttlMs`, unless another live watcher holds it. */
export async function acquireLease(
  store: Store,
  model: string,
  holder: string,
  options: { now: number; ttlMs: number },
): Promise<LeaseResult> {
  const { now, ttlMs } = options;
  return store.write(async (trx) => {
    await trx
      .insertInto("automation_state")
      .values({ model, updated_at: now })
      .onConflict((oc) => oc.column("model").doNothing())
      .execute();
    const r = await trx
      .updateTable("automation_state")
      .set({ lease_holder: holder, lease_until: now + ttlMs, updated_at: now })
      .where("model", "=", model)
      .where((eb) =>
        eb.or([eb("lease_holder", "is", null), eb("lease_until", "<", now), eb("lease_holder", "=", holder)]),
      )
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return { acquired: true, holder, until: now + ttlMs };
    const held = await trx
      .selectFrom("automation_state")
      .select(["lease_holder", "lease_until"])
      .where("model", "=", model)
      .executeTakeFirstOrThrow();
    return {
      acquired: false,
      holder: held.lease_holder,
      until: held.lease_until === null ? null : Number(held.lease_until),
    };
  });
}

/** Gives the lease up, if we still hold it. */
export async function releaseLease(
  store: Store,
  model: string,
  holder: string,
  now = Date.now(),
): Promise<void> {
  await store.write((trx) =>
    trx
      .updateTable("automation_state")
      .set({ lease_holder: null, lease_until: null, updated_at: now })
      .where("model", "=", model)
      .where("lease_holder", "=", holder)
      .execute(),
  );
}
