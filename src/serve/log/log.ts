/**
 * The prediction log: every scored row goes to the store's prediction_log table, through a bounded
 * in-memory queue written in batches (one transaction each, every `flushMs` or as soon as `batchRows`
 * are waiting), so requests never wait on the store. A request whose rows the queue cannot take is
 * refused (503, Retry-After) rather than answered unrecorded; a streamed batch, whose 200 has gone out,
 * waits for room instead.
 *
 * Batches are written by a thread of their own (writer.ts), so neither the inserts nor the commit's
 * fsync nor a wait for another process's lock ever stalls a request.
 *
 * Nothing taken is lost short of the process being killed outright: close() flushes, and a batch the
 * store refuses (locked past `busyTimeoutMs`, full disk, read-only, I/O error) is appended to a spool
 * file and replayed later (see spool.ts). While the store is failing, batches go straight to the
 * spool rather than waiting on the lock again every flush; a periodic replay brings the store back.
 */
import type { FastifyBaseLogger } from "fastify";
import { MlshipError } from "../../core/errors.js";
import type { Store } from "../../store/index.js";
import type { PredictionEvent, PredictObserver } from "../predict/observe.js";
import { loadPiiKey, type PiiHasher, piiHasher, resolvePiiKeyFile } from "./pii.js";
import { type LogSegment, rowCount, rowsOfSegment, segmentOf, segmentsOfRows } from "./rows.js";
import { type ReplayResult, Spool } from "./spool.js";
import { LogWriter } from "./writer.js";

export interface PredictionLogOptions {
  /** Most rows held in memory; a request that does not fit is refused with 503. Default 100,000. */
  capacity?: number;
  /** Write as soon as this many rows wait; default 1,000. */
  batchRows?: number;
  /** Longest a row waits before its batch is written, in ms; default 200. */
  flushMs?: number;
  /** Spool folder; default `<store file>.spool` beside the store. */
  spoolDir?: string;
  /** How often spool files are replayed, in ms; default 2,000. */
  replayMs?: number;
  /** How long a batch waits for another process's write lock before it is spooled; default 1,000 ms. */
  busyTimeoutMs?: number;
  /**
   * At shutdown, how long the last batch waits for the lock before it is spooled; default 10,000 ms
   * (the store's usual wait: no request is waiting on this process any more).
   */
  closeBusyTimeoutMs?: number;
  /** Sent as Retry-After (seconds) with a refusal; default 1. */
  retryAfterSeconds?: number;
  /** Longest a streamed batch waits for room before it is aborted, in ms; default 30,000. */
  batchWaitMs?: number;
  /** The PII hashing key's file (see pii.ts for the default). */
  piiKeyFile?: string;
}

/** What the metrics read: rows held in memory (queued and being written) and the most allowed. */
export interface QueueDepth {
  depth(): number;
  readonly capacity: number;
}

type Logger = Pick<FastifyBaseLogger, "warn" | "error" | "info">;

interface Waiter {
  rows: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  timer: NodeJS.Timeout;
}

export class PredictionLog implements PredictObserver, QueueDepth {
  readonly capacity: number;
  readonly spool: Spool;
  /** The thread writing batches (its `pragma` is for diagnostics and tests). */
  readonly writer: LogWriter;
  private readonly batchRows: number;
  private readonly flushMs: number;
  private readonly replayMs: number;
  private readonly busyTimeoutMs: number;
  private readonly retryAfterSeconds: number;
  private readonly batchWaitMs: number;
  private queue: LogSegment[] = [];
  /** Rows in `queue`. */
  private queued = 0;
  private inFlight = 0;
  private waiters: Waiter[] = [];
  /** The store failed the last write: batches go to the spool until a replay succeeds. */
  private degraded = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushSoon: NodeJS.Immediate | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private closed = false;
  private hasher: PiiHasher | undefined;
  private readonly hash = (): PiiHasher => {
    this.hasher ??= piiHasher(loadPiiKey(resolvePiiKeyFile(this.options.piiKeyFile)));
    return this.hasher;
  };

  constructor(
    store: Store,
    private readonly options: PredictionLogOptions = {},
    private readonly log?: Logger,
  ) {
    this.capacity = options.capacity ?? 100_000;
    this.batchRows = options.batchRows ?? 1000;
    this.flushMs = options.flushMs ?? 200;
    this.replayMs = options.replayMs ?? 2000;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 1000;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.batchWaitMs = options.batchWaitMs ?? 30_000;
    this.spool = new Spool(options.spoolDir ?? `${store.path}.spool`);
    this.writer = new LogWriter(store.path);
  }

  depth(): number {
    return this.queued + this.inFlight;
  }

  /** Replays what earlier processes left in the spool, then keeps replaying periodically. */
  start(): void {
    this.replayTimer = setInterval(() => {
      if (!this.replaying) void this.replay();
    }, this.replayMs);
    this.replayTimer.unref();
    void this.replay();
  }

  /** An empty queue takes any request, so one larger than the capacity is not refused forever. */
  private fits(rows: number): boolean {
    const depth = this.depth();
    return depth === 0 || depth + rows <= this.capacity;
  }

  private full(rows: number): MlshipError {
    return new MlshipError({
      what: `the prediction log cannot take ${rows} more row${rows === 1 ? "" : "s"} (${this.depth()} of ${this.capacity} waiting for the store)`,
      fix: `retry after ${this.retryAfterSeconds} s; if it persists, the store is too slow or unavailable (see the server log)`,
      code: "E_BUSY_LOG_FULL",
      data: { retryAfterSeconds: this.retryAfterSeconds },
    });
  }

