/**
 * SQLite's failures, said the way a user can act on them. Every statement the store runs passes
 * through `storeError`, so no caller ever sees a raw driver error (or its stack trace).
 */
import { MlshipError } from "../core/errors.js";

interface DriverError {
  code?: unknown;
  message?: unknown;
}

export function storeError(err: unknown, path: string): unknown {
  if (err instanceof MlshipError) return err;
  const code = typeof (err as DriverError)?.code === "string" ? ((err as DriverError).code as string) : "";
  const message = String((err as DriverError)?.message ?? err);
  const where = `store: ${path}`;
  const made = (what: string, fix: string, c: string) =>
    new MlshipError({ what, where, fix, code: c, data: { driverCode: code } }, { cause: err });
  if (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_") || code.startsWith("SQLITE_LOCKED"))
    return made(
      "the store stayed locked by another process for longer than the busy timeout",
      "retry; if it persists, look for a process stuck holding the store open (a long transaction)",
      "E_STORE_BUSY",
    );
  if (code === "SQLITE_FULL")
    return made(
      "the store could not grow: the disk (or the store's size limit) is full; nothing from this step was written",
      "free disk space where the store lives, then retry",
      "E_STORE_FULL",
    );
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT" || code.startsWith("SQLITE_CORRUPT_"))
    return made(
      "the store file is damaged or is not an SQLite database",
      "restore the store from a backup, or point --store / MLSHIP_STORE at another file; mlship leaves the damaged file untouched",
      "E_STORE_CORRUPT",
    );
  if (code.startsWith("SQLITE_READONLY"))
    return made(
      "the store is read-only for this process",
      "check the file's and its folder's permissions (SQLite also writes -wal and -shm files beside it)",
      "E_STORE_READONLY",
    );
  if (code.startsWith("SQLITE_CANTOPEN"))
    return made(
      "the store file cannot be opened",
      "check that the folder exists and is writable, or give another path with --store",
      "E_STORE_OPEN",
    );
  if (code.startsWith("SQLITE_IOERR"))
    return made(
      `the store hit an I/O error (${code})`,
      "check the disk and free space; the last transaction was rolled back",
      "E_STORE_IO",
    );
  if (code.startsWith("SQLITE_CONSTRAINT"))
    return made(
      `the store refused a write: ${message}`,
      "this is a conflict with existing data",
      "E_STORE_CONSTRAINT",
    );
  return err;
}
