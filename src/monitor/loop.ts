/**
 * The periodic check a server runs: every `monitoring.every`, each registered model's champion is
 * checked (checkModel), its findings become alert events (recordAlerts) and new events go to the
 * webhook. A model's settings are those stored with its champion's profile unless the caller supplies
 * fresher ones (the spec file `mlship serve --spec` was given). One model failing to check (a store
 * busy past its timeout, a corrupt profile) is logged and retried next round; it never stops the loop.
 */
import { championAlias, searchRegisteredModels } from "../registry/index.js";
import { durationMs, type MonitoringSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { alertRules, checkModel, defaultMonitoring, type MonitoringState } from "./check.js";
import { type MonitorEvent, pendingEvents, recordAlerts } from "./events.js";
import { loadVersionProfile } from "./training.js";
import { WebhookSender } from "./webhook.js";

export interface LoopLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface MonitorLoopOptions {
  /** Settings per model that win over the ones stored with the profile (from a spec file). */
  monitoring?: Readonly<Record<string, MonitoringSpec>>;
  /** Check every this many ms; default the spec's `every` of the first model (else one minute). */
  everyMs?: number;
  /** Only these models (default: every registered model with a champion). */
  models?: readonly string[];
  now?: () => number;
  log?: LoopLogger;
}

export interface RoundResult {
  model: string;
  state?: MonitoringState;
  events: MonitorEvent[];
  error?: unknown;
}

const quiet: LoopLogger = { info() {}, warn() {} };

export class MonitorLoop {
  readonly webhooks: WebhookSender;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RoundResult[]> | undefined;
  private stopped = false;
  private readonly log: LoopLogger;

  constructor(
    private readonly store: Store,
    private readonly options: MonitorLoopOptions = {},
  ) {
    this.log = options.log ?? quiet;
    this.webhooks = new WebhookSender(store, (err, event) =>
      this.log.warn({ err, event: event.id }, "monitor: recording a webhook delivery failed"),
    );
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private async models(): Promise<string[]> {
    if (this.options.models) return [...this.options.models];
    const names: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await searchRegisteredModels(this.store, {
        maxResults: 1000,
        ...(pageToken ? { pageToken } : {}),
      });
      for (const m of page.models) if (m.aliases?.[championAlias] !== undefined) names.push(m.name);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return names;
  }

  /** The settings a model is judged by: the caller's, else its champion profile's, else the defaults. */
  async monitoringFor(model: string): Promise<MonitoringSpec> {
    const own = this.options.monitoring?.[model];
    if (own) return own;
    const { profile } = await loadVersionProfile(this.store, model);
    return profile?.monitoring ?? defaultMonitoring();
  }

  /** One round over every model; resolves when its events are recorded (webhooks go on in the background). */
  runOnce(): Promise<RoundResult[]> {
    this.running ??= this.round().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<RoundResult[]> {
    const out: RoundResult[] = [];
    let models: string[];
    try {
      models = await this.models();
    } catch (err) {
      this.log.warn({ err }, "monitor: cannot list the models to check");
      return out;
    }
    for (const model of models) {
      if (this.stopped) break;
      try {
        const monitoring = await this.monitoringFor(model);
        const now = this.now();
        const state = await checkModel(this.store, { model, monitoring, now });
        const { profile } = await loadVersionProfile(this.store, model, state.version);
        const rules = alertRules(monitoring, profile?.constraints);
        const events = await recordAlerts(this.store, state, rules, {
          webhook: monitoring.webhook !== undefined,
          now,
        });
        for (const e of events) {
          this.log.info(
            { model, rule: e.name, status: e.status, severity: e.severity },
            `monitor: ${e.message}`,
          );
          if (monitoring.webhook) this.webhooks.send(e, monitoring.webhook);
        }
        out.push({ model, state, events });
      } catch (err) {
        this.log.warn({ err, model }, "monitor: checking a model failed; will retry next round");
        out.push({ model, events: [], error: err });
      }
    }
    return out;
  }

  /**
   * Delivers what earlier processes left pending (they died mid-delivery), then checks every
   * `everyMs`. Timers are unref'd: the loop never keeps a process alive.
   */
  async start(): Promise<void> {
    let every = this.options.everyMs;
    if (every === undefined) {
      const first = (await this.models().catch(() => []))[0];
      every = durationMs(first ? (await this.monitoringFor(first).catch(defaultMonitoring)).every : "1m");
    }
    void this.resend().catch((err: unknown) =>
      this.log.warn({ err }, "monitor: resending pending webhooks failed"),
    );
    this.timer = setInterval(() => void this.runOnce(), every);
    this.timer.unref();
  }

  /** Pending deliveries more than a minute old belong to a process that is gone. */
  private async resend(): Promise<void> {
    for (const e of await pendingEvents(this.store, this.now() - 60_000)) {
      const monitoring = await this.monitoringFor(e.model).catch(() => undefined);
      if (monitoring?.webhook) this.webhooks.send(e, monitoring.webhook);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
    await this.webhooks.close();
  }
}
