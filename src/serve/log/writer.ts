/**
 * The thread that writes log batches. SQLite calls are synchronous: on the server's main thread, a
 * batch's inserts and the commit's fsync (several ms on an ordinary disk), and every wait for another
 * process's lock, would stall every request in flight, and the p99 with them. So batches are posted to
 * a worker thread holding its own connection to the store (one more reader/writer of the WAL file, like
 * another process), which inserts them with one prepared statement in one transaction.
 *
 * The thread's code is plain JavaScript given as a string, so it runs the same from the sources under
 * test and from the build, and needs nothing of mlship but the driver (resolved here, so it is found
 * wherever mlship is installed, not from the current folder).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { storeError } from "../../store/index.js";
import type { LogRow, LogSegment } from "./rows.js";

const threadCode = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const { path, columns, rowsPerStatement } = workerData;
const width = columns.length;
let db;
// Statements of n rows (one per n used: a full one, and the batch's remainder).
const inserts = new Map();
function insertOf(n) {
  let stmt = inserts.get(n);
  if (!stmt) {
    const row = "(" + columns.map(() => "?").join(", ") + ")";
    stmt = db.prepare(
      "INSERT INTO prediction_log (" + columns.join(", ") + ") VALUES " + Array(n).fill(row).join(", ") +
        " ON CONFLICT (request_id, row_index) DO NOTHING",
    );
    inserts.set(n, stmt);
  }
  return stmt;
}
function open() {
  db = new Database(path, { fileMustExist: true });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
}
parentPort.on("message", (m) => {
  try {
    if (m.close) {
      if (db) db.close();
      parentPort.postMessage({ id: m.id });
      parentPort.close();
      return;
    }
    if (!db) open();
    if (m.pragma) {
      parentPort.postMessage({ id: m.id, result: db.pragma(m.pragma) });
      return;
    }
    db.pragma("busy_timeout = " + m.busyTimeoutMs);
    db.prepare("BEGIN IMMEDIATE").run();
    try {
      let values = [];
      for (const row of m.rows === "" ? [] : m.rows.split("\u0001")) {
        const f = row.split("\u0000");
        // In the order of workerData.columns; see encode() for how each field is written.
        values.push(f[0], Number(f[1]), f[2], Number(f[3]), f[4] === "" ? null : f[4], JSON.parse(f[5]), f[6],
          Number(f[7]), Number(f[8]), JSON.parse(f[9]), f[10], f[11] === "" ? null : f[11], f[12],
          f[13] === "" ? null : f[13]);
        if (values.length === rowsPerStatement * width) {
          insertOf(rowsPerStatement).run(values);
          values = [];
        }
      }
      if (values.length > 0) insertOf(values.length / width).run(values);
      db.prepare("COMMIT").run();
    } catch (err) {
      // After SQLITE_FULL or an I/O error SQLite may already have rolled back.
      if (db.inTransaction) db.prepare("ROLLBACK").run();
      throw err;
    }
    parentPort.postMessage({ id: m.id });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: { code: err && err.code, message: String(err && err.message) } });
  }
});
`;

const columns: ReadonlyArray<keyof LogRow> = [
  "request_id",
  "row_index",
  "model",
  "version",
  "alias",
  "fallback",
  "endpoint",
  "at",
  "latency_ms",
  "row_key",
  "inputs",
  "pii",
  "prediction",
  "probabilities",
];

/** Rows per INSERT: fewer statements to run, well under SQLite's 32,766 bound variables. */
const rowsPerStatement = 100;

/**
 * The segments' rows as one string, which costs one copy to send where the rows' values cost one each:
 * fields joined by U+0000 and rows by U+0001. JSON text never holds a raw control character, and
 * neither do request ids, model names, aliases and endpoints; the two fields that might (the key's
 * value and the fallback reason) are written as JSON. Nulls of the other nullable fields are empty
 * strings, which none of them can otherwise be.
 */
function encode(segments: readonly LogSegment[]): string {
  const parts: string[] = [];
  for (const s of segments) {
    const shared = [
      s.model,
      s.version,
      s.alias ?? "",
      JSON.stringify(s.fallback),
      s.endpoint,
      s.at,
      s.latency_ms,
    ].join("\u0000");
    for (let i = 0; i < s.inputs.length; i++) {
      parts.push(
        `${s.request_id}\u0000${s.first + i}\u0000${shared}\u0000${JSON.stringify(s.keys?.[i] ?? null)}\u0000${s.inputs[i]}\u0000${s.pii?.[i] ?? ""}\u0000${s.predictions[i]}\u0000${s.probabilities?.[i] ?? ""}`,
      );
    }
  }
  return parts.join("\u0001");
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: unknown) => void;
}

export class LogWriter {
  private worker: Worker | undefined;
  private next = 0;
  private readonly pending = new Map<number, Pending>();

  /** `path`: the SQLite store file, already created and migrated by the server's own connection. */
  constructor(private readonly path: string) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(threadCode, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve("better-sqlite3"),
        path: this.path,
        columns,
        rowsPerStatement,
      },
    });
    // Idle, it must not keep a process alive that is otherwise done; a call in flight refs it (call()),
    // or a shutdown awaiting its last batch would find an empty event loop and exit with code 13.
    worker.unref();
    worker.on(
      "message",
      (m: { id: number; error?: { code?: string; message: string }; result?: unknown }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        if (m.error)
          p.reject(storeError(Object.assign(new Error(m.error.message), { code: m.error.code }), this.path));
        else p.resolve(m.result);
      },
    );
    // A thread that died takes its requests with it (their batches are spooled); the next one starts anew.
    const fail = (err: unknown) => {
      if (this.worker === worker) this.worker = undefined;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the prediction log's writer thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const worker = this.thread();
      worker.ref();
      worker.postMessage({ id, ...message });
    });
  }

  /** One transaction; rows already present (a replayed batch) are left as they are. */
  async insert(segments: readonly LogSegment[], busyTimeoutMs: number): Promise<void> {
    await this.call({ rows: encode(segments), busyTimeoutMs });
  }

  /** A pragma on the thread's connection: diagnostics, and tests that make the store full for it. */
  pragma(pragma: string): Promise<unknown> {
    return this.call({ pragma });
  }

  /** Closes the thread's connection (so the last one to close the store can remove the WAL). */
  async close(): Promise<void> {
    if (!this.worker) return;
    const worker = this.worker;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    await this.call({ close: true }).catch(() => undefined);
    // Held until it is gone: awaiting an unref'd thread's exit leaves the event loop empty.
    worker.ref();
    await exited;
  }
}
