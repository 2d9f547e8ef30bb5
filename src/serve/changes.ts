/**
 * Whether anything was committed to the store since a cache was filled, for what the server would
 * otherwise read on every request (API keys). SQLite's `PRAGMA data_version` changes for a connection
 * whenever another connection commits, from this process or any other; so the server asks it on a
 * connection of its own, which sees the server's own writes (a key revoked over HTTP, or by a library
 * caller on the same Store) as well as `mlship keys revoke` in another process. One prepared
 * statement: about a microsecond, where reading the keys through the query builder costs a hundred.
 */
import Database from "better-sqlite3";

export class StoreChanges {
  private readonly db: Database.Database | undefined;
  private readonly version: Database.Statement | undefined;
  private next = 0;
  private current: number | undefined;

  constructor(path: string) {
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.version = this.db.prepare("PRAGMA data_version").pluck();
    } catch {
      // Without its own connection the server cannot tell, so every look counts as a change.
      this.db?.close();
      this.db = undefined;
    }
  }

  /**
   * A stamp that differs from any earlier one once something was committed in between. Read once per
   * turn of the event loop: the requests read from the network in one turn arrived together, and
   * none of them can tell a commit made while they were read from one made just before.
   */
  stamp(): number {
    if (this.current !== undefined) return this.current;
    let stamp: number;
    try {
      stamp = this.version ? (this.version.get() as number) : --this.next;
    } catch {
      // A store that cannot be read now: count it as changed, so the caller reads (and reports) it.
      stamp = --this.next;
    }
    this.current = stamp;
    setImmediate(() => {
      this.current = undefined;
    });
    return stamp;
  }

  close(): void {
    this.db?.close();
  }
}
