/**
 * Whether what the server caches from the store (API keys) may have changed since it was read, for
 * what would otherwise be read on every request. SQLite's `PRAGMA data_version` changes for a
 * connection whenever another connection commits, from this process or any other; so the server asks
 * it on a connection of its own, which sees the server's own writes (a key revoked over HTTP, or by a
 * library caller on the same Store) as well as `mlship keys revoke` in another process. One prepared
 * statement: about a microsecond, where reading the keys through the query builder costs a hundred.
 *
 * Most commits are not about keys: the prediction log commits a batch every 200 ms or less. So a moved
 * data_version only leads to a cheap fingerprint query of what is cached (`watch`), and the stamp moves
 * only when that fingerprint does; otherwise every log batch would empty the caches and send the next
 * request to the query builder.
 */
import Database from "better-sqlite3";

export class StoreChanges {
  private readonly db: Database.Database | undefined;
  private readonly version: Database.Statement | undefined;
  private readonly fingerprint: Database.Statement | undefined;
  private next = 0;
  private current: number | undefined;
  private lastVersion: number | undefined;
  private lastFingerprint: string | undefined;
  private stamped = 0;

  /** `watch`: a query whose result changes whenever the cached data does (its rows, as text, are compared). */
  constructor(path: string, watch: string) {
    try {
      this.db = new Database(path, { readonly: true, fileMustExist: true });
      this.version = this.db.prepare("PRAGMA data_version").pluck();
      this.fingerprint = this.db.prepare(watch).raw();
    } catch {
      // Without its own connection the server cannot tell, so every look counts as a change.
      this.db?.close();
      this.db = undefined;
      this.version = undefined;
      this.fingerprint = undefined;
    }
  }

  /**
   * A stamp that differs from any earlier one once the watched data may have changed in between. Read
   * once per turn of the event loop: the requests read from the network in one turn arrived together,
   * and none of them can tell a commit made while they were read from one made just before.
   */
  stamp(): number {
    if (this.current !== undefined) return this.current;
    this.current = this.look();
    setImmediate(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private look(): number {
    if (!this.version || !this.fingerprint) return --this.next;
    try {
      const version = this.version.get() as number;
      if (version === this.lastVersion) return this.stamped;
      const fingerprint = JSON.stringify(this.fingerprint.all());
      this.lastVersion = version;
      if (fingerprint !== this.lastFingerprint) {
        this.lastFingerprint = fingerprint;
        this.stamped = --this.next;
      }
      return this.stamped;
    } catch {
      // A store that cannot be read now: count it as changed, so the caller reads (and reports) it.
      this.lastVersion = undefined;
      this.lastFingerprint = undefined;
      return --this.next;
    }
  }

  close(): void {
    this.db?.close();
  }
}
