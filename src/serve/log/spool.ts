/**
 * Where log batches wait while the store cannot take them: NDJSON files (one row per line, fsync'd
 * before the batch counts as kept) in a folder beside the store. Each process appends to its own file,
 * `<pid>-<start>-<n>.ndjson`, and starts a new one (n + 1) before replaying its own, so a replay never
 * races an append. Files of processes that are gone (a crash, a kill -9 after a spill) are replayed by
 * whichever process sharing the store looks next. Replay inserts idempotently and deletes a file only
 * once every row in it is committed, so a replay cut short by another failure or a crash is repeated
 * without duplicates.
 */
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { LogRow } from "./rows.js";

const fileName = /^(\d+)-(\d+)-(\d+)\.ndjson$/;

/** Whether a process with this id runs (EPERM: it does, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export interface ReplayResult {
  rows: number;
  files: number;
  /** Lines that were not rows (a line torn by a crash while appending): skipped. */
  skipped: number;
}

export class Spool {
  private readonly start = Date.now();
  private seq = 0;
  /** Rows appended to the current file: a replay seals it first (the next append starts a new one). */
  private pending = 0;

  constructor(readonly dir: string) {}

  private current(): string {
    return join(this.dir, `${process.pid}-${this.start}-${this.seq}.ndjson`);
  }

  /** Appends and fsyncs; rows are kept once this resolves. */
  async append(rows: readonly LogRow[]): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let text = "";
    for (const r of rows) text += `${JSON.stringify(r)}\n`;
    const fh = await open(this.current(), "a", 0o600);
    try {
      await fh.appendFile(text, "utf8");
      await fh.datasync();
    } finally {
      await fh.close();
    }
    this.pending += rows.length;
  }

  /** Files to replay now: this process's sealed ones and those of processes that are gone. */
  private async replayable(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const current = `${process.pid}-${this.start}-${this.seq}.ndjson`;
    return names
      .filter((name) => {
        const m = fileName.exec(name);
        if (!m || name === current) return false;
        const pid = Number(m[1]);
        // The same pid with another start time is an earlier process (containers reuse pid 1).
        if (pid === process.pid) return true;
        return !alive(pid);
      })
      .sort();
  }

  /**
   * Replays every replayable file through `insert` (which must ignore rows already present), `chunk`
   * rows per call. Throws the first insert failure, leaving that file (and the rest) for the next try.
   */
  async replay(insert: (rows: LogRow[]) => Promise<void>, chunk = 2000): Promise<ReplayResult> {
    // Seal the file being appended to, so its rows are replayed and new ones go to the next file.
    if (this.pending > 0) {
      this.seq++;
      this.pending = 0;
    }
    const result: ReplayResult = { rows: 0, files: 0, skipped: 0 };
    for (const name of await this.replayable()) {
      const file = join(this.dir, name);
      const lines = createInterface({
        input: createReadStream(file, "utf8"),
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      let rows: LogRow[] = [];
      try {
        for await (const line of lines) {
          if (line === "") continue;
          try {
            rows.push(JSON.parse(line) as LogRow);
          } catch {
            result.skipped++;
            continue;
          }
          if (rows.length >= chunk) {
            await insert(rows);
            result.rows += rows.length;
            rows = [];
          }
        }
      } catch (err) {
        // Another process replayed and deleted it first: its rows are in.
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      } finally {
        lines.close();
      }
      if (rows.length > 0) {
        await insert(rows);
        result.rows += rows.length;
      }
      await unlink(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ENOENT") throw err;
      });
      result.files++;
    }
    return result;
  }
}
