/**
 * Customers of a story replayed through a running server as traffic: scoring requests of `batch`
 * customers each to `/v1/models/{model}/predict`, and each customer's outcome sent to the feedback
 * endpoint once `labelDelay` more customers have been scored (outcomes are known weeks later, not at
 * scoring time). The server logs both, so what a watcher sees is exactly what production would show.
 */
import { MlshipError } from "../core/errors.js";
import type { Customer } from "./scenario.js";

export interface ReplayOptions {
  /** The server's base URL, e.g. http://127.0.0.1:5000. */
  url: string;
  model: string;
  /** Customers per scoring request. */
  batch: number;
  /** A customer's outcome is sent once this many later customers were scored. */
  labelDelay: number;
  /** Labels per feedback request. */
  labelBatch?: number;
  /** Bearer token (an API key with the predict role), when the server has keys. */
  token?: string;
}

export interface ReplayProgress {
  scored: number;
  labelled: number;
  requests: number;
  total: number;
}

interface Pending {
  requestId: string;
  row: number;
  label: string;
}

async function call(url: string, body: unknown, token: string | undefined, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new MlshipError({
      what: `cannot reach the server for ${what} (${cause})`,
      where: url,
      fix: "start it first (mlship serve --store .mlship/store.db) and pass its address with --url",
      code: "E_SIMULATE_UNREACHABLE",
    });
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json as { error?: { what?: string; fix?: string } } | undefined)?.error;
    throw new MlshipError({
      what: `the server refused ${what}: ${res.status} ${e?.what ?? text.slice(0, 200)}`,
      where: url,
      fix:
        e?.fix ??
        (res.status === 401
          ? "pass an API key with --api-key-env NAME"
          : "check the model name and the server"),
      code: "E_SIMULATE_REFUSED",
    });
  }
  return json;
}

/** Sends customers as scoring traffic and their outcomes as delayed feedback; keeps unsent outcomes across phases. */
export class Replay {
  private readonly pending: Pending[] = [];
  private scored = 0;
  private labelled = 0;
  private requests = 0;
  readonly requestIds: string[] = [];

  constructor(private readonly options: ReplayOptions) {}

  private base(): string {
    return this.options.url.replace(/\/+$/, "");
  }

  private async sendLabels(n: number): Promise<void> {
    const size = this.options.labelBatch ?? 500;
    while (n > 0 && this.pending.length > 0) {
      const take = this.pending.splice(0, Math.min(size, n, this.pending.length));
      n -= take.length;
      await call(
        `${this.base()}/v1/models/${encodeURIComponent(this.options.model)}/feedback`,
        { labels: take.map((p) => ({ requestId: p.requestId, row: p.row, label: p.label })) },
        this.options.token,
        "the customers' outcomes",
      );
      this.labelled += take.length;
    }
  }

  /** Scores the customers in order; outcomes older than `labelDelay` customers are sent as it goes. */
  async send(
    customers: readonly Customer[],
    onProgress?: (p: ReplayProgress) => void,
  ): Promise<ReplayProgress> {
    const { batch, labelDelay } = this.options;
    const url = `${this.base()}/v1/models/${encodeURIComponent(this.options.model)}/predict`;
    const start = this.scored;
    for (let i = 0; i < customers.length; i += batch) {
      const chunk = customers.slice(i, i + batch);
      const answer = (await call(
        url,
        { records: chunk.map((c) => c.record) },
        this.options.token,
        "scoring",
      )) as {
        requestId: string;
      };
      this.requests++;
      this.requestIds.push(answer.requestId);
      chunk.forEach((c, row) => {
        this.pending.push({ requestId: answer.requestId, row, label: c.label });
      });
      this.scored += chunk.length;
      const due = this.pending.length - labelDelay;
      if (due > 0) await this.sendLabels(due);
      onProgress?.(this.progress(this.scored - start, customers.length));
    }
    return this.progress(this.scored - start, customers.length);
  }

  /** Sends every outcome still held back (the end of a story: the last customers' outcomes arrive). */
  async flush(): Promise<number> {
    const n = this.pending.length;
    await this.sendLabels(n);
    return n;
  }

  /** Outcomes not sent yet. */
  get waiting(): number {
    return this.pending.length;
  }

  private progress(scored: number, total: number): ReplayProgress {
    return { scored, labelled: this.labelled, requests: this.requests, total };
  }
}
