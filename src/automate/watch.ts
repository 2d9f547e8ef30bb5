/**
 * The retraining loop (`mlship watch`, `mlship serve --watch`): every `retraining.every` it looks at the
 * spec's model once. While a guard period runs, it judges the guard and does nothing else. Otherwise it
 * checks the champion (checkModel: drift, performance against the holdout), evaluates every trigger,
 * and when one fires: takes the model's lease, re-reads the state under it (another watcher may have
 * just retrained), honours the cooldown, and retrains.
 *
 * What is recorded: the watcher itself is a tracked run ("watch"), and every round is a step of it with
 * each trigger's value and whether any fired, so "retrain triggered or not" is on record for every
 * look. Every triggered round is a decision (a child run plus a "decision" event): promoted, refused,
 * failed, or skipped with its reason. A skip that repeats the previous one (still in cooldown, still
 * too few labels) is not recorded again; the watch run's steps still show each round.
 */
import { MlshipError } from "../core/errors.js";
import type { TrainEvent } from "../evaluate/index.js";
import { checkModel, type MonitorEvent, type MonitoringState, WebhookSender } from "../monitor/index.js";
import { championAlias, getVersionByAlias } from "../registry/index.js";
import { durationMs, type RetrainingSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { type ActiveRun, startRun } from "../track/index.js";
import type { TuneEvent } from "../tune/index.js";
import { type Decision, recordDecision } from "./decisions.js";
import { checkGuard, type GuardStatus } from "./guard.js";
import { type RetrainStep, retrain } from "./retrain.js";
import { acquireLease, readState, releaseLease, updateState, watcherId } from "./state.js";
import type { TrackedTraining, TrainingProject } from "./train.js";
import {
  driftTrigger,
  labelsSince,
  newLabelsTrigger,
  performanceTrigger,
  scheduleTrigger,
  type TriggerResult,
} from "./triggers.js";

export interface WatchOptions {
  store: Store;
  project: TrainingProject;
  /** The clock (tests and simulations replay time); default Date.now. */
  now?: () => number;
  /** The audit log's actor for alias moves; default "mlship watch". */
  actor?: string;
  /** This watcher's name in the lease; default host:pid:random. */
  holder?: string;
  /** How long a lease lasts without renewal; default 10 minutes (renewed every third of it). */
  leaseTtlMs?: number;
  /** Record the watcher as a tracked run with a step per round (default true). */
  trackRounds?: boolean;
  onTrainEvent?: (e: TrainEvent | TuneEvent) => void;
  onStep?: (step: RetrainStep) => void;
  /** Told of each round once it is over. */
  onRound?: (report: RoundReport) => void;
  /** Told of a round that failed (the loop goes on). */
  onError?: (err: unknown) => void;
}

export type RoundAction = "none" | "skipped" | "retrained" | "guard-running" | "guard-ended" | "no-champion";

export interface RoundReport {
  model: string;
  at: number;
  round: number;
  champion: number | null;
  action: RoundAction;
  /** One line for people. */
  message: string;
  state: MonitoringState | null;
  triggers: TriggerResult[];
  guard?: GuardStatus;
  /** The decision recorded this round, if any (a repeated skip records none). */
  decision: Decision | null;
  training?: TrackedTraining | null;
}

/** The spec's retraining policy, or a clear error pointing at the spec. */
export function retrainingPolicy(project: TrainingProject): RetrainingSpec {
  const policy = project.spec.retraining;
  if (!policy) {
    throw new MlshipError({
      what: `the spec has no retraining section, so there is nothing to watch for`,
      where: project.specPath ? `spec: ${project.specPath}` : "spec: retraining",
      fix: "add one, e.g.\n  retraining:\n    on: { drift: true, performanceDrop: true }\n(mlship schema lists every field)",
      code: "E_WATCH_NO_POLICY",
    });
  }
  return policy;
}

/** How often the watcher looks: retraining.every, else monitoring.every. */
export function watchEveryMs(project: TrainingProject): number {
  const { spec } = project;
  return durationMs(spec.retraining?.every ?? spec.monitoring.every);
}

const minute = 60_000;

export class Watcher {
  readonly model: string;
  readonly holder: string;
  private readonly policy: RetrainingSpec;
  private readonly actor: string;
  private readonly ttl: number;
  private readonly webhooks: WebhookSender | null;
  private run: ActiveRun | null = null;
  private rounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RoundReport> | undefined;
  private stopped = false;

  constructor(private readonly options: WatchOptions) {
    this.policy = retrainingPolicy(options.project);
    const { spec } = options.project;
    this.model = spec.registry.model ?? spec.name;
    this.holder = options.holder ?? watcherId();
    this.actor = options.actor ?? "mlship watch";
    this.ttl = options.leaseTtlMs ?? 10 * minute;
    this.webhooks = spec.monitoring.webhook
      ? new WebhookSender(options.store, (err) => this.options.onError?.(err))
      : null;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private get store(): Store {
    return this.options.store;
  }

  /** One look; concurrent calls share the round in progress. */
  round(): Promise<RoundReport> {
    this.running ??= this.look().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async watchRun(): Promise<ActiveRun | null> {
    if (this.options.trackRounds === false) return null;
    const { spec } = this.options.project;
    this.run ??= await startRun({
      store: this.store,
      experiment: spec.name,
      name: "watch",
      seed: spec.split.seed,
      tags: { "mlship.kind": "watch", "mlship.model": this.model, "mlship.watcher": this.holder },
      params: {
        triggers: Object.keys(this.policy.on).join(","),
        every_ms: watchEveryMs(this.options.project),
        cooldown: String(this.policy.cooldown),
      },
    });
    return this.run;
  }

  private async skip(
    key: string,
    summary: string,
    reasons: string[],
    base: { triggers: TriggerResult[]; champion: number; now: number; lastSkip: string | null },
  ): Promise<Decision | null> {
    if (base.lastSkip === key) return null;
    const run = await this.watchRun();
    const { decision, event } = await recordDecision(
      this.store,
      this.options.project.spec,
      {
        model: this.model,
        kind: "retrain",
        outcome: "skipped",
        summary,
        reasons: [...base.triggers.filter((t) => t.fired).map((t) => t.reason), ...reasons],
        triggers: base.triggers,
        champion: base.champion,
        version: base.champion,
        at: base.now,
      },
      { parentRunId: run?.runId ?? null, webhook: this.webhooks !== null },
    );
    this.deliver(event);
    await updateState(this.store, this.model, { lastSkip: key }, base.now);
    return decision;
  }

  private deliver(event: MonitorEvent): void {
    const webhook = this.options.project.spec.monitoring.webhook;
    if (this.webhooks && webhook) this.webhooks.send(event, webhook);
  }

  private async look(): Promise<RoundReport> {
    const now = this.now();
    const round = ++this.rounds;
    const { spec } = this.options.project;
    const on = this.policy.on;
    const report = (r: Omit<RoundReport, "model" | "at" | "round">): RoundReport => ({
      model: this.model,
      at: now,
      round,
      ...r,
    });
    const champion = await getVersionByAlias(this.store, this.model, championAlias).catch((err: unknown) => {
      if (err instanceof MlshipError && err.code.startsWith("E_NOT_FOUND")) return null;
      throw err;
    });
    if (!champion) {
      return this.finishRound(
        report({
          champion: null,
          action: "no-champion",
          message: `${this.model} has no champion yet: nothing to watch (train and promote one first)`,
          state: null,
          triggers: [],
          decision: null,
        }),
      );
    }
    const st = await readState(this.store, this.model);
    const parentRunId = (await this.watchRun())?.runId ?? null;
    if (st.guard) {
      const guard = await checkGuard({
        store: this.store,
        project: this.options.project,
        model: this.model,
        guard: st.guard,
        now,
        actor: this.actor,
        parentRunId,
        webhook: this.webhooks !== null,
      });
      if (guard.status === "running") {
        return this.finishRound(
          report({
            champion: champion.version,
            action: "guard-running",
            message: `guard of v${st.guard.version}: ${guard.rows} of ${this.policy.guard.rows} labelled predictions so far, until ${new Date(guard.until).toISOString()}`,
            state: null,
            triggers: [],
            guard,
            decision: null,
          }),
        );
      }
      await updateState(this.store, this.model, { guard: null, lastSkip: null }, now);
      this.deliver(guard.event);
      return this.finishRound(
        report({
          champion: champion.version,
          action: "guard-ended",
          message: guard.decision.summary,
          state: null,
          triggers: [],
          guard,
          decision: guard.decision,
        }),
      );
    }

    const state = await checkModel(this.store, { model: this.model, monitoring: spec.monitoring, now });
    const triggers: TriggerResult[] = [];
    if (on.drift !== undefined && on.drift !== false) triggers.push(driftTrigger(on.drift, state));
    if (on.performanceDrop !== undefined && on.performanceDrop !== false)
      triggers.push(performanceTrigger(on.performanceDrop, state));
    if (on.schedule !== undefined) {
      triggers.push(scheduleTrigger(on.schedule, this.policy.timezone, st.scheduleCheckedAt, now));
      await updateState(this.store, this.model, { scheduleCheckedAt: now }, now);
    }
    if (on.newLabels !== undefined) {
      const since = st.lastRetrainAt ?? champion.createdAt;
      const sinceWhat =
        st.lastRetrainAt === null
          ? `v${champion.version} was registered`
          : `the last retraining (${new Date(since).toISOString()})`;
      triggers.push(
        newLabelsTrigger(on.newLabels, await labelsSince(this.store, this.model, since, now), sinceWhat),
      );
    }
    const fired = triggers.filter((t) => t.fired);
    const base = { triggers, champion: champion.version, now, lastSkip: st.lastSkip };
    const quiet = (message: string) =>
      report({ champion: champion.version, action: "none", message, state, triggers, decision: null });
    if (fired.length === 0)
      return this.finishRound(quiet(`no trigger fired: ${triggers.map((t) => t.reason).join("; ")}`));

    const labelled = await this.labelledCount(now);
    if (labelled < this.policy.evaluation.minRows) {
      const decision = await this.skip(
        "too-few-labels",
        `retraining waits: ${labelled} labelled predictions, ${this.policy.evaluation.minRows} needed to judge a challenger`,
        [
          `${labelled} labelled predictions in the log, fewer than retraining.evaluation.minRows (${this.policy.evaluation.minRows})`,
        ],
        base,
      );
      return this.finishRound(
        report({
          champion: champion.version,
          action: "skipped",
          message: `${fired.map((t) => t.reason).join("; ")}; but ${labelled} labelled predictions are too few to judge a challenger (${this.policy.evaluation.minRows} needed)`,
          state,
          triggers,
          decision,
        }),
      );
    }
    const lease = await acquireLease(this.store, this.model, this.holder, { now, ttlMs: this.ttl });
    if (!lease.acquired) {
      const decision = await this.skip(
        `lease:${lease.holder}`,
        `retraining skipped: another watcher (${lease.holder}) is retraining ${this.model}`,
        [`the lease is held by ${lease.holder} until ${new Date(lease.until ?? now).toISOString()}`],
        base,
      );
      return this.finishRound(
        report({
          champion: champion.version,
          action: "skipped",
          message: `another watcher (${lease.holder}) is retraining`,
          state,
          triggers,
          decision,
        }),
      );
    }
    const renew = setInterval(
      () => {
        void acquireLease(this.store, this.model, this.holder, { now: this.now(), ttlMs: this.ttl }).catch(
          (err: unknown) => this.options.onError?.(err),
        );
      },
      Math.max(1000, this.ttl / 3),
    );
    renew.unref();
    try {
      // Under the lease, the state as it is now: another watcher may have retrained a moment ago.
      const fresh = await readState(this.store, this.model);
      const current = await getVersionByAlias(this.store, this.model, championAlias);
      const cooldown = durationMs(this.policy.cooldown);
      if (fresh.lastRetrainAt !== null && now - fresh.lastRetrainAt < cooldown) {
        const next = new Date(fresh.lastRetrainAt + cooldown).toISOString();
        const decision = await this.skip(
          `cooldown:${fresh.lastRetrainAt}`,
          `retraining waits for the cooldown: the last one began at ${new Date(fresh.lastRetrainAt).toISOString()}, the next may start at ${next}`,
          [`retraining.cooldown is ${this.policy.cooldown}`],
          { ...base, lastSkip: fresh.lastSkip },
        );
        return this.finishRound(
          report({
            champion: champion.version,
            action: "skipped",
            message: `${fired.map((t) => t.reason).join("; ")}; retraining waits for the cooldown (until ${next})`,
            state,
            triggers,
            decision,
          }),
        );
      }
      if (current.version !== champion.version || fresh.guard) {
        return this.finishRound(
          quiet(`the champion changed to v${current.version} while this round looked; next round judges it`),
        );
      }
      await updateState(this.store, this.model, { lastRetrainAt: now, lastSkip: null }, now);
      const result = await retrain({
        store: this.store,
        project: this.options.project,
        model: this.model,
        champion: champion.version,
        now,
        triggers,
        actor: this.actor,
        parentRunId,
        webhook: this.webhooks !== null,
        ...(this.options.onTrainEvent ? { onTrainEvent: this.options.onTrainEvent } : {}),
        ...(this.options.onStep ? { onStep: this.options.onStep } : {}),
      });
      const d = result.decision;
      if (d.outcome === "promoted" && d.version !== null) {
        const since = this.now();
        await updateState(
          this.store,
          this.model,
          {
            guard: {
              version: d.version,
              previous: champion.version,
              since,
              until: since + durationMs(this.policy.guard.period),
              runId: d.runId,
            },
          },
          since,
        );
      }
      this.deliver(result.event);
      return this.finishRound(
        report({
          champion: champion.version,
          action: "retrained",
          message: d.summary,
          state,
          triggers,
          decision: d,
          training: result.training,
        }),
      );
    } finally {
      clearInterval(renew);
      await releaseLease(this.store, this.model, this.holder, this.now()).catch((err: unknown) =>
        this.options.onError?.(err),
      );
    }
  }

  /** Labelled predictions of the model in the log, counted up to what a retraining needs. */
  private async labelledCount(now: number): Promise<number> {
    const needed = this.policy.evaluation.minRows;
    const rows = await this.store.db
      .selectFrom("prediction_log as p")
      .innerJoin("prediction_feedback as f", (j) =>
        j.onRef("f.request_id", "=", "p.request_id").onRef("f.row_index", "=", "p.row_index"),
      )
      .select("p.at")
      .where("p.model", "=", this.model)
      .where("p.at", "<=", now)
      .limit(needed)
      .execute();
    return rows.length;
  }

  private async finishRound(r: RoundReport): Promise<RoundReport> {
    const run = this.run;
    if (run && !run.ended) {
      const metrics: Record<string, number> = { triggered: r.triggers.some((t) => t.fired) ? 1 : 0 };
      for (const t of r.triggers)
        if (t.value !== null && Number.isFinite(t.value)) metrics[`trigger_${t.trigger}`] = t.value;
      await run.logMetrics(metrics, { step: r.round, timestamp: r.at });
      await run.setTags({
        "mlship.watch.last": `${new Date(r.at).toISOString()} ${r.message}`.slice(0, 4000),
      });
    }
    this.options.onRound?.(r);
    return r;
  }

  /** Looks now, then every `retraining.every`; rounds never overlap, and a failed one is reported and retried. */
  start(): void {
    const every = watchEveryMs(this.options.project);
    const tick = async () => {
      try {
        await this.round();
      } catch (err) {
        this.options.onError?.(err);
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => void tick(), every);
        this.timer.unref();
      }
    };
    void tick();
  }

  /** Stops looking; a retraining in progress finishes first. Ends the watcher's run. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.webhooks?.close();
    await this.run?.end("FINISHED");
  }
}
