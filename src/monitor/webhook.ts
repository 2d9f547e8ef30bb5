/**
 * Alert events POSTed to the spec's webhook as JSON. Each attempt has a timeout; network errors,
 * timeouts, 429 and 5xx answers are retried with exponential backoff (honouring a Retry-After of up to
 * a minute), other 4xx answers are not (the receiver refuses the payload; retrying would not help).
 * The outcome is recorded on the event. Nothing here ever throws to the caller: a webhook that fails or
 * hangs costs its own timers only, never a prediction.
 *
 * The body carries the event and a one-line `text`, so a Slack-style incoming webhook shows something
 * readable as is; receivers de-duplicate on `event.id` (also sent as X-Mlship-Event), since a process
 * that dies mid-delivery delivers again when it restarts.
 */
import { mlshipVersion } from "../core/version.js";
import type { MonitoringSpec } from "../spec/index.js";
import type { Store } from "../store/index.js";
import { type MonitorEvent, markDelivery } from "./events.js";

export type WebhookSpec = NonNullable<MonitoringSpec["webhook"]>;

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  /** The last HTTP status, when there was an answer. */
  status?: number;
  error?: string;
}

export function webhookPayload(event: MonitorEvent): Record<string, unknown> {
  const version = event.version === null ? "" : ` v${event.version}`;
  return {
    source: "mlship",
    mlshipVersion,
    text: `[mlship] ${event.severity} ${event.model}${version}: ${event.name} ${event.status}: ${event.message}`,
    event: { ...event, time: new Date(event.at).toISOString() },
  };
}

const maxRetryAfterMs = 60_000;

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(Math.max(0, seconds * 1000), maxRetryAfterMs);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.min(Math.max(0, at - Date.now()), maxRetryAfterMs);
}

export interface DeliverOptions {
  /** Stops waiting between attempts and aborts the one in flight (shutdown). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** POSTs `payload` with retries; resolves with the outcome, never rejects. */
export async function deliverWebhook(
  payload: unknown,
  webhook: WebhookSpec,
  options: DeliverOptions & { eventId?: number } = {},
): Promise<DeliveryResult> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": `mlship/${mlshipVersion}`,
  };
  if (options.eventId !== undefined) headers["x-mlship-event"] = String(options.eventId);
  const token = webhook.tokenEnv ? (options.env ?? process.env)[webhook.tokenEnv] : undefined;
  if (token) headers.authorization = `Bearer ${token}`;
  const body = JSON.stringify(payload);
  let attempts = 0;
  let last: DeliveryResult = { delivered: false, attempts: 0 };
  for (let attempt = 0; attempt <= webhook.retries; attempt++) {
    if (options.signal?.aborted) break;
    attempts++;
    let wait = webhook.backoffMs * 2 ** attempt;
    try {
      const signals = [AbortSignal.timeout(webhook.timeoutMs), ...(options.signal ? [options.signal] : [])];
      const res = await fetch(webhook.url, {
        method: "POST",
        headers,
        body,
        signal: AbortSignal.any(signals),
        redirect: "error",
      });
      // The body is not needed, but an unread body keeps the connection busy.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts, status: res.status };
      last = { delivered: false, attempts, status: res.status, error: `HTTP ${res.status}` };
      if (res.status !== 429 && res.status < 500) return last;
      wait = Math.max(wait, retryAfterMs(res.headers.get("retry-after")) ?? 0);
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const timedOut = e.name === "TimeoutError";
      last = {
        delivered: false,
        attempts,
        error: timedOut ? `no answer within ${webhook.timeoutMs} ms` : (e.cause?.code ?? e.message),
      };
    }
    if (attempt < webhook.retries) await sleep(wait, options.signal);
  }
  return { ...last, attempts };
}

/**
 * Delivers events in the background and records each outcome on the event. `close` waits for the
 * deliveries under way up to a deadline, then abandons them (they stay "pending" and are retried by
 * the next process that starts).
 */
export class WebhookSender {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  constructor(
    private readonly store: Store,
    private readonly onError: (err: unknown, event: MonitorEvent) => void = () => {},
  ) {}

  send(event: MonitorEvent, webhook: WebhookSpec): void {
    const p = (async () => {
      const result = await deliverWebhook(webhookPayload(event), webhook, {
        eventId: event.id,
        signal: this.abort.signal,
      });
      if (this.abort.signal.aborted && !result.delivered) return;
      await markDelivery(this.store, event.id, {
        delivery: result.delivered ? "delivered" : "failed",
        attempts: result.attempts,
        error: result.error ?? null,
      });
    })().catch((err: unknown) => this.onError(err, event));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  /** Resolves once nothing is being delivered (for tests and orderly shutdowns). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(deadlineMs = 5000): Promise<void> {
    const deadline = sleep(deadlineMs);
    await Promise.race([this.idle(), deadline]);
    this.abort.abort();
    await this.idle();
  }
}