  scored(event: PredictionEvent): void {
    const n = event.output.nRows;
    if (this.closed || !this.fits(n)) throw this.full(n);
    this.queue.push(segmentOf(event, this.hash));
    this.queued += n;
    if (this.queued >= this.batchRows) this.flushSoon ??= setImmediate(() => void this.flush());
    else if (this.flushTimer === undefined) {
      this.flushTimer = setTimeout(() => void this.flush(), this.flushMs);
      this.flushTimer.unref();
    }
  }

  /** Resolves once `rows` more would be taken; rejects after `batchWaitMs`. */
  ready(rows: number): Promise<void> {
    if (this.fits(rows)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        rows,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          reject(this.full(rows));
        }, this.batchWaitMs),
      };
      this.waiters.push(waiter);
    });
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0].rows)) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      w.resolve();
    }
  }

  /** Writes everything queued (one write at a time); resolves once it is committed or spooled. */
  flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.flushSoon) clearImmediate(this.flushSoon);
    this.flushSoon = undefined;
    // A flush under way may have taken its batch before the caller's rows arrived: run another after it.
    const run = (this.flushing ?? Promise.resolve()).then(() => this.drain());
    this.flushing = run;
    void run.finally(() => {
      if (this.flushing === run) this.flushing = undefined;
    });
    return run;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      // Up to five batches' worth of rows per write (whole segments: at least one).
      let take = 0;
      let rows = 0;
      while (
        take < this.queue.length &&
        (take === 0 || rows + rowCount(this.queue[take]) <= this.batchRows * 5)
      )
        rows += rowCount(this.queue[take++]);
      const batch = this.queue.splice(0, take);
      this.queued -= rows;
      this.inFlight = rows;
      try {
        await this.persist(batch);
      } catch (err) {
        // Neither the store nor the spool took it: keep it in memory, refuse new rows once full.
        this.queue = batch.concat(this.queue);
        this.queued += rows;
        this.log?.error({ err, rows }, "prediction log: cannot write or spool a batch, holding it");
        if (!this.closed) {
          this.flushTimer ??= setTimeout(() => void this.flush(), this.replayMs);
          this.flushTimer.unref();
        }
        return;
      } finally {
        this.inFlight = 0;
        this.wake();
      }
    }
  }

  /**
   * To the store, else the spool; while the store is failing, to the spool first, so each flush does
   * not stall on the lock again, and to the store only when the spool fails too.
   */
  private async persist(batch: LogSegment[]): Promise<void> {
    const toStore = async () => {
      await this.insert(batch);
      this.degraded = false;
    };
    const toSpool = () => this.spool.append(batch.flatMap(rowsOfSegment));
    const [first, second] = this.degraded && !this.closed ? [toSpool, toStore] : [toStore, toSpool];
    try {
      await first();
    } catch (err) {
      if (first === toStore) this.degraded = true;
      this.log?.warn(
        { err, rows: batch.reduce((n, seg) => n + rowCount(seg), 0), spool: this.spool.dir },
        first === toStore
          ? "prediction log: the store refused a batch; spooling it for replay"
          : "prediction log: cannot spool a batch; trying the store",
      );
      await second();
    }
  }

  private insert(segments: readonly LogSegment[]): Promise<void> {
    return this.writer.insert(
      segments,
      this.closed ? (this.options.closeBusyTimeoutMs ?? 10_000) : this.busyTimeoutMs,
    );
  }

  /**
   * Replays spool files, one replay at a time; failures are logged and retried on the next tick. A call
   * while a replay runs queues one more after it, since files spooled after that replay listed the folder
   * would otherwise wait for the next tick; the periodic tick skips while one runs (see start).
   */
  replay(): Promise<void> {
    const run = (this.replaying ?? Promise.resolve()).then(() =>
      this.spool
        .replay((rows) => this.insert(segmentsOfRows(rows)))
        .then((r: ReplayResult) => {
          this.degraded = false;
          if (r.files > 0)
            this.log?.info(
              { rows: r.rows, files: r.files, skippedLines: r.skipped },
              "prediction log: spool replayed",
            );
        })
        .catch((err: unknown) => {
          this.degraded = true;
          this.log?.warn({ err, spool: this.spool.dir }, "prediction log: spool replay failed, will retry");
        }),
    );
    this.replaying = run;
    void run.finally(() => {
      if (this.replaying === run) this.replaying = undefined;
    });
    return run;
  }

  /** Flushes everything taken (to the store, else to the spool) and tries one last replay. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.replayTimer);
    await this.replaying;
    // The last flush tries the store again (with the store's full lock wait), whatever failed before.
    this.degraded = false;
    await this.flush();
    if (this.queued > 0) {
      this.log?.error(
        { rows: this.queued, spool: this.spool.dir },
        "prediction log: rows lost at shutdown, neither the store nor the spool would take them",
      );
    }
    // Leave no spool behind when the store takes it; one that just failed the flush is not waited on twice.
    if (!this.degraded) await this.replay();
    await this.writer.close();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(this.full(w.rows));
    }
    this.waiters = [];
  }
}

declare module "fastify" {
  interface FastifyInstance {
    /** The server's prediction log (null when turned off): its queue depth is for the metrics. */
    predictionLog: PredictionLog | null;
  }
}
